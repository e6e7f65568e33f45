"""The project commands as a user runs them in a project folder: init, sync, run, history,
restore, watch, pair — on the demo program's real workbooks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.cli import cli, parse_interval
from sheets_sync.demo.build import build_demo


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("proj")
    build_demo(root)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        assert invoke("init", ".")[0] == 0
        # the first run records the base (the demo's field books were copied from the hub)
        assert invoke("sync", "--rebase-from", "hub")[0] == 0
        yield root
    finally:
        os.chdir(cwd)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def edit(path: Path, tab: str, record_id: str, column: str, value: str) -> str:
    wb = openpyxl.load_workbook(path)
    ws = wb[tab]
    for header_row in (1, 2):
        headers = [c.value for c in ws[header_row]]
        if "编号" in headers:
            break
    id_col, col = headers.index("编号") + 1, headers.index(column) + 1
    for row in range(header_row + 1, ws.max_row + 1):
        if ws.cell(row, id_col).value == record_id:
            old = ws.cell(row, col).value
            ws.cell(row, col).value = value
            wb.save(path)
            return str(old)
    raise AssertionError(f"{record_id} not in {path.name}")


def cell(path: Path, tab: str, record_id: str, column: str) -> str:
    from sheets_sync.books.excel import read_workbook

    grid = read_workbook(path)[tab]
    for header in grid.rows[:3]:
        if "编号" in header:
            break
    i, j = header.index("编号"), header.index(column)
    return next(r[j] for r in grid.rows if len(r) > i and r[i] == record_id)


def test_init_refuses_to_overwrite(project: Path) -> None:
    code, out = invoke("init", ".")
    assert code == 1 and "sheets-sync.toml" in out


def test_edit_in_a_spoke_flows_to_the_hub_and_is_audited(project: Path) -> None:
    tab = "留守儿童家庭情况登记表"
    old = edit(project / "满城.xlsx", tab, "C0001", "兴趣爱好", "踢足球")
    code, out = invoke("sync", "--dry-run")
    assert code == 0 and "总表.xlsx:“留守儿童家庭情况登记表”修改 1 个单元格" in out
    assert cell(project / "总表.xlsx", tab, "C0001", "兴趣爱好") == old
    code, out = invoke("sync", "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "ok" and data["counts"]["updated"] == 1
    assert cell(project / "总表.xlsx", tab, "C0001", "兴趣爱好") == "踢足球"
    code, out = invoke("history", "C0001")
    assert f"兴趣爱好:“{old}” → “踢足球”(来源 满城.xlsx)" in out
    # nothing new: nothing written
    before = (project / "总表.xlsx").read_bytes()
    code, out = invoke("sync", "--json")
    assert code == 0 and json.loads(out)["counts"]["updated"] == 0
    assert (project / "总表.xlsx").read_bytes() == before


def test_restore_puts_the_hub_back(project: Path) -> None:
    tab = "留守儿童家庭情况登记表"
    old = edit(project / "总表.xlsx", tab, "C0002", "兴趣爱好", "下棋")
    code, out = invoke("sync", "--json")
    run_id = json.loads(out)["run"]
    assert cell(project / "满城.xlsx", tab, "C0002", "兴趣爱好") == "下棋" or \
        cell(project / "总表.xlsx", tab, "C0002", "兴趣爱好") == "下棋"
    code, out = invoke("restore", str(run_id))
    assert code == 0, out
    assert cell(project / "总表.xlsx", tab, "C0002", "兴趣爱好") == "下棋"  # the user's edit stays
    spoke_value = [cell(project / p, tab, "C0002", "兴趣爱好")
                   for p in ("满城.xlsx", "顺平.xlsx", "清苑.xlsx")
                   if _has(project / p, tab, "C0002")]
    assert spoke_value == [old]


def _has(path: Path, tab: str, record_id: str) -> bool:
    try:
        cell(path, tab, record_id, "编号")
    except StopIteration:
        return False
    return True


def test_run_syncs_then_validates_the_hub(project: Path) -> None:
    code, out = invoke("run", "--json")
    data = json.loads(out)
    assert data["sync"]["status"] == "ok"
    assert data["validate"]["errors"] > 0  # the demo's planted problems
    assert code == 1


def test_watch_runs_the_given_number_of_times(project: Path) -> None:
    code, out = invoke("watch", "--every", "10s", "--times", "2")
    assert code == 0
    assert out.count("次:完成") == 2


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600),
                                               ("45", 45)])
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


def test_parse_interval_refuses_nonsense() -> None:
    code, out = invoke("watch", "--every", "soon")
    assert code == 2 and "不是时间间隔" in out


def test_pair_on_the_demo_hub(project: Path) -> None:
    code, out = invoke("pair", "总表.xlsx", "--json")
    data = json.loads(out)
    assert code == 0 and data["proposals"]
    first = data["proposals"][0]
    assert first["child"]["id"].startswith("C") and first["volunteer"]["id"].startswith("V")


def test_pipeline_reports_each_step(project: Path) -> None:
    from sheets_sync.sync.pipeline import run_pipeline
    from sheets_sync.sync.project import load_project

    steps: list[str] = []
    result = run_pipeline(load_project(project), dry_run=True, progress=steps.append)
    assert steps == ["同步总表和各分表……", "校验总表……", "查找重复记录……", "生成花名册和报表……"]
    assert result.sync.status == "dry-run"


def test_run_reads_the_hub_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sync, validate, dedupe and reports share one read of the hub (DESIGN: one read per book)."""
    from sheets_sync.books.excel import ExcelBook
    from sheets_sync.sync.pipeline import run_pipeline
    from sheets_sync.sync.project import load_project

    reads: list[str] = []
    real_read = ExcelBook.read

    def counting_read(self: ExcelBook):  # type: ignore[no-untyped-def]
        reads.append(self.name)
        return real_read(self)

    monkeypatch.setattr(ExcelBook, "read", counting_read)
    result = run_pipeline(load_project(project))
    assert result.validation is not None and result.reports is not None
    assert reads.count("总表.xlsx") == 1
    assert sorted(set(reads)) == ["总表.xlsx", "清苑.xlsx", "满城.xlsx", "顺平.xlsx"]


def test_run_names_the_pairs_it_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sheets_sync.books.base import WriteBatch
    from sheets_sync.books.excel import ExcelBook
    assert CliRunner().invoke(cli, ["demo", str(tmp_path / "demo")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "demo")
    CliRunner().invoke(cli, ["run"])
    hub = ExcelBook(tmp_path / "demo" / "总表.xlsx")
    review = hub.read()["疑似重复"].rows
    a, b = review[1][review[0].index("编号A")], review[1][review[0].index("编号B")]
    batch = WriteBatch()
    batch.set_cell("疑似重复", 2, review[0].index("处理结果") + 1, "是同一人")
    hub.apply(batch)
    out = CliRunner().invoke(cli, ["run"]).output
    gone, kept = (b, a) if a < b else (a, b)
    assert f"查重:按“是同一人”合并了 {gone} 并入 {kept}(被合并的记录在“回收站”);疑似重复 " in out
