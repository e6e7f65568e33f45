"""sheets-sync schedule: teams and the weekly rotation proposed, staff decide, accepted ones
are written once; what cannot be scheduled is said with the arithmetic."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest
from click.testing import CliRunner

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.cli import cli
from sheets_sync.config import Program
from sheets_sync.errors import SheetsSyncError
from sheets_sync.schedule import ScheduleResult, weeks
from sheets_sync.schedule.teams import cn_number, sizes, team_name
from sheets_sync.sync.pipeline import RUN_STEPS, STEPS
from sheets_sync.sync.slices import schedule_book

from .schedule_data import PLAN, plan_grids

TAB = "排班建议"


def book_of(**kw: object) -> MemoryBook:
    grids = plan_grids(**kw)  # type: ignore[arg-type]
    return MemoryBook({k: v.rows for k, v in grids.items()}, name="总表")


def run(book: MemoryBook, program: Program = PLAN) -> ScheduleResult:
    return schedule_book(book, program=program)[0]


def decide(book: MemoryBook, word: str, kind: str | None = None) -> int:
    """Write ``word`` into 确认 of every proposal row (of ``kind``); how many."""
    rows = book.tab(TAB)
    confirm = rows[0].index("确认") + 1
    batch = WriteBatch()
    n = 0
    for r, row in enumerate(rows[1:], start=2):
        if not row or row[0] not in ("支队", "进驻") or (kind and row[0] != kind):
            continue
        if len(row) < confirm or not row[confirm - 1]:
            batch.set_cell(TAB, r, confirm, word)
            n += 1
    book.apply(batch)
    return n


def column(book: MemoryBook, tab: str, header: str) -> list[str]:
    rows = book.tab(tab)
    j = rows[0].index(header)
    return [r[j] if j < len(r) else "" for r in rows[1:]]


def test_schedule_is_a_step_but_not_part_of_run() -> None:
    assert "schedule" in STEPS
    assert "schedule" not in RUN_STEPS


def test_weeks_follow_the_plan_six_days_then_a_sunday() -> None:
    ws = weeks(PLAN)
    assert [(w.start.isoformat(), w.end.isoformat()) for w in ws] == [
        ("2026-07-07", "2026-07-12"), ("2026-07-14", "2026-07-19"), ("2026-07-21", "2026-07-26"),
        ("2026-07-28", "2026-08-02"), ("2026-08-04", "2026-08-09")]


def test_no_visit_dates_is_one_error_naming_the_setting() -> None:
    with pytest.raises(SheetsSyncError) as info:
        run(book_of(), Program())
    assert str(info.value) == (
        '排班需要进驻周的起止日期:请在 sheets-sync.toml 的 [program] 中写 visit_start = '
        '"2026-07-07" 和 visit_end = "2026-08-11"(或 start_date、end_date;改成本期的日期)。')


@pytest.mark.parametrize(("n", "size", "expected"), [
    pytest.param(16, 8, [8, 8], id="exact"),
    pytest.param(14, 8, [7, 7], id="remainder-makes-a-team"),
    pytest.param(18, 8, [9, 9], id="remainder-spread"),
    pytest.param(21, 8, [10, 10], id="too-many-wait"),
    pytest.param(5, 8, [], id="too-few"),
])
def test_team_sizes(n: int, size: int, expected: list[int]) -> None:
    assert sizes(n, size) == expected


def test_team_names() -> None:
    assert [cn_number(n) for n in (1, 10, 12, 25)] == ["一", "十", "十二", "二十五"]
    assert team_name("满城", 2) == "满城二支队"


def test_plan_sized_program_fits_and_is_balanced() -> None:
    book = book_of()
    res = run(book)
    assert (len(res.teams), len(res.visits), res.unscheduled) == (15, 75, [])
    assert res.arithmetic == [f"{c}:25 所学校待排,5 个支队 × 5 周 = 25 个支队周,够用"
                              for c in ("满城", "顺平", "清苑")]
    for t in res.teams:
        assert len(t.members) == 8
        assert t.leader is t.members[0]
        assert {m.brigade for m in t.members} == {t.brigade}
        sexes = Counter(m.sex for m in t.members)
        assert min(sexes.values()) >= 3 and len(sexes) == 2
        assert len({m.college for m in t.members}) >= 4
    # one school per team per week, every school once, a team in its own county
    assert len({(v.team, v.start) for v in res.visits}) == 75
    assert len({v.school.name for v in res.visits}) == 75
    assert all(v.school.county == v.brigade for v in res.visits)
    rows = book.tab(TAB)
    assert rows[0] == ["类型", "支队", "所属大队", "学校", "乡镇", "开始日期", "结束日期", "队长",
                       "队员", "理由", "确认"]
    assert [r[0] for r in rows[1:91]] == ["支队"] * 15 + ["进驻"] * 75


def test_schools_of_one_town_come_in_consecutive_weeks() -> None:
    # two towns of five schools in one county, one team each: each team stays in its town
    grids = plan_grids(16, 10, counties=("满城",), towns_per_county=2)
    schools = grids["学校"].rows
    for i, row in enumerate(schools[1:]):
        row[3] = "甲乡" if i < 5 else "乙乡"
    book = MemoryBook({k: v.rows for k, v in grids.items()}, name="总表")
    res = run(book, dataclasses.replace(PLAN, counties=("满城",)))
    by_team: dict[str, set[str]] = {}
    for v in res.visits:
        by_team.setdefault(v.team, set()).add(v.school.town)
    assert sorted(map(sorted, by_team.values())) == [["乙乡"], ["甲乡"]]


def test_accepting_writes_teams_members_and_visits_once() -> None:
    book = book_of()
    run(book)
    assert decide(book, "接受") == 90
    res = run(book)
    assert (len(res.accepted_teams), len(res.accepted_visits)) == (15, 75)
    assert len(book.tab("支队")) == 16 and len(book.tab("进驻安排")) == 76
    assert column(book, "支队", "编号")[:2] == ["G0001", "G0002"]
    assert set(column(book, "进驻安排", "状态")) == {"计划"}
    members = Counter(column(book, "志愿者报名表", "所属支队"))
    assert len(members) == 15 and set(members.values()) == {8}
    again = run(book)
    assert (again.proposed, again.accepted) == (0, 0)
    assert len(book.tab("支队")) == 16 and len(book.tab("进驻安排")) == 76


def test_rejected_team_and_visit_are_never_proposed_again() -> None:
    book = book_of()
    first = run(book)
    decide(book, "拒绝")
    second = run(book)
    assert second.rejected == 90 and len(second.kept) == 90
    old_sets = {frozenset(m.id for m in t.members) for t in first.teams}
    assert not old_sets & {frozenset(m.id for m in t.members) for t in second.teams}
    old_pairs = {(v.team, v.school.name) for v in first.visits}
    assert not old_pairs & {(v.team, v.school.name) for v in second.visits}
    # the rejected rows stay in the tab, as staff wrote them
    assert column(book, TAB, "确认").count("拒绝") == 90


def test_accepted_visit_of_a_team_not_yet_accepted_stays_with_the_reason() -> None:
    book = book_of()
    run(book)
    decide(book, "接受", kind="进驻")
    res = run(book)
    assert res.accepted_visits == [] and len(res.kept) == 75
    reasons = [r for r in column(book, TAB, "理由") if r.startswith("未写入:")]
    assert reasons[0].startswith("未写入:支队“满城一支队”还不在“支队”表中:请先接受它的“支队”行")


def test_short_brigade_is_explained_with_the_arithmetic() -> None:
    # 清苑 has 14 trained volunteers: two teams of 7, 10 team-weeks for 25 schools
    grids = plan_grids(120, 75, untrained=0)
    rows = grids["志愿者报名表"].rows
    qingyuan = [r for r in rows[1:] if r[9] == "清苑"]
    for r in qingyuan[14:]:
        r[8] = "否"
    book = MemoryBook({k: v.rows for k, v in grids.items()}, name="总表")
    res = run(book)
    assert [len(t.members) for t in res.teams if t.brigade == "清苑"] == [7, 7]
    assert res.arithmetic[2] == (
        "清苑:25 所学校待排,2 个支队 × 5 周 = 10 个支队周,还差 15 个支队周;已录取并完成培训、"
        "未分队的志愿者 14 人(组成 2 个支队),组不成还需要的 3 个 8 人支队(还需约 24 名志愿者)")
    left = [u for u in res.unscheduled if u.kind == "学校"]
    assert len(left) == 15
    assert left[0].reason == "清苑县支队周不够:待排 25 所学校,空余支队周 10 个"
    tab = book.tab(TAB)
    assert ["未能排班(15 项)"] in tab


def test_kept_visits_stay_and_block_their_week() -> None:
    teams = [["G0001", "满城一支队", "满城", ""]]
    rotation = [["R0001", "满城一支队", "满城第001小学", "2026-07-14", "2026-07-19", "确认"]]
    book = book_of(volunteers=8, schools=5, counties=("满城",), teams=teams, rotation=rotation)
    res = run(book, dataclasses.replace(PLAN, counties=("满城",)))
    assert [t.name for t in res.teams] == ["满城二支队"]   # the existing name is skipped
    assert len(res.visits) == 4
    assert ("满城一支队", dt.date(2026, 7, 14)) not in {(v.team, v.start) for v in res.visits}
    assert "满城第001小学" not in {v.school.name for v in res.visits}
    assert res.arithmetic == ["满城:4 所学校待排,2 个支队 × 5 周 = 10 个支队周"
                              "(已排进驻 1 个,空余 9 个),够用"]


def test_cli_schedule_dry_run_says_what_it_would_write(tmp_path: object) -> None:
    from pathlib import Path

    from sheets_sync.books.base import TabContent
    from sheets_sync.books.excel import write_tabs

    path = Path(str(tmp_path)) / "总表.xlsx"
    write_tabs(path, {k: TabContent(rows=v.rows) for k, v in plan_grids().items()})
    (Path(str(tmp_path)) / "sheets-sync.toml").write_text(
        '[program]\nstart_date = "2026-07-01"\nend_date = "2026-08-31"\n'
        'visit_start = "2026-07-07"\nvisit_end = "2026-08-11"\n[hub]\nbook = "总表.xlsx"\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(Path(str(tmp_path)) / "sheets-sync.toml"),
                                      "schedule", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("排班建议:支队 15 个、进驻 75 次;写入支队 0 个、进驻安排 0 条;"
                        "保留已确认的行 0 行;未能排班 0 项。")
    assert "  满城:25 所学校待排,5 个支队 × 5 周 = 25 个支队周,够用" in lines
    assert lines[-1].startswith("(--dry-run:未写入")


def test_schedule_table_and_roster_header_after_accepting() -> None:
    from sheets_sync.books.base import TabContent
    from sheets_sync.sync.slices import report_book

    book = book_of()
    run(book)
    decide(book, "接受")
    run(book)
    kids = WriteBatch()
    kids.replace_tab("留守儿童家庭情况登记表", TabContent(rows=[
        ["编号", "姓名", "性别", "学校", "年级"], ["C0001", "王小明", "男", "满城第001小学", "3"]]))
    book.apply(kids)
    leader = book.tab("支队")[1][3]                      # 满城一支队's 队长 编号
    vols = book.tab("志愿者报名表")
    lead = next(r for r in vols[1:] if r[0] == leader)
    reports, _ = report_book(book, program=PLAN, only="rosters")
    table = reports.tabs["排班表"]
    assert table.rows[2][:5] == ["支队", "所属大队", "队长", "队长电话", "第 1 周 07-07–07-12"]
    first = table.rows[3]
    assert first[:3] == ["满城一支队", "满城", lead[1]]
    assert first[3] == lead[4][:3] + "****" + lead[4][-4:]      # masked by default
    assert all(first[4:9])                                      # a school every week
    assert table.print_setup is not None and table.print_setup.landscape
    assert ["进驻明细(75 次)"] in table.rows
    visit = next(r for r in book.tab("进驻安排")[1:] if r[1] == "满城一支队")
    roster = reports.tabs[f"花名册-{visit[2]}"].rows
    assert roster[2] == [f"进驻支队:满城一支队 {visit[3]} 至 {visit[4]}  队长:{lead[1]} "
                         f"{lead[4][:3]}****{lead[4][-4:]}"]
    shown, _ = report_book(book, program=PLAN, only="rosters",
                           reveal={"rosters": {"volunteer.phone"}})
    assert shown.tabs["排班表"].rows[3][3] == lead[4]
