"""The sync step: read the spokes, parse, assign ids, merge, plan one batch per book.

:func:`plan_sync` is the first step of the pipeline (:mod:`.pipeline`), which reads the
hub, runs the later steps over the merged hub, and commits everything at once:

1. read every spoke (a spoke that is open in Excel, missing or unreachable is skipped with
   a message and caught up next run; the hub comes already read);
2. parse each form tab; give rows without 编号 an id (the same id a crashed run gave the
   same row, from ``pending_ids``); merge each form; plan one batch per book, with the
   conflict, recycle and log rows for the hub's tool tabs (:mod:`.tooltabs`);
3. return the plan: the batches, the new bases and audit rows per book, the id marks and
   pending ids, tombstones. Nothing is written here.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain

import pandas as pd

from ..books.base import Book, WriteBatch, unreadable_of
from ..errors import SheetsSyncError
from ..forms.headers import TOTAL_MARKERS, Parsed
from ..forms.normalize import normalize_column
from ..forms.template import FormTemplate
from ..table import Grid, a1
from . import tooltabs
from .entries import (  # re-exported: the names scripts and tests know from here
    RunResult,
    _Book,
    read_books,
)
from .ids import IdAllocator, id_number
from .merge import MergeResult, Side, merge_form
from .plan import Context, FormPlan, plan_book_form
from .project import Project
from .records import FormTab, Row, find_form_tabs
from .routes import Hop, Route, Router, form_order
from .shield import Shield, shield_for
from .state import AuditRow, State, Values
from .tooltabs import (
    CONFIRM_DELETE,
    CONFLICTS,
    HANDLED,
    LOG,
    RECYCLE,
    USE_OTHER,
    append_rows,
    col_of,
    read_rows,
    recycle_row,
    recycled_keys,
    shown_time,
)

Pending = tuple[str, str, str, str]  # form, book, row fingerprint, id
def _is_total(cells: list[str]) -> bool:
    return any(str(c).strip() in TOTAL_MARKERS for c in cells[:3])


def _slots(ft: FormTab, grid: Grid | None) -> list[int] | None:
    """The blank rows just above a 合计 row that ends the tab (``None``: no such row)."""
    if ft.layout is None or grid is None or not 0 < ft.last_row <= grid.n_rows:
        return None
    rows = grid.rows
    if ft.last_row <= ft.layout.header_row or not _is_total(rows[ft.last_row - 1]):
        return None
    top = ft.last_row - 1
    while top > ft.layout.header_row and not any(rows[top - 1]):
        top -= 1
    return list(range(top + 1, ft.last_row))


def _parse(project: Project, entries: list[_Book], parsed: Parsed | None = None) -> None:
    """Find each read book's form tabs (a 合计 row that new rows went below is no record)."""
    for b in entries:
        if not b.active:
            continue
        try:
            forms = [project.templates[k] for k in b.forms]
            b.tabs = find_form_tabs(b.name, b.grids, forms, project.templates,
                                    skip=project.tool_tabs, parsed=parsed)
        except SheetsSyncError as err:
            if b.role == "hub":
                raise
            b.active = False
            b.result.status = "skipped"
            b.result.message = f"已跳过 {b.name}:{err}"
            continue
        for ft in b.tabs.values():
            prefix = ft.form.id_prefix or ""
            ft.fresh = [r for r in ft.fresh if not _is_total(r.cells)]
            for rid in [rid for rid, r in ft.rows.items()
                        if _is_total(r.cells) and id_number(prefix, rid) is None]:
                del ft.rows[rid]


def _assign_ids(project: Project, state: State, entries: list[_Book],
                bases: dict[tuple[str, str], dict[str, Values]],
                tombs: dict[str, set[str]]) -> tuple[dict[str, int], list[Pending]]:
    highs: dict[str, int] = {}
    pending: list[Pending] = []
    allocs: dict[str, IdAllocator] = {}
    for fk in project.forms:
        prefix = project.templates[fk].id_prefix or ""
        alloc = allocs.setdefault(prefix, IdAllocator(prefix, state.high(prefix)))
        seen: set[str] = set(tombs.get(fk, set()))
        for b in entries:
            seen.update(bases.get((fk, b.name), {}))
            if b.active and fk in b.tabs:
                seen.update(b.tabs[fk].rows)
        alloc.see_all(seen)
    for fk in project.forms:
        alloc = allocs[project.templates[fk].id_prefix or ""]
        for b in entries:
            if not b.active or fk not in b.tabs:
                continue
            ft = b.tabs[fk]
            waiting = state.pending(fk, b.name)
            for row in [*ft.fresh, *ft.repeated]:
                fp = row.fingerprint()
                queue = waiting.get(fp, [])
                while queue and queue[0] in ft.rows:
                    queue.pop(0)
                rid = queue.pop(0) if queue else alloc.next()
                row.id = rid
                ft.rows[rid] = row
                b.needs_id.setdefault(fk, set()).add(rid)
                pending.append((fk, b.name, fp, rid))
    for prefix, alloc in allocs.items():
        highs[prefix] = alloc.high
    return highs, pending


def _canon(form: FormTemplate, key: str, texts: set[str], project: Project) -> dict[str, str]:
    uniq = sorted(texts)
    res = normalize_column(pd.Series(uniq, dtype=object), form.field(key), project.program)
    return {u: str(t).strip() for u, t in zip(uniq, res.text.tolist(), strict=True)}


def _matcher(project: Project, fk: str, spokes: list[_Book], records: Iterable[Values],
             router: Router | None = None) -> Callable[[Values], set[str]]:
    """A function: record values -> names of the spokes whose partition claims them.

    Each spoke's partition is reached by its route for the form (:mod:`.routes`: the
    field itself, the brigade, or a reference followed through ``router``'s records).
    Partition values compare canonically (``满城县`` is ``满城``, ``满城大队`` too);
    ``records`` are the values the function will be asked about (their texts are
    canonicalised once, together).
    """
    conf = {s.book.name: s for s in project.spokes}
    router = router or Router(project.templates)
    checks: dict[str, list[tuple[Route, str]]] = {}
    for s in spokes:
        routes = conf[s.name].routes.get(fk, {}) if s.name in conf else {}
        checks[s.name] = [(routes.get(k) or Route((Hop(fk, k),)), v)
                          for k, v in s.partition.items()]
    recs = list(records)
    used = {r for c in checks.values() for r, _ in c}
    canon: dict[Route, dict[str, str]] = {}
    for route in used:
        texts = {router.text(route, v) for v in recs} | {v for c in checks.values()
                                                         for r, v in c if r == route}
        canon[route] = _canon(project.templates[route.last.form], route.last.field, texts,
                              project)

    def canonical(route: Route, text: str) -> str:
        known = canon[route]
        if text not in known:
            known.update(_canon(project.templates[route.last.form], route.last.field, {text},
                                project))
        return known[text]

    def match(values: Values) -> set[str]:
        return {name for name, c in checks.items()
                if all((want := canonical(r, v)) and canonical(r, router.text(r, values)) == want
                       for r, v in c)}
    return match


def _placement(project: Project, fk: str, merged: MergeResult, spokes: list[_Book],
               bases: dict[tuple[str, str], dict[str, Values]],
               router: Router | None = None) -> dict[str, set[str]]:
    """id -> names of the spokes that should hold it."""
    match = _matcher(project, fk, spokes, merged.records.values(), router)
    out: dict[str, set[str]] = {}
    for rid, values in merged.records.items():
        claim = match(values)
        if not claim:  # no spoke claims it (blank or unknown): it stays where it is
            claim = {s.name for s in spokes
                     if (s.active and rid in s.tabs[fk].rows) or rid in bases.get((fk, s.name), {})}
        out[rid] = claim
    return out


def _moved_out(project: Project, fk: str, hub: _Book, spokes: list[_Book],
               bases: dict[tuple[str, str], dict[str, Values]],
               router: Router | None = None) -> dict[str, dict[str, Values]]:
    """Each spoke's base without the records it no longer holds because they moved away.

    A record a spoke's base has but the spoke does not, and that the hub places in another
    spoke, was moved out by a sync whose write landed but whose commit did not (a crash):
    it is not a deletion in that spoke.
    """
    hub_now = hub.tabs[fk].current()
    missing = {s.name: [rid for rid in bases[(fk, s.name)]
                        if rid in hub_now and rid not in s.tabs[fk].rows] for s in spokes}
    out = {s.name: bases[(fk, s.name)] for s in spokes}
    if not any(missing.values()):
        return out
    match = _matcher(project, fk, spokes, (hub_now[r] for m in missing.values() for r in m),
                     router)
    for s in spokes:
        gone = {rid for rid in missing[s.name] if (claim := match(hub_now[rid]))
                and s.name not in claim}
        if gone:
            out[s.name] = {rid: v for rid, v in out[s.name].items() if rid not in gone}
    return out


def _extras(fk: str, spokes: list[_Book], merged: MergeResult,
            targets: dict[str, set[str]]) -> dict[str, tuple[str, dict[str, str]]]:
    """id -> (spoke, header -> text): the own-column cells of records moving out of a spoke."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for s in spokes:
        ft = s.tabs[fk]
        if ft.layout is None:
            continue
        synced = set(ft.layout.columns.values())
        for rid, row in ft.rows.items():
            if rid not in merged.records or s.name in targets.get(rid, set()):
                continue
            own = {ft.layout.headers.get(j, str(j)): t for j, t in enumerate(row.cells, start=1)
                   if t and j not in synced and j != ft.id_col}
            if own:
                out[rid] = (s.name, own)
    return out


def _cells(ft: FormTab, rid: str) -> list[tuple[str, str]]:
    row = ft.rows[rid]
    headers = ft.layout.headers if ft.layout else {}
    return [(str(headers.get(j, j)), t) for j, t in enumerate(row.cells, start=1)]


def sync_project(project: Project, *, dry_run: bool = False,
                 books: Mapping[str, Book] | None = None) -> RunResult:
    """Run one sync of ``project`` (the pipeline with the sync step only).

    ``books`` overrides books by name (tests, --dry-run).
    """
    from .pipeline import run_pipeline

    return run_pipeline(project, steps=("sync",), dry_run=dry_run, books=books).sync


@dataclass
class SyncPlan:
    """What the sync step plans: one batch per book, and what the commit must record."""

    entries: list[_Book]
    batches: dict[str, WriteBatch]
    plans: dict[str, dict[str, FormPlan]]
    bases: dict[tuple[str, str], dict[str, Values]]
    counts: dict[str, int]
    conflicts: list[dict[str, str]]
    lines: list[str]
    highs: dict[str, int]
    pending: list[Pending]
    tombstones: list[tuple[str, str, str]]
    revived: list[tuple[str, str]]
    skipped: list[str]
    blocked: list[str] = field(default_factory=list)
    """What the run did not do to keep data safe (a mass deletion, a blind merge …)."""
    notes: list[str] = field(default_factory=list)
    """Said every run: per spoke, the configured forms it does not carry, and why."""
    hidden: list[tooltabs.Hidden] = field(default_factory=list)
    """The full values behind the 同步冲突 cells the hub shows masked: the commit keeps them
    in the state store with the journal, before the write."""

    def bases_moved(self) -> bool:
        """Whether any book's new base differs from the one in state (it must be committed)."""
        return any(p.base != self.bases.get((fk, book), {})
                   for book, forms in self.plans.items() for fk, p in forms.items())

    def audit(self, book: str) -> list[AuditRow]:
        """``book``'s audit rows, each naming its step: sync, conflict, delete or move."""
        conflicted = {(c["id"], c["field"]) for c in self.conflicts}
        return [_named(a, conflicted) for p in self.plans.get(book, {}).values()
                for a in p.audit]


DELETE_SHARE = 0.05
DELETE_MIN = 3


def _named(a: AuditRow, conflicted: set[tuple[str, str]]) -> AuditRow:
    """An audit row of the sync with its step: a cell cleared by a deletion or a move, a cell
    two books wrote (a conflict), else an edit that flowed (``sync``)."""
    if a.new == "" and a.source.startswith("删除"):
        step = "delete"
    elif a.new == "" and a.source.startswith("移到"):
        step = "move"
    elif (a.record_id, a.field) in conflicted:
        step = "conflict"
    else:
        return a
    return replace(a, step=step)


def delete_limit(project: Project, held: int) -> int:
    """How many records one book may lose in one run: ``[sync] max_delete``, else 5 % of
    what it held (at least 3)."""
    if project.max_delete is not None:
        return project.max_delete
    return max(DELETE_MIN, math.ceil(DELETE_SHARE * held))


def _same_id_twice(entries: list[_Book], bases: dict[tuple[str, str], dict[str, Values]],
                   shields: Mapping[tuple[str, str], Shield] | None = None
                   ) -> list[tuple[_Book, FormTab, str, Row, Row]]:
    """A 编号 on two rows of one book (a pasted row): the row closer to the base keeps it.

    Returns (book, tab, id, kept row, other row); the other row is a new record (it gets a
    new 编号) and the run says so, so a pasted row never takes another child's identity.
    """
    out = []
    for b in entries:
        if not b.active:
            continue
        for fk, ft in b.tabs.items():
            base = bases.get((fk, b.name), {})
            sh = (shields or {}).get((fk, b.name))
            for other in list(ft.repeated):
                rid = other.id
                first = ft.rows.get(rid)
                if first is None:
                    continue
                was = base.get(rid, {})
                if sh is not None:  # compared as the spoke shows it
                    was = sh.show(was)

                def score(r: Row, was: Values = was) -> int:
                    return sum(1 for k, v in r.values.items() if v and was.get(k) == v)

                kept = first
                if was and score(other) > score(first):  # the later row is the record
                    kept, other = other, first
                    ft.rows[rid] = kept
                    ft.repeated[ft.repeated.index(kept)] = other
                out.append((b, ft, rid, kept, other))
    return out


def _renamed_ids(entries: list[_Book], bases: dict[tuple[str, str], dict[str, Values]],
                 tombs: dict[str, set[str]],
                 shields: Mapping[tuple[str, str], Shield] | None = None) -> list[str]:
    """A 编号 typed over (C0012 → C012): put the real one back instead of a delete + an add.

    A row whose 编号 no book has ever held, in a book that no longer holds a record whose
    synced values are exactly this row's, is that record with a mistyped 编号.
    """
    known: dict[str, set[str]] = {}
    for (fk, _), base in bases.items():
        known.setdefault(fk, set()).update(base)
    notes: list[str] = []
    for b in entries:
        if not b.active:
            continue
        for fk, ft in b.tabs.items():
            base = bases.get((fk, b.name), {})
            missing = {rid: v for rid, v in base.items() if rid not in ft.rows}
            if not missing:
                continue
            if (sh := (shields or {}).get((fk, b.name))) is not None:  # as the spoke shows it
                missing = {rid: sh.show(v) for rid, v in missing.items()}
            for rid, row in list(ft.rows.items()):
                if rid in known.get(fk, set()) or rid in tombs.get(fk, set()):
                    continue
                same = [old for old, v in missing.items()
                        if v and all(row.values.get(k, "") == t for k, t in v.items())]
                if len(same) != 1:
                    continue
                old = same[0]
                del missing[old]
                del ft.rows[rid]
                row.id = old
                ft.rows[old] = row
                b.needs_id.setdefault(fk, set()).add(old)  # the 编号 cell is written back
                notes.append(f"{b.name}“{ft.tab}”第 {row.sheet_row} 行的编号从 {old} 改成了 {rid}:"
                             f"编号由工具分配,不能修改,已改回 {old}。如果这一行是另一个孩子,"
                             "请清空它的编号,同步时会分配新编号。")
    return notes


def _cell_limit(book: object) -> tuple[int, str] | None:
    """The longest text one cell of ``book`` holds, and what the book is (for the message)."""
    google = sys.modules.get("sheets_sync.books.google")  # a GoogleBook means it is imported
    if google is not None and isinstance(book, google.GoogleBook):
        from ..books.google_plan import MAX_CELL_CHARS as GOOGLE

        return GOOGLE, "Google 表格"
    path = getattr(book, "path", None)
    if path is not None and str(path).lower().endswith((".xlsx", ".xlsm")):
        from ..books.xlsx.patch import MAX_CELL_CHARS as EXCEL

        return EXCEL, "Excel"
    return None


def _keep_oversize(entries: list[_Book], bases: dict[tuple[str, str], dict[str, Values]]
                   ) -> list[str]:
    """A cell longer than some book the sync writes can hold: that cell sits out this run.

    It would make that book's write fail, and with it every other change of the run. It
    is named where it was typed (book, tab, cell), kept as it is there, and the book that
    cannot hold it keeps its last synced value; everything else syncs.
    """
    limits = [lim for b in entries if b.active and (lim := _cell_limit(b.book)) is not None]
    if not limits:
        return []
    limit, kind = min(limits)
    notes: list[str] = []
    for b in entries:
        if not b.active or not any(  # the usual case, at C speed: no cell near the limit
                max(map(len, chain.from_iterable(g.rows)), default=0) > limit
                for g in b.grids.values()):
            continue
        for fk, ft in b.tabs.items():
            if ft.layout is None:
                continue
            base = bases.get((fk, b.name), {})
            for rid, row in ft.rows.items():
                for k in ft.fields:
                    text = row.values.get(k, "")
                    if len(text) <= limit:
                        continue
                    row.values[k] = base.get(rid, {}).get(k, "")
                    col = ft.layout.columns.get(k)
                    where = a1(row.sheet_row, col) if col is not None else rid
                    notes.append(f"{b.name}“{ft.tab}”单元格 {where}({rid})有 {len(text)} 个字符,"
                                 f"超过了 {kind}单个单元格的上限 {limit} 个字符:这一格本次没有同步"
                                 "(其他内容照常同步)。请把它缩短到上限以内后重新同步。")
    return notes


def _keep_unreadable(entries: list[_Book], bases: dict[tuple[str, str], dict[str, Values]]
                     ) -> list[str]:
    """A formula cell saved without its result reads blank: keep its last synced value.

    Such a cell is no edit (nobody cleared it), so it must not blank the same cell in every
    other book. Returns what to tell the user.
    """
    notes: list[str] = []
    for b in entries:
        if not b.active or b.book is None:
            continue
        unknown = unreadable_of(b.book)
        if not unknown:
            continue
        for fk, ft in b.tabs.items():
            cells = unknown.get(ft.tab)
            if not cells or ft.layout is None:
                continue
            base = bases.get((fk, b.name), {})
            kept = []
            for rid, row in ft.rows.items():
                for k in ft.fields:
                    col = ft.layout.columns.get(k)
                    if col is not None and (row.sheet_row, col) in cells:
                        row.values[k] = base.get(rid, {}).get(k, row.values[k])
                        kept.append(a1(row.sheet_row, col))
            if kept:
                notes.append(f"{b.name}“{ft.tab}”中有 {len(kept)} 个公式单元格没有保存计算结果"
                             f"(如 {'、'.join(kept[:3])}),读出来是空的:本次把它们当作没有修改。"
                             "请在 Excel 或 WPS 中打开并保存该工作簿,让公式算出结果。")
    return notes


def plan_sync(project: Project, state: State, run_id: int, at: str, entries: list[_Book],
              books: Mapping[str, Book] | None = None, *,
              allow_delete: frozenset[str] = frozenset(),
              rebase_from: str | None = None, parsed: Parsed | None = None) -> SyncPlan:
    """The sync step: read the spokes (the hub entry comes read), merge, plan every batch.

    Nothing is written and nothing recorded: the pipeline's commit does both. A book that
    lost its form tab, emptied it, or lost more records than :func:`delete_limit` allows
    (unless named in ``allow_delete``), and a spoke with no base that disagrees with the
    hub (unless ``rebase_from`` says which side is right: ``"hub"`` or ``"spoke"``), is left
    out of that form's sync this run, with a message saying what to do (``blocked``).
    """
    read_books(project, entries, books)
    _parse(project, entries, parsed)
    hub = entries[0]
    carried_notes, stranded = _forms_carried(project, entries, parsed)
    bases = {(fk, b.name): state.bases(fk, b.name) for fk in project.forms for b in entries
             if fk in b.forms}
    tombs = {fk: state.tombstones(fk) for fk in project.forms}
    blind = _keep_unreadable(entries, bases) + _keep_oversize(entries, bases)
    spokes_of = {s.book.name: s for s in project.spokes}
    shields: dict[tuple[str, str], Shield] = {}
    for fk in project.forms:
        for sp in project.spokes:
            if fk in sp.forms and (sh := shield_for(project.templates[fk], sp)) is not None:
                shields[(fk, sp.book.name)] = sh
    twice = _same_id_twice(entries, bases, shields)
    renamed = _renamed_ids(entries, bases, tombs, shields)
    highs, pending = _assign_ids(project, state, entries, bases, tombs)
    blocked: list[str] = [*blind, *renamed, *stranded]
    claimed: dict[str, int] = {}
    for b, ft, rid, kept, other in twice:
        blocked.append(f"{b.name}“{ft.tab}”第 {kept.sheet_row} 行和第 {other.sheet_row} 行的"
                       f"编号都是 {rid}:第 {kept.sheet_row} 行保留 {rid},第 {other.sheet_row} "
                       f"行当作另一条记录,给了新编号 {other.id}。如果第 {other.sheet_row} 行是"
                       "复制来的同一个人,请删除它。")

    batches = {b.name: WriteBatch() for b in entries if b.active}
    plans: dict[str, dict[str, FormPlan]] = {b.name: {} for b in entries if b.active}
    counts = dict.fromkeys(("appended", "updated", "moved", "deleted", "conflicts", "new_ids"), 0)
    counts["new_ids"] = len(pending)
    conflict_rows: list[dict[str, str]] = []
    recycle_rows: list[dict[str, str]] = []
    new_tombs: list[tuple[str, str, str]] = []
    revived: list[tuple[str, str]] = []
    conflicts_json: list[dict[str, str]] = []
    plan_lines: list[str] = []
    # (form, id, "删除" or "移到 X"): a re-run after a crash adds no second row
    existing_recycle = recycled_keys(hub.grids.get(project.recycle_tab))
    conflict_grid = hub.grids.get(project.conflict_tab)
    # its rows with their full values (the tab shows sensitive ones masked: see tooltabs)
    existing_conflicts = tooltabs.read_conflicts(conflict_grid, project.templates,
                                                 state.hidden(CONFLICTS.key))
    decided = _decisions(project, existing_conflicts)
    conflict_marks: dict[tuple[int, int], str] = dict(existing_conflicts.masks)
    hidden = list(existing_conflicts.hidden)
    log_grid = hub.grids.get(project.log_tab)
    confirmations = {(v.get("工作簿", ""), v.get("说明", "")): r
                     for r, v in tooltabs.pending(log_grid, LOG, CONFIRM_DELETE)
                     if v.get("结果") == HELD_WORD}
    waiting = {(v.get("工作簿", ""), v.get("说明", "")) for _, v in read_rows(log_grid, LOG)
               if v.get("结果") == HELD_WORD and not v.get(CONFIRM_DELETE)}
    log_marks: dict[tuple[int, int], str] = {}
    held_rows: list[dict[str, str]] = []
    confirm_col = col_of(log_grid, LOG, CONFIRM_DELETE)

    router = Router(project.templates)
    order = form_order(project.forms, (r for sp in project.spokes for rs in sp.routes.values()
                                       for r in rs.values()))
    for fk in order:
        form = project.templates[fk]
        spokes = [b for b in entries[1:] if fk in b.forms]
        active = [s for s in spokes if s.active]
        hub_ft = hub.tabs[fk]
        spoke_bases = _moved_out(project, fk, hub, active, bases, router)
        hub_now = {rid: dict(v) for rid, v in hub_ft.current().items()}
        sides: dict[str, Side] = {hub.name: Side(hub.name, hub_now, bases[(fk, hub.name)])}
        for s in active:
            current = s.tabs[fk].current()
            if (sh := shields.get((fk, s.name))) is not None:
                current, odd = sh.read(current, spoke_bases[s.name], bases[(fk, hub.name)],
                                       hub_now)
                carried_notes += _odd_masked(s, s.tabs[fk], form, odd)
            sides[s.name] = Side(s.name, current, spoke_bases[s.name])
        keep_both = {f.key for f in form.fields if f.conflict == "keep_both"}
        _carry_out(decided.get(fk, []), sides, hub.name, form, run_id, conflict_grid,
                   conflict_marks)
        held_out: set[str] = set()
        blocked += _lost_columns(form, [hub, *active], bases, fk, shields)
        for b in [hub, *active]:
            held = _guard(project, fk, b, sides[b.name], hub_ft.current(), allow_delete)
            if held is None:
                continue
            kind, why = held
            if kind == "no-base" and rebase_from in {"hub", "spoke"}:
                sides[b.name] = _rebased(sides[b.name], hub_ft.current(), str(rebase_from))
                continue
            if kind == "deleted" and (b.name, why) in confirmations:
                at_row = confirmations.pop((b.name, why))
                if confirm_col is not None:
                    log_marks[(at_row, confirm_col)] = f"已确认(第 {run_id} 次运行)"
                continue
            if kind == "deleted" and (b.name, why) not in waiting:
                held_rows.append({"时间": shown_time(at), "运行": str(run_id), "结果": HELD_WORD,
                                  "说明": why, "工作簿": b.name})
                waiting.add((b.name, why))
            blocked.append(why)
            held_out.add(b.name)
            side = sides[b.name]
            sides[b.name] = Side(side.name, dict(side.base), dict(side.base))  # no change
        merged = merge_form(sides[hub.name], [sides[s.name] for s in active],
                            policy=project.conflict_policy, tombstones=tombs[fk],
                            keep_both=keep_both)
        label = {f.key: f.label for f in form.fields}
        for c in merged.conflicts:
            name = merged.records.get(c.record_id, {}).get("name", "")
            row = {"时间": shown_time(at), "运行": str(run_id), "表单": form.label,
                   "编号": c.record_id, "姓名": name, "字段": label.get(c.field, c.field),
                   "保留的值": c.kept, "保留的值来自": c.kept_book, "未采用的值": c.lost,
                   "未采用的值来自": c.lost_book, "原值": c.ancestor or "",
                   "说明": HELD_NOTE if c.held else "两边都改了这个单元格"}
            conflicts_json.append({"time": at, "run": str(run_id), "form": form.label,
                                   "id": c.record_id, "field": row["字段"], "kept": c.kept,
                                   "kept_book": c.kept_book, "lost": c.lost,
                                   "lost_book": c.lost_book, "base": c.ancestor or "",
                                   "name": name, "held": "yes" if c.held else ""})
            shown = tooltabs.shown_conflict(row, form)  # the hub shows it masked
            if not existing_conflicts.holds(row, shown):
                existing_conflicts.add(row)
                conflict_rows.append(shown)
                if (kept_full := tooltabs.hidden_of(shown, row, run_id)) is not None:
                    hidden.append(kept_full)  # 采用另一值 puts the full value back
        _settled_by_hand(decided.get(fk, []), merged, sides, hub.name, keep_both, label,
                         run_id, conflict_grid, conflict_marks)
        for n in merged.notes:  # shown as the hub shows names (masked if sensitive)
            conflict_rows.append(tooltabs.shown_conflict({
                "时间": shown_time(at), "运行": str(run_id), "表单": form.label,
                "编号": n.record_id, "姓名": merged.records.get(n.record_id, {}).get("name", ""),
                "字段": "(整条记录)", "保留的值": "保留", "未采用的值": "删除",
                "未采用的值来自": n.book, "说明": n.text}, form))
        counts["conflicts"] += len(merged.conflicts)
        for rid in merged.records.keys() & tombs[fk]:
            revived.append((fk, rid))
        why_gone: dict[str, str] = {}
        for rid, d in merged.deleted.items():
            why_gone[rid] = f"删除于 {d.by}"
            new_tombs.append((fk, rid, d.by))
            holder = next((b for b in [hub, *active] if b.active and rid in b.tabs[fk].rows),
                          None)
            if holder is not None:
                cells = _cells(holder.tabs[fk], rid)
                where = f"{holder.tabs[fk].tab} 第 {holder.tabs[fk].rows[rid].sheet_row} 行"
            else:
                cells = [(label.get(k, k), v) for k, v in d.values.items()]
                where = ""
            if (form.label, rid, "删除") not in existing_recycle:
                recycle_rows.append(recycle_row(at, run_id, form.label, rid, f"删除于 {d.by}",
                                                holder.name if holder else "", where, cells,
                                                template=form))
            counts["deleted"] += 1
        router.set(fk, merged.records)
        targets = _placement(project, fk, merged, spokes, bases, router)
        if merged.records:
            for s in spokes:
                claimed[s.name] = claimed.get(s.name, 0) + sum(
                    1 for t in targets.values() if s.name in t)
        hub_cols = ([k for k, _ in sorted(hub_ft.layout.columns.items(), key=lambda kv: kv[1])]
                    if hub_ft.layout else [f.key for f in form.fields])
        extras = _extras(fk, active, merged, targets)
        carried: set[tuple[str, str]] = set()
        for b in [hub, *active]:
            if b.name in held_out:  # left as it is; its base stays for the next run
                continue
            ft = b.tabs[fk]
            if b is hub:
                want = merged.records
            else:
                want = {rid: v for rid, v in merged.records.items() if b.name in targets[rid]}
                for (rid, book), kept_here in merged.held.items():  # each keeps its text
                    if book == b.name and rid in want:
                        want[rid] = {**want[rid], **{f: t for f, (t, _) in kept_here.items()}}
            gone = dict(why_gone)
            for rid in ft.rows.keys() - want.keys() - gone.keys():
                dest = "、".join(sorted(targets.get(rid, set()))) or "其他分表"
                gone[rid] = f"移到 {dest}"
            ctx = Context(run_id, b.name, merged.sources, at)
            sh = shields.get((fk, b.name))
            full = want
            if sh is not None:  # the spoke shows its sensitive fields masked (or not at all)
                want = {rid: sh.show(v) for rid, v in want.items()}
            cols = [k for k in hub_cols if sh is None or sh.fields.get(k) != "omit"]
            p = plan_book_form(batches[b.name], ft, want, b.needs_id.get(fk, set()), ctx,
                               columns=cols, why_gone=gone,
                               extras=None if b is hub else extras,
                               slots=_slots(ft, b.grids.get(ft.tab)))
            if sh is not None:  # its base is the full record: what it shows reads back as it
                for rid, base_v in p.base.items():
                    if rid in full:
                        base_v.update({k: full[rid].get(k, "") for k in sh.fields if k in base_v})
            carried |= p.carried
            for (rid, book), kept_here in merged.held.items():  # found again next run
                if book == b.name and rid in p.base:
                    p.base[rid] = {**p.base[rid],
                                   **{f: a or "" for f, (_, a) in kept_here.items()}}
            plans[b.name][fk] = p
            counts["appended"] += len(p.appended)
            counts["updated"] += p.updated
            counts["moved"] += sum(1 for rid in p.cleared if rid not in merged.deleted)
            plan_lines += p.lines

        for rid, (source, own) in extras.items():  # no column for them there: 回收站
            left = {h: t for h, t in own.items() if (rid, h) not in carried}
            dest = "移到 " + "、".join(sorted(targets.get(rid, set())))
            if left and (form.label, rid, dest) not in existing_recycle:
                recycle_rows.append(recycle_row(at, run_id, form.label, rid, dest, source, "",
                                                left.items(), template=form))

    for name, got in claimed.items():  # a county is checked against the program at load
        if got == 0 and name in spokes_of and set(spokes_of[name].partition) - {"county"}:
            part = "、".join(f"{k} = {v}" for k, v in spokes_of[name].partition.items())
            blocked.append(f"分表 {name} 的 partition({part})没有对上总表中的任何记录:"
                           "它什么也拿不到。请检查 sheets-sync.toml 里的写法是否与总表一致"
                           "(县名、学校名要和表中的写法相同)。")
    for at_row in confirmations.values():  # confirmed, but not what is held now
        if confirm_col is not None:
            log_marks[(at_row, confirm_col)] = ("未能确认:这一行说的删除现在已不同(或已不需要),"
                                             "请看最新的“删除待确认”行")
    hub_batch = batches[hub.name]
    append_rows(hub_batch, hub.grids, project.conflict_tab, CONFLICTS, conflict_rows,
                updates=conflict_marks)
    # cells an earlier release wrote in full are masked (restore needs only the backups)
    recycle_masks = tooltabs.recycle_masks(hub.grids.get(project.recycle_tab), project.templates)
    append_rows(hub_batch, hub.grids, project.recycle_tab, RECYCLE, recycle_rows,
                updates=recycle_masks)
    if conflict_rows:
        plan_lines.append(f"{hub.name}:“{project.conflict_tab}”新增 {len(conflict_rows)} 行")
    if recycle_rows:
        plan_lines.append(f"{hub.name}:“{project.recycle_tab}”新增 {len(recycle_rows)} 行")
    for tool_tab, masked in ((project.conflict_tab, len(existing_conflicts.masks)),
                             (project.recycle_tab, len(recycle_masks))):
        if masked:
            plan_lines.append(f"{hub.name}:“{tool_tab}”中 {masked} 个敏感值改为遮挡显示")
    skipped = [b.result.message for b in entries if not b.active]
    logged: list[dict[str, str]] = []
    if any(batches.values()) or held_rows:
        logged.append({"时间": shown_time(at), "运行": str(run_id),
                       "结果": "部分完成" if skipped or blocked else "完成",
                       "新增": str(counts["appended"]), "修改单元格": str(counts["updated"]),
                       "移出": str(counts["moved"]), "删除": str(counts["deleted"]),
                       "冲突": str(counts["conflicts"]), "新编号": str(counts["new_ids"]),
                       "说明": ";".join(skipped)})
    append_rows(hub_batch, hub.grids, project.log_tab, LOG, [*logged, *held_rows],
                updates=log_marks)

    return SyncPlan(entries, batches, plans, bases, counts, conflicts_json, plan_lines, highs,
                    pending, new_tombs, revived, skipped, blocked, carried_notes, hidden)


HELD_WORD = "删除待确认"
HELD_NOTE = "安全字段:两边都保留,花名册显示两个值,请核实后选“处理”"


def _decisions(project: Project, found: tooltabs.ConflictRows
               ) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Form key -> 同步冲突 rows still open or decided (处理 empty, 已处理 or 采用另一值),
    with their full values (:func:`.tooltabs.read_conflicts`)."""
    by_label = {t.label: fk for fk, t in project.templates.items()}
    out: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for r, v in found.rows:
        fk = by_label.get(v.get("表单", ""))
        if fk is not None and v.get("处理", "") in {"", HANDLED, USE_OTHER}:
            out.setdefault(fk, []).append((r, v))
    return out


def _carry_out(rows: list[tuple[int, dict[str, str]]], sides: dict[str, Side], hub_name: str,
               form: FormTemplate, run_id: int, grid: Grid | None,
               marks: dict[tuple[int, int], str]) -> None:
    """Do what a person chose in 同步冲突's 处理, before the merge sees the books.

    采用另一值: the hub takes the value not kept (if it still holds the kept one), and the
    sync carries it everywhere. 已处理 on a held field (``conflict: keep_both``): the kept
    value stands, so the book holding the other one takes it (its base is moved to its own
    text: the hub's is then the only change). The cell says what was done (a sensitive
    value in it masked). ``rows`` carry the full values (:func:`_decisions`): a value the
    tab shows masked is never put into a book.
    """
    col = col_of(grid, CONFLICTS, "处理")
    if col is None:
        return
    key_of = {f.label: f.key for f in form.fields}
    hub = sides[hub_name]
    for r, v in rows:
        choice = v.get("处理", "")
        if choice not in {HANDLED, USE_OTHER}:
            continue
        rid, fkey = v.get("编号", ""), key_of.get(v.get("字段", ""))
        kept, lost = v.get("保留的值", ""), v.get("未采用的值", "")
        if fkey is None:
            marks[(r, col)] = (f"已处理(第 {run_id} 次运行)" if choice == HANDLED else
                               "未能采用:这一行说的不是某个单元格;请直接在表中改正")
            continue
        cur = hub.current.get(rid)
        if cur is None:
            marks[(r, col)] = f"未能处理:总表中已没有 {rid}"
            continue
        held = next((f for f in form.fields if f.key == fkey), None)
        if choice == USE_OTHER:
            if v.get(tooltabs.UNKNOWN):
                marks[(r, col)] = ("未能采用:这一行的值是遮挡显示的,完整的值不在状态数据库中"
                                   "(state.db 可能换过);请核对后直接在总表中改正")
                continue
            if cur.get(fkey, "") == kept:
                cur[fkey] = lost
            elif cur.get(fkey, "") != lost:
                now_text = tooltabs.shown_field(cur.get(fkey, ""), form, held)
                marks[(r, col)] = (f"未能采用:总表中这一项现在是“{now_text}”,"
                                   "已不是保留的值;请核对后直接在表中改正")
                continue
            marks[(r, col)] = f"已采用另一值(第 {run_id} 次运行)"
            continue
        other = sides.get(v.get("未采用的值来自", ""))
        if held is not None and held.conflict == "keep_both" and other is not None \
                and other is not hub and cur.get(fkey, "") == kept \
                and other.current.get(rid, {}).get(fkey) == lost:
            base = {k: dict(b) for k, b in other.base.items()}
            base.setdefault(rid, dict(other.current[rid]))[fkey] = lost
            sides[other.name] = Side(other.name, other.current, base)
        elif held is not None and held.conflict == "keep_both" and other is None:
            continue  # that book is not synced this run: decided when it is
        marks[(r, col)] = f"已处理(第 {run_id} 次运行)"


def _settled_by_hand(rows: list[tuple[int, dict[str, str]]], merged: MergeResult,
                     sides: dict[str, Side], hub_name: str, keep_both: set[str],
                     label: dict[str, str], run_id: int, grid: Grid | None,
                     marks: dict[tuple[int, int], str]) -> None:
    """An open held conflict that people settled by typing the same text in both books."""
    col = col_of(grid, CONFLICTS, "处理")
    if col is None:
        return
    key_of = {v: k for k, v in label.items()}
    open_now = {(c.record_id, c.field) for c in merged.conflicts if c.held}
    for r, v in rows:
        fkey = key_of.get(v.get("字段", ""))
        if v.get("处理", "") or fkey not in keep_both or (r, col) in marks:
            continue
        rid, other = v.get("编号", ""), sides.get(v.get("未采用的值来自", ""))
        hub_v = sides[hub_name].current.get(rid, {}).get(fkey)
        if (rid, fkey) in open_now or other is None or hub_v is None:
            continue
        if other.current.get(rid, {}).get(fkey) == hub_v:
            marks[(r, col)] = f"已一致(第 {run_id} 次运行)"


def open_held(project: Project, grids: Mapping[str, Grid], state: State | None = None
              ) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(编号, field key) -> [(the other value, its book)] of held conflicts nobody decided
    yet, for the safety roster: the hub's value shown with the other one beside it (in
    full when ``state`` keeps it, for the roster to mask by its own rules)."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    found = tooltabs.read_conflicts(grids.get(project.conflict_tab), project.templates,
                                    state.hidden(CONFLICTS.key) if state is not None else {})
    for fk, rows in _decisions(project, found).items():
        key_of = {f.label: f.key for f in project.templates[fk].fields
                  if f.conflict == "keep_both"}
        for _, v in rows:
            fkey = key_of.get(v.get("字段", ""))
            if fkey is not None and not v.get("处理", ""):
                out.setdefault((v.get("编号", ""), fkey), []).append(
                    (v.get("未采用的值", ""), v.get("未采用的值来自", "")))
    return out


def _odd_masked(b: _Book, ft: FormTab, form: FormTemplate, odd: list[tuple[str, str]]
                ) -> list[str]:
    """A masked-looking text in a masked column that is not this record's mask (copied
    from another row): not taken as an edit; said, with the fix."""
    label = {f.key: f.label for f in form.fields}
    out = []
    for rid, k in odd[:20]:
        row = ft.rows.get(rid)
        where = f"第 {row.sheet_row} 行" if row is not None else rid
        out.append(f"{b.name}“{ft.tab}”{where}({rid})的“{label.get(k, k)}”是遮挡显示的值(含 *),"
                   "但不是这条记录的,没有当作修改:要修改请输入完整的值。")
    if len(odd) > 20:
        out.append(f"{b.name}“{ft.tab}”还有 {len(odd) - 20} 个这样的单元格。")
    return out


def _forms_carried(project: Project, entries: list[_Book], parsed: Parsed | None
                   ) -> tuple[list[str], list[str]]:
    """Per spoke, which configured forms it carries and which not, and why (said every
    run); and, as a block, a spoke tab of a form it does not carry that holds records
    (typed there, they would never reach the hub)."""
    from ..forms.headers import detect_form

    spokes = {s.book.name: s for s in project.spokes}
    lines: list[str] = []
    stranded: list[str] = []
    for b in entries[1:]:
        spoke = spokes.get(b.name)
        left = [fk for fk in project.forms if fk not in b.forms]
        if spoke is None or not left:
            continue
        names = "、".join(f"“{project.templates[fk].label}”" for fk in b.forms)
        why = "、".join(f"“{project.templates[fk].label}”("
                       + spoke.left_out.get(fk, "没有能分到这个分表的字段") + ")" for fk in left)
        lines.append(f"{b.name} 同步 {names};不同步 {why},这些只在总表中。")
        if not b.active:
            continue
        wanted = {fk: project.templates[fk] for fk in left}
        for tab, grid in b.grids.items():
            if tab in project.tool_tabs:
                continue
            lay = (parsed.detect(tab, grid, project.templates) if parsed is not None
                   else detect_form(tab, grid, project.templates))
            if lay is None or lay.form.key not in wanted:
                continue
            n = sum(1 for r in grid.rows[lay.header_row:] if any(t.strip() for t in r))
            if n:
                why_not = spoke.left_out.get(lay.form.key, "没有能分到这个分表的字段")
                stranded.append(f"{b.name}“{tab}”有 {n} 行“{lay.form.label}”,但这个分表不同步"
                                f"“{lay.form.label}”({why_not}),这些行不会进入总表:"
                                "请把它们录入总表,或在 sheets-sync.toml 里为这个分表写明 forms"
                                "(需要时用 [partition] 写明按哪个字段分)。")
    return lines, stranded


def _lost_columns(form: FormTemplate, books: list[_Book],
                  bases: dict[tuple[str, str], dict[str, Values]], fk: str,
                  shields: Mapping[tuple[str, str], Shield] | None = None) -> list[str]:
    """A synced column a book had at its last sync and has no more (renamed or deleted).

    Its cells would silently stop syncing; the run says which column, and which header in
    that tab no form knows (the likely new name), and how to put it back.
    """
    out = []
    for b in books:
        ft = b.tabs[fk]
        base = bases.get((fk, b.name), {})
        if ft.layout is None or not base:
            continue
        had = {k for v in base.values() for k, t in v.items() if t}
        sh = (shields or {}).get((fk, b.name))
        gone = [f for f in form.fields if f.key in had and f.key not in ft.layout.columns
                and (sh is None or sh.fields.get(f.key) != "omit")]  # omitted: not needed there
        if not gone:
            continue
        unknown = [ft.layout.headers[c] for c in ft.layout.unknown if ft.layout.headers.get(c)]
        hint = (f"表头“{'”“'.join(unknown[:3])}”不是这个表单的字段;" if unknown else "")
        names = "”“".join(f.label for f in gone)
        out.append(f"{b.name}“{ft.tab}”找不到“{names}”列(上次同步时还有),这一列的修改不会同步:"
                   f"{hint}请把表头改回“{gone[0].label}”"
                   + (f"(也可写作“{'”“'.join(gone[0].aliases[:2])}”)" if gone[0].aliases else "")
                   + "后重新同步。")
    return out


def _guard(project: Project, fk: str, b: _Book, side: Side, hub_now: dict[str, Values],
           allow_delete: frozenset[str]) -> tuple[str, str] | None:
    """Why ``b`` must sit out form ``fk`` this run: (``"no-base"`` — a base is missing and
    ``--rebase-from`` can say which side is right — or ``"deleted"``, the message)."""
    form = project.templates[fk]
    ft = b.tabs[fk]
    base, now_ids = side.base, side.current
    if not base and b.role == "spoke" and now_ids:
        differ = sum(1 for rid, v in now_ids.items()
                     if rid in hub_now and any(hub_now[rid].get(k, t) != t for k, t in v.items()))
        if differ == 0:
            return None
        return ("no-base", f"{b.name} 的“{form.label}”没有上次同步的记录(状态文件 state.db "
                f"缺失,或它是新加入的分表),而它有 {differ} 条记录与总表不一致:"
                "为免盲目合并,本次没有同步它。以总表为准请运行 sheets-sync sync --rebase-from hub;"
                "以分表为准请运行 "
                "sheets-sync sync --rebase-from spoke。")
    if not base or b.name in allow_delete:
        return None
    gone = len(set(base) - set(now_ids))
    fix = (f"如果确实要删除,请运行 sheets-sync sync --allow-delete {b.name}"
           f"(或在总表“{project.log_tab}”这一行的“确认删除”列选“确认删除”);如果是误删,"
           "请在工作簿中撤销(或用 sheets-sync restore 恢复)后再同步。")
    if ft.layout is None:
        return ("deleted", f"{b.name} 中找不到“{form.label}”工作表"
                f"(上次同步时它有 {len(base)} 条记录):为免删除总表中的这些记录,"
                f"本次没有同步它的“{form.label}”。"
                "如果工作表被改了名,请改回原名;" + fix)
    if not now_ids:
        return ("deleted", f"{b.name}“{ft.tab}”中的记录全部不见了"
                f"(上次同步时有 {len(base)} 条):为免误删,本次没有同步它的“{form.label}”。" + fix)
    limit = delete_limit(project, len(base))
    if gone > limit:
        return ("deleted", f"{b.name}“{ft.tab}”中有 {gone} 条记录不见了"
                f"(上次同步时有 {len(base)} 条),超过一次最多允许删除的 {limit} 条:"
                f"为免误删,本次没有同步它的“{form.label}”。"
                + fix)
    return None


def _rebased(side: Side, hub_now: dict[str, Values], trust: str) -> Side:
    """A spoke without a base, given one: ``hub`` — the hub's values win; ``spoke`` — its own."""
    if trust == "hub":
        return Side(side.name, side.current, {k: dict(v) for k, v in side.current.items()
                                              if k in hub_now})
    return Side(side.name, side.current, {k: dict(hub_now[k]) for k in side.current
                                          if k in hub_now})
