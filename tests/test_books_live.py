"""LiveBook keeps the Book contract, run side by side with MemoryBook and ExcelBook.

LiveBook runs against tests/xlwings_standin: a stand-in for the xlwings Book/Sheet/Range
surface that parses typed strings as Excel does (``0042`` -> 42.0, ``=1+1`` -> formula),
so a LiveBook that forgot to keep text as text fails here.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sheets_sync.books.base import Book, TabContent, WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.live import LiveBook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.errors import BookError, TabNotFound

STANDIN = Path(__file__).parent / "xlwings_standin" / "xlwings" / "__init__.py"


def load_standin() -> ModuleType:
    """The stand-in module under its own name (the real xlwings stays importable)."""
    if "xlwings_standin" in sys.modules:
        return sys.modules["xlwings_standin"]
    spec = importlib.util.spec_from_file_location("xlwings_standin", STANDIN)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["xlwings_standin"] = mod
    spec.loader.exec_module(mod)
    return mod


xw = load_standin()
TABS = {"名单": [["编号", "姓名", "电话"], ["0042", "王小明", "13812345678"]],
        "学校": [["学校名称"], ["第一小学"]]}
TRICKY = ["0042", "=1+1", "TRUE", "2015-03-08", "1.30602E+17", "'quoted", "+86 138", "3.50"]


def live(tabs: dict[str, list[list[str]]]) -> LiveBook:
    return LiveBook(xw.Book.from_rows(tabs))


def excel(tabs: dict[str, list[list[str]]], tmp: Path) -> ExcelBook:
    write_workbook(tmp / "book.xlsx", tabs)
    return ExcelBook(tmp / "book.xlsx")


Maker = Callable[[dict[str, list[list[str]]], Path], Any]
BOOKS = [
    pytest.param(lambda tabs, tmp: MemoryBook(tabs), id="memory"),
    pytest.param(excel, id="excel"),
    pytest.param(lambda tabs, tmp: live(tabs), id="live"),
]


@pytest.mark.parametrize("make", BOOKS)
def test_book_reads_every_tab_in_order_as_text(make: Maker, tmp_path: Path) -> None:
    book = make(TABS, tmp_path)
    assert isinstance(book, Book)
    grids = book.read()
    assert list(grids) == ["名单", "学校"]
    assert grids["名单"].rows == TABS["名单"]


@pytest.mark.parametrize("make", BOOKS)
def test_written_text_reads_back_as_the_same_text(make: Maker, tmp_path: Path) -> None:
    book = make(TABS, tmp_path)
    batch = WriteBatch()
    for i, text in enumerate(TRICKY, start=1):
        batch.set_cell("名单", 2 + i, 1, text)
    book.apply(batch)
    rows = book.read()["名单"].rows
    assert [r[0] for r in rows[2:]] == TRICKY


@pytest.mark.parametrize("make", BOOKS)
def test_cells_extend_the_tab_and_empty_text_clears(make: Maker, tmp_path: Path) -> None:
    book = make(TABS, tmp_path)
    batch = WriteBatch()
    batch.set_cell("名单", 2, 3, "")
    batch.set_cell("学校", 3, 2, "满城")
    book.apply(batch)
    grids = book.read()
    assert grids["名单"].rows[1] == ["0042", "王小明"]
    assert grids["学校"].rows == [["学校名称"], ["第一小学"], ["", "满城"]]


@pytest.mark.parametrize("make", BOOKS)
def test_tool_tabs_are_created_replaced_and_deleted(make: Maker, tmp_path: Path) -> None:
    book = make(TABS, tmp_path)
    first = WriteBatch()
    first.replace_tab("校验问题", TabContent([["表", "问题"], ["名单", "0042 太长"], ["x", "y"]]))
    book.apply(first)
    second = WriteBatch()
    second.replace_tab("校验问题", TabContent([["表", "问题"], ["学校", "=SUM(1)"]]))
    second.delete_tab("学校")
    book.apply(second)
    grids = book.read()
    assert list(grids) == ["名单", "校验问题"]
    assert grids["校验问题"].rows == [["表", "问题"], ["学校", "=SUM(1)"]]


@pytest.mark.parametrize("make", BOOKS)
def test_unknown_tab_is_tab_not_found_and_nothing_is_written(make: Maker,
                                                              tmp_path: Path) -> None:
    book = make(TABS, tmp_path)
    batch = WriteBatch()
    batch.set_cell("名单", 2, 2, "李四")
    batch.set_cell("没有这张表", 1, 1, "x")
    with pytest.raises(TabNotFound, match="没有名为“没有这张表”的工作表"):
        book.apply(batch)
    assert book.read()["名单"].rows == TABS["名单"]


@pytest.mark.parametrize("make", BOOKS[1:])
def test_text_longer_than_excel_allows_is_refused(make: Maker, tmp_path: Path) -> None:
    book = make(TABS, tmp_path)
    batch = WriteBatch()
    batch.set_cell("名单", 2, 2, "长" * 32768)
    with pytest.raises(BookError, match="单元格 B2 的内容有 32768 个字符"):
        book.apply(batch)


def test_live_text_is_stored_as_text_never_a_number_or_formula() -> None:
    xl = xw.Book.from_rows(TABS)
    batch = WriteBatch()
    batch.set_cell("名单", 3, 1, "0042")
    batch.set_cell("名单", 3, 2, "=1+1")
    LiveBook(xl).apply(batch)
    sheet = xl.sheets["名单"]
    assert sheet.cells[(3, 1)].value == "0042"
    assert sheet.cells[(3, 2)].value == "=1+1"
    assert sheet.cells[(3, 2)].formula is None


def test_live_numbers_and_formulas_a_tab_asks_for_are_real() -> None:
    xl = xw.Book.from_rows(TABS)
    content = TabContent([["项目", "金额"], ["合计", "1200.50"]], numbers={(2, 2): "#,##0.00"},
                         formulas={(3, 2): "=SUM(B2:B2)"}, widths={1: 12.0})
    batch = WriteBatch()
    batch.replace_tab("预算汇总", content)
    LiveBook(xl).apply(batch)
    sheet = xl.sheets["预算汇总"]
    assert sheet.cells[(2, 2)].value == 1200.5
    assert sheet.cells[(2, 2)].number_format == "#,##0.00"
    assert sheet.cells[(3, 2)].formula == "=SUM(B2:B2)"
    assert sheet.cells[(1, 1)].bold and not sheet.cells[(2, 1)].bold
    assert sheet.widths[1] == 12.0


def test_live_reads_numbers_and_dates_as_excel_shows_them() -> None:
    import datetime as dt

    xl = xw.Book.from_rows({"表": [["年级", "生日"], [3, dt.datetime(2015, 3, 8)]]})
    assert LiveBook(xl).read()["表"].rows == [["年级", "生日"], ["3", "2015-03-08"]]


def test_live_writes_the_locked_id_column_of_a_protected_sheet_and_protects_it_again() -> None:
    xl = xw.Book.from_rows(TABS)
    sheet = xl.sheets["名单"]
    sheet.api.ProtectContents = True
    sheet.locked_columns = {1}
    batch = WriteBatch()
    batch.set_cell("名单", 3, 1, "C0043")
    LiveBook(xl).apply(batch)
    assert sheet.cells[(3, 1)].value == "C0043"
    assert sheet.api.ProtectContents is True


def test_live_refusal_half_way_puts_back_what_was_written() -> None:
    xl = xw.Book.from_rows(TABS)
    sheet = xl.sheets["学校"]

    class Refuses(xw._Api):  # type: ignore[name-defined,misc]
        def Unprotect(self, Password: str = "") -> None:
            raise RuntimeError("password")

    sheet.api = Refuses(protected=True)
    batch = WriteBatch()
    batch.set_cell("名单", 2, 2, "李四")
    batch.set_cell("学校", 2, 1, "第二小学")
    with pytest.raises(BookError, match="工作表“学校”设有密码保护"):
        LiveBook(xl).apply(batch)
    assert LiveBook(xl).read()["名单"].rows == TABS["名单"]


def test_live_never_deletes_the_last_visible_tab() -> None:
    book = live({"名单": [["a"]]})
    batch = WriteBatch()
    batch.delete_tab("名单")
    with pytest.raises(BookError, match="将没有可见的工作表"):
        book.apply(batch)
    assert list(book.read()) == ["名单"]
