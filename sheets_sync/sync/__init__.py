"""Two-way sync: hub and spokes, three-way merge, state store, run orchestration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .entries import BookResult, RunResult
from .merge import Conflict, MergeResult, Side, merge_form
from .project import BookSpec, Project, Spoke, load_project, project_from_dict

if TYPE_CHECKING:
    from .run import sync_project


def __getattr__(name: str) -> Any:
    if name == "sync_project":  # the sync step imports pandas: only when asked for
        from .run import sync_project

        return sync_project
    raise AttributeError(name)


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
