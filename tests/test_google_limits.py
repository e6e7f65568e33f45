"""GoogleBook plans within Google's limits, and refuses what Google would refuse before
sending anything: every message names the tab and the limit, in Chinese."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import gspread
import pytest

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.google import GoogleBook
from sheets_sync.books.google_plan import (
    GOOGLE_BODY_LIMIT,
    REQUEST_BYTES,
    SheetInfo,
    SpreadsheetInfo,
    plan_requests,
    split_payload,
)
from sheets_sync.errors import BookError
from sheets_sync.testing import FakeSheets

HEADER = ["编号", "姓名", "性别", "年级", "学校", "县", "监护人", "监护人电话", "住址", "备注"]


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


def posts(fake: FakeSheets) -> list[int]:
    return [r.body_size for r in fake.requests if r.method == "POST"]


def info(*sheets: SheetInfo) -> SpreadsheetInfo:
    return SpreadsheetInfo("项目", sheets)


def test_a_20000_by_10_dense_block_is_cut_under_the_limit_and_lands(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"儿童登记": [HEADER]})
    batch = WriteBatch()
    for r in range(2, 20_002):
        for c in range(1, 11):
            batch.set_cell("儿童登记", r, c, f"儿童{r:05d}-{c}")
    planned = plan_requests(info(SheetInfo(0, "儿童登记", 0, 1000, 26)), batch)
    cells = [req for req in planned if "updateCells" in req]
    sizes = [len(json.dumps(req, ensure_ascii=False, separators=(",", ":")).encode())
             for req in cells]
    assert len(cells) > 5 and max(sizes) <= REQUEST_BYTES
    assert sum(len(req["updateCells"]["rows"]) for req in cells) == 20_000
    assert all(len(b) < GOOGLE_BODY_LIMIT for b in split_payload(planned))

    GoogleBook(key, endpoint=fake.url).apply(batch)
    assert all(size < GOOGLE_BODY_LIMIT for size in posts(fake))
    values = fake.values(key, "儿童登记")
    assert len(values) == 20_001
    assert values[1][0] == "儿童00002-1" and values[20_000][9] == "儿童20001-10"


def test_a_row_too_big_for_one_request_is_cut_by_columns(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"谈心记录": [["记录"]]})
    batch = WriteBatch()
    row = [f"{c}:" + "谈" * 2000 for c in range(1, 41)]  # ~240 KB of JSON in one row
    for c, text in enumerate(row, start=1):
        batch.set_cell("谈心记录", 2, c, text)
    GoogleBook(key, endpoint=fake.url, max_payload=200_000).apply(batch)  # 25 KB per request
    assert len(posts(fake)) > 1 and all(size <= 200_000 for size in posts(fake))
    assert fake.values(key, "谈心记录")[1] == row


def test_a_generated_tab_with_a_huge_row_is_cut_too(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    rows = [["说明"], ["长" * 30_000, "文" * 30_000, "字" * 30_000]]
    batch = WriteBatch()
    batch.replace_tab("说明", TabContent(rows))
    planned = plan_requests(info(SheetInfo(0, "学校", 0, 1000, 26)), batch,
                            request_bytes=100_000)
    starts = [(r["updateCells"]["start"]["rowIndex"], r["updateCells"]["start"]["columnIndex"])
              for r in planned if "updateCells" in r and "start" in r["updateCells"]]
    assert starts == [(0, 0), (1, 0), (1, 1), (1, 2)]
    GoogleBook(key, endpoint=fake.url).apply(batch)
    assert fake.values(key, "说明") == [["说明", "", ""], rows[1]]


def test_widths_past_the_last_column_grow_the_grid_first(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    batch = WriteBatch()
    batch.replace_tab("统计", TabContent([["县", "人数"], ["满城", "40"]],
                                         widths={1: 8, 2: 6, 30: 12}))
    GoogleBook(key, endpoint=fake.url).apply(batch)
    with fake.store.lock:
        sheet = fake.spreadsheet(key).by_title("统计")
        assert sheet is not None
        assert sheet.cols == 30
        assert sheet.col_meta[29] == {"pixelSize": 89}


def test_the_server_refuses_a_width_outside_the_grid_as_google_does(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    gc = fake.client()
    with pytest.raises(gspread.exceptions.APIError, match=r"exceeds grid limits"):
        gc.open_by_key(key).batch_update({"requests": [{"updateDimensionProperties": {
            "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 30, "endIndex": 31},
            "properties": {"pixelSize": 80}, "fields": "pixelSize"}}]})


def test_a_merge_across_the_frozen_header_is_refused_before_sending(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    batch = WriteBatch()
    batch.replace_tab("统计", TabContent([["标题"], ["县"], ["满城"]], header_rows=2,
                                         merges=[(2, 1, 3, 2)]))
    with pytest.raises(BookError) as err:
        GoogleBook(key, endpoint=fake.url).apply(batch)
    assert str(err.value) == (
        "工作表“统计”的合并区域 A2:B3 跨过了冻结的表头(前 2 行冻结):Google 表格不允许把冻结行和"
        "非冻结行合并在一起。(表格 项目 没有改动)")
    assert posts(fake) == []


def test_a_merge_inside_the_header_is_written(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    batch = WriteBatch()
    batch.replace_tab("统计", TabContent([["标题", ""], ["县", "人数"]], header_rows=2,
                                         merges=[(1, 1, 2, 2)]))
    GoogleBook(key, endpoint=fake.url).apply(batch)
    with fake.store.lock:
        sheet = fake.spreadsheet(key).by_title("统计")
        assert sheet is not None and len(sheet.merges) == 1


def test_the_server_refuses_a_merge_across_frozen_rows(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    sh = fake.client().open_by_key(key)
    sh.sheet1.freeze(rows=1)
    with pytest.raises(gspread.exceptions.APIError,
                       match=re.escape("You can't merge frozen and non-frozen rows.")):
        sh.sheet1.merge_cells("A1:B3")


@pytest.mark.parametrize(("tabs", "existing", "message"), [
    pytest.param(["  "], "学校", "要写入 Google 表格 项目 的一个工作表没有名称(名称为空):Google "
                 "表格的工作表必须有名称。(表格 项目 没有改动)", id="empty-title"),
    pytest.param(["Summary", "summary"], "学校",
                 "工作表“summary”和“Summary”的名称只差大小写:Google 表格把它们看作同一个名称,一个"
                 "表格里不能同时有这两个工作表。请改掉其中一个名称。(表格 项目 没有改动)",
                 id="two-titles-differing-in-case"),
    pytest.param(["budget"], "Budget",
                 "工作表“budget”和“Budget”的名称只差大小写:Google 表格把它们看作同一个名称,一个"
                 "表格里不能同时有这两个工作表。请改掉其中一个名称。(表格 项目 没有改动)",
                 id="a-title-like-an-existing-tab"),
])
def test_titles_google_would_refuse_are_refused_before_sending(
        fake: FakeSheets, tabs: list[str], existing: str, message: str) -> None:
    key = fake.create_spreadsheet("项目", {existing: [["x"]]})
    batch = WriteBatch()
    for title in tabs:
        batch.replace_tab(title, TabContent([["a"]]))
    with pytest.raises(BookError) as err:
        GoogleBook(key, endpoint=fake.url).apply(batch)
    assert str(err.value) == message
    assert posts(fake) == []


def test_a_write_past_the_last_column_google_allows_is_refused(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]]})
    batch = WriteBatch()
    batch.set_cell("学校", 2, 18_279, "远")
    with pytest.raises(BookError) as err:
        GoogleBook(key, endpoint=fake.url).apply(batch)
    assert str(err.value) == (
        "工作表“学校”将有 18279 列,超过了 Google 表格每个工作表最多 18278 列(到 ZZZ 列)的上限。"
        "请减少列数后重新运行。(表格 项目 没有改动)")
    assert posts(fake) == []


def test_a_write_past_ten_million_cells_is_refused(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]], "儿童登记": [["编号"]]})
    batch = WriteBatch()
    batch.set_cell("儿童登记", 400_000, 26, "远")  # 400,000 x 26 + 1,000 x 26 cells
    with pytest.raises(BookError) as err:
        GoogleBook(key, endpoint=fake.url).apply(batch)
    assert str(err.value) == (
        "写入后 Google 表格 项目 将有 10426000 个单元格,超过了 Google 表格每个表格最多 10000000 "
        "个单元格的上限(最大的工作表是“儿童登记”,400000 行 × 26 列)。请删除不用的工作表或空白的"
        "行列后重新运行。(表格 项目 没有改动)")
    assert posts(fake) == []


def test_a_write_that_fits_once_a_tab_is_deleted_goes_through(fake: FakeSheets) -> None:
    key = fake.create_spreadsheet("项目", {"学校": [["学校名称"]], "旧表": [["x"]]})
    with fake.store.lock:
        old = fake.spreadsheet(key).by_title("旧表")
        assert old is not None
        old.props["gridProperties"].update(rowCount=380_000, columnCount=26)
    batch = WriteBatch()
    batch.delete_tab("旧表")
    batch.set_cell("学校", 200_000, 2, "远")  # fits only without 旧表
    GoogleBook(key, endpoint=fake.url).apply(batch)
    with fake.store.lock:
        assert [s.title for s in fake.spreadsheet(key).sheets] == ["学校"]
