"""Pairing inside the visiting team: the 支队 that visits a school pairs its children."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.cli import cli
from sheets_sync.config import Program
from sheets_sync.pairing import PairingResult
from sheets_sync.pairing.model import Settings
from sheets_sync.pairing.sheet import HEADERS, TAB
from sheets_sync.sync.slices import pair_book

TODAY = dt.date(2026, 7, 10)
CHILD_HEAD = ["编号", "姓名", "性别", "县", "学校", "年级", "学习情况"]
VOL_HEAD = ["编号", "姓名", "性别", "特长", "录取状态", "培训完成", "所属大队", "所属学校",
            "所属支队"]
PAIR_HEAD = ["编号", "志愿者编号", "儿童编号", "开始日期", "状态"]
ROT_HEAD = ["编号", "支队", "学校", "开始日期", "结束日期", "状态"]
SCHOOLS = {"东王庄小学": "顺平", "西庄小学": "顺平", "龙泉小学": "满城"}
TEAMS = {"顺平一支队": "顺平", "顺平二支队": "顺平", "满城一支队": "满城"}
NAMES = ["王小明", "李小红", "张小华", "刘小军", "陈小丽", "杨小刚", "赵小燕", "黄小龙"]
NO_VISIT = "学校没有进驻安排(“进驻安排”中没有该校未取消的进驻),暂不结对"


def kids(school: str, n: int, first: int = 1, **kw: str) -> list[list[str]]:
    return [[f"C{i:04d}", NAMES[i % len(NAMES)], kw.get("sex", "男"), SCHOOLS[school], school,
             kw.get("grade", "3"), kw.get("study", "")] for i in range(first, first + n)]


def vols(team: str, n: int, first: int = 1, **kw: str) -> list[list[str]]:
    return [[f"V{i:04d}", NAMES[(i + 3) % len(NAMES)], kw.get("sex", "男"),
             kw.get("skills", "体育"), kw.get("status", "录取"), kw.get("trained", "是"),
             TEAMS.get(team, "顺平"), "", team] for i in range(first, first + n)]


def visit(n: int, team: str, school: str, status: str = "计划") -> list[str]:
    """The ``n``-th visit, in week ``n`` from 7 July (Monday to Saturday)."""
    start = dt.date(2026, 7, 7) + dt.timedelta(weeks=n - 1)
    return [f"R{n:04d}", team, school, start.isoformat(),
            (start + dt.timedelta(days=5)).isoformat(), status]


def team_book(children: Sequence[list[str]], volunteers: Sequence[list[str]],
              visits: Sequence[list[str]], pairs: Sequence[list[str]] = ()) -> MemoryBook:
    return MemoryBook({
        "学校": [["学校名称", "县"], *([s, c] for s, c in SCHOOLS.items())],
        "志愿者报名表": [VOL_HEAD, *volunteers],
        "留守儿童家庭情况登记表": [CHILD_HEAD, *children],
        "结对": [PAIR_HEAD, *pairs],
        "支队": [["编号", "支队名称", "所属大队"],
                 *([f"G{i:04d}", t, b] for i, (t, b) in enumerate(TEAMS.items(), 1))],
        "进驻安排": [ROT_HEAD, *visits],
    })


def run(book: MemoryBook, program: Program | None = None) -> PairingResult:
    return pair_book(book, today=TODAY, program=program)[0]


def team_of(volunteers: Sequence[list[str]]) -> dict[str, str]:
    return {v[0]: v[8] for v in volunteers}


def test_children_go_to_the_team_that_visits_their_school() -> None:
    volunteers = vols("顺平一支队", 3) + vols("顺平二支队", 3, first=4)
    book = team_book(kids("东王庄小学", 6) + kids("西庄小学", 4, first=7), volunteers,
                     [visit(1, "顺平一支队", "东王庄小学"), visit(2, "顺平二支队", "西庄小学")])
    result = run(book)
    assert result.mode == "team"
    team = team_of(volunteers)
    visiting = {"东王庄小学": "顺平一支队", "西庄小学": "顺平二支队"}
    assert len(result.proposals) == 10
    for a in result.proposals:
        assert team[a.volunteer.id] == visiting[a.child.school]
        assert a.reasons[0] == f"进驻支队:{visiting[a.child.school]}"
    assert not result.unpaired_children
    assert result.summary == ["按进驻支队结对:2 所学校有支队进驻,每名儿童的志愿者来自进驻该校的"
                              "支队;每人每校最多 ⌈儿童 ÷ 队员⌉ 名,不超过 5 名"
                              "(pair_capacity_max)。"]


def test_capacity_is_what_the_school_needs() -> None:
    # 10 children, 4 volunteers: ⌈10 ÷ 4⌉ = 3 each, everyone paired, nobody over 3
    book = team_book(kids("东王庄小学", 10), vols("顺平一支队", 4),
                     [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book)
    assert len(result.proposals) == 10
    load = Counter(a.volunteer.id for a in result.proposals)
    assert max(load.values()) == 3 and min(load.values()) == 2
    assert {a.reasons[-1] for a in result.proposals} >= {"当前负担 0/3", "当前负担 2/3"}


def test_shortfall_says_why_with_the_numbers() -> None:
    book = team_book(kids("东王庄小学", 52), vols("顺平一支队", 8),
                     [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book)
    line = "顺平·东王庄小学:52 名儿童,支队 8 人,每人最多 5 名 → 12 名未结对"
    assert len(result.proposals) == 40
    assert result.summary[1:] == [line]
    assert [u.reason for u in result.unpaired_children] == [line] * 12
    rows = book.tab(TAB)
    at = rows.index(["结对缺口(1 所学校)"])
    assert rows[at + 1: at + 3] == [["学校", "原因"],
                                    ["顺平·东王庄小学", "52 名儿童,支队 8 人,每人最多 5 名 → 12 名未结对"]]
    assert result.as_json()["shortfalls"] == [{"school": "顺平·东王庄小学", "children": 52,
                                               "unpaired": 12, "reason": line.split(":", 1)[1]}]


def test_pair_capacity_max_from_the_program() -> None:
    book = team_book(kids("东王庄小学", 52), vols("顺平一支队", 8),
                     [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book, Program(pair_capacity_max=7))
    assert len(result.proposals) == 52 and not result.shortfalls


def test_a_configured_pair_capacity_holds_per_school() -> None:
    book = team_book(kids("东王庄小学", 10), vols("顺平一支队", 4),
                     [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book, Program(extra={"pair_capacity": 2}))
    assert len(result.proposals) == 8
    assert result.summary[-1] == "顺平·东王庄小学:10 名儿童,支队 4 人,每人最多 2 名 → 2 名未结对"


def test_a_school_without_a_visit_keeps_its_children_unpaired_with_the_reason() -> None:
    book = team_book(kids("东王庄小学", 3) + kids("西庄小学", 2, first=4),
                     vols("顺平一支队", 2) + vols("顺平二支队", 2, first=3),
                     [visit(1, "顺平一支队", "东王庄小学"),
                      visit(2, "顺平二支队", "西庄小学", status="取消")])
    result = run(book)
    assert {a.child.school for a in result.proposals} == {"东王庄小学"}
    assert [(u.child.id, u.reason) for u in result.unpaired_children] == [
        ("C0004", NO_VISIT), ("C0005", NO_VISIT)]
    assert result.summary[1:] == ["顺平·西庄小学:2 名儿童,没有进驻安排 → 2 名未结对"]
    idle = {i.volunteer.id: i.reason for i in result.idle_volunteers}
    assert idle == {"V0003": "所属支队“顺平二支队”还没有进驻安排",
                    "V0004": "所属支队“顺平二支队”还没有进驻安排"}


def test_a_team_pairs_at_every_school_it_visits() -> None:
    # one team, two weeks, two schools: the load is counted per school
    book = team_book(kids("东王庄小学", 4) + kids("西庄小学", 4, first=5), vols("顺平一支队", 2),
                     [visit(1, "顺平一支队", "东王庄小学"), visit(2, "顺平一支队", "西庄小学")])
    result = run(book)
    assert len(result.proposals) == 8
    per = Counter((a.volunteer.id, a.child.school) for a in result.proposals)
    assert set(per.values()) == {2}


def test_volunteers_outside_a_team_or_not_trained_are_not_proposed() -> None:
    volunteers = [*vols("顺平一支队", 1), *vols("顺平一支队", 1, first=2, trained="否"),
                  *vols("", 1, first=3)]
    book = team_book(kids("东王庄小学", 2), volunteers, [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book)
    assert {a.volunteer.id for a in result.proposals} == {"V0001"}
    idle = {i.volunteer.id: i.reason for i in result.idle_volunteers}
    assert idle == {"V0002": "尚未完成培训(培训完成 不是“是”)",
                    "V0003": "没有所属支队(按进驻支队结对)"}


def test_a_team_without_eligible_members() -> None:
    book = team_book(kids("东王庄小学", 3), vols("顺平一支队", 2, trained="否"),
                     [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book)
    assert not result.proposals
    assert {u.reason for u in result.unpaired_children} == {
        "进驻的支队“顺平一支队”没有已录取并完成培训的队员"}
    assert result.summary[1:] == [
        "顺平·东王庄小学:3 名儿童,进驻的支队“顺平一支队”没有已录取并完成培训的队员 → 3 名未结对"]


def test_existing_pairs_stay_and_count_at_their_school() -> None:
    # V0001 already has two children at 东王庄小学 (capacity there ⌈6 ÷ 2⌉ = 3), and one
    # child of 西庄小学 is paired with a volunteer outside the visiting team
    pairs = [["P0001", "V0001", "C0001", "2026-07-01", "进行中"],
             ["P0002", "V0001", "C0002", "2026-07-01", "进行中"],
             ["P0003", "V0003", "C0007", "2026-07-01", "进行中"]]
    book = team_book(kids("东王庄小学", 6) + kids("西庄小学", 1, first=7),
                     vols("顺平一支队", 2) + vols("顺平二支队", 1, first=3),
                     [visit(1, "顺平一支队", "东王庄小学"), visit(2, "顺平一支队", "西庄小学")],
                     pairs)
    result = run(book)
    assert book.tab("结对")[1:] == pairs
    load = Counter(a.volunteer.id for a in result.proposals if a.child.school == "东王庄小学")
    assert load == {"V0001": 1, "V0002": 3}
    assert "C0007" not in {a.child.id for a in result.proposals}
    assert not result.shortfalls


def test_outside_pairs_are_named_in_the_shortfall() -> None:
    pairs = [["P0001", "V0009", "C0001", "2026-07-01", "进行中"]]
    book = team_book(kids("东王庄小学", 13), vols("顺平一支队", 2) + vols("顺平二支队", 1, first=9),
                     [visit(1, "顺平一支队", "东王庄小学")], pairs)
    result = run(book)
    assert result.summary[1:] == ["顺平·东王庄小学:13 名儿童(其中 1 名已由支队外的志愿者结对),"
                                  "支队 2 人,每人最多 5 名 → 2 名未结对"]


def test_same_sex_from_grade_five_and_skills_hold_inside_the_team() -> None:
    children = [*kids("东王庄小学", 1, sex="女", grade="5"),
                *kids("东王庄小学", 1, first=2, sex="男", grade="3", study="数学较弱")]
    volunteers = [*vols("顺平一支队", 1, sex="男", skills="数学"),
                  *vols("顺平一支队", 1, first=2, sex="女", skills="音乐")]
    book = team_book(children, volunteers, [visit(1, "顺平一支队", "东王庄小学")])
    result = run(book)
    assert [(a.child.id, a.volunteer.id, a.cost) for a in result.proposals] == [
        ("C0001", "V0002", 0), ("C0002", "V0001", 0)]
    assert result.proposals[0].reasons == ("进驻支队:顺平一支队", "同性别", "当前负担 0/1")


def test_accepting_a_volunteer_of_another_team_is_refused_with_why() -> None:
    book = team_book(kids("东王庄小学", 1), vols("顺平一支队", 1) + vols("顺平二支队", 1, first=2),
                     [visit(1, "顺平一支队", "东王庄小学")])
    run(book)
    rows = book.tab(TAB)
    rows.insert(1, ["C0001", "", "", "", "V0002", "", "", "", "接受"])
    result = run(book)
    assert not result.accepted
    assert result.notes == ["结对建议!I2:确认的结对 C0001–V0002 没有写入:志愿者的所属支队"
                            "“顺平二支队”不进驻儿童的学校(进驻的是 顺平一支队)。"]
    row = next(r for r in book.tab(TAB) if r[4:5] == ["V0002"])
    assert row[HEADERS.index("理由")].startswith("未写入结对:志愿者的所属支队“顺平二支队”")


def test_accepted_pairs_are_written_once_and_fill_the_team() -> None:
    book = team_book(kids("东王庄小学", 3), vols("顺平一支队", 2),
                     [visit(1, "顺平一支队", "东王庄小学")])
    first = run(book)
    for row in book.tab(TAB)[1:1 + len(first.proposals)]:
        row[HEADERS.index("确认")] = "接受"
    second = run(book)
    assert len(second.accepted) == 3 and not second.proposals
    assert len(book.tab("结对")) == 4
    third = run(book)
    assert not third.accepted and not third.proposals and not third.unpaired_children


def test_without_team_tabs_pairing_is_by_school_and_says_so() -> None:
    book = team_book(kids("东王庄小学", 1), vols("顺平一支队", 1), [])
    book = MemoryBook({t: book.tab(t) for t in book.tabs() if t not in ("支队", "进驻安排")})
    result = run(book)
    assert result.mode == "brigade"
    assert result.summary[0] == ("本工作簿没有“支队”和“进驻安排”表,按所属学校(或所属大队)结对,"
                                 "每人最多 3 名(pair_capacity);有了进驻安排(sheets-sync "
                                 "schedule)后按进驻支队结对。")


def test_brigade_mode_shortfall_has_the_arithmetic_too() -> None:
    book = team_book(kids("东王庄小学", 5), vols("顺平一支队", 1), [])
    book = MemoryBook({t: book.tab(t) for t in book.tabs() if t not in ("支队", "进驻安排")})
    result = run(book)
    assert result.summary[1:] == ["顺平县:待结对 5 名儿童,可结对的志愿者 1 人,每人最多 3 名,"
                                  "剩余名额 3 个 → 2 名未结对"]


@pytest.mark.parametrize(("children", "members", "cap"), [
    pytest.param(52, 8, 5, id="capped-at-five"),
    pytest.param(30, 8, 4, id="thirty-by-eight"),
    pytest.param(8, 8, 1, id="one-each"),
    pytest.param(3, 8, 1, id="fewer-children-than-members"),
    pytest.param(5, 0, 0, id="no-members"),
])
def test_school_capacity(children: int, members: int, cap: int) -> None:
    assert Settings().school_capacity(children, members) == cap


def test_the_pair_command_prints_the_shortfall(tmp_path: Path) -> None:
    book = team_book(kids("东王庄小学", 52), vols("顺平一支队", 8),
                     [visit(1, "顺平一支队", "东王庄小学")])
    path = tmp_path / "总表.xlsx"
    write_workbook(path, {t: book.tab(t) for t in book.tabs()})
    out = CliRunner().invoke(cli, ["pair", str(path), "--dry-run"], catch_exceptions=False)
    lines = out.output.splitlines()
    assert lines[0] == "结对建议 40 条;写入结对 0 条;无法结对的儿童 12 名;暂无儿童的志愿者 0 名。"
    assert lines[1].startswith("  按进驻支队结对:1 所学校有支队进驻")
    assert lines[2] == "  顺平·东王庄小学:52 名儿童,支队 8 人,每人最多 5 名 → 12 名未结对"
