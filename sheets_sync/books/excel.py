"""Local workbooks: fast read with python-calamine, surgical write of the OOXML package.

* :meth:`ExcelBook.read` reads every worksheet in one pass (calamine) and turns the values
  into the text Excel shows (:mod:`.cells`). Row *i* of a grid is sheet row *i + 1* even
  when the first rows or columns are empty. Before calamine sees the file it is checked
  (:func:`.xlsx.package.open_package`): an encrypted workbook, a damaged or truncated zip
  and a zip bomb are refused with one Chinese line.
* :meth:`ExcelBook.apply` edits only the parts of the package a batch needs
  (:mod:`.xlsx`): cells are patched in their sheet's XML (:mod:`.xlsx.patch`), tool-owned
  tabs are drawn by XlsxWriter and grafted in, or removed (:mod:`.xlsx.graft`); every other
  part — other tabs, their cached formula results, charts, pivots, pictures, VBA, x14
  extensions — is copied byte for byte. Text cells are string cells (``"=HYPERLINK(…)"``,
  ``"0042"`` stay text). The result is saved to a temp file in the same folder that replaces
  the original with ``os.replace``; before its first write the original is copied to the
  backup folder; a workbook open in Excel or LibreOffice is not written
  (:mod:`.xlsx.safety`). ``.xls``/``.et``/``.xlsb``/``.ods`` and Strict OOXML workbooks are
  read but not written (:attr:`ExcelBook.writable`).
* A workbook with an open-password is decrypted to memory, read and edited the same way,
  and saved encrypted again with the same password; ``ExcelBook(path, encrypt=True)`` (a
  spoke with ``encrypt = true``) writes it encrypted even when it was plain. The password
  comes from the environment or the keyring, never from the config (:mod:`.crypt`, which
  alone imports msoffcrypto, and only for such a workbook).

Text that XML cannot hold (control characters, a lone ``\\r``) and literal ``_xHHHH_``
sequences are written in Excel's own ``_xHHHH_`` escape, which Excel and calamine decode,
so every string round-trips through :meth:`read` except lone surrogates (not UTF-8) and
the non-characters U+FFFE/U+FFFF (they come back as ``_xFFFE_``/``_xFFFF_``).

:func:`write_workbook` (text grids) and :func:`write_tabs` (generated tabs) create new
workbooks; they live in :mod:`.xlsx.new` and are importable from here.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, ZipError

from ..errors import BookError, BookNotFound, BookUnreadable, os_reason
from ..table import Grid, col_letter, trim
from .base import Dropdown, WriteBatch
from .cells import rows_text
from .locks import lock_file_for
from .xlsx.graft import ask_recalc, delete_tab, drop_calc_chain, graft_tab
from .xlsx.new import write_tabs, write_workbook
from .xlsx.package import (
    Edit,
    NotWritable,
    check_transitional,
    open_package,
    workbook_part,
)
from .xlsx.patch import MAX_CELL_CHARS, escape, patch_cells, stored
from .xlsx.render import MAX_LIST_CHARS, check_dropdown, estimate_widths
from .xlsx.safety import atomic_save, backup, check_tab_name, refuse_if_locked, tab_name_problem

__all__ = ["ExcelBook", "read_workbook", "write_tabs", "write_workbook"]

_T = TypeVar("_T")

if TYPE_CHECKING:  # openpyxl is imported only where a dropdown for the open workbook is made
    from openpyxl.worksheet.datavalidation import DataValidation

READABLE = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".xlsb", ".ods"})
WRITABLE = frozenset({".xlsx", ".xlsm"})
ZIPPED = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})

# kept for the modules that import them from here (live.py, google_plan.py, tests)
__reexported__ = (MAX_CELL_CHARS, MAX_LIST_CHARS, estimate_widths, write_tabs, write_workbook)
_check_tab_name = check_tab_name
_escape = escape
_stored = stored
_atomic_save = atomic_save


def _list_validation(tab: str, dropdown: Dropdown) -> DataValidation:
    """An openpyxl dropdown (for the workbook open in Excel, :mod:`.live`).

    Warns about other values and lets staff keep them; see :func:`.xlsx.render.check_dropdown`.
    """
    from openpyxl.worksheet.datavalidation import DataValidation

    listed = check_dropdown(tab, dropdown)
    shown = "、".join(dropdown.values)
    validation = DataValidation(
        type="list", formula1=f'"{listed}"', allow_blank=True,
        showErrorMessage=True, errorStyle="warning", errorTitle="不在下拉列表中",
        error=f"这一列应填写:{shown}。请点单元格右侧的箭头从列表中选择。"[:255],
        showInputMessage=True, promptTitle="请从列表中选择", prompt=f"可选:{shown}"[:255],
    )
    letter = col_letter(dropdown.col)
    validation.add(f"{letter}{dropdown.first_row}:{letter}{dropdown.last_row}")
    return validation


def _drain(rows: list[_T]) -> Iterator[_T]:
    """Yield ``rows`` in order, letting go of each as it is used (lower peak memory)."""
    rows.reverse()
    while rows:
        yield rows.pop()


def _reason(err: Exception) -> str:
    if isinstance(err, PasswordError):
        return "工作簿设置了打开密码,无法读取"
    if isinstance(err, ZipError):
        return "文件不是有效的 Excel 工作簿(压缩包结构损坏或不是 Excel 文件)"
    return f"文件内容无法解析({err})"


class ExcelBook:
    """A local ``.xlsx``/``.xlsm`` workbook (``.xls``, ``.et``, ``.xlsb``, ``.ods`` read-only)."""

    def __init__(self, path: Path | str, *, backup_dir: Path | None = None,
                 encrypt: bool = False, password_name: str = "") -> None:
        self.path = Path(path)
        self.backup_dir = backup_dir or self.path.parent / ".sheets-sync" / "backups"
        self.last_backup: Path | None = None
        self.encrypt = encrypt
        """Write the workbook with an open-password even when it is plain now."""
        self.password_name = password_name
        """Its password is ``SHEETS_SYNC_PASSWORD_<name>`` (``""``: ``SHEETS_SYNC_PASSWORD``)."""
        self._plain: tuple[tuple[int, int], bytes, str] | None = None  # (stat, package, pw)

    def __repr__(self) -> str:
        return f"ExcelBook({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    def locked_by(self) -> Path | None:
        """The Excel/LibreOffice lock file of this workbook, if it is open somewhere."""
        return lock_file_for(self.path)

    def unreadable_cells(self) -> dict[str, set[tuple[int, int]]]:
        """Tab -> (row, col) of formula cells saved without a result (they read as blank)."""
        if self.path.suffix.lower() not in ZIPPED - {".ods", ".xlsb"}:
            return {}
        from .xlsx.formulas import formulas_without_values

        try:
            return formulas_without_values(self.path)
        except (NotWritable, OSError, ValueError):
            return {}

    @property
    def writable(self) -> bool:
        """Whether :meth:`apply` can write this file (``.xlsx``/``.xlsm``, not Strict OOXML).

        ``False`` for read-only formats (``.xls``, ``.et``, ``.xlsb``, ``.ods``) and for a
        file that is encrypted, damaged or Strict OOXML; ``True`` for a missing file of a
        writable kind (its absence is reported when it is used).
        """
        if self.path.suffix.lower() not in WRITABLE:
            return False
        if not self.path.is_file():
            return True
        try:
            with self._open_zip() as z:
                edit = Edit(z)
                check_transitional(edit, workbook_part(edit))
        except (NotWritable, KeyError, ValueError, etree.LxmlError, zipfile.BadZipFile,
                OSError, BookError):
            return False
        return True

    # -- encryption ---------------------------------------------------------------------

    def _decrypted(self) -> tuple[bytes, str] | None:
        """The plain package and password of an encrypted workbook (``None``: not encrypted).

        Decrypted once per state of the file (its size and mtime), so a run's read, check
        and write pay for one key derivation.
        """
        if self.path.suffix.lower() not in WRITABLE:
            return None
        from .crypt import decrypt, is_encrypted

        if not is_encrypted(self.path):
            return None
        st = self.path.stat()
        key = (st.st_size, st.st_mtime_ns)
        if self._plain is None or self._plain[0] != key:
            data, password = decrypt(self.path, self.name, self.password_name)
            self._plain = (key, data, password)
        return self._plain[1], self._plain[2]

    def _open_zip(self) -> zipfile.ZipFile:
        """The package (decrypted when encrypted), after the safety checks."""
        if self.path.suffix.lower() in WRITABLE and self.path.is_file():
            from .crypt import is_encrypted, open_plain

            if is_encrypted(self.path):
                found = self._decrypted()
                assert found is not None
                return open_plain(found[0])
        return open_package(self.path)

    @property
    def wants_encrypting(self) -> bool:
        """``encrypt`` is asked and the file on disk is still plain: the next write (even
        of nothing else) encrypts it."""
        if not self.encrypt or not self.path.is_file():
            return False
        from .crypt import is_encrypted

        return not is_encrypted(self.path)

    def _write_password(self) -> str | None:
        """The password to encrypt the next save with; ``None``: save it plain.

        An encrypted workbook stays encrypted with the password that opened it; a plain one
        becomes encrypted when :attr:`encrypt` asks. Raises :class:`~.crypt.PasswordMissing`
        (before anything is written) when it asks and no password is given.
        """
        found = self._decrypted()
        if found is not None:
            return found[1]
        if not self.encrypt:
            return None
        from .crypt import PasswordMissing, find_password, how_to_give

        given = find_password(self.password_name)
        if given is None:
            raise PasswordMissing(
                f"工作簿 {self.name} 设置了加密(encrypt = true),但没有提供密码:"
                f"{how_to_give(self.password_name)}。文件没有改动。"
            )
        return given[0]

    # -- read ---------------------------------------------------------------------------

    def read(self) -> dict[str, Grid]:
        """Every worksheet in workbook order, as text; chart sheets are skipped."""
        self._check_readable()
        try:
            found = self._decrypted()
        except NotWritable as err:
            raise BookUnreadable(self.path, err.reason) from err
        except OSError as err:
            raise BookUnreadable(self.path, f"无法打开文件({os_reason(err)})") from err
        if found is None:
            self._check_package()
        else:
            self._check_plain(found[0])
        try:
            if found is None:
                wb = CalamineWorkbook.from_path(str(self.path))
            else:
                wb = CalamineWorkbook.from_filelike(io.BytesIO(found[0]))
        except (CalamineError, ValueError) as err:
            raise BookUnreadable(self.path, _reason(err)) from err
        except OSError as err:
            raise BookUnreadable(self.path, f"无法打开文件({os_reason(err)})") from err
        try:
            tabs: dict[str, Grid] = {}
            for meta in wb.sheets_metadata:
                if meta.typ not in (SheetTypeEnum.WorkSheet, SheetTypeEnum.MacroSheet):
                    continue
                sheet = wb.get_sheet_by_name(meta.name)
                rows = _drain(sheet.to_python(skip_empty_area=False))  # row i = sheet row i+1
                del sheet  # frees calamine's copy before the text conversion
                tabs[meta.name] = Grid(trim(rows_text(rows)))
            return tabs
        except CalamineError as err:
            raise BookUnreadable(self.path, _reason(err)) from err
        finally:
            wb.close()

    def _check_readable(self) -> None:
        if not self.path.exists():
            raise BookNotFound(self.path)
        if not self.path.is_file():
            raise BookUnreadable(self.path, "这是一个文件夹,不是工作簿文件")
        if self.path.suffix.lower() not in READABLE:
            raise BookUnreadable(self.path, f"不支持 {self.path.suffix or '无扩展名'} 文件")

    def _check_package(self) -> None:
        """Refuse an encrypted, damaged or bomb zip before calamine inflates it."""
        if self.path.suffix.lower() not in ZIPPED:
            return
        try:
            open_package(self.path).close()
        except NotWritable as err:
            raise BookUnreadable(self.path, err.reason) from err
        except OSError as err:
            raise BookUnreadable(self.path, f"无法打开文件({os_reason(err)})") from err

    def _check_plain(self, data: bytes) -> None:
        """Refuse a damaged or bomb package decrypted from an encrypted workbook."""
        from .crypt import open_plain

        try:
            open_plain(data).close()
        except NotWritable as err:
            raise BookUnreadable(self.path, err.reason) from err

    # -- write --------------------------------------------------------------------------

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` in one atomic save; an empty batch does not touch the file.

        Only the package parts the batch needs change; see the module docstring.
        """
        if not batch and not self.wants_encrypting:
            return
        self._check_readable()
        suffix = self.path.suffix.lower()
        if suffix not in WRITABLE:
            raise BookError(
                f"工作簿 {self.name} 是 {suffix} 格式,本工具只能读取、不能写入它。"
                "请在 Excel 中把它“另存为” .xlsx 文件,并在配置中改用新文件。"
            )
        self._refuse_if_locked()
        for tab in batch.tabs:
            problem = tab_name_problem(tab)
            if problem:
                raise BookError(f"无法创建工作表“{tab}”:{problem}。请换一个工作表名称。")
        try:
            password = self._write_password()  # a missing or wrong password stops here
            z = self._open_zip()
        except NotWritable as err:
            raise BookUnreadable(self.path, err.reason) from err
        except OSError as err:
            raise BookUnreadable(self.path, f"无法打开文件({os_reason(err)})") from err
        with z:
            edit = Edit(z)
            try:
                if batch:
                    self._edit(edit, batch)
            except NotWritable as err:
                if err.readable:
                    raise BookError(
                        f"无法写入工作簿 {self.name}:{err.reason}。原文件没有改动。"
                    ) from err
                raise BookUnreadable(self.path, err.reason) from err
            except (KeyError, ValueError, etree.LxmlError, zipfile.BadZipFile, EOFError) as err:
                raise BookUnreadable(
                    self.path, f"文件内容无法解析({type(err).__name__}: {err})"
                ) from err
            self._backup_once(password)
            save: Callable[[Path], object] = edit.save
            if password is not None:
                from .crypt import encrypting_save

                save = encrypting_save(edit.save, password)
            atomic_save(save, self.path, before_replace=self._refuse_if_locked)

    def _edit(self, edit: Edit, batch: WriteBatch) -> None:
        wb_part = workbook_part(edit)
        check_transitional(edit, wb_part)
        if patch_cells(edit, wb_part, batch.cells, self.name):
            drop_calc_chain(edit, wb_part)  # a formula cell became text
        for tab, content in batch.tabs.items():
            graft_tab(edit, wb_part, tab, content)
        for tab in sorted(batch.delete_tabs):
            delete_tab(edit, wb_part, tab, self.name)
        ask_recalc(edit, wb_part)

    def _refuse_if_locked(self) -> None:
        refuse_if_locked(self.path)

    def _backup_once(self, password: str | None = None) -> None:
        """Back the file up before its first write; a plain file about to be written
        encrypted is backed up encrypted too (no plain copy of a spoke stays behind)."""
        if self.last_backup is None:
            self.last_backup = backup(self.path, self.backup_dir)
            if password is not None:
                from .crypt import encrypt_file, is_encrypted

                if not is_encrypted(self.last_backup):
                    encrypt_file(self.last_backup, password)


def read_workbook(path: Path | str) -> dict[str, Grid]:
    """Every tab of the workbook at ``path`` as text (see :meth:`ExcelBook.read`)."""
    return ExcelBook(path).read()
