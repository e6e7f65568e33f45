"""The fast rotation (whole teams to big 乡镇, then groups of residues) against the full
integer program: as many schools, never more (乡镇, team) links, on random counties."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.schedule.model import School
from sheets_sync.schedule.packing import pack_towns
from sheets_sync.schedule.rotation import Slots, _solve


def county(sizes: list[int]) -> list[School]:
    return [School(f"第{g}乡{k}小学", 2 + len(sizes) * g + k, "满城", f"第{g}乡", True, "")
            for g, n in enumerate(sizes) for k in range(n)]


def links(schools: list[School], got: dict[int, int]) -> int:
    return len(Counter((schools[i].town, j) for i, j in got.items()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 9), min_size=1, max_size=9), st.integers(1, 6),
       st.integers(1, 7))
def test_packed_plan_is_as_good_as_the_full_program(sizes: list[int], weeks: int,
                                                   teams: int) -> None:
    schools = county(sizes)
    slots = [Slots(f"满城{j + 1}支队", "满城", list(range(weeks))) for j in range(teams)]
    fast = _solve(schools, slots, set(), [])
    full = _solve(schools, slots, set(), [], packed=False)
    assert len(fast) == len(full) == min(len(schools), weeks * teams)
    assert all(Counter(fast.values())[j] <= weeks for j in range(teams))
    assert links(schools, fast) <= links(schools, full)


def test_whole_teams_then_one_chain_through_the_residues() -> None:
    # 乡镇 of 7, 3 and 2 schools, teams of 5 weeks: one team stays in the first 乡镇, the
    # residues 2 + 3 fill the second team, the last 2 go with the third
    plans = pack_towns([7, 3, 2], 5, 3)
    assert plans[0] == [(0, 5)]
    assert sorted(sum(n for _, n in p) for p in plans) == [2, 5, 5]
    assert sum(len(p) for p in plans) == 4


def test_more_schools_than_team_weeks_places_what_fits() -> None:
    plans = pack_towns([4, 4, 4], 5, 2)
    assert sum(n for p in plans for _, n in p) == 10
    assert sum(len(p) for p in plans) == 4
