"""MemoryBook: the in-memory book that tests and --dry-run use."""

from __future__ import annotations

import pytest

from sheets_sync.books.base import CHOICE_SPARE_ROWS, Book, Dropdown, TabContent, WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.errors import TabNotFound
from sheets_sync.table import Grid


def test_memory_book_is_a_book(memory_book: MemoryBook) -> None:
    assert isinstance(memory_book, Book)
    assert memory_book.name == "memory"
    assert memory_book.read() == {}


def test_read_gives_trimmed_copies_in_tab_order() -> None:
    source = {"乙": [["a", "", ""], ["", ""]], "甲": [["0042"]]}
    book = MemoryBook(source, name="hub")
    tabs = book.read()
    assert list(tabs) == ["乙", "甲"]
    assert tabs == {"乙": Grid([["a"]]), "甲": Grid([["0042"]])}
    tabs["甲"].rows[0][0] = "changed"
    source["甲"][0][0] = "changed too"
    assert book.read()["甲"] == Grid([["0042"]])
    assert book.tab("乙") == [["a", "", ""], ["", ""]]


def test_tab_is_live_so_a_test_can_play_the_user() -> None:
    book = MemoryBook({"名单": [["编号"], ["0042"]]})
    book.tab("名单")[1][0] = "0043"
    assert book.read()["名单"] == Grid([["编号"], ["0043"]])


def test_cells_are_set_and_extend_the_tab() -> None:
    book = MemoryBook({"名单": [["编号", "姓名"], ["0042"]]})
    batch = WriteBatch()
    batch.set_cell("名单", 2, 2, "王小明")
    batch.set_cell("名单", 4, 3, '=HYPERLINK("http://x","y")')
    book.apply(batch)
    assert book.tab("名单") == [
        ["编号", "姓名"],
        ["0042", "王小明"],
        [],
        ["", "", '=HYPERLINK("http://x","y")'],
    ]


def test_tool_tabs_are_replaced_created_and_deleted() -> None:
    book = MemoryBook({"名单": [["x"]], "报告": [["旧"], ["旧"]], "旧表": [["y"]]})
    batch = WriteBatch()
    batch.replace_tab(
        "报告",
        TabContent(rows=[["类别", "金额"], ["交通", "100"]], formulas={(3, 2): "SUM(B2:B2)"}),
    )
    batch.replace_tab("新报告", TabContent(rows=[["z"]]))
    batch.delete_tab("旧表")
    book.apply(batch)
    assert list(book.read()) == ["名单", "报告", "新报告"]
    assert book.tab("报告") == [["类别", "金额"], ["交通", "100"], ["", "=SUM(B2:B2)"]]


def test_applies_and_history_count_only_non_empty_batches(memory_book: MemoryBook) -> None:
    memory_book.apply(WriteBatch())
    memory_book.apply(WriteBatch(cells={"名单": {}}))
    assert (memory_book.applies, memory_book.history) == (0, [])
    batch = WriteBatch()
    batch.replace_tab("报告", TabContent(rows=[["a"]]))
    memory_book.apply(batch)
    batch.replace_tab("报告", TabContent(rows=[["changed after apply"]]))
    assert memory_book.applies == 1
    assert memory_book.history[0].tabs["报告"].rows == [["a"]]


def test_a_batch_naming_an_unknown_tab_changes_nothing() -> None:
    book = MemoryBook({"名单": [["x"]]}, name="县.xlsx")
    batch = WriteBatch()
    batch.set_cell("名单", 1, 1, "changed")
    batch.set_cell("志愿者", 1, 1, "y")
    with pytest.raises(TabNotFound) as err:
        book.apply(batch)
    assert str(err.value) == "工作簿 县.xlsx 中没有名为“志愿者”的工作表。请检查工作表名称。"
    assert book.tab("名单") == [["x"]]
    assert book.applies == 0
    with pytest.raises(TabNotFound):
        book.tab("志愿者")


# ----------------------------------------------------------------------------- dropdowns

CONFIRM = ["接受", "拒绝"]


@pytest.mark.parametrize(("content", "expected"), [
    pytest.param(TabContent([["编号", "确认"], ["1", ""], ["2", ""]], choices={2: CONFIRM}),
                 [Dropdown(2, 2, 3 + CHOICE_SPARE_ROWS, ("接受", "拒绝"))],
                 id="below-the-header-with-room-for-added-rows"),
    pytest.param(TabContent([["标题"], ["编号", "确认"], ["1", ""], [], ["其他"], ["编号"]],
                            header_rows=2, section_rows={5, 6}, choices={2: CONFIRM}),
                 [Dropdown(2, 3, 4, ("接受", "拒绝"))], id="down-to-the-first-section"),
    pytest.param(TabContent([["编号", "确认"], ["其他"]], section_rows={2}, choices={2: CONFIRM}),
                 [], id="no-data-rows-before-the-section"),
    pytest.param(TabContent([["a", "b", "c"]], choices={3: ["是"], 1: [], 2: ["甲", "乙"]}),
                 [Dropdown(2, 2, 2 + CHOICE_SPARE_ROWS, ("甲", "乙")),
                  Dropdown(3, 2, 2 + CHOICE_SPARE_ROWS, ("是",))],
                 id="by-column-and-empty-lists-skipped"),
])
def test_dropdowns_cover_the_data_rows(content: TabContent, expected: list[Dropdown]) -> None:
    assert content.dropdowns() == expected


def test_dropdowns_are_kept_replaced_and_deleted_with_their_tab() -> None:
    book = MemoryBook({"名单": [["编号"]]})
    first = WriteBatch()
    first.replace_tab("结对建议", TabContent([["编号", "确认"], ["1", ""]], choices={2: CONFIRM}))
    book.apply(first)
    assert book.dropdowns("结对建议") == [Dropdown(2, 2, 2 + CHOICE_SPARE_ROWS, ("接受", "拒绝"))]
    assert book.dropdowns("名单") == []
    staff = WriteBatch()
    staff.set_cell("结对建议", 2, 2, "同意")  # like a real book: other text is not refused
    book.apply(staff)
    assert book.tab("结对建议")[1] == ["1", "同意"]
    assert len(book.dropdowns("结对建议")) == 1
    second = WriteBatch()
    second.replace_tab("结对建议", TabContent([["编号", "确认"]]))
    book.apply(second)
    assert book.dropdowns("结对建议") == []
    third = WriteBatch()
    third.delete_tab("结对建议")
    book.apply(third)
    with pytest.raises(TabNotFound):
        book.dropdowns("结对建议")
