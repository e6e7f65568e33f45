"""Ranges resolved against a spreadsheet, and cells read back as Google shows them.

``resolve`` turns A1 text (or a named range) into a tab and a :class:`Box`; ``read``
renders a box with Google's trimming: trailing empty cells of a row and trailing empty
rows are dropped, and an all-empty range has no values at all.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .a1 import Box, format_box, format_open_box, looks_like_cells, parse_cells, split_sheet
from .formula import FormulaError, evaluate
from .render import render
from .state import Cell, Sheet, Spreadsheet


def unparsable(text: str) -> errors.ApiError:
    return errors.bad_request(f"Unable to parse range: {text}")


def box_of_grid_range(gr: dict[str, Any]) -> Box:
    """A ``GridRange`` (missing ends are open) as a box."""
    return Box(
        int(gr.get("startRowIndex") or 0),
        int(gr["endRowIndex"]) if gr.get("endRowIndex") is not None else None,
        int(gr.get("startColumnIndex") or 0),
        int(gr["endColumnIndex"]) if gr.get("endColumnIndex") is not None else None,
    )


def grid_range(sheet_id: int, box: Box) -> dict[str, Any]:
    """A ``GridRange`` as Google writes it: ``sheetId`` 0 and open ends left out."""
    out: dict[str, Any] = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    out["startRowIndex"] = box.row0
    if box.row1 is not None:
        out["endRowIndex"] = box.row1
    out["startColumnIndex"] = box.col0
    if box.col1 is not None:
        out["endColumnIndex"] = box.col1
    return out


def named_range(book: Spreadsheet, name: str) -> tuple[Sheet, Box] | None:
    for nr in book.named:
        if nr["name"].lower() == name.lower():
            gr = nr["range"]
            sheet = book.by_id(int(gr.get("sheetId", 0)))
            if sheet is not None:
                return sheet, box_of_grid_range(gr)
    return None


def resolve(book: Spreadsheet, text: str) -> tuple[Sheet, Box]:
    """A1 text to (tab, box); unknown tabs and bad text answer 'Unable to parse range'."""
    try:
        title, cells = split_sheet(text)
    except ValueError:
        raise unparsable(text) from None
    if title is not None:
        sheet = book.by_title(title)
        if sheet is None:
            raise unparsable(text)
        if cells is None:
            return sheet, Box(0, None, 0, None)
        if looks_like_cells(cells):
            return sheet, parse_cells(cells)
        found = named_range(book, cells)
        if found is None:
            raise unparsable(text)
        return found
    assert cells is not None
    sheet_named = book.by_title(cells)
    if sheet_named is not None:
        return sheet_named, Box(0, None, 0, None)
    if looks_like_cells(cells):
        return book.first_sheet(), parse_cells(cells)
    found = named_range(book, cells)
    if found is None:
        raise unparsable(text)
    return found


def check_inside(sheet: Sheet, box: Box, prefix: str = "") -> Box:
    """Refuse a box that starts past the grid (Google's 400); clip one that ends past it."""
    if box.row0 >= sheet.rows or box.col0 >= sheet.cols:
        raise errors.bad_request(
            prefix + errors.grid_limits(format_open_box(sheet.title, box), sheet.rows, sheet.cols)
        )
    return box.clipped(sheet.rows, sheet.cols)


class Evaluator:
    """Effective values of cells, formulas evaluated on read with a cycle guard."""

    def __init__(self, book: Spreadsheet) -> None:
        self.book = book
        self.active: set[tuple[int, int, int]] = set()

    def value(self, sheet: Sheet, row: int, col: int) -> Any:
        return self.effective(sheet, row, col, sheet.cell(row, col))

    def effective(self, sheet: Sheet, row: int, col: int, cell: Cell) -> Any:
        entered = cell.entered
        if entered is None:
            return None
        if "formulaValue" not in entered:
            for key in ("stringValue", "numberValue", "boolValue"):
                if key in entered:
                    return entered[key]
            if "errorValue" in entered:
                return FormulaError(str(entered["errorValue"].get("message", "#ERROR!")))
            return None
        where = (sheet.sheet_id, row, col)
        if where in self.active:
            return FormulaError("#REF!")
        self.active.add(where)
        try:
            return evaluate(entered["formulaValue"], lambda ref: self.resolve_ref(sheet, ref))
        finally:
            self.active.discard(where)

    def resolve_ref(self, sheet: Sheet, ref: str) -> list[list[Any]]:
        try:
            title, cells = split_sheet(ref.replace("$", ""))
            target = sheet if title is None else self.book.by_title(title)
            if target is None or cells is None:
                raise ValueError(ref)
            if looks_like_cells(cells):
                box = parse_cells(cells)
            else:
                found = named_range(self.book, cells)
                if found is None:
                    return [[FormulaError("#NAME?")]]
                target, box = found
        except ValueError:
            return [[FormulaError("#REF!")]]
        box = box.clipped(target.rows, target.cols)
        return [[self.value(target, r, c) for c in range(box.col0, box.col1 or 0)]
                for r in range(box.row0, box.row1 or 0)]


def read(book: Spreadsheet, sheet: Sheet, box: Box, option: str = "FORMATTED_VALUE",
         dt_option: str = "SERIAL_NUMBER", major: str = "ROWS") -> list[list[Any]]:
    """The rendered, trimmed values of a (clipped) box."""
    ev = Evaluator(book)
    assert box.row1 is not None and box.col1 is not None
    present: dict[int, dict[int, Any]] = {}
    for (r, c), cell in sheet.cells.items():
        if box.row0 <= r < box.row1 and box.col0 <= c < box.col1 and cell.entered:
            text = cell.entered.get("stringValue")  # the common case, rendered as is
            present.setdefault(r - box.row0, {})[c - box.col0] = text if text is not None else (
                render(cell, ev.effective(sheet, r, c, cell), option, dt_option))
    if major == "COLUMNS":
        flipped: dict[int, dict[int, Any]] = {}
        for r, row in present.items():
            for c, v in row.items():
                flipped.setdefault(c, {})[r] = v
        present = flipped
    out: list[list[Any]] = []
    for i in range(max(present) + 1 if present else 0):
        row = present.get(i, {})
        filled = [k for k, v in row.items() if v != ""]
        width = max(filled) + 1 if filled else 0
        out.append([row.get(k, "") for k in range(width)])
    while out and not out[-1]:
        out.pop()
    return out


def value_range(sheet: Sheet, box: Box, values: list[list[Any]], major: str) -> dict[str, Any]:
    body: dict[str, Any] = {"range": format_box(sheet.title, box), "majorDimension": major}
    if values:
        body["values"] = values
    return body
