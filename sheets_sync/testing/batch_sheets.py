"""``batchUpdate`` requests on tabs and their rows and columns: add, delete, duplicate,
update properties, insert/delete/append dimensions, dimension properties, auto-resize."""

from __future__ import annotations

import copy
from typing import Any

from . import errors, fields
from .a1 import quote_title
from .batch_base import Context, RequestFailed, a1, handles
from .resource import normalize_colors, sheet_properties
from .sheetops import auto_size, shift_dimension
from .state import Sheet, Spreadsheet, new_sheet_props

# -- sheets --------------------------------------------------------------------------------


def _check_title(book: Spreadsheet, title: str, own: Sheet | None = None) -> None:
    if not title.strip():
        raise RequestFailed("Sheet name cannot be empty.")
    for sheet in book.sheets:
        if sheet is not own and sheet.title.lower() == title.lower():
            raise RequestFailed(
                f'A sheet with the name "{title}" already exists. Please enter another name.')


@handles("addSheet")
def add_sheet(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    book = ctx.book
    props = normalize_colors(req.get("properties") or {})
    title = props.get("title")
    if title is None:
        n = len(book.sheets) + 1
        while book.by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    _check_title(book, title)
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = ctx.store.new_sheet_id(book)
    elif book.by_id(int(sheet_id)) is not None:
        raise RequestFailed(f"A sheet with id {sheet_id} already exists.")
    grid = props.get("gridProperties") or {}
    index = min(int(props.get("index", len(book.sheets))), len(book.sheets))
    new = new_sheet_props(int(sheet_id), title, index, int(grid.get("rowCount", 1000)),
                          int(grid.get("columnCount", 26)))
    new["gridProperties"].update({k: v for k, v in grid.items()
                                  if k not in ("rowCount", "columnCount")})
    for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
        if key in props:
            new[key] = props[key]
    sheet = Sheet(new)
    book.sheets.insert(index, sheet)
    book.reindex()
    if all(s.props.get("hidden") for s in book.sheets):
        raise RequestFailed("You can't hide all the sheets in a document.")
    return {"addSheet": {"properties": sheet_properties(sheet)}}


@handles("deleteSheet")
def delete_sheet(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet = ctx.sheet(req.get("sheetId"), "sheet")
    book = ctx.book
    if len(book.sheets) == 1 or all(
            s.props.get("hidden") for s in book.sheets if s is not sheet):
        raise RequestFailed("You can't remove all the visible sheets in a document.")
    book.sheets.remove(sheet)
    book.named = [nr for nr in book.named
                  if int(nr["range"].get("sheetId", 0)) != sheet.sheet_id]
    book.reindex()
    return {}


@handles("duplicateSheet")
def duplicate_sheet(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    source = ctx.sheet(req.get("sourceSheetId"), "sheet")
    book = ctx.book
    title = req.get("newSheetName") or f"Copy of {source.title}"
    _check_title(book, title)
    sheet = source.copy()
    sheet.props["sheetId"] = int(req.get("newSheetId") or ctx.store.new_sheet_id(book))
    sheet.props["title"] = title
    sheet.protected = []
    index = min(int(req.get("insertSheetIndex", len(book.sheets))), len(book.sheets))
    book.sheets.insert(index, sheet)
    book.reindex()
    return {"duplicateSheet": {"properties": sheet_properties(sheet)}}


@handles("updateSheetProperties")
def update_sheet_properties(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    props = normalize_colors(req.get("properties") or {})
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    sheet = ctx.sheet(props.get("sheetId"), "sheet")
    book = ctx.book
    old_rows, old_cols, old_index = sheet.rows, sheet.cols, sheet.props["index"]
    work = copy.deepcopy(sheet.props)
    fields.assign(work, props, mask, allowed=tuple(k for k in props if k != "sheetId"))
    work["sheetId"] = sheet.sheet_id
    grid = work.setdefault("gridProperties", {})
    grid.setdefault("rowCount", old_rows)
    grid.setdefault("columnCount", old_cols)
    if int(grid["rowCount"]) < 1 or int(grid["columnCount"]) < 1:
        raise RequestFailed("You can't delete all the rows on the sheet."
                            if int(grid["rowCount"]) < 1 else
                            "You can't delete all the columns on the sheet.")
    for key in ("tabColorStyle", "tabColor"):
        if key in work and not work[key]:
            del work[key]
    if "tabColorStyle" in work and "tabColor" not in work:
        rgb = work["tabColorStyle"].get("rgbColor")
        if rgb is not None:
            work["tabColor"] = copy.deepcopy(rgb)
    if "title" in work and work["title"] != sheet.title:
        _check_title(book, str(work["title"]), own=sheet)
    new_index = work.get("index", old_index)
    work["index"] = old_index
    sheet.props = work
    if sheet.rows < old_rows or sheet.cols < old_cols:
        _truncate(sheet)
    if new_index != old_index:
        book.sheets.remove(sheet)
        target = int(new_index) if int(new_index) <= old_index else int(new_index) - 1
        book.sheets.insert(max(0, min(target, len(book.sheets))), sheet)
        book.reindex()
    if all(s.props.get("hidden") for s in book.sheets):
        raise RequestFailed("You can't hide all the sheets in a document.")
    return {}


def _truncate(sheet: Sheet) -> None:
    rows, cols = sheet.rows, sheet.cols
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < rows and k[1] < cols}
    sheet.row_meta = {k: v for k, v in sheet.row_meta.items() if k < rows}
    sheet.col_meta = {k: v for k, v in sheet.col_meta.items() if k < cols}


@handles("updateSpreadsheetProperties")
def update_spreadsheet_properties(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    props = normalize_colors(req.get("properties") or {})
    fields.assign(ctx.book.props, props, mask, allowed=tuple(props))
    if not str(ctx.book.props.get("title", "")).strip():
        raise RequestFailed("Spreadsheet title cannot be empty.")
    return {}


# -- dimensions ----------------------------------------------------------------------------


def _dimension(ctx: Context, rng: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    sheet = ctx.sheet(rng.get("sheetId"))
    dim = rng.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise RequestFailed("dimension must be ROWS or COLUMNS.")
    count = sheet.rows if dim == "ROWS" else sheet.cols
    start = int(rng.get("startIndex", 0))
    end = int(rng["endIndex"]) if rng.get("endIndex") is not None else count
    if start < 0 or end < start:
        raise RequestFailed(f"Invalid dimension range: start {start}, end {end}.")
    return sheet, dim, start, end


@handles("insertDimension")
def insert_dimension(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    rng = req.get("range") or {}
    if rng.get("startIndex") is None or rng.get("endIndex") is None:
        raise RequestFailed("range must have both a start and an end index.")
    sheet, dim, start, end = _dimension(ctx, rng)
    count = sheet.rows if dim == "ROWS" else sheet.cols
    if start > count:
        raise RequestFailed(errors.grid_limits(
            f"{quote_title(sheet.title)}!{a1(start, 0) if dim == 'ROWS' else a1(0, start)}",
            sheet.rows, sheet.cols))
    if req.get("inheritFromBefore") and start == 0:
        raise RequestFailed("Cannot inherit properties from before the first row or column.")
    shift_dimension(ctx.book, sheet, dim, start, end - start)
    return {}


@handles("deleteDimension")
def delete_dimension(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, dim, start, end = _dimension(ctx, req.get("range") or {})
    count = sheet.rows if dim == "ROWS" else sheet.cols
    end = min(end, count)
    if start >= count and end > start:
        raise RequestFailed(errors.grid_limits(
            f"{quote_title(sheet.title)}!{a1(start, 0) if dim == 'ROWS' else a1(0, start)}",
            sheet.rows, sheet.cols))
    if start == 0 and end >= count:
        raise RequestFailed("You can't delete all the rows on the sheet." if dim == "ROWS"
                            else "You can't delete all the columns on the sheet.")
    shift_dimension(ctx.book, sheet, dim, start, start - end)
    return {}


@handles("appendDimension")
def append_dimension(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet = ctx.sheet(req.get("sheetId"))
    length = int(req.get("length", 0))
    if length < 1:
        raise RequestFailed("length must be greater than zero.")
    dim = req.get("dimension")
    grid = sheet.props["gridProperties"]
    if dim == "ROWS":
        grid["rowCount"] = sheet.rows + length
    elif dim == "COLUMNS":
        grid["columnCount"] = sheet.cols + length
    else:
        raise RequestFailed("dimension must be ROWS or COLUMNS.")
    return {}


@handles("updateDimensionProperties")
def update_dimension_properties(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    sheet, dim, start, end = _dimension(ctx, req.get("range") or {})
    count = sheet.rows if dim == "ROWS" else sheet.cols
    if start >= count:
        raise RequestFailed(errors.grid_limits(
            f"{quote_title(sheet.title)}!{a1(start, 0) if dim == 'ROWS' else a1(0, start)}",
            sheet.rows, sheet.cols))
    metas = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    props = req.get("properties") or {}
    for i in range(start, min(end, count)):
        meta = metas.setdefault(i, {})
        fields.assign(meta, props, mask, allowed=tuple(props))
        if not meta:
            del metas[i]
    return {}


@handles("autoResizeDimensions")
def auto_resize_dimensions(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, dim, start, end = _dimension(ctx, req.get("dimensions") or {})
    auto_size(ctx.book, sheet, dim, start, end)
    return {}


