"""Intake: survey exports (问卷星, 腾讯问卷, 金数据, Google Forms, KoboToolbox, ODK) in, and
form templates out as XLSForms.

* :func:`import_export` — ``sheets-sync import``: the pipeline's ``import`` step (the
  export's answers upserted into the hub's form tab, :mod:`.step`), then ``validate`` (and,
  for a ``survey: true`` form, its 问卷统计 tab), in one commit; a mapping staff confirmed in
  导入映射 is then saved in ``sheets-sync.toml`` (:mod:`.mapping`); an export whose answers
  are all imported and unchanged neither reads nor writes the hub
  (:func:`~.step.unchanged_import`);
* :func:`~.xlsform.write_xlsform` — ``sheets-sync templates export FORM --xlsform OUT``.

How a tool's export is recognised is in :mod:`.shapes`; how its columns become fields in
:mod:`.columns`; how its cells become text in :mod:`.reader`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .step import ImportRequest, ImportResult, NothingToImport

if TYPE_CHECKING:
    from ..books.base import Book
    from ..sync.pipeline import PipelineResult
    from ..sync.project import Project


def import_export(project: Project, export: Path | str, form: str, *, name: str | None = None,
                  dry_run: bool = False, books: Mapping[str, Book] | None = None,
                  progress: Callable[[str], None] | None = None) -> PipelineResult:
    """Import ``export``'s answers into ``project``'s hub as records of ``form``.

    One run of the pipeline (``import`` + ``validate``, + ``report`` of 问卷统计 for a survey
    form): journalled, audited, undone by ``sheets-sync restore``. After it committed, the
    columns staff mapped in 导入映射 are saved under ``[imports.<name>]`` of the project's
    ``sheets-sync.toml`` (not with ``dry_run``; a project without one keeps them in the tab).
    """
    from ..sync.pipeline import StepOptions, run_pipeline
    from .mapping import save_mapping
    from .step import _form

    template = _form(project.templates, form)
    steps: tuple[str, ...] = ("import", "validate")
    if template.survey:
        steps += ("report",)
    opts = StepOptions(intake=ImportRequest(Path(export), template.key, name),
                       only="survey" if template.survey else None)
    result = run_pipeline(project, steps=steps, dry_run=dry_run, books=books, progress=progress,
                          options=opts)
    res = result.intake
    if (res is not None and res.to_save and not dry_run and project.config_file is not None
            and "import" not in result.failed_steps and result.sync.status != "failed"):
        save_mapping(project.config_file, res.name, template.key, res.source, res.to_save)
    return result


__all__ = ["ImportRequest", "ImportResult", "NothingToImport", "import_export"]
