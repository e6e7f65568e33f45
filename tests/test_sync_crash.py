"""Crash safety: a sync killed with SIGKILL at each write step, then re-run, converges.

Each case builds the same project of Excel files (a hub and two county spokes, one with
its own column order and an extra column), syncs it once, makes edits on both sides (new
rows without 编号, one-sided edits, a conflict, a deletion, a county move), then runs the
sync in a subprocess that kills itself at one step (``SHEETS_SYNC_CRASH_AT``, see
:mod:`sheets_sync.sync.run`). A second, normal run must then leave every book exactly as
an uninterrupted run leaves them: no record lost or duplicated, ids unique, every spoke
holding its partition, every value a user typed in a book, 同步冲突 or 回收站.
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
from sheets_sync.sync import load_project, sync_project
from sheets_sync.sync.entries import CRASH_ENV

from .samples import tool_records

TAB = "留守儿童家庭情况登记表"
HUB = "总表.xlsx"
MC, SP = "满城.xlsx", "顺平.xlsx"
HUB_HEAD = ["编号", "姓名", "性别", "县", "学校", "年级", "心理状况"]
MC_HEAD = ["姓名", "编号", "县", "学校", "年级", "带队备注", "心理状况"]  # shown masked there
CONFIG = """\
[project]
forms = ["child"]

[hub]
book = "总表.xlsx"

[[spokes]]
book = "满城.xlsx"
partition = {county = "满城"}

[[spokes]]
book = "顺平.xlsx"
partition = {county = "顺平"}
"""
# values users type between the first sync and the crashed one
TYPED = ["孙丽", "周强", "4", "三小", "五小", "六小", "满城", "想家了"]


def _setup(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sheets-sync.toml").write_text(CONFIG, encoding="utf-8")
    write_workbook(root / HUB, {TAB: [
        HUB_HEAD,
        ["C0001", "王小红", "女", "满城", "一小", "3", "内向"],
        ["C0002", "李明", "男", "顺平", "二小", "4", "开朗"],
        ["C0003", "赵雪", "女", "满城", "一小", "5", ""],
        ["C0004", "钱多多", "男", "满城", "一小", "2", "爱哭"],
        ["C0005", "吴昊", "男", "顺平", "二小", "1", "胆小"],
    ]})
    write_workbook(root / MC, {TAB: [MC_HEAD, ["王小红", "C0001", "满城", "一小", "3", "已家访",
                                                   "内向"]]})
    write_workbook(root / SP, {"封面": [["顺平县大队"]]})
    sync_project(load_project(root))
    # edits on both sides, each book in one batch
    hub_rows = ExcelBook(root / HUB).read()[TAB].rows
    mc_rows = ExcelBook(root / MC).read()[TAB].rows
    sp_rows = ExcelBook(root / SP).read()[TAB].rows
    hub = WriteBatch()
    hub.set_cell(TAB, _row(hub_rows, 0, "C0001"), 6, "4")          # hub edit: 年级
    hub.set_cell(TAB, _row(hub_rows, 0, "C0003"), 5, "五小")        # conflict with 满城
    hub.set_cell(TAB, len(hub_rows) + 1, 2, "周强")                 # new row, no 编号
    hub.set_cell(TAB, len(hub_rows) + 1, 4, "顺平")
    ExcelBook(root / HUB).apply(hub)
    mc = WriteBatch()
    mc.set_cell(TAB, _row(mc_rows, 1, "C0001"), 4, "三小")          # spoke edit: 学校
    mc.set_cell(TAB, _row(mc_rows, 1, "C0003"), 4, "六小")          # conflict with the hub
    mc.set_cell(TAB, _row(mc_rows, 1, "C0001"), 7, "想家了")        # typed into a masked cell
    for col in range(1, 8):                                        # C0004 deleted here
        mc.set_cell(TAB, _row(mc_rows, 1, "C0004"), col, "")
    mc.set_cell(TAB, len(mc_rows) + 1, 1, "孙丽")                   # new row, no 编号
    mc.set_cell(TAB, len(mc_rows) + 1, 3, "满城")
    ExcelBook(root / MC).apply(mc)
    sp = WriteBatch()
    sp.set_cell(TAB, _row(sp_rows, 0, "C0005"), 4, "满城")          # moves to 满城
    ExcelBook(root / SP).apply(sp)


def _row(rows: list[list[str]], id_col: int, rid: str) -> int:
    return next(i for i, r in enumerate(rows, start=1) if len(r) > id_col and r[id_col] == rid)


def _records(root: Path, name: str) -> dict[str, dict[str, str]]:
    tabs = ExcelBook(root / name).read()
    rows = tabs[TAB].rows if TAB in tabs else [HUB_HEAD]
    head = rows[0]
    out: dict[str, dict[str, str]] = {}
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
        if any(rec.values()):
            assert rec["编号"], f"{name}: a row without 编号: {r}"
            assert rec["编号"] not in out, f"{name}: {rec['编号']} twice"
            out[rec["编号"]] = {k: rec[k] for k in ("姓名", "县", "学校", "年级", "心理状况")}
    return out


def _tool_rows(root: Path, tab: str, cols: list[str]) -> list[list[str]]:
    tabs = ExcelBook(root / HUB).read()
    return ([[r.get(c, "") for c in cols] for r in tool_records(tabs[tab].rows)]
            if tab in tabs else [])


def _outcome(root: Path) -> dict[str, object]:
    return {"books": {n: _records(root, n) for n in (HUB, MC, SP)},
            "conflicts": _tool_rows(root, "同步冲突", ["表单", "编号", "字段", "保留的值",
                                                   "保留的值来自", "未采用的值", "未采用的值来自",
                                                   "原值"]),
            "recycle": _tool_rows(root, "回收站", ["表单", "编号", "去向", "原所在工作簿",
                                                "原位置", "姓名"]),
            "extra": [r[5] for r in ExcelBook(root / MC).read()[TAB].rows[1:]
                      if len(r) > 5 and r[5]]}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The books after the same edits synced by a run nobody killed."""
    root = tmp_path_factory.mktemp("reference")
    _setup(root)
    sync_project(load_project(root))
    return _outcome(root)


def test_the_uninterrupted_run_does_what_the_scenario_expects(
        reference: dict[str, object]) -> None:
    books = reference["books"]
    assert isinstance(books, dict)
    hub = books[HUB]
    assert {rid: r["姓名"] for rid, r in hub.items()} == {
        "C0001": "王小红", "C0002": "李明", "C0003": "赵雪", "C0005": "吴昊",
        "C0006": "周强", "C0007": "孙丽"}
    assert hub["C0001"] == {"姓名": "王小红", "县": "满城", "学校": "三小", "年级": "4",
                            "心理状况": "想家了"}          # typed into the masked cell
    assert books[MC]["C0001"]["心理状况"] == "想**" and books[MC]["C0003"]["心理状况"] == ""
    assert set(books[MC]) == {"C0001", "C0003", "C0005", "C0007"}
    assert set(books[SP]) == {"C0002", "C0006"}
    assert reference["conflicts"] == [[TAB, "C0003", "学校", "五小", HUB, "六小", MC, "一小"]]
    recycle = reference["recycle"]
    assert isinstance(recycle, list) and [r[:4] for r in recycle] == [
        [TAB, "C0004", f"删除于 {MC}", HUB]]
    assert recycle[0][5] == "钱多多"
    assert reference["extra"] == ["已家访"]


STEPS = [
    pytest.param("before-write", id="killed after the journal, before any write"),
    pytest.param(f"written:{HUB}", id="killed after the hub write, before its commit"),
    pytest.param(f"committed:{HUB}", id="killed after the hub commit"),
    pytest.param(f"written:{MC}", id="killed after the first spoke write"),
    pytest.param(f"committed:{MC}", id="killed after the first spoke commit"),
    pytest.param(f"written:{SP}", id="killed after the last spoke write"),
]


@pytest.mark.parametrize("step", STEPS)
def test_a_killed_run_then_a_rerun_converges_losing_nothing(
        tmp_path: Path, step: str, reference: dict[str, object]) -> None:
    root = tmp_path / "project"
    _setup(root)
    code = ("from sheets_sync.sync import load_project, sync_project; "
            f"sync_project(load_project({str(root)!r}))")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, CRASH_ENV: step},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (root / ".sheets-sync" / "lock").exists()  # it really died mid-run

    rerun = sync_project(load_project(root))
    assert "没有正常结束,已接管它留下的锁" in rerun.messages[0]
    assert _outcome(root) == reference
    text = " ".join(c for p in root.glob("*.xlsx") for g in ExcelBook(p).read().values()
                    for r in g.rows for c in r)
    assert [v for v in [*TYPED, "钱多多", "已家访"] if v not in text] == []
    assert sync_project(load_project(root)).plan == []  # and it has settled
