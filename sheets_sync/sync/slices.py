"""The slices: ``validate``, ``dedupe``, ``report``, ``pair``, ``schedule`` — the pipeline on
one book.

Each is :func:`~.pipeline.run_pipeline` with one step, on a project made for that book
(:func:`~.project.book_project`): inside a project folder it has the project's templates,
program, outputs and state; outside one, the defaults. So a slice gives exactly what the
same step of ``run`` gives, and its writes are journalled, audited and undoable the same
way.

The functions here take a :class:`~sheets_sync.books.base.Book` (scripts, tests); the CLI
goes through :func:`project_for` with the BOOK argument as typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..books.base import Book, WriteBatch, is_writable
from ..config import Program
from ..forms.template import FormTemplate
from .pipeline import PipelineResult, StepOptions, run_pipeline
from .project import Project, book_project

if TYPE_CHECKING:
    from ..dedupe import DedupeResult
    from ..forms.validate import Findings
    from ..pairing import PairingResult
    from ..pairing.solve import Weights
    from ..reports import ReportsResult
    from ..schedule import ScheduleResult


def project_for(book: str | None, *, config: Path | None = None,
                templates: dict[str, FormTemplate] | None = None) -> Project:
    """The project a slice runs on: the one in ``config`` (or ./sheets-sync.toml), or none.

    BOOK omitted: the project's hub. A broken config is the same one-line error as for
    ``run``; outside a project BOOK is required.
    """
    from ..config import CONFIG_NAME
    from ..errors import ConfigError
    from .project import load_project

    path = config or (Path.cwd() / CONFIG_NAME)
    base = load_project(path) if config is not None or path.exists() else None
    if book is None:
        if base is None:
            raise ConfigError("请指定工作簿(文件路径或 Google 表格链接),或在有 sheets-sync.toml 的"
                              "项目文件夹中运行(那样默认使用总表)。")
        return book_project(base.hub.location, base=base, templates=templates)
    return book_project(book, base=base, templates=templates)


def _one(book: Book, *, templates: dict[str, FormTemplate] | None,
         program: Program | None, state_dir: Path | None) -> Project:
    """A project for ``book`` as it is named; without ``state_dir`` its state is in memory."""
    from ..forms.template import default_templates
    from .project import BookSpec

    folder = Path(state_dir) if state_dir is not None else Path.cwd() / ".sheets-sync"
    return Project(root=folder.parent, hub=BookSpec(book.name, book.name), spokes=[], forms=(),
                   program=program or Program(),
                   templates=templates if templates is not None else default_templates(),
                   state_dir=folder, memory_state=state_dir is None)


def _run(book: Book, step: str, project: Project, *, dry_run: bool,
         options: StepOptions) -> PipelineResult:
    res = run_pipeline(project, steps=(step,), dry_run=dry_run,
                       books={project.hub.name: book}, options=options)
    res.raise_failed()
    return res


def validate_book(book: Book, *, templates: dict[str, FormTemplate] | None = None,
                  program: Program | None = None, fix: bool = False, dry_run: bool = False,
                  write: bool = True, state_dir: Path | None = None
                  ) -> tuple[Findings, WriteBatch]:
    """Validate every form tab of ``book`` and write the findings back (unless
    ``dry_run``/``write=False``; a CSV file gets none). Returns the findings and the batch."""
    project = _one(book, templates=templates, program=program, state_dir=state_dir)
    res = _run(book, "validate", project, dry_run=dry_run or not write,
               options=StepOptions(fix=fix))
    assert res.validation is not None
    return res.validation, res.batches.get("validate", WriteBatch())


def dedupe_book(book: Book, *, state_dir: Path | None = None, dry_run: bool = False,
                tab: str | None = None, templates: dict[str, FormTemplate] | None = None,
                program: Program | None = None) -> tuple[DedupeResult, WriteBatch]:
    """Find duplicates in ``book``, apply staff decisions (kept in ``state_dir``'s state)."""
    project = _one(book, templates=templates, program=program, state_dir=state_dir)
    res = _run(book, "dedupe", project, dry_run=dry_run, options=StepOptions(dedupe_tab=tab))
    if res.duplicates is None:
        from ..errors import SheetsSyncError

        raise SheetsSyncError(";".join(res.messages) or "查重未完成。")
    return res.duplicates, res.batches.get("dedupe", WriteBatch())


def report_book(book: Book, *, templates: dict[str, FormTemplate] | None = None,
                program: Program | None = None, only: str | Iterable[str] | None = None,
                reveal: Mapping[str, Collection[str]] | None = None, dry_run: bool = False,
                per_school_dir: Path | str | None = None, now: dt.datetime | None = None,
                previous: Mapping[str, list[list[str]]] | None = None,
                state_dir: Path | None = None) -> tuple[ReportsResult, WriteBatch]:
    """Generate the report tabs of ``book`` and write those that changed, in one batch."""
    project = _one(book, templates=templates, program=program, state_dir=state_dir)
    opts = StepOptions(only=only if only is None or isinstance(only, str) else list(only),
                       reveal=reveal, now=now, previous=previous,
                       per_school_dir=Path(per_school_dir) if per_school_dir else None)
    res = _run(book, "report", project, dry_run=dry_run, options=opts)
    if res.reports is None:
        from ..errors import SheetsSyncError

        raise SheetsSyncError(";".join(res.messages) or "报表未完成。")
    if not is_writable(book):
        res.reports.problems.append(f"{book.name} 不能保存生成的表格(例如 CSV 文件),本次只生成、"
                                    "未写入:请对 Excel 工作簿或 Google 表格运行。")
        return res.reports, WriteBatch()
    return res.reports, res.batches.get("report", WriteBatch())


def pair_book(book: Book, *, dry_run: bool = False, today: dt.date | None = None,
              templates: dict[str, FormTemplate] | None = None, program: Program | None = None,
              weights: Weights | None = None, state_dir: Path | None = None
              ) -> tuple[PairingResult, WriteBatch]:
    """Propose pairs in ``book`` and (unless ``dry_run``) write them back in one batch."""
    project = _one(book, templates=templates, program=program, state_dir=state_dir)
    res = _run(book, "pair", project, dry_run=dry_run,
               options=StepOptions(today=today, weights=weights))
    if res.pairing is None:
        from ..errors import SheetsSyncError

        raise SheetsSyncError(";".join(res.messages) or "结对未完成。")
    return res.pairing, res.batches.get("pair", WriteBatch())


def schedule_book(book: Book, *, dry_run: bool = False,
                  templates: dict[str, FormTemplate] | None = None,
                  program: Program | None = None, state_dir: Path | None = None
                  ) -> tuple[ScheduleResult, WriteBatch]:
    """Propose teams and the rotation in ``book`` (排班建议), record the accepted ones, and
    (unless ``dry_run``) write it all back in one batch."""
    project = _one(book, templates=templates, program=program, state_dir=state_dir)
    res = _run(book, "schedule", project, dry_run=dry_run, options=StepOptions())
    if res.schedule is None:
        from ..errors import SheetsSyncError

        raise SheetsSyncError(";".join(res.messages) or "排班未完成。")
    return res.schedule, res.batches.get("schedule", WriteBatch())


__all__ = ["dedupe_book", "pair_book", "project_for", "report_book", "schedule_book",
           "validate_book"]
