"""编号: record ids, prefix + zero-padded number, assigned on first sight, never reused.

The high-water mark per prefix lives in the state store; every id seen in any book raises
it too, so a lost state file still never hands out an id a book already holds.

    >>> alloc = IdAllocator("C", 41)
    >>> alloc.see("C0050"); alloc.next()
    'C0051'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ID_WIDTH = 4


def format_id(prefix: str, number: int, width: int = ID_WIDTH) -> str:
    """``("C", 7)`` -> ``"C0007"`` (wider when the number needs it)."""
    return f"{prefix}{number:0{width}d}"


def id_number(prefix: str, text: str) -> int | None:
    """The number of an id with this prefix (``"C0051"`` -> 51), else ``None``."""
    m = re.fullmatch(re.escape(prefix) + r"0*(\d+)", text.strip())
    return int(m.group(1)) if m else None


class IdAllocator:
    """Hands out ids above the highest number ever seen or assigned for one prefix."""

    def __init__(self, prefix: str, high: int = 0, width: int = ID_WIDTH) -> None:
        self.prefix = prefix
        self.high = high
        self.width = width
        self.assigned: list[str] = []
        self._pattern = re.compile(re.escape(prefix) + r"0*(\d+)")

    def see(self, text: str) -> None:
        """Raise the mark to an id found in a book (or in a base, a recycle tab …)."""
        m = self._pattern.fullmatch(text.strip())
        if m is not None and int(m.group(1)) > self.high:
            self.high = int(m.group(1))

    def see_all(self, texts: Iterable[str]) -> None:
        """:meth:`see` each of ``texts`` (each distinct text once)."""
        for text in set(texts):
            self.see(text)

    def next(self) -> str:
        self.high += 1
        rid = format_id(self.prefix, self.high, self.width)
        self.assigned.append(rid)
        return rid
