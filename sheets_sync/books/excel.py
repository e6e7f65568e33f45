"""Local workbooks: fast read with python-calamine, preserving write with openpyxl.

* :meth:`ExcelBook.read` reads every worksheet in one pass (calamine) and turns the values
  into the text Excel shows (:mod:`.cells`). Row *i* of a grid is sheet row *i + 1* even
  when the first rows or columns are empty.
* :meth:`ExcelBook.apply` writes a batch that only sets cells by patching those sheets'
  XML in place (:mod:`.xlsxpatch`: every other part of the file kept as it was — charts,
  images, cached formula results included); any other batch (tool-owned tabs replaced or
  deleted) goes through openpyxl (VBA and external links kept). Either way text cells are
  string cells (``"=HYPERLINK(…)"``, ``"0042"`` stay text), and the result is saved to a
  temp file in the same folder that replaces the original with ``os.replace``. Before its
  first write it copies the original to the backup folder; it refuses to write a workbook
  that is open in Excel or LibreOffice.

Text that XML cannot hold (control characters, a lone ``\\r``) and literal ``_xHHHH_``
sequences are written in Excel's own ``_xHHHH_`` escape, which Excel and calamine decode,
so every string round-trips through :meth:`read` except lone surrogates (not UTF-8) and
the non-characters U+FFFE/U+FFFF (they come back as ``_xFFFE_``/``_xFFFF_``).

When a write goes through openpyxl (a batch that replaces or deletes tabs), what openpyxl
does not keep is lost in any tab: charts, images and shapes, and the cached results of
formulas. The saved workbook asks Excel and LibreOffice to
recalculate on open; until someone does (and saves), :meth:`ExcelBook.read` sees formula
cells as ``""``.

:func:`write_workbook` creates a new workbook from text grids, writing the package
directly (shared strings, header style, frozen header, widths): fast at 100k rows.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TypeVar
from xml.sax.saxutils import escape as xml_escape

import openpyxl
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, ZipError

from ..errors import BookError, BookNotFound, BookUnreadable, TabNotFound, WorkbookLocked
from ..table import Grid, a1, trim
from .base import Chart, Dropdown, PrintSetup, TabContent, WriteBatch
from .cells import rows_text
from .locks import lock_file_for

__all__ = ["ExcelBook", "read_workbook", "write_tabs", "write_workbook"]

_T = TypeVar("_T")

READABLE = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
WRITABLE = frozenset({".xlsx", ".xlsm"})
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
MAX_LIST_CHARS = 255  # Excel's limit for a dropdown's inline list ("接受,拒绝")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
UNLOCKED = Protection(locked=False)

# Characters XML 1.0 cannot hold (plus \r, which XML turns into \n), and literal _xHHHH_
# sequences that Excel would otherwise decode: both go out as _xHHHH_ escapes.
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def _escape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        s = m.group()
        return "_x005F" + s if len(s) == 7 else f"_x{ord(s):04X}_"

    return _NEEDS_ESCAPE.sub(sub, text)


def _stored(text: str, tab: str, row: int, col: int) -> str:
    """``text`` as stored in the XML (escaped); refuses what Excel cannot hold."""
    if len(text) > MAX_CELL_CHARS:
        raise BookError(
            f"工作表“{tab}”的单元格 {a1(row, col)} 的内容有 {len(text)} 个字符,"
            f"超过了 Excel 单个单元格的上限 {MAX_CELL_CHARS} 个字符。请缩短内容后重新运行。"
        )
    return _escape(text)


def _put_text(cell: Cell, text: str) -> None:
    """Store ``text`` as a string cell, whatever its first character (never a formula)."""
    if text == "":
        cell.value = None
        return
    cell.value = _stored(text, cell.parent.title, cell.row, cell.column)
    cell.data_type = "s"


def _writable_cell(ws: Worksheet, row: int, col: int) -> Cell:
    cell = ws.cell(row=row, column=col)
    if isinstance(cell, MergedCell):
        raise BookError(
            f"工作表“{ws.title}”的单元格 {a1(row, col)} 位于合并单元格内(不是合并区域左上角),"
            "无法写入。请取消合并,或把内容放到合并区域的左上角单元格。"
        )
    return cell


def _display_width(text: str) -> int:
    longest = 0
    for line in text.split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, w)
    return longest


def estimate_widths(rows: list[list[str]], sample: int = 2000) -> dict[int, float]:
    """Column widths (characters, CJK counting 2) from the first ``sample`` rows."""
    widths: dict[int, float] = {}
    for row in rows[:sample]:
        for j, text in enumerate(row, start=1):
            if text:
                widths[j] = max(widths.get(j, 0.0), float(_display_width(text)))
    return {j: min(max(w + 2.0, 8.0), 60.0) for j, w in widths.items()}


def _fill_tab(ws: Worksheet, content: TabContent) -> None:
    for i, row in enumerate(content.rows, start=1):
        for j, text in enumerate(row, start=1):
            if text:
                if (i, j) in content.numbers:
                    _put_number(_writable_cell(ws, i, j), text, content.numbers[(i, j)])
                else:
                    _put_text(_writable_cell(ws, i, j), text)
    for (r, c), formula in content.formulas.items():
        cell = ws.cell(row=r, column=c)
        cell.value = formula if formula.startswith("=") else "=" + formula
        if (r, c) in content.numbers:
            cell.number_format = content.numbers[(r, c)]
    width = max((len(r) for r in content.rows), default=0)
    styled = set(range(1, content.header_rows + 1)) | content.section_rows
    for i in sorted(styled):
        for j in range(1, max(width, 1) + 1):
            cell = ws.cell(row=i, column=j)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
    for i in sorted(content.bold_rows - styled):
        for j in range(1, max(width, 1) + 1):
            ws.cell(row=i, column=j).font = HEADER_FONT
    if content.header_rows > 0:
        ws.freeze_panes = f"A{content.header_rows + 1}"
    for r1, c1, r2, c2 in content.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    widths = content.widths or estimate_widths(content.rows)
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = w
    if content.note:
        ws["A1"].comment = Comment(content.note, "sheets-sync", width=400, height=160)
    if content.print_setup is not None:
        _print_setup(ws, content.print_setup)
    for chart in content.charts:
        ws.add_chart(_bar_chart(ws, chart), chart.anchor)
    for dropdown in content.dropdowns():
        ws.add_data_validation(_list_validation(ws.title, dropdown))
        if content.protected:  # staff are meant to fill these
            for r in range(dropdown.first_row, dropdown.last_row + 1):
                ws.cell(row=r, column=dropdown.col).protection = UNLOCKED
    if content.protected:
        ws.protection.sheet = True  # no password: 审阅 → 撤销工作表保护 lifts it


def _list_validation(tab: str, dropdown: Dropdown) -> DataValidation:
    """A dropdown (arrow shown) that warns about other values and lets staff keep them.

    The values go inline (``"接受,拒绝"``): Excel allows 255 characters there and no
    separator or quote inside a value, so longer lists and such values are refused.
    """
    where = f"工作表“{tab}”第 {get_column_letter(dropdown.col)} 列的下拉选项"
    bad = [v for v in dropdown.values if "," in v or '"' in v]
    if bad:
        raise BookError(f"{where}“{bad[0]}”含有英文逗号或双引号,Excel 的下拉列表不能包含"
                        "这些字符。请改用顿号“、”或去掉引号。")
    listed = ",".join(dropdown.values)
    if len(listed) > MAX_LIST_CHARS:
        raise BookError(f"{where}连同分隔的逗号共有 {len(listed)} 个字符,超过了 Excel 下拉列表"
                        f"的上限 {MAX_LIST_CHARS} 个字符。请减少或缩短选项。")
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


def _put_number(cell: Cell, text: str, number_format: str) -> None:
    """Store ``text`` (a plain decimal) as a number shown with ``number_format``."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        _put_text(cell, text)
        return
    cell.value = int(value) if value == value.to_integral_value() and "." not in text else value
    cell.number_format = number_format


def _print_setup(ws: Worksheet, setup: PrintSetup) -> None:
    paper = {"A4": ws.PAPERSIZE_A4, "A3": ws.PAPERSIZE_A3}.get(setup.paper, ws.PAPERSIZE_A4)
    ws.page_setup.paperSize = paper
    ws.page_setup.orientation = "landscape" if setup.landscape else "portrait"
    if setup.fit_width:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if setup.repeat_rows is not None:
        ws.print_title_rows = f"{setup.repeat_rows[0]}:{setup.repeat_rows[1]}"
    if setup.area is not None:  # else the used range, charts included
        r1, c1, r2, c2 = setup.area
        ws.print_area = f"{a1(r1, c1)}:{a1(r2, c2)}"
    ws.print_options.horizontalCentered = True


def _bar_chart(ws: Worksheet, spec: Chart) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title or None
    chart.x_axis.title = spec.x_title or None
    chart.y_axis.delete = False  # openpyxl 3.1 hides axes unless told
    chart.x_axis.delete = False
    for col, first, last in spec.series:
        ref = Reference(ws, min_col=col, min_row=first - 1, max_row=last)
        chart.add_data(ref, titles_from_data=True)
    c, first, last = spec.categories
    chart.set_categories(Reference(ws, min_col=c, min_row=first, max_row=last))
    chart.width, chart.height = 18, 9
    return chart


def _replace_tab(wb: Workbook, name: str, content: TabContent) -> None:
    if name in wb.sheetnames:
        old = wb[name]
        index = wb.index(old)
        state, color = old.sheet_state, old.sheet_properties.tabColor
        wb.remove(old)
        ws = wb.create_sheet(name, index)
        ws.sheet_state = state
        ws.sheet_properties.tabColor = color
    else:
        ws = wb.create_sheet(name)
    _fill_tab(ws, content)


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


def _atomic_save(
    save: Callable[[Path], object], path: Path, before_replace: Callable[[], None] | None = None
) -> None:
    """``save`` to a temp file next to ``path``, fsync it, then ``os.replace`` it over."""
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=".sheets-sync-", suffix=path.suffix, delete=False
    ) as tmp:
        tmp_path = Path(tmp.name)
    try:
        save(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp_path)
        if before_replace is not None:
            before_replace()
        os.replace(tmp_path, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(err, OSError):
            raise BookError(
                f"无法写入工作簿 {path.name}:{err.strerror or err}。原文件没有改动。"
                "请确认文件没有被其他程序占用、所在文件夹可以写入,然后重新运行。"
            ) from err
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows it
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class ExcelBook:
    """A local ``.xlsx``/``.xlsm`` workbook (``.xls``, ``.xlsb``, ``.ods`` read-only)."""

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

    # -- read ---------------------------------------------------------------------------

    def read(self) -> dict[str, Grid]:
        """Every worksheet in workbook order, as text; chart sheets are skipped."""
        self._check_readable()
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

    # -- write --------------------------------------------------------------------------

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` in one atomic save; an empty batch does not touch the file."""
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
        from .xlsxpatch import write_cells  # it imports this module

        if write_cells(self, batch):  # only cells set: patch the sheet XML, keep the rest
            return
        try:
            wb = openpyxl.load_workbook(self.path, keep_vba=suffix == ".xlsm", keep_links=True)
        except Exception as err:  # openpyxl raises many kinds on a bad file
            raise BookUnreadable(self.path, f"文件内容无法解析({err})") from err
        try:
            self._apply_to(wb, batch)
            # openpyxl drops cached formula results: ask Excel to recalculate on open
            wb.calculation = wb.calculation or CalcProperties()
            wb.calculation.fullCalcOnLoad = True
            self._backup_once()
            _atomic_save(wb.save, self.path, before_replace=self._refuse_if_locked)
        finally:
            if wb.vba_archive is not None:  # keep_vba holds the source zip open
                wb.vba_archive.close()
            wb.close()

    def _apply_to(self, wb: Workbook, batch: WriteBatch) -> None:
        for tab, cells in batch.cells.items():
            if not cells:
                continue
            if tab not in wb.sheetnames:
                raise TabNotFound(self.name, tab)
            ws = wb[tab]
            for (row, col), text in cells.items():
                _put_text(_writable_cell(ws, row, col), text)
        for tab, content in batch.tabs.items():
            _replace_tab(wb, tab, content)
        for tab in batch.delete_tabs:
            if tab in wb.sheetnames:
                wb.remove(wb[tab])
        if not any(ws.sheet_state == "visible" for ws in wb.worksheets):
            raise BookError(
                f"按本次修改删除工作表后,工作簿 {self.name} 将没有可见的工作表,因此没有写入。"
                "请检查要删除的工作表。"
            )
        if wb.active is None or wb.active.sheet_state != "visible":
            wb.active = next(i for i, ws in enumerate(wb.worksheets) if ws.sheet_state == "visible")

    def _refuse_if_locked(self) -> None:
        lock = self.locked_by()
        if lock is not None:
            raise WorkbookLocked(self.path, lock)

    def _backup_once(self) -> None:
        if self.last_backup is not None:
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            self.backup_dir.mkdir(parents=True, exist_ok=True)
            target = self.backup_dir / f"{self.path.stem}.{stamp}{self.path.suffix}"
            n = 1
            while target.exists():
                n += 1
                target = self.backup_dir / f"{self.path.stem}.{stamp}-{n}{self.path.suffix}"
            shutil.copy2(self.path, target)
        except OSError as err:
            raise BookError(
                f"无法在 {self.backup_dir} 备份工作簿 {self.name}:{err.strerror or err}。"
                "为避免丢失数据,本次没有写入。请确认该文件夹可以写入后重新运行。"
            ) from err
        self.last_backup = target


def read_workbook(path: Path | str) -> dict[str, Grid]:
    """Every tab of the workbook at ``path`` as text (see :meth:`ExcelBook.read`)."""
    return ExcelBook(path).read()


def write_tabs(path: Path | str, tabs: Mapping[str, TabContent]) -> None:
    """Create a new ``.xlsx`` at ``path`` holding ``tabs`` (tool-owned layout), atomically.

    For small generated workbooks (a school's roster): written through openpyxl, so
    number formats, merges, print settings and charts are kept. An existing file is
    replaced, unless it is open in Excel or LibreOffice.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    lock = lock_file_for(path)
    if lock is not None:
        raise WorkbookLocked(path, lock)
    seen: set[str] = set()
    for name in tabs:
        _check_tab_name(name, seen)
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for name, content in tabs.items():
        _fill_tab(wb.create_sheet(name), content)
    if not tabs:
        wb.create_sheet("Sheet1")
    wb.calculation = wb.calculation or CalcProperties()
    wb.calculation.fullCalcOnLoad = True
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(wb.save, path)


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
    lock = lock_file_for(path)
    if lock is not None:
        raise WorkbookLocked(path, lock)
    tabs = tabs or {"Sheet1": []}
    seen: set[str] = set()
    for name in tabs:
        _check_tab_name(name, seen)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_save(lambda tmp: _write_package(tmp, tabs, text_columns or {}), path)


_BAD_TAB_CHARS = re.compile(r"[\[\]:*?/\\]")


def _check_tab_name(name: str, seen: set[str]) -> None:
    problem = ""
    if not name.strip():
        problem = "名称不能为空"
    elif len(name) > 31:
        problem = f"名称有 {len(name)} 个字符,Excel 最多允许 31 个"
    elif _BAD_TAB_CHARS.search(name) or name.startswith("'") or name.endswith("'"):
        problem = "名称不能包含 [ ] : * ? / \\ 这些字符,也不能以单引号开头或结尾"
    elif name.lower() in seen:
        problem = "与另一个工作表重名(Excel 不区分大小写)"
    if problem:
        raise BookError(f"无法创建工作表“{name}”:{problem}。请换一个工作表名称。")
    seen.add(name.lower())


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
    return xml_escape(_escape(text))


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
