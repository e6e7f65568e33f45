"""The Book protocol: where tabs live.

Every medium (an Excel file, a Google spreadsheet, the workbook open in Excel, memory)
implements the same two operations and says two things about itself (``writable``, and
``locked_by()`` — the lock file of a program that has it open):

* :meth:`Book.read` — every tab as a :class:`~sheets_sync.table.Grid` of text, in one
  round trip (one file read, one ``values:batchGet``);
* :meth:`Book.apply` — one :class:`WriteBatch` of changes, atomically (all or nothing).

A batch holds cell updates in user tabs and whole replacements of tool-owned tabs. Every
value written is text and stays text: nothing the tool writes becomes a formula, a number
or a date unless a generated tab asks for it explicitly (:class:`TabContent.formulas`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..table import Grid, put_cells

Cell = tuple[int, int]
"""(row, col), both 1-based."""

CHOICE_SPARE_ROWS = 500
"""Rows below the last data row that a dropdown still covers, for rows staff add."""


@dataclass(frozen=True)
class Dropdown:
    """A list of allowed values on rows ``first_row``..``last_row`` of column ``col``."""

    col: int
    first_row: int
    last_row: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    """A native chart drawn from cells of its own tab (clustered columns).

    ``categories`` and each of ``series`` are ``(col, first_row, last_row)``; a series'
    name is the cell just above its first row. ``anchor`` is the top-left cell (``"H2"``).
    """

    title: str
    categories: tuple[int, int, int]
    series: tuple[tuple[int, int, int], ...]
    anchor: str
    y_title: str = ""
    x_title: str = ""


@dataclass(frozen=True)
class PrintSetup:
    """How a tab prints: paper, orientation, fit to page width, rows repeated per page, and
    whether the cell grid prints (``gridlines``)."""

    paper: str = "A4"
    landscape: bool = False
    fit_width: bool = True
    repeat_rows: tuple[int, int] | None = None   # (first, last) sheet rows
    repeat_cols: tuple[int, int] | None = None   # (first, last) columns, on every page across
    area: tuple[int, int, int, int] | None = None  # (row1, col1, row2, col2); None: used range
    gridlines: bool = False   # print the cell grid (a sign-in sheet ticked by hand on paper)


@dataclass
class TabContent:
    """A whole tab the tool owns (problems, reports …), written from scratch.

    ``rows`` are text cells; ``header_rows`` rows at the top are styled as a header and
    frozen; ``widths`` are column widths in characters (optional); ``formulas`` maps
    (row, col) 1-based to a formula string (starting with ``=``) that the tab asks for on
    purpose, e.g. a ``=SUM`` check cell.

    Optional layout, for the generated reports (every book shows the text in ``rows``;
    a book that can also shows the rest):

    * ``numbers``: cells written as numbers, not text, with a number format
      (``"#,##0.00"``, ``"0"``, ``"0.0%"``); their text in ``rows`` is a plain decimal;
    * ``section_rows``: further rows styled like the header (a section's column heads);
    * ``bold_rows``: rows in bold (totals); ``merges``: ``(row1, col1, row2, col2)``;
    * ``print_setup``, ``charts``; ``protected``: edits warn (Google: warning-only
      protection; Excel: sheet protection without a password);
    * ``choices``: column → allowed values, a dropdown on the data rows (see
      :meth:`dropdowns`). Other values are warned about, not refused: staff may have
      written something else before, and what they wrote is kept. On a protected tab
      the dropdown cells stay editable without a warning;
    * ``wrap``: columns whose long text wraps inside its cell (the row grows) instead of
      running under the next column.
    """

    rows: list[list[str]]
    header_rows: int = 1
    widths: dict[int, float] = field(default_factory=dict)
    formulas: dict[Cell, str] = field(default_factory=dict)
    note: str = ""
    numbers: dict[Cell, str] = field(default_factory=dict)
    section_rows: set[int] = field(default_factory=set)
    bold_rows: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    print_setup: PrintSetup | None = None
    charts: list[Chart] = field(default_factory=list)
    protected: bool = False
    choices: dict[int, list[str]] = field(default_factory=dict)
    wrap: set[int] = field(default_factory=set)

    def dropdowns(self) -> list[Dropdown]:
        """The dropdowns of ``choices``, by column, over the data rows.

        The data rows start below ``header_rows`` and end above the first section row
        after them (a section starts another table), or, without one,
        :data:`CHOICE_SPARE_ROWS` rows below the last row. Empty lists give none.
        """
        first = self.header_rows + 1
        below = sorted(r for r in self.section_rows if r >= first)
        last = below[0] - 1 if below else max(len(self.rows), first) + CHOICE_SPARE_ROWS
        if last < first:
            return []
        return [Dropdown(col, first, last, tuple(values))
                for col, values in sorted(self.choices.items()) if values]


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

    def touched(self) -> set[str]:
        """The tabs this batch changes, creates or deletes."""
        return {t for t, c in self.cells.items() if c} | set(self.tabs) | self.delete_tabs

    def then(self, later: WriteBatch) -> None:
        """Fold ``later`` (planned against this batch's result) into this batch.

        The pipeline plans each step against the book as the earlier steps leave it and
        writes the book once: applying the folded batch equals applying this batch, then
        ``later``. A later tab replacement or deletion wins over earlier cells of that tab;
        later cells in a tab this batch replaces are written into its content.
        """
        for tab in later.delete_tabs:
            self.cells.pop(tab, None)
            self.delete_tab(tab)
        for tab, content in later.tabs.items():
            self.cells.pop(tab, None)
            self.replace_tab(tab, content)
        for tab, cells in later.cells.items():
            if not cells:
                continue
            if tab in self.tabs:
                self.tabs[tab] = _with_cells(self.tabs[tab], cells)
            else:
                self.cells.setdefault(tab, {}).update(cells)


def _with_cells(content: TabContent, cells: dict[Cell, str]) -> TabContent:
    """``content`` with ``cells`` (1-based) set to text (a formula or number there is dropped)."""
    rows = put_cells([list(r) for r in content.rows], cells)
    formulas = {k: v for k, v in content.formulas.items() if k not in cells}
    numbers = {k: v for k, v in content.numbers.items() if k not in cells}
    return replace(content, rows=rows, formulas=formulas, numbers=numbers)


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

    @property
    def writable(self) -> bool:
        """Whether the book takes writes at all (a CSV export or an .xls file does not)."""
        ...

    def locked_by(self) -> Path | None:
        """The lock file of a program that has the book open (Excel, WPS, LibreOffice)."""
        ...

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` atomically; an empty batch writes nothing."""
        ...


def is_writable(book: object) -> bool:
    """``book.writable`` (books that do not say are writable)."""
    return bool(getattr(book, "writable", True))


def unreadable_of(book: object) -> dict[str, set[Cell]]:
    """Tab -> cells whose value the book could not give (formulas saved without a result)."""
    cells = getattr(book, "unreadable_cells", None)
    return cells() if callable(cells) else {}


def lock_of(book: object) -> Path | None:
    """The lock file that says ``book`` is open elsewhere, or ``None``."""
    locked = getattr(book, "locked_by", None)
    return locked() if callable(locked) else None
