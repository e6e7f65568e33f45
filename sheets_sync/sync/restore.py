"""Undo: ``restore(project, RUN)`` puts every book back as it was before run RUN.

For each tab, the backup taken by the first run at or after RUN that wrote to it is the
tab as it was before RUN. User tabs get back their cells (only the cells that differ);
tool tabs are rewritten; tabs that did not exist are deleted. The bases go back too, so
the next sync sees the restored books as unedited. The restore is itself a run with its
own backups, so it can be undone the same way.

Restoring covers every step of the pipeline, because every step's writes went through
the one commit: a merge (是同一人) comes undone with the merged-away record back with every
value, a ``--fix`` and a generated tab too. Every book is checked before anything is
written: if one is open in Excel nothing is restored. If a write fails half-way, the run
is marked unfinished and sync refuses to run (mixing restored and unrestored books) until
the same restore is run again and completes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..books.base import Book, TabContent, WriteBatch, lock_of
from ..errors import SheetsSyncError
from ..table import Grid
from .entries import _open
from .lock import ProjectLock
from .project import Project
from .state import AuditRow, Backup, State

STEP_WORDS = {"sync": "同步", "conflict": "冲突", "delete": "删除", "move": "移走",
              "merge": "合并", "fix": "修正", "validate": "校验", "report": "报表",
              "pair": "结对", "dedupe": "查重", "restore": "恢复", "privacy": "隐私检查"}
"""The audit's step codes as ``history`` shows them."""


@dataclass
class RestoreResult:
    run_id: int
    restored_run: int
    books: dict[str, int] = field(default_factory=dict)   # book -> tabs put back
    messages: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)         # books not restored

    @property
    def ok(self) -> bool:
        return not self.left


def _first_backups(state: State, run_id: int) -> list[Backup]:
    rows = state.conn.execute("SELECT DISTINCT run_id FROM backups WHERE run_id >= ? "
                              "ORDER BY run_id", (run_id,)).fetchall()
    seen: dict[tuple[str, str], Backup] = {}
    for (rid,) in rows:
        for b in state.backups(rid):
            seen.setdefault((b.book, b.tab), b)
    return list(seen.values())


def _tab_batch(batch: WriteBatch, tab: str, now: Grid | None, before: list[list[str]],
               tool: bool) -> None:
    if now is None or tool:
        batch.replace_tab(tab, TabContent(rows=before))
        return
    cur = now.rows
    for r in range(max(len(cur), len(before))):
        a = cur[r] if r < len(cur) else []
        b = before[r] if r < len(before) else []
        for c in range(max(len(a), len(b))):
            old = a[c] if c < len(a) else ""
            new = b[c] if c < len(b) else ""
            if old != new:
                batch.set_cell(tab, r + 1, c + 1, new)


def restore(project: Project, run_id: int, *,
            books: Mapping[str, Book] | None = None) -> RestoreResult:
    """Put every book back as it was before run ``run_id``; raises if there is no such run."""
    state = State.open(project.state_path)
    try:
        if state.run(run_id) is None:
            raise SheetsSyncError(f"没有编号为 {run_id} 的运行记录。"
                                  "可用 sheets-sync history 查看运行记录。")
        with ProjectLock(project.state_path):
            return _restore(project, state, run_id, books)
    finally:
        state.close()


def _restore(project: Project, state: State, run_id: int,
             books: Mapping[str, Book] | None) -> RestoreResult:
    from .pipeline import RESTORE_FLAG

    backups = _first_backups(state, run_id)
    specs = {s.name: s.location for s in project.books}
    by_book: dict[str, list[Backup]] = {}
    for b in backups:
        by_book.setdefault(b.book, []).append(b)
    for name in by_book:  # a run of a slice outside a project names its book by full path
        if name not in specs and (name.startswith("gsheet:") or Path(name).is_absolute()):
            specs[name] = name
    opened: dict[str, Book] = {}
    locked: list[str] = []
    for name in by_book:
        if name not in specs:
            continue
        book = _open(project, name, specs[name], books)
        lock_file = lock_of(book)
        if lock_file is not None:
            locked.append(f"{name}(锁文件:{lock_file})")
        opened[name] = book
    if locked:
        raise SheetsSyncError("这些工作簿正在被 Excel 或 LibreOffice 打开:" + "、".join(locked)
                              + "。为免只恢复一部分,本次没有恢复任何工作簿;"
                              f"请保存并关闭它们后重新运行 sheets-sync restore {run_id}。")
    new_run = state.begin_run("restore")
    out = RestoreResult(new_run, run_id)
    own_backups: list[Backup] = []
    plans: list[tuple[str, Book, WriteBatch]] = []
    for name, items in by_book.items():
        if name not in opened:
            out.messages.append(f"配置中已没有工作簿 {name},它没有被恢复。")
            continue
        book = opened[name]
        grids = book.read()
        order = list(grids)
        batch = WriteBatch()
        for b in items:
            if not b.existed:
                if b.tab in grids:
                    batch.delete_tab(b.tab)
            else:
                _tab_batch(batch, b.tab, grids.get(b.tab), b.rows, b.tab in project.tool_tabs)
            if b.tab in grids:
                own_backups.append(Backup(name, b.tab, True, order.index(b.tab),
                                          [list(r) for r in grids[b.tab].rows]))
            else:
                own_backups.append(Backup(name, b.tab, False, -1, []))
        plans.append((name, book, batch))
    state.journal(new_run, {}, [], own_backups)
    state.set_flag(RESTORE_FLAG, str(run_id))
    failed = False
    for name, book, batch in plans:
        try:
            book.apply(batch)
        except SheetsSyncError as err:
            failed = True
            out.left.append(name)
            out.messages.append(f"恢复 {name} 失败:{err}")
            state.book_status(new_run, name, "failed", str(err))
            continue
        out.books[name] = len({t for t, c in batch.cells.items() if c} | set(batch.tabs)
                              | batch.delete_tabs)
        state.book_status(new_run, name, "restored", "", batch.n_cells())
    if not failed:
        state.undo_bases(run_id)
        state.set_flag(RESTORE_FLAG, None)
    else:
        out.messages.append(f"没有恢复:{'、'.join(out.left)}。在它们恢复之前同步不会运行;"
                            f"请处理后重新运行 sheets-sync restore {run_id}。")
    state.end_run(new_run, "partial" if failed else "ok", {"restored_run": run_id},
                  "\n".join(out.messages))
    return out


def history(project: Project, record_id: str | None = None, limit: int = 1000, *,
            masked: bool = False, reveal: Collection[str] = ()) -> list[AuditRow]:
    """The audit trail of one record (or of everything), oldest first, as stored.

    With ``masked=True`` (what a person reads: ``sheets-sync history`` and its ``--json``)
    old and new values of sensitive fields are masked as everywhere outside the hub
    (:func:`sheets_sync.privacy.shown_cell`: the row's tab and header name the template
    field), except fields whose ``"form.field"`` key is in ``reveal``
    (:func:`sheets_sync.privacy.reveal_keys`).
    """
    from dataclasses import replace

    from ..privacy import shown_cell

    state = State.open(project.state_path)
    try:
        rows = state.audit_for(record_id, limit)
    finally:
        state.close()
    if not masked:
        return rows
    forms = list(project.templates.values())
    return [replace(r, old=shown_cell(r.old, forms, r.tab, r.field, reveal),
                    new=shown_cell(r.new, forms, r.tab, r.field, reveal)) for r in rows]
