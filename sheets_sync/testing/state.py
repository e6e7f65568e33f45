"""What the local server holds: spreadsheets, tabs and sparse grids of cells.

A cell keeps what the user entered (``userEnteredValue``: string, number, bool or
formula), its format, note and data validation; what it shows is computed when read
(``values.py``). Cells are immutable and grids are plain dicts, so a spreadsheet is
copied cheaply before a ``batchUpdate`` and swapped in only when every request in the
batch succeeded.
"""

from __future__ import annotations

import copy
import random
import string
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from . import errors
from .a1 import MAX_COLUMNS

MAX_CELLS = 10_000_000
MAX_CELL_CHARS = 50_000
DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
ROW_PIXELS = 21
COLUMN_PIXELS = 100

DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def _theme_color(kind: str, red: float = 0, green: float = 0, blue: float = 0) -> dict[str, Any]:
    rgb = {k: v for k, v in (("red", red), ("green", green), ("blue", blue)) if v}
    return {"colorType": kind, "color": {"rgbColor": rgb}}


DEFAULT_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        _theme_color("TEXT"),
        _theme_color("BACKGROUND", 1, 1, 1),
        _theme_color("ACCENT1", 0.25882354, 0.52156866, 0.95686275),
        _theme_color("ACCENT2", 0.91764706, 0.2627451, 0.20784314),
        _theme_color("ACCENT3", 0.9843137, 0.7372549, 0.015686275),
        _theme_color("ACCENT4", 0.20392157, 0.65882355, 0.3254902),
        _theme_color("ACCENT5", 1, 0.42745098, 0.003921569),
        _theme_color("ACCENT6", 0.27450982, 0.7411765, 0.7764706),
        _theme_color("LINK", 0.06666667, 0.33333334, 0.8),
    ],
}


def now_stamp() -> str:
    """RFC 3339 with milliseconds and ``Z``, as Drive writes times."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(slots=True)
class Cell:
    """One cell: what was entered, its format, note and validation rule.

    Treated as immutable (replaced, never changed in place), which is what lets a
    spreadsheet be copied by copying the grid dicts.
    """

    entered: dict[str, Any] | None = None  # userEnteredValue
    fmt: dict[str, Any] | None = None  # userEnteredFormat
    note: str | None = None
    validation: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None  # textFormatRuns, hyperlink …

    def has_value(self) -> bool:
        return self.entered is not None

    def is_void(self) -> bool:
        return (
            self.entered is None
            and not self.fmt
            and not self.note
            and self.validation is None
            and not self.extra
        )


EMPTY = Cell()


@dataclass
class Sheet:
    """A tab: its properties and a sparse grid keyed by (row, column)."""

    props: dict[str, Any]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    charts: list[dict[str, Any]] = field(default_factory=list)
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_meta: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def sheet_id(self) -> int:
        return int(self.props["sheetId"])

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def rows(self) -> int:
        return int(self.props["gridProperties"]["rowCount"])

    @property
    def cols(self) -> int:
        return int(self.props["gridProperties"]["columnCount"])

    def cell(self, row: int, col: int) -> Cell:
        return self.cells.get((row, col), EMPTY)

    def put(self, row: int, col: int, cell: Cell) -> None:
        if cell.is_void():
            self.cells.pop((row, col), None)
        else:
            self.cells[(row, col)] = cell

    def set_value(self, row: int, col: int, entered: dict[str, Any] | None,
                  fmt: dict[str, Any] | None = None, keep_format: bool = True) -> None:
        old = self.cell(row, col)
        new_fmt = old.fmt if keep_format and fmt is None else fmt
        if fmt is not None and keep_format and old.fmt:
            new_fmt = {**old.fmt, **fmt}
        self.put(row, col, replace(old, entered=entered, fmt=new_fmt))

    def copy(self) -> Sheet:
        return Sheet(
            props=copy.deepcopy(self.props),
            cells=dict(self.cells),
            merges=copy.deepcopy(self.merges),
            protected=copy.deepcopy(self.protected),
            basic_filter=copy.deepcopy(self.basic_filter),
            charts=copy.deepcopy(self.charts),
            row_meta=copy.deepcopy(self.row_meta),
            col_meta=copy.deepcopy(self.col_meta),
        )


@dataclass
class Spreadsheet:
    """A spreadsheet file: properties, tabs in order, named ranges, Drive times."""

    id: str
    props: dict[str, Any]
    sheets: list[Sheet]
    named: list[dict[str, Any]] = field(default_factory=list)
    created: str = field(default_factory=now_stamp)
    modified: str = field(default_factory=now_stamp)

    @property
    def title(self) -> str:
        return str(self.props["title"])

    def copy(self) -> Spreadsheet:
        return Spreadsheet(
            id=self.id,
            props=copy.deepcopy(self.props),
            sheets=[s.copy() for s in self.sheets],
            named=copy.deepcopy(self.named),
            created=self.created,
            modified=self.modified,
        )

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i

    def by_id(self, sheet_id: int) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def by_title(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()
        for sheet in self.sheets:
            if sheet.title.lower() == lowered:
                return sheet
        return None

    def first_sheet(self) -> Sheet:
        return self.sheets[0]

    def cell_count(self) -> int:
        return sum(s.rows * s.cols for s in self.sheets)

    def check_size(self) -> None:
        """Google's limits: 10,000,000 cells per spreadsheet, 18,278 columns per tab."""
        for sheet in self.sheets:
            if sheet.cols > MAX_COLUMNS:
                raise ValueError(errors.COLUMN_LIMIT)
        if self.cell_count() > MAX_CELLS:
            raise ValueError(errors.CELL_LIMIT)

    def touch(self) -> None:
        self.modified = now_stamp()


def new_sheet_props(sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS,
                    cols: int = DEFAULT_COLS) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }


class Store:
    """Every spreadsheet the server holds, behind one lock; ids from a seeded RNG."""

    def __init__(self, seed: int = 0,
                 user_email: str = "fake-sheets@example.iam.gserviceaccount.com") -> None:
        self.lock = threading.RLock()
        self.books: dict[str, Spreadsheet] = {}
        self.rng = random.Random(seed)
        self.user_email = user_email

    def new_key(self) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        while True:
            key = "1" + "".join(self.rng.choice(alphabet) for _ in range(43))
            if key not in self.books:
                return key

    def new_sheet_id(self, book: Spreadsheet) -> int:
        while True:
            sheet_id = self.rng.randrange(1, 2**31 - 1)
            if book.by_id(sheet_id) is None:
                return sheet_id

    def new_object_id(self) -> int:
        return self.rng.randrange(1, 2**31 - 1)

    def create(self, title: str, key: str | None = None,
               locale: str = "en_US", time_zone: str = "Etc/GMT") -> Spreadsheet:
        key = key or self.new_key()
        props = {
            "title": title,
            "locale": locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": time_zone,
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        }
        book = Spreadsheet(id=key, props=props, sheets=[Sheet(new_sheet_props(0, "Sheet1", 0))])
        self.books[key] = book
        return book

    def get(self, key: str) -> Spreadsheet:
        book = self.books.get(key)
        if book is None:
            raise errors.not_found()
        return book
