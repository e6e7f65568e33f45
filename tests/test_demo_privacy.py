"""After ``sheets-sync run`` on the demo, the field workbooks hold no child's full data (#15).

Every cell of every spoke and of every per-school workbook is scanned: no full 18-digit
身份证号, no full guardian phone, no 心理状况 text, no volunteer's full phone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import ExcelBook
from sheets_sync.cli import cli
from sheets_sync.demo.run import run_demo

FULL_ID = re.compile(r"\d{17}[\dXx]")
CHILD = "留守儿童家庭情况登记表"


def column(grid_rows: list[list[str]], header: str) -> Iterator[str]:
    head_at = next(i for i, r in enumerate(grid_rows) if "编号" in r)
    j = grid_rows[head_at].index(header) if header in grid_rows[head_at] else None
    if j is None:
        return
    for r in grid_rows[head_at + 1:]:
        if j < len(r) and r[j]:
            yield r[j]


@pytest.fixture(scope="module")
def demo_after_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "演示"
    run_demo(root)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        for args in (["run"], ["report", "--only", "rosters", "--per-school-books", "各校"]):
            result = CliRunner().invoke(cli, args, catch_exceptions=False)
            assert result.exit_code in {0, 1}, result.output  # 1: the demo's planted errors
    finally:
        os.chdir(cwd)
    return root


def test_no_field_workbook_holds_a_full_id_phone_or_psychology(demo_after_run: Path) -> None:
    hub = ExcelBook(demo_after_run / "总表.xlsx").read()
    kids = hub[CHILD].rows
    phones = {p for h in ("监护人电话", "父亲电话", "母亲电话") for p in column(kids, h)}
    phones |= {p for h in ("手机号", "紧急联系人电话") for p in column(hub["志愿者报名表"].rows, h)}
    psych = set(column(kids, "心理状况"))
    assert len(phones) > 1000 and len(psych) >= 3
    field_books = [demo_after_run / f"{c}.xlsx" for c in ("满城", "顺平", "清苑")]
    school_books = sorted((demo_after_run / "各校").glob("*.xlsx"))
    assert len(school_books) >= 10
    for path in [*field_books, *school_books]:
        for tab, grid in ExcelBook(path).read().items():
            for r, row in enumerate(grid.rows, start=1):
                for text in row:
                    where = f"{path.name}“{tab}”第 {r} 行"
                    assert not FULL_ID.search(text), where
                    assert text not in phones, where
            if tab == CHILD:
                assert not set(column(grid.rows, "心理状况")) & psych, path.name
        assert "谈心记录" not in ExcelBook(path).read()


def test_the_spokes_carry_every_routed_form(demo_after_run: Path) -> None:
    tabs = ExcelBook(demo_after_run / "满城.xlsx").read()
    assert {"志愿者报名表", "结对", "儿童参加活动申请书", "支出明细"} <= set(tabs)
    kids = set(column(tabs[CHILD].rows, "编号"))
    pairs = tabs["结对"].rows
    assert pairs and set(column(pairs, "儿童编号")) <= kids      # every pair's child is here
