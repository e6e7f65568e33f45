"""Open a book of a project the way the project says: one place for backups, credentials,
the Google endpoint and encryption, so every step of a run opens its books alike."""

from __future__ import annotations

from ..books import Book, open_book
from .project import Project


def open_project_book(project: Project, location: str) -> Book:
    """The book at ``location`` (a path or Google address, as in :class:`~.project.BookSpec`).

    Workbooks back up into ``<state dir>/backups``; a Google spreadsheet uses the project's
    credentials and its ``[google] endpoint`` (none: Google's own; a local one needs no
    credentials). A spoke with ``encrypt`` is written with an open-password
    (:mod:`sheets_sync.books.crypt`); any workbook found encrypted is read with the password
    from the environment or keyring.
    """
    backups = project.state_path / "backups"
    spec = next((b for b in project.books if b.location == location), None)
    if spec is not None and spec.encrypt:
        from ..books.excel import ExcelBook

        return ExcelBook(location, backup_dir=backups, encrypt=True,
                         password_name=spec.password_name)
    return open_book(location, backup_dir=backups,
                     credentials=project.credentials, endpoint=project.google_endpoint)
