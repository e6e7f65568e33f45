"""签到表-<学校>: the sheet's figures on the hand-built program of care_data, and ticks typed into
it read back as 出勤 through the real pipeline (three-way against what the sheet last showed).

满城一小 visits 13–17 July 2026 (Monday to Friday, from the 学校 tab); 顺平二小 has no visit
window. Columns of the sheet (1-based): 1–7 序号 编号 姓名 年级 班级 监护人 监护人电话; then
Mon 13: 8 上午, 9 下午, 10 电影天堂 (出勤 records one that Monday), 11 交接; Tue 14: 12 上午,
13 下午, 14 电影天堂, 15 交接; Wed 15: 16 上午, 17 下午; Thu 16: 18 上午, 19 下午, 20 电影天堂,
21 交接; Fri 17: 22 上午, 23 下午, 24 电影天堂, 25 交接. Rows: 5 the 3年级 line, 6 C0001
王小雨, 7 the 4年级 line, 8 C0003 赵小花, 9 the 5年级 line, 10 C0002 李大山.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import read_workbook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.forms.template import default_templates
from sheets_sync.privacy import mask
from sheets_sync.reports import generate_reports
from sheets_sync.reports.signin import read_hand_over, read_sheet, read_status, slots
from sheets_sync.sync.pipeline import PipelineResult, StepOptions, run_pipeline
from sheets_sync.sync.project import Project, project_from_dict
from sheets_sync.sync.restore import history
from sheets_sync.table import Grid, trim
from tests.care_data import PROGRAM, care_grids, grid

NOW = dt.datetime(2026, 7, 17, 9, 0)
HUB = "总表.xlsx"
TAB = "签到表-满城一小"
OPTS = StepOptions(now=NOW)


def sheet(**replace: list[dict[str, str]]) -> list[list[str]]:
    """The 签到表 of 满城一小 as a book shows it (trailing blanks trimmed)."""
    rows = generate_reports(care_grids(**replace), program=PROGRAM, now=NOW).tabs[TAB].rows
    return trim([list(r) for r in rows])


# --------------------------------------------------------------------------- the tab

def test_the_sheet_of_a_visiting_week() -> None:
    rows = sheet()
    assert rows[0] == ["满城一小 签到表(2026-07-13 至 2026-07-17,共 3 人)"]
    assert rows[2] == ["", "", "", "", "", "", "",
                       "7月13日 周一", "", "", "", "7月14日 周二", "", "", "",
                       "7月15日 周三", "", "7月16日 周四", "", "", "", "7月17日 周五"]
    assert rows[3] == ["序号", "编号", "姓名", "年级", "班级", "监护人", "监护人电话",
                       "上午", "下午", "电影天堂", "交接", "上午", "下午", "电影天堂", "交接",
                       "上午", "下午", "上午", "下午", "电影天堂", "交接", "上午", "下午",
                       "电影天堂", "交接"]
    phone = mask("13800000001", "cn_phone")
    # by grade: what 出勤 says of each child, a line per grade and class
    assert rows[4:10] == [
        ["3年级 班级未填(1 人)"],
        ["1", "C0001", "王小雨", "3年级", "", "王奶奶", phone, "到", "", "到", "家长接 王奶奶",
         "到", "", "到", "", "到"],
        ["4年级 班级未填(1 人)"],
        ["2", "C0003", "赵小花", "4年级", "", "王奶奶", phone, "缺", "", "", "", "缺", "", "", "",
         "缺"],
        ["5年级 班级未填(1 人)"],
        ["3", "C0002", "李大山", "5年级", "", "王奶奶", phone, "到", "", "到", "自行回家", "请假",
         "", "到", "志愿者送"],
    ]
    assert rows[11] == ["点名人(签名):", "", "", "日期:"]


def test_a_school_without_a_visit_window_gets_a_problem_not_a_sheet() -> None:
    result = generate_reports(care_grids(), program=PROGRAM, now=NOW)
    assert "签到表-顺平二小" not in result.tabs
    assert ("未生成签到表-顺平二小:顺平二小没有已知的进驻日期(“进驻安排”中没有该校未取消的安排,"
            "“学校”表中也没有进驻开始和结束日期)。请在“进驻安排”或“学校”表中填写该校的进驻日期。"
            ) in result.problems
    assert "signin" in result.reports


def test_the_rotation_gives_the_days_and_a_cancelled_visit_none() -> None:
    t = default_templates()
    grids = care_grids()
    grids["支队"] = grid(t["team"], [{"编号": "G0001", "支队名称": "满城一支队", "所属大队": "满城"}])
    grids["进驻安排"] = grid(t["rotation"], [
        {"编号": "R0001", "支队": "满城一支队", "学校": "顺平二小", "开始日期": "2026-07-20",
         "结束日期": "2026-07-26", "状态": "计划"},
        {"编号": "R0002", "支队": "满城一支队", "学校": "满城一小", "开始日期": "2026-08-03",
         "结束日期": "2026-08-08", "状态": "取消"}])
    tabs = generate_reports(grids, program=PROGRAM, now=NOW).tabs
    rows = trim([list(r) for r in tabs["签到表-顺平二小"].rows])
    assert rows[0] == ["顺平二小 签到表(2026-07-20 至 2026-07-25,共 1 人)"]
    # Monday to Saturday, the film on Tuesday, Thursday and Friday; Sunday 26th: no session
    assert [c for c in rows[2] if c] == ["7月20日 周一", "7月21日 周二", "7月22日 周三",
                                        "7月23日 周四", "7月24日 周五", "7月25日 周六"]
    assert len(rows[3]) == 7 + 12 + 3 * 2
    # the cancelled visit does not replace the 学校 tab's dates
    assert tabs[TAB].rows[0] == ["满城一小 签到表(2026-07-13 至 2026-07-17,共 3 人)"]


def test_the_week_of_sessions() -> None:
    keys = [s.key for s in slots(dt.date(2026, 7, 13), dt.date(2026, 7, 19),
                                 [(dt.date(2026, 7, 15), "外出活动")])]
    assert keys == [
        "2026-07-13|上午", "2026-07-13|下午",
        "2026-07-14|上午", "2026-07-14|下午", "2026-07-14|电影天堂", "2026-07-14|电影天堂|交接",
        "2026-07-15|上午", "2026-07-15|下午", "2026-07-15|外出活动", "2026-07-15|外出活动|交接",
        "2026-07-16|上午", "2026-07-16|下午", "2026-07-16|电影天堂", "2026-07-16|电影天堂|交接",
        "2026-07-17|上午", "2026-07-17|下午", "2026-07-17|电影天堂", "2026-07-17|电影天堂|交接",
        "2026-07-18|上午", "2026-07-18|下午"]


def test_the_guardian_phone_is_masked_unless_revealed() -> None:
    shown = generate_reports(care_grids(), program=PROGRAM, now=NOW,
                             reveal={"signin": {"child.guardian_phone"}}).tabs[TAB].rows
    assert sheet()[5][6] == mask("13800000001", "cn_phone") != "13800000001"
    assert shown[5][6] == "13800000001"


def test_print_setup_and_dropdowns() -> None:
    content = generate_reports(care_grids(), program=PROGRAM, now=NOW).tabs[TAB]
    ps = content.print_setup
    assert ps is not None
    assert (ps.paper, ps.landscape, ps.fit_width, ps.repeat_rows, ps.gridlines) == (
        "A4", True, True, (3, 4), True)  # the grid prints: ticked by hand on paper
    assert content.header_rows == 4 and not content.protected  # staff type into it
    assert content.choices[8] == ["到", "缺", "请假"] and 11 not in content.choices
    assert (3, 8, 3, 11) in content.merges  # Monday's label over its four columns


@pytest.mark.parametrize(("text", "status"), [
    pytest.param("到", "到", id="present"), pytest.param("✓", "到", id="check"),
    pytest.param("√", "到", id="root-sign"), pytest.param("1", "到", id="one"),
    pytest.param("１", "到", id="full-width-one"), pytest.param("缺", "缺", id="absent"),
    pytest.param("×", "缺", id="cross"), pytest.param("0", "缺", id="zero"),
    pytest.param("假", "请假", id="leave-short"), pytest.param("请假", "请假", id="leave"),
    pytest.param("病假", "请假", id="form-synonym"), pytest.param("", "", id="empty"),
    pytest.param("对", None, id="unreadable"), pytest.param("2", None, id="two")])
def test_a_tick(text: str, status: str | None) -> None:
    assert read_status(text) == status


@pytest.mark.parametrize(("text", "hand_over"), [
    pytest.param("家长接 王奶奶", ("家长接", "王奶奶"), id="parent-and-name"),
    pytest.param("家长接:王奶奶", ("家长接", "王奶奶"), id="colon"),
    pytest.param("志愿者送 志愿者李明", ("志愿者送", "志愿者李明"), id="volunteer"),
    pytest.param("自行回家", ("自行回家", ""), id="alone"),
    pytest.param("爷爷 家长接走", ("家长接", "爷爷"), id="name-first"),
    pytest.param("", ("", ""), id="empty"),
    pytest.param("王奶奶", None, id="name-only")])
def test_a_hand_over(text: str, hand_over: tuple[str, str] | None) -> None:
    assert read_hand_over(text) == hand_over


def test_a_sheet_across_new_year_is_read_with_the_right_years() -> None:
    rows = [["某小学 签到表(2026-12-31 至 2027-01-01,共 1 人)"], [],
            ["", "", "", "", "", "", "", "12月31日 周四", "", "1月1日 周五"],
            ["序号", "编号", "姓名", "年级", "班级", "监护人", "监护人电话", "上午", "下午", "上午"],
            ["1", "C0001", "王小雨", "3年级", "", "", "", "到", "", "缺"]]
    read = read_sheet(Grid(rows))
    assert [(c.slot.key, c.text) for c in read.cells] == [
        ("2026-12-31|上午", "到"), ("2026-12-31|下午", ""), ("2027-01-01|上午", "缺")]


def test_a_sheet_is_read_by_its_own_headers() -> None:
    read = read_sheet(Grid(sheet()))
    assert [(c.child, c.slot.key, c.text) for c in read.cells if c.text][:4] == [
        ("C0001", "2026-07-13|上午", "到"), ("C0001", "2026-07-13|电影天堂", "到"),
        ("C0001", "2026-07-13|电影天堂|交接", "家长接 王奶奶"), ("C0001", "2026-07-14|上午", "到")]
    assert read.stray == []


# --------------------------------------------------------------------------- typed back

def make_project(root: Path, *, memory: bool = False) -> Project:
    project = project_from_dict({"project": {"forms": ["child", "school", "attendance"]},
                                 "program": {"start_date": "2026-07-01",
                                             "end_date": "2026-08-31"},
                                 "hub": {"book": HUB}}, root)
    return dataclasses.replace(project, memory_state=memory)


@pytest.fixture
def hub(tmp_path: Path) -> tuple[Project, dict[str, MemoryBook]]:
    project = make_project(tmp_path)
    books = {HUB: MemoryBook({k: g.rows for k, g in care_grids().items()}, name=HUB)}
    first = run_pipeline(project, books=books, options=OPTS)
    assert TAB in first.reports.written if first.reports else False
    return project, books


def type_into(book: MemoryBook, tab: str, cells: dict[tuple[int, int], str]) -> None:
    rows = book.tab(tab)
    for (r, c), text in cells.items():
        while len(rows) < r:
            rows.append([])
        rows[r - 1].extend([""] * (c - len(rows[r - 1])))
        rows[r - 1][c - 1] = text


def attendance(book: MemoryBook) -> dict[str, dict[str, str]]:
    head, *rows = book.tab("出勤")
    return {r[0]: dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
            for r in rows if r and r[0]}


def set_attendance(book: MemoryBook, rid: str, header: str, value: str) -> None:
    rows = book.tab("出勤")
    col = rows[0].index(header)
    row = next(r for r in rows[1:] if r and r[0] == rid)
    row.extend([""] * (col + 1 - len(row)))
    row[col] = value


def snapshot(book: MemoryBook) -> dict[str, list[list[str]]]:
    return {t: [list(r) for r in g.rows] for t, g in book.read().items()}


def conflicts(book: MemoryBook) -> list[dict[str, str]]:
    grids = book.read()
    if "同步冲突" not in grids:
        return []
    head, *rows = grids["同步冲突"].rows
    return [dict(zip(head, r + [""] * (len(head) - len(r)), strict=True)) for r in rows]


def test_ticks_typed_in_become_attendance_in_the_same_run(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    book = books[HUB]
    type_into(book, TAB, {(6, 9): "√", (8, 18): "1", (10, 12): "✓", (6, 21): "家长接:爷爷"})
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.ok is False  # the hub's planted validation errors; none from the sheet
    assert run.signin is not None and run.signin.ok and run.signin.bad == []
    assert run.signin.new == ["K0014", "K0015", "K0016"] and run.signin.updated == ["K0007"]
    rows = attendance(book)
    fields = ("日期", "学校", "场次", "儿童编号", "儿童姓名", "状态", "离开方式", "接送人")
    assert [tuple(rows[k][f] for f in fields) for k in ("K0014", "K0015", "K0016")] == [
        ("2026-07-13", "满城一小", "下午", "C0001", "王小雨", "到", "", ""),
        ("2026-07-16", "满城一小", "上午", "C0003", "赵小花", "到", "", ""),
        # a hand-over typed alone: the child was there
        ("2026-07-16", "满城一小", "电影天堂", "C0001", "王小雨", "到", "家长接", "爷爷")]
    assert rows["K0007"]["状态"] == "到"  # 请假 on the sheet changed to ✓
    shown = book.tab(TAB)  # the sheet regenerated in the same run shows 出勤's words
    assert (shown[5][8], shown[7][17], shown[9][11], shown[5][20]) == ("到", "到", "到",
                                                                       "家长接 爷爷")
    assert "签到表-满城一小" in (run.reports.written if run.reports else [])
    # every cell in the audit, with the sheet cell it came from (history and restore see it)
    made = [(a.field, a.new, a.source, a.step) for a in history(project, "K0016")]
    assert ("离开方式", "家长接", "签到表-满城一小!U6", "signin") in made
    assert ("状态", "到", "签到表-满城一小!L10", "signin") in [
        (a.field, a.new, a.source, a.step) for a in history(project, "K0007")]
    before = snapshot(book)
    again = run_pipeline(project, books=books, options=OPTS)
    assert snapshot(book) == before  # a second run writes nothing
    assert all(not b for b in again.batches.values())
    assert again.signin is None or (again.signin.new == [] and again.signin.updated == [])


def test_attendance_changed_alone_is_followed_by_the_sheet(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    set_attendance(books[HUB], "K0003", "状态", "请假")  # C0003, 13 July 上午
    run = run_pipeline(project, books=books, options=OPTS)
    assert conflicts(books[HUB]) == []
    assert attendance(books[HUB])["K0003"]["状态"] == "请假"
    assert books[HUB].tab(TAB)[7][7] == "请假"
    assert run.signin is not None and run.signin.tabs == []  # nothing typed: nothing read


def test_both_sides_changed_is_a_conflict_never_overwritten(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    book = books[HUB]
    set_attendance(book, "K0001", "状态", "缺")       # C0001, 13 July 上午: 到 → 缺 in 出勤
    type_into(book, TAB, {(6, 8): "请假"})           # … and → 请假 on the sheet
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.signin is not None and run.signin.conflicts == 1 and run.signin.ok
    assert attendance(book)["K0001"]["状态"] == "缺"
    assert book.tab(TAB)[5][7] == "缺"  # the sheet shows what 出勤 says
    (c,) = conflicts(book)
    assert {k: c[k] for k in ("表单", "编号", "姓名", "字段", "保留的值", "保留的值来自",
                              "未采用的值", "未采用的值来自", "原值")} == {
        "表单": "出勤", "编号": "K0001", "姓名": "王小雨", "字段": "状态", "保留的值": "缺",
        "保留的值来自": HUB, "未采用的值": "请假", "未采用的值来自": "签到表-满城一小!H6",
        "原值": "到"}
    assert ("签到表-满城一小!H6(王小雨(C0001)2026-07-13 周一上午的出勤)签到表上写的是“请假”,"
            "“出勤”中的K0001却是“缺”,两边都改过:保留了“出勤”中的值,两个值都记在“同步冲突”中,"
            "请核对后在“处理”列选择。") in run.messages
    run_pipeline(project, books=books, options=OPTS)
    assert len(conflicts(book)) == 1  # said once
    # 采用另一值: the next run puts the sheet's value into 出勤, and the sheet follows
    type_into(book, "同步冲突", {(2, book.tab("同步冲突")[0].index("处理") + 1): "采用另一值"})
    run_pipeline(project, books=books, options=OPTS)
    assert attendance(book)["K0001"]["状态"] == "请假"
    assert book.tab(TAB)[5][7] == "请假"


def test_a_record_deleted_from_attendance_and_changed_on_the_sheet_is_kept(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    book = books[HUB]
    rows = book.tab("出勤")
    rows[:] = [r for r in rows if not r or r[0] != "K0001"]   # C0001, 13 July 上午: deleted
    type_into(book, TAB, {(6, 8): "缺"})                      # … and 到 → 缺 on the sheet
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.signin is not None and run.signin.new == ["K0014"] and run.signin.conflicts == 0
    assert attendance(book)["K0014"]["状态"] == "缺"
    assert ("签到表-满城一小!H6(王小雨(C0001)2026-07-13 周一上午的出勤)签到表上改成了“缺”,而“出勤”中"
            "原来的这条记录已被删除:按签到表重新记入“出勤”(新编号)。如不需要,请在“出勤”表中删掉它。"
            ) in run.messages


def test_a_column_the_attendance_tab_lacks_is_added(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    grids = care_grids()
    head, *rows = grids["出勤"].rows
    keep = [j for j, h in enumerate(head) if h not in ("离开方式", "接送人")]
    grids["出勤"] = Grid([[r[j] if j < len(r) else "" for j in keep] for r in [head, *rows]])
    books = {HUB: MemoryBook({k: g.rows for k, g in grids.items()}, name=HUB)}
    run_pipeline(project, books=books, options=OPTS)
    type_into(books[HUB], TAB, {(8, 21): "志愿者送 李明"})  # C0003, 16 July 电影天堂
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.signin is not None and run.signin.new == ["K0014"]
    assert books[HUB].tab("出勤")[0][-2:] == ["离开方式", "接送人"]
    row = attendance(books[HUB])["K0014"]
    assert (row["场次"], row["状态"], row["离开方式"], row["接送人"]) == ("电影天堂", "到",
                                                                     "志愿者送", "李明")


def test_restore_puts_the_read_back_back_and_ids_are_never_reused(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    from sheets_sync.sync.restore import restore

    project, books = hub
    book = books[HUB]
    before = snapshot(book)
    type_into(book, TAB, {(6, 9): "√"})
    typed = snapshot(book)
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.signin is not None and run.signin.new == ["K0014"]
    restore(project, run.sync.run_id, books=books)
    assert snapshot(book) == typed and snapshot(book)["出勤"] == before["出勤"]
    again = run_pipeline(project, books=books, options=OPTS)  # the tick is still on the sheet
    assert again.signin is not None and again.signin.new == ["K0015"]


def test_an_unreadable_tick_is_named_kept_and_fails_the_run(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    book = books[HUB]
    type_into(book, TAB, {(6, 9): "对", (8, 11): "王奶奶", (6, 13): "到"})
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.signin is not None and not run.signin.ok and not run.ok
    assert run.signin.bad == [
        "签到表-满城一小!I6 “对” 看不懂:这一格是王小雨(C0001)2026-07-13 周一下午的出勤,请写 "
        "到(或 ✓、√、1)、缺(或 ×、0)或 请假(或 假)。看不懂的内容留在原格,改正后重新运行。",
        "签到表-满城一小!K8 “王奶奶” 看不懂:这一格是赵小花(C0003)2026-07-13 周一电影天堂的交接,"
        "请写 家长接 接送人、志愿者送 接送人 或 自行回家,例如“家长接 王奶奶”。"
        "看不懂的内容留在原格,改正后重新运行。"]
    assert run.signin.bad[0] in run.messages
    assert run.as_json()["signin"]["bad"] == run.signin.bad
    shown = book.tab(TAB)
    assert (shown[5][8], shown[7][10]) == ("对", "王奶奶")  # kept for staff to correct
    assert shown[5][12] == "到" and run.signin.new == ["K0014"]  # the good tick still counts
    again = run_pipeline(project, books=books, options=OPTS)
    assert again.signin is not None and len(again.signin.bad) == 2  # said until corrected
    type_into(book, TAB, {(6, 9): "缺", (8, 11): ""})
    fixed = run_pipeline(project, books=books, options=OPTS)
    assert fixed.signin is not None and fixed.signin.ok and fixed.signin.new == ["K0015"]
    assert attendance(book)["K0015"]["状态"] == "缺"


def test_an_emptied_cell_deletes_nothing_and_says_so(
        hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    type_into(books[HUB], TAB, {(6, 8): ""})
    run = run_pipeline(project, books=books, options=OPTS)
    assert attendance(books[HUB])["K0001"]["状态"] == "到"
    assert books[HUB].tab(TAB)[5][7] == "到"
    assert ("签到表-满城一小!H6(王小雨(C0001)2026-07-13 周一上午的出勤)被清空了,“出勤”中的记录"
            "K0001(“到”)没有删除,签到表上重新显示它:要删除这条出勤记录,请在“出勤”表中删掉那一行。"
            ) in run.messages


def test_without_a_known_base_only_blank_fields_are_filled(tmp_path: Path) -> None:
    project = make_project(tmp_path, memory=True)  # no state between runs: no base
    books = {HUB: MemoryBook({k: g.rows for k, g in care_grids().items()}, name=HUB)}
    run_pipeline(project, books=books, options=OPTS)
    type_into(books[HUB], TAB, {(6, 9): "到", (6, 8): "缺"})  # blank → 到; 到 → 缺
    run = run_pipeline(project, books=books, options=OPTS)
    assert run.signin is not None and run.signin.new == ["K0014"] and run.signin.conflicts == 1
    assert attendance(books[HUB])["K0001"]["状态"] == "到"


def _xlsx_project(root: Path) -> None:
    """An xlsx hub of 学校, children and the valid 出勤 rows in ``root``, with its config."""
    grids = care_grids()
    grids["出勤"] = Grid([list(r) for r in grids["出勤"].rows][:6])  # valid rows only
    write_workbook(root / HUB, {k: g.rows for k, g in grids.items()
                                    if k in ("学校", "留守儿童家庭情况登记表", "出勤")})
    (root / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child", "school", "attendance"]\n\n'
        '[program]\nstart_date = "2026-07-01"\nend_date = "2026-08-31"\n\n'
        f'[hub]\nbook = "{HUB}"\n', encoding="utf-8")


def test_run_exits_non_zero_on_a_bad_tick(tmp_path: Path) -> None:
    from sheets_sync.cli import cli

    _xlsx_project(tmp_path)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        first = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
        held = {k: [list(r) for r in g.rows] for k, g in read_workbook(HUB).items()}
        held[TAB][5][8:9] = ["X1"]
        write_workbook(tmp_path / HUB, held)
        bad = CliRunner().invoke(cli, ["run", "--json"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert first.exit_code == 0, first.output
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["signin"]["bad"][0].startswith("签到表-满城一小!I6 “X1” 看不懂")



def test_run_and_report_say_what_the_sheets_recorded(tmp_path: Path) -> None:
    from sheets_sync.cli import cli

    _xlsx_project(tmp_path)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        first = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
        held = {k: [list(r) for r in g.rows] for k, g in read_workbook(HUB).items()}
        held[TAB][5][8:9] = ["请假"]
        write_workbook(tmp_path / HUB, held)
        dry = CliRunner().invoke(cli, ["report", "--dry-run"], catch_exceptions=False)
        run = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
        again = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert first.exit_code == 0, first.output
    assert "签到表:将记入“出勤” 新增 1 条、更新 0 条(K0006)。" in dry.output, dry.output
    assert run.exit_code == 0, run.output
    assert "签到表:记入“出勤” 新增 1 条、更新 0 条(K0006)。" in run.output.splitlines()
    assert "签到表:" not in again.output   # nothing typed since: nothing said


# --------------------------------------------------------------------------- school books

def test_each_school_book_gets_its_roster_sign_in_sheet_and_todo(
        tmp_path: Path, hub: tuple[Project, dict[str, MemoryBook]]) -> None:
    project, books = hub
    folder = tmp_path / "各校"
    opts = StepOptions(now=NOW, per_school_dir=folder)
    run = run_pipeline(project, books=books, steps=("report",), options=opts)
    assert run.reports is not None
    assert sorted(p.name for p in run.reports.school_books) == ["花名册-满城一小.xlsx",
                                                                "花名册-顺平二小.xlsx"]
    mc = read_workbook(folder / "花名册-满城一小.xlsx")
    assert list(mc) == ["花名册-满城一小", "签到表-满城一小", "待办"]
    assert mc[TAB].rows == books[HUB].read()[TAB].rows
    todo = mc["待办"].rows
    assert todo[0][0].startswith("让你不再孤单——一对一帮助计划 满城一小 待办(2026-07-17)")
    assert {r[6] for r in todo[2:] if len(r) > 6} == {"满城一小"}
    sp = read_workbook(folder / "花名册-顺平二小.xlsx")
    assert list(sp) == ["花名册-顺平二小", "待办"]  # no visit window: no sheet
    assert {r[6] for r in sp["待办"].rows[2:] if len(r) > 6} <= {"顺平二小"}
    again = run_pipeline(project, books=books, steps=("report",), options=opts)
    assert again.reports is not None and again.reports.school_books == []  # left alone


def test_ok_counts_a_bad_sign_in() -> None:
    from sheets_sync.sync.entries import RunResult
    from sheets_sync.sync.signin_step import SigninResult

    result = PipelineResult(sync=RunResult(1, "ok"), steps=("report",))
    assert result.ok
    result.signin = SigninResult(bad=["x"])
    assert not result.ok
