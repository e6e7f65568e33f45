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

Text that XML cannot hold (control characters, a lone ``\\r``) and literal ``_xHHHH_``
sequences are written in Excel's own ``_xHHHH_`` escape, which Excel and calamine decode,
so every string round-trips through :meth:`read` except lone surrogates (not UTF-8) and
the non-characters U+FFFE/U+FFFF (they come back as ``_xFFFE_``/``_xFFFF_``).

:func:`write_workbook` creates a new workbook from text grids, writing the package
directly (shared strings, header style, frozen header, widths): fast at 100k rows;
:func:`write_tabs` creates one from generated tabs (XlsxWriter, :mod:`.xlsx.render`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TypeVar
from xml.sax.saxutils import escape as xml_escape

import xlsxwriter  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, ZipError

from ..errors import BookError, BookNotFound, BookUnreadable
from ..table import Grid, trim
from .base import Dropdown, TabContent, WriteBatch
from .cells import rows_text
from .locks import lock_file_for
from .xlsx.graft import (
    ask_recalc,
    delete_tab,
    drop_calc_chain,
    graft_tab,
    without_formula_results,
)
from .xlsx.package import (
    Edit,
    NotWritable,
    check_transitional,
    open_package,
    sheet_entries,
    workbook_part,
)
from .xlsx.patch import MAX_CELL_CHARS, escape, patch_cells, stored
from .xlsx.render import (  # noqa: F401  (MAX_LIST_CHARS, estimate_widths: re-exported)
    MAX_LIST_CHARS,
    Formats,
    check_dropdown,
    estimate_widths,
    render_tab,
)
from .xlsx.safety import atomic_save, backup, check_tab_name, refuse_if_locked, tab_name_problem

__all__ = ["ExcelBook", "read_workbook", "write_tabs", "write_workbook"]

_T = TypeVar("_T")

READABLE = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".xlsb", ".ods"})
WRITABLE = frozenset({".xlsx", ".xlsm"})
ZIPPED = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})

# kept for the modules that import them from here (live.py, google_plan.py, tests)
_check_tab_name = check_tab_name
_escape = escape
_stored = stored
_atomic_save = atomic_save


def _list_validation(tab: str, dropdown: Dropdown) -> DataValidation:
    """An openpyxl dropdown (for the workbook open in Excel, :mod:`.live`).

    Warns about other values and lets staff keep them; see :func:`.xlsx.render.check_dropdown`.
    """
    listed = check_dropdown(tab, dropdown)
    shown = "、".join(dropdown.values)
    validation = DataValidation(
        type="list", formula1=f'"{listed}"', allow_blank=True,
        showErrorMessage=True, errorStyle="warning", errorTitle="不在下拉列表中",
        error=f"这一列应填写:{shown}。请点单元格右侧的箭头从列表中选择。"[:255],
        showInputMessage=True, promptTitle="请从列表中选择", prompt=f"可选:{shown}"[:255],
    )
    letter = get_column_letter(dropdown.col)
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

    def __init__(self, path: Path | str, *, backup_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.backup_dir = backup_dir or self.path.parent / ".sheets-sync" / "backups"
        self.last_backup: Path | None = None

    def __repr__(self) -> str:
        return f"ExcelBook({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    def locked_by(self) -> Path | None:
        """The Excel/LibreOffice lock file of this workbook, if it is open somewhere."""
        return lock_file_for(self.path)

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
            with open_package(self.path) as z:
                edit = Edit(z)
                check_transitional(edit, workbook_part(edit))
        except (NotWritable, KeyError, ValueError, etree.LxmlError, zipfile.BadZipFile,
                OSError):
            return False
        return True

    # -- read ---------------------------------------------------------------------------

    def read(self) -> dict[str, Grid]:
        """Every worksheet in workbook order, as text; chart sheets are skipped."""
        self._check_readable()
        self._check_package()
        try:
            wb = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, ValueError) as err:
            raise BookUnreadable(self.path, _reason(err)) from err
        except OSError as err:
            raise BookUnreadable(self.path, f"无法打开文件({err.strerror or err})") from err
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
            raise BookUnreadable(self.path, f"无法打开文件({err.strerror or err})") from err

    # -- write --------------------------------------------------------------------------

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` in one atomic save; an empty batch does not touch the file.

        Only the package parts the batch needs change; see the module docstring.
        """
        if not batch:
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
            z = open_package(self.path)
        except NotWritable as err:
            raise BookUnreadable(self.path, err.reason) from err
        except OSError as err:
            raise BookUnreadable(self.path, f"无法打开文件({err.strerror or err})") from err
        with z:
            edit = Edit(z)
            try:
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
            self._backup_once()
            atomic_save(edit.save, self.path, before_replace=self._refuse_if_locked)

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

    def _backup_once(self) -> None:
        if self.last_backup is None:
            self.last_backup = backup(self.path, self.backup_dir)


def read_workbook(path: Path | str) -> dict[str, Grid]:
    """Every tab of the workbook at ``path`` as text (see :meth:`ExcelBook.read`)."""
    return ExcelBook(path).read()


def write_tabs(path: Path | str, tabs: Mapping[str, TabContent]) -> None:
    """Create a new ``.xlsx`` at ``path`` holding ``tabs`` (tool-owned layout), atomically.

    For generated workbooks (a school's roster): drawn by XlsxWriter (:mod:`.xlsx.render`),
    so number formats, merges, print settings and charts are kept. An existing file is
    replaced, unless it is open in Excel or LibreOffice.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    refuse_if_locked(path)
    seen: set[str] = set()
    for name in tabs:
        check_tab_name(name, seen)

    def save(target: Path) -> None:
        wb = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
        formats = Formats(wb)
        for name, content in tabs.items():
            render_tab(wb.add_worksheet(name), name, content, formats)
        if not tabs:
            wb.add_worksheet("Sheet1")
        wb.set_calc_mode("auto")
        wb.close()
        _ask_full_calc(target)

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save(save, path)


def _ask_full_calc(target: Path) -> None:
    """Mark the new file for a full recalculation on open (its formulas have no results)."""
    with zipfile.ZipFile(target) as z:
        edit = Edit(z)
        wb_part = workbook_part(edit)
        ask_recalc(edit, wb_part)
        for entry in sheet_entries(edit, wb_part):
            if entry.kind == "worksheet":
                edit.put(entry.part, without_formula_results(edit.read(entry.part)))
        scratch = target.with_name(target.name + ".calc")
        edit.save(scratch)
    scratch.replace(target)


def write_workbook(
    path: Path | str,
    tabs: Mapping[str, list[list[str]]],
    *,
    text_columns: Mapping[str, Iterable[int]] | None = None,
) -> None:
    """Create a new ``.xlsx`` at ``path`` from grids of text, atomically.

    Every cell is a string cell; row 1 of each tab is a bold, frozen header; columns are
    sized to their content. ``text_columns`` maps a tab to 1-based columns formatted as
    Text (``@``), the whole column, so that what staff type there later (ID and phone
    numbers) stays text. An existing file at ``path`` is replaced, unless it is open in
    Excel or LibreOffice. The package is written directly (shared strings, as Excel
    does), not through openpyxl: 100,000 rows take seconds, not minutes.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    refuse_if_locked(path)
    tabs = tabs or {"Sheet1": []}
    seen: set[str] = set()
    for name in tabs:
        _check_tab_name(name, seen)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(lambda tmp: _write_package(tmp, tabs, text_columns or {}), path)


_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_STYLES = (
    f"{_HEAD}<styleSheet {_NS}>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_HEADER_STYLE, _TEXT_STYLE, _COL_TEXT_STYLE = ' s="1"', ' s="2"', ' style="2"'


def _xml_text(text: str) -> str:
    return xml_escape(escape(text))


def _write_package(
    path: Path, tabs: Mapping[str, list[list[str]]], text_columns: Mapping[str, Iterable[int]]
) -> None:
    strings: dict[str, int] = {}
    names = list(tabs)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
        for n, name in enumerate(names, start=1):
            with z.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as fh:
                _write_sheet(fh, tabs[name], name, set(text_columns.get(name, ())), strings, n)
        z.writestr("xl/sharedStrings.xml", _shared_strings(strings))
        z.writestr("xl/styles.xml", _STYLES)
        sheets = "".join(
            f'<sheet name="{xml_escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook {_NS}><bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(names) + 1)
        )
        k = len(names)
        rels += f'<Relationship Id="rId{k + 1}" Type="{_REL}styles" Target="styles.xml"/>'
        rels += f'<Relationship Id="rId{k + 2}" Type="{_REL}sharedStrings" '
        rels += 'Target="sharedStrings.xml"/>'
        pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{pkg}">{rels}</Relationships>',
        )
        z.writestr(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{_REL}officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_CT}worksheet+xml"/>'
            for n in range(1, len(names) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}sharedStrings+xml"/>'
            f"{overrides}</Types>",
        )


def _shared_strings(strings: dict[str, int]) -> str:
    items = "".join(f'<si><t xml:space="preserve">{_xml_text(s)}</t></si>' for s in strings)
    return f'{_HEAD}<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def _write_sheet(
    fh: IO[bytes],
    rows: list[list[str]],
    name: str,
    text_cols: set[int],
    strings: dict[str, int],
    number: int,
) -> None:
    width = max((len(r) for r in rows), default=0)
    letters = [get_column_letter(j) for j in range(1, width + 1)]
    widths = estimate_widths(rows)
    selected = ' tabSelected="1"' if number == 1 else ""
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        if rows
        else ""
    )
    cols = "".join(
        f'<col min="{j}" max="{j}" width="{widths.get(j, 9.0):g}" customWidth="1"'
        f"{_COL_TEXT_STYLE if j in text_cols else ''}/>"
        for j in sorted(set(widths) | text_cols)
    )
    dimension = f"A1:{letters[-1]}{len(rows)}" if width and rows else "A1"
    fh.write(
        f'{_HEAD}<worksheet {_NS}><dimension ref="{dimension}"/><sheetViews>'
        f'<sheetView workbookViewId="0"{selected}>{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}'
        "<sheetData>".encode()
    )
    styles = [_TEXT_STYLE if j in text_cols else "" for j in range(1, width + 1)]
    chunk: list[str] = []
    for i, row in enumerate(rows, start=1):
        cells = []
        for j, text in enumerate(row):
            if not text:
                continue
            index = strings.get(text)
            if index is None:
                if len(text) > MAX_CELL_CHARS:
                    _stored(text, name, i, j + 1)  # raises, naming the cell
                index = strings[text] = len(strings)
            style = _HEADER_STYLE if i == 1 else styles[j]
            cells.append(f'<c r="{letters[j]}{i}"{style} t="s"><v>{index}</v></c>')
        if cells:
            chunk.append(f'<row r="{i}">{"".join(cells)}</row>')
        if len(chunk) >= 1000:
            fh.write("".join(chunk).encode())
            chunk.clear()
    fh.write("".join(chunk).encode())
    fh.write(
        b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        b'header="0.3" footer="0.3"/></worksheet>'
    )
