"""Scheduling and pairing on the plan-sized program and one 10× larger.

The plan (seed: 120 volunteers in three brigades, teams of 8, 75 schools, five visit weeks
from 7 July) and 10× (1,200 volunteers, 750 schools, 150 teams). For each size:

* ``schedule``: CPU time of the pipeline's schedule step on one in-memory book
  (validation of the tabs included), the teams and visits proposed, how many
  (team × 乡镇) the rotation touches against the greedy baseline (schools in 乡镇 order cut
  into each team's weeks: ``ratio:`` ours / greedy, lower is better), and what the solver
  said when it stopped at its time limit; then a second run after staff accepted every
  支队 and part of the visits and rejected a few (:func:`decide`: teams with mixed free
  weeks, rejected (team, school) pairs), its CPU and what it proposes;
* ``pair``: CPU time of the pipeline's pair step on the program as the rotation leaves it
  (:func:`pairing_book`: teams of 8, one school a week, 30–60 children per school;
  validation included, ``--dry-run``), and the total pairing cost against first fit (each
  child in sheet order takes the first member of the visiting team with room).

  The total cost is what the solver minimises, the 代价 staff see summed: the pairing
  rules (a weak subject no 特长 covers, another sex from grade 5) plus the load term
  (``load_step`` × load before, per child). Part of the load term no assignment can avoid:
  a school's *n* children on *m* members cost at least the even spread (the *n* cheapest
  load slots of the school), the same for ours, for greedy and for any assignment that pairs
  as many children. ``ratio:`` leaves that floor out of both sides, so it compares what a
  pairing can change: rule costs plus the load above the even spread (the imbalance),
  ours / greedy. Printed beside it: the rules alone, the raw 代价 sums with the floor in
  (and the least ratio any assignment could reach on those), the imbalance of each.

    python benchmarks/schedule_bench.py [--only plan|10x]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.sync.slices import schedule_book
from tests.schedule_data import PLAN, plan_grids
from tests.schedule_data import name as person

SIZES = {"plan": (120, 75, 8), "10x": (1200, 750, 80)}   # volunteers, schools, 乡镇 per county


def book(volunteers: int, schools: int, towns: int) -> MemoryBook:
    grids = plan_grids(volunteers, schools, towns_per_county=towns)
    return MemoryBook({k: v.rows for k, v in grids.items()}, name="总表")


def greedy_towns(visits: list[Any], weeks: int) -> int:
    """(team × 乡镇) of the baseline: each county's schools in 乡镇 order, cut into weeks."""
    out = 0
    by_county: dict[str, list[Any]] = {}
    for v in visits:
        by_county.setdefault(v.school.county, []).append(v.school)
    for schools in by_county.values():
        schools.sort(key=lambda s: (s.town, s.name))
        for i in range(0, len(schools), weeks):
            out += len({s.town for s in schools[i:i + weeks]})
    return out


def schedule_bench(name: str) -> dict[str, Any]:
    volunteers, schools, towns = SIZES[name]
    b = book(volunteers, schools, towns)
    start = time.process_time()
    result, _ = schedule_book(b, program=PLAN)
    cpu = time.process_time() - start
    ours = len(Counter((v.team, v.school.town) for v in result.visits))
    base = greedy_towns(result.visits, len(result.weeks))
    accepted, rejected = decide(b)
    start = time.process_time()
    again, _ = schedule_book(b, program=PLAN)
    cpu_again = time.process_time() - start
    return {"size": name, "volunteers": volunteers, "schools": schools, "cpu_s": round(cpu, 2),
            "teams": len(result.teams), "visits": len(result.visits),
            "unscheduled": len(result.unscheduled), "team_towns": ours, "greedy_team_towns": base,
            "ratio": round(ours / base, 3) if base else None, "notes": result.notes,
            "again": {"accepted": accepted, "rejected": rejected, "cpu_s": round(cpu_again, 2),
                      "written": len(again.accepted_visits), "visits": len(again.visits),
                      "unscheduled": len(again.unscheduled), "notes": again.notes,
                      "team_towns": len(Counter((v.team, v.school.town) for v in again.visits))}}


def decide(b: MemoryBook) -> tuple[int, int]:
    """Staff decide part of the first proposal, as a second run meets it: every 支队
    accepted, the first-week visits of every other team accepted (those teams then have a
    week less: mixed free weeks), the second-week visits of every fifth team rejected (that
    team is never proposed for that school again). (accepted visits, rejected visits)"""
    rows = b.tab("排班建议")
    h = rows[0]
    kind, team, start, col = (h.index("类型"), h.index("支队"), h.index("开始日期"),
                              h.index("确认") + 1)
    visits = [r for r in rows[1:] if len(r) > start and r[kind] == "进驻"]
    teams = list(dict.fromkeys(r[team] for r in visits))
    weeks = sorted({r[start] for r in visits})
    batch = WriteBatch()
    accepted = rejected = 0
    for n, row in enumerate(rows[1:], start=2):
        if not row or row[kind] not in ("支队", "进驻"):
            continue
        if row[kind] == "支队":
            batch.set_cell("排班建议", n, col, "接受")
        elif row[start] == weeks[0] and teams.index(row[team]) % 2 == 0:
            batch.set_cell("排班建议", n, col, "接受")
            accepted += 1
        elif len(weeks) > 1 and row[start] == weeks[1] and teams.index(row[team]) % 5 == 0:
            batch.set_cell("排班建议", n, col, "拒绝")
            rejected += 1
    b.apply(batch)
    return accepted, rejected


PAIR_STUDY = ("数学较弱", "英语较弱", "语文需辅导", "英语差", "成绩中等", "成绩优秀", "作业拖拉",
              "语文较好,数学较弱")
PAIR_SKILLS = ("语文", "数学", "英语", "体育", "音乐", "美术", "心理")


def pairing_book(volunteers: int, schools: int, seed: int = 16) -> dict[str, list[list[str]]]:
    """A program as the rotation leaves it: teams of ``team_size`` per brigade, each team
    visiting one school of its county a week, 30–60 children per school (most near 40,
    mostly grades 3–5), free-text 学习情况 and 1–3 特长 per volunteer. Made-up names."""
    import datetime as dt

    import numpy as np

    rng = np.random.default_rng(seed)
    counties, size = PLAN.counties, PLAN.team_size
    assert PLAN.visit_start is not None
    school = [[f"S{i + 1:04d}", f"{counties[i % 3]}第{i + 1:03d}小学", counties[i % 3]]
              for i in range(schools)]
    team_of: dict[int, str] = {}
    teams = [["编号", "支队名称", "所属大队"]]
    for c in counties:
        ids = [i for i in range(volunteers) if counties[i % 3] == c]
        for k in range(0, len(ids), size):
            teams.append([f"G{len(teams):04d}", f"{c}{k // size + 1}支队", c])
            team_of.update({i: teams[-1][1] for i in ids[k:k + size]})
    vols = [["编号", "姓名", "性别", "特长", "录取状态", "培训完成", "所属大队", "所属支队"]]
    for i in range(volunteers):
        k = int(rng.integers(1, 4))
        skills = "、".join(rng.choice(PAIR_SKILLS, k, replace=False).tolist())
        vols.append([f"V{i + 1:05d}", person(i), "男" if rng.random() < 0.45 else "女", skills,
                     "录取", "是", counties[i % 3], team_of[i]])
    rotation = [["编号", "支队", "学校", "开始日期", "结束日期", "状态"]]
    for c in counties:
        names = [t[1] for t in teams[1:] if t[2] == c]
        for j, s in enumerate(x for x in school if x[2] == c):
            start = PLAN.visit_start + dt.timedelta(weeks=j // len(names))
            rotation.append([f"R{len(rotation):05d}", names[j % len(names)], s[1],
                             start.isoformat(), (start + dt.timedelta(days=5)).isoformat(),
                             "计划"])
    counts = 30 + rng.binomial(30, 0.35, schools)
    where = np.repeat(np.arange(schools), counts)
    grade = rng.choice(np.arange(1, 7), len(where), p=[0.04, 0.06, 0.29, 0.30, 0.27, 0.04])
    male = rng.random(len(where)) < 0.52
    study = rng.choice(PAIR_STUDY, len(where))
    kids = [["编号", "姓名", "性别", "县", "学校", "年级", "学习情况"]]
    for i, k in enumerate(where.tolist()):
        kids.append([f"C{i + 1:06d}", person(i + 7), "男" if male[i] else "女", school[k][2],
                     school[k][1], str(grade[i]), str(study[i])])
    return {"学校": [["编号", "学校名称", "县"], *school], "志愿者报名表": vols,
            "留守儿童家庭情况登记表": kids, "结对": [["编号", "志愿者编号", "儿童编号", "开始日期",
                                                "状态"]],
            "支队": teams, "进驻安排": rotation}


def pair_bench(name: str) -> dict[str, Any]:
    """Pairing inside the visiting team: CPU of the pipeline's pair step on one in-memory
    book (validation included) and of the assignment alone, and the total cost of ours
    against first fit (each child in sheet order takes the first team member with room)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from sheets_sync.forms.template import default_templates
    from sheets_sync.forms.validate import validate_grids
    from sheets_sync.pairing.model import Settings, read_children, read_volunteers
    from sheets_sync.pairing.run import placement_for
    from sheets_sync.pairing.solve import Weights, assign, free_slots, greedy, pair_cost
    from sheets_sync.sync.slices import pair_book
    from sheets_sync.table import Grid

    volunteers, schools, _ = SIZES[name]
    tabs = pairing_book(volunteers, schools)
    start = time.process_time()
    result, _ = pair_book(MemoryBook(tabs, name="总表"), program=PLAN, dry_run=True)
    cpu = time.process_time() - start
    report = validate_grids({k: Grid(v) for k, v in tabs.items()}, default_templates(), PLAN)
    settings, w = Settings.from_program(PLAN), Weights()
    kids = read_children(report)
    vols = [v for v in read_volunteers(report) if v.eligible]
    place = placement_for(report, settings, kids, vols)
    start = time.process_time()
    ours = assign(kids, vols, {}, set(), settings, w, place)
    cpu_assign = time.process_time() - start
    base = greedy(kids, vols, {}, set(), settings, w, place)

    def rules(pairs: list[Any]) -> int:  # weak subject not covered, sex from grade 5
        return sum(pair_cost(a.child, a.volunteer, settings, w, place)[0] for a in pairs)

    # the load floor: the n cheapest load slots of each school where n children are paired
    # (the same n for ours and greedy); and the least 代价 sum of any assignment pairing as
    # many children (ours ranks who waits by each child's own best match, not by the sum)
    made = Counter(a.child.school_key for a in ours)
    assert made == Counter(a.child.school_key for a in base), "greedy pairs other children"
    floor = least = 0
    for g in place.groups(kids, vols):
        free = free_slots(g, {}, place)
        slot_vol = np.repeat(np.arange(len(g.volunteers)), free)
        if not len(slot_vol):
            continue
        load = w.load_step * (np.arange(len(slot_vol))
                              - np.concatenate(([0], np.cumsum(free)[:-1]))[slot_vol])
        floor += int(np.sort(load)[:made.get(g.children[0].school_key, 0)].sum())
        rule = np.array([[pair_cost(c, v, settings, w, place)[0] for v in g.volunteers]
                         for c in g.children])
        matrix = rule[:, slot_vol] + load[None, :]
        rows, cols = linear_sum_assignment(matrix)
        least += int(matrix[rows, cols].sum())
    total, total_base = sum(a.cost for a in ours), sum(a.cost for a in base)
    return {"size": name, "children": len(kids), "volunteers": volunteers, "cpu_s": round(cpu, 2),
            "cpu_assign_s": round(cpu_assign, 3), "pairs": len(ours), "greedy_pairs": len(base),
            "unpaired": len(result.unpaired_children), "shortfall_schools": len(result.shortfalls),
            "cost": total - floor, "greedy_cost": total_base - floor,
            "ratio": round((total - floor) / max(total_base - floor, 1), 3),
            "rules": rules(ours), "greedy_rules": rules(base),
            "rules_ratio": round(rules(ours) / max(rules(base), 1), 3),
            "imbalance": total - rules(ours) - floor,
            "greedy_imbalance": total_base - rules(base) - floor,
            "load_floor": floor, "cost_with_floor": total, "greedy_cost_with_floor": total_base,
            "ratio_with_floor": round(total / max(total_base, 1), 3),
            "least_ratio_with_floor": round(least / max(total_base, 1), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", choices=list(SIZES))
    args = ap.parse_args()
    for name in [args.only] if args.only else list(SIZES):
        r = schedule_bench(name)
        print(f"schedule {name}: {r['volunteers']} volunteers, {r['schools']} schools -> "
              f"{r['teams']} teams, {r['visits']} visits, {r['unscheduled']} unscheduled; "
              f"cpu {r['cpu_s']} s; team × 乡镇 {r['team_towns']} vs greedy "
              f"{r['greedy_team_towns']} (ratio: {r['ratio']})")
        for note in r["notes"]:
            print(f"  {note}")
        a = r["again"]
        print(f"schedule {name}, second run ({a['accepted']} first-week visits accepted, "
              f"{a['rejected']} second-week visits rejected): {a['written']} visits written, "
              f"{a['visits']} proposed, {a['unscheduled']} unscheduled; cpu {a['cpu_s']} s; "
              f"team × 乡镇 of the proposals {a['team_towns']}")
        for note in a["notes"]:
            print(f"  {note}")
        p = pair_bench(name)
        print(f"pair {name}: {p['children']} children, {p['volunteers']} volunteers -> "
              f"{p['pairs']} pairs, {p['unpaired']} unpaired ({p['shortfall_schools']} schools "
              f"short: ⌈children ÷ 8⌉ capped at 5); cpu {p['cpu_s']} s (assignment alone "
              f"{p['cpu_assign_s']} s); pairing cost (rules + load above the even spread) "
              f"{p['cost']} vs greedy {p['greedy_cost']} (ratio: {p['ratio']})")
        print(f"  rules alone {p['rules']} vs {p['greedy_rules']} ({p['rules_ratio']}); "
              f"imbalance {p['imbalance']} vs {p['greedy_imbalance']}; 代价 summed with the "
              f"load floor {p['load_floor']} in: {p['cost_with_floor']} vs "
              f"{p['greedy_cost_with_floor']} ({p['ratio_with_floor']}; the least any assignment "
              f"reaches: {p['least_ratio_with_floor']})")


if __name__ == "__main__":
    main()
