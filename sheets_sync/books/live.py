"""LiveBook: the workbook open in Excel, through xlwings (what the macros work on).

It never touches the file on disk (Excel holds it): it reads and writes the open
workbook's cells, and the user saves. The xlwings surface it uses is small, so a
stand-in can play Excel in tests (tests/xlwings_standin records the layout calls):

* ``book.name``, ``book.sheets`` (iterable; ``sheets[name]``; ``sheets.add(name, after=)``;
  ``sheets.active``), ``book.app.screen_updating``;
* ``sheet.name``, ``sheet.used_range.last_cell.row/.column``, ``sheet.range((r, c)[, (r2,
  c2)])``, ``sheet.clear()``, ``sheet.delete()``, ``sheet.activate()``, ``sheet.visible``;
* ``range.options(ndim=2, numbers=float, dates=datetime).value``, ``range.value = …``,
  ``range.formula = …``, ``range.number_format = …``, ``range.font.bold``,
  ``range.column_width``, ``range.merge()``;
* ``sheet.api.ProtectContents / Unprotect() / Protect(…)`` (Windows COM) to write into a
  protected tab's locked 编号 column.

Text stays text: every non-empty string is written with Excel's text prefix ``'`` (what a
user types to keep ``0042`` or ``=1+1`` as text), so Excel never turns it into a number,
a date or a formula. :meth:`LiveBook.apply` checks the whole batch first and, should Excel
refuse a write half-way, puts back every value it had already changed.

What a :class:`TabContent` gets here (the tool writes whole tabs: 校验问题, reports …):

* rendered everywhere: text, ``numbers`` (value + number format), ``formulas``, bold
  header/section/total rows, ``widths``, ``merges`` (``range.merge()``);
* ``choices``: ``range.data_validation.set_list(values)`` (xlwings >= 0.37.5, Windows and
  Mac Excel); then, through the native Validation object (``.api``: Excel's COM
  properties ``AlertStyle`` = warning, ``ErrorTitle/ErrorMessage``, ``InputTitle/
  InputMessage``), other values only warn, as in ExcelBook. Mac's native object has no
  such names: there the list refuses other values (what is already there stays). Older
  xlwings has no ``data_validation``: no dropdown;
* frozen header rows: ``sheet.freeze_panes.freeze_at("1:n")`` where xlwings implements it
  (xlwings Server/Lite; desktop Excel raises ``NotImplementedError`` in xlwings 0.37.8),
  else Excel's window on Windows (``app.api.ActiveWindow``: ``SplitRow``,
  ``FreezePanes``), the tab activated for it and the user's tab activated again after.
  Mac: not frozen;
* not rendered: ``note``, ``print_setup``, ``charts``, ``protected``, the header fill
  colour. They are layout only; the values are all there. Reports meant for printing
  come out complete through ExcelBook (``sheets-sync report`` on the file).

Whatever of the layout this Excel could not show is listed, in Chinese, in
:attr:`LiveBook.notes` (the buttons add it to their message). Undo after a refusal puts
back values, not merges or dropdowns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import BookError, TabNotFound
from ..table import Grid, col_letter, trim
from .base import Dropdown, TabContent, WriteBatch
from .cells import rows_text
from .excel import MAX_CELL_CHARS, _check_tab_name, _list_validation

__all__ = ["LiveBook"]

XL_VALID_ALERT_WARNING = 2   # Excel's DVAlertStyle.xlValidAlertWarning


def _a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def _as_text(text: str) -> str | None:
    """What to assign so Excel stores ``text`` as that very text (``None`` clears)."""
    return "'" + text if text else None


class LiveBook:
    """A :class:`~sheets_sync.books.base.Book` over an xlwings ``Book`` open in Excel."""

    def __init__(self, xl_book: Any) -> None:
        self.xl = xl_book
        self.notes: list[str] = []
        """What of a written tab's layout this Excel could not show (Chinese, for staff)."""

    def __repr__(self) -> str:
        return f"LiveBook({self.name!r})"

    @property
    def name(self) -> str:
        return str(self.xl.name)

    writable = True

    def locked_by(self) -> Path | None:
        """Never: this is the workbook Excel has open, written through Excel itself."""
        return None

    @property
    def fullname(self) -> str:
        """The workbook's path as Excel knows it (may be a URL for OneDrive files)."""
        return str(getattr(self.xl, "fullname", self.xl.name))

    def _sheet(self, tab: str) -> Any | None:
        return next((s for s in self.xl.sheets if s.name == tab), None)

    # ------------------------------------------------------------------ read

    def read(self) -> dict[str, Grid]:
        """Every tab in order, as the text the user sees (values as Excel's General shows)."""
        out: dict[str, Grid] = {}
        for sheet in self.xl.sheets:
            out[sheet.name] = Grid(trim(self._values(sheet)))
        return out

    def read_tab(self, tab: str) -> Grid | None:
        """One tab only (``None`` when there is none): what a button needs to find its project."""
        sheet = self._sheet(tab)
        return None if sheet is None else Grid(trim(self._values(sheet)))

    @staticmethod
    def _values(sheet: Any) -> list[list[str]]:
        last = sheet.used_range.last_cell
        rng = sheet.range((1, 1), (last.row, last.column))
        values = rng.options(ndim=2, numbers=float, dates=dt.datetime).value
        return rows_text(values or [])

    # ------------------------------------------------------------------ write

    def _check(self, batch: WriteBatch) -> None:
        names = {s.name for s in self.xl.sheets}
        for tab, cells in batch.cells.items():
            if cells and tab not in names:
                raise TabNotFound(self.name, tab)
            for (r, c), text in cells.items():
                self._check_len(tab, r, c, text)
        seen = {n.lower() for n in names}
        for tab, content in batch.tabs.items():
            if tab not in names:
                _check_tab_name(tab, seen)
            for r, row in enumerate(content.rows, start=1):
                for c, text in enumerate(row, start=1):
                    self._check_len(tab, r, c, text)
            for dropdown in content.dropdowns():
                _check_dropdown(tab, dropdown)
        visible = [s.name for s in self.xl.sheets if getattr(s, "visible", True)]
        if visible and not (set(visible) - batch.delete_tabs) and not batch.tabs:
            raise BookError(f"按本次修改删除工作表后,工作簿 {self.name} 将没有可见的工作表,"
                            "因此没有写入。请检查要删除的工作表。")

    @staticmethod
    def _check_len(tab: str, row: int, col: int, text: str) -> None:
        if len(text) > MAX_CELL_CHARS:
            raise BookError(
                f"工作表“{tab}”的单元格 {_a1(row, col)} 的内容有 {len(text)} 个字符,"
                f"超过了 Excel 单个单元格的上限 {MAX_CELL_CHARS} 个字符。请缩短内容后重新运行。")

    def apply(self, batch: WriteBatch) -> None:
        """Write ``batch`` into the open workbook; on a refusal, undo what was written."""
        if not batch:
            return
        self._check(batch)
        undo: list[tuple[Any, Any]] = []      # (range, old formula) for cells written
        added: list[Any] = []
        app = getattr(self.xl, "app", None)
        screen = getattr(app, "screen_updating", None)
        try:
            if app is not None:
                app.screen_updating = False
            for tab, cells in batch.cells.items():
                if not cells:
                    continue
                sheet = self.xl.sheets[tab]
                with _unprotected(sheet):
                    for (r, c), text in cells.items():
                        rng = sheet.range((r, c))
                        undo.append((rng, _snapshot(rng)))
                        rng.value = _as_text(text)
            for tab, content in batch.tabs.items():
                sheet = self._sheet(tab)
                if sheet is None:
                    sheet = self.xl.sheets.add(tab, after=list(self.xl.sheets)[-1])
                    added.append(sheet)
                else:
                    last = sheet.used_range.last_cell
                    whole = sheet.range((1, 1), (last.row, last.column))
                    undo.append((whole, _snapshot(whole)))
                    with _unprotected(sheet):
                        sheet.clear()
                _write_tab(sheet, content)
                self._layout(sheet, content)
            for tab in batch.delete_tabs:
                sheet = self._sheet(tab)
                if sheet is not None:
                    sheet.delete()
        except Exception as err:
            for rng, old in reversed(undo):
                with suppress(Exception):
                    rng.value = old
            for sheet in added:
                with suppress(Exception):
                    sheet.delete()
            if isinstance(err, BookError):
                raise
            raise BookError(f"Excel 拒绝了对工作簿 {self.name} 的修改({err}),"
                            "已撤回本次写入。请关闭对话框或退出编辑状态后再试。") from err
        finally:
            if app is not None and screen is not None:
                app.screen_updating = screen

    def _layout(self, sheet: Any, content: TabContent) -> None:
        """Merges, dropdowns and the frozen header, as far as this Excel lets xlwings."""
        for r1, c1, r2, c2 in content.merges:
            sheet.range((r1, c1), (r2, c2)).merge()
        for dropdown in content.dropdowns():
            self._dropdown(sheet, dropdown)
        if content.header_rows > 0:
            self._freeze(sheet, content.header_rows)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def _dropdown(self, sheet: Any, d: Dropdown) -> None:
        where = f"工作表“{sheet.name}”第 {col_letter(d.col)} 列"
        rng = sheet.range((d.first_row, d.col), (d.last_row, d.col))
        validation = getattr(rng, "data_validation", None)
        if validation is None:  # xlwings before 0.37.5
            self._note(f"{where}没有加上下拉列表:需要 xlwings 0.37.5 或更新的版本"
                       "(在终端运行 pip install -U xlwings)。")
            return
        validation.delete()
        validation.set_list(list(d.values))
        native = validation.api
        if not hasattr(native, "AlertStyle"):  # Windows' COM object only (Mac: appscript)
            self._note(f"{where}的下拉列表只接受列表中的值(本机 Excel 无法设为“只提醒”);"
                       "已填的内容都保留着。")
            return
        shown = "、".join(d.values)
        native.AlertStyle = XL_VALID_ALERT_WARNING
        native.ShowError = True
        native.ErrorTitle = "不在下拉列表中"
        native.ErrorMessage = f"这一列应填写:{shown}。请点单元格右侧的箭头从列表中选择。"[:225]
        native.ShowInput = True
        native.InputTitle = "请从列表中选择"
        native.InputMessage = f"可选:{shown}"[:255]

    def _freeze(self, sheet: Any, rows: int) -> None:
        try:
            sheet.freeze_panes.freeze_at(f"1:{rows}")   # where xlwings implements it
            return
        except (NotImplementedError, AttributeError):
            pass
        sheets = self.xl.sheets
        before = sheets.active
        try:
            sheet.activate()
            window = self.xl.app.api.ActiveWindow       # Windows: Excel's COM window
            window.FreezePanes = False
            window.ScrollRow = 1
            window.ScrollColumn = 1
            window.SplitColumn = 0
            window.SplitRow = rows
            window.FreezePanes = True
        except AttributeError:
            self._note(f"工作表“{sheet.name}”的表头没有冻结(本机 Excel 不支持由工具冻结)。"
                       "需要时可在“视图 → 冻结窗格”中设置。")
        finally:
            before.activate()


def _check_dropdown(tab: str, dropdown: Dropdown) -> None:
    """Refuse, before writing, a list Excel (or xlwings) would refuse: as ExcelBook does."""
    _list_validation(tab, dropdown)
    bad = [v for v in dropdown.values if ";" in v]
    if bad:
        raise BookError(f"工作表“{tab}”的下拉选项“{bad[0]}”含有英文分号,Excel 的下拉列表"
                        "不能包含它。请改用顿号“、”或中文分号“;”。")


def _snapshot(rng: Any) -> list[list[Any]]:
    """What to assign to ``rng`` to put back its values, formulas and texts as they are."""
    values = rng.options(ndim=2).value or []
    formulas = rng.formula
    if isinstance(formulas, str):
        formulas = ((formulas,),)
    out: list[list[Any]] = []
    for i, row in enumerate(values):
        line: list[Any] = []
        for j, v in enumerate(row):
            f = formulas[i][j] if i < len(formulas) and j < len(formulas[i]) else None
            if isinstance(f, str) and f.startswith("="):
                line.append(f)
            else:
                line.append(_as_text(v) if isinstance(v, str) else v)
        out.append(line)
    return out


def _write_tab(sheet: Any, content: TabContent) -> None:
    """A tool-owned tab: text, then numbers and formulas asked for, bold header, widths."""
    rows = content.rows
    width = max((len(r) for r in rows), default=0)
    if rows and width:
        grid = [[_as_text(t) for t in r] + [None] * (width - len(r)) for r in rows]
        sheet.range((1, 1)).value = grid
    for (r, c), fmt in content.numbers.items():
        rng = sheet.range((r, c))
        rng.number_format = fmt
        text = rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""
        rng.value = float(Decimal(text)) if text else None
    for (r, c), formula in content.formulas.items():
        sheet.range((r, c)).formula = formula if formula.startswith("=") else "=" + formula
    bold = set(range(1, content.header_rows + 1)) | content.section_rows | content.bold_rows
    for r in sorted(bold):
        if width and r <= len(rows):
            sheet.range((r, 1), (r, width)).font.bold = True
    for c, w in content.widths.items():
        sheet.range((1, c)).column_width = w


@contextmanager
def _unprotected(sheet: Any) -> Iterator[None]:
    """Lift a password-less sheet protection while the tool writes, then put it back."""
    api: Any = getattr(sheet, "api", None)
    protected = bool(getattr(api, "ProtectContents", False))
    if protected:
        try:
            api.Unprotect()
        except Exception as err:
            raise BookError(f"工作表“{sheet.name}”设有密码保护,工具无法写入。"
                            "请在 Excel 中“审阅 → 撤消工作表保护”后再试。") from err
    try:
        yield
    finally:
        if protected:
            api.Protect(AllowFormattingColumns=True, AllowFormattingRows=True,
                        AllowInsertingRows=True, AllowDeletingRows=True, AllowSorting=True,
                        AllowFiltering=True)
