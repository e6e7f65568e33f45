"""The ``Spreadsheet`` resource as ``spreadsheets.get`` returns it.

Properties are written the way Google's proto3 JSON writes them: ``false``, ``0`` and
empty values are left out (``hidden``, ``frozenRowCount``…), a ``GridRange`` on the
first tab has no ``sheetId``. Grid data (``includeGridData`` or a field mask reaching
``sheets.data``) carries ``rowData`` trimmed like values reads, and row/column metadata.
"""

from __future__ import annotations

import copy
import math
import struct
from typing import Any

from . import fields
from .a1 import Box
from .formula import FormulaError
from .grid import Evaluator, check_inside, resolve
from .render import formatted, json_number, number_format
from .state import COLUMN_PIXELS, ROW_PIXELS, Cell, Sheet, Spreadsheet

_GRID_KEYS = ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount",
              "hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter")
_SHEET_KEYS = ("sheetId", "title", "index", "sheetType", "gridProperties", "hidden",
               "tabColor", "tabColorStyle", "rightToLeft", "dataSourceSheetProperties")
_ERROR_TYPES = {"#DIV/0!": "DIVIDE_BY_ZERO", "#VALUE!": "VALUE", "#REF!": "REF",
                "#NAME?": "NAME", "#NUM!": "NUM", "#N/A": "N_A", "#ERROR!": "ERROR"}


def float32(x: float) -> float | int:
    """A float as Google prints it: stored as float32, written in the fewest digits."""
    if float(x).is_integer():
        return int(x)
    target = struct.unpack("f", struct.pack("f", x))[0]
    for digits in range(1, 10):
        candidate = float(f"{x:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == target:
            return candidate
    return target


def quantize(channel: Any) -> float | int:
    """Colours are kept as 8-bit channels: 0.5 is stored as 127/255."""
    value = max(0.0, min(1.0, float(channel)))
    return float32(math.ceil(value * 255 - 0.5) / 255)


def normalize_colors(obj: Any) -> Any:
    """Quantize rgb colours and mirror ``xColor`` <-> ``xColorStyle`` as Google does."""
    if isinstance(obj, list):
        return [normalize_colors(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("red", "green", "blue", "alpha") and isinstance(value, (int, float)):
            q = quantize(value) if key != "alpha" else float32(float(value))
            if q:
                out[key] = q
        elif value is None:
            continue
        else:
            out[key] = normalize_colors(value)
    for key in list(out):
        if key.endswith("Color") and key != "rgbColor" and isinstance(out[key], dict):
            out.setdefault(key + "Style", {"rgbColor": copy.deepcopy(out[key])})
        if key.endswith("ColorStyle") and isinstance(out[key], dict):
            rgb = out[key].get("rgbColor")
            if rgb is not None:
                out.setdefault(key[: -len("Style")], copy.deepcopy(rgb))
            elif not out[key]:
                del out[key]
                out.pop(key[: -len("Style")], None)
    return out


def sheet_properties(sheet: Sheet) -> dict[str, Any]:
    props = sheet.props
    out: dict[str, Any] = {}
    for key in _SHEET_KEYS:
        if key not in props:
            continue
        value = props[key]
        if key == "gridProperties":
            value = {k: value[k] for k in _GRID_KEYS if value.get(k)}
        if key in ("sheetId", "index") or value:
            out[key] = copy.deepcopy(value)
    return out


def _effective_value(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, FormulaError):
        return {"errorValue": {"type": _ERROR_TYPES.get(value.code, "ERROR"),
                               "message": value.code}}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": json_number(value)}
    return {"stringValue": str(value)}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def cell_data(book: Spreadsheet, ev: Evaluator, sheet: Sheet, row: int, col: int,
              cell: Cell) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cell.entered is not None:
        entered = dict(cell.entered)
        if "numberValue" in entered:
            entered["numberValue"] = json_number(entered["numberValue"])
        out["userEnteredValue"] = entered
        effective = ev.effective(sheet, row, col, cell)
        ev_json = _effective_value(effective)
        if ev_json is not None:
            out["effectiveValue"] = ev_json
            out["formattedValue"] = formatted(effective, number_format(cell))
    if cell.fmt:
        out["userEnteredFormat"] = copy.deepcopy(cell.fmt)
    if cell.entered is not None or cell.fmt:
        out["effectiveFormat"] = _merge(book.props.get("defaultFormat", {}), cell.fmt or {})
    if cell.note:
        out["note"] = cell.note
    if cell.validation is not None:
        out["dataValidation"] = copy.deepcopy(cell.validation)
    if cell.extra:
        out.update(copy.deepcopy(cell.extra))
    return out


def grid_data(book: Spreadsheet, sheet: Sheet, box: Box) -> dict[str, Any]:
    assert box.row1 is not None and box.col1 is not None
    ev = Evaluator(book)
    rows: dict[int, dict[int, dict[str, Any]]] = {}
    for (r, c), cell in sheet.cells.items():
        if box.row0 <= r < box.row1 and box.col0 <= c < box.col1:
            data = cell_data(book, ev, sheet, r, c, cell)
            if data:
                rows.setdefault(r - box.row0, {})[c - box.col0] = data
    out: dict[str, Any] = {}
    if box.row0:
        out["startRow"] = box.row0
    if box.col0:
        out["startColumn"] = box.col0
    if rows:
        row_data: list[dict[str, Any]] = []
        for i in range(max(rows) + 1):
            cells = rows.get(i)
            if not cells:
                row_data.append({})
                continue
            row_data.append({"values": [cells.get(j, {}) for j in range(max(cells) + 1)]})
        out["rowData"] = row_data
    out["rowMetadata"] = [_meta(sheet.row_meta.get(i), ROW_PIXELS)
                          for i in range(box.row0, box.row1)]
    out["columnMetadata"] = [_meta(sheet.col_meta.get(i), COLUMN_PIXELS)
                             for i in range(box.col0, box.col1)]
    return out


def _meta(meta: dict[str, Any] | None, default: int) -> dict[str, Any]:
    out: dict[str, Any] = {"pixelSize": default}
    for key, value in (meta or {}).items():
        if value:
            out[key] = copy.deepcopy(value)
    return out


def sheet_json(book: Spreadsheet, sheet: Sheet, boxes: list[Box] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"properties": sheet_properties(sheet)}
    if boxes is not None:
        out["data"] = [grid_data(book, sheet, b) for b in boxes]
    if sheet.merges:
        out["merges"] = copy.deepcopy(sheet.merges)
    if sheet.protected:
        out["protectedRanges"] = copy.deepcopy(sheet.protected)
    if sheet.basic_filter:
        out["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    if sheet.charts:
        out["charts"] = copy.deepcopy(sheet.charts)
    return out


def spreadsheet_json(book: Spreadsheet, ranges: list[str] | None = None,
                     include_grid: bool = False, mask_text: str | None = None,
                     ) -> dict[str, Any]:
    """``spreadsheets.get``: the resource, filtered by ``ranges`` and the field mask."""
    mask = fields.parse(mask_text) if mask_text else None
    with_data = include_grid if mask is None else fields.reaches(mask, "sheets", "data")
    wanted: dict[int, list[Box]] | None = None
    if ranges:
        wanted = {}
        for text in ranges:
            sheet, box = resolve(book, text)
            wanted.setdefault(sheet.sheet_id, []).append(check_inside(sheet, box))
    sheets = []
    for sheet in book.sheets:
        if wanted is not None and sheet.sheet_id not in wanted:
            continue
        boxes = None
        if with_data:
            boxes = wanted[sheet.sheet_id] if wanted is not None else [
                Box(0, sheet.rows, 0, sheet.cols)]
        sheets.append(sheet_json(book, sheet, boxes))
    out: dict[str, Any] = {
        "spreadsheetId": book.id,
        "properties": copy.deepcopy(book.props),
        "sheets": sheets,
    }
    if book.named:
        out["namedRanges"] = copy.deepcopy(book.named)
    out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{book.id}/edit"
    return fields.select(out, mask) if mask is not None else out
