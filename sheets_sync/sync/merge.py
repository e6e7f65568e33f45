"""Three-way merge of one form: the hub against each spoke, cell by cell. Pure.

For each record (by 编号) and each spoke that holds it or held it, the common ancestor is
the spoke's base (the record as that spoke held it after its last successful sync; the
hub's base when the spoke has none for it, e.g. after a crash). Then, per cell:

* one side changed it -> the change flows;
* both changed it to the same text -> nothing to do;
* both changed it differently -> a :class:`Conflict`: under ``hub-wins`` the hub's text
  stays and the spoke's is recorded, under ``spoke-wins`` the other way round. A field in
  ``keep_both`` (the safety fields) is *held*: each book keeps its own text
  (:attr:`MergeResult.held`), and the spoke's base stays the common ancestor, so the next
  run finds the same conflict again, until a person decides (同步冲突's 处理).

A record missing from a book that held it (its base has it) was deleted there: if nobody
else edited it since, it is deleted everywhere (:attr:`MergeResult.deleted`, for the
recycle tab); if someone did, it is kept and a :class:`Note` says so. A record a book
never held is new there and is added. Cells compare as text exactly as the user sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

Values = dict[str, str]


@dataclass
class Side:
    """One book's view of one form: its records now and its base (after its last sync)."""

    name: str
    current: dict[str, Values]
    base: dict[str, Values] = field(default_factory=dict)


@dataclass(frozen=True)
class Conflict:
    record_id: str
    field: str
    kept: str
    lost: str
    kept_book: str
    lost_book: str
    ancestor: str | None
    held: bool = False   # a keep_both field: neither book was overwritten


@dataclass(frozen=True)
class Note:
    record_id: str
    book: str
    kind: str        # "kept_edited": deleted in ``book``, kept because edited elsewhere
    text: str


@dataclass(frozen=True)
class Deletion:
    record_id: str
    by: str          # the book where it was deleted
    values: Values   # its last values


@dataclass
class MergeResult:
    records: dict[str, Values] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> field -> book
    deleted: dict[str, Deletion] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # (id, spoke) -> field -> (the spoke's own text, the common ancestor): not overwritten
    held: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = field(default_factory=dict)


def _edited(now: Values, ancestor: Values) -> bool:
    return any(now[k] != v for k, v in ancestor.items() if k in now)


def merge_form(hub: Side, spokes: Iterable[Side], *, policy: str = "hub-wins",
               tombstones: Iterable[str] = (), keep_both: Iterable[str] = ()) -> MergeResult:
    """Merge ``spokes`` into ``hub``; the result holds the records every book should have.

    ``tombstones`` are ids the hub deleted in an earlier run (kept so that a spoke that
    was skipped then does not bring them back untouched). ``keep_both``: field keys whose
    conflicts are held (see the module's docstring).
    """
    spokes = list(spokes)
    dead = set(tombstones)
    ids: set[str] = set(hub.current) | set(hub.base)
    for s in spokes:
        ids |= set(s.current) | set(s.base)
    out = MergeResult()
    held = frozenset(keep_both)
    for rid in sorted(ids):
        _merge_record(rid, hub, spokes, policy, rid in dead, out, held)
    return out


def _merge_record(rid: str, hub: Side, spokes: list[Side], policy: str, tombstoned: bool,
                  out: MergeResult, held: frozenset[str] = frozenset()) -> None:
    h_now = hub.current.get(rid)
    h_base = hub.base.get(rid)
    value: Values | None = dict(h_now) if h_now is not None else None
    src: dict[str, str] = dict.fromkeys(value, hub.name) if value is not None else {}
    deleted_by = hub.name if h_now is None and (h_base is not None or tombstoned) else None
    last: Values = dict(h_now if h_now is not None else h_base or {})
    for s in spokes:
        s_now = s.current.get(rid)
        anc = s.base.get(rid)
        if s_now is None and anc is None:
            continue
        if anc is None:
            anc = h_base
        if s_now is not None:
            last = {**last, **s_now}
            if value is not None:
                _merge_cells(rid, value, src, hub.name, s, s_now, anc, policy, out, held)
                continue
            if deleted_by is not None and anc is not None and not _edited(s_now, anc):
                continue  # deleted elsewhere, untouched here: stays deleted
            if deleted_by is not None:
                out.notes.append(Note(rid, deleted_by, "kept_edited",
                                      f"{rid} 在 {deleted_by} 中被删除,但 {s.name} 修改了它,"
                                      "因此保留。"))
                deleted_by = None
            value = {**(anc or {}), **s_now}
            src = dict.fromkeys(value, s.name)
        elif value is None:
            if deleted_by is None:
                deleted_by = s.name
        elif _edited(value, anc or {}):
            out.notes.append(Note(rid, s.name, "kept_edited",
                                  f"{rid} 在 {s.name} 中被删除,但其他表修改了它,因此保留。"))
        else:
            value, deleted_by = None, s.name
    if value is not None:
        out.records[rid] = value
        out.sources[rid] = src
    elif deleted_by is not None:
        out.deleted[rid] = Deletion(rid, deleted_by, last)


def _merge_cells(rid: str, value: Values, src: dict[str, str], hub_name: str, s: Side,
                 s_now: Values, anc: Values | None, policy: str, out: MergeResult,
                 held: frozenset[str] = frozenset()) -> None:
    for f, sv in s_now.items():
        hv = value.get(f)
        if hv is None:  # the hub has no such column: the spoke's text is all there is
            value[f], src[f] = sv, s.name
            continue
        if sv == hv:
            continue
        av = anc.get(f) if anc is not None else None
        if av is not None and sv == av:
            continue  # only the hub side changed it
        if av is not None and hv == av:
            value[f], src[f] = sv, s.name
            continue
        if f in held:
            out.conflicts.append(Conflict(rid, f, hv, sv, src.get(f, hub_name), s.name, av,
                                          held=True))
            out.held.setdefault((rid, s.name), {})[f] = (sv, av)
        elif policy == "spoke-wins":
            out.conflicts.append(Conflict(rid, f, sv, hv, s.name, src.get(f, hub_name), av))
            value[f], src[f] = sv, s.name
        else:
            out.conflicts.append(Conflict(rid, f, hv, sv, src.get(f, hub_name), s.name, av))
