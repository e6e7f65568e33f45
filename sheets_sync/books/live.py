"""LiveBook: the workbook open in Excel, through xlwings (what the macros work on).

It never touches the file on disk (Excel holds it): it reads and writes the open
workbook's cells, and the user saves. The xlwings surface it uses is small, so a
stand-in can play Excel in tests:

* ``book.name``, ``book.sheets`` (iterable; ``sheets[name]``; ``sheets.add(name, after=)``);
* ``sheet.name``, ``sheet.used_range.last_cell.row/.column``, ``sheet.range((r, c)[, (r2,
  c2)])``, ``sheet.clear()``, ``sheet.delete()``, ``sheet.visible`` (optional);
* ``range.options(ndim=2, numbers=float, dates=datetime).value``, ``range.value = …``,
  ``range.formula = …``, ``range.number_format = …``, ``range.font.bold``,
  ``range.column_width``;
* ``sheet.api.ProtectContents / Unprotect() / Protect(…)`` (Windows COM) to write into a
  protected tab's locked 编号 column; ``book.app.screen_updating``.

Text stays text: every non-empty string is written with Excel's text prefix ``'`` (what a
user types to keep ``0042`` or ``=1+1`` as text), so Excel never turns it into a number,
a date or a formula. :meth:`LiveBook.apply` checks the whole batch first and, should Excel
refuse a write half-way, puts back every value it had already changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from typing import Any

from ..errors import BookError, TabNotFound
from ..table import Grid, trim
from .base import TabContent, WriteBatch
from .cells import rows_text
from .excel import MAX_CELL_CHARS, _check_tab_name

__all__ = ["LiveBook"]


def _a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _as_text(text: str) -> str | None:
    """What to assign so Excel stores ``text`` as that very text (``None`` clears)."""
    return "'" + text if text else None


class LiveBook:
    """A :class:`~sheets_sync.books.base.Book` over an xlwings ``Book`` open in Excel."""

    def __init__(self, xl_book: Any) -> None:
        self.xl = xl_book

    def __repr__(self) -> str:
        return f"LiveBook({self.name!r})"

    @property
    def name(self) -> str:
        return str(self.xl.name)

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
