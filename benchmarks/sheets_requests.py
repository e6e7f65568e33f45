"""Requests benchmark: GoogleBook vs the per-worksheet approach (gspread-dataframe).

A synthetic program (12 tabs x 2,000 rows x 8 columns: ids with leading zeros, 18-digit
ID numbers, phones, dates; no real personal data) is seeded twice on the local Sheets
server (sheets_sync.testing). Each approach then does one run on its own copy: read every
tab, change 50 cells spread over all 12 tabs, write. Counted for each: HTTP requests (the
server's log), cells sent and request bytes. The per-tab approach is what a gspread user
writes: ``get_as_dataframe`` on each worksheet, edit, ``set_with_dataframe`` on each.

Afterwards both spreadsheets are read back and compared with what was meant, cell by
cell: text that changed on the way (``0042`` -> ``42``) is counted as damaged.

    python benchmarks/sheets_requests.py [--tabs 12] [--rows 2000] [--changes 50]

Needs ``gspread-dataframe`` (the ``bench`` extra). The last line is ``ratio: N``, the
per-tab approach's requests / ours.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

import gspread
from gspread_dataframe import get_as_dataframe, set_with_dataframe  # type: ignore[import-untyped]

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.google import GoogleBook
from sheets_sync.testing import FakeCredentials, FakeSheets, LocalSession

FORMS = ("儿童登记", "志愿者", "结对", "支出明细")
COUNTIES = ("满城", "顺平", "清苑")
HEADER = ["编号", "姓名", "身份证号", "电话", "出生日期", "学校", "年级", "备注"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "子涵欣怡梓萱一诺浩宇俊杰雨泽思远佳琪明轩"


def make_program(tabs: int, rows: int, seed: int = 0) -> dict[str, list[list[str]]]:
    rng = random.Random(seed)
    names = [f"{f}_{c}" for c in COUNTIES for f in FORMS][:tabs]
    names += [f"表{i}" for i in range(len(names), tabs)]
    program = {}
    for name in names:
        grid = [HEADER]
        for i in range(1, rows):
            grid.append([
                f"{i:06d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                f"1306{rng.randrange(10**13, 10**14)}",
                f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
                f"2015-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                f"第{rng.randrange(1, 76)}小学",
                rng.choice(["三年级", "四年级", "五年级"]),
                rng.choice(["", "", "父母在外务工", "=需家访"]),
            ])
        program[name] = grid
    return program


def make_changes(program: dict[str, list[list[str]]], n: int,
                 ) -> list[tuple[str, int, int, str]]:
    """``n`` cell changes (tab, row, col, text; 1-based) spread over every tab."""
    tabs = list(program)
    changes = []
    for i in range(n):
        tab = tabs[i % len(tabs)]
        height, width = len(program[tab]), len(HEADER)
        row = 2 + (i * 397) % (height - 1)
        changes.append((tab, row, 1 + (i * 5) % width, f"0{i:03d}" if i % 2 else f"改{i}"))
    return changes


class CountingSession(LocalSession):
    """A session to the local server that counts the cells each request carries."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, FakeCredentials())
        self.cells = 0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        body = kwargs.get("json")
        data = kwargs.get("data")
        if body is None and isinstance(data, (bytes, str)) and data:
            body = json.loads(data)
        self.cells += count_cells(body)
        return super().request(method, url, *args, **kwargs)


def count_cells(obj: Any) -> int:
    """Cells in a request body: values API rows (lists) and updateCells CellData (dicts)."""
    if isinstance(obj, list):
        return sum(count_cells(v) for v in obj)
    if not isinstance(obj, dict):
        return 0
    total = 0
    for key, value in obj.items():
        if key == "values" and isinstance(value, list):
            total += sum(len(v) if isinstance(v, list) else 1 for v in value)
        else:
            total += count_cells(value)
    return total


def client(session: LocalSession) -> gspread.Client:
    gc = gspread.Client(session.credentials, session=session)
    gc.http_client.auth = session.credentials
    return gc


def expected(program: dict[str, list[list[str]]],
             changes: list[tuple[str, int, int, str]]) -> dict[str, list[list[str]]]:
    out = {tab: [list(r) for r in rows] for tab, rows in program.items()}
    for tab, row, col, text in changes:
        out[tab][row - 1][col - 1] = text
    return out


def damaged(fake: FakeSheets, key: str, want: dict[str, list[list[str]]]) -> int:
    """Cells whose text differs from what was meant (read back as the user sees it)."""
    got = GoogleBook(key, client=fake.client()).read()
    bad = 0
    for tab, rows in want.items():
        grid = got[tab]
        bad += sum(grid.cell(i, j) != text for i, row in enumerate(rows, start=1)
                   for j, text in enumerate(row, start=1))
    return bad


def run_ours(fake: FakeSheets, key: str, changes: list[tuple[str, int, int, str]],
             ) -> dict[str, Any]:
    session = CountingSession(fake.url)
    book = GoogleBook(key, session=session)
    fake.reset_log()
    t0 = time.perf_counter()
    book.read()
    n_read = len(fake.requests)
    batch = WriteBatch()
    for tab, row, col, text in changes:
        batch.set_cell(tab, row, col, text)
    cells_before = session.cells
    book.apply(batch)
    log = fake.requests
    session.close()
    return {"read": n_read, "write": len(log) - n_read, "cells": session.cells - cells_before,
            "bytes": sum(r.body_size for r in log), "seconds": time.perf_counter() - t0}


def run_per_tab(fake: FakeSheets, key: str, changes: list[tuple[str, int, int, str]],
                ) -> dict[str, Any]:
    session = CountingSession(fake.url)
    gc = client(session)
    fake.reset_log()
    t0 = time.perf_counter()
    sh = gc.open_by_key(key)
    frames = {}
    for ws in sh.worksheets():
        frames[ws.title] = (ws, get_as_dataframe(ws, header=None, dtype=str))
    n_read = len(fake.requests)
    for tab, row, col, text in changes:
        frames[tab][1].iat[row - 1, col - 1] = text
    cells_before = session.cells
    for ws, df in frames.values():
        set_with_dataframe(ws, df, include_index=False, include_column_header=False)
    log = fake.requests
    session.close()
    return {"read": n_read, "write": len(log) - n_read, "cells": session.cells - cells_before,
            "bytes": sum(r.body_size for r in log), "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", type=int, default=12)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args(argv)
    program = make_program(args.tabs, args.rows)
    changes = make_changes(program, args.changes)
    want = expected(program, changes)
    print(f"program: {args.tabs} tabs x {args.rows} rows x {len(HEADER)} columns; "
          f"{args.changes} changed cells over {len({c[0] for c in changes})} tabs")
    with FakeSheets() as fake:
        ours_key = fake.create_spreadsheet("项目(GoogleBook)", program)
        peer_key = fake.create_spreadsheet("项目(per-tab)", program)
        ours = run_ours(fake, ours_key, changes)
        peer = run_per_tab(fake, peer_key, changes)
        ours["damaged"] = damaged(fake, ours_key, want)
        peer["damaged"] = damaged(fake, peer_key, want)
    print(f"{'approach':<34}{'read':>6}{'write':>7}{'total':>7}{'cells sent':>12}"
          f"{'bytes sent':>12}{'damaged':>9}{'seconds':>9}")
    for label, r in (("GoogleBook (batchGet+batchUpdate)", ours),
                     ("per-tab (gspread-dataframe)", peer)):
        print(f"{label:<34}{r['read']:>6}{r['write']:>7}{r['read'] + r['write']:>7}"
              f"{r['cells']:>12,}{r['bytes']:>12,}{r['damaged']:>9,}{r['seconds']:>9.2f}")
    ours_total = ours["read"] + ours["write"]
    peer_total = peer["read"] + peer["write"]
    print(f"requests per spreadsheet per run (ours): {ours_total}")
    print(f"cells sent ratio: {peer['cells'] / max(ours['cells'], 1):.0f}")
    print(f"ratio: {peer_total / ours_total:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
