"""The demo's first visit week of duty of care (#17): attendance, contacts, talks, two
incidents, insured volunteers; the planted mistakes found; 出勤统计, 待办 and 安全日志 as of
the demo's clock; a later ``run`` converges.

One demo is built for the module (``run_demo``, as ``sheets-sync demo`` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import read_workbook
from sheets_sync.cli import cli
from sheets_sync.demo.build import HUB_NAME
from sheets_sync.demo.run import DemoRun, plan_lines, run_demo
from sheets_sync.demo.synth import DEMO_NOW
from sheets_sync.table import Grid

FIRST_WEEK = [dt.date(2026, 7, 7) + dt.timedelta(days=k) for k in range(5)]  # Tue 7/7 … Sat 7/11
FILM_DAYS = {"2026-07-07", "2026-07-09", "2026-07-10"}                        # Tue, Thu, Fri


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(tmp_path_factory.mktemp("demo") / "演示")


@pytest.fixture(scope="module")
def hub(demo: DemoRun) -> dict[str, Grid]:
    return read_workbook(demo.directory / HUB_NAME)


def records(grid: Grid) -> list[dict[str, str]]:
    head = grid.rows[0]
    return [dict(zip(head, r + [""] * (len(head) - len(r)), strict=True)) for r in grid.rows[1:]]


def first_week(hub: dict[str, Grid]) -> dict[str, str]:
    """School -> team of the visits that start on the first visit day."""
    return {v["学校"]: v["支队"] for v in records(hub["进驻安排"]) if v["开始日期"] == "2026-07-07"}


# --------------------------------------------------------------------------- planted, found

CARE_MISTAKES = [
    pytest.param("出勤", "离开方式", "required_if",
                 "离开方式 未填:电影天堂结束后每个到场的儿童都要交接,请写明离开方式(家长接、志愿者送或自行回家)。",
                 id="film-child-present-no-leaving-way"),
    pytest.param("出勤", "接送人", "required_if",
                 "接送人 未填:电影天堂结束后须写明把儿童交给了谁(接送人);只有 5 年级及以上的儿童可以"
                 "自行回家(这名儿童的年级为 ",
                 id="film-child-present-nobody-named"),
    pytest.param("联系记录", "参加人", "count.min",
                 " 只写了 1 人:家访至少两人同去,保证志愿者自身安全。请写上同去的人,用顿号分隔。",
                 id="home-visit-by-one-volunteer"),
    pytest.param("事件", "通知家长时间", "required_if",
                 "通知家长时间 未填:送医时必须及时通知家长,请写明通知家长的时间(如 14:45)。",
                 id="clinic-without-parents-told"),
    pytest.param("志愿者报名表", "保险开始", "cover.gap",
                 "保险开始 “2026-07-10” 晚于支队进驻:所属支队“",
                 id="volunteer-on-a-visiting-team-not-insured-yet"),
]


@pytest.mark.parametrize(("tab", "column", "code", "says"), CARE_MISTAKES)
def test_each_planted_care_mistake_is_found_with_its_rule(
        demo: DemoRun, hub: dict[str, Grid], tab: str, column: str, code: str, says: str
) -> None:
    planted = [p for p in [*demo.result.planted, *demo.care]
               if p.tab == tab and p.column == column and p.code == code and p.stage != "sync"]
    assert len(planted) == 1, planted
    p = planted[0]
    problems = [r for r in records(hub["校验问题"])
                if (r["工作表"], r["行"], r["列"], r["规则代码"]) == (tab, str(p.row), column, code)]
    assert len(problems) == 1, (p, problems)
    assert problems[0]["级别"] == "错误" and says in problems[0]["说明"]
    assert problems[0]["说明"].startswith(f"{tab}!{p.cell} ")


def test_planted_problems_all_found_and_counted_with_the_others(demo: DemoRun) -> None:
    assert demo.missed == []
    assert demo.planted_found == demo.planted_total == 51 + 5
    assert len(demo.care) == 4   # the film row twice (离开方式, 接送人), the 家访, the 送医
    assert {p.stage for p in demo.care} == {"care"}


def test_the_uninsured_volunteer_is_on_a_team_of_the_first_week(demo: DemoRun,
                                                               hub: dict[str, Grid]) -> None:
    p = next(p for p in demo.result.planted if p.code == "cover.gap")
    vol = records(hub["志愿者报名表"])[p.row - 2]
    assert vol["保险开始"] == "2026-07-10" and vol["所属支队"] in first_week(hub).values()
    text = next(r["说明"] for r in records(hub["校验问题"]) if r["规则代码"] == "cover.gap")
    school = next(s for s, t in first_week(hub).items() if t == vol["所属支队"])
    assert f"所属支队“{vol['所属支队']}”在“进驻安排”第 " in text
    assert f"({school},2026-07-07 至 2026-07-12)进驻,其中 2026-07-07 至 2026-07-09 不在这名" \
        "志愿者的保险期内(保险 2026-07-10 至 2026-08-31)。" in text
    # every other volunteer on a team is insured on every visit day
    assert Counter(r["规则代码"] for r in records(hub["校验问题"]))["cover.gap"] == 1


# --------------------------------------------------------------------------- the week's records

def test_attendance_covers_every_child_of_the_first_week_at_every_session(
        hub: dict[str, Grid]) -> None:
    schools = first_week(hub)
    assert len(schools) == 15
    kids = Counter(c["学校"] for c in records(hub["留守儿童家庭情况登记表"]) if c["编号"])
    rows = records(hub["出勤"])
    assert {r["学校"] for r in rows} == set(schools)
    assert {r["日期"] for r in rows} == {d.isoformat() for d in FIRST_WEEK}
    sessions = Counter((r["日期"], r["场次"]) for r in rows)
    for d in FIRST_WEEK:
        day = d.isoformat()
        films = sessions.get((day, "电影天堂"), 0)
        assert (films > 0) == (day in FILM_DAYS), day
        assert sessions[(day, "上午")] == sessions[(day, "下午")] == sum(kids[s] for s in schools)
    per = Counter((r["学校"], r["日期"], r["场次"]) for r in rows)
    assert all(n == kids[school] for (school, _, _), n in per.items())
    assert len({(r["日期"], r["场次"], r["儿童编号"]) for r in rows}) == len(rows)
    status = Counter(r["状态"] for r in rows)
    assert status["到"] > 0.8 * len(rows) and status["缺"] and status["请假"]


def test_every_child_at_the_film_is_handed_over_but_the_planted_one(demo: DemoRun,
                                                                  hub: dict[str, Grid]) -> None:
    grades = {c["编号"]: c["年级"] for c in records(hub["留守儿童家庭情况登记表"])}
    planted = {p.row for p in demo.care if p.tab == "出勤"}
    rows = records(hub["出勤"])
    ways: Counter[str] = Counter()
    for i, r in enumerate(rows, start=2):
        if r["场次"] != "电影天堂" or r["状态"] != "到":
            assert r["离开方式"] == r["接送人"] == "", r
            continue
        if i in planted:
            assert r["离开方式"] == r["接送人"] == ""
            continue
        ways[r["离开方式"]] += 1
        if r["离开方式"] == "自行回家":
            assert grades[r["儿童编号"]] in {"5", "6", "五年级", "六年级", "5年级", "6年级"}
        else:
            assert r["接送人"], r
    assert set(ways) == {"家长接", "志愿者送", "自行回家"}


def test_home_visits_are_by_two_of_the_visiting_team_but_the_planted_one(
        demo: DemoRun, hub: dict[str, Grid]) -> None:
    team_of = first_week(hub)
    members: dict[str, set[str]] = {}
    for v in records(hub["志愿者报名表"]):
        members.setdefault(v["所属支队"], set()).add(v["姓名"])
    school_of = {c["编号"]: c["学校"] for c in records(hub["留守儿童家庭情况登记表"])}
    planted = next(p.row for p in demo.care if p.tab == "联系记录")
    rows = records(hub["联系记录"])
    methods = Counter(r["方式"] for r in rows)
    assert methods["家访"] > 400 and methods["视频"] and methods["电话"]
    for i, r in enumerate(rows, start=2):
        people = r["参加人"].split("、")
        assert set(people) <= members[team_of[school_of[r["儿童编号"]]]], r
        assert "2026-07-07" <= r["日期"] <= "2026-07-11"
        if r["方式"] == "家访":
            assert len(people) == (1 if i == planted else 2), r
    follow = [r for r in rows if r["需跟进"] == "是"]
    assert follow and all(r["跟进措施"] and r["跟进期限"] >= r["日期"] and r["负责人"]
                          for r in follow)


def test_talks_of_the_week_and_two_incidents(hub: dict[str, Grid]) -> None:
    schools = first_week(hub)
    school_of = {c["编号"]: c["学校"] for c in records(hub["留守儿童家庭情况登记表"])}
    week = [t for t in records(hub["谈心记录"]) if t["编号"] > "T0200"]
    assert len(week) > 200 and {school_of[t["儿童编号"]] for t in week} <= set(schools)
    assert len({t["编号"] for t in records(hub["谈心记录"])}) == len(records(hub["谈心记录"]))
    incidents = records(hub["事件"])
    assert [(x["类型"], x["是否送医"], x["状态"]) for x in incidents] == [
        ("身体不适", "是", "处理中"), ("受伤", "否", "已结案")]
    assert {x["学校"] for x in incidents} <= set(schools)
    assert incidents[1]["通知家长时间"] == "2026-07-10 20:15"


def test_the_care_forms_stay_in_the_hub(demo: DemoRun) -> None:
    for path in demo.result.counties:  # the demo's forms do not list them (as 进驻安排)
        assert not {"出勤", "联系记录", "事件"} & set(read_workbook(path)), path.name


# --------------------------------------------------------------------------- the tabs

def test_attendance_tab_lists_the_missing_hand_over_first(demo: DemoRun,
                                                         hub: dict[str, Grid]) -> None:
    tab = hub["出勤统计"].rows
    assert tab[1] == ["电影天堂、外出活动中到场但未记录交接的儿童(1 人次)"]
    film = next(p for p in demo.care if p.tab == "出勤")
    rows = records(hub["出勤"])
    row = rows[film.row - 2]
    came = sum(1 for r in rows if (r["日期"], r["学校"], r["场次"], r["状态"])
               == (row["日期"], row["学校"], "电影天堂", "到"))
    assert tab[2:4] == [["学校", "日期", "场次", "到场", "未交接", "位置", "儿童"],
                        [row["学校"], row["日期"], "电影天堂", str(came), "1",
                         f"出勤 第 {film.row} 行", f"{row['儿童编号']} {row['儿童姓名']}"]]
    at = next(i for i, r in enumerate(tab) if r and r[0].startswith("连续两天及以上缺勤的儿童("))
    away = [r for r in tab[at + 2:] if r and r[2] == row["学校"]]
    assert ["2", "2026-07-09、2026-07-10"] in [r[4:6] for r in away]  # the child kept home


def test_todo_is_as_of_the_demo_day_with_overdue_and_due_items(hub: dict[str, Grid]) -> None:
    tab = hub["待办"].rows
    title = tab[0][0]
    assert f"待办({DEMO_NOW.date().isoformat()}):已逾期 " in title
    states = Counter(r[0] for r in tab[2:] if r)
    assert states["已逾期"] > 0 and any(s.endswith("天后到期") for s in states)
    overdue = [r for r in tab[2:] if r and r[0] == "已逾期"]
    assert all(r[3] == "跟进" and r[1] < "2026-07-11" for r in overdue)
    assert any(r[3] == "亲情视频" for r in tab[2:] if r)


def test_safety_log_lists_the_open_incident_first(hub: dict[str, Grid]) -> None:
    tab = hub["安全日志"].rows
    assert tab[0] == ["让你不再孤单——一对一帮助计划 安全日志:处理中 1 起,共 2 起"]
    assert ["处理中的事件(1 起)"] in tab


def test_the_summary_says_what_the_week_holds(demo: DemoRun) -> None:
    assert demo.plan is not None
    line = plan_lines(demo.plan)[-1]
    c = demo.plan.care
    assert line == (f"照护:第一周进驻的 15 所学校写入出勤 {c['出勤']} 条、联系记录 {c['联系记录']} 条、"
                    f"谈心记录 {c['谈心记录']} 条、事件 2 起;“出勤统计”“待办”“安全日志”按演示时间 "
                    "2026-07-11 21:00 生成(之后运行 sheets-sync run 按当天日期重算)。")
    readme = (demo.directory / "README.md").read_text(encoding="utf-8")
    assert "## 第一周的照护记录" in readme
    for p in demo.care:
        assert f"| {p.book} | {p.tab} | {p.cell} | {p.column}:{p.note}" in readme


# --------------------------------------------------------------------------- a later run

def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.xlsx")}


def test_a_second_run_writes_nothing(demo: DemoRun, tmp_path: Path) -> None:
    folder = tmp_path / "演示"
    shutil.copytree(demo.directory, folder)  # the module's demo stays as the demo left it
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        first = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
        assert first.exit_code == 1, first.output  # the planted problems
        before = _digests(folder)
        second = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
        assert second.exit_code == 1, second.output
    finally:
        os.chdir(cwd)
    assert _digests(folder) == before
