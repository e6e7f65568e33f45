"""Assemble the demo program and write its folder.

``build_demo(DIR)`` writes::

    DIR/总表.xlsx      the hub: every form tab, every row
    DIR/<县>.xlsx      one per county: its 学校 rows, its children, its brigade's 支出明细
    DIR/README.md      (Chinese) what each file is, every planted problem with its cell,
                       the planted duplicates and the odd-but-valid cells

The first county's child tab has a merged title row above its header (row 1 title, row 2
header), the way field workbooks often look; :attr:`DemoResult.header_rows` says so.
:func:`demo_books` is the pure part (grids in memory); :func:`build_demo` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Program
from ..forms.template import FormTemplate, default_templates
from ..table import a1
from .plant import (
    DupMark,
    Forms,
    Mark,
    OddMark,
    Picker,
    plant_duplicates,
    plant_odd,
    plant_problems,
)
from .synth import (
    DEMO_END,
    DEMO_START,
    Record,
    demo_children,
    demo_program,
    faker_for,
    make_applications,
    make_budget,
    make_donations,
    make_expenses,
    make_pairs,
    make_schools,
    make_talks,
    make_volunteers,
)

HUB_NAME = "总表.xlsx"
FORM_ORDER = ("school", "volunteer", "child", "pair", "application", "budget", "expense",
              "donation", "talk")
COUNTY_FORMS = ("school", "child", "expense")
TEXT_TYPES = frozenset({"cn_id", "cn_phone", "cn_mobile"})
TEXT_LABELS = frozenset({"学号", "发票号", "收据号", "编号", "儿童编号", "志愿者编号"})
Rows = list[list[str]]


@dataclass
class Planted:
    """A planted problem at one sheet cell, and the rule code that should report it."""

    book: str          # file name, e.g. "总表.xlsx"
    tab: str
    row: int           # sheet row
    column: str        # column label
    code: str          # rule code, e.g. "id.checksum"
    note: str          # Chinese: what was planted
    cell: str = ""     # A1 reference, e.g. "E17"
    severity: str = "error"
    value: str = ""    # the cell's text
    stage: str = "sync"
    """When ``validate`` can see it: ``sync`` (the books as built), ``schedule`` (once
    schedule has written 支队, 进驻安排 and 所属支队), ``care`` (in the first visit week's
    care records, made after the schedule: :mod:`.care`)."""


@dataclass
class OddCell:
    """A cell typed in an unusual but valid way: the validator must not flag it."""

    book: str
    tab: str
    row: int
    column: str
    cell: str
    value: str
    note: str


@dataclass
class DuplicatePair:
    """Two child records of the hub: the same child (``same``) or look-alikes (twins …)."""

    form: str
    tab: str
    a: str             # 编号 of the first record
    b: str             # 编号 of the second
    rows: tuple[int, int]
    kind: str
    same: bool
    note: str


@dataclass
class DemoBooks:
    """The demo in memory: every book's tabs as text, and where the planted things are."""

    books: dict[str, dict[str, Rows]]
    planted: list[Planted]
    duplicates: list[DuplicatePair]
    odd_valid: list[OddCell]
    counts: dict[str, int]
    header_rows: dict[tuple[str, str], int]
    title: tuple[str, str, str] | None
    text_columns: dict[str, dict[str, list[int]]] = field(default_factory=dict)


@dataclass
class DemoResult:
    """What :func:`build_demo` wrote."""

    directory: Path
    hub: Path
    counties: list[Path]
    readme: Path
    planted: list[Planted]
    duplicates: list[DuplicatePair]
    odd_valid: list[OddCell]
    counts: dict[str, int]
    header_rows: dict[tuple[str, str], int]   # (book file name, tab) -> header row, when not 1
    title: tuple[str, str, str] | None         # (book, tab, title text) of the merged title row

    @property
    def books(self) -> list[Path]:
        return [self.hub, *self.counties]

    def header_row(self, book: str, tab: str) -> int:
        return self.header_rows.get((Path(book).name, tab), 1)


# --------------------------------------------------------------------------- generate

def generate(seed: int, program: Program) -> tuple[Forms, list[Mark], list[OddMark],
                                                   list[DupMark]]:
    """Every form's records with the planted problems, duplicates and odd cells in place."""
    rng = np.random.default_rng(seed)
    schools = make_schools(rng, program)
    volunteers = make_volunteers(rng, program, schools)
    registrars = {c: [v["姓名"] for v in volunteers if v["所属大队"] == c]
                  for c in program.counties}
    children = demo_children(rng, schools, program, registrars)
    pairs = make_pairs(rng, program, volunteers, children)
    forms: Forms = {
        "school": schools,
        "volunteer": volunteers,
        "child": children,
        "pair": pairs,
        "application": make_applications(rng, program, children),
        "budget": make_budget(rng),
        "expense": make_expenses(rng, program, volunteers),
        "donation": make_donations(rng, program, faker_for(seed), volunteers),
        "talk": make_talks(rng, program, pairs, volunteers),
    }
    pick = Picker(rng)
    odd = plant_odd(forms, pick, program)
    marks = plant_problems(forms, pick, program)
    dups, dup_marks, dup_odd = plant_duplicates(forms, pick, rng)
    return forms, marks + dup_marks, odd + dup_odd, dups


# --------------------------------------------------------------------------- layout

def _labels(form: str, templates: dict[str, FormTemplate], records: Sequence[Record]) -> list[str]:
    if form in templates:
        return [f.label for f in templates[form].fields]
    seen: dict[str, None] = {}
    for r in records:
        seen.update({k: None for k in r if not k.startswith("_")})
    return list(seen)


def _tab(form: str, templates: dict[str, FormTemplate]) -> str:
    return templates[form].label if form in templates else form


def demo_books(seed: int = 2026, program: Program | None = None,
               templates: dict[str, FormTemplate] | None = None) -> DemoBooks:
    """The whole demo as grids of text, deterministic for ``seed``."""
    program = demo_program(program)
    templates = templates if templates is not None else default_templates()
    forms, marks, odd, dups = generate(seed, program)
    labels = {f: _labels(f, templates, forms[f]) for f in FORM_ORDER}
    books: dict[str, dict[str, Rows]] = {HUB_NAME: {}}
    header_rows: dict[tuple[str, str], int] = {}
    where: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    columns: dict[tuple[str, str], dict[str, int]] = {}
    text_columns: dict[str, dict[str, list[int]]] = {}
    title: tuple[str, str, str] | None = None

    def put(book: str, form: str, records: Sequence[Record], title_text: str = "") -> None:
        tab = _tab(form, templates)
        head = labels[form]
        rows: Rows = [[title_text]] if title_text else []
        rows.append(list(head))
        header = len(rows)
        if header != 1:
            header_rows[(book, tab)] = header
        for i, rec in enumerate(records):
            rows.append([rec.get(label, "") for label in head])
            if "编号" in rec:
                where.setdefault((form, rec["编号"]), []).append((book, tab, header + 1 + i))
        books[book][tab] = rows
        columns[(book, tab)] = {label: j for j, label in enumerate(head, start=1)}
        text_columns.setdefault(book, {})[tab] = [
            j for j, label in enumerate(head, start=1)
            if label in TEXT_LABELS or (form in templates
                                        and templates[form].fields[j - 1].type in TEXT_TYPES)]

    for form in FORM_ORDER:
        put(HUB_NAME, form, forms[form])
    for k, county in enumerate(program.counties):
        book = f"{county}.xlsx"
        books[book] = {}
        for form in COUNTY_FORMS:
            mine = [r for r in forms[form] if r.get("_county") == county]
            text = ""
            if k == 0 and form == "child":
                text = f"{county}县{_tab(form, templates)}"
                title = (book, _tab(form, templates), text)
            put(book, form, mine, text)

    def cell(book: str, tab: str, row: int, column: str) -> tuple[str, str]:
        col = columns[(book, tab)][column]
        return a1(row, col), books[book][tab][row - 1][col - 1]

    planted: list[Planted] = []
    for m in marks:
        for book, tab, row in where[(m.form, m.record)]:
            ref, value = cell(book, tab, row, m.column)
            planted.append(Planted(book, tab, row, m.column, m.code, m.note, ref, m.severity,
                                   value, m.stage))
    odd_cells: list[OddCell] = []
    for o in odd:
        for book, tab, row in where[(o.form, o.record)]:
            ref, value = cell(book, tab, row, o.column)
            odd_cells.append(OddCell(book, tab, row, o.column, ref, value, o.note))
    pairs: list[DuplicatePair] = []
    for d in dups:
        ra = next(r for b, _, r in where[(d.form, d.a)] if b == HUB_NAME)
        rb = next(r for b, _, r in where[(d.form, d.b)] if b == HUB_NAME)
        pairs.append(DuplicatePair(d.form, _tab(d.form, templates), d.a, d.b, (ra, rb), d.kind,
                                   d.same, d.note))
    counts = {f: len(forms[f]) for f in FORM_ORDER}
    return DemoBooks(books, planted, pairs, odd_cells, counts, header_rows, title, text_columns)


# --------------------------------------------------------------------------- write

def build_demo(directory: Path, *, seed: int = 2026, program: Program | None = None
               ) -> DemoResult:
    """Write the demo program into ``directory`` (created if needed); see the module doc."""
    from ..books.xlsx.new import write_workbook

    program = demo_program(program)
    directory = Path(directory)
    demo = demo_books(seed, program)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, tabs in demo.books.items():
        paths[name] = directory / name
        titles: dict[str, int] = {}
        if demo.title and demo.title[0] == name:  # merged over the header, panes below it
            titles[demo.title[1]] = len(tabs[demo.title[1]][1])
        write_workbook(paths[name], tabs, text_columns=demo.text_columns.get(name),
                       titles=titles)
    readme = directory / "README.md"
    readme.write_text(readme_text(demo, program), encoding="utf-8")
    return DemoResult(
        directory=directory,
        hub=paths[HUB_NAME],
        counties=[paths[f"{c}.xlsx"] for c in program.counties],
        readme=readme,
        planted=demo.planted,
        duplicates=demo.duplicates,
        odd_valid=demo.odd_valid,
        counts=demo.counts,
        header_rows=demo.header_rows,
        title=demo.title,
    )


# --------------------------------------------------------------------------- README

def readme_text(demo: DemoBooks, program: Program) -> str:
    """The demo folder's README, in Chinese."""
    counties = "、".join(program.counties)
    lines = [
        f"# 演示项目:{program.name}",
        "",
        "本文件夹由 `sheets-sync demo` 生成。**所有数据都是虚构的**(姓名来自 faker 的中文姓名库,"
        "身份证号、电话、地址均为随机生成),不含任何真实个人信息。",
        "",
        "## 文件",
        "",
        "| 文件 | 内容 |",
        "| --- | --- |",
        f"| {HUB_NAME} | 总表(协调员维护的共享表格):全部工作表、全部记录 |",
    ]
    for c in program.counties:
        lines.append(f"| {c}.xlsx | {c}大队的外勤工作簿:"
                     "本县的学校、留守儿童登记表、本大队的支出明细 |")
    lines += ["", "各表记录数(总表):", ""]
    lines += [f"- {tab}:{len(rows) - 1} 行" for tab, rows in demo.books[HUB_NAME].items()]
    if demo.title:
        book, tab, text = demo.title
        lines += ["", f"注意:{book} 的“{tab}”第 1 行是合并单元格的标题“{text}”,"
                  "表头在第 2 行,数据从第 3 行开始。"]
    lines += [
        "",
        f"项目县:{counties}。项目日期:{program.start_date} 至 {program.end_date};"
        f"发票额度:{program.invoice_threshold} 元。",
        "",
        "## 规模与计划",
        "",
        *plan_text(demo, program),
        "",
        "## 埋入的问题",
        "",
        "下面每个单元格都故意写错了,`sheets-sync validate` 应当逐一报告。"
        "同一条记录在总表和所在县的工作簿中各出现一次。",
        "",
        "| 文件 | 工作表 | 单元格 | 问题 | 规则代码 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in demo.planted:
        level = "(警告)" if p.severity == "warning" else ""
        later = "(排班写入支队和进驻安排后才能查出)" if p.stage == "schedule" else ""
        lines.append(f"| {p.book} | {p.tab} | {p.cell} | {p.column}:{p.note}{level}{later}"
                     f"(值:{_md(p.value)}) | `{p.code}` |")
    lines += [
        "",
        "## 埋入的重复记录",
        "",
        "同一儿童被登记了两次(查重功能应当找出),以及看起来相似但不是同一人的记录(不能合并)。"
        f"行号指 {HUB_NAME} 中的行。",
        "",
        "| 工作表 | 编号 | 行 | 类型 | 是否同一人 | 说明 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for d in demo.duplicates:
        lines.append(f"| {d.tab} | {d.a} / {d.b} | {d.rows[0]} / {d.rows[1]} | {d.kind} | "
                     f"{'是' if d.same else '否'} | {d.note} |")
    lines += [
        "",
        "## 看似异常但有效的单元格",
        "",
        "这些单元格写法不规范,但内容是正确的,校验时**不应**报告问题(像公式的文字必须保持为文字)。",
        "",
        "| 文件 | 工作表 | 单元格 | 列 | 值 | 说明 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in demo.odd_valid:
        lines.append(f"| {o.book} | {o.tab} | {o.cell} | {o.column} | {_md(o.value)} | {o.note} |")
    lines.append("")
    return "\n".join(lines)


def plan_text(demo: DemoBooks, program: Program) -> list[str]:
    """What the demo takes from the plan, with the arithmetic (Chinese README lines)."""
    hub = demo.books[HUB_NAME]
    schools = hub.get("学校", [[]])
    head = schools[0]
    signed = head.index("协议已签") if "协议已签" in head else None
    agreed = sum(1 for r in schools[1:] if signed is not None and r[signed] == "是")
    vols = hub.get("志愿者报名表", [[]])
    vhead = vols[0]
    status = vhead.index("录取状态") if "录取状态" in vhead else None
    admitted = sum(1 for r in vols[1:] if status is not None and r[status] == "录取")
    n_counties = len(program.counties)
    per_county = (len(schools) - 1) // max(n_counties, 1)
    children = len(hub.get("留守儿童家庭情况登记表", [[]])) - 1
    teams = admitted // program.team_size
    weeks = ((program.visit_last or DEMO_END) - (program.visit_first or DEMO_START)).days
    weeks = (weeks + 1) // 7
    return [
        f"- 计划抽样 75 所学校;原文又说“每一个县15所”,三个县共 45 所,与 75 所对不上。"
        f"演示按 75 所生成,每县 {per_county} 所(共 {len(schools) - 1} 所),"
        f"其中 {agreed} 所已签协议(协议已签 是)。",
        f"- 志愿者:报名 {len(vols) - 1} 人,录取并完成培训 {admitted} 人,平均分到"
        f" {n_counties} 个大队;每个支队 {program.team_size} 人(team_size),可组成 {teams} 个支队。"
        "演示不预先填写“支队”表:由 sheets-sync schedule 建议支队和每周进驻安排,演示在"
        "“排班建议”的“确认”列全部填写“接受”后再运行一次,写入“支队”“进驻安排”和队员的所属支队。",
        f"- 进驻:{program.visit_start} 起每周一所学校(每周六天在校,周日准备下一所),"
        f"到 {program.visit_end} 共 {weeks} 周;{teams} 个支队 × {weeks} 周 = "
        f"{teams * weeks} 个支队周,够 {agreed} 所已签协议的学校各进驻一次。",
        f"- 留守儿童:每校 30–60 名(多数 40 名左右,多为三至五年级),共 {children} 名。"
        f"每名志愿者每校最多结对 ⌈儿童数 ÷ 支队人数⌉ 名,不超过 pair_capacity_max:"
        f"默认 5 名时,一个 8 人支队最多结对 40 名儿童,超过 40 名的学校会有儿童结不上对"
        f"(例如 52 名儿童 → 12 名未结对,结对建议表会写明);演示的 sheets-sync.toml 写了 "
        f"pair_capacity_max = {program.pair_capacity_max},使进驻学校的每名儿童都能结对。",
    ]


def _md(text: str) -> str:
    return f"`{text}`" if text else "(空)"
