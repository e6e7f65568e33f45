"""Properties of pairing inside the visiting team (hypothesis).

For any program of schools, teams, visits (some cancelled), volunteers (some not eligible,
some without a team) and children:

* the volunteer proposed is always of a team that visits the child's school, admitted and
  trained, and nobody takes more of a school's children than that school's capacity;
* when the visiting team's room suffices, every child of a visited school is paired;
  when it does not, exactly the shortfall stays unpaired, and the summary line says
  that number;
* children of schools no team visits stay unpaired with the reason;
* existing 进行中 pairs never move and count against the room.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.books.memory import MemoryBook
from sheets_sync.config import Program
from sheets_sync.pairing.model import Settings
from sheets_sync.sync.slices import pair_book

from .test_pairing_teams import NO_VISIT, PAIR_HEAD, SCHOOLS, TEAMS, team_book, visit

TODAY = dt.date(2026, 7, 10)
SCHOOL_NAMES = list(SCHOOLS)
TEAM_NAMES = list(TEAMS)

Case = tuple[list[list[str]], list[list[str]], list[list[str]], list[list[str]], int]


@st.composite
def team_programs(draw: st.DrawFn, with_pairs: bool = False) -> Case:
    n_kids = draw(st.integers(0, 24))
    kids = [[f"C{i:04d}", "王小明", draw(st.sampled_from("男女")), "", draw(
                st.sampled_from(SCHOOL_NAMES)), str(draw(st.integers(1, 6))),
             draw(st.sampled_from(["数学较弱", "英语差", "", "成绩优秀"]))]
            for i in range(1, n_kids + 1)]
    for k in kids:
        k[3] = SCHOOLS[k[4]]
    n_vols = draw(st.integers(0, 9))
    vols = [[f"V{j:04d}", "李华", draw(st.sampled_from("男女")),
             draw(st.sampled_from(["数学", "英语", "语文、数学", "音乐"])),
             draw(st.sampled_from(["录取", "录取", "录取", "未录取"])),
             draw(st.sampled_from(["是", "是", "是", "否"])), "顺平", "",
             draw(st.sampled_from([*TEAM_NAMES, *TEAM_NAMES, ""]))]
            for j in range(1, n_vols + 1)]
    visits = [visit(i, draw(st.sampled_from(TEAM_NAMES)), school,
                    draw(st.sampled_from(["计划", "确认", "完成", "取消"])))
              for i, school in enumerate(draw(st.lists(st.sampled_from(SCHOOL_NAMES),
                                                       max_size=4)), 1)]
    pairs: list[list[str]] = []
    if with_pairs and kids and vols:
        for ki in draw(st.lists(st.integers(0, n_kids - 1), unique=True, max_size=6)):
            v = draw(st.integers(1, n_vols))
            pairs.append([f"P{len(pairs) + 1:04d}", f"V{v:04d}", kids[ki][0], "2026-07-01",
                          draw(st.sampled_from(["进行中", "进行中", "已结束"]))])
    cap_max = draw(st.integers(1, 5))
    return kids, vols, visits, pairs, cap_max


def visitors(visits: list[list[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in visits:
        if v[5] != "取消":
            out.setdefault(v[2], set()).add(v[1])
    return out


def members(vols: list[list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in vols:
        if v[4] == "录取" and v[5] == "是" and v[8]:
            out.setdefault(v[8], []).append(v[0])
    return out


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(team_programs())
def test_every_child_of_a_visited_school_is_paired_or_the_shortfall_is_exact(case: Case) -> None:
    kids, vols, visits, _, cap_max = case
    book = team_book(kids, vols, visits)
    result = pair_book(book, today=TODAY, program=Program(pair_capacity_max=cap_max))[0]
    at = visitors(visits)
    team = {v[0]: v[8] for v in vols}
    eligible = members(vols)
    # the volunteer is always of a team visiting the child's school, admitted and trained
    for a in result.proposals:
        assert team[a.volunteer.id] in at[a.child.school]
        assert a.volunteer.admitted and a.volunteer.trained
    assert len({a.child.id for a in result.proposals}) == len(result.proposals)
    paired = Counter(a.child.school for a in result.proposals)
    load = Counter((a.volunteer.id, a.child.school) for a in result.proposals)
    lines = {s.label.split("·", 1)[1]: s for s in result.shortfalls}
    unpaired = {u.child.id: u.reason for u in result.unpaired_children}
    for school in SCHOOL_NAMES:
        n = sum(1 for k in kids if k[4] == school)
        if school not in at:
            assert all(unpaired[k[0]] == NO_VISIT for k in kids if k[4] == school)
            assert paired[school] == 0
            continue
        size = len({m for t in at[school] for m in eligible.get(t, [])})
        cap = Settings(capacity_max=cap_max).school_capacity(n, size)
        for (_vid, s), got in load.items():
            if s == school:
                assert got <= cap
        room = size * cap
        shortfall = max(0, n - room)
        assert paired[school] == n - shortfall           # as many as the room allows
        if shortfall:
            line = lines[school]
            assert line.unpaired == shortfall and line.children == n
            assert re.search(rf"→ {shortfall} 名未结对$", line.text), line.text
            if size:
                assert f"每人最多 {cap} 名" in line.text
        else:
            assert school not in lines
    # every child is proposed or explained, never both
    assert {a.child.id for a in result.proposals} | set(unpaired) == {k[0] for k in kids}
    assert not {a.child.id for a in result.proposals} & set(unpaired)


@PROPERTY
@given(team_programs(with_pairs=True))
def test_existing_pairs_stay_and_the_room_counts_them(case: Case) -> None:
    kids, vols, visits, pairs, cap_max = case
    book = team_book(kids, vols, visits, pairs)
    program = Program(pair_capacity_max=cap_max)
    result = pair_book(book, today=TODAY, program=program)[0]
    assert book.tab("结对") == [PAIR_HEAD, *pairs]                       # kept pairs never move
    active = [p for p in pairs if p[4] == "进行中"]
    already = {p[2] for p in active}
    assert not already & {a.child.id for a in result.proposals}
    at = visitors(visits)
    team = {v[0]: v[8] for v in vols}
    school_of = {k[0]: k[4] for k in kids}
    eligible = members(vols)
    load = Counter((p[1], school_of[p[2]]) for p in active)
    load.update((a.volunteer.id, a.child.school) for a in result.proposals)
    for a in result.proposals:
        assert team[a.volunteer.id] in at[a.child.school]
    for school in at:
        n = sum(1 for k in kids if k[4] == school)
        ids = {m for t in at[school] for m in eligible.get(t, [])}
        cap = Settings(capacity_max=cap_max).school_capacity(n, len(ids))
        mine = Counter(a.volunteer.id for a in result.proposals if a.child.school == school)
        assert all(load[(v, school)] <= cap for v in mine)   # proposals never overfill
        # nobody of the visiting team has room while a child of the school waits
        waiting = [k[0] for k in kids if k[4] == school and k[0] not in already
                   and k[0] not in {a.child.id for a in result.proposals}]
        if waiting:
            assert all(load[(v, school)] >= cap for v in ids)
    again = pair_book(MemoryBook({t: book.tab(t) for t in book.tabs()}), today=TODAY,
                      program=program, dry_run=True)[0]
    assert again.as_json() == result.as_json()
