"""The pipeline: every command is ``run`` with a subset of its steps, and one commit.

``run_pipeline(project, steps=...)``:

1. take the project lock (not for ``--dry-run``); refuse to mix states after a restore
   that did not finish;
2. open the hub and stop, before anything is planned, if it is open in Excel (naming the
   lock file); read it once (one ``spreadsheets.get`` + one ``values:batchGet`` for Google);
3. run the steps as pure functions over the tabs, each planned against the hub as the
   earlier steps leave it (:class:`Stage`):

   * ``sync`` — merge hub and spokes (:func:`.run.plan_sync`; reads each spoke once);
   * ``validate`` — one validation of the merged forms (the :class:`Findings` every later
     step uses), the 校验问题 tab, the 校验结果 column and, with ``fix``, the safe fixes;
   * ``dedupe`` — suspected duplicates, staff decisions, merges of 是同一人;
   * ``report`` — rosters, counts, archive, budget, settlement;
   * ``pair`` — volunteer ↔ child proposals and the accepted pairs;
   * ``schedule`` — teams and the weekly rotation proposed (排班建议), accepted ones recorded;
   * ``import`` — a survey export's answers into the hub's form tab (:mod:`sheets_sync.intake`);

4. commit (:func:`_commit`), the one place with side effects, in this order: journal (id
   marks, pending ids, a backup of every tab any step edits or replaces), apply **one**
   batch per book (hub first), then per book the audit rows of every changed cell (with the
   step that changed it), the new bases and the duplicate decisions, in one transaction.

A kill at any point leaves a state the next run converges from (``SHEETS_SYNC_CRASH_AT``
names the points the crash tests kill at). ``history`` and ``restore`` see every step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..books.base import Book, WriteBatch, is_writable, lock_of
from ..books.memory import MemoryBook
from ..errors import NoFormTab, SheetsSyncError, WorkbookLocked
from ..table import Grid
from .entries import BookResult, RunResult, _Book, _crash_point, _open, book_entries, read_books
from .project import Project
from .state import AuditRow, Backup, State, now
from .tooltabs import RECYCLE, append_rows, recycle_row

if TYPE_CHECKING:
    from ..dedupe import DedupeResult
    from ..forms.headers import Parsed
    from ..forms.validate import Findings
    from ..pairing import PairingResult
    from ..pairing.solve import Weights
    from ..privacy_audit import PrivacyReport
    from ..reports import ReportsResult
    from ..schedule import ScheduleResult
    from .run import SyncPlan

STEPS = ("sync", "import", "validate", "dedupe", "report", "pair", "undelete", "privacy",
         "schedule")
RUN_STEPS = ("sync", "validate", "dedupe", "report")
"""What ``sheets-sync run`` (and a scheduled job) does."""
RESTORE_FLAG = "restore_incomplete"
STEP_ZH = {"sync": "同步", "validate": "校验", "dedupe": "查重", "report": "报表", "pair": "结对",
           "undelete": "恢复记录", "privacy": "隐私检查", "schedule": "排班", "import": "导入"}


@dataclass
class StepOptions:
    """What the slices' flags ask of their step (``validate --fix``, ``report --only`` …)."""

    fix: bool = False
    dedupe_tab: str | None = None
    only: str | Collection[str] | None = None
    reveal: Mapping[str, Collection[str]] | None = None
    per_school_dir: Path | None = None
    encrypt_school_books: bool = False
    now: dt.datetime | None = None
    previous: Mapping[str, list[list[str]]] | None = None
    today: dt.date | None = None
    weights: Weights | None = None
    allow_delete: frozenset[str] = frozenset()
    rebase_from: str | None = None
    undelete: tuple[str, ...] = ()
    school_books: tuple[Path, ...] = ()
    """``privacy``: per-school book folders to check besides those the state recorded."""
    intake: Any = None
    """``import``: the :class:`~sheets_sync.intake.step.ImportRequest` (export, form, name)."""


class Stage:
    """One book during a run: what it held when read, and what all steps planned for it.

    :attr:`grids` is the book as the steps so far leave it (the next step plans against
    it); :attr:`batch` is every step's batch folded into one (:meth:`WriteBatch.then`), the
    one write the commit makes.
    """

    def __init__(self, name: str, role: str, book: Book | None, grids: dict[str, Grid]) -> None:
        self.name = name
        self.role = role
        self.book = book
        self.before = grids
        self.batch = WriteBatch()
        self.audit: list[AuditRow] = []
        self.active = book is not None
        self._mirror: MemoryBook | None = None
        self._grids: dict[str, Grid] | None = grids

    @property
    def grids(self) -> dict[str, Grid]:
        """The tabs as the steps so far leave them (untouched tabs: the very grids read)."""
        if self._grids is None:
            assert self._mirror is not None
            touched = self.batch.touched()
            tabs = self._mirror.tabs()
            self._grids = {t: self.before[t] if t in self.before and t not in touched
                           else self._mirror.grid(t) for t in tabs}
        return self._grids

    def add(self, batch: WriteBatch, audit: Sequence[AuditRow] = ()) -> None:
        """Fold a step's ``batch`` (planned against :attr:`grids`) into the book's write."""
        self.audit.extend(audit)
        if not batch:
            return
        if self._mirror is None:
            self._mirror = MemoryBook({t: g.rows for t, g in self.before.items()}, name=self.name)
        self._mirror.apply(batch)
        self.batch.then(batch)
        self._grids = None


@dataclass
class PipelineResult:
    """What a run did, step by step; :attr:`sync` carries the run id, status and books."""

    sync: RunResult
    steps: tuple[str, ...] = ()
    validation: Findings | None = None
    spoke_validations: dict[str, Findings] = field(default_factory=dict)
    """The validation of each spoke the run synced (its findings went into its own tabs)."""
    duplicates: DedupeResult | None = None
    reports: ReportsResult | None = None
    pairing: PairingResult | None = None
    schedule: ScheduleResult | None = None
    """``schedule``: the teams and visits proposed and accepted (:mod:`sheets_sync.schedule`)."""
    privacy: PrivacyReport | None = None
    intake: Any = None
    """``import``: the :class:`~sheets_sync.intake.step.ImportResult`."""
    signin: Any = None
    """``report``: what the 签到表 read back into 出勤 (:class:`.signin_step.SigninResult`)."""
    batches: dict[str, WriteBatch] = field(default_factory=dict)   # step -> hub batch
    failed_steps: list[str] = field(default_factory=list)
    errors: dict[str, SheetsSyncError] = field(default_factory=dict)  # step -> why it failed
    messages: list[str] = field(default_factory=list)
    quiet_since: int = 0
    """Set when nothing changed since that run, which also changed nothing: the steps were
    not run again and :attr:`cached` holds that run's summary."""
    cached: dict[str, Any] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    """编号 merged away this run (是同一人) -> the 编号 it was merged into."""
    restore_failed: bool = False
    """A record marked 恢复 in 回收站 could not be put back (said in :attr:`messages`)."""

    def raise_failed(self) -> None:
        """Raise the error of the first step that failed (a slice of one step fails with it),
        or the hub's write error: nothing a slice planned was written then."""
        for name in self.failed_steps:
            raise self.errors[name]
        if self.sync.status == "failed":
            hub = next((b for b in self.sync.books if b.role == "hub"), None)
            raise SheetsSyncError(hub.message if hub is not None and hub.message
                                  else ";".join(self.sync.messages) or "写入失败。")

    @property
    def ok(self) -> bool:
        if self.quiet_since:
            return bool(self.cached.get("ok", False))
        return (self.sync.ok and not self.failed_steps and not self.restore_failed
                and (self.validation is None or "validate" not in self.steps
                     or self.validation.valid)
                and all(f.valid for f in self.spoke_validations.values())
                and (self.privacy is None or self.privacy.ok)
                and (self.signin is None or self.signin.ok))

    def as_json(self) -> dict[str, Any]:
        if self.quiet_since:
            return {**self.cached, "sync": self.sync.as_json(), "quiet_since": self.quiet_since}
        return {"sync": self.sync.as_json(), "steps": list(self.steps),
                "validate": self.validation.summary() if self.validation else None,
                "validate_spokes": {n: f.summary() for n, f in self.spoke_validations.items()},
                "dedupe": ({"pairs": len(self.duplicates.pairs), "merged": dict(self.merged)}
                           if self.duplicates is not None else None),
                "report": self.reports.summary() if self.reports else None,
                "pair": self.pairing.as_json() if self.pairing else None,
                **({"schedule": self.schedule.as_json()} if self.schedule is not None else {}),
                "privacy": self.privacy.as_json() if self.privacy else None,
                **({"import": self.intake.as_json()} if self.intake is not None else {}),
                **({"signin": self.signin.as_json()} if self.signin is not None else {}),
                "failed_steps": self.failed_steps, "messages": self.messages}


def _masked(project: Project, book: str) -> dict[str, dict[str, str]]:
    """form -> field -> how the spoke ``book`` shows it (a mask kind or ``omit``)."""
    from .shield import shield_for

    spoke = next((s for s in [*project.spokes, project.as_spoke]
                  if s is not None and s.book.name == book), None)
    out: dict[str, dict[str, str]] = {}
    for fk in spoke.forms if spoke is not None else ():
        sh = shield_for(project.templates[fk], spoke)
        if sh is not None:
            out[fk] = dict(sh.fields)
    return out


def _full(findings: Findings) -> dict[str, dict[str, dict[str, str]]]:
    """form -> 编号 -> field -> text of the hub's records, for a spoke's masked cells."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for t in findings.tabs.values():
        form = t.data.layout.form
        idf = form.id_field
        if idf is None or idf.key not in t.data.columns:
            continue
        cols = {k: v.tolist() for k, v in t.data.columns.items()
                if k != idf.key and (form.sensitive or form.field(k).sensitive)}
        if not cols:
            continue
        recs = out.setdefault(form.key, {})
        for i, rid in enumerate(t.data.columns[idf.key].tolist()):
            if str(rid).strip():
                recs[str(rid).strip()] = {k: str(v[i]) for k, v in cols.items()}
    return out


def _hub_refs(findings: Findings, project: Project) -> dict[str, set[str] | None]:
    """The values the hub's tabs give each reference target (a spoke holds only part)."""
    from ..forms.validate import ref_values

    return ref_values((t.data for t in findings.tabs.values()), project.templates)


def run_pipeline(project: Project, *, steps: Sequence[str] = RUN_STEPS, dry_run: bool = False,
                 books: Mapping[str, Book] | None = None,
                 progress: Callable[[str], None] | None = None,
                 options: StepOptions | None = None) -> PipelineResult:
    """Run ``steps`` of the pipeline on ``project`` and commit once (not with ``dry_run``).

    ``books`` overrides books by name (tests); ``progress`` is told each step as it starts.
    A step that fails with a :class:`SheetsSyncError` is reported (``failed_steps``) and
    its writes are dropped; the others still commit. A locked or unreadable hub raises.
    """
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown steps {unknown}")
    known = [project.hub.name, *(s.book.name for s in project.spokes)]
    stray = sorted(set((options or StepOptions()).allow_delete) - set(known))
    if stray:
        raise SheetsSyncError(f"--allow-delete {stray[0]}:项目里没有这个工作簿,"
                              f"可以是 {'、'.join(known)}(照 sheets-sync.toml 里的写法)。")
    from .lock import ProjectLock

    memory = project.memory_state
    state = State.open(project.state_path, create=not (dry_run or memory), memory=memory)
    lock = ProjectLock(project.state_path)
    run_id = 0
    try:
        if not dry_run and not memory:
            lock.acquire()
            pending_restore = state.flag(RESTORE_FLAG)
            if pending_restore and "sync" in steps:
                raise SheetsSyncError(
                    f"上次恢复(sheets-sync restore {pending_restore})没有完成,有的工作簿已恢复、"
                    "有的还没有;为免新旧数据混在一起,本次没有同步。请关闭这些工作簿后重新运行 "
                    f"sheets-sync restore {pending_restore}。")
        if not dry_run:
            run_id = state.begin_run("+".join(steps) if tuple(steps) != RUN_STEPS else "run")
        try:
            result = _run(project, state, run_id, tuple(steps), dry_run, books,
                          progress or (lambda _: None), options or StepOptions())
        except BaseException as err:
            if run_id:
                state.end_run(run_id, "failed", {}, str(err))
            raise
        if result.reports is not None:  # only a report step makes these (costly imports)
            from .privacy_step import remember_school_books
            from .signin_step import remember

            remember_school_books(state, run_id, options, result)  # where privacy finds them
            remember(state, run_id, result)  # what the 签到表 show: the next read-back's base
        if lock.message:
            result.sync.messages.insert(0, lock.message)
        if run_id:
            state.end_run(run_id, result.sync.status, result.sync.counts,
                          "\n".join([*result.sync.messages, *result.messages]))
        return result
    finally:
        lock.release()
        state.close()


def _open_hub(project: Project, books: Mapping[str, Book] | None, dry_run: bool) -> Book:
    book = _open(project, project.hub.name, project.hub.location, books)
    lock_file = lock_of(book)
    if lock_file is not None and not dry_run:
        raise WorkbookLocked(project.hub.name, lock_file)
    return book


def _run(project: Project, state: State, run_id: int, steps: tuple[str, ...], dry_run: bool,
         books: Mapping[str, Book] | None, step: Callable[[str], None],
         opts: StepOptions) -> PipelineResult:
    at = now()
    hub_book = _open_hub(project, books, dry_run)
    sync = RunResult(run_id, "dry-run" if dry_run else "ok",
                     books=[BookResult(project.hub.name, "hub")])
    out = PipelineResult(sync=sync, steps=steps)
    entries = book_entries(project) if "sync" in steps and project.forms else []
    if entries:  # opened (and lock-checked) now; workbook files are read after the quiet check
        entries[0].book = hub_book
        read_books(project, entries, books, read=False)
        sync.books = [b.result for b in entries]
    alone = _Book(project.hub.name, "hub", (), {}, book=hub_book)
    quiet = _quiet_key(project, steps, opts, entries or [alone])
    same = _still_quiet(state, quiet, run_id) if quiet is not None else None
    if "import" in steps and not entries:  # an export imported before, unchanged: no hub read
        opts, out.intake = _import_unchanged(project, state, opts)
        if out.intake is not None:
            return out
    if quiet is None or same is None:
        read_books(project, entries, books)  # the hub's failure is raised, a spoke's said
        hub_grids = entries[0].grids if entries else (alone.grids or hub_book.read())
    else:
        hub_grids = {}
    hub = Stage(project.hub.name, "hub", hub_book, hub_grids)
    stages = [hub]
    if quiet is not None and same is not None:
        out.quiet_since, out.cached = same
        sync.messages.append(f"与第 {out.quiet_since} 次运行相比,各工作簿都没有变化,"
                             "本次没有需要写入的内容。")
        if run_id:
            _remember_quiet(state, quiet, run_id, out.quiet_since, out.cached)
        return out
    if lock_of(hub_book) is not None:
        out.messages.append(f"总表 {hub.name} 正在被打开(锁文件:{lock_of(hub_book)}),"
                            "--dry-run 只读取、不写入。")
    writable = is_writable(hub_book)

    from ..forms.headers import Parsed
    from ..forms.validate import validate_grids

    parsed = Parsed()  # each form tab parsed once, shared by every step (see Parsed)
    plan: SyncPlan | None = None
    if entries and writable and _restore_requests(project, hub, state, run_id, at, out, parsed):
        entries[0].grids = hub.grids  # the sync plans against the hub with them back
    if entries:
        from .run import plan_sync

        step("同步总表和各分表……")
        plan = plan_sync(project, state, run_id, at, entries, books,
                         allow_delete=opts.allow_delete, rebase_from=opts.rebase_from,
                         parsed=parsed)
        sync.counts, sync.conflicts, sync.plan = plan.counts, plan.conflicts, plan.lines
        sync.books = [b.result for b in entries]
        sync.messages = [*plan.skipped, *plan.blocked, *plan.notes]
        sync.blocked = list(plan.blocked)
        if (plan.blocked or plan.skipped) and not dry_run:  # a book left out is no success
            sync.status = "partial"
        hub.add(plan.batches[hub.name], plan.audit(hub.name))
        out.batches["sync"] = plan.batches[hub.name]
        for b in entries[1:]:
            st = Stage(b.name, "spoke", b.book if b.active else None, b.grids)
            if b.active:
                st.add(plan.batches[b.name], plan.audit(b.name))
            stages.append(st)

    later = [s for s in steps if s != "sync"]
    if later and not writable:
        out.messages.append(f"{hub.name} 不能保存结果(例如 CSV 文件),本次只检查、不写入:"
                            "请对 Excel 工作簿或 Google 表格运行。")
    findings: Findings | None = None
    decisions: list[Any] = []
    if "report" in steps and writable:  # ticks typed into 签到表-<学校> become 出勤 first
        from .signin_step import signin_step

        signin_step(project, hub, state, opts, run_id, at, out, parsed)
    for name in later:
        step({"validate": "校验总表……", "dedupe": "查找重复记录……",
              "report": "生成花名册和报表……", "pair": "生成结对建议……",
              "schedule": "生成排班建议……",
              "undelete": "从回收站放回记录……", "privacy": "检查各工作簿中的敏感信息……",
              "import": "导入问卷答卷……"}[name])
        if name == "import":  # before any validation: the validate step sees its rows
            _import_step(project, hub, state, opts, run_id, at, out, writable)
            findings = None
            continue
        if name == "privacy":  # the books as the run leaves them: no validation needed
            _privacy_step(project, hub, stages, state, books, opts, run_id, at, out, writable)
            continue
        try:
            if findings is None:  # once per run, again only after a fix or a merge
                findings = _validate(project, hub, parsed)
            if name == "validate":
                if not findings.tabs and not writable_forms(hub.grids, project):
                    raise NoFormTab(_no_form_text(hub.name, hub.grids, project))
                out.validation = findings
                batch, audit = _findings_step(hub, findings, opts, run_id, at)
                stale = opts.fix and bool(findings.fixes)
                hub_refs: dict[str, set[str] | None] | None = None
                hub_full: dict[str, dict[str, dict[str, str]]] = {}
                for st in stages[1:]:  # every book the run syncs: findings in its own tabs
                    if st.active and st.book is not None and is_writable(st.book):
                        if hub_refs is None:
                            hub_refs, hub_full = _hub_refs(findings, project), _full(findings)
                        found = validate_grids(st.grids, project.templates, project.program,
                                               book=st.name, parsed=parsed,
                                               masked=_masked(project, st.name),
                                               known_refs=hub_refs, full=hub_full)
                        out.spoke_validations[st.name] = found
                        sb, sa = _findings_step(st, found, StepOptions(), run_id, at)
                        st.add(sb, sa)
            elif name == "dedupe":
                batch, audit, decisions = _dedupe_step(project, hub, state, findings, opts,
                                                       run_id, at, out)
                stale = any(a.step == "merge" for a in audit)
            elif name == "report":
                batch, audit = _report_step(project, hub, state, findings, opts, run_id, at, out)
                stale = False
            elif name == "undelete":
                batch, audit = _undelete_step(hub, state, findings, opts, run_id, at, out)
                stale = True
            elif name == "schedule":
                batch, audit = _schedule_step(project, hub, findings, run_id, at, out)
                stale = bool(batch.cells) or any(t != "排班建议" for t in batch.tabs)
            else:
                batch, audit = _pair_step(project, hub, findings, opts, run_id, at, out)
                stale = bool(batch.cells)
        except SheetsSyncError as e:
            out.failed_steps.append(name)
            out.errors[name] = e
            out.messages.append(f"{STEP_ZH[name]}未完成:{e}")
            continue
        if writable:
            hub.add(batch, audit)
            out.batches[name] = batch
            if stale:
                findings = None

    if dry_run:
        for st, br in zip(stages, sync.books, strict=False):
            if st.active and st.batch:
                br.status, br.cells = "planned", st.batch.n_cells()
                br.tabs = len(st.batch.tabs) + len(st.batch.delete_tabs)
        return out
    wrote = (any(st.batch or (st.active and getattr(st.book, "wants_encrypting", False))
                 for st in stages) or bool(decisions)
             or (out.intake is not None and bool(out.intake.rows))
             or (plan is not None and (bool(plan.pending) or plan.bases_moved())))
    if not wrote:
        _school_books(opts, out, sync)
        held = any(c.get("held") for c in sync.conflicts)  # said again every run
        if quiet is not None and run_id and sync.status == "ok" and not out.failed_steps \
                and not held:
            summary = {k: v for k, v in out.as_json().items() if k != "sync"}
            _remember_quiet(state, quiet, run_id, run_id, {**summary, "ok": out.ok})
        return out
    _commit(state, run_id, stages, plan, decisions, sync, out.intake, out.signin)
    merged = any(a.step == "merge" for st in stages for a in st.audit)
    if (quiet is not None and sync.status == "ok" and not sync.blocked and not out.failed_steps
            and not merged and not decisions
            and not any(c.get("held") for c in sync.conflicts)):
        # what this run left is what it would leave again: the next run on exactly these
        # books (a workbook by its bytes as written now) has nothing to do
        after = _quiet_key(project, steps, opts, stages)
        if after is not None:
            summary = {k: v for k, v in out.as_json().items() if k != "sync"}
            _remember_quiet(state, after, run_id, run_id, {**summary, "ok": out.ok})
    _school_books(opts, out, sync)
    return out


def _school_books(opts: StepOptions, out: PipelineResult, sync: RunResult) -> None:
    """``report --per-school-books DIR``: one roster workbook per school (after the commit,
    or when the hub needed no write: the teachers' workbooks are asked for either way)."""
    if (opts.per_school_dir is not None and out.reports is not None
            and "rosters" in out.reports.reports and sync.status != "failed"):
        from ..reports import write_school_books

        out.reports.school_books = write_school_books(opts.per_school_dir, out.reports,
                                                      now=opts.now,
                                                      encrypt=opts.encrypt_school_books)


QUIET_STEPS = (RUN_STEPS,)
"""Step sets whose unchanged re-run is skipped (what a scheduled job runs every few minutes)."""


def _quiet_key(project: Project, steps: tuple[str, ...], opts: StepOptions,
               books: Sequence[_Book | Stage]) -> tuple[str, str] | None:
    """(flag name, fingerprint of everything a run of ``steps`` depends on), or ``None``.

    The fingerprint covers the release, today's date, the project (books, partitions,
    program data, templates) and every book's content: a workbook file by its bytes
    (:func:`_content`; no need to read it), any other book by every tab as read. Equal
    fingerprints mean equal inputs, so the steps would plan exactly what they planned then.
    Only the default options of ``run`` qualify (a scheduled job).
    """
    if steps not in QUIET_STEPS or opts != StepOptions():
        return None
    if any(not b.active for b in books):
        return None
    from .. import __version__

    h = hashlib.blake2b(digest_size=20)
    _put(h, __version__)
    _put(h, dt.date.today().isoformat())
    _put(h, repr((project.hub, project.spokes, project.forms, project.program,
                  project.conflict_policy, sorted(project.tool_tabs))))
    _put(h, repr(sorted(project.templates.items())))
    for b in books:
        _put(h, b.name)
        _put(h, _content(b))
    return "quiet:" + "+".join(steps), h.hexdigest()


def _put(h: Any, text: str) -> None:
    h.update(text.encode("utf-8", "surrogatepass"))
    h.update(b"\x00")


def _content(b: _Book | Stage) -> str:
    """A book's content key: ``file:<hash of its bytes>``, or the hash of its tabs as read."""
    path = getattr(b.book, "path", None)
    if isinstance(path, Path) and path.is_file():
        return "file:" + hashlib.blake2b(path.read_bytes(), digest_size=20).hexdigest()
    h = hashlib.blake2b(digest_size=20)
    grids = b.grids if isinstance(b, Stage) or b.grids or b.book is None else b.book.read()
    if isinstance(b, _Book) and not b.grids:
        b.grids = grids
    for tab, grid in grids.items():
        _put(h, tab)
        for row in grid.rows:
            _put(h, "\x1f".join(row))
    return "tabs:" + h.hexdigest()


def _still_quiet(state: State, quiet: tuple[str, str], run_id: int
                 ) -> tuple[int, dict[str, Any]] | None:
    """(run, summary) when the last run had these very inputs and changed nothing."""
    raw = state.flag(quiet[0])
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    last = [r.id for r in state.runs(2) if r.id != run_id]
    if data.get("key") != quiet[1] or not last or last[0] != data.get("run"):
        return None  # the inputs changed, or another run (a restore, a slice) came between
    return int(data.get("since", data["run"])), dict(data.get("cached", {}))


def _remember_quiet(state: State, quiet: tuple[str, str], run_id: int, since: int,
                    cached: dict[str, Any]) -> None:
    state.set_flag(quiet[0], json.dumps({"key": quiet[1], "run": run_id, "since": since,
                                         "cached": cached}, ensure_ascii=False))


def _validate(project: Project, hub: Stage, parsed: Parsed) -> Findings:
    from ..forms.validate import validate_grids

    masked = _masked(project, project.as_spoke.book.name) if project.as_spoke else None
    return validate_grids(hub.grids, project.templates, project.program, book=hub.name,
                          parsed=parsed, masked=masked)


def _record_id(grid: Grid, id_col: int | None, row: int, fallback: str) -> str:
    rid = grid.cell(row, id_col).strip() if id_col else ""
    return rid or fallback


def _findings_step(hub: Stage, findings: Findings, opts: StepOptions, run_id: int,
                   at: str) -> tuple[WriteBatch, list[AuditRow]]:
    from ..forms.findings import findings_batch
    from ..forms.headers import RESULT_COLUMN

    grids = hub.grids
    batch = findings_batch(findings, grids, fix=opts.fix)
    fixes = {(f.tab, f.row, f.col): f for f in findings.fixes} if opts.fix else {}
    audit: list[AuditRow] = []
    for tab, cells in batch.cells.items():
        tr = findings.tabs.get(tab)
        if tr is None:
            continue
        id_col = tr.layout.columns.get("id")
        grid = grids[tab]
        for (r, c), new in sorted(cells.items()):
            if r == tr.layout.header_row:
                continue
            rid = _record_id(grid, id_col, r, f"{tab}!{r}")
            f = fixes.get((tab, r, c))
            if f is not None:
                audit.append(AuditRow(run_id, at, hub.name, tab, rid, f.column, f.old, new,
                                      "校验 --fix", "fix"))
            else:
                audit.append(AuditRow(run_id, at, hub.name, tab, rid, RESULT_COLUMN,
                                      grid.cell(r, c), new, "校验", "validate"))
    audit += _tab_audit(hub, batch, run_id, at, "validate")
    return batch, audit


def _tab_audit(stage: Stage, batch: WriteBatch, run_id: int, at: str,
               step: str) -> list[AuditRow]:
    """One audit row per tab a step replaces or deletes (its old rows are in the backup)."""
    out = []
    for tab, content in batch.tabs.items():
        old = stage.grids.get(tab)
        out.append(AuditRow(run_id, at, stage.name, tab, "", "(整个工作表)",
                            f"{old.n_rows} 行" if old is not None else "(无)",
                            f"{len(content.rows)} 行", STEP_ZH.get(step, step), step))
    for tab in batch.delete_tabs:
        old = stage.grids.get(tab)
        out.append(AuditRow(run_id, at, stage.name, tab, "", "(整个工作表)",
                            f"{old.n_rows} 行" if old is not None else "(无)", "(已删除)",
                            STEP_ZH.get(step, step), step))
    return out


def _dedupe_step(project: Project, hub: Stage, state: State, findings: Findings,
                 opts: StepOptions, run_id: int, at: str, out: PipelineResult
                 ) -> tuple[WriteBatch, list[AuditRow], list[Any]]:
    from ..dedupe import plan_dedupe

    grids = hub.grids
    if opts.dedupe_tab is not None and opts.dedupe_tab not in findings.tabs:
        raise SheetsSyncError(f"{hub.name} 中没有名为“{opts.dedupe_tab}”的表单工作表(--tab):"
                              f"可以是 {'、'.join(findings.tabs) or '(没有表单工作表)'}。"
                              "不写 --tab 就查所有表单工作表。")
    ds = plan_dedupe(grids, project.templates, project.program, state.decisions(), at=at,
                     tab=opts.dedupe_tab, report=findings)
    batch = ds.batch
    audit = [AuditRow(run_id, at, hub.name, tab, key, fld, old, new, action, "merge")
             for tab, key, fld, old, new, action in ds.audit]
    audit += _tab_audit(hub, batch, run_id, at, "dedupe")
    if ds.recycled:
        forms = {tr.layout.tab: tr.layout.form for tr in findings.tabs.values()}
        rows = [recycle_row(at, run_id, forms[r.tab].label if r.tab in forms else r.tab,
                            r.rid or r.key, f"合并到 {r.merged_into}", hub.name,
                            f"{r.tab} 第 {r.row} 行",
                            [(h, raw) for h, raw, _ in r.cells.values() if h != "校验结果"],
                            template=forms.get(r.tab))
                for r in ds.recycled]
        tool = WriteBatch()  # the merge batch leaves 回收站 as it was: append below its rows
        append_rows(tool, grids, project.recycle_tab, RECYCLE, rows)
        batch.then(tool)
    out.duplicates = ds.result
    out.merged = dict(ds.merged_into)
    out.messages += ds.result.messages
    return batch, audit, ds.decisions


def _report_step(project: Project, hub: Stage, state: State, findings: Findings,
                 opts: StepOptions, run_id: int, at: str, out: PipelineResult
                 ) -> tuple[WriteBatch, list[AuditRow]]:
    from ..reports import plan_reports
    from .run import open_held

    result, batch = plan_reports(hub.grids, project.templates, project.program, only=opts.only,
                                 reveal=opts.reveal, report=findings, now=opts.now,
                                 previous=opts.previous,
                                 disputed=open_held(project, hub.grids, state),
                                 # roster tabs an earlier run made (a library call on one
                                 # book keeps no state: every 花名册- tab counts as ours)
                                 ours=None if project.memory_state
                                 else state.generated_tabs(hub.name))
    out.reports = result
    return batch, _tab_audit(hub, batch, run_id, at, "report")


def _import_unchanged(project: Project, state: State, opts: StepOptions
                      ) -> tuple[StepOptions, Any]:
    """The import's result when every answer of the export is imported and unchanged
    (:func:`sheets_sync.intake.step.unchanged_import`: the steps have nothing to do, so
    the hub is not read), else ``None``; and ``opts`` carrying the export as read."""
    from ..intake.step import unchanged_import

    if opts.intake is None:
        return opts, None
    try:
        result, req = unchanged_import(project, state, opts.intake)
    except SheetsSyncError:  # the full path says it, in its own words
        return opts, None
    return dataclasses.replace(opts, intake=req), result


def _import_step(project: Project, hub: Stage, state: State, opts: StepOptions, run_id: int,
                 at: str, out: PipelineResult, writable: bool) -> None:
    """A survey export's answers into the hub (:func:`sheets_sync.intake.step.plan_import`)."""
    from ..intake.step import plan_import

    try:
        if opts.intake is None:
            raise SheetsSyncError("导入需要导出文件和表单"
                                  "(sheets-sync import 导出文件 --form 表单)。")
        batch, audit, result = plan_import(project, hub.grids, hub.name, state, opts.intake,
                                           run_id, at)
    except SheetsSyncError as e:
        out.failed_steps.append("import")
        out.errors["import"] = e
        out.messages.append(f"{STEP_ZH['import']}未完成:{e}")
        return
    out.intake = result
    if not writable:
        result.rows.clear()
        return
    hub.add(batch, [*audit, *_tab_audit(hub, batch, run_id, at, "import")])
    out.batches["import"] = batch


def _privacy_step(project: Project, hub: Stage, stages: list[Stage], state: State,
                  books: Mapping[str, Book] | None, opts: StepOptions, run_id: int, at: str,
                  out: PipelineResult, writable: bool) -> None:
    """Audit every book (:mod:`.privacy_step`); the 隐私检查 tab joins the hub's one write."""
    from .privacy_step import privacy_step

    try:
        batch = privacy_step(project, hub, stages, state, books, opts, out)
    except SheetsSyncError as e:
        out.failed_steps.append("privacy")
        out.errors["privacy"] = e
        out.messages.append(f"{STEP_ZH['privacy']}未完成:{e}")
        return
    if writable:
        hub.add(batch, _tab_audit(hub, batch, run_id, at, "privacy"))
        out.batches["privacy"] = batch


def _pair_step(project: Project, hub: Stage, findings: Findings, opts: StepOptions,
               run_id: int, at: str, out: PipelineResult) -> tuple[WriteBatch, list[AuditRow]]:
    from ..pairing import pairing_batch, propose_pairs

    grids = hub.grids
    result = propose_pairs(grids, project.templates, project.program,
                           today=opts.today or dt.date.today(), weights=opts.weights,
                           report=findings)
    out.pairing = result
    batch = pairing_batch(result, grids)
    audit: list[AuditRow] = []
    for tab, cells in batch.cells.items():
        by_row: dict[int, list[tuple[int, str]]] = {}
        for (r, c), text in cells.items():
            by_row.setdefault(r, []).append((c, text))
        head = grids[tab].rows[0] if tab in grids and grids[tab].n_rows else []
        for r, items in sorted(by_row.items()):
            rid = next((t for c, t in items if c <= len(head) and head[c - 1] == "编号"), "")
            for c, text in sorted(items):
                label = head[c - 1] if c <= len(head) else str(c)
                audit.append(AuditRow(run_id, at, hub.name, tab, rid or f"{tab}!{r}", label,
                                      grids[tab].cell(r, c) if tab in grids else "", text,
                                      "结对建议(接受)", "pair"))
    audit += _tab_audit(hub, batch, run_id, at, "pair")
    return batch, audit


def _schedule_step(project: Project, hub: Stage, findings: Findings, run_id: int, at: str,
                   out: PipelineResult) -> tuple[WriteBatch, list[AuditRow]]:
    """Teams and visits proposed into 排班建议; accepted ones into 支队 / 进驻安排 (and the
    members' 所属支队), each cell audited as a 排班建议(接受)."""
    from ..schedule import propose_schedule, schedule_batch

    grids = hub.grids
    result = propose_schedule(grids, project.templates, project.program, report=findings)
    out.schedule = result
    batch = schedule_batch(result, grids)
    audit: list[AuditRow] = []
    for tab, cells in batch.cells.items():
        grid = grids.get(tab)
        head = grid.rows[0] if grid is not None and grid.n_rows else []
        for (r, c), text in sorted(cells.items()):
            rid = next((grid.cell(r, j) for j, h in enumerate(head, start=1) if h == "编号"
                        and grid.cell(r, j).strip()), "") if grid is not None else ""
            label = head[c - 1] if c <= len(head) else str(c)
            audit.append(AuditRow(run_id, at, hub.name, tab, rid or f"{tab}!{r}", label,
                                  grid.cell(r, c) if grid is not None else "", text,
                                  "排班建议(接受)", "schedule"))
    audit += _tab_audit(hub, batch, run_id, at, "schedule")
    return batch, audit


def writable_forms(grids: Mapping[str, Grid], project: Project) -> bool:
    """Whether the book holds anything to validate (a tab of a form the project syncs)."""
    return any(project.templates[fk].label in grids for fk in project.forms)


def _no_form_text(book: str, grids: Mapping[str, Grid], project: Project) -> str:
    seen = [t for t in grids if t not in project.tool_tabs] or ["(没有工作表)"]
    forms = "、".join(t.label for t in project.templates.values())
    return (f"{book} 中没有认出任何表单工作表,没有可校验的内容(也没有写入):看到的工作表是 "
            f"{'、'.join(seen[:12])}{' 等' if len(seen) > 12 else ''};能认出的表单是 {forms}。"
            "请确认选对了工作簿,并检查表头是否与表单字段一致"
            "(sheets-sync templates show 表单 可查看各字段的写法)。")


def _undelete_step(hub: Stage, state: State, findings: Findings, opts: StepOptions,
                   run_id: int, at: str, out: PipelineResult
                   ) -> tuple[WriteBatch, list[AuditRow]]:
    """Put records a sync deleted back into the hub, every cell as it was (from the backup
    the deleting run took); the next sync carries them back to their spoke."""
    batch = WriteBatch()
    audit: list[AuditRow] = []
    next_row: dict[str, int] = {}
    for rid in opts.undelete:
        why = _put_back(hub, state, findings, rid, batch, audit, next_row, run_id, at, out)
        if why:
            raise SheetsSyncError(why)
    return batch, audit


def _put_back(hub: Stage, state: State, findings: Findings, rid: str, batch: WriteBatch,
              audit: list[AuditRow], next_row: dict[str, int], run_id: int, at: str,
              out: PipelineResult) -> str:
    """Plan putting ``rid`` back into the hub; ``""``, or why it cannot be put back."""
    gone = state.deleted_in(hub.name, rid)
    if gone is None:
        return (f"没有找到总表中被删除的 {rid}:它不在“回收站”里,或不是同步删除的。"
                f"可用 sheets-sync history {rid} 查看它的记录。")
    deleted_run, tab, step = gone
    if step == "merge":
        return (f"{rid} 是按“是同一人”合并掉的,不能单独放回:请用 sheets-sync restore "
                f"{deleted_run} 撤销那次合并,并在“疑似重复”中改选“不是同一人”。")
    tr = findings.tabs.get(tab)
    backup = next((b for b in state.backups(deleted_run) if b.book == hub.name
                   and b.tab == tab), None)
    if tr is None or backup is None or "id" not in tr.layout.columns:
        return (f"找不到 {rid} 删除前的备份(第 {deleted_run} 次运行):"
                f"可用 sheets-sync restore {deleted_run} 恢复那次运行。")
    lay = tr.layout
    id_col = lay.columns["id"]
    grid = hub.grids[tab]
    if any(grid.cell(r, id_col).strip() == rid for r in range(lay.header_row + 1,
                                                              grid.n_rows + 1)):
        return f"{rid} 已经在“{tab}”中,不需要放回。"
    old = backup.rows
    row = next((r for r in old[lay.header_row:] if len(r) >= id_col
                and r[id_col - 1].strip() == rid), None)
    if row is None:
        return f"第 {deleted_run} 次运行前的“{tab}”备份中没有 {rid}。"
    old_head = old[lay.header_row - 1] if len(old) >= lay.header_row else []
    col_of = {h: c for c, h in lay.headers.items()}
    target = next_row.get(tab, grid.n_rows + 1)
    next_row[tab] = target + 1
    for j, text in enumerate(row, start=1):
        header = old_head[j - 1] if j <= len(old_head) else ""
        col = col_of.get(header, j)
        if text:
            batch.set_cell(tab, target, col, text)
            audit.append(AuditRow(run_id, at, hub.name, tab, rid, header or str(j), "",
                                  text, f"从第 {deleted_run} 次运行前的备份放回", "undelete"))
    out.messages.append(f"已把 {rid} 放回“{tab}”第 {target} 行(第 {deleted_run} 次运行删除的);"
                        "同步时它会回到所属的分表。")
    return ""


def _restore_requests(project: Project, hub: Stage, state: State, run_id: int, at: str,
                      out: PipelineResult, parsed: Parsed) -> bool:
    """回收站 rows a person marked 恢复: put those records back before the sync, so the same
    run carries them to their spoke, and say in each cell what was done. Whether any was."""
    from .tooltabs import RECYCLE, RESTORE, col_of, pending

    grid = hub.grids.get(project.recycle_tab)
    asked = pending(grid, RECYCLE, RESTORE)
    col = col_of(grid, RECYCLE, RESTORE)
    if not asked or col is None:
        return False
    from ..forms.validate import validate_grids

    findings = validate_grids(hub.grids, project.templates, project.program, book=hub.name,
                              parsed=parsed)
    batch = WriteBatch()
    audit: list[AuditRow] = []
    next_row: dict[str, int] = {}
    done: set[str] = set()
    for r, v in asked:
        rid = v.get("编号", "")
        if not v.get("去向", "").startswith("删除"):
            why = f"{rid} 是{v.get('去向', '移走')}的,不是删除的:它在那里,不需要恢复。"
        elif rid in done:
            why = ""
        else:
            why = _put_back(hub, state, findings, rid, batch, audit, next_row, run_id, at, out)
        done.add(rid)
        if why:
            out.messages.append(f"“{project.recycle_tab}”第 {r} 行没有恢复:{why}")
            out.restore_failed = True
        batch.set_cell(project.recycle_tab, r, col,
                       f"未能恢复:{why}" if why else f"已恢复(第 {run_id} 次运行)")
    hub.add(batch, audit)
    return True


def _backups(stages: list[Stage]) -> list[Backup]:
    out: list[Backup] = []
    for st in stages:
        if not st.active or not st.batch:
            continue
        order = list(st.before)
        for tab in sorted(st.batch.touched()):
            existed = tab in st.before
            rows = st.before[tab].rows if existed else []
            out.append(Backup(st.name, tab, existed, order.index(tab) if existed else -1,
                              [list(r) for r in rows]))
    return out


def _commit(state: State, run_id: int, stages: list[Stage], plan: SyncPlan | None,
            decisions: list[Any], result: RunResult, intake: Any = None,
            signin: Any = None) -> None:
    """Journal, backups, one apply per book, then its audit, bases and decisions (and the
    answers an import brought in, with the hub's; the ids and conflicts of the 签到表)."""
    highs = dict(plan.highs) if plan else {}
    for prefix, high in [*(intake.highs.items() if intake is not None else ()),
                         *(signin.highs.items() if signin is not None else ())]:
        highs[prefix] = max(high, highs.get(prefix, 0))
    state.journal(run_id, highs, plan.pending if plan else [],
                  _backups(stages), [*(plan.hidden if plan else ()),
                                     *(intake.hidden if intake is not None else ()),
                                     *(signin.hidden if signin is not None else ())])
    _crash_point("before-write")
    by_name = {b.name: b for b in result.books}
    for st in stages:
        br = by_name.setdefault(st.name, BookResult(st.name, st.role))
        if not st.active:
            state.book_status(run_id, st.name, "skipped", br.message)
            continue
        assert st.book is not None
        if st.batch or getattr(st.book, "wants_encrypting", False):  # a spoke to encrypt
            try:
                st.book.apply(st.batch)
            except SheetsSyncError as err:
                br.status, br.message = "failed", f"写入 {st.name} 失败:{err}"
                state.book_status(run_id, st.name, "failed", br.message)
                result.messages.append(br.message)
                if st.role == "hub":
                    result.status = "failed"
                    return
                continue
            br.status, br.cells = "written", st.batch.n_cells()
            br.tabs = len(st.batch.tabs) + len(st.batch.delete_tabs)
            _crash_point(f"written:{st.name}")
        hub = st.role == "hub"
        bases = ({fk: (plan.bases[(fk, st.name)], p.base)
                  for fk, p in plan.plans.get(st.name, {}).items()} if plan else {})
        state.commit_book(
            run_id, st.name, bases, st.audit,
            tombstones=plan.tombstones if hub and plan else (),
            revived=plan.revived if hub and plan else (),
            status=br.status, cells=br.cells, decisions=decisions if hub else (),
            imports=intake.rows if hub and intake is not None else ())
        _crash_point(f"committed:{st.name}")
    if any(b.status in {"skipped", "failed"} for b in result.books) or (plan and plan.blocked):
        result.status = "partial"


def tick_line(result: PipelineResult) -> str:
    """One line per scheduled run, for ``watch`` and logs."""
    c = result.sync.counts
    line = (f"{time.strftime('%Y-%m-%d %H:%M:%S')} 第 {result.sync.run_id} 次:"
            f"{status_zh(result.sync.status)},修改 {c.get('updated', 0)},"
            f"新增 {c.get('appended', 0)},冲突 {c.get('conflicts', 0)}")
    if result.validation is not None:
        line += f";校验错误 {len(result.validation.errors)}"
    if result.failed_steps:
        line += ";未完成:" + "、".join(STEP_ZH[s] for s in result.failed_steps)
    return line


STATUS_ZH = {"ok": "完成", "partial": "部分完成", "failed": "失败", "dry-run": "试运行(未写入)",
             "unchanged": "无变化", "written": "已写入", "planned": "将写入", "skipped": "已跳过"}


def status_zh(status: str) -> str:
    return STATUS_ZH.get(status, status)


def watch(run_once: Callable[[], PipelineResult], seconds: float, *, times: int | None = None,
          echo: Callable[[str], None] = print,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Call ``run_once`` now and every ``seconds`` (``times`` runs, or forever).

    A run that fails with a :class:`SheetsSyncError` is reported and retried at the next
    tick. Returns the number of runs made.
    """
    n = 0
    while times is None or n < times:
        started = time.monotonic()
        try:
            echo(tick_line(run_once()))
        except SheetsSyncError as e:
            echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} 本次未完成:{e}")
        n += 1
        if times is None or n < times:
            sleep(max(0.0, seconds - (time.monotonic() - started)))
    return n


__all__ = ["RUN_STEPS", "STEPS", "PipelineResult", "Stage", "StepOptions", "run_pipeline",
           "status_zh", "tick_line", "watch"]
