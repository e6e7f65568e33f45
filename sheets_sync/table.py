"""Grids: what a tab holds, as text.

A :class:`Grid` is the tab exactly as the user sees it: a list of rows, each a list of
``str`` (``""`` for an empty cell). Row *i* of the list is sheet row *i + 1*; column *j*
is sheet column *j + 1*. Every book hands over grids and takes grids back; conversion of
text into typed values happens once, in :mod:`sheets_sync.forms.normalize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

Row = list[str]


def col_letter(col: int) -> str:
    """1-based column number -> ``A``, ``Z``, ``AA`` …"""
    if col < 1:
        raise ValueError(f"column numbers start at 1, got {col}")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_number(letters: str) -> int:
    """``A`` -> 1, ``AA`` -> 27."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column name: {letters!r}")
        n = n * 26 + ord(ch) - 64
    return n


def a1(row: int, col: int) -> str:
    """Sheet row and column (1-based) -> ``"H14"``."""
    return f"{col_letter(col)}{row}"


class Grid:
    """The cells of one tab as text, trailing empty rows and columns trimmed.

    A grid is built from rows (``Grid(rows)``) or, by readers that get columns for free
    (CSV through pyarrow), from equal-length columns (:meth:`from_columns`); either form is
    made lazily from the other. :meth:`column_arrays` gives ``object`` arrays that
    column-wise work (validation) slices without a Python loop per cell.
    """

    __slots__ = ("_array", "_cols", "_rows")

    def __init__(self, rows: list[Row] | None = None) -> None:
        self._rows: list[Row] | None = rows if rows is not None else []
        self._array: np.ndarray | None = None
        self._cols: list[np.ndarray] | None = None

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[object]]) -> Grid:
        out = [["" if v is None else str(v) for v in row] for row in rows]
        return cls(trim(out))

    @classmethod
    def from_columns(cls, columns: Sequence[np.ndarray]) -> Grid:
        """A grid from equal-length ``object`` arrays of ``str`` (trailing blanks trimmed)."""
        filled = [c != "" for c in columns]
        while filled and not filled[-1].any():
            filled.pop()
        g = cls(None)
        if not filled:
            return g
        any_filled = np.logical_or.reduce(filled)
        last = int(np.nonzero(any_filled)[0][-1]) + 1 if any_filled.any() else 0
        g._cols = [np.asarray(c[:last], dtype=object) for c in columns[:len(filled)]]
        g._rows = None  # made from the columns on first use
        return g

    @property
    def rows(self) -> list[Row]:
        if self._rows is None:
            self._rows = trim(self.array().tolist())
        return self._rows

    def array(self) -> np.ndarray:
        """The grid as a padded 2-D ``object`` array of ``str`` (``""`` for empty cells)."""
        if self._array is None:
            if self._cols is not None:
                arr = np.empty((len(self._cols[0]), len(self._cols)), dtype=object)
                for j, c in enumerate(self._cols):
                    arr[:, j] = c
            else:
                width = self.n_cols
                padded = [r + [""] * (width - len(r)) for r in self.rows]
                arr = np.empty((len(padded), width), dtype=object)
                if padded and width:
                    arr[:] = padded
            self._array = arr
        return self._array

    def column_arrays(self, first_row: int = 1) -> list[np.ndarray]:
        """Each column from sheet row ``first_row`` down, as an ``object`` array of ``str``."""
        if self._cols is not None:
            return [c[first_row - 1:] for c in self._cols]
        arr = self.array()[first_row - 1:]
        return [arr[:, j] for j in range(arr.shape[1])]

    @property
    def n_rows(self) -> int:
        if self._rows is None and self._cols is not None:
            return len(self._cols[0])
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        if self._rows is None and self._cols is not None:
            return len(self._cols)
        return max((len(r) for r in self.rows), default=0)

    def cell(self, row: int, col: int) -> str:
        """Text at 1-based (row, col); ``""`` outside the used range."""
        if row < 1 or col < 1 or row > self.n_rows:
            return ""
        if self._rows is None and self._cols is not None:
            return str(self._cols[col - 1][row - 1]) if col <= len(self._cols) else ""
        r = self.rows[row - 1]
        return r[col - 1] if col <= len(r) else ""

    def head(self, n: int) -> list[Row]:
        """The first ``n`` rows (cheap on a column-built grid: the rest stay unmade)."""
        if self._rows is None and self._cols is not None:
            return trim([list(r) for r in zip(*(c[:n] for c in self._cols), strict=True)])
        return self.rows[:n]

    def padded(self) -> list[Row]:
        """Rows padded to the same width (a copy)."""
        width = self.n_cols
        return [r + [""] * (width - len(r)) for r in self.rows]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return self.rows == other.rows

    def __repr__(self) -> str:
        return f"Grid({self.n_rows} rows × {self.n_cols} columns)"


def put_cells(rows: list[Row], cells: Mapping[tuple[int, int], str]) -> list[Row]:
    """``rows`` (changed in place, and returned) with ``cells`` — (row, col) 1-based → text —
    set, growing the rows and the row list as needed."""
    for (r, c), text in cells.items():
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        if len(row) < c:
            row.extend([""] * (c - len(row)))
        row[c - 1] = text
    return rows


def trim(rows: list[Row]) -> list[Row]:
    """Drop trailing empty cells of each row and trailing empty rows (as Google does)."""
    out: list[Row] = []
    for r in rows:
        end = len(r)
        while end and r[end - 1] == "":
            end -= 1
        out.append(r[:end] if end != len(r) else r)
    while out and not out[-1]:
        out.pop()
    return out
