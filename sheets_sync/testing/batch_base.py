"""What the ``batchUpdate`` request handlers share: the registry, the per-batch context
and the error a request raises to refuse the whole batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import errors
from .a1 import Box, column_letters
from .grid import box_of_grid_range, check_inside
from .state import Sheet, Spreadsheet, Store


class RequestFailed(Exception):
    """A request of the batch is invalid; the message is Google's, without prefix."""


Handler = Callable[["Context", dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


class Context:
    def __init__(self, store: Store, book: Spreadsheet) -> None:
        self.store = store
        self.book = book

    def sheet(self, sheet_id: Any, what: str = "grid") -> Sheet:
        sheet = self.book.by_id(int(sheet_id or 0))
        if sheet is None:
            raise RequestFailed(f"No {what} with id: {int(sheet_id or 0)}")
        return sheet

    def grid(self, gr: dict[str, Any]) -> tuple[Sheet, Box]:
        """A GridRange inside its tab: refused if it starts past the grid, else clipped."""
        sheet = self.sheet(gr.get("sheetId"))
        check_indexes(gr, ("startRowIndex", "endRowIndex"), ("startColumnIndex", "endColumnIndex"))
        box = box_of_grid_range(gr)
        try:
            return sheet, check_inside(sheet, box)
        except errors.ApiError as e:
            raise RequestFailed(e.message) from None




def check_indexes(obj: dict[str, Any], *pairs: tuple[str, ...]) -> None:
    """Indexes are never negative, and an end never comes before its start."""
    for pair in pairs:
        for key in pair:
            value = obj.get(key)
            if value is not None and int(value) < 0:
                raise RequestFailed(f"{key} must be greater than or equal to 0, but was {value}.")
        if len(pair) == 2 and obj.get(pair[0]) is not None and obj.get(pair[1]) is not None:
            start, end = int(obj[pair[0]]), int(obj[pair[1]])
            if end < start:
                raise RequestFailed(f"{pair[1]} ({end}) must not be less than {pair[0]} "
                                    f"({start}).")


def a1(row: int, col: int) -> str:
    return f"{column_letters(col)}{row + 1}"
