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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from ..books.base import Book, WriteBatch, unreadable_of
from ..errors import SheetsSyncError
from ..forms.headers import TOTAL_MARKERS, Parsed
from ..forms.normalize import normalize_column
from ..forms.template import FormTemplate
from ..table import Grid, a1
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
from .state import AuditRow, State, Values
from .tooltabs import (
    CONFLICT_HEADER,
    LOG_HEADER,
    NOTES,
    RECYCLE_HEADER,
    append_rows,
    recycle_row,
    recycled_keys,
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


def _matcher(project: Project, fk: str, spokes: list[_Book],
             records: Iterable[Values]) -> Callable[[Values], set[str]]:
    """A function: record values -> names of the spokes whose partition claims them.

    Partition values compare canonically (``满城县`` is ``满城``); ``records`` are the values
    the function will be asked about (their texts are canonicalised once, together).
    """
    form = project.templates[fk]
    keys = {k for s in spokes for k in s.partition}
    recs = list(records)
    canon: dict[str, dict[str, str]] = {}
    for k in keys:
        texts = {v.get(k, "") for v in recs} | {s.partition[k] for s in spokes if k in s.partition}
        canon[k] = _canon(form, k, texts, project)

    def match(values: Values) -> set[str]:
        return {s.name for s in spokes
                if all(canon[k][values.get(k, "")] == canon[k][v] and canon[k][v]
                       for k, v in s.partition.items())}
    return match


def _placement(project: Project, fk: str, merged: MergeResult, spokes: list[_Book],
               bases: dict[tuple[str, str], dict[str, Values]]) -> dict[str, set[str]]:
    """id -> names of the spokes that should hold it."""
    match = _matcher(project, fk, spokes, merged.records.values())
    out: dict[str, set[str]] = {}
    for rid, values in merged.records.items():
        claim = match(values)
        if not claim:  # no spoke claims it (blank or unknown): it stays where it is
            claim = {s.name for s in spokes
                     if (s.active and rid in s.tabs[fk].rows) or rid in bases.get((fk, s.name), {})}
        out[rid] = claim
    return out


def _moved_out(project: Project, fk: str, hub: _Book, spokes: list[_Book],
               bases: dict[tuple[str, str], dict[str, Values]]) -> dict[str, dict[str, Values]]:
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
    match = _matcher(project, fk, spokes, (hub_now[r] for m in missing.values() for r in m))
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


def _same_id_twice(entries: list[_Book], bases: dict[tuple[str, str], dict[str, Values]]
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
            for other in list(ft.repeated):
                rid = other.id
                first = ft.rows.get(rid)
                if first is None:
                    continue
                was = base.get(rid, {})

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
                 tombs: dict[str, set[str]]) -> list[str]:
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
    bases = {(fk, b.name): state.bases(fk, b.name) for fk in project.forms for b in entries
             if fk in b.forms}
    tombs = {fk: state.tombstones(fk) for fk in project.forms}
    blind = _keep_unreadable(entries, bases)
    twice = _same_id_twice(entries, bases)
    renamed = _renamed_ids(entries, bases, tombs)
    highs, pending = _assign_ids(project, state, entries, bases, tombs)
    blocked: list[str] = [*blind, *renamed]
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
    conflict_rows: list[list[str]] = []
    recycle_rows: list[list[str]] = []
    new_tombs: list[tuple[str, str, str]] = []
    revived: list[tuple[str, str]] = []
    conflicts_json: list[dict[str, str]] = []
    plan_lines: list[str] = []
    # (form, id, "删除" or "移到 X"): a re-run after a crash adds no second row
    existing_recycle = recycled_keys(hub.grids.get(project.recycle_tab))
    existing_conflicts = {tuple(r[2:9]) for r in
                          hub.grids.get(project.conflict_tab, Grid()).padded() if len(r) > 8}

    for fk in project.forms:
        form = project.templates[fk]
        spokes = [b for b in entries[1:] if fk in b.forms]
        active = [s for s in spokes if s.active]
        hub_ft = hub.tabs[fk]
        spoke_bases = _moved_out(project, fk, hub, active, bases)
        sides: dict[str, Side] = {hub.name: Side(hub.name, hub_ft.current(),
                                                 bases[(fk, hub.name)])}
        for s in active:
            sides[s.name] = Side(s.name, s.tabs[fk].current(), spoke_bases[s.name])
        held_out: set[str] = set()
        blocked += _lost_columns(form, [hub, *active], bases, fk)
        for b in [hub, *active]:
            held = _guard(project, fk, b, sides[b.name], hub_ft.current(), allow_delete)
            if held is None:
                continue
            kind, why = held
            if kind == "no-base" and rebase_from in {"hub", "spoke"}:
                sides[b.name] = _rebased(sides[b.name], hub_ft.current(), str(rebase_from))
                continue
            blocked.append(why)
            held_out.add(b.name)
            side = sides[b.name]
            sides[b.name] = Side(side.name, dict(side.base), dict(side.base))  # no change
        merged = merge_form(sides[hub.name], [sides[s.name] for s in active],
                            policy=project.conflict_policy, tombstones=tombs[fk])
        label = {f.key: f.label for f in form.fields}
        for c in merged.conflicts:
            row = [at, str(run_id), form.label, c.record_id, label.get(c.field, c.field), c.kept,
                   c.kept_book, c.lost, c.lost_book, c.ancestor or "", "两边都改了这个单元格"]
            conflicts_json.append({
                **dict(zip(["time", "run", "form", "id", "field", "kept", "kept_book", "lost",
                            "lost_book", "base"], row[:10], strict=True)),
                "name": merged.records.get(c.record_id, {}).get("name", "")})
            if tuple(row[2:9]) not in existing_conflicts:
                conflict_rows.append(row)
        for n in merged.notes:
            conflict_rows.append([at, str(run_id), form.label, n.record_id, "(整条记录)", "保留",
                                  "", "删除", n.book, "", n.text])
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
                                                holder.name if holder else "", where, cells))
            counts["deleted"] += 1
        targets = _placement(project, fk, merged, spokes, bases)
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
            gone = dict(why_gone)
            for rid in ft.rows.keys() - want.keys() - gone.keys():
                dest = "、".join(sorted(targets.get(rid, set()))) or "其他分表"
                gone[rid] = f"移到 {dest}"
            ctx = Context(run_id, b.name, merged.sources, at)
            p = plan_book_form(batches[b.name], ft, want, b.needs_id.get(fk, set()), ctx,
                               columns=hub_cols, why_gone=gone,
                               extras=None if b is hub else extras,
                               slots=_slots(ft, b.grids.get(ft.tab)))
            carried |= p.carried
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
                                                left.items()))

    spokes_of = {s.book.name: s for s in project.spokes}
    for name, got in claimed.items():  # a county is checked against the program at load
        if got == 0 and name in spokes_of and set(spokes_of[name].partition) - {"county"}:
            part = "、".join(f"{k} = {v}" for k, v in spokes_of[name].partition.items())
            blocked.append(f"分表 {name} 的 partition({part})没有对上总表中的任何记录:"
                           "它什么也拿不到。请检查 sheets-sync.toml 里的写法是否与总表一致"
                           "(县名、学校名要和表中的写法相同)。")
    hub_batch = batches[hub.name]
    append_rows(hub_batch, hub.grids, project.conflict_tab, CONFLICT_HEADER, conflict_rows,
                NOTES["conflicts"])
    append_rows(hub_batch, hub.grids, project.recycle_tab, RECYCLE_HEADER, recycle_rows,
                NOTES["recycle"])
    if conflict_rows:
        plan_lines.append(f"{hub.name}:“{project.conflict_tab}”新增 {len(conflict_rows)} 行")
    if recycle_rows:
        plan_lines.append(f"{hub.name}:“{project.recycle_tab}”新增 {len(recycle_rows)} 行")
    skipped = [b.result.message for b in entries if not b.active]
    if any(batches.values()):
        log = [at, str(run_id), "部分完成" if skipped else "完成", str(counts["appended"]),
               str(counts["updated"]), str(counts["moved"]), str(counts["deleted"]),
               str(counts["conflicts"]), str(counts["new_ids"]), ";".join(skipped)]
        append_rows(hub_batch, hub.grids, project.log_tab, LOG_HEADER, [log], NOTES["log"])

    return SyncPlan(entries, batches, plans, bases, counts, conflicts_json, plan_lines, highs,
                    pending, new_tombs, revived, skipped, blocked)


def _lost_columns(form: FormTemplate, books: list[_Book],
                  bases: dict[tuple[str, str], dict[str, Values]], fk: str) -> list[str]:
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
        gone = [f for f in form.fields if f.key in had and f.key not in ft.layout.columns]
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
    fix = (f"如果确实要删除,请运行 sheets-sync sync --allow-delete {b.name};如果是误删,"
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
