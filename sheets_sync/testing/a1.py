"""A1 notation as the Sheets API reads and writes it.

``'My tab'!A1:B2``, ``Sheet1!A:C`` (whole columns), ``Sheet1!2:3`` (whole rows),
``Sheet1!A2:C`` (open end), a bare tab name (the whole grid), a bare ``A1:B2``
(the first tab) and reversed corners (``D4:A1``). Indexes here are 0-based and
end-exclusive, as in the API's ``GridRange``; ``None`` means unbounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..table import col_letter, col_number

MAX_COLUMNS = 18278  # ZZZ

_CELL = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}\d+$|^[Rr]\d*[Cc]\d*$")


def column_letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (0-based: the API's grid indexes)."""
    return col_letter(index + 1)


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    return col_number(letters) - 1


def quote_title(title: str) -> str:
    """A tab title as Google writes it in a range: quoted only when it must be."""
    if _PLAIN_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class Box:
    """A rectangle of a grid; ``None`` ends are open (to the grid's edge)."""

    row0: int
    row1: int | None
    col0: int
    col1: int | None

    def bounded(self, rows: int, cols: int) -> Box:
        """The same box with open ends closed at the grid's edge."""
        return Box(
            self.row0,
            rows if self.row1 is None else self.row1,
            self.col0,
            cols if self.col1 is None else self.col1,
        )

    def clipped(self, rows: int, cols: int) -> Box:
        """Bounded, then cut to the grid."""
        b = self.bounded(rows, cols)
        assert b.row1 is not None and b.col1 is not None
        return Box(b.row0, min(b.row1, rows), b.col0, min(b.col1, cols))

    @property
    def height(self) -> int:
        assert self.row1 is not None
        return self.row1 - self.row0

    @property
    def width(self) -> int:
        assert self.col1 is not None
        return self.col1 - self.col0


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'Tab'!A1:B2`` into ``("Tab", "A1:B2")``; either part may be missing."""
    text = text.strip()
    if text.startswith("'"):
        i = 1
        title = []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(ch)
            i += 1
        rest = text[i + 1 :]
        if rest.startswith("!"):
            return "".join(title), rest[1:] or None
        if rest == "":
            return "".join(title), None
        raise ValueError(text)
    if "!" in text:
        title_part, _, cells = text.rpartition("!")
        return title_part, cells or None
    return None, text or None


def parse_cells(text: str) -> Box:
    """Parse the cell part: ``A1``, ``A1:B2``, ``A:B``, ``2:3``, ``A2:C``, ``A1:1``."""
    parts = text.split(":")
    if len(parts) > 2:
        raise ValueError(text)
    ends = []
    for part in parts:
        m = _CELL.match(part.strip())
        if not m or not (m.group(1) or m.group(2)):
            raise ValueError(text)
        col = column_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            raise ValueError(text)
        ends.append((col, row))
    if len(ends) == 1:
        col, row = ends[0]
        if col is None or row is None:
            # a lone "A" or "3" is a whole column or row
            ends.append((col, row))
        else:
            return Box(row, row + 1, col, col + 1)
    (c0, r0), (c1, r1) = ends
    if c0 is not None and c1 is not None and c0 > c1:
        c0, c1 = c1, c0
    if r0 is not None and r1 is not None and r0 > r1:
        r0, r1 = r1, r0
    return Box(
        r0 if r0 is not None else 0,
        r1 + 1 if r1 is not None else None,
        c0 if c0 is not None else 0,
        c1 + 1 if c1 is not None else None,
    )


def looks_like_cells(text: str) -> bool:
    """True when ``text`` parses as a cell part (so is not a tab or range name)."""
    try:
        parse_cells(text)
    except ValueError:
        return False
    return True


def format_box(title: str, box: Box) -> str:
    """``Sheet1!A1:B2`` for a closed box; a single cell is written ``Sheet1!A1``."""
    assert box.row1 is not None and box.col1 is not None
    start = f"{column_letters(box.col0)}{box.row0 + 1}"
    end = f"{column_letters(box.col1 - 1)}{box.row1}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"


def format_open_box(title: str, box: Box) -> str:
    """A box that may have open ends, as Google names it in grid-limit errors."""
    start = f"{column_letters(box.col0)}{box.row0 + 1}"
    if box.row1 is not None and box.col1 is not None:
        return format_box(title, box)
    if box.col1 is None and box.row1 is not None:
        end = f"{box.row1}"
    elif box.row1 is None and box.col1 is not None:
        end = column_letters(box.col1 - 1)
    else:
        end = ""
    return f"{quote_title(title)}!{start}" + (f":{end}" if end else "")
