"""A stand-in for the part of xlwings that LiveBook and the macros use (tests only).

It plays an open Excel workbook the way xlwings shows one: cells hold floats, bools,
datetimes or strings; a string assigned to a cell is parsed as Excel parses typed input
(``0042`` -> 42.0, ``=1+1`` -> a formula, ``TRUE`` -> True, ``2015-03-08`` -> a date)
unless it starts with the text prefix ``'`` or the cell's format is ``@``; a locked cell
of a protected sheet refuses writes. ``.value`` reads floats (never ints) and None for
empty cells, as xlwings does.

Layout calls are recorded under their real names (``book.calls``) and their effect kept
on the sheet (``validations``, ``merges``, ``frozen``), as xlwings 0.37.8 offers them:
``range.merge()``, ``range.data_validation.set_list(values)`` / ``.delete()`` / ``.api``
(the native Validation object: Excel's COM properties on Windows, none here on Mac), and
``sheet.freeze_panes``, which raises ``NotImplementedError`` on desktop Excel (only
xlwings Server/Lite implement it) unless ``book.freeze_panes_supported``; Excel's own
window (``app.api.ActiveWindow``: ``SplitRow``, ``FreezePanes`` …) exists when
``book.platform == "win"``.

Put this folder first on ``PYTHONPATH`` and set ``XLWINGS_STANDIN_BOOK`` to a JSON file to
play the caller of ``RunPython``: :meth:`Book.caller` loads the workbook from it and the
process saves it back at exit, with the message boxes shown (``alerts``), each tab's
dropdowns (``validations``: first row, column, last row, column, values, AlertStyle) and
frozen rows. ``"platform": "mac"`` in the JSON plays Excel for Mac.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import re
from typing import Any

__version__ = "0.0-standin"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


def excel_parse(text: str) -> tuple[Any, str | None]:
    """(value, formula) Excel stores for ``text`` typed into a General cell."""
    if text.startswith("'"):
        return text[1:], None
    if text.startswith("="):
        return None, text
    if _NUMBER.match(text.strip()):
        return float(text), None
    if text.upper() in {"TRUE", "FALSE"}:
        return text.upper() == "TRUE", None
    m = _DATE.match(text)
    if m:
        try:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3])), None
        except ValueError:
            pass
    return text, None


class _Cell:
    def __init__(self) -> None:
        self.value: Any = None
        self.formula: str | None = None
        self.number_format = "General"
        self.bold = False


class _Api:
    """The COM sheet object's protection members (Windows)."""

    def __init__(self, protected: bool = False) -> None:
        self.ProtectContents = protected

    def Unprotect(self, Password: str = "") -> None:
        self.ProtectContents = False

    def Protect(self, **kwargs: Any) -> None:
        self.ProtectContents = True


class _Font:
    def __init__(self, rng: Range) -> None:
        self._rng = rng

    @property
    def bold(self) -> bool:
        return all(c.bold for c in self._rng._cells())

    @bold.setter
    def bold(self, value: bool) -> None:
        for c in self._rng._cells(create=True):
            c.bold = value


class Range:
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.row, self.column = sheet, r1, c1
        self.last_row, self.last_column = r2, c2
        self._ndim: int | None = None

    def options(self, ndim: int | None = None, **_: Any) -> Range:
        rng = Range(self.sheet, self.row, self.column, self.last_row, self.last_column)
        rng._ndim = ndim
        return rng

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self.last_row, self.last_column, self.last_row,
                     self.last_column)

    def _cells(self, create: bool = False) -> list[_Cell]:
        out = []
        for r in range(self.row, self.last_row + 1):
            for c in range(self.column, self.last_column + 1):
                cell = self.sheet._cell(r, c, create)
                if cell is not None:
                    out.append(cell)
        return out

    @property
    def value(self) -> Any:
        rows = [[(self.sheet._cell(r, c) or _Cell()).value
                 for c in range(self.column, self.last_column + 1)]
                for r in range(self.row, self.last_row + 1)]
        if self._ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows[0] if len(rows) == 1 else rows

    @value.setter
    def value(self, value: Any) -> None:
        grid = value if isinstance(value, list | tuple) and value and isinstance(
            value[0], list | tuple) else [[value]]
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                self.sheet._put(self.row + i, self.column + j, v)

    @property
    def formula(self) -> Any:
        def one(r: int, c: int) -> str:
            cell = self.sheet._cell(r, c)
            if cell is None:
                return ""
            if cell.formula:
                return cell.formula
            return "" if cell.value is None else str(cell.value)
        rows = tuple(tuple(one(r, c) for c in range(self.column, self.last_column + 1))
                     for r in range(self.row, self.last_row + 1))
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @formula.setter
    def formula(self, text: str) -> None:
        self.sheet._check_write(self.row, self.column)
        cell = self.sheet._cell(self.row, self.column, True)
        assert cell is not None
        cell.value, cell.formula = excel_parse(text)

    @property
    def number_format(self) -> str:
        cell = self.sheet._cell(self.row, self.column)
        return cell.number_format if cell else "General"

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        for c in self._cells(create=True):
            c.number_format = fmt

    @property
    def font(self) -> _Font:
        return _Font(self)

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.column, 8.43)

    @column_width.setter
    def column_width(self, w: float) -> None:
        for c in range(self.column, self.last_column + 1):
            self.sheet.widths[c] = w

    @property
    def address(self) -> str:
        first = "$" + _a1(self.row, self.column)
        if (self.row, self.column) == (self.last_row, self.last_column):
            return first
        return f"{first}:${_a1(self.last_row, self.last_column)}"

    @property
    def _box(self) -> tuple[int, int, int, int]:
        return (self.row, self.column, self.last_row, self.last_column)

    def merge(self, across: bool = False) -> None:
        self.sheet.book.calls.append(("Range.merge", self.sheet.name, self.address))
        self.sheet.merges.append(self._box)

    def unmerge(self) -> None:
        self.sheet.book.calls.append(("Range.unmerge", self.sheet.name, self.address))
        self.sheet.merges = [m for m in self.sheet.merges if m != self._box]

    @property
    def data_validation(self) -> DataValidation:
        return DataValidation(self)


def _a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}${row}"


class _ComValidation:
    """Excel's Validation object on Windows: the properties LiveBook may set."""

    _NAMES = frozenset({"AlertStyle", "IgnoreBlank", "ShowError", "ShowInput", "ErrorTitle",
                        "ErrorMessage", "InputTitle", "InputMessage"})
    _rng: Range

    def __init__(self, rng: Range) -> None:
        object.__setattr__(self, "_rng", rng)

    def __getattr__(self, name: str) -> Any:
        if name not in self._NAMES:
            raise AttributeError(name)
        rule = self._rng.sheet.validations.get(self._rng._box)
        return None if rule is None else rule.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._NAMES:
            raise AttributeError(name)
        rng = self._rng
        rule = rng.sheet.validations.get(rng._box)
        if rule is None:
            raise RuntimeError("Application-defined or object-defined error")
        rng.sheet.book.calls.append((f"Validation.{name}", rng.sheet.name, rng.address, value))
        rule[name] = value


class _AppscriptValidation:
    """Stands for the Mac (appscript) reference: no COM-style properties to set."""

    __slots__ = ()


class DataValidation:
    """``range.data_validation`` (xlwings >= 0.37.5, Windows and Mac)."""

    def __init__(self, rng: Range) -> None:
        self._rng = rng

    @property
    def api(self) -> Any:
        if self._rng.sheet.book.platform == "win":
            return _ComValidation(self._rng)
        return _AppscriptValidation()

    def set_list(self, source: Any, *, in_cell_dropdown: bool = True) -> None:
        rng = self._rng
        values = [str(v) for v in source]
        if not values:
            raise ValueError("source must not be empty")
        if any("," in v or ";" in v for v in values):
            raise ValueError("literal list values cannot contain ',' or ';'")
        if len(",".join(values)) > 255:
            raise ValueError("a literal list source cannot exceed 255 characters")
        if any(_overlaps(box, rng._box) and box != rng._box for box in rng.sheet.validations):
            raise RuntimeError("Cannot update data validation because the target cells have "
                               "different validation rules.")
        rng.sheet.book.calls.append(("Range.data_validation.set_list", rng.sheet.name,
                                     rng.address, tuple(values)))
        rng.sheet.validations[rng._box] = {"values": tuple(values), "AlertStyle": 1,
                                           "in_cell_dropdown": in_cell_dropdown}

    def delete(self) -> None:
        rng = self._rng
        rng.sheet.book.calls.append(("Range.data_validation.delete", rng.sheet.name,
                                     rng.address))
        for box in [b for b in rng.sheet.validations if _overlaps(b, rng._box)]:
            del rng.sheet.validations[box]


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.widths: dict[int, float] = {}
        self.visible = True
        self.api = _Api()
        self.locked_columns: set[int] = set()
        self.validations: dict[tuple[int, int, int, int], dict[str, Any]] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.frozen: tuple[int, int] | None = None   # (rows, columns) frozen

    @property
    def freeze_panes(self) -> FreezePanes:
        if not self.book.freeze_panes_supported:  # xlwings 0.37.8 on desktop Excel
            raise NotImplementedError()
        return FreezePanes(self)

    def activate(self) -> None:
        self.book.calls.append(("Sheet.activate", self.name))
        self.book.sheets.active = self

    def _cell(self, r: int, c: int, create: bool = False) -> _Cell | None:
        if create and (r, c) not in self.cells:
            self.cells[(r, c)] = _Cell()
        return self.cells.get((r, c))

    def _check_write(self, r: int, c: int) -> None:
        if self.api.ProtectContents and c in self.locked_columns:
            raise RuntimeError("The cell or chart you're trying to change is on a protected "
                               "sheet.")

    def _put(self, r: int, c: int, v: Any) -> None:
        self._check_write(r, c)
        cell = self._cell(r, c, True)
        assert cell is not None
        cell.formula = None
        if isinstance(v, str):
            if cell.number_format == "@" and not v.startswith("'"):
                cell.value = v
            else:
                cell.value, cell.formula = excel_parse(v)
        elif isinstance(v, bool) or v is None or isinstance(v, dt.datetime):
            cell.value = v
        elif isinstance(v, dt.date):
            cell.value = dt.datetime(v.year, v.month, v.day)
        else:
            cell.value = float(v)

    @property
    def used_range(self) -> Range:
        used = [k for k, c in self.cells.items() if c.value is not None or c.formula]
        r = max((k[0] for k in used), default=1)
        c = max((k[1] for k in used), default=1)
        return Range(self, 1, 1, r, c)

    def range(self, a: tuple[int, int], b: tuple[int, int] | None = None) -> Range:
        b = b or a
        return Range(self, a[0], a[1], b[0], b[1])

    def clear(self) -> None:
        """Contents and formats, as Excel's ``Cells.Clear`` (merges and validation too)."""
        self.cells.clear()
        self.widths.clear()
        self.merges.clear()
        self.validations.clear()

    def delete(self) -> None:
        self.book.sheets._list.remove(self)


class FreezePanes:
    """``sheet.freeze_panes`` where the engine has it (xlwings Server/Lite)."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet

    def freeze_at(self, frozen_range: str) -> None:
        self.sheet.book.calls.append(("Sheet.freeze_panes.freeze_at", self.sheet.name,
                                      frozen_range))
        m = re.fullmatch(r"(\d+):(\d+)", frozen_range)
        if not m or m[1] != "1":
            raise ValueError(f"the stand-in freezes whole top rows only, not {frozen_range!r}")
        self.sheet.frozen = (int(m[2]), 0)

    def unfreeze(self) -> None:
        self.sheet.frozen = None


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book
        self._list: list[Sheet] = []
        self._active: Sheet | None = None

    @property
    def active(self) -> Sheet:
        return self._active if self._active in self._list else self._list[0]

    @active.setter
    def active(self, sheet: Sheet) -> None:
        self._active = sheet

    def __iter__(self) -> Any:
        return iter(list(self._list))

    def __len__(self) -> int:
        return len(self._list)

    def __getitem__(self, key: str | int) -> Sheet:
        if isinstance(key, int):
            return self._list[key]
        for s in self._list:
            if s.name.lower() == key.lower():
                return s
        raise KeyError(key)

    def add(self, name: str | None = None, before: Sheet | None = None,
            after: Sheet | None = None) -> Sheet:
        sheet = Sheet(self.book, name or f"Sheet{len(self._list) + 1}")
        if any(s.name.lower() == sheet.name.lower() for s in self._list):
            raise ValueError(f"Sheet named {sheet.name!r} already present in workbook")
        at = self._list.index(after) + 1 if after else (
            self._list.index(before) if before else 0)
        self._list.insert(at, sheet)
        return sheet


class _ComWindow:
    """Excel's Window object (Windows COM): freezing acts on the active sheet."""

    _NAMES = frozenset({"FreezePanes", "SplitRow", "SplitColumn", "ScrollRow", "ScrollColumn"})
    _book: Book
    _split: dict[str, int]

    def __init__(self, book: Book) -> None:
        object.__setattr__(self, "_book", book)
        object.__setattr__(self, "_split", {"SplitRow": 0, "SplitColumn": 0})

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._NAMES:
            raise AttributeError(name)
        self._book.calls.append((f"Window.{name}", value))
        sheet = self._book.sheets.active
        if name in self._split:
            self._split[name] = value
        elif name == "FreezePanes":
            sheet.frozen = (self._split["SplitRow"], self._split["SplitColumn"]) if value \
                else None


class _ComApplication:
    def __init__(self, app: App) -> None:
        self._app = app

    @property
    def ActiveWindow(self) -> _ComWindow:
        assert self._app.book is not None
        return _ComWindow(self._app.book)


class App:
    def __init__(self) -> None:
        self.alerts: list[dict[str, str | None]] = []
        self.screen_updating = True
        self.book: Book | None = None

    @property
    def api(self) -> Any:
        """Excel.Application: the COM object on Windows; the stand-in Mac has no such names."""
        if self.book is not None and self.book.platform == "win":
            return _ComApplication(self)
        return object()

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok",
              mode: str | None = None, callback: str | None = None) -> str:
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})
        return "ok"


class Book:
    def __init__(self, name: str = "工作簿1.xlsm", fullname: str | None = None) -> None:
        self.name = name
        self.fullname = fullname or name
        self.sheets = Sheets(self)
        self.app = App()
        self.app.book = self
        self.platform = "win"               # "win" | "mac"
        self.freeze_panes_supported = False
        self.calls: list[tuple[Any, ...]] = []

    @classmethod
    def from_rows(cls, tabs: dict[str, list[list[Any]]], name: str = "工作簿1.xlsm",
                  fullname: str | None = None) -> Book:
        """A workbook whose cells hold ``tabs`` as stored values (str stays text)."""
        book = cls(name, fullname)
        for tab, rows in tabs.items():
            sheet = book.sheets.add(tab, after=book.sheets[-1] if len(book.sheets) else None)
            for r, row in enumerate(rows, start=1):
                for c, v in enumerate(row, start=1):
                    if v not in (None, ""):
                        cell = sheet._cell(r, c, True)
                        assert cell is not None
                        cell.value = float(v) if isinstance(v, int) and not isinstance(
                            v, bool) else v
        return book

    @classmethod
    def caller(cls) -> Book:
        """The workbook in ``$XLWINGS_STANDIN_BOOK``; saved back there when Python exits."""
        path = os.environ.get("XLWINGS_STANDIN_BOOK")
        if not path:
            raise RuntimeError("Book.caller() must be called from Excel (RunPython)")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        book = cls.from_rows({s["name"]: s["rows"] for s in data["sheets"]}, data["name"],
                             data.get("fullname"))
        book.platform = data.get("platform", "win")
        for s in data["sheets"]:
            sheet = book.sheets[s["name"]]
            for cell in sheet.cells.values():  # what save_json wrote as objects
                if isinstance(cell.value, dict):
                    if "formula" in cell.value:
                        cell.formula, cell.value = cell.value["formula"], None
                    else:
                        cell.value = dt.datetime.fromisoformat(cell.value["datetime"])
            sheet.api.ProtectContents = bool(s.get("protected"))
            sheet.locked_columns = set(s.get("locked_columns", []))
        atexit.register(book.save_json, path)
        return book

    def save_json(self, path: str) -> None:
        def plain(c: _Cell) -> Any:
            if c.formula:
                return {"formula": c.formula}
            if isinstance(c.value, dt.datetime):
                return {"datetime": c.value.isoformat()}
            return c.value

        sheets = []
        for s in self.sheets:
            used = s.used_range
            rows = [[plain(s.cells[(r, c)]) if (r, c) in s.cells else None
                     for c in range(1, used.last_column + 1)]
                    for r in range(1, used.last_row + 1)]
            sheets.append({"name": s.name, "rows": rows, "protected": s.api.ProtectContents,
                           "locked_columns": sorted(s.locked_columns),
                           "validations": [[*box, list(rule["values"]), rule["AlertStyle"]]
                                           for box, rule in s.validations.items()],
                           "frozen": s.frozen})
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"name": self.name, "fullname": self.fullname, "platform": self.platform,
                       "sheets": sheets, "alerts": self.app.alerts}, f, ensure_ascii=False,
                      indent=1)
