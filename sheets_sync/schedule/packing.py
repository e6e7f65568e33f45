"""The rotation of a county where no staff rejection bars a team: packed, not searched.

When nobody has rejected a team for a school of the county, which team gets which school
only matters through how many schools of each 乡镇 each team gets, and teams with the same
free weeks are interchangeable: a search over teams (the full program of :mod:`.rotation`)
spends its time on that symmetry. The plan that schedules the most schools and touches the
fewest (乡镇, team) is built instead:

1. **Whole teams first.** A 乡镇 with at least as many schools as a team's free weeks gets
   that team to itself (the teams with the most free weeks first); what is left of each
   乡镇 is its *residue*.
2. **Groups of residues.** The residues are split into groups; a group of residues summing
   to *s* gets ⌈s / C⌉ teams of *C* free weeks (or ⌊s / C⌋ when schools outnumber the
   team-weeks, the rest waiting) and walks through its 乡镇 one after another, so it
   touches (乡镇 in the group) + (teams) − 1 pairs. Which groups to form is a tiny integer
   program over group *types* (a multiset of residues, at most *C* of them: a longer group
   always holds a sub-group whose residues sum to a multiple of *C*, and splitting it off
   never costs a team), solved by HiGHS in milliseconds whatever the number of schools.

When every team has the same free weeks (the first run of a summer) this is exact: any
optimal plan can be rearranged into this shape (an optimal plan is a forest of 乡镇–team
links; each tree with matching totals can be walked as one chain). When some teams have
weeks kept already, a team with fewer free weeks is a full team whose busy weeks are a
piece of its own at the start of its group's walk; the packing is then tried with and
without such teams taking a 乡镇 whole, and the better kept: close to the optimum (equal to
the full program's on the random counties of the tests), not proven optimal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations_with_replacement

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

MAX_TYPES = 20_000
"""Above this many group types (long visits, many kinds of pieces) the full program runs."""


Element = tuple[bool, int]
"""A piece of a group: (True, residue of a 乡镇) or (False, weeks a short team is busy)."""


def _types(counts: dict[Element, int], weeks: int
           ) -> list[tuple[tuple[Element, ...], int]]:
    """(pieces, teams) of every group type the pieces on hand allow: at most ``weeks``
    pieces, at least one 乡镇, no more short teams than teams."""
    present = sorted(e for e, n in counts.items() if n)
    out: list[tuple[tuple[Element, ...], int]] = []
    for size in range(1, weeks + 1):
        for combo in combinations_with_replacement(present, size):
            if any(combo.count(e) > counts[e] for e in set(combo)):
                continue
            real = sum(n for town, n in combo if town)
            if not real:
                continue
            s = sum(n for _, n in combo)
            short = sum(1 for town, _ in combo if not town)
            for k in {math.ceil(s / weeks), s // weeks}:
                if k >= max(short, 1) and real > s - k * weeks:
                    out.append((combo, k))
    return out


def pack_towns(sizes: Sequence[int], free: Sequence[int]
               ) -> list[list[tuple[int, int]]] | None:
    """For each team (``free``: its free weeks), the (乡镇 index, schools of it) it visits,
    in visiting order; ``sizes``: schools per 乡镇.

    As many schools as the team-weeks allow are placed, touching the fewest (乡镇, team)
    pairs: exactly so when every team has the same free weeks. A team with fewer free weeks
    than the most is a full team with its busy weeks taken by a piece of its own (a
    *short* piece, not counted as a 乡镇) at the start of its group's walk; that packing is
    close to the optimum, not proven to be. None (the full program runs instead) when the
    group types would be too many (:data:`MAX_TYPES`) or HiGHS gives no answer."""
    weeks = max(free, default=0)
    if not weeks:
        return [[] for _ in free]
    best: list[list[tuple[int, int]]] | None = None
    # short teams whole in a 乡镇 too, or full teams only (the same when all are full)
    for shorts in (True, False) if len({f for f in free if f}) > 1 else (True,):
        plans = _pack(sizes, free, weeks, shorts)
        if plans is None:
            return None
        if best is None or _worth(plans) > _worth(best):
            best = plans
    return best


def _worth(plans: list[list[tuple[int, int]]]) -> tuple[int, int]:
    """(schools placed, − (乡镇, team) pairs)."""
    return sum(n for p in plans for _, n in p), -sum(len(p) for p in plans)


def _pack(sizes: Sequence[int], free: Sequence[int], weeks: int, shorts: bool
          ) -> list[list[tuple[int, int]]] | None:
    plans: list[list[tuple[int, int]]] = [[] for _ in free]
    open_ = sorted((j for j, f in enumerate(free) if f > 0), key=lambda j: (-free[j], j))
    left = list(sizes)
    for g in sorted(range(len(left)), key=lambda g: (-left[g], g)):
        while True:  # whole teams: the one with the most free weeks that the 乡镇 fills
            j = next((j for j in open_ if free[j] <= left[g]
                      and (shorts or free[j] == weeks)), None)
            if j is None:
                break
            open_.remove(j)
            plans[j] = [(g, free[j])]
            left[g] -= free[j]
    pieces: dict[Element, list[int]] = {}
    for g, n in enumerate(left):
        if n:
            pieces.setdefault((True, n), []).append(g)
    if not pieces or not open_:
        return plans
    full = [j for j in open_ if free[j] == weeks]
    for j in open_:
        if free[j] < weeks:
            pieces.setdefault((False, weeks - free[j]), []).append(j)
    counts = {e: len(xs) for e, xs in pieces.items()}
    if math.comb(len(counts) + weeks, weeks) > MAX_TYPES:
        return None
    types = _types(counts, weeks)
    order = sorted(counts)
    placed = np.array([min(sum(n for _, n in c), k * weeks) - sum(n for t, n in c if not t)
                       for c, k in types], dtype=np.float64)
    links = np.array([sum(1 for t, _ in c if t) + k - 1 for c, k in types], dtype=np.float64)
    worth = float(len(left) + len(open_) + 1)     # one more school beats any links
    a = np.zeros((len(order) + 1, len(types)))
    for j, (combo, k) in enumerate(types):
        for e in combo:
            a[order.index(e), j] += 1
        a[-1, j] = k - sum(1 for t, _ in combo if not t)
    upper = np.array([*(counts[e] for e in order), len(full)], dtype=np.float64)
    res = milp(links - worth * placed, constraints=LinearConstraint(a, -np.inf, upper),
               integrality=np.ones(len(types), dtype=np.int64), bounds=Bounds(0, np.inf),
               options={"time_limit": 10.0, "disp": False})
    if res.x is None:   # not seen (tiny, and all zero is feasible): the full program runs
        return None
    for j in np.argsort(-placed, kind="stable").tolist():
        combo, k = types[j]
        for _ in range(round(res.x[j])):
            short = [pieces[e].pop(0) for e in combo if not e[0]]
            teams = short + [full.pop(0) for _ in range(k - len(short))]
            towns = [pieces[e].pop(0) for e in sorted(combo, reverse=True) if e[0]]
            for t, plan in zip(teams, _chain([(g, left[g]) for g in towns],
                                             [free[t] for t in teams]), strict=True):
                plans[t] = plan
    return plans


def _chain(towns: list[tuple[int, int]], rooms: list[int]) -> list[list[tuple[int, int]]]:
    """Teams with ``rooms`` free weeks walking through ``towns`` one after another (the
    tail waits)."""
    out: list[list[tuple[int, int]]] = [[] for _ in rooms]
    t = 0
    room = rooms[0] if rooms else 0
    for g, n in towns:
        while n and t < len(rooms):
            take = min(n, room)
            if take:
                out[t].append((g, take))
            n -= take
            room -= take
            if not room:
                t += 1
                room = rooms[t] if t < len(rooms) else 0
    return out


__all__ = ["MAX_TYPES", "pack_towns"]
