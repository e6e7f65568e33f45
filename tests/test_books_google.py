"""GoogleBook over real HTTP against the local Sheets server (sheets_sync.testing).

Every test talks to a fresh FakeSheets through the book's own seam (``endpoint=fake.url``:
a local endpoint needs no credentials); gspread, where a test uses it to act like a
browser, goes through its ``session`` seam. Retry waits go to a fake clock, so a storm of
failures costs no wall time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gspread.utils import ValueInputOption
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.books import open_book
from sheets_sync.books.base import CHOICE_SPARE_ROWS, Chart, PrintSetup, TabContent, WriteBatch
from sheets_sync.books.credentials import (
    CredentialsMissing,
    CredentialsUnreadable,
    load_credentials,
)
from sheets_sync.books.google import (
    PROTECT_NOTE,
    GoogleBook,
    GoogleRequestRejected,
    SpreadsheetInfo,
    SpreadsheetNotFound,
    SpreadsheetNotShared,
    plan_requests,
    spreadsheet_key,
)
from sheets_sync.books.retry import GoogleUnavailable, RetryPolicy
from sheets_sync.errors import BookError, TabNotFound
from sheets_sync.testing import FakeSheets
from sheets_sync.testing.state import Sheet

ROBOT = "sheets-sync-robot@demo-project.iam.gserviceaccount.com"
TABS = {
    "儿童登记": [["编号", "姓名", "身份证号"], ["0042", "王小明", "130602201501011234"]],
    "学校": [["学校名称"], ["第一小学"]],
}


class FakeClock:
    """Time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def policy(clock: FakeClock, budget: float = 300.0, read_timeout: float = 5.0) -> RetryPolicy:
    return RetryPolicy(budget=budget, sleep=clock.sleep, clock=clock.now, jitter=lambda: 1.0,
                       read_timeout=read_timeout)


def make_book(fake: FakeSheets, key: str, clock: FakeClock, **kwargs: Any) -> GoogleBook:
    retry = kwargs.pop("retry", None) or policy(clock)
    return GoogleBook(key, endpoint=fake.url, retry=retry, **kwargs)


def tab(fake: FakeSheets, key: str, title: str) -> Sheet:
    """The server's state of one tab (read it under ``fake.store.lock``)."""
    sheet = fake.spreadsheet(key).by_title(title)
    assert sheet is not None
    return sheet


def all_values(fake: FakeSheets, key: str) -> dict[str, list[list[str]]]:
    with fake.store.lock:
        titles = [s.title for s in fake.spreadsheet(key).sheets]
    return {t: fake.values(key, t) for t in titles}


def calls(fake: FakeSheets) -> list[str]:
    """The request log as ``GET meta``, ``GET batchGet``, ``POST batchUpdate`` lines."""
    names = []
    for r in fake.requests:
        kind = ("batchGet" if r.path.endswith("values:batchGet")
                else "batchUpdate" if r.path.endswith(":batchUpdate") else "meta")
        names.append(f"{r.method} {kind} {r.status}")
    return names


def a_batch() -> WriteBatch:
    """Cell edits in a user tab, a new generated tab, and a deleted tab."""
    batch = WriteBatch()
    batch.set_cell("儿童登记", 2, 2, "王晓明")
    batch.set_cell("儿童登记", 3, 1, "0043")
    batch.replace_tab("校验问题", TabContent([["工作表", "单元格", "问题"],
                                               ["儿童登记", "C2", "身份证号校验位不对"]]))
    batch.delete_tab("学校")
    return batch


EXPECTED_AFTER = {
    "儿童登记": [["编号", "姓名", "身份证号"], ["0042", "王晓明", "130602201501011234"],
                 ["0043", "", ""]],
    "校验问题": [["工作表", "单元格", "问题"], ["儿童登记", "C2", "身份证号校验位不对"]],
}


# -- round trips -------------------------------------------------------------------------

ROUND_TRIP = [
    pytest.param("0042", id="leading-zeros"),
    pytest.param("130602201501011234", id="18-digit-id"),
    pytest.param("13060220150101123X", id="id-with-x"),
    pytest.param('=HYPERLINK("http://example.org","看")', id="formula-looking-text"),
    pytest.param("=1+1", id="sum-looking-text"),
    pytest.param("+1", id="plus-sign"),
    pytest.param("-5", id="minus-sign"),
    pytest.param("@x", id="at-sign"),
    pytest.param("'0042", id="apostrophe"),
    pytest.param("2026-07-01", id="iso-date"),
    pytest.param("2026/7/1", id="slash-date"),
    pytest.param("1,200.50", id="money-with-comma"),
    pytest.param("1e5", id="scientific-looking"),
    pytest.param("TRUE", id="boolean-looking"),
    pytest.param("第一行\n第二行", id="line-break"),
    pytest.param("  留白  ", id="surrounding-spaces"),
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_text_written_comes_back_as_the_same_text(fake: FakeSheets, clock: FakeClock,
                                                   text: str) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    batch = WriteBatch()
    batch.set_cell("儿童登记", 3, 3, text)
    make_book(fake, key, clock).apply(batch)
    assert make_book(fake, key, clock).read()["儿童登记"].cell(3, 3) == text
    with fake.store.lock:
        stored = tab(fake, key, "儿童登记").cell(2, 2).entered
    assert stored == {"stringValue": text}  # not a number, date or formula


@given(text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_round_trips(text: str) -> None:
    with FakeSheets() as fake:
        key = fake.create_spreadsheet("项目", {"表": [["标题"]]})
        book = GoogleBook(key, endpoint=fake.url)
        batch = WriteBatch()
        batch.set_cell("表", 2, 1, text)
        book.apply(batch)
        assert book.read()["表"].cell(2, 1) == text


def test_dates_and_numbers_are_read_as_the_user_sees_them(fake: FakeSheets,
                                                          clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", {"名单": [["编号", "出生日期", "金额"]]})
    ws = fake.client().open_by_key(key).sheet1
    ws.update([["0042", "2026/7/1", "1200.5"]], "A2", value_input_option=ValueInputOption.user_entered)
    rows = make_book(fake, key, clock).read()["名单"].rows
    # typed by a user, Google turned them into a number and a date serial: we read the display
    assert rows[1] == ["42", "2026/07/01", "1200.5"]


def test_read_trims_and_keeps_tab_order(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", {"乙": [["x", "", ""], ["", "", ""]], "甲": [],
                                           "丙 ' 表": [["", "y"]]})
    tabs = make_book(fake, key, clock).read()
    assert list(tabs) == ["乙", "甲", "丙 ' 表"]
    assert [t.rows for t in tabs.values()] == [[["x"]], [], [["", "y"]]]


# -- request counts ----------------------------------------------------------------------


def test_read_of_twelve_tabs_is_one_metadata_get_and_one_batch_get(fake: FakeSheets,
                                                                   clock: FakeClock) -> None:
    tabs = {f"表{i}": [["编号"], [f"{i:04d}"]] for i in range(12)}
    key = fake.create_spreadsheet("项目", tabs)
    read = make_book(fake, key, clock).read()
    assert calls(fake) == ["GET meta 200", "GET batchGet 200"]
    batch_get = fake.requests[1].query
    assert len(batch_get["ranges"]) == 12
    assert batch_get["valueRenderOption"] == ["FORMATTED_VALUE"]
    assert read["表11"].rows == [["编号"], ["0011"]]


def test_write_after_read_is_one_batch_update(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    book.read()
    fake.reset_log()
    book.apply(a_batch())
    assert calls(fake) == ["POST batchUpdate 200"]
    assert all_values(fake, key) == EXPECTED_AFTER


def test_write_without_read_looks_up_the_tabs_first(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    make_book(fake, key, clock).apply(a_batch())
    assert calls(fake) == ["GET meta 200", "POST batchUpdate 200"]
    assert all_values(fake, key) == EXPECTED_AFTER


def test_an_empty_batch_sends_nothing(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    make_book(fake, key, clock).apply(WriteBatch())
    assert fake.requests == []


def test_only_changed_cells_are_sent_with_adjacent_cells_merged() -> None:
    info = SpreadsheetInfo.from_json({"sheets": [
        {"properties": {"sheetId": 7, "title": "名单", "index": 0,
                        "gridProperties": {"rowCount": 1000, "columnCount": 26}}}]})
    batch = WriteBatch()
    for row in range(2, 6):  # a column of four changed cells: one block
        batch.set_cell("名单", row, 3, f"{row:04d}")
    batch.set_cell("名单", 9, 1, "甲")  # a run of two in one row
    batch.set_cell("名单", 9, 2, "")
    batch.set_cell("名单", 20, 5, "乙")
    requests = plan_requests(info, batch)
    updates = [r["updateCells"] for r in requests]
    assert [(u["start"]["rowIndex"], u["start"]["columnIndex"], len(u["rows"])) for u in updates] \
        == [(1, 2, 4), (8, 0, 1), (19, 4, 1)]
    sent = [cell for u in updates for row in u["rows"] for cell in row["values"]]
    assert len(sent) == batch.n_cells() == 7
    assert updates[1]["rows"][0]["values"] == [{"userEnteredValue": {"stringValue": "甲"}}, {}]
    assert all(u["fields"] == "userEnteredValue" for u in updates)


# -- what a write does -------------------------------------------------------------------


def test_generated_tab_has_header_freeze_widths_note_formula_and_warning(
        fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    content = TabContent([["学校", "人数"], ["第一小学", "3"], ["第二小学", "=4"]],
                         widths={1: 20.0}, formulas={(4, 2): "COUNTA(A2:A3)"}, note="由工具生成")
    batch = WriteBatch()
    batch.replace_tab("统计", content)
    make_book(fake, key, clock).apply(batch)
    assert fake.values(key, "统计") == [["学校", "人数"], ["第一小学", "3"], ["第二小学", "=4"],
                                        ["", "2"]]
    with fake.store.lock:
        sheet = tab(fake, key, "统计")
        assert sheet.props["gridProperties"]["frozenRowCount"] == 1
        assert (sheet.cell(0, 1).fmt or {})["textFormat"]["bold"] is True
        assert sheet.cell(1, 0).fmt is None
        assert sheet.cell(0, 0).note == "由工具生成"
        assert sheet.cell(3, 1).entered == {"formulaValue": "=COUNTA(A2:A3)"}
        assert sheet.cell(2, 1).entered == {"stringValue": "=4"}
        assert sheet.col_meta[0]["pixelSize"] == 145
        assert [(p["description"], p.get("warningOnly")) for p in sheet.protected] == [
            (PROTECT_NOTE, True)]


def test_replacing_a_generated_tab_rebuilds_it_in_place(fake: FakeSheets,
                                                        clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    first = WriteBatch()
    first.replace_tab("校验问题", TabContent([["问题"], *[[f"第{i}条"] for i in range(50)]],
                                            note="旧说明"))
    book.apply(first)
    with fake.store.lock:
        sheet_id = tab(fake, key, "校验问题").sheet_id
    second = WriteBatch()
    second.replace_tab("校验问题", TabContent([["问题", "位置"], ["只剩一条", "A1"]]))
    book.read()
    book.apply(second)
    assert fake.values(key, "校验问题") == [["问题", "位置"], ["只剩一条", "A1"]]
    with fake.store.lock:
        sheet = tab(fake, key, "校验问题")
        assert sheet.sheet_id == sheet_id  # links to the tab keep working
        assert sheet.cell(0, 0).note is None
        assert len(sheet.protected) == 1


# -- report layout and dropdowns -----------------------------------------------------------

MONEY, COUNT, RATE = "#,##0.00", "0", "0.0%"


def report_tab(*, chart_anchor: str = "F2") -> TabContent:
    """A budget-like report: a merged title, numbers, a total formula, a section, a chart."""
    return TabContent(
        rows=[["预算执行情况"], ["类别", "预算", "支出", "执行率"],
              ["交通", "1215", "1162.76", "0.957"], ["餐费", "800", "400", "0.5"],
              ["合计"], [], ["人数"], ["儿童", "42"]],
        header_rows=2,
        numbers={(3, 2): MONEY, (3, 3): MONEY, (3, 4): RATE, (4, 2): MONEY, (4, 3): MONEY,
                 (4, 4): RATE, (5, 2): MONEY, (8, 2): COUNT},
        formulas={(5, 2): "=SUM(B3:B4)"}, section_rows={7}, bold_rows={5},
        merges=[(1, 1, 1, 4)],
        charts=[Chart("各类别预算与支出", categories=(1, 3, 4), series=((2, 3, 4), (3, 3, 4)),
                      anchor=chart_anchor, y_title="元")],
        print_setup=PrintSetup(landscape=True), protected=True)


REPORT_SHOWN = [["预算执行情况"], ["类别", "预算", "支出", "执行率"],
                ["交通", "1,215.00", "1,162.76", "95.7%"], ["餐费", "800.00", "400.00", "50.0%"],
                ["合计", "2,015.00"], [], ["人数"], ["儿童", "42"]]


def write_report(book: GoogleBook, content: TabContent | None = None) -> None:
    batch = WriteBatch()
    batch.replace_tab("预算汇总", content or report_tab())
    book.apply(batch)


def test_a_report_tab_shows_numbers_formatted_sections_merges_and_a_chart(
        fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    book.read()
    fake.reset_log()
    write_report(book)
    assert calls(fake) == ["POST batchUpdate 200"]
    assert book.read()["预算汇总"].rows == REPORT_SHOWN
    with fake.store.lock:
        sheet = tab(fake, key, "预算汇总")
        sid = sheet.sheet_id
        assert sheet.cell(2, 1).entered == {"numberValue": 1215}
        assert sheet.cell(2, 3).entered == {"numberValue": 0.957}
        assert (sheet.cell(2, 3).fmt or {})["numberFormat"] == {"type": "PERCENT",
                                                                "pattern": "0.0%"}
        assert sheet.cell(4, 1).entered == {"formulaValue": "=SUM(B3:B4)"}
        assert (sheet.cell(4, 1).fmt or {})["numberFormat"] == {"type": "NUMBER",
                                                                "pattern": "#,##0.00"}
        assert sheet.cell(7, 0).entered == {"stringValue": "儿童"}  # a text cell stays text
        assert (sheet.cell(6, 3).fmt or {})["backgroundColor"] == (
            sheet.cell(1, 3).fmt or {})["backgroundColor"]  # the section row looks like a header
        assert (sheet.cell(4, 3).fmt or {})["textFormat"] == {"bold": True}
        assert "backgroundColor" not in (sheet.cell(4, 3).fmt or {})
        assert sheet.cell(2, 0).fmt is None
        assert sheet.merges == [{"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1,
                                 "startColumnIndex": 0, "endColumnIndex": 4}]
        [chart] = sheet.charts
    basic = chart["spec"]["basicChart"]
    assert chart["spec"]["title"] == "各类别预算与支出"
    assert basic["chartType"] == "COLUMN" and basic["headerCount"] == 1
    assert basic["axis"] == [{"position": "LEFT_AXIS", "title": "元"}]

    def columns(source: dict[str, Any]) -> tuple[int, int, int]:
        [box] = source["sourceRange"]["sources"]
        assert box["sheetId"] == sid and box["endColumnIndex"] == box["startColumnIndex"] + 1
        return box["startColumnIndex"], box["startRowIndex"], box["endRowIndex"]

    assert [columns(d["domain"]) for d in basic["domains"]] == [(0, 1, 4)]  # A2:A4
    assert [columns(s["series"]) for s in basic["series"]] == [(1, 1, 4), (2, 1, 4)]
    assert chart["position"]["overlayPosition"]["anchorCell"] == {
        "sheetId": sid, "rowIndex": 1, "columnIndex": 5}


@pytest.mark.parametrize("read_between", [
    pytest.param(True, id="after-a-read"),
    pytest.param(False, id="without-a-read"),
])
def test_writing_a_report_again_leaves_one_chart_and_one_merge(
        fake: FakeSheets, clock: FakeClock, read_between: bool) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    write_report(book)
    if read_between:
        book.read()
    write_report(book)
    assert fake.values(key, "预算汇总")[2] == ["交通", "1,215.00", "1,162.76", "95.7%"]
    with fake.store.lock:
        sheet = tab(fake, key, "预算汇总")
        assert len(sheet.charts) == 1
        assert len(sheet.merges) == 1
        assert len(sheet.protected) == 1


def test_a_rewrite_without_charts_or_merges_removes_the_old_ones(fake: FakeSheets,
                                                                  clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    write_report(book)
    write_report(book, TabContent([["类别", "预算"], ["交通", "1215"]]))
    assert fake.values(key, "预算汇总") == [["类别", "预算"], ["交通", "1215"]]
    with fake.store.lock:
        sheet = tab(fake, key, "预算汇总")
        assert sheet.charts == [] and sheet.merges == []
        assert sheet.cell(1, 1).entered == {"stringValue": "1215"}
        assert sheet.cell(1, 1).fmt is None


@pytest.mark.parametrize("inject", [
    pytest.param(lambda f: f.drop_next(1, method="POST", commit=True), id="dropped-after-applying"),
    pytest.param(lambda f: f.fail_next(1, 503, method="POST", commit=True), id="503-after-applying"),
])
def test_a_chart_written_but_unanswered_is_not_doubled(fake: FakeSheets, clock: FakeClock,
                                                       inject: Any) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    write_report(book)
    book.read()
    fake.reset_log()
    inject(fake)
    write_report(book)  # the rewrite lands, the answer is lost: planned again, sent again
    assert calls(fake)[-2:] == ["GET meta 200", "POST batchUpdate 200"]
    assert book.read()["预算汇总"].rows == REPORT_SHOWN
    with fake.store.lock:
        assert len(tab(fake, key, "预算汇总").charts) == 1


def test_a_chart_anchor_that_is_not_a_cell_is_refused_before_sending(fake: FakeSheets,
                                                                     clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    book.read()
    fake.reset_log()
    with pytest.raises(BookError) as err:
        write_report(book, report_tab(chart_anchor="右边"))
    assert str(err.value) == ("工作表“预算汇总”的图表“各类别预算与支出”的位置“右边”不是单元格地址"
                              "(应像 H2 这样)。(表格 项目 没有改动)")
    assert calls(fake) == []


def suggestions(n: int) -> TabContent:
    """A 结对建议-like tab: ``n`` proposals with a 确认 dropdown, then a section."""
    rows = [["儿童编号", "志愿者编号", "确认"], *[[f"C{i:04d}", f"V{i:04d}", ""]
                                                  for i in range(1, n + 1)],
            [], ["未能结对的儿童(0 名)"], ["儿童编号", "原因"]]
    return TabContent(rows, section_rows={n + 3, n + 4}, choices={3: ["接受", "拒绝"]})


def validations(fake: FakeSheets, book: GoogleBook, key: str) -> dict[str, Any]:
    """Column C's data validation per row, as spreadsheets.get answers with grid data."""
    resp = book.session.get(
        f"{book.endpoint}/v4/spreadsheets/{key}",
        params={"ranges": "'结对建议'!C:C",
                "fields": "sheets.data.rowData.values.dataValidation"})
    assert resp.status_code == 200
    rows = resp.json()["sheets"][0]["data"][0].get("rowData") or []
    found = {f"C{i}": (row.get("values") or [{}])[0].get("dataValidation")
             for i, row in enumerate(rows, start=1)}
    return {cell: rule for cell, rule in found.items() if rule is not None}


RULE = {"condition": {"type": "ONE_OF_LIST",
                      "values": [{"userEnteredValue": "接受"}, {"userEnteredValue": "拒绝"}]},
        "inputMessage": "请从下拉列表中选择:接受、拒绝", "strict": False, "showCustomUi": True}


def test_a_dropdown_covers_the_data_rows_down_to_the_next_section(fake: FakeSheets,
                                                                  clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    batch = WriteBatch()
    batch.replace_tab("结对建议", suggestions(3))
    book.apply(batch)
    assert validations(fake, book, key) == {"C2": RULE, "C3": RULE, "C4": RULE, "C5": RULE}
    with fake.store.lock:
        sheet = tab(fake, key, "结对建议")
        [protection] = sheet.protected
        assert protection["warningOnly"] is True
        assert protection["unprotectedRanges"] == [  # staff fill C2:C5 without a warning
            {"sheetId": sheet.sheet_id, "startRowIndex": 1, "endRowIndex": 5,
             "startColumnIndex": 2, "endColumnIndex": 3}]


def test_rewriting_a_dropdown_tab_moves_the_rule_and_piles_nothing_up(
        fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    for n in (3, 1):
        batch = WriteBatch()
        batch.replace_tab("结对建议", suggestions(n))
        book.apply(batch)
    assert validations(fake, book, key) == {"C2": RULE, "C3": RULE}
    with fake.store.lock:
        sheet = tab(fake, key, "结对建议")
        [protection] = sheet.protected
        assert protection["unprotectedRanges"] == [
            {"sheetId": sheet.sheet_id, "startRowIndex": 1, "endRowIndex": 3,
             "startColumnIndex": 2, "endColumnIndex": 3}]


def test_a_dropdown_without_sections_leaves_room_for_added_rows(fake: FakeSheets,
                                                                clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    batch = WriteBatch()
    batch.replace_tab("决定", TabContent([["编号", "决定"], ["1", ""]], choices={2: ["是", "否"]}))
    book.apply(batch)
    with fake.store.lock:
        sheet = tab(fake, key, "决定")
        assert sheet.rows == 2 + CHOICE_SPARE_ROWS
        assert sheet.cell(0, 1).validation is None
        assert sheet.cell(1, 1).validation is not None
        assert sheet.cell(1 + CHOICE_SPARE_ROWS, 1).validation is not None


def test_cells_outside_the_grid_grow_it(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)  # 1000 x 26
    batch = WriteBatch()
    batch.set_cell("儿童登记", 1500, 30, "远处")
    book = make_book(fake, key, clock)
    book.apply(batch)
    assert book.read()["儿童登记"].cell(1500, 30) == "远处"


def test_a_missing_tab_is_refused_before_anything_is_sent(fake: FakeSheets,
                                                          clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    batch = WriteBatch()
    batch.set_cell("志愿者", 2, 1, "x")
    with pytest.raises(TabNotFound) as err:
        make_book(fake, key, clock).apply(batch)
    assert str(err.value) == "工作簿 项目 中没有名为“志愿者”的工作表。请检查工作表名称。"
    assert calls(fake) == ["GET meta 200"]


def test_a_cell_over_google_limit_is_refused_naming_the_cell(fake: FakeSheets,
                                                             clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    batch = WriteBatch()
    batch.set_cell("儿童登记", 4, 2, "长" * 50_001)
    with pytest.raises(BookError) as err:
        make_book(fake, key, clock).apply(batch)
    assert str(err.value) == (
        "工作表“儿童登记”的单元格 B4 的内容有 50001 个字符,超过了 Google 表格单个单元格的上限 "
        "50000 个字符。请缩短内容后重新运行。(表格 项目 没有改动)")
    assert all_values(fake, key)["儿童登记"] == TABS["儿童登记"]


def test_deleting_every_tab_is_refused(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    batch = WriteBatch()
    batch.delete_tab("儿童登记")
    batch.delete_tab("学校")
    with pytest.raises(BookError, match="将没有可见的工作表"):
        make_book(fake, key, clock).apply(batch)


def test_a_batch_over_the_payload_limit_is_split(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    rows = [["编号", "内容"], *[[f"{i:05d}", "内容" * 20] for i in range(3000)]]
    batch = WriteBatch()
    batch.replace_tab("大表", TabContent(rows))
    make_book(fake, key, clock, max_payload=100_000).apply(batch)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) > 3
    assert all(r.body_size <= 100_000 for r in posts)
    assert fake.values(key, "大表") == rows


def test_a_stale_tab_list_is_looked_up_again(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", {**TABS, "校验问题": [["旧"]]})
    book = make_book(fake, key, clock)
    book.read()
    sh = fake.client().open_by_key(key)
    sh.del_worksheet(sh.worksheet("校验问题"))  # someone deletes it between read and write
    fake.reset_log()
    book.apply(a_batch())
    assert calls(fake) == ["POST batchUpdate 400", "GET meta 200", "POST batchUpdate 200"]
    assert all_values(fake, key) == EXPECTED_AFTER


def test_a_tab_gone_between_list_and_values_is_read_again(fake: FakeSheets,
                                                           clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    fake.fail_next(1, 400, path="values:batchGet", message="Unable to parse range: '学校'")
    tabs = make_book(fake, key, clock).read()
    assert calls(fake) == ["GET meta 200", "GET batchGet 400", "GET meta 200",
                           "GET batchGet 200"]
    assert {t: g.rows for t, g in tabs.items()} == TABS


def test_a_write_google_refuses_is_reported_and_changes_nothing(fake: FakeSheets,
                                                                clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    fake.fail_next(1, 400, method="POST", message="Invalid requests[0].updateCells: 原因")
    with pytest.raises(GoogleRequestRejected) as err:
        make_book(fake, key, clock).apply(a_batch())
    assert str(err.value) == (
        "Google 表格“项目”拒绝了请求(HTTP 400):Invalid requests[0].updateCells: 原因。"
        "本次修改没有写入(Google 表格保持原样)。"
        "请检查上面提到的工作表或单元格;无法解决时,请把这条消息发给维护人员。")
    assert calls(fake) == ["GET meta 200", "POST batchUpdate 400"]  # fresh tab list: no retry
    assert all_values(fake, key) == TABS


# -- faults ------------------------------------------------------------------------------

READ_FAULTS = [
    pytest.param(lambda f: f.fail_next(6, 429), id="429-storm"),
    pytest.param(lambda f: f.fail_next(3, 503), id="503s"),
    pytest.param(lambda f: f.fail_next(2, 500), id="500s"),
    pytest.param(lambda f: f.fail_next(2, 408), id="408s"),
    pytest.param(lambda f: f.drop_next(3), id="dropped-connections"),
    pytest.param(lambda f: f.slow(0.5, n=1), id="slow-answer-timeout"),
]


@pytest.mark.parametrize("inject", READ_FAULTS)
def test_read_survives_transient_faults(fake: FakeSheets, clock: FakeClock, inject: Any) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock, retry=policy(clock, read_timeout=0.2))
    inject(fake)
    assert {t: g.rows for t, g in book.read().items()} == TABS
    assert clock.sleeps  # it waited between tries


def test_waits_grow_exponentially_and_honour_retry_after(fake: FakeSheets,
                                                         clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    fake.fail_next(5, 429)
    fake.fail_next(1, 503, retry_after=20)
    make_book(fake, key, clock).read()
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    fake.fail_next(1, 503, retry_after=20)
    clock.sleeps.clear()
    make_book(fake, key, clock).read()
    assert clock.sleeps == [20.0]


WRITE_FAULTS = [
    pytest.param(lambda f: f.fail_next(3, 429, method="POST"),
                 ["POST batchUpdate 429"] * 3 + ["POST batchUpdate 200"], id="429-storm"),
    pytest.param(lambda f: f.fail_next(1, 500, method="POST"),
                 ["POST batchUpdate 500", "GET meta 200", "POST batchUpdate 200"],
                 id="500-not-applied"),
    pytest.param(lambda f: f.fail_next(1, 500, method="POST", commit=True),
                 ["POST batchUpdate 500", "GET meta 200", "POST batchUpdate 200"],
                 id="500-after-applying"),
    pytest.param(lambda f: f.fail_next(2, 503, method="POST", commit=True),
                 ["POST batchUpdate 503", "GET meta 200"] * 2 + ["POST batchUpdate 200"],
                 id="two-503s-after-applying"),
    pytest.param(lambda f: f.drop_next(1, method="POST"),
                 ["POST batchUpdate 0", "GET meta 200", "POST batchUpdate 200"],
                 id="dropped-not-applied"),
    pytest.param(lambda f: f.drop_next(1, method="POST", commit=True),
                 ["POST batchUpdate 0", "GET meta 200", "POST batchUpdate 200"],
                 id="dropped-after-applying"),
]


@pytest.mark.parametrize(("inject", "expected_calls"), WRITE_FAULTS)
def test_write_survives_faults_and_applies_exactly_once(
        fake: FakeSheets, clock: FakeClock, inject: Any, expected_calls: list[str]) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock)
    book.read()
    fake.reset_log()
    inject(fake)
    book.apply(a_batch())  # adds a tab: applying it twice would fail "already exists"
    assert calls(fake) == expected_calls
    assert all_values(fake, key) == EXPECTED_AFTER
    with fake.store.lock:
        assert len(tab(fake, key, "校验问题").protected) == 1


def test_write_that_times_out_but_lands_is_not_doubled(fake: FakeSheets,
                                                       clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock, retry=policy(clock, read_timeout=0.2))
    book.read()
    fake.slow(0.6, n=1)  # the server applies it after the client has given up
    book.apply(a_batch())
    assert all_values(fake, key) == EXPECTED_AFTER


def test_quota_per_minute_is_waited_out(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    fake.quota(per_minute=1, clock=clock.now)  # one read and one write per minute
    book = make_book(fake, key, clock)
    book.read()
    book.apply(a_batch())
    assert all_values(fake, key) == EXPECTED_AFTER
    assert sum(clock.sleeps) >= 60


def test_budget_exhausted_is_a_clear_error_and_nothing_is_written(
        fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock, retry=policy(clock, budget=30))
    book.read()
    fake.reset_log()
    fake.fail_next(1000, 429, method="POST")
    with pytest.raises(GoogleUnavailable) as err:
        book.apply(a_batch())
    assert str(err.value) == (
        "Google 表格“项目”暂时无法访问:请求太频繁,超过了 Google 的每分钟配额(HTTP 429)。"
        "已尝试 5 次、用时约 15 秒仍未成功,本次修改没有写入(Google 表格保持原样)。"
        "请稍后重新运行;如果经常出现,请检查网络连接,"
        "或减少同时使用这个 Google 账号的程序(Google 限制每分钟约 60 次请求)。")
    assert len(fake.requests) == 5
    assert all_values(fake, key) == TABS


def test_budget_exhausted_after_an_unanswered_write_says_it_may_have_landed(
        fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    book = make_book(fake, key, clock, retry=policy(clock, budget=30))
    book.read()
    fake.fail_next(1000, 503, method="POST")
    with pytest.raises(GoogleUnavailable) as err:
        book.apply(a_batch())
    assert "本次修改可能已经写入,也可能没有(Google 没有回应);不会只写入一部分,重新运行即可。" \
        in str(err.value)
    assert all_values(fake, key) == TABS


def test_budget_exhausted_while_reading(fake: FakeSheets, clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    fake.fail_next(1000, 503)
    with pytest.raises(GoogleUnavailable, match=r"Google 服务器暂时出错\(HTTP 503\).*没有读到表格内容"):
        make_book(fake, key, clock, retry=policy(clock, budget=10)).read()


def test_a_sheet_not_shared_names_the_service_account(fake: FakeSheets,
                                                      clock: FakeClock) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    fake.forbid(key)
    with pytest.raises(SpreadsheetNotShared) as err:
        make_book(fake, key, clock, account_email=ROBOT).read()
    assert str(err.value) == (
        f"没有权限访问 Google 表格 {key}(403)。请在浏览器中打开这个表格,点击右上角“共享”,"
        f"把它共享给服务账号 {ROBOT}(编辑者),然后重新运行。")
    assert len(fake.requests) == 1  # a 403 is not retried


def test_an_unknown_key_says_so(fake: FakeSheets, clock: FakeClock) -> None:
    key = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFG"
    with pytest.raises(SpreadsheetNotFound) as err:
        make_book(fake, key, clock).read()
    assert str(err.value) == (
        f"找不到 Google 表格 {key}(404)。请检查表格链接或 ID 是否复制完整、正确,"
        "以及表格是否已被删除或移到回收站。")


# -- credentials and open_book -----------------------------------------------------------


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def service_account_file(tmp_path: Path, private_key_pem: str) -> Path:
    path = tmp_path / "robot.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "demo-project", "private_key_id": "abc",
        "private_key": private_key_pem, "client_email": ROBOT, "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token"}), encoding="utf-8")
    return path


def test_service_account_key_gives_the_email(service_account_file: Path) -> None:
    creds = load_credentials(service_account_file)
    assert (creds.kind, creds.account_email) == ("service_account", ROBOT)


def test_oauth_user_token_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "authorized_user.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "id",
                                "client_secret": "s", "refresh_token": "r"}))
    creds = load_credentials(path)
    assert (creds.kind, creds.account_email) == ("authorized_user", None)


def test_credentials_come_from_the_environment(service_account_file: Path) -> None:
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(service_account_file)}
    assert load_credentials(env=env).account_email == ROBOT


def test_no_credentials_at_all_explains_where_to_get_them() -> None:
    with pytest.raises(CredentialsMissing) as err:
        load_credentials(env={})
    assert str(err.value) == (
        "没有找到 Google 凭据:请在 sheets-sync.toml 中写明服务账号 JSON 文件的路径,"
        "或设置环境变量 GOOGLE_APPLICATION_CREDENTIALS 指向它(在 Google Cloud 控制台"
        "“IAM 和管理 → 服务账号 → 密钥”中创建并下载)。")


def test_a_missing_credentials_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialsMissing) as err:
        load_credentials(tmp_path / "nope.json")
    assert str(err.value) == (
        f"找不到 Google 凭据文件 {tmp_path / 'nope.json'}。请检查路径是否正确"
        "(配置文件中的路径或环境变量 GOOGLE_APPLICATION_CREDENTIALS)。")


BAD_CREDENTIALS = [
    pytest.param("{not json", "不是有效的 JSON(第 1 行)", id="not-json"),
    pytest.param('["a"]', "JSON 内容不是一个对象", id="json-list"),
    pytest.param('{"type": "external_account"}',
                 '它不是服务账号密钥或 OAuth 用户令牌(type 为 "external_account",'
                 '应为 "service_account" 或 "authorized_user")', id="wrong-type"),
    pytest.param('{"type": "service_account", "client_email": "a@b", "token_uri": "t"}',
                 "服务账号密钥缺少字段 private_key", id="no-private-key"),
    pytest.param('{"type": "service_account", "client_email": "a@b", "token_uri": "t", '
                 '"private_key": "garbage"}', "服务账号密钥中的私钥无法解析", id="bad-private-key"),
    pytest.param('{"type": "authorized_user", "client_id": "x"}',
                 "OAuth 令牌文件缺少 refresh_token、client_id 或 client_secret",
                 id="incomplete-user-token"),
]


@pytest.mark.parametrize(("content", "reason"), BAD_CREDENTIALS)
def test_unusable_credentials_say_why(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "creds.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CredentialsUnreadable) as err:
        load_credentials(path)
    assert str(err.value) == (
        f"无法使用 Google 凭据文件 {path}:{reason}。请重新下载服务账号的 JSON 密钥"
        "(或重新登录生成 OAuth 令牌文件),不要手工修改它。")


KEY = "1X1fH-ZM9TBrKrmGsNmjQ8mT3OA94HhblZa_QFPiyCEs"


@pytest.mark.parametrize("text", [
    pytest.param(f"gsheet:{KEY}", id="gsheet-prefix"),
    pytest.param(f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0", id="url"),
    pytest.param(f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit", id="url-second-user"),
    pytest.param(Path(f"https://docs.google.com/spreadsheets/d/{KEY}"), id="url-through-path"),
])
def test_open_book_takes_google_addresses(text: str | Path, service_account_file: Path) -> None:
    assert spreadsheet_key(text) == KEY
    book = open_book(text, credentials=service_account_file)
    assert isinstance(book, GoogleBook)
    assert (book.key, book.account_email, book.name) == (KEY, ROBOT, f"gsheet:{KEY}")


def test_open_book_uses_the_environment_for_credentials(
        service_account_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file))
    book = open_book(f"gsheet:{KEY}")
    assert isinstance(book, GoogleBook) and book.account_email == ROBOT


def test_open_book_without_credentials_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    with pytest.raises(CredentialsMissing):
        open_book(f"gsheet:{KEY}")


@pytest.mark.parametrize("text", [
    pytest.param("gsheet:", id="empty-key"),
    pytest.param("https://docs.google.com/document/d/abc/edit", id="a-google-doc"),
])
def test_a_bad_google_address_is_refused(text: str, service_account_file: Path) -> None:
    with pytest.raises(BookError) as err:
        open_book(text, credentials=service_account_file)
    assert str(err.value) == (
        f"“{text}”不是有效的 Google 表格地址。请复制浏览器地址栏中的完整链接"
        "(https://docs.google.com/spreadsheets/d/…),或写成 gsheet:表格ID。")


# -- the seam: session and endpoint ------------------------------------------------------


def test_a_local_endpoint_needs_no_credentials(fake: FakeSheets,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    key = fake.create_spreadsheet("项目", TABS)
    book = open_book(f"gsheet:{key}", endpoint=fake.url + "/")
    assert isinstance(book, GoogleBook) and book.endpoint == fake.url
    assert book.read()["儿童登记"].rows == TABS["儿童登记"]
    assert [(r.api_method, r.status) for r in fake.requests] == [
        ("spreadsheets.get", 200), ("spreadsheets.values.batchGet", 200)]


class RecordingSession(requests.Session):
    """A session a caller hands in: every request the book sends goes through it."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["Authorization"] = "Bearer from-the-caller"
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.sent.append((method, url))
        return super().request(method, url, *args, **kwargs)


def test_the_session_given_carries_every_request(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    session = RecordingSession()
    book = open_book(f"gsheet:{key}", session=session, endpoint=fake.url)
    book.read()
    batch = WriteBatch()
    batch.set_cell("学校", 2, 1, "第二小学")
    book.apply(batch)
    assert [m for m, _ in session.sent] == ["GET", "GET", "POST"]
    assert all(url.startswith(f"{fake.url}/v4/spreadsheets/{key}") for _, url in session.sent)
    assert fake.values(key, "学校")[1] == ["第二小学"]


def test_a_gspread_client_still_works_as_the_session(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", TABS)
    assert GoogleBook(key, client=fake.client()).read()["学校"].rows == TABS["学校"]


def test_the_default_endpoint_is_googles(service_account_file: Path) -> None:
    book = open_book(f"gsheet:{KEY}", credentials=service_account_file)
    assert isinstance(book, GoogleBook) and book.endpoint == "https://sheets.googleapis.com"


@pytest.mark.parametrize(("endpoint", "reason"), [
    pytest.param("http://sheets.example.org", "= 'http://sheets.example.org' 不安全:只有本机地址"
                 "(127.0.0.1、localhost)可以用 http;其他地址请用 https,否则凭据会以明文发送。",
                 id="plain-http-off-this-machine"),
    pytest.param("127.0.0.1:8765", "= '127.0.0.1:8765' 不是有效的 http(s) 网址;"
                 '请写成例如 endpoint = "http://127.0.0.1:8765"。', id="no-scheme"),
])
def test_an_unsafe_or_malformed_endpoint_is_refused(endpoint: str, reason: str) -> None:
    with pytest.raises(BookError) as err:
        open_book(f"gsheet:{KEY}", endpoint=endpoint)
    assert str(err.value) == f"Google 表格的 endpoint {reason}"
