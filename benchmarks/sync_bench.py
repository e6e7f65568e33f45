"""Sync benchmark: a hub of 5,000 children on the local Google server, 3 county spokes.

The hub (synthetic children from :func:`sheets_sync.demo.synth.children_frame`; no real
personal data) lives on the local Sheets server (:mod:`sheets_sync.testing`); the spokes
满城/顺平/清苑 are .xlsx files in a temporary folder. A first sync fills the spokes. Then
100 cell edits scattered over hub and spokes (half each) are synced, measured, and a run
with no edits is measured too.

Side by side: the naive approach (read every book, then for each book clear the synced
tab and write all its rows: ``values:clear`` + ``values:update`` on Google, a rewritten
sheet in Excel), timed on the same books after the sync; its merge is not even counted.

    python benchmarks/sync_bench.py [--rows 5000] [--edits 100] [--seed 7]
    python benchmarks/sync_bench.py --privacy [--repeat 3]

Prints wall time, HTTP requests (the server's log) and cells written per approach. The
last line is ``ratio: N``, the naive approach's cells written / ours.

``--privacy``: the cost of keeping the children's data home (#15). The same project three
ways — spokes in full (``sensitive = "full"``, the plain spokes of 0.1), masked (the
default), masked and encrypted (``encrypt = true``) — each filled by a first sync, then
the same edits synced, then a run with no edits. CPU seconds of this process (the local
Google server runs in it too, the same for all three), median of ``--repeat``; the last
line is ``privacy ratio: N`` (masked + encrypted / full, the edit run; target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openpyxl
from gspread.utils import ValueInputOption

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.google import GoogleBook
from sheets_sync.demo.synth import children_frame
from sheets_sync.sync import sync_project
from sheets_sync.sync.project import project_from_dict
from sheets_sync.table import Grid
from sheets_sync.testing import FakeSheets

TAB = "留守儿童家庭情况登记表"
COUNTIES = ("满城", "顺平", "清苑")


class Counting:
    """A book that counts the cells each write carries (cell updates and whole tabs)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.cells = 0

    @property
    def name(self) -> str:
        return str(self.book.name)

    def read(self) -> dict[str, Grid]:
        return dict(self.book.read())

    def apply(self, batch: WriteBatch) -> None:
        self.cells += batch.n_cells() + sum(sum(len(r) for r in t.rows)
                                            for t in batch.tabs.values())
        self.book.apply(batch)


def setup(fake: FakeSheets, root: Path, rows: int, seed: int) -> tuple[str, dict[str, Any]]:
    frame = children_frame(rows, seed)
    grid = [list(frame.columns), *frame.astype(str).to_numpy().tolist()]
    key = fake.create_spreadsheet("总表", {TAB: grid})
    for c in COUNTIES:  # each brigade's workbook exists; the first sync fills it
        write_workbook(root / f"{c}.xlsx", {"封面": [[f"{c}县大队"]]})
    config = {
        "project": {"forms": ["child"]},
        "hub": {"book": f"gsheet:{key}"},
        "spokes": [{"book": f"{c}.xlsx", "partition": {"county": c}} for c in COUNTIES],
    }
    return key, config


def books_for(fake: FakeSheets, key: str, root: Path, encrypt: bool = False
              ) -> dict[str, Counting]:
    out = {f"gsheet:{key}": Counting(GoogleBook(key, client=fake.client()))}
    for c in COUNTIES:
        out[f"{c}.xlsx"] = Counting(ExcelBook(root / f"{c}.xlsx", encrypt=encrypt))
    return out


def scatter_edits(fake: FakeSheets, key: str, root: Path, n: int, seed: int,
                  encrypt: bool = False) -> None:
    """``n`` cell edits: half in the hub (one coordinator session), half over the spokes."""
    rng = random.Random(seed)
    hub = GoogleBook(key, client=fake.client())
    grid = hub.read()[TAB].rows
    head = grid[0]
    editable = [j for j, h in enumerate(head, start=1) if h not in {"编号", "县"}]
    batch = WriteBatch()
    for i in range(n // 2):
        batch.set_cell(TAB, rng.randrange(2, len(grid) + 1), rng.choice(editable), f"总表改{i}")
    hub.apply(batch)
    spoke_batches = {c: WriteBatch() for c in COUNTIES}  # one save per brigade workbook
    sizes = {c: ExcelBook(root / f"{c}.xlsx").read()[TAB].n_rows for c in COUNTIES}
    # staff type full values (an ID, a phone) into masked cells too: those flow in full
    for i in range(n - n // 2):
        county = COUNTIES[i % len(COUNTIES)]
        spoke_batches[county].set_cell(TAB, rng.randrange(2, sizes[county] + 1),
                                       rng.choice(editable), f"分表改{i}")
    for county, b in spoke_batches.items():
        ExcelBook(root / f"{county}.xlsx", encrypt=encrypt).apply(b)


def measured_run(fake: FakeSheets, key: str, root: Path, project: Any,
                 profile: bool = False, encrypt: bool = False) -> dict[str, Any]:
    books = books_for(fake, key, root, encrypt)
    fake.reset_log()
    prof = cProfile.Profile() if profile else None
    c0 = time.process_time()
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    result = sync_project(project, books=books)
    if prof:
        prof.disable()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return {"wall": wall, "cpu": cpu, "requests": len(fake.requests), "status": result.status,
            "cells": sum(b.cells for b in books.values()),
            "updated": result.counts.get("updated", 0),
            "conflicts": result.counts.get("conflicts", 0)}


def naive_run(fake: FakeSheets, key: str, root: Path) -> dict[str, Any]:
    """Read every book, then clear each synced tab and write all its rows again."""
    fake.reset_log()
    t0 = time.perf_counter()
    gc = fake.client()
    hub_rows = GoogleBook(key, client=gc).read()[TAB].padded()
    spokes = {c: ExcelBook(root / f"{c}.xlsx").read()[TAB].padded() for c in COUNTIES}
    cells = 0
    ws = gc.open_by_key(key).worksheet(TAB)
    ws.clear()
    ws.update(hub_rows, "A1", value_input_option=ValueInputOption.raw)
    cells += sum(len(r) for r in hub_rows)
    for c, rows in spokes.items():
        path = root / f"{c}.xlsx"
        wb = openpyxl.load_workbook(path)
        sheet = wb[TAB]
        sheet.delete_rows(1, sheet.max_row)
        for row in rows:
            sheet.append(row)
        wb.save(path)
        cells += sum(len(r) for r in rows)
    wall = time.perf_counter() - t0
    return {"wall": wall, "requests": len(fake.requests), "cells": cells}


PRIVACY = (("full", {"sensitive": "full"}, False), ("masked", {}, False),
           ("masked+encrypted", {"encrypt": True}, True))


def privacy_costs(rows: int, edits: int, seed: int, repeat: int) -> int:
    """CPU of the sync with spokes in full, masked, masked + encrypted (see the module doc)."""
    import os
    import statistics

    os.environ.setdefault("SHEETS_SYNC_PASSWORD", "bench-口令-1")  # synthetic, this run only
    got: dict[str, dict[str, list[float]]] = {}
    for _ in range(repeat):
        for name, extra, encrypt in PRIVACY:
            with FakeSheets() as fake, tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                key, config = setup(fake, root, rows, seed)
                config["spokes"] = [{**s, **extra} for s in config["spokes"]]
                project = project_from_dict(config, root)
                first = measured_run(fake, key, root, project, encrypt=encrypt)
                scatter_edits(fake, key, root, edits, seed, encrypt)
                ours = measured_run(fake, key, root, project, encrypt=encrypt)
                idle = measured_run(fake, key, root, project, encrypt=encrypt)
                assert ours["status"] == "ok", ours
                for part, r in (("first", first), ("edits", ours), ("idle", idle)):
                    got.setdefault(name, {}).setdefault(part, []).append(r["cpu"])
    med = {n: {p: statistics.median(v) for p, v in parts.items()} for n, parts in got.items()}
    print(f"hub {rows:,} children (local Google server), 3 spokes as .xlsx; CPU s, "
          f"median of {repeat}")
    print(f"{'spokes':20}{'first sync':>12}{'100 edits':>12}{'no edits':>12}{'edits ×':>10}")
    for name, _, _ in PRIVACY:
        m = med[name]
        print(f"{name:20}{m['first']:12.2f}{m['edits']:12.2f}{m['idle']:12.2f}"
              f"{m['edits'] / med['full']['edits']:10.2f}")
    ratio = med["masked+encrypted"]["edits"] / med["full"]["edits"]
    print(f"privacy ratio: {ratio:.2f} (target ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="cProfile the measured runs")
    ap.add_argument("--privacy", action="store_true",
                    help="the cost of masked and encrypted spokes against spokes in full")
    ap.add_argument("--repeat", type=int, default=3, help="runs per variant (--privacy)")
    args = ap.parse_args(argv)
    if args.privacy:
        return privacy_costs(args.rows, args.edits, args.seed, args.repeat)
    with FakeSheets() as fake, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        key, config = setup(fake, root, args.rows, args.seed)
        project = project_from_dict(config, root)
        first = measured_run(fake, key, root, project)
        print(f"first sync (fills 3 spokes): {first['wall']:.2f} s, "
              f"{first['requests']} requests, {first['cells']:,} cells")
        scatter_edits(fake, key, root, args.edits, args.seed)
        ours = measured_run(fake, key, root, project, args.profile)
        idle = measured_run(fake, key, root, project, args.profile)
        naive = naive_run(fake, key, root)
    print(f"hub {args.rows:,} children on the local Google server, spokes "
          + "/".join(COUNTIES) + " as .xlsx")
    print(f"{'':26}{'wall s':>8}{'requests':>10}{'cells written':>15}")
    print(f"{'sync after ' + str(args.edits) + ' edits':26}{ours['wall']:8.2f}"
          f"{ours['requests']:10d}{ours['cells']:15,d}")
    print(f"{'sync, no edits':26}{idle['wall']:8.2f}{idle['requests']:10d}{idle['cells']:15,d}")
    print(f"{'naive clear + rewrite':26}{naive['wall']:8.2f}{naive['requests']:10d}"
          f"{naive['cells']:15,d}")
    print(f"cells updated {ours['updated']}, conflicts {ours['conflicts']}, "
          f"status {ours['status']}")
    ok = (ours["requests"] <= 3 and idle["requests"] <= 2 and idle["wall"] < 3.0
          and naive["cells"] >= 20 * max(ours["cells"], 1))
    print(f"targets (≤3 requests, ≥20× fewer cells, idle run < 3 s): "
          f"{'met' if ok else 'NOT met'}")
    print(f"ratio: {naive['cells'] / max(ours['cells'], 1):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
