"""Duplicate detection: accuracy and speed on generated Chinese child registrations.

    python benchmarks/dedupe_bench.py                 # 3,000 records + 200,000 at scale
    python benchmarks/dedupe_bench.py --sizes 3000 20000 --scale 0

For each size: records are made by :mod:`sheets_sync.dedupe.gen` (its docstring is the
corruption model and the hard negatives), then :func:`find_duplicates` runs on them as
one child tab (validation included). Reported: pairwise precision, recall and F1 against
the generator's truth, family look-alikes linked (twins, siblings, cousins: must be 0),
candidate pairs, time. The scale run (``--scale N``) runs in a child process so its
peak memory (max RSS, generation included) is measured on its own.

Not done yet: the FEBRL 3 / FEBRL 4 / fake_1000 comparison with splink and recordlinkage
(``../shared/linkage-data``); see the issue.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

TAB = "留守儿童家庭情况登记表"


def run_chinese(n: int, seed: int = 7) -> dict[str, Any]:
    from sheets_sync.config import Program
    from sheets_sync.dedupe.gen import generate
    from sheets_sync.dedupe.matching import find_duplicates
    from sheets_sync.forms.template import default_templates
    from sheets_sync.table import Grid

    t0 = time.perf_counter()
    gen = generate(n, seed=seed)
    t_gen = time.perf_counter() - t0
    templates, program = default_templates(), Program()
    t0 = time.perf_counter()
    res = find_duplicates({TAB: Grid(gen.rows)}, templates, program)
    t_run = time.perf_counter() - t0
    pred = {(min(p.a.row, p.b.row) - 2, max(p.a.row, p.b.row) - 2) for p in res.pairs}
    true = gen.true_pairs()
    tp = len(pred & true)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": len(gen.rows) - 1, "true_pairs": len(true), "found": len(pred),
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "family_linked": len(pred & gen.family_pairs()),
            "candidates": res.n_candidates, "seconds": round(t_run, 2),
            "generate_seconds": round(t_gen, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_child(n: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True,
                         text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[3000])
    ap.add_argument("--scale", type=int, default=200_000)
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_chinese(args.child)))
        return
    cols = ("records", "true_pairs", "found", "precision", "recall", "f1", "family_linked",
            "candidates", "seconds", "peak_rss_mb")
    print("Chinese generator (sheets_sync.dedupe.gen), find_duplicates incl. validation")
    print(" | ".join(cols))
    sizes = [*args.sizes, *([args.scale] if args.scale else [])]
    for n in sizes:
        r = run_child(n)
        print(" | ".join(str(r[c]) for c in cols))


if __name__ == "__main__":
    main()
