"""The packed rotation (whole teams to big 乡镇, then groups of residues) against the full
integer program: as many schools, never more (乡镇, team) links, no rejected (team, school)
proposed, on random counties — teams with the same free weeks (where packing is exact),
with some weeks kept, with some proposals rejected."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.schedule.model import School, key
from sheets_sync.schedule.packing import pack_towns
from sheets_sync.schedule.rotation import Slots, _solve


def county(sizes: list[int]) -> list[School]:
    return [School(f"第{g}乡{k}小学", 2 + len(sizes) * g + k, "满城", f"第{g}乡", True, "")
            for g, n in enumerate(sizes) for k in range(n)]


def links(schools: list[School], got: dict[int, int]) -> int:
    return len(Counter((schools[i].town, j) for i, j in got.items()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 9), min_size=1, max_size=9), st.integers(1, 6),
       st.integers(1, 7), st.lists(st.integers(0, 5), max_size=7),
       st.lists(st.tuples(st.integers(0, 6), st.integers(0, 80)), max_size=4))
def test_packed_plan_is_as_good_as_the_full_program(sizes: list[int], weeks: int, teams: int,
                                                   kept: list[int],
                                                   rejections: list[tuple[int, int]]) -> None:
    free = [max(weeks - (kept[j] if j < len(kept) else 0), 0) for j in range(teams)]
    schools = county(sizes)
    slots = [Slots(f"满城{j + 1}支队", "满城", list(range(free[j]))) for j in range(teams)]
    rejected = {(key(slots[j % teams].team), key(schools[i % len(schools)].name))
                for j, i in rejections}
    fast = _solve(schools, slots, rejected, [])
    full = _solve(schools, slots, rejected, [], packed=False)
    assert len(fast) == len(full)
    if not rejected:
        assert len(fast) == min(len(schools), sum(free))
    assert all(Counter(fast.values())[j] <= free[j] for j in range(teams))
    assert not {(key(slots[j].team), key(schools[i].name)) for i, j in fast.items()} & rejected
    assert links(schools, fast) <= links(schools, full)


def test_whole_teams_then_one_chain_through_the_residues() -> None:
    # 乡镇 of 7, 3 and 2 schools, teams of 5 weeks: one team stays in the first 乡镇, the
    # residues 2 + 3 fill the second team, the last 2 go with the third
    plans = pack_towns([7, 3, 2], [5, 5, 5])
    assert plans is not None and plans[0] == [(0, 5)]
    assert sorted(sum(n for _, n in p) for p in plans) == [2, 5, 5]
    assert sum(len(p) for p in plans) == 4


def test_more_schools_than_team_weeks_places_what_fits() -> None:
    plans = pack_towns([4, 4, 4], [5, 5])
    assert plans is not None
    assert sum(n for p in plans for _, n in p) == 10
    assert sum(len(p) for p in plans) == 4


def test_a_team_with_kept_weeks_takes_a_town_that_fits_it() -> None:
    # the second team has 3 weeks left: the 乡镇 of 3 is all its own, the 乡镇 of 5 the
    # first team's, the 乡镇 of 2 waits for no one (the third team)
    plans = pack_towns([5, 3, 2], [5, 3, 5])
    assert plans == [[(0, 5)], [(1, 3)], [(2, 2)]]
