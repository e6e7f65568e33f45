"""sheets-sync import of an export whose every answer is already imported and unchanged:
nothing read from the hub, nothing written, no validation, said in Chinese, exit 0 — and
any new or changed answer still takes the full path (three-way check, validation)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from sheets_sync.books.excel import ExcelBook
from sheets_sync.cli import cli
from sheets_sync.intake import NothingToImport, import_export
from sheets_sync.sync.pipeline import PipelineResult
from sheets_sync.sync.project import book_project
from sheets_sync.table import Grid

DATA = Path(__file__).parent / "data" / "intake"
GOOGLE = "Google 表单-志愿者报名表"


class CountingBook(ExcelBook):
    """The hub workbook, counting how often a run reads it."""

    reads = 0

    def read(self) -> dict[str, Grid]:
        type(self).reads += 1
        return super().read()


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    path = tmp_path / "总表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("志愿者报名表")
    for j, h in enumerate(["编号", "姓名", "学号", "手机号"]):
        ws.write_string(0, j, h)
    wb.close()
    return path


def _export(tmp_path: Path, edit: tuple[str, str] | None = None,
            extra: str | None = None) -> Path:
    """The Google Forms fixture, with one cell's text replaced or one answer added."""
    text = (DATA / "google_volunteer.csv").read_text(encoding="utf-8-sig")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(*edit)
    if extra is not None:
        text = text.rstrip("\n") + "\n" + extra + "\n"
    out = tmp_path / "导出" / "google_volunteer.csv"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8-sig")
    return out


def _run(hub: Path, export: Path, name: str | None = None) -> PipelineResult:
    CountingBook.reads = 0
    return import_export(book_project(str(hub)), export, "volunteer", name=name,
                         books={str(hub): CountingBook(hub)})


def test_an_unchanged_export_reads_and_writes_no_hub_and_says_so(hub: Path,
                                                                 tmp_path: Path) -> None:
    export = _export(tmp_path)
    first = _run(hub, export)
    assert first.intake is not None and first.intake.counts["new"] == 2
    assert first.validation is not None and not first.intake.quick
    before = hub.read_bytes()
    again = _run(hub, export)
    res = again.intake
    assert res is not None and res.quick
    assert CountingBook.reads == 0
    assert again.validation is None and not again.batches and not again.failed_steps
    assert again.ok
    assert res.counts == {"new": 0, "updated": 0, "unchanged": 2, "conflicts": 0, "deleted": 0,
                          "unmapped": 0, "ignored": 0}
    assert res.summary() == (f"导入“{GOOGLE}”(Google 表单 → 志愿者报名表):"
                             "没有新的或修改过的答卷:新增 0,更新 0,未变 2。")
    assert res.messages == ["这份导出文件中的每份答卷都已导入,问卷中也没有改过:"
                            "总表没有写入,也没有重新校验(导入时已校验)。"]
    assert hub.read_bytes() == before
    assert again.sync.run_id > first.sync.run_id  # the run is in the log all the same


@pytest.mark.parametrize("edit, extra, counts", [
    pytest.param(("13800000002", "13800000022"), None, (0, 1, 1), id="an-answer-edited"),
    pytest.param(None, "2026/5/3 下午 3:00:00,student3@example.edu.cn,赵小刚,男,20260103,"
                       "13800000003,体育,赵大江,13800001003", (1, 0, 2), id="a-new-answer"),
    pytest.param(("2026/5/2 下午 3:00:00", "2026/5/4 下午 3:00:00"), None, (0, 0, 2),
                 id="submitted-again"),
])
def test_a_new_or_changed_answer_takes_the_full_path(
        hub: Path, tmp_path: Path, edit: tuple[str, str] | None, extra: str | None,
        counts: tuple[int, int, int]) -> None:
    _run(hub, _export(tmp_path))
    later = _run(hub, _export(tmp_path, edit, extra))
    res = later.intake
    assert res is not None and not res.quick
    assert CountingBook.reads == 1 and later.validation is not None
    assert (res.counts["new"], res.counts["updated"], res.counts["unchanged"]) == counts
    assert "没有新的或修改过的答卷" not in res.summary()


def test_a_staff_edit_still_meets_an_edited_answer_as_a_conflict(hub: Path,
                                                                 tmp_path: Path) -> None:
    _run(hub, _export(tmp_path))
    from sheets_sync.books.base import WriteBatch

    rows = ExcelBook(hub).read()["志愿者报名表"].rows
    head = rows[0]
    r = next(i for i, row in enumerate(rows, start=1) if "李小红" in row)
    batch = WriteBatch()
    batch.set_cell("志愿者报名表", r, head.index("手机号") + 1, "13800000099")
    ExcelBook(hub).apply(batch)
    again = _run(hub, _export(tmp_path))  # unchanged export: the staff edit is left alone
    assert again.intake is not None and again.intake.quick
    later = _run(hub, _export(tmp_path, ("13800000002", "13800000022")))
    assert later.intake is not None and later.intake.counts["conflicts"] == 1
    rows = ExcelBook(hub).read()["志愿者报名表"].rows
    assert rows[r - 1][head.index("手机号")] == "13800000099"


def test_an_export_that_maps_to_nothing_exits_2_even_under_a_known_import_name(
        hub: Path, tmp_path: Path) -> None:
    _run(hub, _export(tmp_path), name="报名")
    run = import_export(book_project(str(hub)), DATA / "tencent_child.csv", "expense",
                        name="报名")
    assert run.failed_steps == ["import"]
    err = run.errors["import"]
    assert isinstance(err, NothingToImport) and err.exit_code == 2
    assert str(err).startswith("tencent_child.csv 的列没有一个能对应到“支出明细”的字段,"
                               "没有导入任何答卷:看到的列是 1.儿童姓名、2.性别")


def test_a_column_left_for_the_mapping_tab_takes_the_full_path(hub: Path) -> None:
    project = book_project(str(hub))
    import_export(project, DATA / "wjx_volunteer.xlsx", "volunteer")  # asks 导入映射
    rows = ExcelBook(hub).read()["导入映射"].rows
    from sheets_sync.books.base import WriteBatch

    batch = WriteBatch()
    for r in range(2, len(rows) + 1):
        batch.set_cell("导入映射", r, 5, "不导入")
    ExcelBook(hub).apply(batch)
    import_export(project, DATA / "wjx_volunteer.xlsx", "volunteer")
    # no sheets-sync.toml: the confirmation lives in the hub's tab, so the hub is read
    again = _run(hub, DATA / "wjx_volunteer.xlsx")
    assert again.intake is not None and not again.intake.quick
    assert CountingBook.reads == 1 and again.intake.counts["unchanged"] == 2


def test_cli_with_a_saved_mapping_says_nothing_new_and_exits_0(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "项目"
    folder.mkdir()
    hub = folder / "总表.xlsx"
    shutil.copy(DATA / "wjx_volunteer.xlsx", tmp_path / "wjx.xlsx")
    wb = xlsxwriter.Workbook(str(hub))
    wb.add_worksheet("说明").write_string(0, 0, "总表")
    wb.close()
    (folder / "sheets-sync.toml").write_text(
        '[hub]\nbook = "总表.xlsx"\n\n[imports."问卷星-志愿者报名表"]\nform = "volunteer"\n'
        '[imports."问卷星-志愿者报名表".columns]\n"10、您对本次活动有什么期待？" = "不导入"\n',
        encoding="utf-8")
    monkeypatch.chdir(folder)
    args = ["import", str(tmp_path / "wjx.xlsx"), "--form", "volunteer"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "新增 2" in first.output.splitlines()[0]
    before = hub.read_bytes()
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [
        "导入“问卷星-志愿者报名表”(问卷星 → 志愿者报名表):没有新的或修改过的答卷:"
        "新增 0,更新 0,未变 2。",
        "  这份导出文件中的每份答卷都已导入,问卷中也没有改过:总表没有写入,也没有重新校验"
        "(导入时已校验)。"]
    assert hub.read_bytes() == before
    out = CliRunner().invoke(cli, [*args, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["unchanged_export"] is True and data["counts"]["unchanged"] == 2
