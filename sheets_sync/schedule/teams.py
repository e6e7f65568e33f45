"""Teams (支队) from a brigade's admitted, trained volunteers not yet in a team.

How many: ``n`` volunteers make ``n // size`` teams; a remainder of at least ``size − 2``
makes one more team (14 volunteers, size 8: two teams of 7), a smaller one is spread over
the teams up to ``size + 2`` each, and whoever is still left over waits (listed with the
arithmetic). These are the sizes the ``支队`` rule accepts (``team_size`` ± 2).

Who goes where, in rounds (a draft): round 0 gives each team its 队长, the ``k`` best by
复试成绩, then 初试成绩, then sheet row. Every later round takes the next ``k`` volunteers
of the brigade ordered by sex, 学院 and 特长 (so one round holds people alike) and deals
them one per team by :func:`scipy.optimize.linear_sum_assignment` on a cost that counts
what the team already has of the volunteer's sex, 学院 and 特长: alike people land in
different teams, and each team gets a mix. A member set staff rejected (``拒绝`` on its
``支队`` row) is never proposed again: completing it costs more than any other choice.
Deterministic: the same book gives the same teams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import Volunteer

CN_DIGITS = "零一二三四五六七八九"
W_SEX, W_COLLEGE, W_SKILL = 4.0, 2.0, 1.0
_BIG = 1e6


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五, 100+ → digits."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def team_name(brigade: str, n: int) -> str:
    """满城一支队, 满城二支队 …"""
    return f"{brigade}{cn_number(n)}支队"


def sizes(n: int, size: int) -> list[int]:
    """The team sizes ``n`` volunteers make (see the module doc); their sum may be < n."""
    k, rest = divmod(n, size)
    low = max(size - 2, 1)
    if rest and rest >= low:
        k += 1
        base, extra = divmod(n, k)
        return [base + (1 if i < extra else 0) for i in range(k)]
    out = [size] * k
    for i in range(min(rest, 2 * k)):
        out[i % k] += 1
    return out


@dataclass(frozen=True)
class Drafted:
    leader: Volunteer
    members: tuple[Volunteer, ...]   # the leader first, then in sheet order


def _rank(v: Volunteer) -> tuple[float, float, int]:
    return (-v.score[0], -v.score[1], v.row)


def draft(volunteers: Sequence[Volunteer], team_sizes: Sequence[int],
          rejected: Collection[frozenset[str]] = ()) -> list[Drafted]:
    """Deal ``volunteers`` (one brigade, sheet order) into teams of ``team_sizes``."""
    k = len(team_sizes)
    if not k:
        return []
    need = sum(team_sizes)
    pool = sorted(volunteers, key=lambda v: v.row)[:need]   # who waits: the last rows
    leaders = sorted(pool, key=_rank)[:k]
    chosen = {v.id for v in leaders}
    rest = sorted((v for v in pool if v.id not in chosen),
                  key=lambda v: (v.sex, v.college, v.skills, v.row))
    teams: list[list[Volunteer]] = [[v] for v in leaders]
    sex: list[Counter[str]] = [Counter([v.sex]) for v in leaders]
    college: list[Counter[str]] = [Counter([v.college]) for v in leaders]
    skill: list[Counter[str]] = [Counter(v.skills) for v in leaders]
    rejected_sets = [s for s in rejected if s]
    at = 0
    while at < len(rest):
        open_ = [t for t in range(k) if len(teams[t]) < team_sizes[t]]
        batch = rest[at:at + len(open_)]
        at += len(batch)
        cost = np.zeros((len(batch), len(open_)))
        for i, v in enumerate(batch):
            for j, t in enumerate(open_):
                c = W_SEX * sex[t][v.sex] if v.sex else 0.0
                c += W_COLLEGE * college[t][v.college] if v.college else 0.0
                c += W_SKILL * sum(skill[t][s] for s in v.skills)
                c += 0.001 * len(teams[t])   # ties: the smaller team first
                if rejected_sets and len(teams[t]) + 1 == team_sizes[t]:
                    ids = frozenset([*(m.id for m in teams[t]), v.id])
                    if ids in rejected_sets:
                        c += _BIG
                cost[i, j] = c
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            t, v = open_[j], batch[i]
            teams[t].append(v)
            sex[t][v.sex] += 1
            college[t][v.college] += 1
            skill[t].update(v.skills)
    return [Drafted(m[0], (m[0], *sorted(m[1:], key=lambda v: v.row))) for m in teams]


def balance_text(d: Drafted) -> str:
    """``8 人:男 4、女 4;学院 5 个;特长 语文 3、数学 2 …;队长 V0003(复试成绩 92)``."""
    sexes = Counter(v.sex for v in d.members if v.sex)
    colleges = {v.college for v in d.members if v.college}
    skills = Counter(s for v in d.members for s in v.skills)
    parts = [f"{len(d.members)} 人:" + ("、".join(f"{s} {n}" for s, n in sorted(sexes.items()))
                                       or "性别未填")]
    parts.append(f"学院 {len(colleges)} 个")
    if skills:
        parts.append("特长 " + "、".join(f"{s} {n}" for s, n in skills.most_common(5)))
    score = d.leader.score[0] if d.leader.score[0] >= 0 else d.leader.score[1]
    why = f"(成绩 {score:g},队内最高)" if score >= 0 else ""
    parts.append(f"队长 {d.leader.label}{why}")
    return ";".join(parts)


__all__ = ["Drafted", "balance_text", "cn_number", "draft", "sizes", "team_name"]
