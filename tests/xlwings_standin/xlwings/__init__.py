"""A stand-in for the part of xlwings that LiveBook and the macros use (tests only).

It plays an open Excel workbook the way xlwings shows one: cells hold floats, bools,
datetimes or strings; a string assigned to a cell is parsed as Excel parses typed input
(``0042`` -> 42.0, ``=1+1`` -> a formula, ``TRUE`` -> True, ``2015-03-08`` -> a date)
unless it starts with the text prefix ``'`` or the cell's format is ``@``; a locked cell
of a protected sheet refuses writes. ``.value`` reads floats (never ints) and None for
empty cells, as xlwings does.

Put this folder first on ``PYTHONPATH`` and set ``XLWINGS_STANDIN_BOOK`` to a JSON file to
play the caller of ``RunPython``: :meth:`Book.caller` loads the workbook from it and the
process saves it back at exit, with the message boxes shown (``alerts``).
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


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.widths: dict[int, float] = {}
        self.visible = True
        self.api = _Api()
        self.locked_columns: set[int] = set()

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
        self.cells.clear()
        self.widths.clear()

    def delete(self) -> None:
        self.book.sheets._list.remove(self)


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book
        self._list: list[Sheet] = []

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


class App:
    def __init__(self) -> None:
        self.alerts: list[dict[str, str | None]] = []
        self.screen_updating = True

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
        for s in data["sheets"]:
            sheet = book.sheets[s["name"]]
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
                           "locked_columns": sorted(s.locked_columns)})
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"name": self.name, "fullname": self.fullname, "sheets": sheets,
                       "alerts": self.app.alerts}, f, ensure_ascii=False, indent=1)
