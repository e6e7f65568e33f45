"""年级统计 (各年级儿童参与活动人数统计表): school × grade counts, split by sex.

Rows are schools in county order (the program's counties, then the order of the 学校
tab), a subtotal per county and a grand total; columns are the grades present (a child
whose grade is empty or invalid is counted under 年级不明), each split 男/女/小计. Under
the table, 各年级合计 feeds the participation chart. Every registered child is counted
(登记). When the book has an 出勤 tab, 实际参加 beside it counts the children marked 到 at
least once, per school, county, grade and in the chart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..books.base import Chart, PrintSetup, TabContent
from ..config import Program
from ..forms.validate import ref_key
from .model import Builder, Forms, Record, generated_note, records
from .rosters import school_children

TAB = "年级统计"
UNKNOWN = "年级不明"
SEXES = ("男", "女")


@dataclass
class Group:
    county: str
    school: str
    children: list[Record]


def grade_of(child: Record) -> str:
    g = child.v("grade")
    return f"{g}年级" if isinstance(g, int) else UNKNOWN


def groups(forms: Forms, program: Program) -> list[Group]:
    """Schools with their children, in county order (children of unlisted schools too)."""
    listed, orphans = school_children(forms)
    out = [Group(s.t("county"), s.t("name"), kids) for s, kids in listed]
    extra: dict[tuple[str, str], list[Record]] = {}
    for c in orphans:
        extra.setdefault((c.t("county"), (c.t("school") or "学校未填") + "(不在学校表)"),
                         []).append(c)
    out += [Group(county, school, kids) for (county, school), kids in extra.items()]
    order = {c: i for i, c in enumerate(program.counties)}
    return sorted(out, key=lambda g: order.get(g.county, len(order)))


def _grades(children: list[Record]) -> list[str]:
    present = {grade_of(c) for c in children}
    known = sorted((g for g in present if g != UNKNOWN), key=lambda g: int(g[:-2]))
    return known + ([UNKNOWN] if UNKNOWN in present else [])


def grade_stats(forms: Forms, program: Program) -> TabContent:
    """The 年级统计 tab."""
    gs = groups(forms, program)
    everyone = [c for g in gs for c in g.children]
    grades = _grades(everyone) or ["3年级", "4年级", "5年级"]
    came = attended(forms)
    b = Builder()
    width = 2 + 3 * (len(grades) + 1) + (came is not None)
    b.add([f"{program.name} 各年级儿童参与活动人数统计表"], bold=True)
    b.merge(1, 1, width)
    head: list[str] = ["县", "学校"]
    for label in [*grades, "合计"]:
        head += [label, "", ""]
    b.add([*head, *(["实际参加"] if came is not None else [])])
    b.add(["", "", *[*SEXES, "小计"] * (len(grades) + 1)])
    b.merge(2, 1, 1, 3)
    b.merge(2, 2, 2, 3)
    if came is not None:
        b.merge(2, width, width, 3)
    for k in range(len(grades) + 1):
        b.merge(2, 3 + 3 * k, 5 + 3 * k)

    def counts(children: list[Record]) -> list[str | int]:
        n = Counter((grade_of(c), c.t("sex")) for c in children)
        per = Counter(grade_of(c) for c in children)
        cells: list[str | int] = []
        for g in grades:
            cells += [n[(g, "男")], n[(g, "女")], per[g]]
        sex = Counter(c.t("sex") for c in children)
        cells += [sex["男"], sex["女"], len(children)]
        if came is not None:
            cells.append(sum(1 for c in children if ref_key(c.t("id")) in came))
        return cells

    county_order: list[str] = []
    for g in gs:
        if g.county not in county_order:
            county_order.append(g.county)
    for county in county_order:
        mine = [g for g in gs if g.county == county]
        for g in mine:
            b.add([county or "县未填", g.school, *counts(g.children)])
        b.add([county or "县未填", "小计", *counts([c for g in mine for c in g.children])],
              bold=True)
    b.add(["总计", "", *counts(everyone)], bold=True)
    unknown_sex = sum(1 for c in everyone if c.t("sex") not in SEXES)
    if unknown_sex:
        b.add([f"注:{unknown_sex} 名儿童性别未填或有误,只计入小计。"])
    b.add([])
    per = Counter(grade_of(c) for c in everyone)
    if came is None:
        first = b.add(["年级", "人数"], section=True)
        for label in grades:
            b.add([label, per[label]])
        b.add(["合计", len(everyone)], bold=True)
    else:
        first = b.add(["年级", "登记", "实际参加"], section=True)
        joined = Counter(grade_of(c) for c in everyone if ref_key(c.t("id")) in came)
        for label in grades:
            b.add([label, per[label], joined[label]])
        b.add(["合计", len(everyone), sum(joined.values())], bold=True)
    series = ((2, first + 1, first + len(grades)),) + (
        ((3, first + 1, first + len(grades)),) if came is not None else ())
    b.charts.append(Chart(title="各年级参与人数", categories=(1, first + 1, first + len(grades)),
                          series=series, anchor=f"{'E' if came is not None else 'D'}{first}",
                          y_title="人数"))
    widths = {1: 8.0, 2: 18.0} | {j: 6.0 for j in range(3, width + 1)}
    return b.content(header_rows=3, widths=widths,
                     note=generated_note("按学校、年级和性别统计登记儿童人数"),
                     print_setup=PrintSetup(landscape=True, repeat_rows=(2, 3)))


def attended(forms: Forms) -> set[str] | None:
    """The children (ref_key of 编号) marked 到 at least once in 出勤; None: no 出勤 tab."""
    if "attendance" not in forms:
        return None
    return {ref_key(a.t("child_id")) for a in records(forms, "attendance")
            if a.t("status") == "到" and a.t("child_id")}


def participants(forms: Forms) -> list[Record]:
    """The children counted (every registered child)."""
    return records(forms, "child")
