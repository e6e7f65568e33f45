"""Open a book of a project the way the project says: one place for backups, credentials
and the Google endpoint, so every step of a run opens its books alike."""

from __future__ import annotations

from ..books import Book, open_book
from .project import Project


def open_project_book(project: Project, location: str) -> Book:
    """The book at ``location`` (a path or Google address, as in :class:`~.project.BookSpec`).

    Workbooks back up into ``<state dir>/backups``; a Google spreadsheet uses the project's
    credentials and its ``[google] endpoint`` (none: Google's own; a local one needs no
    credentials).
    """
    return open_book(location, backup_dir=project.state_path / "backups",
                     credentials=project.credentials, endpoint=project.google_endpoint)
