"""The rotation's usual case, solved exactly and fast: every team has the same free weeks.

When no staff rejection bars a team from a school of the county and every open team has
the same number *C* of free weeks, which team gets which school only matters through how
many schools of each 乡镇 each team gets, and the teams are interchangeable. The plan that
touches the fewest (乡镇, team) is then found without a search over teams:

1. **Whole teams first.** A 乡镇 with *a* ≥ *C* schools gets ⌊a / C⌋ teams of its own
   (each such team spends all its weeks in that 乡镇); what is left of each 乡镇 is its
   *residue* a mod C (1 … C−1 schools).
2. **Groups of residues.** The residues are split into groups; a group of residues summing
   to *s* gets ⌈s / C⌉ teams (or ⌊s / C⌋ when schools outnumber the team-weeks, the rest
   waiting) and walks through its 乡镇 one after another, so it touches
   (乡镇 in the group) + (teams) − 1 pairs. Which groups to form is a tiny integer program
   over group *types* (a multiset of residues, at most *C* of them: a longer group always
   holds a sub-group whose residues sum to a multiple of *C*, and splitting it off never
   costs a team), solved by HiGHS in milliseconds whatever the number of schools.

Any optimal plan can be rearranged into this shape (an optimal plan is a forest of
乡镇–team links; each tree with matching totals can be walked as one chain), so the result
is as good as the full program's, which is kept for the cases above does not cover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations_with_replacement

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

MAX_WEEKS = 8
"""Above this many free weeks per team the group types get too many; the full program runs."""


def _types(counts: dict[int, int], weeks: int) -> list[tuple[tuple[int, ...], int]]:
    """(residues, teams) of every group type the residues on hand allow."""
    present = sorted(r for r, n in counts.items() if n)
    out: list[tuple[tuple[int, ...], int]] = []
    for size in range(1, weeks + 1):
        for combo in combinations_with_replacement(present, size):
            if any(combo.count(r) > counts[r] for r in set(combo)):
                continue
            s = sum(combo)
            out.append((combo, math.ceil(s / weeks)))
            if s % weeks and s // weeks:
                out.append((combo, s // weeks))
    return out


def pack_towns(sizes: Sequence[int], weeks: int, teams: int) -> list[list[tuple[int, int]]]:
    """For each team used: (乡镇 index, schools of it) in visiting order.

    ``sizes``: schools per 乡镇; ``weeks``: free weeks of every team; ``teams``: how many.
    As many schools as the team-weeks allow are placed, touching the fewest (乡镇, team)."""
    if weeks < 1 or teams < 1:
        return []
    left = list(sizes)
    plans: list[list[tuple[int, int]]] = []
    for g in sorted(range(len(left)), key=lambda g: (-left[g], g)):
        while left[g] >= weeks and len(plans) < teams:
            plans.append([(g, weeks)])
            left[g] -= weeks
    free = teams - len(plans)
    by_residue: dict[int, list[int]] = {}
    for g, n in enumerate(left):
        if 0 < n < weeks:
            by_residue.setdefault(n, []).append(g)
    if not free or not by_residue:
        return plans
    counts = {r: len(gs) for r, gs in by_residue.items()}
    types = _types(counts, weeks)
    residues = sorted(counts)
    placed = np.array([min(sum(c), k * weeks) for c, k in types], dtype=np.float64)
    links = np.array([len(c) + k - 1 for c, k in types], dtype=np.float64)
    worth = float(sum(counts.values()) + free + 1)     # one more school beats any links
    a = np.zeros((len(residues) + 1, len(types)))
    for j, (combo, k) in enumerate(types):
        for r in combo:
            a[residues.index(r), j] += 1
        a[-1, j] = k
    upper = np.array([*(counts[r] for r in residues), free], dtype=np.float64)
    res = milp(links - worth * placed, constraints=LinearConstraint(a, -np.inf, upper),
               integrality=np.ones(len(types), dtype=np.int64), bounds=Bounds(0, np.inf),
               options={"time_limit": 10.0, "disp": False})
    if res.x is None:   # not seen: the program is tiny and always feasible (all zero)
        return plans
    for j in np.argsort(-placed, kind="stable").tolist():
        combo, k = types[j]
        for _ in range(round(res.x[j])):
            towns = [by_residue[r].pop(0) for r in sorted(combo, reverse=True)]
            plans.extend(_chain([(g, left[g]) for g in towns], k, weeks))
    return plans


def _chain(towns: list[tuple[int, int]], teams: int, weeks: int) -> list[list[tuple[int, int]]]:
    """``teams`` teams walking through ``towns`` one after another (the tail waits)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(teams)]
    t, room = 0, weeks
    for g, n in towns:
        while n and t < teams:
            take = min(n, room)
            out[t].append((g, take))
            n -= take
            room -= take
            if not room:
                t, room = t + 1, weeks
    return [p for p in out if p]


__all__ = ["MAX_WEEKS", "pack_towns"]
