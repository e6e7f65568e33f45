"""``batchUpdate`` requests on cells: updateCells, repeatCell, setDataValidation,
merge/unmerge, sortRange and the basic filter."""

from __future__ import annotations

import copy
import functools
from dataclasses import replace
from typing import Any

from . import errors, fields
from .a1 import Box, quote_title
from .batch_base import Context, RequestFailed, a1, check_indexes, handles
from .grid import Evaluator, box_of_grid_range, grid_range
from .resource import normalize_colors
from .state import MAX_CELL_CHARS, Cell, Sheet

# -- cells ---------------------------------------------------------------------------------

_CELL_FIELDS = ("userEnteredValue", "userEnteredFormat", "note", "dataValidation",
                "textFormatRuns", "hyperlink", "pivotTable")


def _cell_dict(cell: Cell) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cell.entered is not None:
        out["userEnteredValue"] = dict(cell.entered)
    if cell.fmt:
        out["userEnteredFormat"] = copy.deepcopy(cell.fmt)
    if cell.note:
        out["note"] = cell.note
    if cell.validation is not None:
        out["dataValidation"] = copy.deepcopy(cell.validation)
    out.update(copy.deepcopy(cell.extra or {}))
    return out


def _check_entered(value: dict[str, Any]) -> dict[str, Any] | None:
    kinds = [k for k in ("stringValue", "numberValue", "boolValue", "formulaValue",
                         "errorValue") if k in value]
    if not kinds:
        return None
    if len(kinds) > 1:
        raise RequestFailed("Only one value kind may be set in userEnteredValue.")
    text = value.get("stringValue", value.get("formulaValue"))
    if isinstance(text, str) and len(text) > MAX_CELL_CHARS:
        raise RequestFailed(errors.CELL_TOO_LONG)
    if "formulaValue" in value and not str(value["formulaValue"]).startswith("="):
        raise RequestFailed(f"Formula must start with '=': {value['formulaValue']}")
    return {kinds[0]: value[kinds[0]]}


def set_cell(sheet: Sheet, row: int, col: int, data: dict[str, Any], mask: str) -> None:
    current = _cell_dict(sheet.cell(row, col))
    fields.assign(current, normalize_colors(data), mask, allowed=_CELL_FIELDS)
    entered = current.get("userEnteredValue")
    note = current.get("note") or None
    extra = {k: current[k] for k in ("textFormatRuns", "hyperlink", "pivotTable")
             if current.get(k)}
    sheet.put(row, col, Cell(
        entered=_check_entered(entered) if entered else None,
        fmt=current.get("userEnteredFormat") or None,
        note=note,
        validation=current.get("dataValidation") or None,
        extra=extra or None,
    ))


@handles("updateCells")
def update_cells(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    rows = req.get("rows") or []
    if req.get("start") is None and req.get("range") is None:
        raise RequestFailed("Either 'start' or 'range' must be set.")
    if req.get("start") is not None:
        start = req["start"]
        sheet = ctx.sheet(start.get("sheetId"))
        check_indexes(start, ("rowIndex",), ("columnIndex",))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        area: Box | None = None
        height = len(rows)
        width = max((len(r.get("values") or []) for r in rows), default=0)
        if height and width and (r0 + height > sheet.rows or c0 + width > sheet.cols):
            raise RequestFailed(errors.grid_limits(
                f"{quote_title(sheet.title)}!{a1(r0, c0)}:{a1(r0 + height - 1, c0 + width - 1)}",
                sheet.rows, sheet.cols))
    else:
        sheet, area = ctx.grid(req.get("range") or {})
        r0, c0 = area.row0, area.col0
    covered = set()
    for i, row in enumerate(rows):
        for j, data in enumerate(row.get("values") or []):
            r, c = r0 + i, c0 + j
            if area is not None and not (r < (area.row1 or 0) and c < (area.col1 or 0)):
                continue
            set_cell(sheet, r, c, data or {}, mask)
            covered.add((r, c))
    if area is not None:  # the rest of the range loses the masked fields: only cells
        # that exist have any to lose
        for (r, c) in [k for k in sheet.cells if area.row0 <= k[0] < (area.row1 or 0)
                       and area.col0 <= k[1] < (area.col1 or 0) and k not in covered]:
            set_cell(sheet, r, c, {}, mask)
    return {}


@handles("repeatCell")
def repeat_cell(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    sheet, box = ctx.grid(req.get("range") or {})
    data = req.get("cell") or {}
    for r in range(box.row0, box.row1 or 0):
        for c in range(box.col0, box.col1 or 0):
            set_cell(sheet, r, c, data, mask)
    return {}


@handles("setDataValidation")
def set_data_validation(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, box = ctx.grid(req.get("range") or {})
    rule = req.get("rule")
    if rule is not None and not (rule.get("condition") or {}).get("type"):
        raise RequestFailed("A data validation rule must have a condition type.")
    for r in range(box.row0, box.row1 or 0):
        for c in range(box.col0, box.col1 or 0):
            sheet.put(r, c, replace(sheet.cell(r, c), validation=copy.deepcopy(rule)))
    return {}


@handles("mergeCells")
def merge_cells(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, box = ctx.grid(req.get("range") or {})
    kind = req.get("mergeType", "MERGE_ALL")
    assert box.row1 is not None and box.col1 is not None
    grid = sheet.props["gridProperties"]
    frozen_rows, frozen_cols = (int(grid.get("frozenRowCount") or 0),
                                int(grid.get("frozenColumnCount") or 0))
    if kind != "MERGE_ROWS" and box.row0 < frozen_rows < box.row1:
        raise RequestFailed("You can't merge frozen and non-frozen rows.")
    if kind != "MERGE_COLUMNS" and box.col0 < frozen_cols < box.col1:
        raise RequestFailed("You can't merge frozen and non-frozen columns.")
    if kind == "MERGE_ROWS":
        parts = [Box(r, r + 1, box.col0, box.col1) for r in range(box.row0, box.row1)]
    elif kind == "MERGE_COLUMNS":
        parts = [Box(box.row0, box.row1, c, c + 1) for c in range(box.col0, box.col1)]
    else:
        parts = [box]
    sheet.merges = [m for m in sheet.merges if not _overlaps(box_of_grid_range(m), box)]
    for part in parts:
        if part.height * part.width <= 1:
            continue
        sheet.merges.append(grid_range(sheet.sheet_id, part))
        for r in range(part.row0, part.row1 or 0):
            for c in range(part.col0, part.col1 or 0):
                if (r, c) != (part.row0, part.col0):
                    sheet.set_value(r, c, None)
    return {}


def _overlaps(a: Box, b: Box) -> bool:
    return (a.row0 < (b.row1 or 0) and b.row0 < (a.row1 or 0)
            and a.col0 < (b.col1 or 0) and b.col0 < (a.col1 or 0))


@handles("unmergeCells")
def unmerge_cells(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, box = ctx.grid(req.get("range") or {})
    for m in sheet.merges:
        merged = box_of_grid_range(m)
        if _overlaps(merged, box) and not _inside(merged, box):
            raise RequestFailed(  # "The range must not partially span any merge."
                f"Cannot unmerge {quote_title(sheet.title)}!{a1(box.row0, box.col0)}: the "
                "range partially spans a merge.")
    sheet.merges = [m for m in sheet.merges if not _overlaps(box_of_grid_range(m), box)]
    return {}


def _inside(a: Box, b: Box) -> bool:
    return (b.row0 <= a.row0 and (a.row1 or 0) <= (b.row1 or 0)
            and b.col0 <= a.col0 and (a.col1 or 0) <= (b.col1 or 0))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (3, 0)
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, float(value))
    return (1, str(value).lower())


@handles("sortRange")
def sort_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, box = ctx.grid(req.get("range") or {})
    specs = req.get("sortSpecs") or [{"dimensionIndex": box.col0}]
    ev = Evaluator(ctx.book)
    rows = list(range(box.row0, box.row1 or 0))
    snapshot = {r: {c: sheet.cell(r, c) for c in range(box.col0, box.col1 or 0)} for r in rows}
    keys = {r: [_sort_key(ev.value(sheet, r, int(s.get("dimensionIndex", 0)))) for s in specs]
            for r in rows}

    def compare(a: int, b: int) -> int:
        for i, spec in enumerate(specs):
            ka, kb = keys[a][i], keys[b][i]
            if ka == kb:
                continue
            if ka[0] == 3 or kb[0] == 3:  # blanks always last
                return 1 if ka[0] == 3 else -1
            less = ka < kb
            if spec.get("sortOrder") == "DESCENDING":
                less = not less
            return -1 if less else 1
        return 0

    order = sorted(rows, key=functools.cmp_to_key(compare))
    for target, source in zip(rows, order, strict=True):
        for c, cell in snapshot[source].items():
            sheet.put(target, c, cell)
    return {}


@handles("setBasicFilter")
def set_basic_filter(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    flt = copy.deepcopy(req.get("filter") or {})
    sheet, box = ctx.grid(flt.get("range") or {})
    flt["range"] = grid_range(sheet.sheet_id, box)
    sheet.basic_filter = flt
    return {}


@handles("clearBasicFilter")
def clear_basic_filter(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    ctx.sheet(req.get("sheetId"), "sheet").basic_filter = None
    return {}


