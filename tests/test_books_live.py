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


CHOICE_TAB = TabContent([["姓名", "处理结果"], ["王小明", "待定"], ["李四", "是同一人"]],
                        choices={2: ["是同一人", "不是同一人", "待定"]},
                        merges=[(5, 1, 5, 2)])
DROPDOWN_BOX = (2, 2, 3 + 500, 2)   # data rows and CHOICE_SPARE_ROWS below them


def write_choice_tab(xl: Any, content: TabContent = CHOICE_TAB) -> LiveBook:
    book = LiveBook(xl)
    batch = WriteBatch()
    batch.replace_tab("疑似重复", content)
    book.apply(batch)
    return book


def test_live_dropdown_is_a_list_that_warns_about_other_values_on_windows() -> None:
    xl = xw.Book.from_rows(TABS)
    book = write_choice_tab(xl)
    sheet = xl.sheets["疑似重复"]
    assert sheet.validations == {DROPDOWN_BOX: {
        "values": ("是同一人", "不是同一人", "待定"), "in_cell_dropdown": True,
        "AlertStyle": 2, "ShowError": True, "ErrorTitle": "不在下拉列表中",
        "ErrorMessage": "这一列应填写:是同一人、不是同一人、待定。请点单元格右侧的箭头从列表中选择。",
        "ShowInput": True, "InputTitle": "请从列表中选择", "InputMessage": "可选:是同一人、不是同一人、待定"}}
    assert ("Range.data_validation.set_list", "疑似重复", "$B$2:$B$503",
            ("是同一人", "不是同一人", "待定")) in xl.calls
    assert book.notes == []
    assert book.read()["疑似重复"].rows == CHOICE_TAB.rows


def test_live_merges_the_cells_a_tab_asks_for() -> None:
    xl = xw.Book.from_rows(TABS)
    write_choice_tab(xl)
    assert xl.sheets["疑似重复"].merges == [(5, 1, 5, 2)]
    assert ("Range.merge", "疑似重复", "$A$5:$B$5") in xl.calls


def test_live_freezes_the_header_through_excels_window_and_gives_back_the_users_tab() -> None:
    xl = xw.Book.from_rows(TABS)
    xl.sheets["学校"].activate()
    write_choice_tab(xl, TabContent([["说明"], ["表", "问题"], ["名单", "x"]], header_rows=2))
    assert xl.sheets["疑似重复"].frozen == (2, 0)
    assert xl.sheets.active.name == "学校"
    window = [c for c in xl.calls if c[0].startswith("Window.")]
    assert window == [("Window.FreezePanes", False), ("Window.ScrollRow", 1),
                      ("Window.ScrollColumn", 1), ("Window.SplitColumn", 0),
                      ("Window.SplitRow", 2), ("Window.FreezePanes", True)]


def test_live_uses_xlwings_freeze_panes_where_the_engine_has_it() -> None:
    xl = xw.Book.from_rows(TABS)
    xl.freeze_panes_supported = True
    write_choice_tab(xl)
    assert xl.sheets["疑似重复"].frozen == (1, 0)
    assert ("Sheet.freeze_panes.freeze_at", "疑似重复", "1:1") in xl.calls
    assert not [c for c in xl.calls if c[0].startswith("Window.")]


def test_on_a_mac_the_dropdown_refuses_other_values_and_the_book_says_what_it_could_not_do(
) -> None:
    xl = xw.Book.from_rows(TABS)
    xl.platform = "mac"
    book = write_choice_tab(xl)
    sheet = xl.sheets["疑似重复"]
    assert sheet.validations[DROPDOWN_BOX]["AlertStyle"] == 1  # Excel's default: stop
    assert sheet.frozen is None
    assert book.notes == [
        "工作表“疑似重复”第 B 列的下拉列表只接受列表中的值(本机 Excel 无法设为“只提醒”);"
        "已填的内容都保留着。",
        "工作表“疑似重复”的表头没有冻结(本机 Excel 不支持由工具冻结)。"
        "需要时可在“视图 → 冻结窗格”中设置。"]


def test_with_xlwings_older_than_0_37_5_there_is_no_dropdown_and_the_book_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(xw.Range, "data_validation")
    xl = xw.Book.from_rows(TABS)
    book = write_choice_tab(xl)
    assert xl.sheets["疑似重复"].validations == {}
    assert book.notes == ["工作表“疑似重复”第 B 列没有加上下拉列表:需要 xlwings 0.37.5 或更新的版本"
                          "(在终端运行 pip install -U xlwings)。"]
    assert book.read()["疑似重复"].rows == CHOICE_TAB.rows


def test_rewriting_a_tab_replaces_its_dropdown_over_the_new_rows() -> None:
    xl = xw.Book.from_rows(TABS)
    write_choice_tab(xl)
    longer = TabContent([*CHOICE_TAB.rows, ["赵六", ""]], choices=CHOICE_TAB.choices)
    write_choice_tab(xl, longer)
    assert list(xl.sheets["疑似重复"].validations) == [(2, 2, 4 + 500, 2)]


@pytest.mark.parametrize(("value", "message"), [
    pytest.param("是;否", "工作表“疑似重复”的下拉选项“是;否”含有英文分号,Excel 的下拉列表不能包含它。"
                 "请改用顿号“、”或中文分号“;”。", id="semicolon"),
    pytest.param("是,否", "工作表“疑似重复”第 B 列的下拉选项“是,否”含有英文逗号或双引号,"
                 "Excel 的下拉列表不能包含这些字符。请改用顿号“、”或去掉引号。", id="comma"),
])
def test_a_dropdown_excel_would_refuse_is_refused_before_anything_is_written(
        value: str, message: str) -> None:
    xl = xw.Book.from_rows(TABS)
    with pytest.raises(BookError) as err:
        write_choice_tab(xl, TabContent([["姓名", "处理结果"]], choices={2: ["待定", value]}))
    assert str(err.value) == message
    assert [s.name for s in xl.sheets] == ["名单", "学校"]
