"""Sync with the hub on the local Google Sheets server and spokes as Excel files.

Every run is checked against the request budget: at most 3 requests to the hub's
spreadsheet (tab list, one batchGet, one batchUpdate), and no batchUpdate at all when
nothing changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.google import GoogleBook
from sheets_sync.sync import Project, RunResult, sync_project
from sheets_sync.sync.project import project_from_dict
from sheets_sync.testing import FakeSheets

TAB = "留守儿童家庭情况登记表"
HUB_HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]
MC, SP = "满城.xlsx", "顺平.xlsx"


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets() as server:
        yield server


class Hub:
    """The hub spreadsheet on the local server and a project around it."""

    def __init__(self, fake: FakeSheets, root: Path) -> None:
        self.fake = fake
        self.key = fake.create_spreadsheet("总表", {TAB: [
            HUB_HEAD,
            ["C0001", "王小红", "女", "满城", "一小", "3"],
            ["C0002", "李明", "男", "顺平", "二小", "4"],
            ["C0003", "赵雪", "女", "满城", "一小", "5"],
        ]})
        self.root = root
        write_workbook(root / MC, {TAB: [["姓名", "编号", "县", "学校", "年级", "带队备注"],
                                         ["王小红", "C0001", "满城", "一小", "3", "已家访"]]})
        write_workbook(root / SP, {"封面": [["顺平县大队"]]})
        self.project: Project = project_from_dict({
            "project": {"forms": ["child"]},
            "hub": {"book": f"gsheet:{self.key}"},
            "spokes": [{"book": MC, "partition": {"county": "满城"}},
                       {"book": SP, "partition": {"county": "顺平"}}],
        }, root)

    def sync(self) -> tuple[RunResult, Counter[str]]:
        """One run; returns it and its requests as ``GET meta``/``GET batchGet``/``POST …``."""
        self.fake.reset_log()
        book = GoogleBook(self.key, endpoint=self.fake.url)
        result = sync_project(self.project, books={f"gsheet:{self.key}": book})
        calls: Counter[str] = Counter()
        for r in self.fake.requests:
            assert self.key in r.path, r.path
            kind = ("batchGet" if r.path.endswith("values:batchGet")
                    else "batchUpdate" if r.path.endswith(":batchUpdate") else "meta")
            calls[f"{r.method} {kind}"] += 1
        assert sum(calls.values()) <= 3, calls
        assert result.status == "ok", result.messages
        return result, calls

    def values(self, tab: str = TAB) -> list[list[str]]:
        return self.fake.values(self.key, tab)

    def records(self) -> dict[str, dict[str, str]]:
        rows = self.values()
        return {r[0]: dict(zip(rows[0][1:], r[1:], strict=True)) for r in rows[1:] if r[0]}

    def edit(self, row: int, col: int, text: str) -> None:
        """A coordinator types into the hub (through the API, like the browser would)."""
        batch = WriteBatch()
        batch.set_cell(TAB, row, col, text)
        GoogleBook(self.key, endpoint=self.fake.url).apply(batch)


def spoke_records(path: Path) -> dict[str, dict[str, str]]:
    tabs = ExcelBook(path).read()
    if TAB not in tabs:
        return {}
    rows = tabs[TAB].rows
    head = rows[0]
    out = {}
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
        if rec["编号"]:
            out[rec.pop("编号")] = rec
    return out


def spoke_edit(path: Path, row: int, col: int, text: str) -> None:
    batch = WriteBatch()
    batch.set_cell(TAB, row, col, text)
    ExcelBook(path).apply(batch)


@pytest.fixture
def hub(fake: FakeSheets, tmp_path: Path) -> Hub:
    """The project after its first sync (bases recorded)."""
    h = Hub(fake, tmp_path)
    _, calls = h.sync()
    assert calls == {"GET meta": 1, "GET batchGet": 1, "POST batchUpdate": 1}  # the log row
    assert set(spoke_records(tmp_path / MC)) == {"C0001", "C0003"}
    assert set(spoke_records(tmp_path / SP)) == {"C0002"}
    return h


def test_a_second_run_sends_no_write_and_changes_no_file(hub: Hub) -> None:
    files = {p: p.read_bytes() for p in hub.root.glob("*.xlsx")}
    result, calls = hub.sync()
    assert calls == {"GET meta": 1, "GET batchGet": 1}
    assert result.plan == []
    assert {p: p.read_bytes() for p in files} == files


def test_a_hub_edit_reaches_the_spoke(hub: Hub) -> None:
    hub.edit(4, 6, "6")  # C0003 年级
    _, calls = hub.sync()
    assert spoke_records(hub.root / MC)["C0003"]["年级"] == "6"
    assert "POST batchUpdate" in calls  # the 同步日志 row
    assert hub.sync()[1] == {"GET meta": 1, "GET batchGet": 1}


def test_a_spoke_edit_reaches_the_hub_in_one_write(hub: Hub) -> None:
    spoke_edit(hub.root / MC, 2, 4, "三小")  # C0001 学校
    _, calls = hub.sync()
    assert calls == {"GET meta": 1, "GET batchGet": 1, "POST batchUpdate": 1}
    assert hub.records()["C0001"]["学校"] == "三小"
    assert hub.sync()[1] == {"GET meta": 1, "GET batchGet": 1}


def test_a_conflict_keeps_the_hub_value_and_records_the_spoke_value(hub: Hub) -> None:
    hub.edit(2, 6, "4")
    spoke_edit(hub.root / MC, 2, 5, "5")
    result, _ = hub.sync()
    assert result.counts["conflicts"] == 1
    assert hub.records()["C0001"]["年级"] == "4"
    assert spoke_records(hub.root / MC)["C0001"]["年级"] == "4"
    assert hub.values("同步冲突")[1][2:11] == [TAB, "C0001", "王小红", "年级", "4",
                                             f"gsheet:{hub.key}", "5", MC, "3"]
    assert hub.sync()[1] == {"GET meta": 1, "GET batchGet": 1}


def test_a_row_deleted_in_a_spoke_goes_to_the_recycle_tab_of_the_hub(hub: Hub) -> None:
    rows = ExcelBook(hub.root / MC).read()[TAB].rows
    row = next(i for i, r in enumerate(rows, start=1) if r[1] == "C0003")
    batch = WriteBatch()
    for col in range(1, 7):
        batch.set_cell(TAB, row, col, "")
    ExcelBook(hub.root / MC).apply(batch)
    hub.sync()
    assert "C0003" not in hub.records()
    recycle = hub.values("回收站")
    row_of = dict(zip(recycle[0], recycle[1], strict=False))
    assert [row_of[h] for h in ("表单", "编号", "姓名", "去向", "恢复", "原所在工作簿")] == [
        TAB, "C0003", "赵雪", f"删除于 {MC}", "", f"gsheet:{hub.key}"]
    assert hub.sync()[1] == {"GET meta": 1, "GET batchGet": 1}


def test_new_rows_on_both_sides_get_ids_written_where_they_were_typed(hub: Hub) -> None:
    hub.edit(5, 2, "周强")
    hub.edit(5, 4, "顺平")
    mc_rows = len(ExcelBook(hub.root / MC).read()[TAB].rows)
    spoke_edit(hub.root / MC, mc_rows + 1, 1, "孙丽")
    spoke_edit(hub.root / MC, mc_rows + 1, 3, "满城")
    result, calls = hub.sync()
    assert calls["POST batchUpdate"] == 1
    assert result.counts["new_ids"] == 2
    assert {r["姓名"]: rid for rid, r in hub.records().items()} == {
        "王小红": "C0001", "李明": "C0002", "赵雪": "C0003", "周强": "C0004", "孙丽": "C0005"}
    assert hub.values()[4][0] == "C0004"  # in the row the coordinator typed
    assert spoke_records(hub.root / MC)["C0005"]["姓名"] == "孙丽"
    assert spoke_records(hub.root / SP)["C0004"]["姓名"] == "周强"
    assert hub.sync()[1] == {"GET meta": 1, "GET batchGet": 1}
