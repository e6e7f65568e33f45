"""Crash safety of the whole run: SIGKILL at each step of the one commit, with a merge
(是同一人) and generated tabs in the same batch as the sync, then re-run: converges.

The project (Excel files: a hub and one county spoke) has a child registered twice (C0007
is C0001 typed again). After a first run, staff decide 是同一人 in 疑似重复 and change a grade in the hub,
and a brigade edits a school in the spoke; then ``run`` is killed at one point of the commit
(``SHEETS_SYNC_CRASH_AT``). Re-running until nothing changes must give the same books as a
run nobody killed: one survivor with the other's values filled in, the merged-away record
whole in 回收站 exactly once, no record lost or doubled, the generated tabs in place.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.dedupe.review import REVIEW_TAB
from sheets_sync.sync import load_project
from sheets_sync.sync.entries import CRASH_ENV
from sheets_sync.sync.pipeline import run_pipeline
from tests.test_pipeline import HEADER, NEW, OLD, OTHER, TAB

HUB, MC = "总表.xlsx", "满城.xlsx"
CONFIG = """\
[project]
forms = ["child"]

[hub]
book = "总表.xlsx"

[[spokes]]
book = "满城.xlsx"
partition = {county = "满城"}
"""


def _setup(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sheets-sync.toml").write_text(CONFIG, encoding="utf-8")
    write_workbook(root / HUB, {TAB: [HEADER, *[[k.get(h, "") for h in HEADER]
                                                for k in (OLD, NEW, OTHER)]]})
    write_workbook(root / MC, {"封面": [["满城县大队"]]})
    run_pipeline(load_project(root))
    hub = ExcelBook(root / HUB)
    review = hub.read()[REVIEW_TAB].rows
    rows = hub.read()[TAB].rows
    batch = WriteBatch()
    batch.set_cell(REVIEW_TAB, 2, review[0].index("处理结果") + 1, "是同一人")
    row = next(i for i, r in enumerate(rows, start=1) if "C0001" in r)
    batch.set_cell(TAB, row, rows[0].index("年级") + 1, "5")  # flows to the spoke
    hub.apply(batch)
    spoke = ExcelBook(root / MC)
    rows = spoke.read()[TAB].rows
    row = next(i for i, r in enumerate(rows, start=1) if "C0003" in r)
    batch = WriteBatch()
    batch.set_cell(TAB, row, rows[0].index("学校") + 1, "河口小学")
    spoke.apply(batch)


def _settle(root: Path) -> None:
    """Run until a run writes nothing (at most four runs)."""
    for _ in range(4):
        res = run_pipeline(load_project(root))
        if not res.batches or (not any(res.batches.values()) and not res.sync.plan):
            return
    raise AssertionError("the runs do not settle")


def _records(root: Path, name: str) -> dict[str, dict[str, str]]:
    rows = ExcelBook(root / name).read()[TAB].rows
    head = rows[0]
    out: dict[str, dict[str, str]] = {}
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=False))
        if any(v for k, v in rec.items() if k != "校验结果"):
            assert rec["编号"] and rec["编号"] not in out, f"{name}: {r}"
            out[rec["编号"]] = {k: rec.get(k, "") for k in HEADER}
    return out


def _outcome(root: Path) -> dict[str, object]:
    tabs = ExcelBook(root / HUB).read()
    recycle = [[r[2], r[3], r[5]] for r in tabs["回收站"].rows[1:]]
    return {"hub": _records(root, HUB), "spoke": _records(root, MC), "recycle": recycle,
            "tabs": sorted(t for t in tabs if t in {"年级统计", "建档完整率", "校验问题"})}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("reference")
    _setup(root)
    _settle(root)
    return _outcome(root)


def test_the_uninterrupted_run_merges_and_carries_the_merge(reference: dict) -> None:
    hub, spoke = reference["hub"], reference["spoke"]
    assert set(hub) == set(spoke) == {"C0001", "C0003"}
    assert hub["C0001"]["班级"] == "2班"                  # filled from C0007
    assert hub["C0003"]["学校"] == spoke["C0003"]["学校"] == "河口小学"
    assert hub["C0001"]["年级"] == spoke["C0001"]["年级"] == "5"
    assert reference["recycle"] == [[TAB, "C0007", "合并到 C0001"]]
    assert reference["tabs"] == ["年级统计", "建档完整率", "校验问题"]


STEPS = [
    pytest.param("before-write", id="killed after the journal, before any write"),
    pytest.param(f"written:{HUB}", id="killed after the hub write (merge, reports), before its commit"),
    pytest.param(f"committed:{HUB}", id="killed after the hub commit"),
    pytest.param(f"written:{MC}", id="killed after the spoke write"),
]


@pytest.mark.parametrize("step", STEPS)
def test_a_killed_run_with_a_merge_converges(tmp_path: Path, step: str,
                                             reference: dict[str, object]) -> None:
    root = tmp_path / "project"
    _setup(root)
    code = ("from sheets_sync.sync import load_project; "
            "from sheets_sync.sync.pipeline import run_pipeline; "
            f"run_pipeline(load_project({str(root)!r}))")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, CRASH_ENV: step},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    _settle(root)
    assert _outcome(root) == reference
