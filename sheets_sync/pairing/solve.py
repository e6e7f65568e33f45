"""The assignment itself: minimum total cost, solved per school (or per county).

A child may go to a volunteer of the same school, or to a volunteer without a school
whose brigade (所属大队) is the child's county. Every volunteer has ``capacity`` minus
their current load free *slots*; slot *k* costs ``load_step × (load + k)``, so the total
grows faster than linearly with a volunteer's load and the optimum spreads children.
On top of that, a pair costs:

* ``skill_miss`` when the child has a weak subject (学习情况) none of the volunteer's
  特长 covers;
* ``sex_mismatch`` when the child is in grade ``same_sex_from_grade`` or above and the
  sexes differ;
* ``county_only`` when the volunteer has no school and is matched by county.

:func:`assign` builds one cost matrix (children × free slots) per connected group and
solves it with :func:`scipy.optimize.linear_sum_assignment`; forbidden pairs (another
school, a rejected suggestion) cost more than every allowed pairing together, so the
solution first pairs as many children as possible, then at the least cost.

When a school has more children than free slots, who waits must not depend on how easy a
child is to match: in the matrix each child's pair costs are taken relative to that
child's best volunteer, and a tie goes to the earlier sheet row (registered first). The
input is taken in sheet order and nothing is random: the same book gives the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import Child, Settings, Volunteer
from .study import SUBJECTS

_BIT = {subject: 1 << i for i, subject in enumerate(SUBJECTS)}
_SEX = {"男": 1, "女": 2}


@dataclass(frozen=True)
class Weights:
    """What each preference costs (whole numbers, shown to staff as 代价)."""

    skill_miss: int = 6
    sex_mismatch: int = 4
    county_only: int = 3
    load_step: int = 2


@dataclass(frozen=True)
class Assignment:
    child: Child
    volunteer: Volunteer
    cost: int
    reasons: tuple[str, ...]


def allowed(c: Child, v: Volunteer) -> bool:
    """The hard placement rule: same school, or (volunteer without school) same county."""
    if v.school_key:
        return v.school_key == c.school_key
    return bool(v.brigade) and v.brigade == c.county


def pair_cost(c: Child, v: Volunteer, settings: Settings, w: Weights) -> tuple[int, list[str]]:
    """What pairing ``c`` with ``v`` costs before load, and why (Chinese reasons)."""
    cost = 0
    reasons = ["同校" if v.school_key else "同县"]
    if not v.school_key:
        cost += w.county_only
    if c.weak:
        matched = [f"特长:{s} ↔ {clause}" for s, clause in c.weak if s in v.skills]
        if matched:
            reasons.extend(matched)
        else:
            cost += w.skill_miss
            reasons.append("特长未覆盖:" + "、".join(dict.fromkeys(cl for _, cl in c.weak)))
    if c.grade is not None and c.grade >= settings.same_sex_from_grade and c.sex and v.sex:
        if c.sex == v.sex:
            reasons.append("同性别")
        else:
            cost += w.sex_mismatch
            reasons.append("性别不同")
    return cost, reasons


def explain(pairs: Iterable[tuple[Child, Volunteer]], load: dict[str, int], settings: Settings,
            w: Weights) -> list[Assignment]:
    """Cost and reasons of each pair; a volunteer's new children take slots in sheet order."""
    by_volunteer: dict[str, list[tuple[Child, Volunteer]]] = {}
    for c, v in pairs:
        by_volunteer.setdefault(v.id, []).append((c, v))
    out: list[Assignment] = []
    for group in by_volunteer.values():
        for k, (c, v) in enumerate(sorted(group, key=lambda p: p[0].row)):
            before = load.get(v.id, 0) + k
            cost, reasons = pair_cost(c, v, settings, w)
            reasons.append(f"当前负担 {before}/{settings.capacity}")
            out.append(Assignment(c, v, cost + w.load_step * before, tuple(reasons)))
    out.sort(key=lambda a: a.child.row)
    return out


# --------------------------------------------------------------------------- groups

def groups(children: Sequence[Child], volunteers: Sequence[Volunteer]
           ) -> list[tuple[list[Child], list[Volunteer]]]:
    """Children and volunteers split into independent problems (a school, or a county
    when volunteers without a school serve it), in sheet order."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    county_served = {v.brigade for v in volunteers if not v.school_key and v.brigade}
    for c in children:
        if c.county in county_served:
            parent[find("s:" + c.school_key)] = find("c:" + c.county)
    kids: dict[str, list[Child]] = {}
    for c in children:
        kids.setdefault(find("s:" + c.school_key), []).append(c)
    vols: dict[str, list[Volunteer]] = {}
    for v in volunteers:
        node = "s:" + v.school_key if v.school_key else "c:" + v.brigade
        vols.setdefault(find(node), []).append(v)
    return [(cs, vols.get(root, [])) for root, cs in kids.items()]


def _codes(values: list[str], table: dict[str, int]) -> np.ndarray:
    return np.array([table.setdefault(x, len(table)) if x else -1 for x in values],
                    dtype=np.int64)


def _solve_group(children: list[Child], volunteers: list[Volunteer], load: dict[str, int],
                 rejected: set[tuple[str, str]], settings: Settings, w: Weights
                 ) -> list[tuple[Child, Volunteer]]:
    free = [max(settings.capacity - load.get(v.id, 0), 0) for v in volunteers]
    slot_vol = np.repeat(np.arange(len(volunteers)), free)
    if not len(children) or not len(slot_vol):
        return []
    place: dict[str, int] = {}
    c_school = _codes([c.school_key for c in children], place)
    v_school = _codes([v.school_key for v in volunteers], place)
    area: dict[str, int] = {}
    c_county = _codes([c.county for c in children], area)
    v_brigade = _codes([v.brigade for v in volunteers], area)
    ok = np.where(v_school[None, :] >= 0, v_school[None, :] == c_school[:, None],
                  (v_brigade[None, :] >= 0) & (v_brigade[None, :] == c_county[:, None]))
    c_weak = np.array([sum(_BIT.get(s, 0) for s, _ in c.weak) for c in children])
    v_skill = np.array([sum(_BIT.get(s, 0) for s in v.skills) for v in volunteers])
    miss = (c_weak[:, None] != 0) & ((c_weak[:, None] & v_skill[None, :]) == 0)
    c_sex = np.array([_SEX.get(c.sex, 0) for c in children])
    v_sex = np.array([_SEX.get(v.sex, 0) for v in volunteers])
    older = np.array([c.grade is not None and c.grade >= settings.same_sex_from_grade
                      for c in children])
    differ = (older & (c_sex > 0))[:, None] & (v_sex > 0)[None, :] & (c_sex[:, None]
                                                                      != v_sex[None, :])
    base = (w.skill_miss * miss + w.sex_mismatch * differ
            + w.county_only * (v_school < 0)[None, :]).astype(np.float64)
    if rejected:
        row_of = {c.id: i for i, c in enumerate(children)}
        col_of = {v.id: j for j, v in enumerate(volunteers)}
        for cid, vid in rejected:
            if cid in row_of and vid in col_of:
                ok[row_of[cid], col_of[vid]] = False
    # each child's cost relative to its best possible volunteer: a child who is hard to
    # match is not left out for it; among equals, the earlier sheet row goes first
    best = np.where(ok, base, np.inf).min(axis=1)
    base = base - np.where(np.isfinite(best), best, 0.0)[:, None]
    n = len(children)
    base += (np.arange(n, dtype=np.float64) / (n * n + 1.0))[:, None]
    loads = np.array([load.get(v.id, 0) for v in volunteers])
    first = np.concatenate(([0], np.cumsum(free)[:-1]))
    k = np.arange(len(slot_vol)) - first[slot_vol]
    matrix = base[:, slot_vol] + (w.load_step * (loads[slot_vol] + k))[None, :]
    allowed_m = ok[:, slot_vol]
    top = float(matrix[allowed_m].max()) if allowed_m.any() else 0.0
    big = (top + 1.0) * (min(matrix.shape) + 1)
    matrix[~allowed_m] = big
    rows, cols = linear_sum_assignment(matrix)
    return [(children[i], volunteers[int(slot_vol[j])])
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True) if allowed_m[i, j]]


def assign(children: Sequence[Child], volunteers: Sequence[Volunteer], load: dict[str, int],
           rejected: set[tuple[str, str]], settings: Settings, w: Weights) -> list[Assignment]:
    """The minimum-cost assignment of ``children`` (unpaired, with a school) to
    ``volunteers`` (eligible), given each volunteer's current ``load``."""
    pairs: list[tuple[Child, Volunteer]] = []
    for cs, vs in groups(children, volunteers):
        pairs.extend(_solve_group(cs, vs, load, rejected, settings, w))
    return explain(pairs, load, settings, w)


def greedy(children: Sequence[Child], volunteers: Sequence[Volunteer], load: dict[str, int],
           rejected: set[tuple[str, str]], settings: Settings, w: Weights) -> list[Assignment]:
    """First fit, for comparison: each child in sheet order takes the first allowed
    volunteer (sheet order) with room."""
    now = dict(load)
    by_school: dict[str, list[Volunteer]] = {}
    by_county: dict[str, list[Volunteer]] = {}
    for v in volunteers:
        if v.school_key:
            by_school.setdefault(v.school_key, []).append(v)
        elif v.brigade:
            by_county.setdefault(v.brigade, []).append(v)
    pairs: list[tuple[Child, Volunteer]] = []
    for c in children:
        options = sorted(by_school.get(c.school_key, []) + by_county.get(c.county, []),
                         key=lambda v: v.row)
        for v in options:
            if now.get(v.id, 0) < settings.capacity and (c.id, v.id) not in rejected:
                now[v.id] = now.get(v.id, 0) + 1
                pairs.append((c, v))
                break
    return explain(pairs, load, settings, w)


__all__ = ["Assignment", "Weights", "allowed", "assign", "explain", "greedy", "groups",
           "pair_cost"]
