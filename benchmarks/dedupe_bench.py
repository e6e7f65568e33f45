"""Duplicate detection: accuracy and speed on generated Chinese child registrations.

    python benchmarks/dedupe_bench.py                 # 3,000 records + 200,000 at scale
    python benchmarks/dedupe_bench.py --sizes 3000 20000 --scale 0

For each size: records are made by :mod:`sheets_sync.dedupe.gen` (its docstring is the
corruption model and the hard negatives), then :func:`find_duplicates` runs on them as
one child tab (validation included). Reported: pairwise precision, recall and F1 against
the generator's truth, family look-alikes linked (twins, siblings, cousins: must be 0),
namesakes (strangers of one name, school and birth year; ``--namesakes`` plants more, in
a second run of each size) and how many of them were linked (must be 0), candidate pairs,
time. The scale run (``--scale N``) runs in a child process so its
peak memory (max RSS, generation included) is measured on its own.

``--febrl DIR`` (default ``../shared/linkage-data``) also runs FEBRL 3 (dedupe), FEBRL 4
(link) and fake_1000 (dedupe) side by side: ours (:mod:`sheets_sync.dedupe.generic`),
splink 5 on DuckDB with settings in the style of its own examples (training as its docs
show: prior from deterministic rules, u by random sampling, m by EM), and recordlinkage
with its documented FEBRL recipe (block, compare, sum of agreements > 3). recordlinkage
needs pandas < 3, so it runs in its own venv created under ``~/.cache/sheets-sync-bench``.
Pairwise precision / recall / F1 against the files' truth, and seconds
(``--engines ours`` measures ours alone, without installing the peers).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "linkage-data"

TAB = "留守儿童家庭情况登记表"


def run_chinese(n: int, seed: int = 7, namesakes: float = 0.0) -> dict[str, Any]:
    from sheets_sync.config import Program
    from sheets_sync.dedupe.gen import generate
    from sheets_sync.dedupe.matching import find_duplicates
    from sheets_sync.forms.template import default_templates
    from sheets_sync.table import Grid

    t0 = time.perf_counter()
    gen = generate(n, seed=seed, namesakes=namesakes)
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
            "namesakes": len(gen.namesake_pairs()),
            "namesakes_linked": len(pred & gen.namesake_pairs()),
            "candidates": res.n_candidates, "seconds": round(t_run, 2),
            "generate_seconds": round(t_gen, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_child(n: int, namesakes: float = 0.0) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--namesakes",
                          str(namesakes)], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------- FEBRL

def load_sets(d: Path) -> dict[str, tuple[pd.DataFrame, np.ndarray | None, set[tuple[int, int]]]]:
    """name -> (frame, source array for link-only or None, true pairs of row indexes)."""
    out: dict[str, tuple[pd.DataFrame, np.ndarray | None, set[tuple[int, int]]]] = {}
    f3 = pd.read_csv(d / "dataset3.csv", dtype=str, skipinitialspace=True, keep_default_na=False)
    f3.columns = [c.strip() for c in f3.columns]
    out["FEBRL 3"] = (f3, None, _truth(f3["rec_id"].str.extract(r"rec-(\d+)-")[0].to_numpy()))
    a = pd.read_csv(d / "dataset4a.csv", dtype=str, skipinitialspace=True, keep_default_na=False)
    b = pd.read_csv(d / "dataset4b.csv", dtype=str, skipinitialspace=True, keep_default_na=False)
    f4 = pd.concat([a, b], ignore_index=True)
    f4.columns = [c.strip() for c in f4.columns]
    src = np.r_[np.zeros(len(a), int), np.ones(len(b), int)]
    ent = f4["rec_id"].str.extract(r"rec-(\d+)-")[0].to_numpy()
    out["FEBRL 4"] = (f4, src, {p for p in _truth(ent) if src[p[0]] != src[p[1]]})
    fk = pd.read_csv(d / "fake_1000.csv", dtype=str, keep_default_na=False)
    out["fake_1000"] = (fk, None, _truth(fk["cluster"].to_numpy()))
    return out


def _truth(entity: np.ndarray) -> set[tuple[int, int]]:
    by: dict[str, list[int]] = {}
    for i, e in enumerate(entity.tolist()):
        by.setdefault(str(e), []).append(i)
    return {(a, b) for m in by.values() for k, a in enumerate(m) for b in m[k + 1:]}


FEBRL_COLS = (("given_name", "name"), ("surname", "name"), ("street_number", "exact"),
              ("address_1", "name"), ("suburb", "name"), ("postcode", "code"),
              ("state", "exact"), ("date_of_birth", "code"), ("soc_sec_id", "code"))
FEBRL_BLOCKS = (("given_name", "surname"), ("surname", "date_of_birth"),
                ("given_name", "date_of_birth"), ("soc_sec_id",), ("postcode", "street_number"),
                ("date_of_birth", "postcode"))
FAKE_COLS = (("first_name", "name"), ("surname", "name"), ("dob", "code"), ("city", "exact"),
             ("email", "code"))
FAKE_BLOCKS = (("first_name", "dob"), ("surname", "dob"), ("email",), ("first_name", "surname"),
               ("first_name", "city"), ("surname", "city"))


def run_ours(name: str, df: pd.DataFrame, src: np.ndarray | None) -> set[tuple[int, int]]:
    from sheets_sync.dedupe.generic import Column, link
    cols, blocks = (FAKE_COLS, FAKE_BLOCKS) if name == "fake_1000" else (FEBRL_COLS, FEBRL_BLOCKS)
    pairs = link(df, [Column(c, k) for c, k in cols], blocks, source=src)
    return {(int(a), int(b)) for a, b in pairs}


def run_splink(name: str, df: pd.DataFrame, src: np.ndarray | None
               ) -> dict[tuple[int, int], float]:
    """Pairs splink predicts at probability ≥ 0.5 (its examples' threshold), with it."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = df.copy()
    df["uid"] = np.arange(len(df))
    if name == "fake_1000":
        settings = SettingsCreator(
            link_type="dedupe_only", unique_id_column_name="uid",
            comparisons=[cl.NameComparison("first_name"), cl.JaroAtThresholds("surname"),
                         cl.DateOfBirthComparison("dob", input_is_string=True),
                         cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                         cl.EmailComparison("email")],
            blocking_rules_to_generate_predictions=[block_on("first_name", "dob"),
                                                    block_on("surname")])
        det: list[Any] = [block_on("first_name", "surname", "dob"), block_on("email")]
        em = [block_on("dob"), block_on("email")]
    else:
        settings = SettingsCreator(
            link_type="link_only" if src is not None else "dedupe_only",
            unique_id_column_name="uid",
            comparisons=[cl.NameComparison("given_name"), cl.NameComparison("surname"),
                         cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                                  datetime_format="%Y%m%d"),
                         cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                         cl.ExactMatch("street_number").configure(
                             term_frequency_adjustments=True),
                         cl.ExactMatch("postcode").configure(term_frequency_adjustments=True)],
            blocking_rules_to_generate_predictions=[
                block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
                block_on("given_name", "date_of_birth"), block_on("soc_sec_id"),
                block_on("postcode", "street_number")])
        det = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        em = [block_on("date_of_birth"), block_on("postcode")]
    db = DuckDBAPI()
    if src is not None:
        frames = [db.register(df[src == 0].reset_index(drop=True), table_name="a"),
                  db.register(df[src == 1].reset_index(drop=True), table_name="b")]
        linker = Linker(frames, settings, log_level=40)
    else:
        linker = Linker(db.register(df, table_name="d"), settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(det, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in em:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    a, b = pred["uid_l"].astype(int).to_numpy(), pred["uid_r"].astype(int).to_numpy()
    prob = pred["match_probability"].to_numpy()
    return {(int(min(x, y)), int(max(x, y))): float(q)
            for x, y, q in zip(a, b, prob, strict=True)}


RL_SCRIPT = r"""
import json, sys, time
import numpy as np, pandas as pd, recordlinkage
name, path = sys.argv[1], sys.argv[2]
df = pd.read_pickle(path)
t = time.perf_counter()
idx = recordlinkage.Index()
if name == "fake_1000":
    idx.block("first_name"); idx.block("surname")
    fields = [("first_name", "jarowinkler"), ("surname", "jarowinkler"), ("dob", None),
              ("city", None), ("email", "levenshtein")]
else:
    idx.block("given_name"); idx.block("surname")
    fields = [("given_name", "jarowinkler"), ("surname", "jarowinkler"), ("date_of_birth", None),
              ("suburb", None), ("state", None), ("address_1", "levenshtein")]
src = df.pop("_src") if "_src" in df else None
pairs = idx.index(df)
if src is not None:
    l, r = pairs.get_level_values(0), pairs.get_level_values(1)
    pairs = pairs[(src.to_numpy()[l] != src.to_numpy()[r])]
c = recordlinkage.Compare()
for f, m in fields:
    if m:
        c.string(f, f, method=m, threshold=0.85, label=f)
    else:
        c.exact(f, f, label=f)
feat = c.compute(pairs, df)
match = feat[feat.sum(axis=1) > 3].index
out = sorted({(int(min(a, b)), int(max(a, b))) for a, b in match})
print(json.dumps({"pairs": out, "seconds": time.perf_counter() - t}))
"""


def rl_python() -> Path:
    venv = Path.home() / ".cache" / "sheets-sync-bench" / "rl-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "recordlinkage", "pandas<3"],
                       check=True)
    return py


def run_recordlinkage(name: str, df: pd.DataFrame, src: np.ndarray | None
                      ) -> tuple[set[tuple[int, int]], float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "df.csv"
        frame = df.copy()
        if src is not None:
            frame["_src"] = src
        frame.to_csv(path, index=False)
        script = Path(tmp) / "rl.py"
        script.write_text(RL_SCRIPT.replace("pd.read_pickle(path)",
                                            "pd.read_csv(path, dtype=str, keep_default_na=False)"
                                            ).replace('df.pop("_src")',
                                                      'df.pop("_src").astype(int)'))
        out = subprocess.run([str(rl_python()), str(script), name, str(path)],
                             capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return {(a, b) for a, b in res["pairs"]}, float(res["seconds"])


def prf(pred: set[tuple[int, int]], true: set[tuple[int, int]]) -> tuple[float, float, float]:
    tp = len(pred & true)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(true) if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


ENGINES = ("ours", "splink", "recordlinkage")


def run_febrl(d: Path, engines: tuple[str, ...] = ENGINES) -> None:
    print("\nLabelled English sets: precision / recall / F1 / seconds")
    print("set | engine | precision | recall | f1 | seconds")
    for name, (df, src, true) in load_sets(d).items():
        rows: list[tuple[str, set[tuple[int, int]], float]] = []
        if "ours" in engines:
            t0 = time.perf_counter()
            rows.append(("ours", run_ours(name, df, src), time.perf_counter() - t0))
        if "splink" in engines:
            t0 = time.perf_counter()
            sp = run_splink(name, df, src)
            rows.append(("splink", set(sp), time.perf_counter() - t0))
        if "recordlinkage" in engines:
            rl, secs = run_recordlinkage(name, df, src)
            rows.append(("recordlinkage", rl, secs))
        for engine, pred, secs in rows:
            p, r, f = prf(pred, true)
            print(f"{name} | {engine} | {p:.4f} | {r:.4f} | {f:.4f} | {secs:.2f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[3000])
    ap.add_argument("--scale", type=int, default=200_000)
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--febrl", type=Path, nargs="?", const=DATA, default=None,
                    help="also compare with splink and recordlinkage on the labelled sets")
    ap.add_argument("--no-chinese", action="store_true")
    ap.add_argument("--namesakes", type=float, default=0.05,
                    help="also run each size with this share of planted namesakes (0: not)")
    ap.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
                    help="engines compared on the labelled sets (default: all three)")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_chinese(args.child, namesakes=args.namesakes)))
        return
    if args.febrl is None and not args.no_chinese:
        args.febrl = DATA
    if not args.no_chinese:
        run_chinese_table(args)
    if args.febrl is not None:
        run_febrl(args.febrl, tuple(args.engines))


def run_chinese_table(args: argparse.Namespace) -> None:
    cols = ("namesake_rate", "records", "true_pairs", "found", "precision", "recall", "f1",
            "family_linked", "namesakes", "namesakes_linked", "candidates", "seconds",
            "peak_rss_mb")
    print("Chinese generator (sheets_sync.dedupe.gen), find_duplicates incl. validation")
    print(" | ".join(cols))
    sizes = [*args.sizes, *([args.scale] if args.scale else [])]
    rates = [0.0, *([args.namesakes] if args.namesakes else [])]
    for n in sizes:
        for rate in rates:
            r = {"namesake_rate": rate, **run_child(n, rate)}
            print(" | ".join(str(r[c]) for c in cols), flush=True)


if __name__ == "__main__":
    main()
