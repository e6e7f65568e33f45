"""Sync runs over hub and spokes in memory and on Excel files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.sync import Project, sync_project
from sheets_sync.sync.project import project_from_dict
from sheets_sync.sync.state import State

from .samples import tool_records

TAB = "留守儿童家庭情况登记表"
HUB_HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]
SPOKE_HEAD = ["姓名", "编号", "县", "学校", "年级", "带队备注"]  # own order, an extra column


def _project(root: Path, hub: str = "总表.xlsx") -> Project:
    return project_from_dict({
        "project": {"forms": ["child"]},
        "hub": {"book": hub},
        "spokes": [{"book": "满城.xlsx", "partition": {"county": "满城"}},
                   {"book": "顺平.xlsx", "partition": {"县": "顺平"}}],
    }, root)


def _books() -> dict[str, MemoryBook]:
    hub = MemoryBook({TAB: [HUB_HEAD,
                            ["C0001", "王小红", "女", "满城", "一小", "3"],
                            ["C0002", "李明", "男", "顺平", "二小", "4"],
                            ["C0003", "赵雪", "女", "满城", "一小", "5"]]}, name="总表.xlsx")
    mc = MemoryBook({TAB: [SPOKE_HEAD, ["王小红", "C0001", "满城", "一小", "3", "已家访"]]},
                    name="满城.xlsx")
    sp = MemoryBook({"封面": [["顺平县大队"]]}, name="顺平.xlsx")
    return {"总表.xlsx": hub, "满城.xlsx": mc, "顺平.xlsx": sp}


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Project, dict[str, MemoryBook]]:
    """A project whose three books went through one sync (bases in place)."""
    project, books = _project(tmp_path), _books()
    sync_project(project, books=books)
    return project, books


def _rows(book: MemoryBook, tab: str = TAB) -> list[list[str]]:
    return book.read()[tab].rows


def _records(book: MemoryBook) -> dict[str, dict[str, str]]:
    rows = _rows(book)
    head = rows[0]
    out = {}
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
        if rec.get("编号"):
            out[rec["编号"]] = {k: v for k, v in rec.items() if k not in {"编号", "带队备注"}}
    return out


def _set(book: MemoryBook, rid: str, header: str, value: str) -> None:
    rows = book.tab(TAB)
    head = rows[0]
    for r in rows[1:]:
        if len(r) > head.index("编号") and r[head.index("编号")] == rid:
            r[head.index(header)] = value
            return
    raise AssertionError(rid)


def test_first_run_fills_each_spoke_with_its_partition(synced: tuple[Project, dict]) -> None:
    _, books = synced
    assert set(_records(books["满城.xlsx"])) == {"C0001", "C0003"}
    assert set(_records(books["顺平.xlsx"])) == {"C0002"}
    assert _rows(books["满城.xlsx"])[1] == ["王小红", "C0001", "满城", "一小", "3", "已家访"]
    assert _rows(books["顺平.xlsx"])[0] == HUB_HEAD  # a new tab takes the hub's columns
    assert _rows(books["顺平.xlsx"], "封面") == [["顺平县大队"]]


def test_second_run_without_edits_writes_nothing(synced: tuple[Project, dict]) -> None:
    project, books = synced
    before = {n: b.applies for n, b in books.items()}
    result = sync_project(project, books=books)
    assert {n: b.applies for n, b in books.items()} == before
    assert result.plan == []
    assert [b.status for b in result.books] == ["unchanged"] * 3


@pytest.mark.parametrize(("editor", "reader"), [
    pytest.param("满城.xlsx", "总表.xlsx", id="spoke edit reaches the hub"),
    pytest.param("总表.xlsx", "满城.xlsx", id="hub edit reaches the spoke"),
])
def test_one_sided_edit_flows(synced: tuple[Project, dict], editor: str, reader: str) -> None:
    project, books = synced
    _set(books[editor], "C0003", "年级", "6")
    sync_project(project, books=books)
    assert _records(books[reader])["C0003"]["年级"] == "6"


def test_edits_to_different_cells_both_survive(synced: tuple[Project, dict]) -> None:
    project, books = synced
    _set(books["总表.xlsx"], "C0001", "年级", "4")
    _set(books["满城.xlsx"], "C0001", "学校", "三小")
    sync_project(project, books=books)
    for name in ("总表.xlsx", "满城.xlsx"):
        assert _records(books[name])["C0001"]["年级"] == "4"
        assert _records(books[name])["C0001"]["学校"] == "三小"


def test_same_cell_conflict_goes_to_the_conflict_tab(synced: tuple[Project, dict]) -> None:
    project, books = synced
    _set(books["总表.xlsx"], "C0001", "年级", "4")
    _set(books["满城.xlsx"], "C0001", "年级", "5")
    result = sync_project(project, books=books)
    assert _records(books["满城.xlsx"])["C0001"]["年级"] == "4"
    tab = _rows(books["总表.xlsx"], "同步冲突")
    assert tab[0] == ["时间", "运行", "表单", "编号", "姓名", "字段", "保留的值", "保留的值来自",
                      "未采用的值", "未采用的值来自", "原值", "说明", "处理"]
    assert tab[1][2:11] == [TAB, "C0001", "王小红", "年级", "4", "总表.xlsx", "5", "满城.xlsx",
                            "3"]
    assert "T" not in tab[1][0] and len(tab[1][0]) == len("2026-07-08 14:30")
    assert result.counts["conflicts"] == 1


def test_deleted_row_goes_to_the_recycle_tab_and_leaves_the_others(
        synced: tuple[Project, dict]) -> None:
    project, books = synced
    rows = books["满城.xlsx"].tab(TAB)
    del rows[[r[1] if len(r) > 1 else "" for r in rows].index("C0003")]
    sync_project(project, books=books)
    assert "C0003" not in _records(books["总表.xlsx"])
    recycle = tool_records(_rows(books["总表.xlsx"], "回收站"))
    assert [recycle[0][h] for h in ("表单", "编号", "去向", "恢复", "原所在工作簿")] == [
        TAB, "C0003", "删除于 满城.xlsx", "", "总表.xlsx"]
    assert recycle[0]["姓名"] == "赵雪"  # one column per field
    before = {n: b.applies for n, b in books.items()}
    sync_project(project, books=books)
    assert {n: b.applies for n, b in books.items()} == before


def test_county_change_moves_the_record_between_spokes(synced: tuple[Project, dict]) -> None:
    project, books = synced
    _set(books["满城.xlsx"], "C0003", "县", "顺平县")
    result = sync_project(project, books=books)
    assert "C0003" not in _records(books["满城.xlsx"])
    assert _records(books["顺平.xlsx"])["C0003"]["县"] == "顺平县"
    assert _records(books["总表.xlsx"])["C0003"]["县"] == "顺平县"
    assert "回收站" not in books["总表.xlsx"].read()
    assert result.counts["moved"] == 1


def test_new_rows_get_ids_written_back_and_flow(synced: tuple[Project, dict]) -> None:
    project, books = synced
    books["满城.xlsx"].tab(TAB).append(["孙丽", "", "满城", "一小", "3"])
    books["总表.xlsx"].tab(TAB).append(["", "周强", "男", "顺平", "二小", "4"])
    sync_project(project, books=books)
    mc = _records(books["满城.xlsx"])
    hub = _records(books["总表.xlsx"])
    assert {r["姓名"]: rid for rid, r in hub.items()} == {
        "王小红": "C0001", "李明": "C0002", "赵雪": "C0003", "周强": "C0004", "孙丽": "C0005"}
    assert mc["C0005"]["姓名"] == "孙丽"  # the id is written back to the row it came from
    assert _records(books["顺平.xlsx"])["C0004"]["姓名"] == "周强"


def test_ids_are_never_reused_after_deletion(synced: tuple[Project, dict]) -> None:
    project, books = synced
    hub_rows = books["总表.xlsx"].tab(TAB)
    del hub_rows[3]  # C0003, the highest id
    sync_project(project, books=books)
    books["总表.xlsx"].tab(TAB).append(["", "周强", "男", "顺平", "二小", "4"])
    sync_project(project, books=books)
    assert "C0004" in _records(books["总表.xlsx"])
    assert "C0003" not in _records(books["总表.xlsx"])


def test_a_new_row_in_two_books_gets_two_ids(synced: tuple[Project, dict]) -> None:
    project, books = synced
    books["满城.xlsx"].tab(TAB).append(["孙丽", "", "满城", "一小", "3"])
    books["总表.xlsx"].tab(TAB).append(["", "孙丽", "", "满城", "一小", "3"])
    sync_project(project, books=books)
    names = [r["姓名"] for r in _records(books["总表.xlsx"]).values()]
    assert names.count("孙丽") == 2


def test_a_missing_spoke_is_skipped_and_caught_up(tmp_path: Path) -> None:
    project, books = _project(tmp_path), _books()
    del books["顺平.xlsx"]
    write_workbook(tmp_path / "总表.xlsx", {TAB: books["总表.xlsx"].read()[TAB].rows})
    real = {"满城.xlsx": books["满城.xlsx"]}
    result = sync_project(project, books=real)
    assert result.status == "partial"
    assert result.books[2].status == "skipped"
    assert "找不到工作簿文件" in result.books[2].message
    write_workbook(tmp_path / "顺平.xlsx", {"封面": [["顺平县大队"]]})
    assert sync_project(project, books=real).status == "ok"
    assert "C0002" in [r[0] for r in ExcelBook(tmp_path / "顺平.xlsx").read()[TAB].rows]


def test_excel_books_converge_and_a_second_run_changes_no_file(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for name, book in _books().items():
        write_workbook(tmp_path / name, {t: g.rows for t, g in book.read().items()})
    sync_project(project)
    ExcelBook(tmp_path / "满城.xlsx").read()
    files = {p: p.read_bytes() for p in tmp_path.glob("*.xlsx")}
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    result = sync_project(project)
    assert result.plan == []
    assert {p: p.read_bytes() for p in files} == files
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes
    hub = ExcelBook(tmp_path / "总表.xlsx").read()[TAB].rows
    assert [r[0] for r in hub[1:]] == ["C0001", "C0002", "C0003"]


def test_state_file_is_private_and_keeps_other_tables(tmp_path: Path,
                                                      synced: tuple[Project, dict]) -> None:
    project, books = synced
    db = project.state_path / "state.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes_of_a_user (x TEXT)")
        conn.execute("INSERT INTO notes_of_a_user VALUES ('keep')")
    sync_project(project, books=books)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT x FROM notes_of_a_user").fetchall() == [("keep",)]


def test_audit_trail_names_every_changed_cell(synced: tuple[Project, dict]) -> None:
    project, books = synced
    _set(books["满城.xlsx"], "C0003", "年级", "6")
    result = sync_project(project, books=books)
    state = State.open(project.state_path)
    try:
        rows = [(a.run_id, a.book, a.field, a.old, a.new, a.source)
                for a in state.audit_for("C0003") if a.run_id == result.run_id]
    finally:
        state.close()
    assert rows == [(result.run_id, "总表.xlsx", "年级", "5", "6", "满城.xlsx")]


def test_generated_roster_tabs_are_not_taken_for_the_child_form() -> None:
    """A hub that holds 花名册-<学校> tabs (same headers as the child form) still syncs."""
    from sheets_sync.books.memory import MemoryBook
    from sheets_sync.forms.headers import is_tool_tab
    from sheets_sync.forms.template import default_templates
    from sheets_sync.sync.records import find_form_tabs

    templates = default_templates()
    child = templates["child"]
    rows = [["编号", "姓名", "性别", "学校"], ["C0001", "王小红", "女", "城关镇中心小学"]]
    grids = MemoryBook({child.label: rows, "花名册-城关镇中心小学": rows}).read()
    tabs = find_form_tabs("总表.xlsx", grids, [child], templates)
    assert tabs["child"].tab == child.label
    assert is_tool_tab("花名册-城关镇中心小学") and not is_tool_tab(child.label)
