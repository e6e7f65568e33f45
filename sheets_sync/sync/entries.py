"""The books of a run, before any form is parsed: what is read, and how a book went.

Light on purpose (no pandas): the pipeline reads every book and decides whether there is
anything to do before the heavy steps are imported.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..books.base import Book, lock_of
from ..errors import BookError, SheetsSyncError
from ..table import Grid
from .opener import open_project_book
from .project import Project

if TYPE_CHECKING:
    from .records import FormTab

CRASH_ENV = "SHEETS_SYNC_CRASH_AT"


@dataclass
class BookResult:
    name: str
    role: str                       # "hub" | "spoke"
    status: str = "unchanged"       # unchanged | written | planned | skipped | failed
    message: str = ""
    cells: int = 0
    tabs: int = 0                   # tabs created, replaced or deleted

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "status": self.status,
                "message": self.message, "cells": self.cells, "tabs": self.tabs}


@dataclass
class RunResult:
    """What a run did: counts, conflicts, per-book status, and the plan as text."""

    run_id: int
    status: str                                  # ok | partial | failed | dry-run
    counts: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    books: list[BookResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)   # held back to keep data safe

    @property
    def ok(self) -> bool:
        """Everything synced (a dry run: everything would)."""
        return self.status in {"ok", "dry-run"} and not self.blocked

    @property
    def plan_text(self) -> str:
        return "\n".join(self.plan) if self.plan else "没有需要写入的修改。"

    def as_json(self) -> dict[str, Any]:
        return {"run": self.run_id, "status": self.status, "counts": self.counts,
                "conflicts": self.conflicts, "books": [b.as_json() for b in self.books],
                "messages": self.messages, "plan": self.plan, "blocked": self.blocked}


@dataclass
class _Book:
    name: str
    role: str
    forms: tuple[str, ...]
    partition: dict[str, str]
    book: Book | None = None
    grids: dict[str, Grid] = field(default_factory=dict)
    tabs: dict[str, FormTab] = field(default_factory=dict)  # parsed by the sync step
    needs_id: dict[str, set[str]] = field(default_factory=dict)
    result: BookResult = field(default_factory=lambda: BookResult("", ""))
    active: bool = True


def _open(project: Project, spec_name: str, location: str,
          books: Mapping[str, Book] | None) -> Book:
    if books is not None and spec_name in books:
        return books[spec_name]
    if books is not None and location in books:
        return books[location]
    return open_project_book(project, location)


def _crash_point(step: str) -> None:
    """Die here, without cleanup, when the crash-safety tests ask for this step."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def book_entries(project: Project) -> list[_Book]:
    """The hub and every spoke of ``project``, not yet opened."""
    entries = [_Book(project.hub.name, "hub", project.forms, {})]
    entries += [_Book(s.book.name, "spoke", s.forms, s.partition) for s in project.spokes]
    for b in entries:
        b.result = BookResult(b.name, b.role)
    return entries


def read_books(project: Project, entries: list[_Book], books: Mapping[str, Book] | None, *,
               read: bool = True) -> None:
    """Open and read every entry not read yet; a spoke that cannot be read is skipped.

    With ``read=False`` the books are opened and checked for locks only (a spoke that
    cannot be read is then found when it is read).

    A spoke open in Excel, missing or unreadable is marked inactive with a message (caught
    up next run); the hub's failure is raised.
    """
    specs = {project.hub.name: project.hub.location,
             **{s.book.name: s.book.location for s in project.spokes}}
    for b in entries:
        if not b.active or (b.book is not None and (b.grids or not read)):
            continue
        try:
            if b.book is None:
                b.book = _open(project, b.name, specs[b.name], books)
                lock_file = lock_of(b.book)
                if lock_file is not None:
                    raise BookError(f"工作簿 {b.name} 正在被 Excel 或 LibreOffice 打开"
                                    f"(锁文件:{lock_file}),本次跳过它,下次运行时补上。")
            if read:
                b.grids = b.book.read()
        except SheetsSyncError as err:
            if b.role == "hub":
                raise
            b.book = None
            b.active = False
            b.result.status = "skipped"
            b.result.message = f"已跳过 {b.name}:{err}"
