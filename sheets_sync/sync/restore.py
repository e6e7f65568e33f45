"""Undo: ``restore(project, RUN)`` puts every book back as it was before run RUN.

For each tab, the backup taken by the first run at or after RUN that wrote to it is the
tab as it was before RUN. User tabs get back their cells (only the cells that differ);
tool tabs are rewritten; tabs that did not exist are deleted. The bases go back too, so
the next sync sees the restored books as unedited. The restore is itself a run with its
own backups, so it can be undone the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..books.base import Book, TabContent, WriteBatch
from ..errors import SheetsSyncError
from ..table import Grid
from .lock import ProjectLock
from .project import Project
from .run import _open
from .state import AuditRow, Backup, State


@dataclass
class RestoreResult:
    run_id: int
    restored_run: int
    books: dict[str, int] = field(default_factory=dict)   # book -> tabs put back
    messages: list[str] = field(default_factory=list)


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
    backups = _first_backups(state, run_id)
    specs = {s.name: s.location for s in project.books}
    new_run = state.begin_run("restore")
    out = RestoreResult(new_run, run_id)
    by_book: dict[str, list[Backup]] = {}
    for b in backups:
        by_book.setdefault(b.book, []).append(b)
    own_backups: list[Backup] = []
    plans: list[tuple[str, Book, WriteBatch]] = []
    for name, items in by_book.items():
        if name not in specs:
            out.messages.append(f"配置中已没有工作簿 {name},它没有被恢复。")
            continue
        book = _open(project, name, specs[name], books)
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
    failed = False
    for name, book, batch in plans:
        try:
            book.apply(batch)
        except SheetsSyncError as err:
            failed = True
            out.messages.append(f"恢复 {name} 失败:{err}")
            state.book_status(new_run, name, "failed", str(err))
            continue
        out.books[name] = len({t for t, c in batch.cells.items() if c} | set(batch.tabs)
                              | batch.delete_tabs)
        state.book_status(new_run, name, "restored", "", batch.n_cells())
    if not failed:
        state.undo_bases(run_id)
    state.end_run(new_run, "failed" if failed else "ok", {"restored_run": run_id},
                  "\n".join(out.messages))
    return out


def history(project: Project, record_id: str | None = None,
            limit: int = 1000) -> list[AuditRow]:
    """The audit trail of one record (or of everything), oldest first."""
    state = State.open(project.state_path)
    try:
        return state.audit_for(record_id, limit)
    finally:
        state.close()
