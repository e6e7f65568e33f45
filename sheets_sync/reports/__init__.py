"""Generated tabs: rosters, per-grade counts, archive completeness, budget and settlement.

Each report is a pure function from parsed forms to a :class:`~sheets_sync.books.base.TabContent`;
:func:`report_book` reads a book, generates, diffs and writes one batch.
"""

from .render import (
    REPORTS,
    Overwrite,
    ReportsResult,
    generate_reports,
    report_book,
    write_school_books,
)

__all__ = ["REPORTS", "Overwrite", "ReportsResult", "generate_reports", "report_book",
           "write_school_books"]
