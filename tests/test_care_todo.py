"""待办: what comes due, for whom, by when — on care_data's program, with the clock injected."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sheets_sync.books.memory import MemoryBook
from sheets_sync.config import Program, program_from_dict
from sheets_sync.reports import generate_reports
from sheets_sync.sync.slices import report_book
from tests.care_data import CONTACTS, PROGRAM, SCHOOLS, care_grids

HEAD = ["状态", "到期日", "逾期天数", "事项", "儿童编号", "姓名", "学校", "负责人", "说明"]


def todo(day: str, program: Program = PROGRAM, **replace: list[dict[str, str]]
         ) -> list[list[str]]:
    now = dt.datetime.fromisoformat(day + " 08:00")
    result = generate_reports(care_grids(**replace), program=program, now=now, only="todo")
    rows = result.tabs["待办"].rows
    assert rows[1] == HEAD
    return rows


def test_due_actions_on_the_17th_overdue_first() -> None:
    rows = todo("2026-07-17")
    assert rows[0] == ["让你不再孤单——一对一帮助计划 待办(2026-07-17):已逾期 1 项,7 天内到期 4 项"]
    never = "还没有记录,每 7 天一次(自 2026-07-13 起)"
    assert rows[2:] == [
        ["已逾期", "2026-07-16", "1", "跟进", "C0003", "赵小花", "满城一小", "王芳",
         "联系班主任了解缺勤(联系记录 第 6 行,2026-07-13 电话)"],
        # the video of 10 July: due again on the 17th, by the paired volunteer
        ["今天到期", "2026-07-17", "0", "亲情视频", "C0001", "王小雨", "满城一小", "李明",
         "上次 2026-07-10,每 7 天一次"],
        # no video yet: due a week after the first day of the school's visit (13 July)
        ["3 天后到期", "2026-07-20", "0", "亲情视频", "C0002", "李大山", "满城一小", "未结对", never],
        ["3 天后到期", "2026-07-20", "0", "亲情视频", "C0003", "赵小花", "满城一小", "未结对", never],
        # the talk of 20 June: due on 20 July (within 7 days), by whoever talked last
        ["3 天后到期", "2026-07-20", "0", "每月谈心", "C0004", "孙小军", "顺平二小", "张老师",
         "上次 2026-06-20,每 30 天一次"],
        # 顺平二小 has no visit dates: its child without a video is not due, and it is said
        ["注:1 名儿童还没有亲情视频记录,所在学校没有进驻日期(“进驻安排”或“学校”表的进驻日期):"
         "未列入。"],
    ]


def test_before_its_school_is_visited_nothing_is_due_for_a_child() -> None:
    rows = todo("2026-07-10")
    assert not [r for r in rows[2:] if len(r) > 4 and r[4] in ("C0002", "C0003")
                and r[3] == "亲情视频"]
    assert ["注:2 名儿童还没有亲情视频记录,所在学校还没到进驻的日子:从进驻第一天起计,未列入。"] in rows


def _follow_up(rows: list[list[str]]) -> list[str] | None:
    return next((r for r in rows if len(r) > 3 and r[3] == "跟进"), None)


@pytest.mark.parametrize(("day", "expected"), [
    pytest.param("2026-07-08", None, id="not-yet-in-sight"),
    pytest.param("2026-07-09", ["7 天后到期", "0"], id="in-sight-a-week-before"),
    pytest.param("2026-07-15", ["1 天后到期", "0"], id="tomorrow"),
    pytest.param("2026-07-16", ["今天到期", "0"], id="on-the-day"),
    pytest.param("2026-07-17", ["已逾期", "1"], id="a-day-late"),
    pytest.param("2026-07-30", ["已逾期", "14"], id="two-weeks-late"),
])
def test_a_follow_up_becomes_overdue_as_the_date_moves(day: str,
                                                       expected: list[str] | None) -> None:
    row = _follow_up(todo(day))
    assert (row if row is None else [row[0], row[2]]) == expected


def test_a_done_follow_up_is_not_due() -> None:
    done = [dict(c, 跟进完成="2026-07-15") if c["编号"] == "L0005" else c for c in CONTACTS]
    assert _follow_up(todo("2026-07-20", contact=done)) is None


def test_the_most_overdue_first_as_the_date_moves() -> None:
    rows = [r for r in todo("2026-07-30")[2:] if len(r) > 4]
    days = [int(r[2]) for r in rows]
    assert days == sorted(days, reverse=True)
    # the follow-up due on the 16th (14 days), C0001's video due on the 17th (13), the
    # never-called of 满城一小 (visited from the 13th: due the 20th, 10), C0004's talk (10)
    assert [(r[4], r[3], r[2]) for r in rows[:5]] == [
        ("C0003", "跟进", "14"), ("C0001", "亲情视频", "13"), ("C0002", "亲情视频", "10"),
        ("C0003", "亲情视频", "10"), ("C0004", "每月谈心", "10")]


def test_a_new_video_call_clears_it() -> None:
    call = {"编号": "L0009", "儿童编号": "C0002", "日期": "2026-07-16", "方式": "视频",
            "对象": "父母", "参加人": "王芳"}
    rows = todo("2026-07-17", contact=[*CONTACTS, call])
    # no longer overdue: due again a week after the call
    assert [r[:3] for r in rows[2:] if len(r) > 4 and r[4] == "C0002" and r[3] == "亲情视频"] == [
        ["6 天后到期", "2026-07-23", "0"]]


def test_the_cadence_comes_from_the_program() -> None:
    program = dataclasses.replace(PROGRAM, cadence=program_from_dict(
        {"cadence": {"谈心": "14d", "亲情视频": "0d"}}).cadence)
    rows = [r for r in todo("2026-07-17", program)[2:] if len(r) > 4]
    assert {r[3] for r in rows} == {"每月谈心", "跟进"}
    # C0004 talked on 20 June: due 4 July, 13 days late, first; C0001 talked on 1 July: due
    # the 15th; never talked to at 满城一小 (visited from the 13th): due the 27th, not yet in sight
    assert [(r[4], r[1], r[2]) for r in rows] == [
        ("C0004", "2026-07-04", "13"), ("C0001", "2026-07-15", "2"), ("C0003", "2026-07-16", "1")]


def test_without_a_start_date_the_never_contacted_are_said_not_guessed() -> None:
    # no visit dates in the book and none configured: nothing to count from
    schools = [{k: v for k, v in s.items() if not k.startswith("进驻")} for s in SCHOOLS]
    rows = todo("2026-07-17", Program(), school=schools)
    assert ["注:3 名儿童还没有亲情视频记录:项目开始日期未知,未列入(在 sheets-sync.toml 的 "
            "[program] 中写 start_date 后列出)。"] in rows
    assert ["注:2 名儿童还没有每月谈心记录:项目开始日期未知,未列入(在 sheets-sync.toml 的 "
            "[program] 中写 start_date 后列出)。"] in rows


def test_nothing_due() -> None:
    rows = todo("2026-07-17", dataclasses.replace(PROGRAM, cadence=()),
                contact=[c for c in CONTACTS if c["编号"] != "L0005"])
    assert rows[2:] == [["没有逾期或 7 天内到期的事项。"]]


def test_the_pipeline_clock_moves_the_tab() -> None:
    book = MemoryBook({k: g.rows for k, g in care_grids().items()})
    report_book(book, program=PROGRAM, only="todo", now=dt.datetime(2026, 7, 15, 8))
    assert _follow_up(book.tab("待办"))[:3] == ["1 天后到期", "2026-07-16", "0"]  # type: ignore[index]
    again, batch = report_book(book, program=PROGRAM, only="todo",
                               now=dt.datetime(2026, 7, 15, 18))
    assert not batch and again.unchanged == ["待办"]   # the same day: nothing to write
    later, batch = report_book(book, program=PROGRAM, only="todo",
                               now=dt.datetime(2026, 7, 18, 8))
    assert later.written == ["待办"]
    assert _follow_up(book.tab("待办"))[:3] == ["已逾期", "2026-07-16", "2"]  # type: ignore[index]


def test_todo_of_one_school_holds_only_its_rows() -> None:
    from sheets_sync.forms.template import default_templates
    from sheets_sync.forms.validate import validate_grids
    from sheets_sync.reports import care
    from sheets_sync.reports.model import forms_from_report

    forms = forms_from_report(validate_grids(care_grids(), default_templates(), PROGRAM))
    day = dt.date(2026, 7, 30)
    whole = care.todo(forms, PROGRAM, day).rows[2:]
    schools = sorted({r[6] for r in whole if len(r) > 6 and r[6]})
    assert schools
    for school in schools:
        mine = care.todo(forms, PROGRAM, day, school=school).rows
        assert f" {school} 待办(2026-07-30)" in mine[0][0]
        assert mine[1] == HEAD
        assert mine[2:] == [r for r in whole if len(r) > 6 and r[6] == school]
