"""The ``spreadsheets.values`` methods: get, batchGet, update, batchUpdate, append,
clear and batchClear, each answering with Google's response body."""

from __future__ import annotations

from typing import Any

from . import errors
from .a1 import Box, column_letters, format_box
from .grid import check_inside, read, resolve, value_range
from .render import raw_value, user_entered
from .state import MAX_CELL_CHARS, Sheet, Spreadsheet

INPUT_OPTIONS = ("RAW", "USER_ENTERED")
RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DT_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")


def _enum(value: str | None, allowed: tuple[str, ...], name: str, default: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise errors.bad_request(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4."
            f"{name[0].upper() + name[1:]}), \"{value}\""
        )
    return value


def render_options(query: dict[str, str]) -> tuple[str, str, str]:
    return (
        _enum(query.get("valueRenderOption"), RENDER_OPTIONS, "valueRenderOption",
              "FORMATTED_VALUE"),
        _enum(query.get("dateTimeRenderOption"), DT_OPTIONS, "dateTimeRenderOption",
              "SERIAL_NUMBER"),
        _enum(query.get("majorDimension"), ("ROWS", "COLUMNS"), "majorDimension", "ROWS"),
    )


def get(book: Spreadsheet, range_text: str, query: dict[str, str]) -> dict[str, Any]:
    option, dt_option, major = render_options(query)
    sheet, box = resolve(book, range_text)
    box = check_inside(sheet, box)
    return value_range(sheet, box, read(book, sheet, box, option, dt_option, major), major)


def batch_get(book: Spreadsheet, ranges: list[str], query: dict[str, str]) -> dict[str, Any]:
    option, dt_option, major = render_options(query)
    out = []
    for text in ranges:
        sheet, box = resolve(book, text)
        box = check_inside(sheet, box)
        out.append(value_range(sheet, box, read(book, sheet, box, option, dt_option, major),
                               major))
    return {"spreadsheetId": book.id, "valueRanges": out}


def _rows(body: dict[str, Any]) -> list[list[Any]]:
    values = body.get("values") or []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise errors.bad_request(
            "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue)"
        )
    if body.get("majorDimension") == "COLUMNS":
        width = max((len(c) for c in values), default=0)
        return [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    return values


class Tally:
    """What a values write touched, counted the way Google counts it."""

    def __init__(self) -> None:
        self.rows: set[tuple[int, int]] = set()
        self.cols: set[tuple[int, int]] = set()
        self.cells = 0
        self.sheets: set[int] = set()

    def add(self, sheet: Sheet, row: int, col: int) -> None:
        self.rows.add((sheet.sheet_id, row))
        self.cols.add((sheet.sheet_id, col))
        self.cells += 1
        self.sheets.add(sheet.sheet_id)


def write(book: Spreadsheet, range_text: str, body: dict[str, Any], input_option: str,
          prefix: str = "") -> tuple[dict[str, Any], Sheet, Box]:
    """Write a ValueRange into ``book``; returns Google's UpdateValuesResponse."""
    sheet, box = resolve(book, range_text)
    rows = _rows(body)
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    origin_only = box.row1 is None or box.col1 is None or (box.height == 1 and box.width == 1)
    if not origin_only and (height > box.height or width > box.width):
        where = f"row [{box.row0 + height}]" if height > box.height else (
            f"column [{box.col0 + width}]")
        raise errors.bad_request(
            prefix + f"Requested writing within range ['{sheet.title}'!"
            f"{format_box(sheet.title, box).split('!', 1)[1]}], but tried writing to {where}"
        )
    target = Box(box.row0, box.row0 + max(height, 1), box.col0, box.col0 + max(width, 1))
    if target.row1 is not None and target.col1 is not None and (
        target.row1 > sheet.rows or target.col1 > sheet.cols
    ):
        raise errors.bad_request(
            prefix + errors.grid_limits(format_box(sheet.title, target), sheet.rows, sheet.cols)
        )
    tally = Tally()
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            r, c = box.row0 + i, box.col0 + j
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise errors.bad_request(prefix + errors.CELL_TOO_LONG)
            if isinstance(value, (dict, list)):
                raise errors.bad_request(
                    prefix + "Invalid values[{}][{}]: {}".format(i, j, "struct_value" if isinstance(
                        value, dict) else "list_value")
                )
            if input_option == "RAW":
                sheet.set_value(r, c, raw_value(value))
            else:
                entered, suggested = user_entered(value)
                old = sheet.cell(r, c)
                has_format = bool(old.fmt and old.fmt.get("numberFormat"))
                fmt = {"numberFormat": suggested} if suggested and not has_format else None
                sheet.set_value(r, c, entered, fmt)
            tally.add(sheet, r, c)
    shown = Box(box.row0, box.row0 + height, box.col0, box.col0 + width)
    response: dict[str, Any] = {"spreadsheetId": book.id}
    if height and width:
        response["updatedRange"] = format_box(sheet.title, shown)
    elif box.row1 is not None and box.col1 is not None:
        response["updatedRange"] = format_box(sheet.title, box)
    for key, count in (("updatedRows", len(tally.rows)), ("updatedColumns", len(tally.cols)),
                       ("updatedCells", tally.cells)):
        if count:
            response[key] = count
    response["_tally"] = tally
    # "If the range to write was larger than the range actually written, the response
    # includes all values in the requested range"
    if not origin_only:
        shown = check_inside(sheet, box) if shown.height and shown.width else shown
    return response, sheet, shown


def _updated_data(book: Spreadsheet, sheet: Sheet, box: Box,
                  query: dict[str, Any]) -> dict[str, Any]:
    option = query.get("responseValueRenderOption") or "FORMATTED_VALUE"
    dt_option = query.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"
    return value_range(sheet, box, read(book, sheet, box, option, dt_option), "ROWS")


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true" if not isinstance(value, bool) else value


def update(book: Spreadsheet, range_text: str, query: dict[str, str],
           body: dict[str, Any]) -> dict[str, Any]:
    input_option = query.get("valueInputOption")
    if not input_option:
        raise errors.bad_request("'valueInputOption' is required but not specified")
    _enum(input_option, INPUT_OPTIONS, "valueInputOption", "RAW")
    response, sheet, shown = write(book, range_text, body, input_option)
    response.pop("_tally")
    if _truthy(query.get("includeValuesInResponse", False)) and shown.height and shown.width:
        response["updatedData"] = _updated_data(book, sheet, shown, query)
    return response


def batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    input_option = body.get("valueInputOption")
    if not input_option:
        raise errors.bad_request("'valueInputOption' is required but not specified")
    _enum(input_option, INPUT_OPTIONS, "valueInputOption", "RAW")
    total = Tally()
    responses = []
    for i, data in enumerate(body.get("data") or []):
        response, sheet, shown = write(book, data.get("range", ""), data, input_option,
                                       prefix=f"Invalid data[{i}]: ")
        tally: Tally = response.pop("_tally")
        total.rows |= tally.rows
        total.cols |= tally.cols
        total.cells += tally.cells
        total.sheets |= tally.sheets
        if _truthy(body.get("includeValuesInResponse", False)) and shown.height:
            response["updatedData"] = _updated_data(book, sheet, shown, body)
        responses.append(response)
    out: dict[str, Any] = {"spreadsheetId": book.id}
    for key, count in (("totalUpdatedRows", len(total.rows)),
                       ("totalUpdatedColumns", len(total.cols)),
                       ("totalUpdatedCells", total.cells),
                       ("totalUpdatedSheets", len(total.sheets))):
        if count:
            out[key] = count
    if responses:
        out["responses"] = responses
    return out


def clear(book: Spreadsheet, range_text: str) -> dict[str, Any]:
    sheet, box = resolve(book, range_text)
    box = check_inside(sheet, box)
    _clear_box(sheet, box)
    return {"spreadsheetId": book.id, "clearedRange": format_box(sheet.title, box)}


def _clear_box(sheet: Sheet, box: Box) -> None:
    assert box.row1 is not None and box.col1 is not None
    for (r, c) in [k for k in sheet.cells if box.row0 <= k[0] < box.row1
                   and box.col0 <= k[1] < box.col1]:
        sheet.set_value(r, c, None)


def batch_clear(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    cleared = []
    for i, text in enumerate(body.get("ranges") or []):
        sheet, box = resolve(book, text)
        box = check_inside(sheet, box, prefix=f"Invalid range[{i}]: ")
        _clear_box(sheet, box)
        cleared.append(format_box(sheet.title, box))
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if cleared:
        out["clearedRanges"] = cleared
    return out


def _has_data(sheet: Sheet, row: int, col0: int, col1: int) -> list[int]:
    return [c for c in range(col0, col1) if sheet.cell(row, c).has_value()]


def append(book: Spreadsheet, range_text: str, query: dict[str, str],
           body: dict[str, Any]) -> dict[str, Any]:
    """Find the table at the range, write after its last row, grow the grid if needed."""
    input_option = query.get("valueInputOption")
    if not input_option:
        raise errors.bad_request("'valueInputOption' is required but not specified")
    _enum(input_option, INPUT_OPTIONS, "valueInputOption", "RAW")
    sheet, box = resolve(book, range_text)
    box = check_inside(sheet, box)
    assert box.row1 is not None and box.col1 is not None
    first = next((r for r in range(box.row0, box.row1)
                  if _has_data(sheet, r, box.col0, box.col1)), None)
    table: Box | None = None
    start_row, start_col = box.row0, box.col0
    if first is not None:
        used = _has_data(sheet, first, box.col0, box.col1)
        lo, hi = min(used), max(used)
        while lo > 0 and sheet.cell(first, lo - 1).has_value():
            lo -= 1
        while hi + 1 < sheet.cols and sheet.cell(first, hi + 1).has_value():
            hi += 1
        last = first
        while last + 1 < sheet.rows:
            more = _has_data(sheet, last + 1, lo, hi + 1)
            if not more:
                break
            last += 1
        table = Box(first, last + 1, lo, hi + 1)
        start_row, start_col = last + 1, lo
    rows = _rows(body)
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if query.get("insertDataOption") == "INSERT_ROWS" and height:
        from .batch_update import shift_dimension

        shift_dimension(book, sheet, "ROWS", start_row, height)
    grow_rows = max(0, start_row + height - sheet.rows)
    grow_cols = max(0, start_col + width - sheet.cols)
    if grow_rows or grow_cols:
        grid = sheet.props["gridProperties"]
        grid["rowCount"] = sheet.rows + grow_rows
        grid["columnCount"] = sheet.cols + grow_cols
        try:
            book.check_size()
        except ValueError as e:
            raise errors.bad_request(str(e)) from None
    quoted = sheet.title.replace("'", "''")
    origin = f"'{quoted}'!{column_letters(start_col)}{start_row + 1}"
    updates, sheet, shown = write(book, origin, {"values": rows}, input_option)
    updates.pop("_tally")
    if _truthy(query.get("includeValuesInResponse", False)) and shown.height:
        updates["updatedData"] = _updated_data(book, sheet, shown, query)
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if table is not None:
        out["tableRange"] = format_box(sheet.title, table)
    out["updates"] = updates
    return out
