"""Property tests: random edits on hub and spokes, a sync after each round.

* convergence: after every run each spoke holds exactly the hub's records of its county,
  with the same values;
* nothing lost: every value a user typed is in a book (any tab, including 同步冲突 and
  回收站) or in the audit trail.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.books.memory import MemoryBook
from sheets_sync.sync import sync_project
from sheets_sync.sync.restore import history

from .test_sync_run import TAB, _books, _project

BOOKS = ["总表.xlsx", "满城.xlsx", "顺平.xlsx"]
COUNTY = {"满城": "满城", "满城县": "满城", "顺平": "顺平"}

edit = st.tuples(st.sampled_from(["edit", "delete", "add", "county"]),
                 st.sampled_from(BOOKS), st.integers(0, 20), st.sampled_from(["学校", "年级"]),
                 st.sampled_from(list(COUNTY)))
rounds = st.lists(st.lists(edit, max_size=6), min_size=1, max_size=4)


def _apply(book: MemoryBook, op: tuple[str, str, int, str, str], token: str,
           typed: list[str]) -> None:
    kind, _, pick, field, county = op
    if TAB not in book.read():
        return
    rows = book.tab(TAB)
    head = rows[0]
    body = [i for i in range(1, len(rows)) if any(rows[i])]
    if kind == "add":
        row = [""] * len(head)
        row[head.index("姓名")] = token
        row[head.index("县")] = county
        rows.append(row)
        typed.append(token)
        return
    if not body:
        return
    i = body[pick % len(body)]
    if kind == "delete":
        rows[i] = []
        return
    col = head.index("县" if kind == "county" else field)
    value = county if kind == "county" else token
    rows[i] = rows[i] + [""] * (len(head) - len(rows[i]))
    rows[i][col] = value
    typed.append(value)


def _records(book: MemoryBook) -> dict[str, dict[str, str]]:
    tabs = book.read()
    if TAB not in tabs:
        return {}
    rows = tabs[TAB].rows
    head = rows[0]
    out = {}
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
        if rec.get("编号"):
            out[rec["编号"]] = {k: rec[k] for k in ("姓名", "县", "学校", "年级")}
    return out


def _text(books: dict[str, MemoryBook]) -> str:
    return " ".join(c for b in books.values() for g in b.read().values()
                    for row in g.rows for c in row)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds)
def test_random_edits_converge_and_lose_nothing(plan: list[list[tuple[str, str, int, str, str]]]
                                                ) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, books = _project(Path(tmp)), _books()
        sync_project(project, books=books)
        typed: list[str] = []   # what users typed and still had in a cell when they synced
        n = 0
        for ops in plan:
            this_round: list[str] = []
            for op in ops:
                n += 1
                _apply(books[op[1]], op, f"值{n}号", this_round)
            before = _text(books)
            typed += [v for v in this_round if v in before]
            sync_project(project, books=books)
            hub = _records(books["总表.xlsx"])
            for spoke, county in (("满城.xlsx", "满城"), ("顺平.xlsx", "顺平")):
                want = {rid: r for rid, r in hub.items() if COUNTY.get(r["县"]) == county}
                assert _records(books[spoke]) == want, spoke
            ids = [r[0] for r in books["总表.xlsx"].read()[TAB].rows[1:] if r and r[0]]
            assert len(ids) == len(set(ids))
        text = _text(books)
        audit = {v for a in history(project) for v in (a.old, a.new)}
        lost = [v for v in typed if v not in text and v not in audit]
        assert lost == []

