"""Moved to :mod:`sheets_sync.books.xlsx.patch` (cells) and :mod:`.xlsx.graft` (tabs).

Every write into an existing workbook now goes through :meth:`ExcelBook.apply`, which edits
the package surgically; this module keeps the old names importable.
"""

from __future__ import annotations

from .xlsx.patch import patch_cells, patch_sheet

__all__ = ["patch_cells", "patch_sheet"]
