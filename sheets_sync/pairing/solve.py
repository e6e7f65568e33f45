"""The assignment itself: minimum total cost, solved per school (or per county).

Who may take whom, and how many, is the :mod:`.placement`'s: inside the team visiting the
child's school, or (without teams) a volunteer of the same school or one without a school
whose brigade (所属大队) is the child's county. Every volunteer has their capacity minus
their current load free *slots*; slot *k* costs ``load_step × (load + k)``, so the total
grows faster than linearly with a volunteer's load and the optimum spreads children.
On top of that, a pair costs:

* ``skill_miss`` when the child has a weak subject (学习情况) none of the volunteer's
  特长 covers;
* ``sex_mismatch`` when the child is in grade ``same_sex_from_grade`` or above and the
  sexes differ;
* ``county_only`` when the volunteer has no school and is matched by county.

:func:`assign` builds one cost matrix (children × free slots) per group and
solves it with :func:`scipy.optimize.linear_sum_assignment`; forbidden pairs (another
school, a rejected suggestion) cost more than every allowed pairing together, so the
solution first pairs as many children as possible, then at the least cost.

When a school has more children than free slots, who waits must not depend on how easy a
child is to match: in the matrix each child's pair costs are taken relative to that
child's best volunteer, and a tie goes to the earlier sheet row (registered first). The
input is taken in sheet order and nothing is random: the same book gives the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import Child, Settings, Volunteer
from .placement import BrigadePlacement, Group, Placement
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
    """The placement rule without teams: same school, or (volunteer without school) same
    county. (:mod:`.placement` holds both rules; this is :class:`BrigadePlacement`'s.)"""
    if v.school_key:
        return v.school_key == c.school_key
    return bool(v.brigade) and v.brigade == c.county


def pair_cost(c: Child, v: Volunteer, settings: Settings, w: Weights,
              placement: Placement | None = None) -> tuple[int, list[str]]:
    """What pairing ``c`` with ``v`` costs before load, and why (Chinese reasons)."""
    place = placement or BrigadePlacement(settings)
    word, by_county = place.where(c, v)
    cost = w.county_only if by_county else 0
    reasons = [word]
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


def explain(pairs: Iterable[tuple[Child, Volunteer]], load: Mapping[str, int],
            settings: Settings, w: Weights, placement: Placement | None = None
            ) -> list[Assignment]:
    """Cost and reasons of each pair; a volunteer's new children take slots in sheet order.

    ``load``: the pairs each load bucket (:meth:`Placement.bucket`) already holds."""
    place = placement or BrigadePlacement(settings)
    by_bucket: dict[str, list[tuple[Child, Volunteer]]] = {}
    for c, v in pairs:
        by_bucket.setdefault(place.bucket(c, v), []).append((c, v))
    out: list[Assignment] = []
    for key, group in by_bucket.items():
        for k, (c, v) in enumerate(sorted(group, key=lambda p: p[0].row)):
            before = load.get(key, 0) + k
            cost, reasons = pair_cost(c, v, settings, w, place)
            reasons.append(f"当前负担 {before}/{place.capacity(c, v)}")
            out.append(Assignment(c, v, cost + w.load_step * before, tuple(reasons)))
    out.sort(key=lambda a: a.child.row)
    return out


# --------------------------------------------------------------------------- groups

def groups(children: Sequence[Child], volunteers: Sequence[Volunteer]
           ) -> list[tuple[list[Child], list[Volunteer]]]:
    """Children and volunteers split into independent problems (a school, or a county
    when volunteers without a school serve it), in sheet order."""
    return [(g.children, g.volunteers)
            for g in BrigadePlacement(Settings()).groups(children, volunteers)]


def free_slots(group: Group, load: Mapping[str, int], placement: Placement) -> list[int]:
    """Room left for each volunteer of ``group`` (capacity minus the bucket's load)."""
    if not group.children:
        return [0] * len(group.volunteers)
    c = group.children[0]
    return [max(group.capacity - load.get(placement.bucket(c, v), 0), 0)
            for v in group.volunteers]


def _solve_group(group: Group, load: Mapping[str, int], rejected: set[tuple[str, str]],
                 settings: Settings, w: Weights, placement: Placement
                 ) -> list[tuple[Child, Volunteer]]:
    children, volunteers = group.children, group.volunteers
    free = free_slots(group, load, placement)
    slot_vol = np.repeat(np.arange(len(volunteers)), free)
    if not len(children) or not len(slot_vol):
        return []
    ok, county_only = placement.matrix(group)
    ok = ok.copy()
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
            + w.county_only * county_only).astype(np.float64)
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
    c0 = children[0]
    loads = np.array([load.get(placement.bucket(c0, v), 0) for v in volunteers])
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


def assign_group(group: Group, load: Mapping[str, int], rejected: set[tuple[str, str]],
                 settings: Settings, w: Weights, placement: Placement) -> list[Assignment]:
    """The minimum-cost assignment inside one :class:`~.placement.Group`."""
    return explain(_solve_group(group, load, rejected, settings, w, placement), load,
                   settings, w, placement)


def assign(children: Sequence[Child], volunteers: Sequence[Volunteer], load: Mapping[str, int],
           rejected: set[tuple[str, str]], settings: Settings, w: Weights,
           placement: Placement | None = None) -> list[Assignment]:
    """The minimum-cost assignment of ``children`` (unpaired, with a school) to
    ``volunteers`` (eligible), given each load bucket's current ``load`` (by volunteer id
    without teams; :meth:`Placement.bucket`)."""
    place = placement or BrigadePlacement(settings)
    pairs: list[tuple[Child, Volunteer]] = []
    for g in place.groups(children, volunteers):
        pairs.extend(_solve_group(g, load, rejected, settings, w, place))
    return explain(pairs, load, settings, w, place)


def greedy(children: Sequence[Child], volunteers: Sequence[Volunteer], load: Mapping[str, int],
           rejected: set[tuple[str, str]], settings: Settings, w: Weights,
           placement: Placement | None = None) -> list[Assignment]:
    """First fit, for comparison: each child in sheet order takes the first allowed
    volunteer (sheet order) with room."""
    place = placement or BrigadePlacement(settings)
    now = dict(load)
    pairs: list[tuple[Child, Volunteer]] = []
    for g in place.groups(children, volunteers):
        options = sorted(g.volunteers, key=lambda v: v.row)
        for c in sorted(g.children, key=lambda c: c.row):
            for v in options:
                key = place.bucket(c, v)
                if (place.allowed(c, v) and now.get(key, 0) < g.capacity
                        and (c.id, v.id) not in rejected):
                    now[key] = now.get(key, 0) + 1
                    pairs.append((c, v))
                    break
    return explain(pairs, load, settings, w, place)


__all__ = ["Assignment", "Weights", "allowed", "assign", "assign_group", "explain",
           "free_slots", "greedy", "groups", "pair_cost"]
