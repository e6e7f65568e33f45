"""``sheets-sync run``: the whole pipeline on a project, one step after another.

1. sync hub and spokes (:func:`.run.sync_project`);
2. validate the hub's form tabs and write the findings back
   (:func:`~sheets_sync.forms.findings.validate_book`);
3. find duplicates in the hub, applying the decisions staff made in 疑似重复
   (:func:`~sheets_sync.dedupe.dedupe_book`);
4. generate the hub's report tabs (:func:`~sheets_sync.reports.report_book`).

Later steps (duplicates, generated tabs) join here as they land; each step is the same code
its own command runs, never a second implementation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..books import Book, open_book
from ..books.cached import CachedBook
from ..dedupe import DedupeResult, dedupe_book
from ..errors import SheetsSyncError
from ..forms.findings import validate_book
from ..forms.validate import Report
from ..reports import ReportsResult, report_book
from .project import Project
from .run import RunResult, sync_project


@dataclass
class PipelineResult:
    sync: RunResult
    validation: Report | None = None
    duplicates: DedupeResult | None = None
    reports: ReportsResult | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sync.status in {"ok", "dry-run"} and (
            self.validation is None or self.validation.valid)

    def as_json(self) -> dict[str, Any]:
        return {"sync": self.sync.as_json(),
                "validate": self.validation.summary() if self.validation else None,
                "dedupe": ({"pairs": len(self.duplicates.pairs)}
                           if self.duplicates is not None else None),
                "report": self.reports.summary() if self.reports else None,
                "messages": self.messages}


def run_pipeline(project: Project, *, dry_run: bool = False,
                 progress: Callable[[str], None] | None = None) -> PipelineResult:
    """Sync, then validate, dedupe and report on the hub. A failing step is reported, not raised.

    ``progress`` is told each step as it starts (the CLI shows it on a terminal).
    """
    step = progress or (lambda _: None)
    step("同步总表和各分表……")
    try:  # the hub is read once; every later step sees it as the sync left it
        hub: Book = CachedBook(open_book(project.hub.location,
                                         backup_dir=project.state_path / "backups",
                                         credentials=project.credentials))
    except SheetsSyncError:
        hub_books = None  # the sync reports the unreachable hub itself
    else:
        hub_books = {project.hub.name: hub}
    result = PipelineResult(sync=sync_project(project, dry_run=dry_run, books=hub_books))
    if result.sync.status == "failed" or hub_books is None:
        return result
    step("校验总表……")
    try:
        result.validation, _ = validate_book(hub, templates=project.templates,
                                             program=project.program, dry_run=dry_run)
    except SheetsSyncError as e:
        result.messages.append(f"校验未完成:{e}")
        return result
    step("查找重复记录……")
    try:
        result.duplicates, _ = dedupe_book(hub, state_dir=project.state_path, dry_run=dry_run,
                                           templates=project.templates, program=project.program)
    except SheetsSyncError as e:
        result.messages.append(f"查重未完成:{e}")
    step("生成花名册和报表……")
    try:
        result.reports, _ = report_book(hub, templates=project.templates,
                                        program=project.program, dry_run=dry_run)
        result.messages.extend(f"报表:{p}" for p in result.reports.problems)
    except SheetsSyncError as e:
        result.messages.append(f"报表未完成:{e}")
    return result


def tick_line(result: PipelineResult) -> str:
    """One line per scheduled run, for ``watch`` and logs."""
    c = result.sync.counts
    line = (f"{time.strftime('%Y-%m-%d %H:%M:%S')} 第 {result.sync.run_id} 次:"
            f"{result.sync.status},修改 {c.get('updated', 0)},新增 {c.get('appended', 0)},"
            f"冲突 {c.get('conflicts', 0)}")
    if result.validation is not None:
        line += f";校验错误 {len(result.validation.errors)}"
    return line


def watch(run_once: Callable[[], PipelineResult], seconds: float, *, times: int | None = None,
          echo: Callable[[str], None] = print,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Call ``run_once`` now and every ``seconds`` (``times`` runs, or forever).

    A run that fails with a :class:`SheetsSyncError` is reported and retried at the next
    tick. Returns the number of runs made.
    """
    n = 0
    while times is None or n < times:
        started = time.monotonic()
        try:
            echo(tick_line(run_once()))
        except SheetsSyncError as e:
            echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} 本次未完成:{e}")
        n += 1
        if times is None or n < times:
            sleep(max(0.0, seconds - (time.monotonic() - started)))
    return n
