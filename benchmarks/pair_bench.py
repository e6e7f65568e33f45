"""Pairing: minimum-cost assignment against greedy first fit, in one run.

Builds a synthetic book (default 5,000 children, 400 volunteers, 75 schools in three
counties; most volunteers admitted and trained, a few without a school serving their
county's brigade, some existing active pairs), then:

* times ``propose_pairs`` end to end (validation of the four form tabs included) and the
  assignment alone (``solve.assign``);
* runs a greedy first fit (each child in sheet order takes the first volunteer with room)
  on the same children, volunteers and loads;
* prints, for both, the pairs made, the total cost (what staff see as 代价, summed) and the
  total *regret* (each pair's cost above that child's best possible volunteer, the
  quantity the optimiser minimises), and the ratios optimal / greedy.

    python benchmarks/pair_bench.py [--children 5000] [--volunteers 400] [--schools 75]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter

import numpy as np

from sheets_sync.config import Program
from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import validate_grids
from sheets_sync.pairing import Weights, propose_pairs
from sheets_sync.pairing.model import (
    Settings,
    read_active_pairs,
    read_children,
    read_volunteers,
)
from sheets_sync.pairing.solve import Assignment, allowed, assign, greedy, pair_cost
from sheets_sync.table import Grid

STUDY = ("数学较弱", "英语较弱", "语文需辅导", "英语差", "数学不好,英语一般", "成绩中等",
         "成绩优秀", "作业拖拉", "语文较好,数学较弱", "")
SKILLS = ("语文", "数学", "英语", "体育", "音乐", "美术", "心理")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def _names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    a = rng.integers(0, len(GIVEN), n)
    b = rng.integers(0, len(GIVEN), n)
    return [SURNAMES[i] + GIVEN[j] + GIVEN[k] for i, j, k in zip(s, a, b, strict=True)]


def synthetic_book(children: int, volunteers: int, schools: int, seed: int = 8,
                   program: Program | None = None) -> dict[str, Grid]:
    """The four form tabs pairing reads, as grids of text."""
    program = program or Program()
    rng = np.random.default_rng(seed)
    counties = program.counties
    school_names = [f"第{i + 1:02d}小学" for i in range(schools)]
    school_county = [counties[i % len(counties)] for i in range(schools)]
    school_rows = [["学校名称", "县"], *([n, c] for n, c in zip(school_names, school_county,
                                                               strict=True))]
    k = rng.integers(0, schools, children)
    kid_rows = [["编号", "姓名", "性别", "县", "学校", "年级", "学习情况"]]
    sexes = rng.choice(["男", "女"], children)
    grades = rng.integers(1, 7, children)
    study = rng.choice(STUDY, children)
    for i, name in enumerate(_names(rng, children)):
        kid_rows.append([f"C{i + 1:05d}", name, str(sexes[i]), school_county[k[i]],
                         school_names[k[i]], str(grades[i]), str(study[i])])
    vol_rows = [["编号", "姓名", "性别", "特长", "录取状态", "培训完成", "所属大队", "所属学校"]]
    vsex = rng.choice(["男", "女"], volunteers)
    status = rng.choice(["录取", "录取", "录取", "录取", "录取", "未录取"], volunteers)
    trained = rng.random(volunteers) < 0.93
    home = np.arange(volunteers) % schools
    schoolless = rng.random(volunteers) < 0.05
    for i, name in enumerate(_names(rng, volunteers)):
        skills = "、".join(rng.choice(SKILLS, int(rng.integers(1, 4)), replace=False).tolist())
        vol_rows.append([f"V{i + 1:04d}", name, str(vsex[i]), skills, str(status[i]),
                         "是" if trained[i] else "否", school_county[home[i]],
                         "" if schoolless[i] else school_names[home[i]]])
    pair_rows = [["编号", "志愿者编号", "儿童编号", "开始日期", "状态"]]
    taken: set[int] = set()
    for i in range(0, volunteers, 3):  # every third volunteer already has one child
        if schoolless[i] or status[i] != "录取":
            continue
        pool = np.nonzero(k == home[i])[0]
        free = [int(c) for c in pool if int(c) not in taken]
        if free:
            taken.add(free[0])
            pair_rows.append([f"P{len(pair_rows):04d}", f"V{i + 1:04d}", f"C{free[0] + 1:05d}",
                              "2026-07-05", "进行中"])
    return {"学校": Grid(school_rows), "留守儿童家庭情况登记表": Grid(kid_rows),
            "志愿者报名表": Grid(vol_rows), "结对": Grid(pair_rows)}


def totals(assignments: list[Assignment], best: dict[str, int]) -> tuple[int, int, int]:
    cost = sum(a.cost for a in assignments)
    regret = sum(a.cost - best[a.child.id] for a in assignments)
    return len(assignments), cost, regret


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=5000)
    ap.add_argument("--volunteers", type=int, default=400)
    ap.add_argument("--schools", type=int, default=75)
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args()

    program, templates, weights = Program(), default_templates(), Weights()
    settings = Settings.from_program(program)
    grids = synthetic_book(args.children, args.volunteers, args.schools, args.seed, program)

    t0 = time.perf_counter()
    result = propose_pairs(grids, templates, program, today=dt.date(2026, 7, 10))
    t_full = time.perf_counter() - t0

    report = validate_grids(grids, templates, program)
    active = read_active_pairs(report)
    paired = {p.child_id for p in active}
    load = dict(Counter(p.volunteer_id for p in active))
    kids = [c for c in read_children(report) if c.id not in paired and c.school_key]
    vols = [v for v in read_volunteers(report) if v.eligible]
    t0 = time.perf_counter()
    optimal = assign(kids, vols, load, set(), settings, weights)
    t_solve = time.perf_counter() - t0
    t0 = time.perf_counter()
    first_fit = greedy(kids, vols, load, set(), settings, weights)
    t_greedy = time.perf_counter() - t0
    best = {c.id: min((pair_cost(c, v, settings, weights)[0] for v in vols if allowed(c, v)),
                      default=0) for c in kids}
    n_opt, cost_opt, regret_opt = totals(optimal, best)
    n_gr, cost_gr, regret_gr = totals(first_fit, best)

    print(f"book: {args.children} children, {args.volunteers} volunteers, {args.schools} schools;"
          f" {len(active)} active pairs, {len(kids)} children to pair, {len(vols)} eligible "
          f"volunteers (capacity {settings.capacity})")
    print(f"propose_pairs (validation included): {t_full:.2f} s; "
          f"{len(result.proposals)} proposals, {len(result.unpaired_children)} unpaired, "
          f"{len(result.idle_volunteers)} idle")
    print(f"assignment alone: optimal {t_solve:.3f} s, greedy {t_greedy:.3f} s")
    print(f"optimal: {n_opt} pairs, total cost {cost_opt}, total regret {regret_opt}")
    print(f"greedy:  {n_gr} pairs, total cost {cost_gr}, total regret {regret_gr}")
    print(f"ratio (optimal / greedy): cost {cost_opt / max(cost_gr, 1):.3f}, "
          f"regret {regret_opt / max(regret_gr, 1):.3f}, pairs {n_opt / max(n_gr, 1):.3f}")


if __name__ == "__main__":
    main()
