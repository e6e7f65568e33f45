"""Read benchmark: ExcelBook.read (python-calamine) vs openpyxl read_only, same text out.

Writes a synthetic 100,000-row x 35-column workbook (text, numbers, dates; no real
personal data) once to ``bench-out/read_bench-<rows>.xlsx``, then reads it both ways and prints
rows/s, peak memory and ``ratio: N`` = openpyxl time / ours. Each reader runs once in a
fresh process; its peak RSS (Rust and C allocations included), less that of a process that
only imports the readers, is the memory figure. CPU time is printed too: on a shared
machine it is steadier than wall time.

    python benchmarks/read_bench.py [--rows 100000] [--out PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl

from sheets_sync.books.cells import cell_text
from sheets_sync.books.excel import ExcelBook
from sheets_sync.table import Grid, trim

COLS = 35
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "子涵欣怡梓萱一诺浩宇俊杰雨泽思远佳琪明轩"


def make_row(rng: random.Random, i: int) -> list[object]:
    """One synthetic registration-like row: ids, names, phones, dates, numbers, notes."""
    row: list[object] = [
        f"C{i:06d}",
        rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        rng.choice("男女"),
        dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(1500)),
        f"1306021{rng.randrange(10**10, 10**11)}",
        rng.choice(["满城", "顺平", "清苑"]),
        f"第{rng.randrange(1, 76)}小学",
        rng.randrange(3, 6),
        float(13800000000 + rng.randrange(10**8)),
        round(rng.random() * 2000, 2),
    ]
    while len(row) < COLS:
        k = len(row) % 5
        if k == 0:
            row.append(rng.choice(["是", "否", ""]))
        elif k == 1:
            row.append(rng.randrange(0, 100))
        elif k == 2:
            row.append("备注" * rng.randrange(0, 4))
        elif k == 3:
            row.append(dt.date(2024, 7, 1) + dt.timedelta(days=rng.randrange(60)))
        else:
            row.append(rng.random() * 100)
    return row


def write_fixture(path: Path, rows: int) -> None:
    rng = random.Random(20240701)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("儿童登记表")
    ws.append([f"字段{j + 1}" for j in range(COLS)])
    for i in range(1, rows + 1):
        ws.append(make_row(rng, i))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def read_ours(path: Path) -> dict[str, Grid]:
    return ExcelBook(path).read()


def read_openpyxl(path: Path) -> dict[str, Grid]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            ws.title: Grid(
                trim([[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)])
            )
            for ws in wb.worksheets
        }
    finally:
        wb.close()


READERS: dict[str, Callable[[Path], dict[str, Grid]]] = {
    "ours": read_ours,
    "openpyxl": read_openpyxl,
}


def run_one(reader: str, path: Path) -> None:
    """In a fresh process: one read, timed (wall and CPU), then the process's peak RSS."""
    fn = READERS[reader]
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    digest = hashlib.sha256(repr({k: g.rows for k, g in result.items()}).encode()).hexdigest()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"seconds": wall, "cpu": cpu, "rss": rss, "digest": digest}))


def baseline_rss() -> int:
    """Peak RSS of a process that only imports what the readers import."""
    code = "import resource, openpyxl, python_calamine, sheets_sync.books.excel; "
    code += "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout)


def measure(reader: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", reader, "--out", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, help="default: bench-out/read_bench-<rows>.xlsx")
    parser.add_argument("--one", choices=sorted(READERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    path: Path = args.out or Path(f"bench-out/read_bench-{args.rows}.xlsx")
    if args.one:
        run_one(args.one, path)
        return
    if not path.exists():
        start = time.perf_counter()
        write_fixture(path, args.rows)
        print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    n = args.rows + 1
    print(f"file: {path} {path.stat().st_size / 1e6:.1f} MB, {n} rows x {COLS} columns")
    base = baseline_rss()
    ours, peer = measure("ours", path), measure("openpyxl", path)
    print(
        f"(peak memory below = peak RSS of the reading process minus {base / 1e6:.0f} MB "
        "for the interpreter and imports)"
    )
    for label, m in (("ExcelBook.read (calamine)", ours), ("openpyxl read_only", peer)):
        print(
            f"{label:26} {m['seconds']:6.2f} s (cpu {m['cpu']:6.2f} s) "
            f"{n / m['seconds']:9,.0f} rows/s  peak memory {(m['rss'] - base) / 1e6:5.0f} MB"
        )
    print(f"same text: {ours['digest'] == peer['digest']}")
    print(f"ratio: {peer['seconds'] / ours['seconds']:.1f}")


if __name__ == "__main__":
    main()
