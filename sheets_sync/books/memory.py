"""MemoryBook: a book held in memory, for tests and ``--dry-run``.

It behaves like a workbook: :meth:`MemoryBook.read` hands out copies (changing them
changes nothing), :meth:`MemoryBook.apply` applies a whole batch or nothing, and keeps
``history`` and ``applies`` so tests can check what a run wrote. The dropdowns of a
tool-owned tab are kept too (:meth:`MemoryBook.dropdowns`); like a real book, they do
not stop anyone writing other text.

    >>> book = MemoryBook({"学校": [["学校名称"], ["第一小学"]]})
    >>> batch = WriteBatch(); batch.set_cell("学校", 3, 1, "0042")
    >>> book.apply(batch); book.tab("学校")
    [['学校名称'], ['第一小学'], ['0042']]
"""

from __future__ import annotations

import copy
from pathlib import Path

from ..errors import TabNotFound
from ..table import Grid, put_cells, trim
from .base import Dropdown, TabContent, WriteBatch

__all__ = ["MemoryBook"]


class MemoryBook:
    """Tabs in memory; ``applies`` counts non-empty batches, ``history`` keeps them."""

    def __init__(
        self, tabs: dict[str, list[list[str]]] | None = None, name: str = "memory"
    ) -> None:
        self._name = name
        self._tabs: dict[str, list[list[str]]] = {
            tab: [list(row) for row in rows] for tab, rows in (tabs or {}).items()
        }
        self._dropdowns: dict[str, list[Dropdown]] = {}
        self.applies = 0
        self.history: list[WriteBatch] = []

    def __repr__(self) -> str:
        return f"MemoryBook({self._name!r}, tabs={list(self._tabs)!r})"

    @property
    def name(self) -> str:
        return self._name

    writable = True
    lock_file: Path | None = None
    """Set by a test to play a workbook open in Excel."""

    def locked_by(self) -> Path | None:
        return self.lock_file

    def read(self) -> dict[str, Grid]:
        """Every tab in order, as trimmed grids (deep copies)."""
        return {tab: Grid(trim([list(row) for row in rows])) for tab, rows in self._tabs.items()}

    def tabs(self) -> list[str]:
        """The tab names, in order."""
        return list(self._tabs)

    def grid(self, name: str) -> Grid:
        """One tab as a trimmed grid (a copy)."""
        if name not in self._tabs:
            raise TabNotFound(self._name, name)
        return Grid(trim([list(row) for row in self._tabs[name]]))

    def tab(self, name: str) -> list[list[str]]:
        """The rows of one tab as stored, untrimmed and live: edit them to play the user.

        The next :meth:`apply` stores new lists, so take the rows again after it.
        """
        if name not in self._tabs:
            raise TabNotFound(self._name, name)
        return self._tabs[name]

    def dropdowns(self, name: str) -> list[Dropdown]:
        """The dropdowns the last write of tool-owned tab ``name`` set (none for user tabs)."""
        if name not in self._tabs:
            raise TabNotFound(self._name, name)
        return list(self._dropdowns.get(name, []))

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` all or nothing; an empty batch changes and records nothing."""
        if not batch:
            return
        for tab, cells in batch.cells.items():
            if cells and tab not in self._tabs:
                raise TabNotFound(self._name, tab)
        tabs = {tab: [list(row) for row in rows] for tab, rows in self._tabs.items()}
        dropdowns = dict(self._dropdowns)
        for tab, cells in batch.cells.items():
            if cells:
                put_cells(tabs[tab], cells)
        for tab, content in batch.tabs.items():
            tabs[tab] = _render(content)
            dropdowns[tab] = content.dropdowns()
        for tab in batch.delete_tabs:
            tabs.pop(tab, None)
            dropdowns.pop(tab, None)
        self._tabs = tabs
        self._dropdowns = dropdowns
        self.applies += 1
        self.history.append(copy.deepcopy(batch))


def _render(content: TabContent) -> list[list[str]]:
    """A tool-owned tab's rows with its formulas in place, as Excel shows them (formula text)."""
    return put_cells([list(row) for row in content.rows],
                     {cell: f if f.startswith("=") else "=" + f
                      for cell, f in content.formulas.items()})
