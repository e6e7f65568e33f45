"""``sheets-sync demo``: build the synthetic program, then run every step that exists on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..books.excel import ExcelBook
from ..config import Program
from ..forms.findings import validate_book
from ..forms.template import FormTemplate, default_templates
from ..forms.validate import Report
from .build import DemoResult, build_demo


@dataclass
class DemoRun:
    directory: Path
    result: DemoResult
    reports: list[Report] = field(default_factory=list)
    planted_total: int = 0
    planted_found: int = 0
    missed: list[Any] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.result.counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "counts": self.counts,
            "books": [r.summary() for r in self.reports],
            "planted": {"total": self.planted_total, "found": self.planted_found,
                        "missed": [vars(p) for p in self.missed]},
        }


def run_demo(directory: Path, *, seed: int = 2026,
             templates: dict[str, FormTemplate] | None = None,
             program: Program | None = None) -> DemoRun:
    """Write the demo books into ``directory`` and validate each (findings written back)."""
    program = program or Program()
    templates = templates if templates is not None else default_templates()
    result = build_demo(directory, seed=seed, program=program)
    run = DemoRun(directory=directory, result=result)
    found: set[tuple[str, str, int, str]] = set()
    for path in [result.hub, *result.counties]:
        report, _ = validate_book(ExcelBook(path), templates=templates, program=program)
        run.reports.append(report)
        found.update((path.name, p.tab, p.row, p.code) for p in report.problems)
    for p in result.planted:
        run.planted_total += 1
        if (Path(p.book).name, p.tab, p.row, p.code) in found:
            run.planted_found += 1
        else:
            run.missed.append(p)
    return run
