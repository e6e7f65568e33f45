"""Sync corner cases: a 合计 row, a moved record's own columns, same-named spokes, 同步日志."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.sync import sync_project
from sheets_sync.sync.project import project_from_dict
from sheets_sync.sync.state import State

from .samples import tool_records
from .test_sync_run import HUB_HEAD, TAB, _books, _project, _records, _set

HUB = "总表.xlsx"


def _synced(tmp_path: Path, books: dict[str, MemoryBook]) -> None:
    sync_project(_project(tmp_path), books=books)


# -- a 合计 row at the end of a tab ------------------------------------------------------


def _hub_with_total(blank_rows: int) -> dict[str, MemoryBook]:
    books = _books()
    rows = books[HUB].tab(TAB)
    rows += [[""] * 6 for _ in range(blank_rows)]
    rows.append(["合计", "3 人", "", "", "", ""])
    return books


def test_new_rows_fill_the_blank_rows_above_a_total_row(tmp_path: Path) -> None:
    books = _hub_with_total(blank_rows=2)
    _synced(tmp_path, books)
    books["满城.xlsx"].tab(TAB).append(["孙丽", "", "满城", "一小", "3"])
    sync_project(_project(tmp_path), books=books)
    rows = books[HUB].read()[TAB].rows
    assert rows[4][:2] == ["C0004", "孙丽"]
    assert rows[-1][:2] == ["合计", "3 人"]
    assert len(rows) == 7


@pytest.mark.parametrize("blank_rows", [
    pytest.param(0, id="no blank row above the total"),
    pytest.param(1, id="fewer blank rows than new records"),
])
def test_new_rows_below_a_total_row_are_announced_and_the_total_is_no_record(
        tmp_path: Path, blank_rows: int) -> None:
    books = _hub_with_total(blank_rows)
    _synced(tmp_path, books)
    books["满城.xlsx"].tab(TAB).extend([["孙丽", "", "满城", "一小", "3"],
                                        ["钱多", "", "满城", "一小", "4"]])
    result = sync_project(_project(tmp_path), books=books)
    assert (f"{HUB}:“{TAB}”的合计行(第 {5 + blank_rows} 行)上方空行不够,"
            f"{2 - blank_rows} 条新记录写在了合计行下面;请在表格中把合计行移到最后,"
            "并检查合计公式的范围。") in result.plan
    assert set(_records(books[HUB])) == {"C0001", "C0002", "C0003", "C0004", "C0005", "合计"}
    assert "合计" not in _records(books["顺平.xlsx"]) | _records(books["满城.xlsx"])
    again = sync_project(_project(tmp_path), books=books)
    assert again.counts["new_ids"] == 0
    assert again.plan == []
    state = State.open(_project(tmp_path).state_path)
    try:
        assert "合计" not in state.bases("child", HUB)  # the total row is no record
    finally:
        state.close()


# -- a record moving between spokes keeps its own columns ---------------------------------


def test_a_moved_records_own_columns_go_to_the_recycle_tab_when_the_new_spoke_lacks_them(
        tmp_path: Path) -> None:
    books = _books()
    _synced(tmp_path, books)
    _set(books["满城.xlsx"], "C0001", "县", "顺平")
    result = sync_project(_project(tmp_path), books=books)
    assert "C0001" in _records(books["顺平.xlsx"])
    recycle = tool_records(books[HUB].read()["回收站"].rows)
    assert {k: v for k, v in recycle[0].items() if v and k not in {"时间", "运行"}} == {
        "表单": TAB, "编号": "C0001", "去向": "移到 顺平.xlsx", "原所在工作簿": "满城.xlsx",
        "带队备注": "已家访"}
    assert result.counts["moved"] == 1
    assert sync_project(_project(tmp_path), books=books).plan == []


def test_a_moved_records_own_columns_follow_it_when_the_new_spoke_has_them(
        tmp_path: Path) -> None:
    books = _books()
    books["顺平.xlsx"] = MemoryBook({TAB: [["编号", "姓名", "县", "学校", "年级", "带队备注"]]},
                                   name="顺平.xlsx")
    _synced(tmp_path, books)
    _set(books["满城.xlsx"], "C0001", "县", "顺平")
    sync_project(_project(tmp_path), books=books)
    rows = books["顺平.xlsx"].read()[TAB].rows
    assert ["C0001", "王小红", "顺平", "一小", "3", "已家访"] in rows
    assert "回收站" not in books[HUB].read()


# -- two spokes with the same file name in different folders --------------------------------


def test_same_named_spokes_in_two_folders_keep_their_own_state(tmp_path: Path) -> None:
    for folder in ("一队", "二队"):
        (tmp_path / folder).mkdir()
        write_workbook(tmp_path / folder / "分表.xlsx", {"封面": [[folder]]})
    write_workbook(tmp_path / HUB, {TAB: _books()[HUB].read()[TAB].rows})
    project = project_from_dict({
        "project": {"forms": ["child"]},
        "hub": {"book": HUB},
        "spokes": [{"book": "一队/分表.xlsx", "partition": {"county": "满城"}},
                   {"book": "二队/分表.xlsx", "partition": {"county": "顺平"}}],
    }, tmp_path)
    assert [s.book.name for s in project.spokes] == ["一队/分表.xlsx", "二队/分表.xlsx"]
    sync_project(project)

    def ids(folder: str) -> list[str]:
        return [r[0] for r in ExcelBook(tmp_path / folder / "分表.xlsx").read()[TAB].rows[1:]]

    assert (ids("一队"), ids("二队")) == (["C0001", "C0003"], ["C0002"])
    state = State.open(project.state_path)
    try:
        assert set(state.bases("child", "一队/分表.xlsx")) == {"C0001", "C0003"}
        assert set(state.bases("child", "二队/分表.xlsx")) == {"C0002"}
    finally:
        state.close()
    assert sync_project(project).plan == []


# -- 同步日志 ------------------------------------------------------------------------------


def test_a_run_that_changes_something_adds_one_log_row(tmp_path: Path) -> None:
    books = _books()
    _synced(tmp_path, books)
    log = books[HUB].read()["同步日志"].rows
    assert log[0] == ["时间", "运行", "结果", "新增", "修改单元格", "移出", "删除", "冲突",
                      "新编号", "说明", "工作簿", "确认删除"]
    assert len(log) == 2
    _set(books["满城.xlsx"], "C0003", "年级", "6")
    result = sync_project(_project(tmp_path), books=books)
    log = books[HUB].read()["同步日志"].rows
    assert log[2][1:9] == [str(result.run_id), "完成", "0", "1", "0", "0", "0", "0"]
    last = books[HUB].history[-1]  # the log grows by its new cells, never rewritten
    assert "同步日志" not in last.tabs
    assert {r for r, _ in last.cells["同步日志"]} == {3}
    sync_project(_project(tmp_path), books=books)
    assert len(books[HUB].read()["同步日志"].rows) == 3
    assert books[HUB].read()[TAB].rows[0] == HUB_HEAD
