"""Validation speed: sheets-sync against frictionless v5, side by side in one run.

Writes N synthetic child registrations (default 100,000) to one CSV file, then validates it
end to end, reading included:

* sheets-sync with its full rules (types, choices, IDs with checksum/region/birth date,
  phones, cross-field rules, unique) through ``CsvBook`` → ``validate_book``;
* frictionless v5 against the Table Schema that ``sheets-sync templates export child
  --table-schema`` produces.

Prints rows/s for both and ``ratio: N`` (frictionless time / ours). Then writes the same rows
to an .xlsx and times sheets-sync on it, reading included (target: under 10 s).

    python benchmarks/validate_bench.py [--rows 100000] [--repeat 3] [--no-xlsx]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sheets_sync.books.csvfile import CsvBook
from sheets_sync.books.excel import ExcelBook
from sheets_sync.demo.synth import children_frame, demo_program
from sheets_sync.forms.schema import table_schema
from sheets_sync.forms.template import default_templates
from sheets_sync.sync.slices import validate_book


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-xlsx", action="store_true")
    args = ap.parse_args()

    # the demo's program (2026-07-01 … 2026-08-31, …): every rule applies, as before #14
    program = demo_program()
    templates = default_templates()
    child = templates["child"]
    frame = children_frame(args.rows, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{child.label}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(list(frame.columns))
            w.writerows(frame.itertuples(index=False, name=None))
        n = len(frame)
        print(f"{n} rows × {len(frame.columns)} columns, {path.stat().st_size / 1e6:.1f} MB CSV")

        ours_t, report = best_of(args.repeat, lambda: validate_book(
            CsvBook(path), templates=templates, program=program, write=False)[0])
        summary = report.summary()  # type: ignore[attr-defined]
        print(f"sheets-sync : {ours_t:7.3f} s  {n / ours_t:10,.0f} rows/s  "
              f"({summary['records']} records, {summary['errors']} errors, "
              f"{summary['warnings']} warnings)")

        from frictionless import Resource, Schema, system

        schema = Schema.from_descriptor(table_schema(child, program))

        def fl() -> object:
            with system.use_context(trusted=True):  # an absolute path is "unsafe" by default
                return Resource(path=str(path), schema=schema).validate(limit_errors=10_000)

        fl_t, fl_report = best_of(max(1, args.repeat - 1), fl)
        stats = fl_report.stats  # type: ignore[attr-defined]
        print(f"frictionless: {fl_t:7.3f} s  {n / fl_t:10,.0f} rows/s  "
              f"(valid={fl_report.valid}, errors={stats.get('errors')})")  # type: ignore[attr-defined]
        print(f"ratio: {fl_t / ours_t:.1f}")

        if not args.no_xlsx:
            from sheets_sync.books.excel import write_workbook

            xlsx = Path(tmp) / "children.xlsx"
            t0 = time.perf_counter()
            write_workbook(xlsx, {child.label: [list(frame.columns),
                                                *map(list, frame.itertuples(index=False))]})
            print(f"(wrote the .xlsx in {time.perf_counter() - t0:.1f} s)")
            def ours_xlsx() -> object:
                return validate_book(ExcelBook(xlsx), templates=templates, program=program,
                                     write=False)[0]

            xlsx_t, _ = best_of(max(1, args.repeat - 1), ours_xlsx)
            print(f"sheets-sync .xlsx: {xlsx_t:7.3f} s  {n / xlsx_t:10,.0f} rows/s  "
                  f"(reading included; target < 10 s)")


if __name__ == "__main__":
    main()
