"""What scheduling always guarantees, on random small programs (hypothesis):

* no team is in two places at once (proposals and kept visits together);
* every agreed school is visited exactly once when the team-weeks suffice;
* kept and accepted rows never move across runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.config import Program
from sheets_sync.schedule import ScheduleResult, weeks
from sheets_sync.sync.slices import schedule_book

from .schedule_data import PLAN, plan_grids

COUNTIES = ("满城", "顺平")
PROGRAM = dataclasses.replace(PLAN, counties=COUNTIES)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

programs = st.fixed_dictionaries({
    "volunteers": st.integers(0, 40), "schools": st.integers(0, 24),
    "towns": st.integers(1, 5), "agreed": st.sampled_from([1.0, 0.7]),
    "seed": st.integers(0, 50), "team_size": st.sampled_from([4, 6, 8]),
})


def book_for(p: dict[str, Any]) -> MemoryBook:
    grids = plan_grids(p["volunteers"], p["schools"], counties=COUNTIES,
                       towns_per_county=p["towns"], agreed=p["agreed"], seed=p["seed"])
    return MemoryBook({k: v.rows for k, v in grids.items()}, name="总表")


def program_for(p: dict[str, Any]) -> Program:
    return dataclasses.replace(PROGRAM, team_size=p["team_size"])


def busy(book: MemoryBook, res: ScheduleResult) -> list[tuple[str, str]]:
    """(team, week start) of every kept visit in 进驻安排 and every proposed one."""
    out = [(v.team, v.start.isoformat()) for v in res.visits]
    if "进驻安排" in book.tabs():
        rows = book.tab("进驻安排")
        h = rows[0]
        out += [(r[h.index("支队")], r[h.index("开始日期")]) for r in rows[1:]]
    return out


def accept_some(book: MemoryBook, every: int) -> None:
    rows = book.tab("排班建议")
    col = rows[0].index("确认") + 1
    batch = WriteBatch()
    for r, row in enumerate(rows[1:], start=2):
        if row and row[0] in ("支队", "进驻") and (r % every == 0 or row[0] == "支队"):
            batch.set_cell("排班建议", r, col, "接受")
    book.apply(batch)


@SETTINGS
@given(programs)
def test_no_team_in_two_places_and_every_agreed_school_once_when_it_fits(
        p: dict[str, Any]) -> None:
    book = book_for(p)
    program = program_for(p)
    res = schedule_book(book, program=program)[0]
    b = busy(book, res)
    assert len(b) == len(set(b))
    names = [v.school.name for v in res.visits]
    assert len(names) == len(set(names))
    rows = book.tab("学校")
    agreed = {r[1]: r[2] for r in rows[1:] if r[4] == "是"}
    assert set(names) <= set(agreed)
    n_weeks = len(weeks(program))
    for county in COUNTIES:
        need = sum(1 for c in agreed.values() if c == county)
        teams = sum(1 for t in res.teams if t.brigade == county)
        got = sum(1 for v in res.visits if v.school.county == county)
        assert got == min(need, teams * n_weeks)   # all of them when the team-weeks suffice
    assert all(v.school.county == v.brigade for v in res.visits)


@SETTINGS
@given(programs, st.integers(2, 4))
def test_kept_and_accepted_rows_never_move(p: dict[str, Any], every: int) -> None:
    book = book_for(p)
    program = program_for(p)
    schedule_book(book, program=program)
    accept_some(book, every)
    schedule_book(book, program=program)
    tabs = ("支队", "进驻安排")
    before = {t: [list(r) for r in book.tab(t)] for t in tabs if t in book.tabs()}
    team_of = book.tab("志愿者报名表")
    col = team_of[0].index("所属支队")
    members = {r[0]: r[col] for r in team_of[1:] if len(r) > col and r[col]}
    accept_some(book, every)   # accept more: what is there stays, new rows are appended
    res = schedule_book(book, program=program)[0]
    for t, rows in before.items():
        assert book.tab(t)[:len(rows)] == rows
    after = book.tab("志愿者报名表")
    assert {r[0]: r[col] for r in after[1:] if r[0] in members} == members
    b = busy(book, res)
    assert len(b) == len(set(b))
