"""The Book protocol: where tabs live.

Every medium (an Excel file, a Google spreadsheet, the workbook open in Excel, memory)
implements the same two operations:

* :meth:`Book.read` — every tab as a :class:`~sheets_sync.table.Grid` of text, in one
  round trip (one file read, one ``values:batchGet``);
* :meth:`Book.apply` — one :class:`WriteBatch` of changes, atomically (all or nothing).

A batch holds cell updates in user tabs and whole replacements of tool-owned tabs. Every
value written is text and stays text: nothing the tool writes becomes a formula, a number
or a date unless a generated tab asks for it explicitly (:class:`TabContent.formulas`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..table import Grid


@dataclass
class TabContent:
    """A whole tab the tool owns (problems, reports …), written from scratch.

    ``rows`` are text cells; ``header_rows`` rows at the top are styled as a header and
    frozen; ``widths`` are column widths in characters (optional); ``formulas`` maps
    (row, col) 1-based to a formula string (starting with ``=``) that the tab asks for on
    purpose, e.g. a ``=SUM`` check cell.
    """

    rows: list[list[str]]
    header_rows: int = 1
    widths: dict[int, float] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    note: str = ""


@dataclass
class WriteBatch:
    """All the changes to one book in one run, applied together."""

    cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    tabs: dict[str, TabContent] = field(default_factory=dict)
    delete_tabs: set[str] = field(default_factory=set)

    def set_cell(self, tab: str, row: int, col: int, value: str) -> None:
        """Set one cell (1-based) of an existing user tab to the text ``value``."""
        self.cells.setdefault(tab, {})[(row, col)] = value

    def replace_tab(self, tab: str, content: TabContent) -> None:
        """Create or wholly replace the tool-owned tab ``tab``."""
        self.tabs[tab] = content
        self.delete_tabs.discard(tab)

    def delete_tab(self, tab: str) -> None:
        self.delete_tabs.add(tab)
        self.tabs.pop(tab, None)

    def __bool__(self) -> bool:
        return bool(self.tabs or self.delete_tabs or any(self.cells.values()))

    def n_cells(self) -> int:
        return sum(len(c) for c in self.cells.values())


@runtime_checkable
class Book(Protocol):
    """A workbook or spreadsheet: read all tabs as text, apply one batch atomically."""

    @property
    def name(self) -> str:
        """A short name for messages (file name, spreadsheet title)."""
        ...

    def read(self) -> dict[str, Grid]:
        """Every tab, in the book's order, as text the way the user sees it."""
        ...

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` atomically; an empty batch writes nothing."""
        ...
