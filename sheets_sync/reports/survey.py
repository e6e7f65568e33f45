"""问卷统计: the statistics of a questionnaire (any form marked ``survey: true``).

The plan's 调查问卷数据统计表, one generated tab per survey form (``问卷统计``; with several
survey forms ``问卷统计-<form>``). For every choice question (single or multiple, 是/否):
each choice's count and share, then its count in each county and each grade present, and a
column chart of the counts beside it. A share is of the children who answered that question
(a multi-choice question's shares can add up past 100%). For every numeric question (年龄,
每天课外学习时间 …): how many answered, the mean, the smallest, the median and the largest,
overall and per county. Free-text questions are listed at the end with how many answered.
Nothing personal is shown: counts only.
"""

from __future__ import annotations

import statistics
from collections import Counter
from decimal import Decimal

from ..books.base import Chart, PrintSetup, TabContent
from ..config import Program
from ..forms.template import Field, FormTemplate
from ..table import a1
from .model import Builder, FormRecords, Forms, Record, generated_note, rate

TAB = "问卷统计"
CHOICE_TYPES = frozenset({"choice", "multi_choice", "bool_zh"})
NUMBER_TYPES = frozenset({"integer", "decimal", "money"})
BLOCK_ROWS = 19
"""Rows each choice question takes at least: its chart (340 px high, 17 rows of 20 px) never
covers the next question's."""
SKIP_KEYS = frozenset({"county", "grade", "school", "name"})


def survey_forms(forms: Forms) -> list[FormRecords]:
    """The survey forms the book holds records of, in their order."""
    return [fr for fr in forms.values() if fr.form.survey and len(fr)]


def survey_tabs(forms: Forms, program: Program) -> dict[str, TabContent]:
    """One 问卷统计 tab per survey form with records."""
    found = survey_forms(forms)
    out: dict[str, TabContent] = {}
    for fr in found:
        name = TAB if len(found) == 1 else f"{TAB}-{fr.form.label}"
        out[name] = survey_stats(fr, program)
    return out


def _choices_of(f: Field, program: Program, seen: Counter[str]) -> list[str]:
    listed = [c.value for c in f.choices]
    if not listed and f.choices_from == "$program.counties":
        listed = list(program.counties)
    if not listed and f.type == "bool_zh":
        listed = ["是", "否"]
    return [*listed, *(v for v in seen if v not in listed)]


def _picked(r: Record, f: Field) -> list[str]:
    text = r.t(f.key).strip()
    if not text:
        return []
    if f.type == "multi_choice":
        return [p for p in text.split("、") if p]
    return [text]


def _groups(fr: FormRecords, program: Program) -> list[tuple[str, list[Record]]]:
    """(column title, records) for each county, then each grade, present."""
    keys = {f.key for f in fr.form.fields}
    out: list[tuple[str, list[Record]]] = []
    if "county" in keys:
        present = {r.t("county") for r in fr if r.t("county")}
        order = [c for c in program.counties if c in present] + sorted(present
                                                                      - set(program.counties))
        out += [(c, [r for r in fr if r.t("county") == c]) for c in order]
    if "grade" in keys:
        grades = sorted({r.v("grade") for r in fr if isinstance(r.v("grade"), int)})
        out += [(f"{g}年级", [r for r in fr if r.v("grade") == g]) for g in grades]
    return out


def _number(v: object) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | Decimal):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(str(v))
    return None


def survey_stats(fr: FormRecords, program: Program) -> TabContent:
    """The 问卷统计 tab of one survey form."""
    form: FormTemplate = fr.form
    records = list(fr)
    groups = _groups(fr, program)
    b = Builder()
    b.add([f"{form.label} 问卷统计(共 {len(records)} 份)"], bold=True)
    b.add(["占比 = 选这一项的人数 ÷ 回答了这一题的人数(多选题各项占比之和可超过 100%)。"
           "右侧各列是每个县、每个年级选这一项的人数。"])
    width = 3 + len(groups)
    chart_col = width + 2
    texts: list[tuple[str, int]] = []
    n = 0
    for f in form.fields:
        if f.type == "record_id" or f.key in SKIP_KEYS:
            continue
        if f.type in CHOICE_TYPES:
            if any(_picked(r, f) for r in records):
                n += 1
                _choice_block(b, n, f, records, groups, program, chart_col)
        elif f.type in NUMBER_TYPES:
            if any(_number(r.v(f.key)) is not None for r in records):
                n += 1
                _number_block(b, n, f, records, groups)
        elif answered := sum(bool(r.t(f.key).strip()) for r in records):
            texts.append((f.label, answered))
    if texts:
        b.add([])
        b.add(["文字题(不统计,请在登记表中阅读)", "回答人数"], section=True)
        for label, answered in texts:
            b.add([label, answered])
    widths = {1: 22.0, 2: 8.0, 3: 8.0} | {j: 8.0 for j in range(4, width + 1)}
    return b.content(header_rows=1, note=generated_note(f"{form.label}的各题统计"),
                     widths=widths, print_setup=PrintSetup(landscape=True, repeat_rows=(1, 1)))


def _choice_block(b: Builder, n: int, f: Field, records: list[Record],
                  groups: list[tuple[str, list[Record]]], program: Program,
                  chart_col: int) -> None:
    answered = [r for r in records if _picked(r, f)]
    if not answered:
        return
    counts: Counter[str] = Counter(p for r in answered for p in _picked(r, f))
    kind = "多选" if f.type == "multi_choice" else "单选"
    start = b.add([f"{n}. {f.label}({kind};回答 {len(answered)} 人)"], section=True)
    b.add(["选项", "人数", "占比", *(title for title, _ in groups)], bold=True)
    first = b.next_row
    for choice in _choices_of(f, program, counts):
        per = [sum(choice in _picked(r, f) for r in rs) for _, rs in groups]
        b.add([choice, counts.get(choice, 0), rate(counts.get(choice, 0), len(answered)), *per])
    last = b.next_row - 1
    if last >= first:
        b.charts.append(Chart(title=f"{n}. {f.label}", categories=(1, first, last),
                              series=((2, first, last),), anchor=a1(start, chart_col),
                              y_title="人数"))
    while b.next_row - start < BLOCK_ROWS:
        b.add([])


def _number_block(b: Builder, n: int, f: Field, records: list[Record],
                  groups: list[tuple[str, list[Record]]]) -> None:
    def summary(rs: list[Record]) -> list[str | int | Decimal]:
        vals = sorted(v for r in rs if (v := _number(r.v(f.key))) is not None)
        if not vals:
            return [0, "—", "—", "—", "—"]
        mean = (sum(vals, Decimal(0)) / len(vals)).quantize(Decimal("0.01"))
        median = Decimal(statistics.median(vals)).quantize(Decimal("0.01"))
        return [len(vals), mean, vals[0], median, vals[-1]]

    cols = [summary(records), *(summary(rs) for _, rs in groups)]
    if not cols[0][0]:
        return
    b.add([f"{n}. {f.label}(数值)"], section=True)
    b.add(["统计", "全部", "", *(title for title, _ in groups)], bold=True)
    for i, what in enumerate(("回答人数", "平均", "最小", "中位数", "最大")):
        row: list[str | int | Decimal] = [what, cols[0][i], ""]
        row += [c[i] for c in cols[1:]]
        b.add([_cell(v) for v in row])
    b.add([])


def _cell(v: str | int | Decimal) -> str | int | Decimal:
    if isinstance(v, Decimal):
        return v.quantize(Decimal("0.01"))
    return v
