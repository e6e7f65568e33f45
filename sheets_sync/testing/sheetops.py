"""Structural edits of a tab: inserting or deleting rows and columns (with everything
anchored to them moving along) and sizing columns to their content."""

from __future__ import annotations

from typing import Any

from .grid import Evaluator
from .render import formatted, number_format
from .state import ROW_PIXELS, Sheet, Spreadsheet

# Arial advance widths in 1/1000 em; the scale below turns them into Sheets' pixels
# (calibrated on a recorded autoResizeDimensions answer), plus the cell's padding.
_WIDTHS = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   (667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
                    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611),
                   strict=True))
_WIDTHS.update(zip("abcdefghijklmnopqrstuvwxyz",
                   (556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,
                    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500),
                   strict=True))
_WIDTHS.update({d: 556 for d in "0123456789"})
_WIDTHS.update({" ": 278, ".": 278, ",": 278, "-": 333, ":": 278, "/": 278, "_": 556})
_PX_PER_EM = 12.716
_PADDING = 6


def text_width(text: str) -> int:
    longest = max(text.split("\n"), key=len) if text else ""
    units = sum(_WIDTHS.get(ch, 1000 if ord(ch) > 0x2E80 else 556) for ch in longest)
    return round(units * _PX_PER_EM / 1000 + _PADDING)


def auto_size(book: Spreadsheet, sheet: Sheet, dim: str, start: int, end: int) -> None:
    """Fit columns to their longest shown text (rows to their line count)."""
    ev = Evaluator(book)
    best: dict[int, int] = {}
    for (r, c), cell in sheet.cells.items():
        index = c if dim == "COLUMNS" else r
        if not (start <= index < end) or not cell.has_value():
            continue
        text = formatted(ev.effective(sheet, r, c, cell), number_format(cell))
        size = text_width(text) if dim == "COLUMNS" else ROW_PIXELS * (text.count("\n") + 1)
        best[index] = max(best.get(index, 0), size)
    metas = sheet.col_meta if dim == "COLUMNS" else sheet.row_meta
    for index, size in best.items():
        metas.setdefault(index, {})["pixelSize"] = size


def _move(index: int, start: int, count: int, is_end: bool) -> int:
    """Where an index (or an exclusive end) goes when ``count`` lines are inserted at
    ``start`` (count > 0) or ``-count`` lines are deleted from ``start``."""
    if count >= 0:
        if index > start or (index == start and not is_end):
            return index + count
        return index
    stop = start - count
    if index >= stop:
        return index + count
    return min(index, start) if index > start else index


def _shift_range(gr: dict[str, Any], dim: str, start: int, count: int) -> bool:
    """Shift a GridRange in place; False when a deletion leaves it empty."""
    lo, hi = ("startRowIndex", "endRowIndex") if dim == "ROWS" else (
        "startColumnIndex", "endColumnIndex")
    if gr.get(lo) is not None:
        gr[lo] = _move(int(gr[lo]), start, count, False)
    if gr.get(hi) is not None:
        gr[hi] = _move(int(gr[hi]), start, count, True)
    if gr.get(lo) is not None and gr.get(hi) is not None:
        return int(gr[hi]) > int(gr[lo])
    return True


def shift_dimension(book: Spreadsheet, sheet: Sheet, dim: str, start: int, count: int) -> None:
    """Insert (count > 0) or delete (count < 0) rows or columns at ``start``."""
    axis = 0 if dim == "ROWS" else 1
    stop = start - count if count < 0 else start
    cells = {}
    for key, cell in sheet.cells.items():
        i = key[axis]
        if count < 0 and start <= i < stop:
            continue
        moved = i + count if i >= stop else i
        cells[(moved, key[1]) if axis == 0 else (key[0], moved)] = cell
    sheet.cells = cells
    metas = sheet.row_meta if axis == 0 else sheet.col_meta
    moved_meta = {}
    for i, meta in metas.items():
        if count < 0 and start <= i < stop:
            continue
        moved_meta[i + count if i >= stop else i] = meta
    if axis == 0:
        sheet.row_meta = moved_meta
    else:
        sheet.col_meta = moved_meta
    grid = sheet.props["gridProperties"]
    count_key = "rowCount" if axis == 0 else "columnCount"
    grid[count_key] = int(grid[count_key]) + count
    sheet.merges = [m for m in sheet.merges if _shift_range(m, dim, start, count)]
    sheet.protected = [p for p in sheet.protected
                       if "range" not in p or _shift_range(p["range"], dim, start, count)]
    if sheet.basic_filter and not _shift_range(sheet.basic_filter["range"], dim, start, count):
        sheet.basic_filter = None
    book.named = [n for n in book.named
                  if int(n["range"].get("sheetId", 0)) != sheet.sheet_id
                  or _shift_range(n["range"], dim, start, count)]
