"""``sheets-sync demo``: build the synthetic program as a project folder, then run every step.

1. write the books (hub 总表.xlsx, one spoke per county) and ``sheets-sync.toml``;
2. a first sync records the base;
3. staff edits on both sides — an edit in the hub, an edit in a spoke, the same cell edited
   differently on both sides (a conflict), a row deleted in a spoke, a new row in a spoke;
4. the sync merges them (the conflict goes to 同步冲突, the deleted row to 回收站);
5. every book is validated, findings written back;
6. ``schedule`` proposes the teams and the five-week rotation into 排班建议; the demo
   accepts every proposal as staff would (接受 in 确认) and runs ``schedule`` again, which
   writes 支队, 进驻安排 and the members' 所属支队;
7. the first visit week's duty of care (:mod:`.care`) goes into the hub: 出勤, 联系记录,
   事件 and more 谈心记录, with planted mistakes;
8. a sync (the care forms stay in the hub: the demo's ``forms`` does not list them, as
   支队 and 进驻安排 are not), every book validated again (the mistakes that only the
   schedule or the care records make visible are counted then), ``pair``
   proposes a volunteer of the visiting team for every child of a visited school (结对建议,
   left for staff to accept) and the care reports (出勤统计, 联系情况, 待办, 安全日志) and
   年级统计 are made as of the demo's clock, :func:`~.synth.demo_now` (Saturday evening of
   that week).

``sheets-sync run`` inside the folder then works as-is.

The folder must be new or empty (:func:`check_folder`): with ``force`` the demo also writes
into a folder that holds other files, and rebuilds a folder an earlier demo wrote (it is
marked by ``.sheets-sync/demo``), but it never writes over a file it did not write itself:
a real project (``sheets-sync.toml``, ``总表.xlsx``), a ``README.md``, a county workbook or a
``.sheets-sync`` state folder of someone else's are refused even with ``force``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..books.base import TabContent, WriteBatch
from ..books.excel import ExcelBook
from ..config import CONFIG_NAME, Program
from ..errors import SheetsSyncError
from ..forms.template import FormTemplate, default_templates
from ..forms.validate import Report
from ..sync.init import PROGRAM_LINES, TEMPLATE
from ..sync.pipeline import PipelineResult, StepOptions, run_pipeline
from ..sync.project import Project, load_project
from ..sync.run import RunResult
from ..sync.slices import validate_book
from ..table import Grid
from .build import HUB_NAME, DemoResult, Planted, build_demo
from .care import CareWeek, care_week, cell_of
from .synth import demo_now, demo_program

CHILD_TAB = "留守儿童家庭情况登记表"
DEMO_MARK = "demo"
"""The file in the demo's ``.sheets-sync`` folder that says an earlier demo wrote the folder."""
IGNORED = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files a desktop leaves in any folder: they do not make a folder "not empty"."""


@dataclass
class DemoEdit:
    book: str
    tab: str
    record: str
    column: str
    old: str
    new: str
    note: str


@dataclass
class DemoRun:
    directory: Path
    result: DemoResult
    edits: list[DemoEdit] = field(default_factory=list)
    sync: RunResult | None = None
    reports: list[Report] = field(default_factory=list)
    planted_total: int = 0
    planted_found: int = 0
    missed: list[Any] = field(default_factory=list)
    plan: DemoPlan | None = None
    care: list[Planted] = field(default_factory=list)
    """The mistakes planted in the first visit week's care records (hub rows)."""

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.result.counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "counts": self.counts,
            "edits": [asdict(e) for e in self.edits],
            "sync": self.sync.as_json() if self.sync else None,
            "books": [r.summary() for r in self.reports],
            "planted": {"total": self.planted_total, "found": self.planted_found,
                        "missed": [vars(p) for p in self.missed]},
            "plan": asdict(self.plan) if self.plan else None,
        }


@dataclass
class DemoPlan:
    """What ``schedule`` and ``pair`` made of the demo."""

    teams: int = 0                 # written to 支队
    visits: int = 0                # written to 进驻安排
    agreed_schools: int = 0        # 协议已签 是
    scheduled_schools: int = 0     # agreed schools with a visit
    children_at_visited: int = 0   # children (with an id) of visited schools
    children_paired: int = 0       # of those: an active pair or a proposal
    proposals: int = 0             # pair proposals in 结对建议
    unpaired: int = 0              # children without a volunteer (any school)
    summary: list[str] = field(default_factory=list)   # the pair step's lines
    unscheduled: list[str] = field(default_factory=list)
    care: dict[str, int] = field(default_factory=dict)  # care rows written, per tab
    care_schools: int = 0          # schools with care records (the first visit week)
    care_tabs: list[str] = field(default_factory=list)  # report tabs made as of care_now
    care_now: str = ""             # the demo's clock (demo_now), "2026-07-11 21:00"


class _Tab:
    """A form tab of a demo book, addressed by record id and header."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.header_row = next(i for i, r in enumerate(grid.rows, 1) if "编号" in r)
        self.headers = grid.rows[self.header_row - 1]

    def col(self, header: str) -> int:
        return self.headers.index(header) + 1

    def row_of(self, record: str) -> int:
        id_col = self.col("编号")
        return next(r for r in range(self.header_row + 1, self.grid.n_rows + 1)
                    if self.grid.cell(r, id_col) == record)

    def rows(self) -> range:
        return range(self.header_row + 1, self.grid.n_rows + 1)


def _clean_ids(run: DemoRun, book: Path) -> list[str]:
    """Ids of child rows in ``book`` with no planted problem (safe to edit in the demo)."""
    planted = {(Path(p.book).name, p.row) for p in run.result.planted if p.tab == CHILD_TAB}
    tab = _Tab(ExcelBook(book).read()[CHILD_TAB])
    id_col = tab.col("编号")
    return [tab.grid.cell(r, id_col) for r in tab.rows()
            if (book.name, r) not in planted and tab.grid.cell(r, id_col)]


class _Editor:
    """Staff edits on the demo books, one write per book."""

    def __init__(self, run: DemoRun) -> None:
        self.run = run
        self.tabs: dict[Path, _Tab] = {}
        self.batches: dict[Path, WriteBatch] = {}

    def _tab(self, book: Path) -> _Tab:
        if book not in self.tabs:
            self.tabs[book] = _Tab(ExcelBook(book).read()[CHILD_TAB])
            self.batches[book] = WriteBatch()
        return self.tabs[book]

    def edit(self, book: Path, record: str, column: str, new: str, note: str) -> None:
        tab = self._tab(book)
        row, col = tab.row_of(record), tab.col(column)
        self.batches[book].set_cell(CHILD_TAB, row, col, new)
        self.run.edits.append(DemoEdit(book.name, CHILD_TAB, record, column,
                                       tab.grid.cell(row, col), new, note))

    def delete(self, book: Path, record: str) -> None:
        tab = self._tab(book)
        row = tab.row_of(record)
        for j in range(1, len(tab.headers) + 1):
            self.batches[book].set_cell(CHILD_TAB, row, j, "")
        self.run.edits.append(DemoEdit(book.name, CHILD_TAB, record, "(整行)", record, "",
                                       "分表中删除了这一行 → 回收站"))

    def add_like(self, book: Path, like: str) -> None:
        """A new child row (no 编号, no ID) modelled on ``like``, after the last row."""
        tab = self._tab(book)
        src, new_row = tab.row_of(like), tab.grid.n_rows + 1
        for j, header in enumerate(tab.headers, 1):
            value = tab.grid.cell(src, j)
            if header in {"编号", "身份证号"}:
                value = ""
            elif "*" in value:  # a masked cell of the spoke: staff type the child's own
                value = {"监护人电话": "13700001234", "父亲电话": "13700005678",
                         "母亲电话": "13700009012", "心理状况": "良好"}.get(
                             header, value.replace("*", "") + ("1号" if "住址" in header else ""))
            elif header == "姓名":
                value = value[:1] + "新"
            self.batches[book].set_cell(CHILD_TAB, new_row, j, value)
        self.run.edits.append(DemoEdit(book.name, CHILD_TAB, "(新行)", "(整行)", "", "",
                                       f"分表中新登记了一名儿童(第 {new_row} 行,没有编号)"))

    def save(self) -> None:
        for book, batch in self.batches.items():
            ExcelBook(book).apply(batch)


def _stage_edits(run: DemoRun) -> None:
    hub, (mancheng, shunping, qingyuan) = run.result.hub, run.result.counties[:3]
    m_ids, s_ids, q_ids = (_clean_ids(run, p) for p in (mancheng, shunping, qingyuan))
    ed = _Editor(run)
    ed.edit(hub, m_ids[0], "兴趣爱好", "踢足球", "总表中修改 → 流向满城分表")
    ed.edit(mancheng, m_ids[1], "学习情况", "数学进步明显", "分表中修改 → 流向总表")
    ed.edit(hub, m_ids[2], "监护人电话", "13900001111", "同一单元格两边改成不同的值:冲突")
    ed.edit(mancheng, m_ids[2], "监护人电话", "13900002222", "(冲突的另一边,记入“同步冲突”)")
    ed.delete(shunping, s_ids[0])
    ed.add_like(qingyuan, q_ids[0])
    ed.save()


def write_config(directory: Path, program: Program | None = None) -> Path:
    """The demo project's sheets-sync.toml: the commented template `init` writes, with the
    demo program's dates, invoice threshold, volunteer age, visit weeks, team size and
    pairing capacity written in (not commented)."""
    p = demo_program(program)
    text = TEMPLATE
    for line, value in ((PROGRAM_LINES["start_date"], f'start_date = "{p.start_date}"'),
                        (PROGRAM_LINES["end_date"], f'end_date = "{p.end_date}"'),
                        (PROGRAM_LINES["invoice_threshold"],
                         f'invoice_threshold = "{p.invoice_threshold}"'),
                        (PROGRAM_LINES["volunteer_min_age"],
                         f"volunteer_min_age = {p.volunteer_min_age}"),
                        (PROGRAM_LINES["team_size"], f"team_size = {p.team_size}"),
                        (PROGRAM_LINES["visit_start"], f'visit_start = "{p.visit_start}"'),
                        (PROGRAM_LINES["visit_end"], f'visit_end = "{p.visit_end}"'),
                        (PROGRAM_LINES["pair_capacity_max"],
                         f"pair_capacity_max = {p.pair_capacity_max}")):
        text = text.replace(line, value)
    path = directory / CONFIG_NAME
    path.write_text(text, encoding="utf-8")
    return path


def demo_files(program: Program) -> list[str]:
    """The names the demo writes in its folder (``.sheets-sync`` is its state folder)."""
    return [CONFIG_NAME, HUB_NAME, *(f"{c}.xlsx" for c in program.counties), "README.md",
            ".sheets-sync"]


def check_folder(directory: Path, *, force: bool = False, program: Program | None = None
                 ) -> None:
    """Refuse (:class:`SheetsSyncError`, one Chinese line) a folder the demo must not write.

    A missing or empty folder is fine. A folder an earlier demo wrote is rebuilt only with
    ``force``. Any other non-empty folder: with ``force`` the demo writes beside what is
    there, unless one of :func:`demo_files` is there already (never overwritten).
    """
    program = demo_program(program)
    if not directory.exists():
        return
    if not directory.is_dir():
        raise SheetsSyncError(f"{directory} 是一个文件,不是文件夹;请换一个新文件夹名,"
                              "如 sheets-sync demo 演示。")
    present = [p.name for p in directory.iterdir() if p.name not in IGNORED]
    if not present:
        return
    if (directory / ".sheets-sync" / DEMO_MARK).is_file():
        if force:
            return
        raise SheetsSyncError(f"{directory} 里已有一个演示项目,没有改动它;加 --force "
                              "可以重新生成(会覆盖演示写的文件,运行记录从头开始)。")
    taken = [n for n in demo_files(program) if n in present]
    if taken:
        raise SheetsSyncError(f"{directory} 里已有 {'、'.join(taken)},演示不会覆盖它们,"
                              "加 --force 也不会;请换一个空文件夹,如 sheets-sync demo 演示。")
    if not force:
        raise SheetsSyncError(f"{directory} 不是空文件夹,演示没有写入;请换一个新文件夹"
                              "(如 sheets-sync demo 演示),或加 --force 把演示写在已有文件旁边。")


def run_demo(directory: Path, *, seed: int = 2026,
             templates: dict[str, FormTemplate] | None = None,
             program: Program | None = None, force: bool = False) -> DemoRun:
    """Write the demo project into ``directory``, sync edits on both sides, validate each book.

    Refuses a folder that is not empty unless ``force`` (see :func:`check_folder`).
    """
    program = demo_program(program)
    templates = templates if templates is not None else default_templates()
    directory = Path(directory)
    check_folder(directory, force=force, program=program)
    (directory / ".sheets-sync").mkdir(mode=0o700, parents=True, exist_ok=True)
    (directory / ".sheets-sync" / DEMO_MARK).write_text(
        "此文件夹由 sheets-sync demo 生成,数据都是虚构的。\n", encoding="utf-8")
    result = build_demo(directory, seed=seed, program=program)
    write_config(directory, program)
    (directory / ".sheets-sync").mkdir(mode=0o700, exist_ok=True)
    for stale in (directory / ".sheets-sync").glob("state.db*"):
        stale.unlink()  # a demo re-built in the same folder starts a new history
    run = DemoRun(directory=directory, result=result)
    project = load_project(directory)
    # the first run records the base; the field books were copied from the hub, which is right
    run_pipeline(project, steps=("sync",), options=StepOptions(rebase_from="hub"))
    _stage_edits(run)
    # the sync, then every book validated as the project sees it (a spoke's masked cells
    # checked as the hub's values), findings written into each book
    res = run_pipeline(project, steps=("sync", "validate"))
    run.sync = res.sync
    by_name = {project.hub.name: res.validation, **res.spoke_validations}
    found: set[tuple[str, str, int, str]] = set()
    for path in result.books:
        report = by_name.get(path.name)
        if report is None:  # not synced this run (it cannot be: the demo made it)
            report, _ = validate_book(ExcelBook(path), templates=templates, program=program,
                                      state_dir=project.state_path)
        run.reports.append(report)
        found.update((path.name, p.tab, p.row, p.code) for p in report.problems)
    run.plan, final, care = _plan_and_pair(project, result.hub, seed)
    late: set[tuple[str, str, int, str]] = set()
    if final is not None:  # the books as the demo leaves them: what their 校验问题 tabs say
        again = {project.hub.name: final.validation, **final.spoke_validations}
        run.reports = [again.get(path.name) or report
                       for path, report in zip(result.books, run.reports, strict=True)]
        late = {(name, p.tab, p.row, p.code) for name, rep in again.items() if rep is not None
                for p in rep.problems}
    for p in [*result.planted, *care]:
        run.planted_total += 1
        if (Path(p.book).name, p.tab, p.row, p.code) in (found if p.stage == "sync" else late):
            run.planted_found += 1
        else:
            run.missed.append(p)
    run.care = care
    _append_readme(run)
    return run


def accept_all(book: Path, tab: str) -> int:
    """Play the staff member: write 接受 into every empty 确认 cell of ``tab``'s proposal rows
    (down to the first blank row); returns how many."""
    grid = ExcelBook(book).read().get(tab)
    if grid is None or not grid.n_rows:
        return 0
    head = grid.rows[0]
    if "确认" not in head:
        return 0
    col = head.index("确认") + 1
    batch = WriteBatch()
    n = 0
    for r in range(2, grid.n_rows + 1):
        cells = grid.rows[r - 1]
        if not any(c.strip() for c in cells):
            break
        if len([c for c in cells if c.strip()]) > 1 and not grid.cell(r, col).strip():
            batch.set_cell(tab, r, col, "接受")
            n += 1
    if n:
        ExcelBook(book).apply(batch)
    return n


CARE_REPORTS = ("attendance", "todo", "incidents")
"""What the demo's last run makes as of :func:`~.synth.demo_now`: 出勤统计, 待办, 安全日志
(联系情况, 年级统计, the rosters and the budget tabs: ``sheets-sync run``, as of its day)."""


def write_care(project: Project, hub: Path, seed: int) -> tuple[CareWeek, list[Planted]]:
    """The first visit week's care records (:func:`.care.care_week`) written into the hub
    (one write: the new tabs 出勤, 联系记录, 事件 and the talks below 谈心记录's rows), and
    the planted mistakes as hub cells."""
    grids = ExcelBook(hub).read()
    week = care_week(grids, project.program, project.templates, seed=seed)
    batch = WriteBatch()
    for tab, rows in week.tabs.items():
        batch.replace_tab(tab, TabContent(rows=rows))
    for k, row in enumerate(week.talks):
        for j, value in enumerate(row, start=1):
            if value:
                batch.set_cell("谈心记录", week.talk_first_row + k, j, value)
    ExcelBook(hub).apply(batch)
    planted = []
    for m in week.marks:
        labels = week.tabs[m.tab][0]
        value = week.tabs[m.tab][m.row - 1][labels.index(m.column)]
        planted.append(Planted(hub.name, m.tab, m.row, m.column, m.code, m.note,
                               cell_of(labels, m.row, m.column), "error", value, "care"))
    return week, planted


def _plan_and_pair(project: Project, hub: Path, seed: int = 2026
                   ) -> tuple[DemoPlan, PipelineResult | None, list[Planted]]:
    """``schedule``, every proposal accepted, ``schedule`` again, the care week written, then
    ``sync``, ``validate``, ``pair`` and the care reports as of :func:`~.synth.demo_now`.

    Returns the plan, that last run (None: the schedule was not accepted) and the mistakes
    planted in the care records."""
    from ..forms.validate import ref_key
    from ..pairing.model import find_tab, read_children, read_visits
    from ..schedule.sheet import TAB as SCHEDULE_TAB

    plan = DemoPlan()
    care: list[Planted] = []
    first = run_pipeline(project, steps=("schedule",))
    first.raise_failed()
    if accept_all(hub, SCHEDULE_TAB):
        second = run_pipeline(project, steps=("schedule",))
        second.raise_failed()
        if second.schedule is not None:
            plan.teams = len(second.schedule.accepted_teams)
            plan.visits = len(second.schedule.accepted_visits)
            plan.unscheduled = [f"{u.kind} {u.name}:{u.reason}"
                                for u in second.schedule.unscheduled]
    week, care = write_care(project, hub, seed)
    plan.care, plan.care_schools = dict(week.counts), len(week.schools)
    plan.care_now = demo_now(project.program).isoformat(sep=" ", timespec="minutes")
    # the sync records the members' 所属支队 and the care records in the base, so the next
    # `run` has nothing to sync
    res = run_pipeline(project, steps=("sync", "validate", "pair", "report"),
                       options=StepOptions(now=demo_now(project.program), only=CARE_REPORTS))
    res.raise_failed()
    pairing, findings = res.pairing, res.validation
    if res.reports is not None:
        plan.care_tabs = sorted(res.reports.tabs)
    if pairing is None or findings is None:
        return plan, res, care
    visited = {v.school_key for v in read_visits(findings)}
    schools = find_tab(findings, "school")
    if schools is not None:
        names = schools.normalized["name"].text.tolist()
        signed = schools.normalized["agreement_signed"].value.tolist()
        agreed = {ref_key(str(n)) for n, a in zip(names, signed, strict=True)
                  if n and a in ("是", True)}
        plan.agreed_schools = len(agreed)
        plan.scheduled_schools = len(agreed & visited)
    unpaired = {u.child.id for u in pairing.unpaired_children}
    at_visited = [c for c in read_children(findings) if c.id and c.school_key in visited]
    plan.children_at_visited = len({c.id for c in at_visited})
    plan.children_paired = len({c.id for c in at_visited if c.id not in unpaired})
    plan.proposals = len(pairing.proposals)
    plan.unpaired = len(pairing.unpaired_children)
    plan.summary = list(pairing.summary)
    return plan, res, care


def plan_lines(plan: DemoPlan) -> list[str]:
    """What schedule and pair made of the demo, in Chinese (README and summary)."""
    lines = [f"排班:写入支队 {plan.teams} 个、进驻安排 {plan.visits} 条(sheets-sync schedule 建议,"
             "演示在“排班建议”中全部接受);"
             f"已签协议的学校 {plan.agreed_schools} 所,排上 {plan.scheduled_schools} 所。",
             f"结对:有支队进驻的学校共 {plan.children_at_visited} 名儿童,"
             f"{plan.children_paired} 名已有结对或结对建议(新建议 {plan.proposals} 条,"
             "在总表的“结对建议”中填写 接受/拒绝 后运行 sheets-sync pair 写入“结对”)。"]
    lines += [f"- {u}" for u in plan.unscheduled[:10]]
    if plan.care:
        c = plan.care
        lines.append(
            f"照护:第一周进驻的 {plan.care_schools} 所学校写入出勤 {c.get('出勤', 0)} 条、"
            f"联系记录 {c.get('联系记录', 0)} 条、谈心记录 {c.get('谈心记录', 0)} 条、"
            f"事件 {c.get('事件', 0)} 起;“出勤统计”“待办”“安全日志”按演示时间 "
            f"{plan.care_now} 生成(之后运行 sheets-sync run 按当天日期重算)。")
    return lines


def _append_readme(run: DemoRun) -> None:
    lines = ["", "## 同步演示", "",
             "本文件夹也是一个 sheets-sync 项目(`sheets-sync.toml`):总表是 `总表.xlsx`,"
             "三个县的工作簿是分表。演示先同步一次记下基准,然后在两边做了这些修改,再同步:", "",
             "| 工作簿 | 编号 | 列 | 原值 | 新值 | 说明 |", "| --- | --- | --- | --- | --- | --- |"]
    for e in run.edits:
        lines.append(f"| {e.book} | {e.record} | {e.column} | {e.old} | {e.new} | {e.note} |")
    if run.sync:
        c = run.sync.counts
        lines += ["", f"同步结果:修改 {c.get('updated', 0)} 个单元格,"
                  f"新增 {c.get('appended', 0)} 行,删除 {c.get('deleted', 0)} 行(在总表的“回收站”),"
                  f"冲突 {c.get('conflicts', 0)} 个"
                  f"(在总表的“同步冲突”),新编号 {c.get('new_ids', 0)} 个。", "",
                  "在本文件夹运行 `sheets-sync run` 可以再同步并校验;`sheets-sync history 编号` "
                  "查看某条记录的修改历史。"]
    if run.plan is not None:
        lines += ["", "## 排班与结对", "", *plan_lines(run.plan)]
    if run.care:
        lines += ["", "## 第一周的照护记录", "",
                  "排班之后,演示为第一周进驻的学校写入了出勤(每个上课日的上午、下午,周二、周四、"
                  "周五晚上的“电影天堂”)、家访和亲情视频/电话(联系记录)、谈心记录和两起事件,"
                  f"演示时间是 {run.plan.care_now if run.plan else ''}(第一周的周六晚上)。"
                  "这些表只在总表中(sheets-sync.toml 的 forms 没有列出 attendance、contact、"
                  "incident,它们只在总表中校验和统计,不发到分表);“出勤统计”“待办”“安全日志”"
                  "按演示时间生成,之后运行 sheets-sync run 时按当天的日期重算。"
                  "其中故意写错了这些单元格:", "",
                  "| 文件 | 工作表 | 单元格 | 问题 | 规则代码 |", "| --- | --- | --- | --- | --- |"]
        for p in run.care:
            lines.append(f"| {p.book} | {p.tab} | {p.cell} | {p.column}:{p.note}"
                         f"(值:{f'`{p.value}`' if p.value else '(空)'}) | `{p.code}` |")
    readme = run.directory / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n".join(lines) + "\n",
                      encoding="utf-8")
