"""CachedBook: a book read once per run.

The pipeline's steps (sync, validate, dedupe, reports) each read the hub. Wrapped in a
CachedBook, the first read goes to the real book (one ``values:batchGet`` for Google) and
later reads come from an in-memory mirror that every :meth:`CachedBook.apply` keeps
current (the batch goes to the real book first, then to the mirror), so a run costs one
read per book whatever the number of steps.

The mirror holds what the tool wrote: a formula cell a report asked for reads back as its
formula text (the real book would show the result), which the report diff skips anyway.
"""

from __future__ import annotations

from pathlib import Path

from ..table import Grid
from .base import Book, WriteBatch, is_writable, lock_of
from .memory import MemoryBook


class CachedBook:
    """``book`` read at most once; writes go through to it and into the mirror."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._mirror: MemoryBook | None = None
        self.reads = 0

    @property
    def name(self) -> str:
        return self.book.name

    @property
    def writable(self) -> bool:
        return is_writable(self.book)

    def locked_by(self) -> Path | None:
        return lock_of(self.book)

    def read(self) -> dict[str, Grid]:
        if self._mirror is None:
            grids = self.book.read()
            self.reads += 1
            self._mirror = MemoryBook({tab: g.rows for tab, g in grids.items()},
                                      name=self.book.name)
        return self._mirror.read()

    def apply(self, batch: WriteBatch) -> None:
        if not batch:
            return
        self.book.apply(batch)
        if self._mirror is not None:
            self._mirror.apply(batch)

    def __repr__(self) -> str:
        return f"CachedBook({self.book!r})"
