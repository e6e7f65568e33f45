"""Books: where tabs live (see :mod:`sheets_sync.books.base`).

:func:`open_book` picks the implementation for a path at the edge (CLI, macros, config).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BookError
from .base import Book, TabContent, WriteBatch

if TYPE_CHECKING:
    import requests

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".ods"})


def open_book(
    path: Path | str,
    *,
    backup_dir: Path | None = None,
    credentials: Path | str | None = None,
    session: requests.Session | None = None,
    endpoint: str | None = None,
) -> Book:
    """The Book for a file path (Excel, CSV) or a Google spreadsheet.

    A Google spreadsheet is named by its URL (``https://docs.google.com/spreadsheets/d/KEY/…``)
    or ``gsheet:KEY``; its credentials come from ``credentials`` (a service-account JSON or
    OAuth user token file) or ``$GOOGLE_APPLICATION_CREDENTIALS``. ``session`` (any
    ``requests.Session``-like object, as httpx takes a transport) carries its requests and
    ``endpoint`` is the base URL of the Sheets API they go to (default Google's; a local
    ``http://127.0.0.1:PORT`` needs no credentials). Both are ignored for files.
    """
    text = str(path).strip()
    if text.startswith("gsheet:") or "docs.google.com" in text:
        from .google import GoogleBook  # google-auth is imported only for Google books

        return GoogleBook(text, credentials=credentials, session=session, endpoint=endpoint)
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        from .excel import ExcelBook

        return ExcelBook(p, backup_dir=backup_dir)
    if suffix == ".csv":
        from .csvfile import CsvBook

        return CsvBook(p)
    raise BookError(
        f"不认识的文件类型“{p.suffix or p.name}”:请使用 .xlsx、.xlsm 或 .csv 文件,"
        "或 Google 表格链接(https://docs.google.com/spreadsheets/d/…)。"
    )


__all__ = ["Book", "TabContent", "WriteBatch", "open_book"]
