"""sheets-sync: keeps a volunteer program's spreadsheets in order.

The library facade: the names a script needs. Everything else lives in its room
(``sheets_sync.books``, ``sheets_sync.forms`` …).
"""

from __future__ import annotations

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
from .forms.findings import validate_book
from .forms.template import FormTemplate, default_templates, load_templates
from .forms.validate import Problem, Report, validate_grids
from .table import Grid

__version__ = "0.1.0"

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
