"""The rotation: which team visits which school in which week.

Every school with an agreement (协议已签 是) and no visit yet is given one free
(team, week), one school per team per week, a team only in its brigade's county (unless
``[program] cross_county``: then first in its own county, and what is left over anywhere).
Among the plans that schedule the most schools, the one whose teams touch the fewest
乡镇 is chosen; each team then walks through its schools town by town, so the schools of
one 乡镇 come in consecutive weeks where the team's free weeks allow.

The choice is a small integer program solved by HiGHS through
:func:`scipy.optimize.milp` (scipy is already a dependency; HiGHS is a maintained MIP
solver and proves the plan optimal at this size), per county:

* ``x[s, t]`` = school *s* goes to team *t* (only allowed pairs: same county, free weeks
  left, not rejected by staff for that team);
* ``y[g, t]`` = team *t* visits 乡镇 *g*;
* each school at most once; each team at most its free weeks; ``Σ_{s∈g} x[s,t] ≤ n·y[g,t]``;
* maximise ``M·Σx − Σy`` (M larger than any Σy: scheduling one more school always wins).

Usually :func:`~.packing.pack_towns` packs the schools without a search over teams, in
milliseconds (whole teams to big 乡镇 first, then a tiny program over groups of what is
left): exactly the program's optimum when every team has the same free weeks, close to it
when some have weeks kept. Rejections are kept by handing the packed walks to teams with
the same free weeks so that no rejected (team, school) is proposed (an assignment problem);
only when that is impossible does the program above run, with the rejections in it.

Should HiGHS stop at its time limit without a plan, a greedy plan (schools in town order,
to the team with the most free weeks) is used instead and said so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import coo_matrix

from .model import School, Week, key
from .packing import pack_towns

TIME_LIMIT = 10.0
GAP = 0.02
"""Stop once the plan is proven within 2 % of the fewest (乡镇, team) possible."""


@dataclass
class Slots:
    """One team and the weeks it is still free."""

    team: str
    brigade: str
    free: list[int]                 # week indexes, ascending
    towns: dict[int, str] = field(default_factory=dict)   # busy week -> 乡镇 of that visit


@dataclass(frozen=True)
class Placed:
    school: School
    team: str
    week: Week
    reasons: tuple[str, ...]


def _town(s: School) -> str:
    return f"{s.county}\x1f{s.town or s.name}"


def _solve(schools: Sequence[School], teams: Sequence[Slots],
           rejected: set[tuple[str, str]], notes: list[str], *, packed: bool = True
           ) -> dict[int, int]:
    """school index -> team index (see the module doc); ``packed=False`` always runs the
    full program (the tests compare the two).

    Schools of one 乡镇 are interchangeable, so the program counts them: ``z[c, t]`` schools
    of class *c* (a 乡镇, or one school some team was rejected for) go to team *t*, and
    ``y[g, t]`` says team *t* visits 乡镇 *g*. Which schools of a class a team gets is then
    the class's sheet order.
    """
    towns: dict[str, int] = {}
    classes: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(schools):
        barred = [t.team for t in teams if (key(t.team), key(s.name)) in rejected]
        classes.setdefault((_town(s), s.name if barred else ""), []).append(i)
        towns.setdefault(_town(s), len(towns))
    cls = list(classes.items())
    open_teams = [j for j, t in enumerate(teams) if t.free]
    z_index: dict[tuple[int, int], int] = {}
    for c, ((_, own), _members) in enumerate(cls):
        for j in open_teams:
            if not own or (key(teams[j].team), key(own)) not in rejected:
                z_index[(c, j)] = len(z_index)
    if not z_index:
        return {}
    if packed:
        got = _packed(schools, [teams[j] for j in open_teams], rejected)
        if got is not None:
            return {i: open_teams[j] for i, j in got.items()}
    nz = len(z_index)
    y_index: dict[tuple[int, int], int] = {}
    for (c, j) in z_index:
        y_index.setdefault((towns[cls[c][0][0]], j), nz + len(y_index))
    n = nz + len(y_index)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []

    def add(entries: Iterable[tuple[int, float]], upper: float, lower: float = -np.inf) -> None:
        r = len(lo)
        for col, v in entries:
            rows.append(r)
            cols.append(col)
            vals.append(v)
        lo.append(lower)
        hi.append(upper)

    by_class: dict[int, list[int]] = {}
    by_team: dict[int, list[int]] = {}
    by_y: dict[int, list[int]] = {}
    for (c, j), z in z_index.items():
        by_class.setdefault(c, []).append(z)
        by_team.setdefault(j, []).append(z)
        by_y.setdefault(y_index[(towns[cls[c][0][0]], j)], []).append(z)
    for c, zs in by_class.items():
        add(((z, 1.0) for z in zs), float(len(cls[c][1])))
    for j, zs in by_team.items():
        add(((z, 1.0) for z in zs), float(len(teams[j].free)))
    n_assign = len(lo)
    upper = np.ones(n)
    for (c, j), z in z_index.items():
        upper[z] = min(len(cls[c][1]), len(teams[j].free))

    def solve(cost: np.ndarray, n_rows: int, n_cols: int, gap: float) -> Any:
        keep = [k for k, r in enumerate(rows) if r < n_rows and cols[k] < n_cols]
        a = coo_matrix((np.array([vals[k] for k in keep]),
                        (np.array([rows[k] for k in keep], dtype=np.int64),
                         np.array([cols[k] for k in keep], dtype=np.int64))),
                       shape=(n_rows, n_cols)).tocsr()
        return milp(cost, constraints=LinearConstraint(a, lo[:n_rows], hi[:n_rows]),
                    integrality=np.ones(n_cols, dtype=np.int64), bounds=Bounds(0, upper[:n_cols]),
                    options={"time_limit": TIME_LIMIT, "disp": False, "mip_rel_gap": gap})

    # stage 1: how many schools can be scheduled at all (a transportation problem, whole at
    # its LP optimum); without rejections it is plain arithmetic
    most = min(len(schools), sum(len(teams[j].free) for j in by_team))
    if rejected:
        first = solve(-np.ones(nz), n_assign, nz, 0.0)
        if first.x is not None:
            most = round(-first.fun)
    # stage 2: exactly that many, touching the fewest (乡镇, team)
    for y, zs in by_y.items():
        add([*((z, 1.0) for z in zs), (y, -float(max(upper[z] for z in zs)))], 0.0)
    add(((z, 1.0) for z in range(nz)), float(most), float(most))
    res = solve(np.concatenate([np.zeros(nz), np.ones(len(y_index))]), len(lo), n, GAP)
    if res.x is None:
        notes.append(f"排班求解在 {TIME_LIMIT:g} 秒内没有得出结果,改用逐校分配(结果可能不是最优)。")
        return _greedy(schools, teams, rejected)
    if res.status != 0:
        bound = getattr(res, "mip_dual_bound", None)
        notes.append(f"排班求解用满 {TIME_LIMIT:g} 秒,用的是此时最好的方案(各支队共进驻 "
                     f"{round(res.fun)} 个“支队 × 乡镇”" + (f",下界 {math.ceil(bound)}"
                                                        if bound is not None else "") + ")。")
    out: dict[int, int] = {}
    taken = {c: 0 for c in range(len(cls))}
    for (c, j), z in sorted(z_index.items()):
        k = round(res.x[z])
        for i in cls[c][1][taken[c]:taken[c] + k]:
            out[i] = j
        taken[c] += k
    return out


def _packed(schools: Sequence[School], teams: Sequence[Slots],
            rejected: set[tuple[str, str]]) -> dict[int, int] | None:
    """:func:`pack_towns` (school index -> index into ``teams``, all open); plans go to
    teams with the same free weeks so that no rejected (team, school) is proposed. None
    when packing does not apply (too many group types, or no such way to hand them out)."""
    by_town: dict[str, list[int]] = {}
    for i, s in enumerate(schools):
        by_town.setdefault(_town(s), []).append(i)
    members = list(by_town.values())
    free = [len(t.free) for t in teams]
    plans = pack_towns([len(m) for m in members], free)
    if plans is None:
        return None
    taken = [0] * len(members)
    visits: list[list[int]] = []
    for plan in plans:   # which schools of a 乡镇: sheet order
        visits.append([])
        for c, n in plan:
            visits[-1].extend(members[c][taken[c]:taken[c] + n])
            taken[c] += n
    plan_of = list(range(len(teams)))
    barred = {(j, i) for j, t in enumerate(teams) for i, s in enumerate(schools)
              if (key(t.team), key(s.name)) in rejected} if rejected else set()
    if barred:
        for weeks in set(free):
            same = [j for j in range(len(teams)) if free[j] == weeks]
            cost = np.array([[sum((q, i) in barred for i in visits[p]) for q in same]
                             for p in same])
            rows, cols = linear_sum_assignment(cost)
            if cost[rows, cols].sum():
                return None
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                plan_of[same[c]] = same[r]
    return {i: j for j in range(len(teams)) for i in visits[plan_of[j]]}


def _greedy(schools: Sequence[School], teams: Sequence[Slots],
            rejected: set[tuple[str, str]]) -> dict[int, int]:
    left = [len(t.free) for t in teams]
    out: dict[int, int] = {}
    for i in sorted(range(len(schools)), key=lambda i: (_town(schools[i]), schools[i].name)):
        options = [j for j in range(len(teams)) if left[j]
                   and (key(teams[j].team), key(schools[i].name)) not in rejected]
        if options:
            j = max(options, key=lambda j: (left[j], -j))
            out[i] = j
            left[j] -= 1
    return out


def _order(team: Slots, mine: list[School], weeks: Sequence[Week]) -> list[Placed]:
    """Put a team's schools into its free weeks, one 乡镇 after another."""
    blocks: dict[str, list[School]] = {}
    for s in sorted(mine, key=lambda s: (_town(s), s.name)):
        blocks.setdefault(_town(s), []).append(s)
    # a town the team already visits goes next to that visit; then the bigger towns first
    busy = set(team.towns.values())
    ordered = sorted(blocks.values(), key=lambda b: (_town(b[0]) not in busy, -len(b),
                                                     _town(b[0])))
    flat = [s for b in ordered for s in b]
    placed: list[Placed] = []
    spans: dict[str, list[int]] = {}
    for s, w in zip(flat, team.free, strict=False):
        spans.setdefault(_town(s), []).append(w)
    for s, w in zip(flat, team.free, strict=False):
        reasons = [f"{weeks[w].label}({weeks[w].start:%m-%d} 至 {weeks[w].end:%m-%d})"]
        ws = spans[_town(s)]
        if s.town and len(ws) > 1:
            run = "、".join(str(x + 1) for x in ws)
            reasons.append(f"同乡镇{s.town}的 {len(ws)} 所学校在第 {run} 周")
        placed.append(Placed(s, team.team, weeks[w], tuple(reasons)))
    return placed


def plan_rotation(schools: Sequence[School], teams: Sequence[Slots], weeks: Sequence[Week],
                  *, rejected: set[tuple[str, str]], cross_county: bool,
                  notes: list[str]) -> tuple[list[Placed], list[School]]:
    """Visits for ``schools`` in the teams' free weeks; and the schools left over."""
    assigned: dict[int, list[School]] = {}
    left: list[School] = []
    free = [Slots(t.team, t.brigade, list(t.free), dict(t.towns)) for t in teams]
    counties = list(dict.fromkeys(s.county for s in schools))
    for county in counties:
        mine = [s for s in schools if s.county == county]
        idx = [j for j, t in enumerate(free) if t.brigade == county]
        got = _solve(mine, [free[j] for j in idx], rejected, notes) if idx else {}
        for i, s in enumerate(mine):
            if i in got:
                j = idx[got[i]]
                assigned.setdefault(j, []).append(s)
            else:
                left.append(s)
    if cross_county and left:  # what the teams have left, for the schools left over
        rest = [Slots(t.team, t.brigade, t.free[len(assigned.get(j, [])):], t.towns)
                for j, t in enumerate(free)]
        got = _solve(left, rest, rejected, notes)
        still: list[School] = []
        for i, s in enumerate(left):
            if i in got:
                assigned.setdefault(got[i], []).append(s)
            else:
                still.append(s)
        left = still
    placed: list[Placed] = []
    for j, mine in assigned.items():
        placed.extend(_order(free[j], mine, weeks))
    rank = {t.team: j for j, t in enumerate(teams)}
    placed.sort(key=lambda p: (p.week.index, rank[p.team]))
    return placed, left


__all__ = ["Placed", "Slots", "plan_rotation"]
