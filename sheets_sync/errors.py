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
    ├── DiskFull                    the disk is full: nothing was half-written
    └── FileUnusable                a file or folder the tool needs cannot be used (no
                                    permission, a folder where a file should be …)

Bad *cells* are never exceptions: they are :class:`~sheets_sync.forms.validate.Problem` s.

The operating system's own words (``err.strerror``) are English; :func:`os_reason` says
the same in Chinese, and :func:`system_error` turns an ``OSError`` (or SQLite's "disk is
full") that reaches the CLI into one of the errors above, so nobody sees a traceback.
"""

from __future__ import annotations

import errno
import sys
from pathlib import Path

_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EACCES: "没有权限(当前用户不能读写它,或它被设为只读)",
    errno.EPERM: "没有权限(当前用户不能读写它,或它被设为只读)",
    errno.EROFS: "所在的磁盘是只读的",
    errno.EISDIR: "这是一个文件夹,这里要的是文件",
    errno.ENOTDIR: "路径中有一部分是文件,不是文件夹",
    errno.ENOENT: "文件或文件夹不存在",
    errno.EEXIST: "已经有一个同名的文件或文件夹",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EBUSY: "文件正被其他程序占用",
    errno.EMFILE: "同时打开的文件太多",
    errno.ENFILE: "同时打开的文件太多",
    errno.EIO: "磁盘读写出错(磁盘或 U 盘可能有问题)",
}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"


def os_reason(err: OSError) -> str:
    """Why ``err`` happened, in Chinese (the system's English only for a rare errno)."""
    if err.errno in _FULL:
        return "磁盘空间不足"
    if err.errno in _REASONS:
        return _REASONS[err.errno]
    if isinstance(err, PermissionError):  # Windows: a file open elsewhere is "access denied"
        return _REASONS[errno.EACCES]
    return f"系统错误 {err.errno}:{err.strerror or err}" if err.errno else str(err)


def is_disk_full(err: BaseException) -> bool:
    """``err`` says the disk (or the user's quota) is full: ENOSPC, or SQLite's SQLITE_FULL."""
    if isinstance(err, OSError):
        return err.errno in _FULL
    sqlite3 = sys.modules.get("sqlite3")
    return (sqlite3 is not None and isinstance(err, sqlite3.Error)
            and getattr(err, "sqlite_errorcode", None) == _SQLITE_FULL)


class SheetsSyncError(Exception):
    """Base of every error the tool raises on purpose. Exit code 1 at the CLI."""

    exit_code = 1


class NoFormTab(SheetsSyncError):
    """Validation was asked of a book in which no tab is a known form: likely the wrong
    file, or headers that name no form field. Exit code 2, like a usage mistake."""

    exit_code = 2


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


class DiskFull(SheetsSyncError):
    """The disk is full. Every write is atomic (temp file + replace, one SQLite transaction),
    so what was being written is as it was before; the message says what was not written."""

    def __init__(self, target: Path | str, outcome: str = "") -> None:
        self.target = target
        super().__init__(
            f"磁盘空间不足:无法写入 {target}。{outcome}"
            "请在这个磁盘上腾出空间(删除不需要的文件、清空回收站)后重新运行。"
        )


class FileUnusable(SheetsSyncError):
    """A file or folder the tool needs cannot be used; ``str(e)`` names it, why, and the fix."""


def system_error(err: BaseException) -> SheetsSyncError | None:
    """The one-line Chinese error for an operating-system error that reached the CLI.

    A full disk anywhere in the chain (``err`` or what it was raised while handling) is
    :class:`DiskFull`; another ``OSError`` is :class:`FileUnusable` naming the file. ``None``
    for anything else (a bug: its traceback is worth having).
    """
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, DiskFull):
            return cause
        if is_disk_full(cause):
            where = getattr(cause, "filename", None) or "文件"
            return DiskFull(where)
        cause = cause.__cause__ or cause.__context__
    if isinstance(err, OSError):
        where = err.filename or "文件"
        return FileUnusable(f"无法使用 {where}:{os_reason(err)}。请检查这个路径后重新运行。")
    return None
