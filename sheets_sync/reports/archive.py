"""建档完整率: how many children's records are complete on the five items (建档率100%).

The five items (FORMS.md): 基本信息 (姓名, 性别, 出生日期, 学校, 年级, each filled in and
valid), 性格特征, 兴趣爱好, 健康状况, and contacts (a valid 监护人电话 and at least one valid
parent's phone). Per school and county: registered, complete, the rate; then every
incomplete record with what it lacks.
"""

from __future__ import annotations

from ..books.base import PrintSetup, TabContent
from ..config import Program
from .grades import groups
from .model import Builder, Forms, Record, generated_note, rate

TAB = "建档完整率"
BASIC = (("name", "姓名"), ("sex", "性别"), ("birth_date", "出生日期"), ("school", "学校"),
         ("grade", "年级"))
TEXT_ITEMS = (("personality", "性格特征"), ("interests", "兴趣爱好"), ("health", "健康状况"))


def _state(c: Record, key: str, label: str) -> str:
    """``""`` when the field is filled in and valid, else what is wrong with it."""
    if not c.t(key):
        return f"缺{label}"
    if c.v(key) is None:
        return f"{label}有误"
    return ""


def lacks(c: Record) -> list[str]:
    """What keeps ``c`` from a complete record (empty: complete)."""
    out: list[str] = []
    basic = [s for s in (_state(c, k, lab) for k, lab in BASIC) if s]
    if basic:
        out.append("基本信息(" + "、".join(basic) + ")")
    out += [label for key, label in TEXT_ITEMS if _state(c, key, label)]
    contact: list[str] = []
    g = _state(c, "guardian_phone", "监护人电话")
    if g:
        contact.append(g)
    if all(_state(c, k, "") for k in ("father_phone", "mother_phone")):
        contact.append("缺父母任一方的有效电话")
    if contact:
        out.append("联系方式(" + "、".join(contact) + ")")
    return out


def archive(forms: Forms, program: Program) -> TabContent:
    """The 建档完整率 tab."""
    gs = groups(forms, program)
    b = Builder()
    b.add([f"{program.name} 儿童建档完整率"], bold=True)
    b.merge(1, 1, 5)
    b.add(["县", "学校", "登记人数", "建档完整", "完整率"])
    missing: list[tuple[Record, list[str], str]] = []
    counties: list[str] = []
    for g in gs:
        if g.county not in counties:
            counties.append(g.county)
    total = complete_total = 0
    for county in counties:
        n = k = 0
        for g in (g for g in gs if g.county == county):
            ok = 0
            for c in g.children:
                what = lacks(c)
                if what:
                    missing.append((c, what, g.school))
                else:
                    ok += 1
            b.add([county or "县未填", g.school, len(g.children), ok,
                   rate(ok, len(g.children))])
            n += len(g.children)
            k += ok
        b.add([county or "县未填", "小计", n, k, rate(k, n)], bold=True)
        total += n
        complete_total += k
    b.add(["总计", "", total, complete_total, rate(complete_total, total)], bold=True)
    b.add([])
    b.add([f"未完整建档的记录({len(missing)} 条)"], bold=True)
    b.add(["编号", "姓名", "学校", "位置", "缺少或有误"], section=True)
    for c, what, school in missing:
        b.add([c.t("id"), c.t("name"), school, f"{c.tab} 第 {c.row} 行", ";".join(what)])
    if not missing:
        b.add(["全部记录已完整建档"])
    return b.content(header_rows=2, widths={1: 10, 2: 18, 3: 18, 4: 32, 5: 60},
                     note=generated_note("五项建档信息:基本信息、性格特征、兴趣爱好、健康状况、"
                                         "联系方式"),
                     print_setup=PrintSetup(repeat_rows=(2, 2)))
