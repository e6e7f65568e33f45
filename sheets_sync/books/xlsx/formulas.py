"""Formula cells a reader cannot see the value of.

Excel saves every formula with its last result (``<c><f>…</f><v>…</v></c>``), and the
reader shows that result. A file written by a tool that does not compute formulas holds
``<f>`` without ``<v>``: the reader sees an empty cell. The sync must not take such a cell
for a user who cleared it (and blank the same cell in every other book), so the cells are
listed here, per tab, and the sync keeps their last synced value.
"""

from __future__ import annotations

import re
from pathlib import Path

from .package import MAIN, Edit, open_package, parse_xml, sheet_entries, workbook_part

_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _cell(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref)
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def formulas_without_values(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Tab -> (row, col) of every formula cell that holds no saved result."""
    out: dict[str, set[tuple[int, int]]] = {}
    with open_package(path) as z:
        edit = Edit(z)
        for s in sheet_entries(edit, workbook_part(edit)):
            if s.kind != "worksheet" or not edit.exists(s.part):
                continue
            data = edit.read(s.part)
            if not _HAS_FORMULA.search(data):
                continue  # the common case: no formula in the tab, nothing to parse
            found: set[tuple[int, int]] = set()
            for c in parse_xml(data).iter(f"{{{MAIN}}}c"):
                if c.find(f"{{{MAIN}}}f") is None:
                    continue
                v = c.find(f"{{{MAIN}}}v")
                is_ = c.find(f"{{{MAIN}}}is")
                if (v is None or not (v.text or "")) and is_ is None:
                    cell = _cell(c.get("r", ""))
                    if cell is not None:
                        found.add(cell)
            if found:
                out[s.name] = found
    return out
