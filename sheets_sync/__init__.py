"""sheets-sync: keeps a volunteer program's spreadsheets in order.

The library facade: the names a script needs. Everything else lives in its room
(``sheets_sync.books``, ``sheets_sync.forms`` …).

The names are imported on first use (a module-level ``__getattr__``), so that
``import sheets_sync`` — and with it ``sheets-sync --help`` — does not pull in pandas,
numpy, openpyxl and the rest before a command needs them. ``from sheets_sync import
ExcelBook`` works as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module (relative to this package) that defines it
_LAZY: dict[str, str] = {
    "Book": ".books.base",
    "BookError": ".errors",
    "BookNotFound": ".errors",
    "BookUnreadable": ".errors",
    "ConfigError": ".errors",
    "ExcelBook": ".books.excel",
    "FormTemplate": ".forms.template",
    "FormTemplateError": ".errors",
    "Grid": ".table",
    "MemoryBook": ".books.memory",
    "Problem": ".forms.validate",
    "Program": ".config",
    "Report": ".forms.validate",
    "SheetsSyncError": ".errors",
    "TabContent": ".books.base",
    "TabNotFound": ".errors",
    "WorkbookLocked": ".errors",
    "WriteBatch": ".books.base",
    "default_templates": ".forms.template",
    "load_program": ".config",
    "load_templates": ".forms.template",
    "open_book": ".books",
    "validate_book": ".sync.slices",
    "validate_grids": ".forms.validate",
}

if TYPE_CHECKING:
    from .books import open_book
    from .books.base import Book, TabContent, WriteBatch
    from .books.excel import ExcelBook
    from .books.memory import MemoryBook
    from .config import Program, load_program
    from .errors import (
        BookError,
        BookNotFound,
        BookUnreadable,
        ConfigError,
        FormTemplateError,
        SheetsSyncError,
        TabNotFound,
        WorkbookLocked,
    )
    from .forms.template import FormTemplate, default_templates, load_templates
    from .forms.validate import Problem, Report, validate_grids
    from .sync.slices import validate_book
    from .table import Grid

__all__ = [
    "Book",
    "BookError",
    "BookNotFound",
    "BookUnreadable",
    "ConfigError",
    "ExcelBook",
    "FormTemplate",
    "FormTemplateError",
    "Grid",
    "MemoryBook",
    "Problem",
    "Program",
    "Report",
    "SheetsSyncError",
    "TabContent",
    "TabNotFound",
    "WorkbookLocked",
    "WriteBatch",
    "__version__",
    "default_templates",
    "load_program",
    "load_templates",
    "open_book",
    "validate_book",
    "validate_grids",
]


def __getattr__(name: str) -> Any:
    """Import a facade name from its room on first use, then keep it here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
