"""Merging two records of one person: nothing is lost.

The record with the older 编号 survives. Its blank cells are filled from the other
record; where both hold different values (compared after normalisation: ``2014年9月19日``
is ``2014-09-19``) the survivor keeps its own and the pair is listed for a person to
choose (:attr:`MergePlan.choices`, in full: the 疑似重复 tab shows them masked). The
other record is returned whole (:attr:`MergePlan.recycled`; the pipeline copies it into
回收站 with ``合并到 <id>``) and its cells are cleared in the form tab (rows are
not deleted, so row numbers stay stable; blank rows are skipped by the validator). Every
changed cell goes to the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..forms.validate import Report
from ..table import Grid

AuditEntry = tuple[str, str, str, str, str, str]   # tab, record id, field, old, new, action
Choice = tuple[str, str, str, str]   # field key ("" if none), header, kept's text, the other's


def age_key(rid: str, row: int) -> tuple[int, int, str, int]:
    """Sort key: a smaller number in the 编号 is older; records without one come last."""
    m = re.search(r"\d+", rid)
    return (0 if rid else 1, int(m.group()) if m else 0, rid, row)


@dataclass
class Record:
    """One record's cells in its tab: column -> (header, raw text, normalised text)."""

    tab: str
    row: int
    rid: str
    cells: dict[int, tuple[str, str, str]]
    by_field: dict[str, int]          # field key -> column
    merged_into: str = ""             # set on a record merged away: the key it went into

    @property
    def key(self) -> str:
        return self.rid or f"{self.tab}!{self.row}"


def load_record(grids: dict[str, Grid], report: Report, tab: str, row: int) -> Record | None:
    """The record at ``tab`` sheet row ``row``, or ``None`` if it is blank or gone."""
    tr = report.tabs.get(tab)
    if tr is None:
        return None
    lay = tr.layout
    grid = grids[tab]
    at = {int(r): k for k, r in enumerate(tr.data.rows.tolist())}
    k = at.get(row)
    cells: dict[int, tuple[str, str, str]] = {}
    field_of = {c: f for f, c in lay.columns.items()}
    for col, header in lay.headers.items():
        raw = grid.cell(row, col)
        fkey = field_of.get(col)
        norm = raw.strip()
        if fkey is not None and k is not None:
            norm = str(tr.normalized[fkey].text.iat[k])
        cells[col] = (header, raw, norm)
    if lay.result_column:
        cells[lay.result_column] = ("校验结果", grid.cell(row, lay.result_column), "")
    if not any(raw.strip() for _, raw, _ in cells.values()):
        return None
    rid = cells[lay.columns["id"]][1].strip() if "id" in lay.columns else ""
    return Record(tab, row, rid, cells, dict(lay.columns))


@dataclass
class MergePlan:
    """Everything the merges of one run change."""

    run_at: str
    cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    recycled: list[Record] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    choices: dict[tuple[str, str], list[Choice]] = field(default_factory=dict)
    """(kept, gone) -> the fields both records hold differently, with both full values."""
    merged_into: dict[str, str] = field(default_factory=dict)           # gone key -> kept key

    def set(self, tab: str, row: int, col: int, value: str) -> None:
        self.cells.setdefault(tab, {})[(row, col)] = value


def merge(keep: Record, gone: Record, plan: MergePlan) -> None:
    """Merge ``gone`` into ``keep`` (both already loaded, ``keep`` the older)."""
    target = f"合并到 {keep.key}"
    col_of_header = {h: c for c, (h, _, _) in keep.cells.items()}
    fields_of_keep = {c: f for f, c in keep.by_field.items()}
    choices: list[Choice] = []
    for col, (header, raw, norm) in gone.cells.items():
        if not raw.strip() or header == "校验结果":
            continue
        fkey = next((f for f, c in gone.by_field.items() if c == col), None)
        kcol = keep.by_field.get(fkey) if fkey else col_of_header.get(header)
        if kcol is None or fields_of_keep.get(kcol) == "id":
            continue
        _, kraw, knorm = keep.cells.get(kcol, (header, "", ""))
        if not kraw.strip():
            plan.set(keep.tab, keep.row, kcol, raw)
            keep.cells[kcol] = (header, raw, norm)
            plan.audit.append((keep.tab, keep.key, header, kraw, raw, f"补全(来自 {gone.key})"))
        elif (knorm or kraw.strip()) != (norm or raw.strip()):
            choices.append((fkey or "", header, kraw.strip(), raw.strip()))
    for col, (header, raw, _) in gone.cells.items():
        if raw != "":
            plan.set(gone.tab, gone.row, col, "")
            plan.audit.append((gone.tab, gone.key, header, raw, "", f"移入回收站({target})"))
    plan.recycled.append(Record(gone.tab, gone.row, gone.rid, dict(gone.cells),
                                dict(gone.by_field), merged_into=keep.key))
    if choices:
        plan.choices[(keep.key, gone.key)] = choices
    plan.merged_into[gone.key] = keep.key
