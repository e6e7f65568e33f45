"""Grids: what a tab holds, as text.

A :class:`Grid` is the tab exactly as the user sees it: a list of rows, each a list of
``str`` (``""`` for an empty cell). Row *i* of the list is sheet row *i + 1*; column *j*
is sheet column *j + 1*. Every book hands over grids and takes grids back; conversion of
text into typed values happens once, in :mod:`sheets_sync.forms.normalize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


@dataclass
class Grid:
    """The cells of one tab as text, trailing empty rows and columns trimmed."""

    rows: list[Row] = field(default_factory=list)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[object]]) -> Grid:
        out = [["" if v is None else str(v) for v in row] for row in rows]
        return cls(trim(out))

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cell(self, row: int, col: int) -> str:
        """Text at 1-based (row, col); ``""`` outside the used range."""
        if row < 1 or col < 1 or row > len(self.rows):
            return ""
        r = self.rows[row - 1]
        return r[col - 1] if col <= len(r) else ""

    def padded(self) -> list[Row]:
        """Rows padded to the same width (a copy)."""
        width = self.n_cols
        return [r + [""] * (width - len(r)) for r in self.rows]


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
