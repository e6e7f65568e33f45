"""Two-way sync: hub and spokes, three-way merge, state store, run orchestration."""

from __future__ import annotations

from .merge import Conflict, MergeResult, Side, merge_form
from .project import BookSpec, Project, Spoke, load_project, project_from_dict
from .run import BookResult, RunResult, sync_project

__all__ = [
    "BookResult",
    "BookSpec",
    "Conflict",
    "MergeResult",
    "Project",
    "RunResult",
    "Side",
    "Spoke",
    "load_project",
    "merge_form",
    "project_from_dict",
    "sync_project",
]
