"""Generated tabs: rosters, per-grade counts, archive completeness, budget and settlement.

Each report is a pure function from parsed forms to a :class:`~sheets_sync.books.base.TabContent`;
:func:`plan_reports` generates and diffs them into one batch (the pipeline's report step).
"""

from .render import (
    REPORTS,
    Overwrite,
    ReportsResult,
    generate_reports,
    plan_reports,
    write_school_books,
)

__all__ = ["REPORTS", "Overwrite", "ReportsResult", "generate_reports", "plan_reports",
           "write_school_books"]
