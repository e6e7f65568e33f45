"""Writing into an existing hub: the surgical writer against openpyxl.

Two hubs: the demo's (``sheets-sync demo``: about 3,000 children, every form) and one with
20,000 children. For each, the real generated tabs (``generate_reports``: rosters, grade
counts, archive completeness, budget, settlement) are added, then replaced. And one cell
(one answer changed) is written into a hub whose children tab holds 30,000 rows
(``--cell-rows``): only the row written is parsed, the rest of the sheet copied. Each by

* **sheets-sync** — ``ExcelBook.apply``: the tabs drawn by XlsxWriter and grafted into the
  package (the cell patched into its row), every other part copied raw;
* **openpyxl** — ``load_workbook`` + ``save`` of the same file, *without* writing the tabs
  or the cell: a lower bound of the round trip the surgical writer replaces.

Each variant runs in a fresh process (so peak memory is its own: ``ru_maxrss``, which counts
lxml's and XlsxWriter's C allocations too); CPU seconds (``time.process_time``) are the
median of ``--repeat`` runs. Prints one line per hub and variant and ``ratio: N``
(openpyxl CPU / ours; target >= 3).

    python benchmarks/write_bench.py [--children 20000] [--cell-rows 30000] [--repeat 3]
    python benchmarks/write_bench.py --only cell     # the one-cell write alone
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.demo.synth import children_frame
from sheets_sync.forms.template import default_templates
from sheets_sync.reports.render import generate_reports


def hub_tabs(children: int | None) -> tuple[dict[str, list[list[str]]], dict[str, list[int]]]:
    """The demo hub's tabs, its children tab grown to ``children`` rows if given."""
    demo = demo_books()
    tabs = {k: [list(r) for r in v] for k, v in demo.books[HUB_NAME].items()}
    if children:
        child = default_templates()["child"]
        frame = children_frame(children, seed=7)
        tabs[child.label] = [list(frame.columns),
                             *[list(r) for r in frame.itertuples(index=False, name=None)]]
    return tabs, demo.text_columns.get(HUB_NAME, {})


def run_variant(variant: str, path: Path, batch_file: Path, repeat: int) -> dict[str, float]:
    """In this process: time ``repeat`` writes of the batch (each on a fresh copy)."""
    with open(batch_file, "rb") as fh:
        batches: list[WriteBatch] = pickle.load(fh)
    times = []
    for i in range(repeat):
        work = path.with_name(f"run{i}-{path.name}")
        shutil.copy(path, work)
        started = time.process_time()
        if variant == "sheets-sync":
            book = ExcelBook(work, backup_dir=work.parent / "bak")
            for batch in batches:  # add the tabs, then replace them
                book.apply(batch)
        else:
            import openpyxl

            for _ in batches:
                wb = openpyxl.load_workbook(work)
                wb.save(work)
                wb.close()
        times.append(time.process_time() - started)
        work.unlink()
    return {"cpu": statistics.median(times),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(label: str, children: int | None, repeat: int, tmp: Path) -> float:
    """The generated tabs added, then replaced."""
    tabs, text_columns = hub_tabs(children)
    path = tmp / f"{label}.xlsx"
    write_workbook(path, tabs, text_columns=text_columns)
    grids = ExcelBook(path).read()
    generated = generate_reports(grids).tabs
    batch = WriteBatch()
    for name, content in generated.items():
        batch.replace_tab(name, content)
    rows = sum(len(c.rows) for c in generated.values())
    size = path.stat().st_size / 1e6
    print(f"{label}: {len(tabs)} tabs, {size:.1f} MB; {len(generated)} generated tabs, "
          f"{rows:,} rows (added, then replaced)")
    return compare(path, [batch, batch], repeat, "graft")


def measure_cell(rows: int, repeat: int, tmp: Path) -> float:
    """One cell (a name in the middle of the children tab) written."""
    tabs, text_columns = hub_tabs(rows)
    path = tmp / "cell.xlsx"
    write_workbook(path, tabs, text_columns=text_columns)
    child = default_templates()["child"].label
    batch = WriteBatch()
    batch.set_cell(child, rows // 2, 2, "改过的名字")
    size = path.stat().st_size / 1e6
    print(f"one cell, {rows:,}-row tab: {len(tabs)} tabs, {size:.1f} MB")
    return compare(path, [batch], repeat, "cell patch")


def compare(path: Path, batches: list[WriteBatch], repeat: int, what: str) -> float:
    batch_file = path.with_suffix(".batch")
    with open(batch_file, "wb") as fh:
        pickle.dump(batches, fh)
    results = {}
    for variant in ("sheets-sync", "openpyxl"):
        out = subprocess.run(
            [sys.executable, __file__, "--variant", variant, "--path", str(path),
             "--batch", str(batch_file), "--repeat", str(repeat)],
            capture_output=True, text=True, check=True)
        results[variant] = json.loads(out.stdout)
        r = results[variant]
        print(f"  {variant:12s} {r['cpu']:7.2f} s CPU   peak {r['maxrss_mb']:6.0f} MB")
    ratio = results["openpyxl"]["cpu"] / results["sheets-sync"]["cpu"]
    print(f"  ratio: {ratio:.1f}  (openpyxl load+save CPU / sheets-sync {what} CPU)")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=20_000)
    ap.add_argument("--cell-rows", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["graft", "cell"], help="run one of the two benches")
    ap.add_argument("--variant")
    ap.add_argument("--path", type=Path)
    ap.add_argument("--batch", type=Path)
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.path, args.batch, args.repeat)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        ratios = []
        if args.only != "cell":
            ratios += [measure("demo hub", None, args.repeat, Path(tmp)),
                       measure(f"{args.children:,}-child hub", args.children, args.repeat,
                               Path(tmp))]
        if args.only != "graft":
            ratios.append(measure_cell(args.cell_rows, args.repeat, Path(tmp)))
    print(f"ratio: {min(ratios):.1f}  (the smallest)")


if __name__ == "__main__":
    main()
