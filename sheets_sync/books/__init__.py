"""Books: where tabs live (see :mod:`sheets_sync.books.base`).

:func:`open_book` picks the implementation for a path at the edge (CLI, macros, config).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BookError
from .base import Book, TabContent, WriteBatch

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def open_book(path: Path | str, *, backup_dir: Path | None = None) -> Book:
    """The Book for a file path: Excel workbooks and CSV files."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        from .excel import ExcelBook

        return ExcelBook(p, backup_dir=backup_dir)
    if suffix == ".csv":
        from .csvfile import CsvBook

        return CsvBook(p)
    raise BookError(f"不认识的文件类型“{p.suffix or p.name}”:请使用 .xlsx、.xlsm 或 .csv 文件。")


__all__ = ["Book", "TabContent", "WriteBatch", "open_book"]
