"""Generate the report tabs, diff them against the book, write what changed.

* :func:`generate_reports` — pure: grids in, :class:`ReportsResult` (tabs) out;
* :func:`plan_reports` — the pipeline's report step: generates, keeps only the tabs whose
  content differs from what the book holds, records the cells it is about to overwrite,
  and plans one batch (a re-run with nothing new writes nothing);
* :func:`write_school_books` — one workbook per school for its teachers: its roster, its
  sign-in sheet (签到表) and its own rows of 待办.

The time of generation goes into the tab's note (an A1 comment), never into a cell, so
an unchanged report compares equal and is not rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..books.base import TabContent, WriteBatch
from ..config import Program
from ..errors import ConfigError
from ..forms.template import FormTemplate, default_templates
from ..forms.validate import Report, validate_grids
from ..table import Grid, a1, trim
from . import archive, budget, care, grades, settlement, signin, survey
from .model import Forms, forms_from_report
from .rosters import PREFIX, Disputed, rosters, school_children, unique_schools

REPORTS = ("rosters", "grades", "archive", "budget", "settlement")
REPORT_NAMES = {"rosters": "花名册", "grades": "年级统计", "archive": "建档完整率",
                "budget": "预算汇总", "settlement": "经费结算表"}
#: The forms (key, tab label) each report is made from.
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "rosters": (("school", "学校"), ("child", "留守儿童家庭情况登记表")),
    "grades": (("child", "留守儿童家庭情况登记表"),),
    "archive": (("child", "留守儿童家庭情况登记表"),),
    "budget": (("budget", "预算"), ("expense", "支出明细")),
    "settlement": (("budget", "预算"), ("expense", "支出明细")),
    "survey": (),  # any form marked survey: true (问卷统计), when the book holds its records
}
EXTRA: tuple[str, ...] = ("survey",)
"""Made with the others when asked for none in particular, or with --only survey."""
REPORT_NAMES["survey"] = "问卷统计"
# duty of care (出勤统计, 联系情况, 待办, 安全日志): made unasked when the book holds their forms
EXTRA = (*EXTRA, *care.REPORTS)
NEEDS.update(care.NEEDS)
REPORT_NAMES.update(care.NAMES)
# 签到表-<学校>: made unasked when the book holds 出勤, children, schools and a visit window
EXTRA = (*EXTRA, "signin")
NEEDS["signin"] = (("attendance", "出勤"), ("child", "留守儿童家庭情况登记表"), ("school", "学校"))
REPORT_NAMES["signin"] = signin.TAB_LABEL


@dataclass(frozen=True)
class Overwrite:
    """A cell of a generated tab whose text the write replaces (a staff edit, or old data)."""

    tab: str
    cell: str
    old: str
    new: str


@dataclass
class ReportsResult:
    """The generated tabs, and what writing them did or would do."""

    tabs: dict[str, TabContent] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    overwritten: list[Overwrite] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    school_books: list[Path] = field(default_factory=list)
    open_incidents: int | None = None
    """安全日志 made: how many incidents are 处理中 (also in ``run``'s summary)."""
    signin: dict[str, signin.SigninSheet] = field(default_factory=dict)
    """The 签到表 tabs made, with what their tick cells show of 出勤 (the read-back's base)."""
    school_pages: dict[str, list[str]] = field(default_factory=dict)
    """Roster tab -> the other tabs of ``tabs`` its school's teachers get (its 签到表)."""
    school_names: dict[str, str] = field(default_factory=dict)
    """Roster tab -> its school's name."""
    school_todo: Callable[[str], TabContent] | None = field(default=None, repr=False)
    """待办 made: one school's rows of it, by the school's name (for its teachers' book)."""

    def summary(self) -> dict[str, Any]:
        return {
            **({"open_incidents": self.open_incidents} if self.open_incidents is not None
               else {}),
            "reports": self.reports,
            "tabs": list(self.tabs),
            "written": self.written,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "overwritten": [vars(o) for o in self.overwritten],
            "problems": self.problems,
            "school_books": [str(p) for p in self.school_books],
        }


def parse_only(only: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"rosters,budget"`` → the reports to make (all when None); unknown names raise."""
    if only is None:
        return (*REPORTS, *EXTRA)
    names = [s.strip() for s in (only.split(",") if isinstance(only, str) else only)]
    names = [n for n in names if n]
    bad = [n for n in names if n not in REPORTS and n not in EXTRA]
    if bad or not names:
        raise ConfigError(f"--only 中的“{','.join(bad) or only}”不是报表名称:可选 "
                          f"{', '.join((*REPORTS, *EXTRA))}(用逗号分隔),"
                          "例如 --only rosters,budget。")
    return tuple(n for n in (*REPORTS, *EXTRA) if n in names)


def build_tabs(forms: Forms, program: Program, *, only: Collection[str] = REPORTS,
               reveal: Mapping[str, Collection[str]] | None = None,
               disputed: Disputed | None = None, today: date | None = None,
               held: Mapping[str, Grid] | None = None,
               sheets: dict[str, signin.SigninSheet] | None = None
               ) -> tuple[dict[str, TabContent], list[str]]:
    """Each report's tabs from parsed forms (pure), and the problems found on the way.

    A report whose forms the book does not hold is not made (a problem line says so).
    ``held``: the book's tabs as they are (a 签到表 keeps the unreadable ticks typed there);
    ``sheets`` gets the 签到表 made.
    """
    reveal = reveal or {}
    tabs: dict[str, TabContent] = {}
    problems: list[str] = []
    for name in only:
        lacking = [label for key, label in NEEDS[name] if key not in forms]
        if lacking:
            problems.append(f"未生成{REPORT_NAMES[name]}:工作簿中没有"
                            + "、".join(f"“{x}”" for x in lacking) + "表。")
    if "rosters" in only and "rotation" in forms:  # 排班表 goes with the rosters
        from .schedule import TAB as SCHEDULE_TAB
        from .schedule import schedule_table

        tabs[SCHEDULE_TAB] = schedule_table(forms, program, reveal.get("rosters", ()))
    only = [n for n in only if all(key in forms for key, _ in NEEDS[n])]
    if "rosters" in only:
        tabs.update(rosters(forms, reveal.get("rosters", ()), disputed))
        for c in school_children(forms)[1]:
            problems.append(
                f"{c.cell('school')} 学校“{c.t('school')}”不在“学校”表中,{c.t('name') or '该儿童'}"
                "没有列入任何花名册:请改成学校表中的名称,或先在学校表登记该学校。")
    if "grades" in only:
        tabs[grades.TAB] = grades.grade_stats(forms, program)
    if "archive" in only:
        tabs[archive.TAB] = archive.archive(forms, program)
    if "survey" in only:
        tabs.update(survey.survey_tabs(forms, program))
    tabs.update(care.care_tabs(forms, program, only, today or date.today(), dict(reveal)))
    if "signin" in only:
        made, lines = signin.signin_sheets(forms, program, reveal.get("signin", ()), held)
        problems += lines
        tabs.update({tab: s.content for tab, s in made.items()})
        if sheets is not None:
            sheets.update(made)
    if {"budget", "settlement"} & set(only):
        led = budget.ledger(forms, program)
        problems += led.problems
        if "budget" in only:
            tabs[budget.TAB] = budget.budget_summary(forms, program, led)
        if "settlement" in only:
            tabs[settlement.TAB] = settlement.settlement(forms, program, led)
    return tabs, problems


def generate_reports(grids: Mapping[str, Grid], templates: dict[str, FormTemplate] | None = None,
                     program: Program | None = None, *, only: str | Iterable[str] | None = None,
                     reveal: Mapping[str, Collection[str]] | None = None,
                     report: Report | None = None,
                     disputed: Disputed | None = None,
                     now: datetime | None = None) -> ReportsResult:
    """Every generated tab for a book's ``grids`` (validated here unless ``report`` is given).

    ``reveal`` maps a report name to the sensitive fields (``"child.guardian_phone"``) its
    tabs may show in full; everything else sensitive is masked. ``disputed``: (编号, field)
    -> [(other value, its book)] of safety fields two books disagree on, still undecided
    in 同步冲突: the rosters show both values.
    """
    templates = templates if templates is not None else default_templates()
    program = program or Program()
    if report is None:
        report = validate_grids(dict(grids), templates, program)
    forms = forms_from_report(report)
    names = parse_only(only)
    if only is None:  # the care reports of a book without their forms: not made, not missed
        names = tuple(n for n in names if n not in care.REPORTS or care.wanted(n, forms))
        names = tuple(n for n in names if n != "signin" or signin.wanted(forms))
    today = (now or datetime.now()).date()
    sheets: dict[str, signin.SigninSheet] = {}
    tabs, problems = build_tabs(forms, program, only=names, reveal=reveal, disputed=disputed,
                                today=today, held=grids, sheets=sheets)
    made = [n for n in names if all(key in forms for key, _ in NEEDS[n])
            and (n != "survey" or survey.survey_forms(forms))]
    result = ReportsResult(tabs=tabs, reports=made, problems=problems,
                           open_incidents=care.open_incidents(forms) if "incidents" in made
                           else None, signin=sheets)
    _school_pages(result, forms, program, today)
    return result


def _school_pages(result: ReportsResult, forms: Forms, program: Program, today: date) -> None:
    """What each school's book gets besides its roster: its 签到表, its rows of 待办."""
    if "rosters" not in result.reports:
        return
    from ..forms.validate import ref_key

    schools = _roster_schools(forms, result.tabs)
    result.school_names = {tab: s.t("name").strip() for tab, s in schools}
    roster_of = {ref_key(s.t("name")): tab for tab, s in schools}
    for tab, sheet in result.signin.items():
        roster = roster_of.get(ref_key(sheet.school))
        if roster is not None:
            result.school_pages.setdefault(roster, []).append(tab)
    if "todo" in result.reports:
        people = care.People.of(forms, program)
        result.school_todo = lambda school: care.todo(forms, program, today, people,
                                                      school=school)


def _roster_schools(forms: Forms, tabs: Mapping[str, TabContent]) -> list[tuple[str, Any]]:
    """(roster tab, school record) as :func:`~.rosters.rosters` names them."""
    from .rosters import roster_tab_name

    out: list[tuple[str, Any]] = []
    taken: list[str] = []
    for s in unique_schools(forms):
        tab = roster_tab_name(s.t("name"), taken)
        taken.append(tab)
        if tab in tabs:
            out.append((tab, s))
    return out


# --------------------------------------------------------------------------- diff

def _number(text: str) -> Decimal | None:
    t = text.replace(",", "").strip()
    try:
        if t.endswith("%"):
            return Decimal(t[:-1]) / 100
        return Decimal(t)
    except InvalidOperation:
        return None


def _shown_places(text: str) -> int:
    """Decimal places a formatted number shows, as a fraction (``89.2%`` → 3, ``1.50`` → 2)."""
    t = text.replace(",", "").strip()
    pct = t.endswith("%")
    digits = t.rstrip("%")
    places = len(digits.split(".", 1)[1]) if "." in digits else 0
    return places + (2 if pct else 0)


def _same_cell(new: str, old: str, is_number: bool) -> bool:
    """Whether the book already shows ``new``: numbers compare at the precision shown.

    A book may hand back a number formatted (Google: ``89.2%`` for ``0.8925``), so the
    values match when they differ by at most half a unit of the last place the old text
    shows (either rounding of a tie is accepted: the binary float behind ``0.8925`` sits
    just below it).
    """
    if new == old:
        return True
    if is_number:
        a, b = _number(new), _number(old)
        if a is None or b is None:
            return False
        return abs(a - b) <= Decimal(1).scaleb(-_shown_places(old)) / 2
    return False


def differences(tab: str, content: TabContent, grid: Grid | None) -> list[Overwrite] | None:
    """The cells ``content`` would change in ``grid`` (None: the tab does not exist yet).

    Formula cells are skipped (a workbook saved by openpyxl holds no results for them until
    Excel or LibreOffice recalculates); number cells compare by value (``1215`` = ``1215.00``).
    """
    if grid is None:
        return None
    new_rows = trim([list(r) for r in content.rows])
    out: list[Overwrite] = []
    n_rows = max(len(new_rows), grid.n_rows)
    for i in range(1, n_rows + 1):
        new_row = new_rows[i - 1] if i <= len(new_rows) else []
        width = max(len(new_row), len(grid.rows[i - 1]) if i <= grid.n_rows else 0)
        for j in range(1, width + 1):
            if (i, j) in content.formulas:
                continue
            new = new_row[j - 1] if j <= len(new_row) else ""
            old = grid.cell(i, j)
            if not _same_cell(new, old, (i, j) in content.numbers):
                out.append(Overwrite(tab, a1(i, j), old, new))
    return out


def stamped(content: TabContent, now: datetime) -> TabContent:
    """``content`` with the generation time in its note."""
    return replace(content, note=f"{content.note}\n生成时间:{now:%Y-%m-%d %H:%M}")


def plan_batch(result: ReportsResult, grids: Mapping[str, Grid], *, now: datetime | None = None,
               prune_rosters: bool = False,
               previous: Mapping[str, list[list[str]]] | None = None,
               ours: Collection[str] | None = None) -> WriteBatch:
    """The batch that brings ``grids`` up to ``result.tabs``; fills in written/unchanged.

    With ``prune_rosters``, roster tabs of schools no longer in 学校 are deleted — only
    those in ``ours`` (the tabs an earlier run generated; ``None``: every ``花名册-`` tab).
    The 签到表 of a school that no longer has one (gone from 学校, or its visit window) goes
    the same way when the 签到表 were made. A tab staff made themselves is never deleted,
    whatever its name.

    ``result.overwritten`` gets every non-empty cell the batch replaces with other text;
    given ``previous`` (tab → the rows the last run wrote, from the run's state), only
    the cells staff changed since then (true staff edits), not those the data moved.
    """
    now = now or datetime.now()
    batch = WriteBatch()
    for tab, content in result.tabs.items():
        diff = differences(tab, content, grids.get(tab))
        if diff == []:
            result.unchanged.append(tab)
            continue
        lost = [o for o in diff or [] if o.old]
        if previous is not None and tab in previous:
            before = Grid(trim([list(r) for r in previous[tab]]))
            edited = {o.cell for o in differences(tab, replace(content, rows=before.rows),
                                                  grids.get(tab)) or []}
            lost = [o for o in lost if o.cell in edited]
        result.overwritten += lost
        result.written.append(tab)
        batch.replace_tab(tab, stamped(content, now))
    prefixes = ((PREFIX,) if prune_rosters else ()) + (
        (signin.PREFIX,) if "signin" in result.reports else ())
    for tab in grids:
        if tab.startswith(prefixes) and prefixes and tab not in result.tabs and (
                ours is None or tab in ours):
            result.deleted.append(tab)
            batch.delete_tab(tab)
    return batch


def plan_reports(grids: Mapping[str, Grid], templates: dict[str, FormTemplate] | None = None,
                 program: Program | None = None, *, only: str | Iterable[str] | None = None,
                 reveal: Mapping[str, Collection[str]] | None = None,
                 report: Report | None = None, now: datetime | None = None,
                 previous: Mapping[str, list[list[str]]] | None = None,
                 ours: Collection[str] | None = None,
                 disputed: Disputed | None = None) -> tuple[ReportsResult, WriteBatch]:
    """The report step: generate the tabs and plan the batch that writes those that changed.

    Cells about to be overwritten are in ``result.overwritten`` (only staff edits when
    ``previous`` gives what the last run wrote; see :func:`plan_batch`). Roster tabs of
    schools no longer in 学校 are removed. Writing (and the per-school workbooks) is the
    pipeline's (``sheets_sync.sync.slices.report_book`` runs it on one book).
    """
    result = generate_reports(grids, templates, program, only=only, reveal=reveal,
                              report=report, disputed=disputed, now=now)
    batch = plan_batch(result, grids, now=now, prune_rosters="rosters" in result.reports,
                       previous=previous, ours=ours)
    return result, batch


def write_school_books(directory: Path | str, tabs: Mapping[str, TabContent] | ReportsResult,
                       *, now: datetime | None = None, encrypt: bool = False) -> list[Path]:
    """One workbook ``<directory>/花名册-<学校>.xlsx`` per roster in ``tabs``.

    Each holds only that school's pages, for its teachers: its roster, its 签到表 and, given
    the whole :class:`ReportsResult` of a run that made 待办, its own rows of 待办 (a tab
    ``待办``). Given only the tabs, a roster goes with the 签到表 of the same school name.
    Tab names are ones Excel accepts (one rule for every writer:
    :func:`~sheets_sync.books.xlsx.valid_tab_name`), the file name one any system accepts.
    A workbook whose pages are all unchanged is left alone.
    With ``encrypt`` each is written with an Excel open-password, ``$SHEETS_SYNC_PASSWORD``
    or the keyring's (:mod:`sheets_sync.books.crypt`; none given: an error before any is
    written), and a plain one is rewritten encrypted. Returns the workbooks written.
    """
    import re

    from ..books.excel import read_workbook, write_tabs
    from ..books.xlsx import valid_tab_name

    file_unsafe = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
    directory = Path(directory)
    now = now or datetime.now()
    written: list[Path] = []
    used: set[str] = set()
    password = school_books_password() if encrypt else None
    result: ReportsResult | None = None
    all_tabs: Mapping[str, TabContent]
    if isinstance(tabs, ReportsResult):
        result, all_tabs = tabs, tabs.tabs
    else:
        all_tabs = tabs
    for tab, content in all_tabs.items():
        if not tab.startswith(PREFIX):
            continue
        pages = {valid_tab_name(tab): content}
        for other in _school_pages_of(tab, all_tabs, result):
            pages[valid_tab_name(other)] = all_tabs[other]
        if result is not None and result.school_todo is not None and tab in result.school_names:
            pages[care.TODO_TAB] = result.school_todo(result.school_names[tab])
        stem = valid_tab_name(file_unsafe.sub("_", tab), used)
        used.add(stem)
        path = directory / f"{stem}.xlsx"
        if path.exists() and (password is None or _encrypted(path)):
            held = read_workbook(path)
            if set(held) == set(pages) and all(
                    differences(name, c, held.get(name)) == [] for name, c in pages.items()):
                continue
        page = {name: stamped(c, now) for name, c in pages.items()}
        if password is None:
            write_tabs(path, page)
        else:
            _write_encrypted(path, page, password)
        written.append(path)
    return written


def _school_pages_of(roster: str, tabs: Mapping[str, TabContent],
                     result: ReportsResult | None) -> list[str]:
    """The 签到表 of the roster's school (by the run's record, else by the tab names)."""
    if result is not None:
        return [t for t in result.school_pages.get(roster, []) if t in tabs]
    twin = signin.PREFIX + roster[len(PREFIX):]
    return [twin] if twin in tabs else []


def school_books_password() -> str:
    """The password of encrypted per-school books; :class:`PasswordMissing` when none is given."""
    from ..books.crypt import PasswordMissing, find_password, how_to_give

    found = find_password()
    if found is None:
        raise PasswordMissing(f"各校花名册要加密(--encrypt),但没有提供密码:{how_to_give()}。"
                              "没有写入任何花名册。")
    return found[0]


def _encrypted(path: Path) -> bool:
    from ..books.crypt import is_encrypted

    return is_encrypted(path)


def _write_encrypted(path: Path, page: Mapping[str, TabContent], password: str) -> None:
    from ..books.crypt import encrypting_save
    from ..books.excel import write_tabs
    from ..books.xlsx.safety import atomic_save, refuse_if_locked

    refuse_if_locked(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save(encrypting_save(lambda plain: write_tabs(plain, page), password), path,
                before_replace=lambda: refuse_if_locked(path))
