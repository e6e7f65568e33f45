"""One exception tree for everything the tool can refuse to do.

::

    SheetsSyncError                 base; ``str(e)`` is a complete Chinese sentence naming the fix
    ├── ConfigError                 sheets-sync.toml / program data is wrong
    ├── FormTemplateError           a form template (YAML) is itself wrong
    ├── BookError                   a workbook or spreadsheet cannot be read or written
    │   ├── BookNotFound            the file does not exist
    │   ├── BookUnreadable          the file is not a workbook we can read (corrupt, wrong format)
    │   ├── WorkbookLocked          the workbook is open in Excel or LibreOffice
    │   └── TabNotFound             a named tab is missing

Bad *cells* are never exceptions: they are :class:`~sheets_sync.forms.validate.Problem` s.
"""

from __future__ import annotations

from pathlib import Path


class SheetsSyncError(Exception):
    """Base of every error the tool raises on purpose. Exit code 1 at the CLI."""

    exit_code = 1


class ConfigError(SheetsSyncError):
    """The project configuration is wrong: the message names the file, the key and the fix."""


class FormTemplateError(SheetsSyncError):
    """A form template is wrong: ``child.yaml: field "grade": unknown type "grad"``."""

    def __init__(self, file: str, field: str | None, reason: str) -> None:
        self.file = file
        self.field = field
        self.reason = reason
        where = f'{file}: field "{field}"' if field else file
        super().__init__(f"{where}: {reason}")


class BookError(SheetsSyncError):
    """A book (workbook file or spreadsheet) cannot be read or written."""


class BookNotFound(BookError):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(f"找不到工作簿文件:{path}。请检查路径是否正确。")


class BookUnreadable(BookError):
    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"无法读取工作簿 {path}:{reason}。请确认它是 .xlsx/.xlsm 文件且没有损坏"
            "(可在 Excel 中打开后“另存为”一次)。"
        )


class WorkbookLocked(BookError):
    """The workbook is open in Excel (``~$name``) or LibreOffice (``.~lock.name#``)."""

    def __init__(self, path: Path | str, lock_file: Path | str) -> None:
        self.path = Path(path)
        self.lock_file = Path(lock_file)
        super().__init__(
            f"工作簿 {self.path.name} 正在被 Excel 或 LibreOffice 打开(锁文件:{self.lock_file}),"
            "本次不会写入它。请保存并关闭该工作簿后重新运行;"
            "如果确认没有人打开它,可以删除这个锁文件。"
        )


class TabNotFound(BookError):
    def __init__(self, book: str, tab: str) -> None:
        self.book = book
        self.tab = tab
        super().__init__(f"工作簿 {book} 中没有名为“{tab}”的工作表。请检查工作表名称。")
