"""Scheduling (and, later, pairing) on the plan-sized program and one 10× larger.

The plan (seed: 120 volunteers in three brigades, teams of 8, 75 schools, five visit weeks
from 7 July) and 10× (1,200 volunteers, 750 schools, 150 teams). For each size:

* ``schedule``: CPU time of the pipeline's schedule step on one in-memory book
  (validation of the tabs included), the teams and visits proposed, how many
  (team × 乡镇) the rotation touches against the greedy baseline (schools in 乡镇 order cut
  into each team's weeks: ``ratio:`` ours / greedy, lower is better), and what the solver
  said when it stopped at its time limit;
* ``pair``: :func:`pair_bench` (the pairing helper fills it in).

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

from sheets_sync.books.memory import MemoryBook
from sheets_sync.sync.slices import schedule_book
from tests.schedule_data import PLAN, plan_grids

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
    return {"size": name, "volunteers": volunteers, "schools": schools, "cpu_s": round(cpu, 2),
            "teams": len(result.teams), "visits": len(result.visits),
            "unscheduled": len(result.unscheduled), "team_towns": ours, "greedy_team_towns": base,
            "ratio": round(ours / base, 3) if base else None, "notes": result.notes}


def pair_bench(name: str) -> dict[str, Any] | None:
    """Pairing inside the visiting team on the same program (filled in with item 4)."""
    return None


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
        p = pair_bench(name)
        if p is not None:
            print(f"pair {name}: {p}")


if __name__ == "__main__":
    main()
