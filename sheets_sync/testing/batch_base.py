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
        box = box_of_grid_range(gr)
        try:
            return sheet, check_inside(sheet, box)
        except errors.ApiError as e:
            raise RequestFailed(e.message) from None




def a1(row: int, col: int) -> str:
    return f"{column_letters(col)}{row + 1}"
