"""花名册-<学校>: each school's safety roster, for head counts and emergencies.

One tab per school of the 学校 tab, holding every child registered at that school (the
forms have no withdrawal field, so every registered child counts as active), sorted by
grade, class, then the pinyin of the name. A header block gives the school, county,
contact teacher, the brigade's visit dates, the team that visits it (进驻安排: its dates,
队长 and the 队长's phone, masked unless revealed) and the counts by grade and sex. A school
with no children gets the header and an empty list. Sensitive fields (监护人电话) are
masked unless the output reveals them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping

from ..books.base import PrintSetup, TabContent
from ..forms.validate import ref_key
from .model import Builder, Forms, Record, generated_note, records
from .schedule import VisitInfo, visits_by_school

PREFIX = "花名册-"
COLUMNS = ["序号", "编号", "姓名", "性别", "年级", "班级", "留守类型", "监护人", "监护人电话",
           "过敏或特殊注意", "结对志愿者", "志愿者电话"]
WIDTHS = {1: 6, 2: 9, 3: 10, 4: 6, 5: 6, 6: 7, 7: 10, 8: 10, 9: 14, 10: 22, 11: 10, 12: 14}
HEADER_ROWS = 6
_BAD_TAB_CHARS = re.compile(r"[\[\]:*?/\\]")
_DIGITS = re.compile(r"\d+")


def roster_tab_name(school: str, taken: Collection[str] = ()) -> str:
    """``花名册-<学校>`` made a tab name Excel accepts, unique (ignoring case) among ``taken``.

    The one tab-name rule of every writer (:func:`sheets_sync.books.xlsx.valid_tab_name`):
    ``[]:*?/\\`` become ``_``, no leading or trailing ``'``, at most 31 characters, and two
    schools whose names would collide (the cut, ``a/b`` and ``a\\b``, ``ABC`` and ``abc``)
    get ``(2)``, ``(3)`` … so every school keeps its own roster.
    """
    from ..books.xlsx import valid_tab_name

    return valid_tab_name(PREFIX + school.strip(), taken)


def _class_key(text: str) -> tuple[int, str]:
    m = _DIGITS.search(text)
    return (int(m.group()) if m else 10**6, text)


def _pinyin(name: str) -> str:
    from ..pinyin import lazy_pinyin

    return " ".join(lazy_pinyin(name, tone3=True))


def sort_key(child: Record) -> tuple[int, tuple[int, str], str, str]:
    """Grade (unknown last), class number, pinyin of the name, then 编号."""
    grade = child.v("grade")
    return (grade if isinstance(grade, int) else 99, _class_key(child.t("class_name")),
            _pinyin(child.t("name")), child.t("id"))


def grade_label(child: Record) -> str:
    g = child.v("grade")
    return f"{g}年级" if isinstance(g, int) else (child.t("grade") or "年级未填")


def _pairs(forms: Forms) -> dict[str, Record]:
    """Child 编号 → the volunteer of its pair 进行中."""
    vols = {v.t("id"): v for v in records(forms, "volunteer") if v.t("id")}
    out: dict[str, Record] = {}
    for p in records(forms, "pair"):
        if p.t("status") in ("", "进行中") and p.t("volunteer_id") in vols:
            out.setdefault(p.t("child_id"), vols[p.t("volunteer_id")])
    return out


Disputed = Mapping[tuple[str, str], list[tuple[str, str]]]


def disputed_text(value: str, others: list[tuple[str, str]]) -> str:
    """A safety cell two books disagree on: the hub's value and, beside it, the other."""
    said = ";".join(f"{book} 写的是“{v or '(空)'}”" for v, book in others)
    return f"{value or '(空)'}〔待核实:{said}〕"


def visit_line(visits: list[VisitInfo]) -> str:
    """``进驻支队:满城一支队 2026-07-07 至 2026-07-12 队长 张三 139****0001`` (or 未安排)."""
    if not visits:
        return "进驻支队:未安排(见“进驻安排”)"
    parts = []
    for v in visits:
        lead = " ".join(x for x in (v.leader, v.phone) if x)
        parts.append(f"{v.team} {v.start} 至 {v.end}" + (f"  队长:{lead}" if lead else ""))
    return "进驻支队:" + ";".join(parts)


def roster(school: Record, children: list[Record], forms: Forms,
           reveal: Collection[str] = (), disputed: Disputed | None = None,
           visits: list[VisitInfo] | None = None) -> TabContent:
    """The roster of one school (``children``: that school's records, any order).

    A safety field (过敏或特殊注意) in ``disputed`` shows both values until a person decides.
    ``visits``: the school's visits (from 进驻安排; found here when not given).
    """
    if visits is None:
        from ..forms.validate import ref_key

        visits = visits_by_school(forms, reveal).get(ref_key(school.t("name")), [])
    from ..privacy import shown_value

    child_form = forms["child"].form if "child" in forms else None
    vol_form = forms["volunteer"].form if "volunteer" in forms else None
    pairs = _pairs(forms)
    kids = sorted(children, key=sort_key)
    b = Builder()
    name = school.t("name")
    b.add([f"{name} 留守儿童花名册"], bold=True)
    b.merge(1, 1, len(COLUMNS))
    visit = " 至 ".join(x for x in (school.t("start_date"), school.t("end_date")) if x)
    teacher = " ".join(x for x in (school.t("contact_teacher"), school.t("contact_phone")) if x)
    b.add([f"县:{school.t('county') or '未填'}  乡镇:{school.t('town') or '未填'}  "
           f"联系老师:{teacher or '未填'}  进驻日期:{visit or '未定'}"])
    b.add([visit_line(visits)])
    sexes = Counter(c.t("sex") for c in kids)
    counts = f"人数:{len(kids)}(男 {sexes['男']},女 {sexes['女']}"
    other = len(kids) - sexes["男"] - sexes["女"]
    b.add([counts + (f",性别未填 {other})" if other else ")")])
    by_grade = Counter(grade_label(c) for c in kids)
    by_sex = Counter((grade_label(c), c.t("sex")) for c in kids)
    parts = [f"{g} {by_grade[g]} 人(男 {by_sex[(g, '男')]},女 {by_sex[(g, '女')]})"
             for g in sorted(by_grade, key=lambda s: (_class_key(s), s))]
    b.add(["各年级:" + (";".join(parts) if parts else "暂无登记儿童")])
    for r in range(2, HEADER_ROWS):
        b.merge(r, 1, len(COLUMNS))
    b.add(COLUMNS)
    for n, c in enumerate(kids, start=1):
        vol = pairs.get(c.t("id"))
        phone = c.t("guardian_phone")
        if child_form is not None and phone:
            phone = shown_value(phone, child_form, child_form.field("guardian_phone"), reveal)
        allergies = c.t("allergies")
        if disputed and (c.t("id"), "allergies") in disputed:
            allergies = disputed_text(allergies, disputed[(c.t("id"), "allergies")])
        vol_phone = vol.t("phone") if vol else ""
        if vol_form is not None and vol_phone:  # the volunteer's own phone: sensitive too
            vol_phone = shown_value(vol_phone, vol_form, vol_form.field("phone"), reveal)
        b.add([n, c.t("id"), c.t("name"), c.t("sex"), grade_label(c), c.t("class_name"),
               c.t("left_behind_type"), c.t("guardian_name"), phone, allergies,
               vol.t("name") if vol else "", vol_phone])
    return b.content(
        header_rows=HEADER_ROWS, widths=WIDTHS,
        note=generated_note(f"{name}的花名册:该校登记的全部儿童,按年级、班级、姓名拼音排序"),
        print_setup=PrintSetup(landscape=True, repeat_rows=(HEADER_ROWS, HEADER_ROWS)))


def school_children(forms: Forms) -> tuple[list[tuple[Record, list[Record]]], list[Record]]:
    """Each school of the 学校 tab with its children, and children of no listed school."""
    out: list[tuple[Record, list[Record]]] = []
    index: dict[str, list[Record]] = {}  # ref_key(name) -> the first such school's children
    for s in unique_schools(forms):
        kids: list[Record] = []
        out.append((s, kids))
        index.setdefault(ref_key(s.t("name")), kids)
    orphans: list[Record] = []
    for c in records(forms, "child"):
        target = index.get(ref_key(c.t("school")))
        if target is None:
            orphans.append(c)
        else:
            target.append(c)
    return out, orphans


def unique_schools(forms: Forms) -> list[Record]:
    """The schools of the 学校 tab, a duplicated row once (its problem is in 校验问题)."""
    seen: set[str] = set()
    out: list[Record] = []
    for s in records(forms, "school"):
        key = s.t("name").strip()
        if s.t("name") and key not in seen:
            seen.add(key)
            out.append(s)
    return out


def rosters(forms: Forms, reveal: Collection[str] = (),
            disputed: Disputed | None = None) -> dict[str, TabContent]:
    """``花名册-<学校>`` for every school of the 学校 tab."""
    from ..forms.validate import ref_key

    groups, _ = school_children(forms)
    by_school = visits_by_school(forms, reveal)
    out: dict[str, TabContent] = {}
    for s, kids in groups:
        out[roster_tab_name(s.t("name"), out)] = roster(
            s, kids, forms, reveal, disputed, by_school.get(ref_key(s.t("name")), []))
    return out
