"""出勤统计, 年级统计's 实际参加, 联系情况 and 安全日志 on the hand-built program of care_data.

Every figure below is counted by hand from the rows in tests/care_data.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.privacy import mask
from sheets_sync.reports import generate_reports
from sheets_sync.reports.care import absent_runs, wanted
from sheets_sync.reports.model import Record, forms_from_report
from sheets_sync.sync.slices import report_book
from tests.care_data import (
    ATTENDANCE,
    INCIDENTS,
    PROGRAM,
    care_grids,
    rows_after,
)

NOW = dt.datetime(2026, 7, 17, 9, 0)


def tab(name: str, **replace: list[dict[str, str]]) -> list[list[str]]:
    result = generate_reports(care_grids(**replace), program=PROGRAM, now=NOW)
    return result.tabs[name].rows


# --------------------------------------------------------------------------- 出勤统计

def test_the_film_without_hand_over_comes_first() -> None:
    rows = tab("出勤统计")
    assert rows[1] == ["电影天堂、外出活动中到场但未记录交接的儿童(2 人次)"]
    assert rows_after(rows, "电影天堂、外出活动中到场") == [
        ["满城一小", "2026-07-14", "电影天堂", "2", "2", "出勤 第 10、11 行",
         "C0001 王小雨、C0002 李大山"]]


def test_head_counts_per_school_day_and_session() -> None:
    assert rows_after(tab("出勤统计"), "各校各场次出勤") == [
        # 学校, 日期, 场次, 应到 (registered), 实到, 缺勤, 请假, 未记录
        ["满城一小", "2026-07-13", "上午", "3", "2", "1", "0", "0"],
        ["满城一小", "2026-07-13", "电影天堂", "3", "2", "0", "0", "1"],
        ["满城一小", "2026-07-14", "上午", "3", "1", "1", "1", "0"],
        ["满城一小", "2026-07-14", "电影天堂", "3", "2", "0", "0", "1"],
        ["满城一小", "2026-07-15", "上午", "3", "1", "1", "0", "1"],
        ["顺平二小", "2026-07-13", "上午", "1", "0", "1", "0", "0"],
    ]


def test_children_absent_two_days_running() -> None:
    assert rows_after(tab("出勤统计"), "连续两天及以上缺勤的儿童") == [
        ["C0003", "赵小花", "满城一小", "4年级", "3", "2026-07-13、2026-07-14、2026-07-15"]]


def test_every_hand_over_recorded() -> None:
    fixed = [dict(a, 离开方式="家长接", 接送人="爷爷") if a["场次"] == "电影天堂" else a
             for a in ATTENDANCE]
    rows = tab("出勤统计", attendance=fixed)
    assert rows[1] == ["电影天堂、外出活动中到场但未记录交接的儿童(0 人次)"]
    assert rows[3] == ["所有电影天堂和外出活动的到场儿童都已记录交接(离开方式和接送人)。"]


def _att(day: str, status: str, child: str = "C0001", school: str = "满城一小",
         session: str = "上午") -> Record:
    text = {"date": day, "status": status, "child_id": child, "school": school,
            "session": session}
    return Record("出勤", 2, text, dict(text), {})


@pytest.mark.parametrize(("marks", "runs"), [
    pytest.param([("2026-07-13", "缺"), ("2026-07-14", "缺")],
                 [["2026-07-13", "2026-07-14"]], id="two-days"),
    pytest.param([("2026-07-13", "缺"), ("2026-07-14", "请假")], [], id="leave-is-excused"),
    pytest.param([("2026-07-13", "缺"), ("2026-07-14", "到"), ("2026-07-15", "缺")], [],
                 id="broken-by-a-present-day"),
    pytest.param([("2026-07-17", "缺"), ("2026-07-20", "缺")],
                 [["2026-07-17", "2026-07-20"]], id="over-the-weekend-school-days-running"),
    pytest.param([("2026-07-13", "缺"), ("2026-07-13", "到"), ("2026-07-14", "缺")], [],
                 id="came-in-the-afternoon"),
])
def test_absent_runs(marks: list[tuple[str, str]], runs: list[list[str]]) -> None:
    rows = [_att(d, s) for d, s in marks]
    got = absent_runs(rows)
    assert [[d.isoformat() for d in r[2]] for r in got] == runs


def test_a_school_day_the_child_has_no_row_breaks_the_run() -> None:
    # the school held a session on the 14th; C0001 has no row that day: not known absent
    rows = [_att("2026-07-13", "缺"), _att("2026-07-14", "到", child="C0002"),
            _att("2026-07-15", "缺")]
    assert absent_runs(rows) == []


def _grid_rows(marks: list[tuple[str, str, str, str]]) -> list[dict[str, str]]:
    """出勤 rows of (day, status, child, school), 上午."""
    return [{"编号": f"K{n:04d}", "日期": d, "学校": school, "场次": "上午", "儿童编号": child,
             "状态": status} for n, (d, status, child, school) in enumerate(marks, start=1)]


@pytest.mark.parametrize(("marks", "runs"), [
    pytest.param([("2026-07-13", "缺"), ("2026-07-14", "缺")],
                 [["2026-07-13", "2026-07-14"]], id="two-days"),
    pytest.param([("2026-07-13", "缺"), ("2026-07-14", "请假")], [], id="leave-is-excused"),
    pytest.param([("2026-07-13", "缺"), ("2026-07-14", "到"), ("2026-07-15", "缺")], [],
                 id="broken-by-a-present-day"),
    pytest.param([("2026-07-17", "缺"), ("2026-07-20", "缺")],
                 [["2026-07-17", "2026-07-20"]], id="over-the-weekend-school-days-running"),
    pytest.param([("2026-07-13", "缺"), ("2026-07-13", "到"), ("2026-07-14", "缺")], [],
                 id="came-in-the-afternoon"),
])
def test_the_tab_finds_the_same_runs(marks: list[tuple[str, str]], runs: list[list[str]]
                                     ) -> None:
    # the tab counts over the parsed columns, absent_runs over records: the same runs
    rows = tab("出勤统计", attendance=_grid_rows([(d, s, "C0001", "满城一小") for d, s in marks]))
    assert [r[5].split("、") for r in rows_after(rows, "连续两天及以上缺勤的儿童")
            if r[0] == "C0001"] == runs


def test_runs_of_one_child_at_two_schools_go_in_sheet_order() -> None:
    # equal runs from the same day: the school the sheet names the child at first, first
    marks = [("2026-07-13", "到", "C0001", "顺平二小"), ("2026-07-13", "缺", "C0001", "满城一小"),
             ("2026-07-14", "缺", "C0001", "满城一小"), ("2026-07-13", "缺", "C0001", "顺平二小"),
             ("2026-07-14", "缺", "C0001", "顺平二小"), ("2026-07-15", "到", "C0001", "顺平二小")]
    rows = [_att(d, s, child=c, school=sc) for d, s, c, sc in marks]
    rows[0].text["status"] = "请假"   # not absent, but it names 顺平二小 first
    assert [r[1] for r in absent_runs(rows)] == ["顺平二小", "满城一小"]
    grid_marks = [("2026-07-13", "请假", "C0001", "顺平二小"), *marks[1:]]
    got = rows_after(tab("出勤统计", attendance=_grid_rows(grid_marks)), "连续两天及以上缺勤的儿童")
    assert [(r[0], r[2], r[5]) for r in got] == [
        ("C0001", "顺平二小", "2026-07-13、2026-07-14"),
        ("C0001", "满城一小", "2026-07-13、2026-07-14")]


def test_columns_of_a_form_in_two_tabs() -> None:
    from sheets_sync.forms.template import default_templates
    from sheets_sync.forms.validate import validate_grids
    from sheets_sync.reports.care import attendance
    from sheets_sync.table import Grid

    grids = care_grids()
    # a second 出勤 tab without the 状态 column and after it
    grids["出勤 第二周"] = Grid.from_rows([r[:5] for r in grids["出勤"].rows[:3]])
    forms = forms_from_report(validate_grids(grids, default_templates(), PROGRAM))
    fr = forms["attendance"]
    assert [r.tab for r in fr][-2:] == ["出勤 第二周", "出勤 第二周"]
    for key in ("date", "school", "status", "leave_by"):
        assert fr.texts(key) == [r.t(key) for r in fr]
        assert fr.values(key) == [r.v(key) for r in fr]
    assert fr.texts("status")[-2:] == ["", ""]
    made = attendance(forms, PROGRAM).rows
    # a record added by hand after parsing is counted too (read row by row then)
    fr.records.append(Record("出勤", 99, {"date": "2026-07-15", "school": "满城一小",
                                          "session": "上午", "child_id": "C0002",
                                          "status": "到"}, {"date": "2026-07-15"}, {}))
    assert fr.texts("child_id")[-1] == "C0002" and fr.values("status")[-1] is None
    again = rows_after(attendance(forms, PROGRAM).rows, "各校各场次出勤")
    assert rows_after(made, "各校各场次出勤")[4] == ["满城一小", "2026-07-15", "上午", "3", "1",
                                                   "1", "0", "1"]
    assert again[4] == ["满城一小", "2026-07-15", "上午", "3", "2", "1", "0", "0"]


# --------------------------------------------------------------------------- 年级统计

def test_grades_count_who_came_beside_who_registered() -> None:
    rows = tab("年级统计")
    assert rows[1][-1] == "实际参加"
    total = next(r for r in rows if r[0] == "总计")
    assert (total[-2], total[-1]) == ("4", "2")     # 4 registered, C0001 and C0002 came
    school = {r[1]: r[-1] for r in rows[3:] if r and r[1] in ("满城一小", "顺平二小")}
    assert school == {"满城一小": "2", "顺平二小": "0"}
    start = rows.index(["年级", "登记", "实际参加"])
    assert rows[start + 1:start + 5] == [["3年级", "2", "1"], ["4年级", "1", "0"],
                                         ["5年级", "1", "1"], ["合计", "4", "2"]]


def test_grades_without_attendance_are_as_before() -> None:
    grids = care_grids()
    del grids["出勤"]
    rows = generate_reports(grids, program=PROGRAM, now=NOW, only="grades").tabs["年级统计"].rows
    assert "实际参加" not in rows[1] and ["年级", "人数"] in rows


# --------------------------------------------------------------------------- 联系情况

def test_contacts_per_child() -> None:
    assert rows_after(tab("联系情况"), "每名儿童最近一次联系") == [
        # 最近家访, days; 最近与父母电话/视频, days; 最近谈心, days (on 2026-07-17)
        ["C0001", "王小雨", "满城一小", "2026-07-14", "3", "2026-07-10", "7", "2026-07-01", "16"],
        ["C0003", "赵小花", "满城一小", "从未", "—", "2026-07-13", "4", "从未", "—"],
        # the 12 July call was with the guardian, not a parent: the 5 July call counts
        ["C0002", "李大山", "满城一小", "2026-07-01", "16", "2026-07-05", "12", "从未", "—"],
        ["C0004", "孙小军", "顺平二小", "从未", "—", "从未", "—", "2026-06-20", "27"],
    ]


def test_share_of_children_visited_during_the_visit() -> None:
    assert rows_after(tab("联系情况"), "各校家访覆盖") == [
        # C0001 visited on the 14th; C0002's visit of 1 July was before the school's week
        ["满城", "满城一小", "2026-07-13 至 2026-07-17(学校表)", "3", "1", "0.3333"],
        ["顺平", "顺平二小", "全程", "1", "0", "0.0000"],
        ["合计", "", "", "4", "1", "0.2500"],
    ]


def test_a_rotation_gives_the_visit_week() -> None:
    from sheets_sync.forms.template import default_templates
    from tests.care_data import grid

    grids = care_grids()
    t = default_templates()
    grids["支队"] = grid(t["team"], [{"编号": "G0001", "支队名称": "满城一支队", "所属大队": "满城"}])
    grids["进驻安排"] = grid(t["rotation"], [
        {"编号": "R0001", "支队": "满城一支队", "学校": "满城一小", "开始日期": "2026-07-01",
         "结束日期": "2026-07-03", "状态": "完成"},
        {"编号": "R0002", "支队": "满城一支队", "学校": "满城一小", "开始日期": "2026-07-20",
         "结束日期": "2026-07-24", "状态": "取消"}])
    rows = generate_reports(grids, program=PROGRAM, now=NOW).tabs["联系情况"].rows
    # the visit week is now 1–3 July: C0002's home visit of 1 July counts, C0001's not
    assert rows_after(rows, "各校家访覆盖")[0] == [
        "满城", "满城一小", "2026-07-01 至 2026-07-03(进驻安排)", "3", "1", "0.3333"]


# --------------------------------------------------------------------------- 安全日志

def test_open_incidents_first_per_brigade() -> None:
    rows = tab("安全日志")
    assert rows[0] == ["让你不再孤单——一对一帮助计划 安全日志:处理中 1 起,共 3 起"]
    assert rows_after(rows, "让你不再孤单") == [
        ["满城大队", "1", "1", "2"], ["顺平大队", "0", "1", "1"], ["合计", "1", "2", "3"]]
    open_rows = rows_after(rows, "处理中的事件")
    closed = rows_after(rows, "已结案的事件")
    assert [r[0] for r in open_rows] == ["X0001"]
    assert [(r[0], r[3]) for r in closed] == [("X0003", "满城大队"), ("X0002", "顺平大队")]
    assert rows.index(open_rows[0]) < rows.index(closed[0])
    assert open_rows[0] == ["X0001", "2026-07-14", "16:20", "满城大队", "满城一小", "操场", "受伤",
                            "C0001 王小雨", "", mask("跑步时摔倒擦伤膝盖"), "送镇卫生院包扎", "是",
                            "16:40", "李明", "处理中", "事件 第 2 行"]


def test_the_account_is_masked_unless_revealed() -> None:
    result = generate_reports(care_grids(), program=PROGRAM, now=NOW, only="incidents",
                              reveal={"incidents": {"incident.account"}})
    text = [c for r in result.tabs["安全日志"].rows for c in r]
    assert "跑步时摔倒擦伤膝盖" in text
    masked = [c for r in tab("安全日志") for c in r]
    assert "跑步时摔倒擦伤膝盖" not in masked and "中午头晕" not in masked


def test_open_incidents_are_in_the_summary() -> None:
    book = MemoryBook({k: g.rows for k, g in care_grids().items()})
    result, _ = report_book(book, program=PROGRAM, now=NOW)
    assert result.open_incidents == 1 and result.summary()["open_incidents"] == 1
    closed = [dict(i, 状态="已结案") for i in INCIDENTS]
    book = MemoryBook({k: g.rows for k, g in care_grids(incident=closed).items()})
    result, _ = report_book(book, program=PROGRAM, now=NOW)
    assert result.summary()["open_incidents"] == 0


# --------------------------------------------------------------------------- made when

def test_care_tabs_are_made_only_where_their_forms_are() -> None:
    grids = {k: v for k, v in care_grids().items()
             if k in ("学校", "留守儿童家庭情况登记表", "志愿者报名表")}
    result = generate_reports(grids, program=PROGRAM, now=NOW)
    assert not {"出勤统计", "联系情况", "待办", "安全日志"} & set(result.tabs)
    assert not [p for p in result.problems if "出勤" in p or "事件" in p]


def test_asked_for_without_their_forms_is_said() -> None:
    grids = {k: v for k, v in care_grids().items() if k in ("学校", "留守儿童家庭情况登记表")}
    result = generate_reports(grids, program=PROGRAM, now=NOW, only="attendance,incidents")
    assert result.problems == ["未生成出勤统计:工作簿中没有“出勤”表。",
                               "未生成安全日志:工作簿中没有“事件”表。"]


def test_which_care_reports_a_book_wants() -> None:
    from sheets_sync.forms.template import default_templates
    from sheets_sync.forms.validate import validate_grids

    forms = forms_from_report(validate_grids(care_grids(), default_templates(), PROGRAM))
    assert [n for n in ("attendance", "contacts", "todo", "incidents") if wanted(n, forms)] == [
        "attendance", "contacts", "todo", "incidents"]
    del forms["contact"], forms["talk"]
    assert not wanted("todo", forms) and not wanted("contacts", forms)


# --------------------------------------------------------------------------- run

def test_run_says_how_many_incidents_are_open(tmp_path: Path) -> None:
    from sheets_sync.cli import cli

    write_workbook(tmp_path / "总表.xlsx", {k: g.rows for k, g in care_grids().items()})
    (tmp_path / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child", "school", "attendance", "contact", "incident"]\n\n'
        '[program]\nstart_date = "2026-07-01"\nend_date = "2026-08-31"\n\n'
        '[hub]\nbook = "总表.xlsx"\n', encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        text = CliRunner().invoke(cli, ["run"], catch_exceptions=False).output
        data = json.loads(CliRunner().invoke(cli, ["run", "--json"],
                                             catch_exceptions=False).output)
    finally:
        os.chdir(cwd)
    assert "安全日志:处理中的事件 1 起" in text
    assert data["report"]["open_incidents"] == 1
