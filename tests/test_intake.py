"""sheets-sync import: survey exports in each tool's shape, upserted into the hub's form tab.

Fixtures (tests/data/intake, written by make_fixtures.py; synthetic people only) have the
shapes of 问卷星 (┋ and one 0/1 column per option), 腾讯问卷, 金数据, Google Forms and
KoboToolbox exports.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from sheets_sync.books import open_book
from sheets_sync.books.base import WriteBatch
from sheets_sync.cli import cli
from sheets_sync.errors import ConfigError
from sheets_sync.forms.template import default_templates
from sheets_sync.intake import NothingToImport, import_export
from sheets_sync.intake.columns import map_columns
from sheets_sync.intake.reader import column_values, read_export, submissions
from sheets_sync.intake.shapes import detect_shape
from sheets_sync.sync.project import book_project, project_from_dict
from sheets_sync.sync.restore import restore

DATA = Path(__file__).parent / "data" / "intake"
NAME = "问卷星-志愿者报名表"


def _hub(path: Path, rows: list[list[str]] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("志愿者报名表")
    for i, row in enumerate(rows or [["编号", "姓名", "学号", "手机号", "紧急联系人", "紧急联系人电话"],
                                     ["V0001", "钱小多", "20250001", "13800009999", "钱大",
                                      "13800009998"]]):
        for j, v in enumerate(row):
            ws.write_string(i, j, v)
    wb.close()
    return path


def _tab(hub: Path, tab: str) -> list[list[str]]:
    g = open_book(hub).read().get(tab)
    return [list(r) for r in g.rows] if g is not None else []


def _records(hub: Path, tab: str = "志愿者报名表") -> dict[str, dict[str, str]]:
    head, *rows = _tab(hub, tab)
    return {r[0]: dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
            for r in rows if r and r[0]}


def _set(hub: Path, tab: str, row: int, col: int, text: str) -> None:
    batch = WriteBatch()
    batch.set_cell(tab, row, col, text)
    open_book(hub).apply(batch)


def _confirm_all(hub: Path, choice: str = "不导入") -> None:
    rows = _tab(hub, "导入映射")
    for r in range(2, len(rows) + 1):
        _set(hub, "导入映射", r, 5, choice)


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return _hub(tmp_path / "总表.xlsx")


# --------------------------------------------------------------------------- shapes, columns

@pytest.mark.parametrize("file, shape", [
    pytest.param("wjx_volunteer.xlsx", "wjx", id="wjx"),
    pytest.param("wjx_volunteer_binary.xlsx", "wjx", id="wjx-0/1-columns"),
    pytest.param("tencent_child.csv", "tencent", id="tencent"),
    pytest.param("jinshuju_volunteer.xlsx", "jinshuju", id="jinshuju"),
    pytest.param("google_volunteer.csv", "google", id="google-forms"),
    pytest.param("kobo_child.xlsx", "kobo", id="kobo"),
])
def test_each_tool_is_told_by_its_own_columns(file: str, shape: str) -> None:
    _, grid = read_export(DATA / file)
    assert detect_shape(grid.rows[0]).key == shape


VOLUNTEER_FIELDS = {"name", "sex", "student_no", "phone", "skills", "emergency_contact",
                    "emergency_phone"}


@pytest.mark.parametrize("file, form, fields, asked", [
    pytest.param("wjx_volunteer.xlsx", "volunteer",
                 VOLUNTEER_FIELDS | {"college", "preferred_county"},
                 ["10、您对本次活动有什么期待？"], id="wjx"),
    pytest.param("wjx_volunteer_binary.xlsx", "volunteer", VOLUNTEER_FIELDS, [],
                 id="wjx-0/1-columns"),
    pytest.param("jinshuju_volunteer.xlsx", "volunteer", VOLUNTEER_FIELDS, [], id="jinshuju"),
    pytest.param("google_volunteer.csv", "volunteer", VOLUNTEER_FIELDS, [], id="google"),
    pytest.param("tencent_child.csv", "child",
                 {"name", "sex", "birth_date", "county", "school", "grade", "guardian_name",
                  "guardian_phone", "guardian_relation", "interests"}, [], id="tencent-child"),
    pytest.param("kobo_child.xlsx", "child",
                 {"name", "sex", "birth_date", "county", "school", "grade", "guardian_name",
                  "guardian_phone", "guardian_relation"}, [], id="kobo-child"),
])
def test_every_question_is_mapped_or_offered(file: str, form: str, fields: set[str],
                                             asked: list[str]) -> None:
    _, grid = read_export(DATA / file)
    cmap = map_columns(default_templates()[form], grid.rows[0], detect_shape(grid.rows[0]),
                       column_values(grid))
    assert set(cmap.fields) == fields
    assert [c.header for c in cmap.unmapped] == asked


def test_multi_choice_joined_with_the_wjx_separator_and_as_0_1_columns_read_the_same() -> None:
    form = default_templates()["volunteer"]
    got = {}
    for file in ("wjx_volunteer_later.xlsx", "wjx_volunteer_binary.xlsx"):
        _, grid = read_export(DATA / file)
        cmap = map_columns(form, grid.rows[0], detect_shape(grid.rows[0]), column_values(grid))
        got[file] = [s.values["skills"] for s in submissions(cmap, grid)]
    assert got["wjx_volunteer_later.xlsx"] == ["数学、音乐", "英语", "体育、其他"]
    assert got["wjx_volunteer_binary.xlsx"] == got["wjx_volunteer_later.xlsx"]


# --------------------------------------------------------------------------- upsert

def test_unknown_columns_wait_in_the_mapping_tab_then_the_answers_come_in(hub: Path) -> None:
    project = book_project(str(hub))
    first = import_export(project, DATA / "wjx_volunteer.xlsx", "volunteer")
    res = first.intake
    assert res is not None and res.waiting and res.counts["new"] == 0
    assert res.messages == ["1 列没有对应到“志愿者报名表”的字段:“10、您对本次活动有什么期待？”。"
                            "已列在总表的“导入映射”工作表中:请在“对应字段”中选择(或选“不导入”)后"
                            "重新运行这条命令;在此之前没有导入任何答卷。"]
    assert _tab(hub, "导入映射") == [
        ["导入", "表单", "列", "示例", "对应字段", "说明"],
        [NAME, "志愿者报名表", "10、您对本次活动有什么期待？", "希望帮助孩子", "",
         "待确认:请在“对应字段”中选择"]]
    assert set(_records(hub)) == {"V0001"}
    _confirm_all(hub)
    second = import_export(project, DATA / "wjx_volunteer.xlsx", "volunteer")
    assert second.intake is not None and not second.intake.waiting
    assert second.intake.counts["new"] == 2 and second.intake.new_ids == ["V0002", "V0003"]
    recs = _records(hub)
    assert recs["V0002"]["姓名"] == "王小明" and recs["V0002"]["特长"] == "数学、音乐"
    assert (recs["V0003"]["导入来源"], recs["V0003"]["提交编号"],
            recs["V0003"]["提交时间"]) == (NAME, "2", "2026/5/2 20:32:05")
    assert recs["V0002"]["学院"] == "文学院"  # a column the hub lacked was added
    assert second.validation is not None and second.validation.valid
    assert _tab(hub, "导入映射")[1][5] == "已确认(每次导入按这里的选择)"


def _imported(hub: Path) -> None:
    project = book_project(str(hub))
    import_export(project, DATA / "wjx_volunteer.xlsx", "volunteer")
    _confirm_all(hub)
    import_export(project, DATA / "wjx_volunteer.xlsx", "volunteer")


def test_importing_the_same_export_again_adds_nothing_and_writes_nothing(hub: Path) -> None:
    _imported(hub)
    before = hub.read_bytes()
    again = import_export(book_project(str(hub)), DATA / "wjx_volunteer.xlsx", "volunteer")
    assert again.intake is not None
    assert again.intake.counts == {"new": 0, "updated": 0, "unchanged": 2, "conflicts": 0,
                                   "deleted": 0, "unmapped": 0, "ignored": 1}
    assert not again.batches.get("import")
    assert hub.read_bytes() == before


def test_a_later_export_adds_only_new_answers_and_updates_an_edited_one(hub: Path) -> None:
    _imported(hub)
    later = import_export(book_project(str(hub)), DATA / "wjx_volunteer_later.xlsx",
                          "volunteer")
    assert later.intake is not None
    c = later.intake.counts
    assert (c["new"], c["updated"], c["unchanged"], c["conflicts"]) == (1, 1, 1, 0)
    recs = _records(hub)
    assert recs["V0003"]["手机号"] == "13800000022"   # 李小红 changed it in the survey
    assert recs["V0004"]["姓名"] == "赵小刚" and recs["V0004"]["特长"] == "体育、其他"
    assert len(recs) == 4


def test_a_cell_staff_edited_is_never_overwritten_it_is_a_conflict(hub: Path) -> None:
    _imported(hub)
    head = _tab(hub, "志愿者报名表")[0]
    row = next(i for i, r in enumerate(_tab(hub, "志愿者报名表"), start=1) if r[0] == "V0003")
    _set(hub, "志愿者报名表", row, head.index("手机号") + 1, "13800000033")  # staff's fix
    later = import_export(book_project(str(hub)), DATA / "wjx_volunteer_later.xlsx",
                          "volunteer")
    assert later.intake is not None and later.intake.counts["conflicts"] == 1
    assert _records(hub)["V0003"]["手机号"] == "13800000033"
    conflicts = _tab(hub, "同步冲突")
    head = conflicts[0]
    row = dict(zip(head, conflicts[1], strict=False))
    assert (row["编号"], row["字段"], row["未采用的值来自"]) == ("V0003", "手机号", f"导入:{NAME}")
    assert row["说明"] == ("问卷中这一项改了(第 2 份答卷),表中也有人改过:保留了表中的值。"
                         "如问卷中的新值才对,请在“处理”列选“采用另一值”。")
    assert row["保留的值"] != "13800000033"  # a phone is sensitive: shown masked
    # asked once: the next import of the same export finds nothing new to say
    again = import_export(book_project(str(hub)), DATA / "wjx_volunteer_later.xlsx",
                          "volunteer")
    assert again.intake is not None and again.intake.counts["conflicts"] == 0


def test_a_row_staff_deleted_is_not_brought_back(hub: Path) -> None:
    _imported(hub)
    rows = _tab(hub, "志愿者报名表")
    r = next(i for i, row in enumerate(rows, start=1) if row[0] == "V0002")
    for j in range(1, len(rows[0]) + 1):
        _set(hub, "志愿者报名表", r, j, "")
    again = import_export(book_project(str(hub)), DATA / "wjx_volunteer.xlsx", "volunteer")
    assert again.intake is not None and again.intake.counts["deleted"] == 1
    assert "V0002" not in _records(hub)


def test_restore_undoes_an_import_and_the_next_import_brings_it_again(hub: Path) -> None:
    _imported(hub)
    project = book_project(str(hub))
    later = import_export(project, DATA / "wjx_volunteer_later.xlsx", "volunteer")
    restore(project, later.sync.run_id)
    assert set(_records(hub)) == {"V0001", "V0002", "V0003"}
    again = import_export(project, DATA / "wjx_volunteer_later.xlsx", "volunteer")
    assert again.intake is not None
    assert (again.intake.counts["new"], again.intake.counts["updated"]) == (1, 1)
    assert again.intake.new_ids == ["V0005"]  # an id handed out once is never reused


def test_rows_found_by_their_provenance_cells_when_the_state_is_lost(hub: Path) -> None:
    _imported(hub)
    shutil.rmtree(hub.parent / ".sheets-sync")
    again = import_export(book_project(str(hub)), DATA / "wjx_volunteer.xlsx", "volunteer")
    assert again.intake is not None and again.intake.counts["new"] == 0
    assert len(_records(hub)) == 3


@pytest.mark.parametrize("file, form, n", [
    pytest.param("tencent_child.csv", "child", 2, id="tencent"),
    pytest.param("kobo_child.xlsx", "child", 2, id="kobo"),
    pytest.param("jinshuju_volunteer.xlsx", "volunteer", 2, id="jinshuju"),
    pytest.param("google_volunteer.csv", "volunteer", 2, id="google"),
    pytest.param("wjx_volunteer_binary.xlsx", "volunteer", 3, id="wjx-0/1"),
])
def test_each_tools_export_imports_and_a_second_import_adds_nothing(
        tmp_path: Path, file: str, form: str, n: int) -> None:
    hub = tmp_path / "总表.xlsx"
    wb = xlsxwriter.Workbook(str(hub))
    wb.add_worksheet("说明").write_string(0, 0, "总表")
    wb.close()
    project = book_project(str(hub))
    first = import_export(project, DATA / file, form)
    assert first.intake is not None and first.intake.counts["new"] == n, first.messages
    label = default_templates()[form].label
    assert len(_records(hub, label)) == n
    second = import_export(project, DATA / file, form)
    assert second.intake is not None and second.intake.counts["unchanged"] == n


def test_an_export_whose_columns_map_to_nothing_fails_with_what_it_saw(hub: Path) -> None:
    project = book_project(str(hub))
    run = import_export(project, DATA / "tencent_child.csv", "expense")
    assert run.failed_steps == ["import"]
    err = run.errors["import"]
    assert isinstance(err, NothingToImport) and err.exit_code == 2
    text = str(err)
    assert text.startswith("tencent_child.csv 的列没有一个能对应到“支出明细”的字段,没有导入任何答卷:"
                           "看到的列是 1.儿童姓名、2.性别、3.出生日期")
    assert "能导入的表单是 " in text and "child(留守儿童家庭情况登记表)" in text


# --------------------------------------------------------------------------- CLI, config

def _project(folder: Path) -> Path:
    _hub(folder / "总表.xlsx")
    (folder / "sheets-sync.toml").write_text(
        "# 项目配置(注释要保留)\n[hub]\nbook = \"总表.xlsx\"  # 总表\n", encoding="utf-8")
    return folder


def test_cli_saves_the_confirmed_mapping_in_the_config_keeping_its_comments(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(cli, ["import", str(DATA / "wjx_volunteer.xlsx"), "--form",
                                   "volunteer"])
    assert run.exit_code == 1
    assert "已列在总表的“导入映射”工作表中" in run.output
    _confirm_all(tmp_path / "总表.xlsx")
    run = CliRunner().invoke(cli, ["import", str(DATA / "wjx_volunteer.xlsx"), "--form",
                                   "志愿者报名表"])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0] == (f"导入“{NAME}”(问卷星 → 志愿者报名表):新增 2,更新 0,未变 0,冲突 0,"
                        "未对应的列 0。")
    assert lines[1] == "  新编号:V0002、V0003"
    assert f"已把“导入映射”中确认的 1 列保存到 sheets-sync.toml 的 [imports.\"{NAME}\"]。" in lines
    toml = (tmp_path / "sheets-sync.toml").read_text(encoding="utf-8")
    assert toml.startswith("# 项目配置(注释要保留)\n[hub]\nbook = \"总表.xlsx\"  # 总表\n")
    assert f'[imports.{NAME}]' in toml or f'[imports."{NAME}"]' in toml
    assert '"10、您对本次活动有什么期待？" = "不导入"' in toml
    # the saved mapping is used without asking, even with the tab's rows gone
    open_book(tmp_path / "总表.xlsx").apply(_drop("导入映射"))
    run = CliRunner().invoke(cli, ["import", str(DATA / "wjx_volunteer_later.xlsx"), "--form",
                                   "volunteer"])
    assert run.exit_code == 0, run.output
    assert "新增 1,更新 1,未变 1" in run.output.splitlines()[0]


def _drop(tab: str) -> WriteBatch:
    b = WriteBatch()
    b.delete_tab(tab)
    return b


def test_cli_exits_2_for_an_export_that_maps_to_nothing(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "总表.xlsx")
    run = CliRunner().invoke(cli, ["import", str(DATA / "tencent_child.csv"), "--form", "expense",
                                   "--into", str(hub)])
    assert run.exit_code == 2
    assert run.output.startswith("错误:tencent_child.csv 的列没有一个能对应到“支出明细”的字段")


def test_cli_dry_run_writes_nothing(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "总表.xlsx")
    before = hub.read_bytes()
    run = CliRunner().invoke(cli, ["import", str(DATA / "google_volunteer.csv"), "--form",
                                   "volunteer", "--into", str(hub), "--dry-run"])
    assert run.exit_code == 0, run.output
    assert "新增 2" in run.output and "(--dry-run:没有写入)" in run.output
    assert hub.read_bytes() == before


def test_cli_without_a_project_asks_for_into(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(cli, ["import", str(DATA / "google_volunteer.csv"), "--form",
                                   "volunteer"])
    assert run.exit_code == 2
    assert "请用 --into 写明导入到哪个工作簿" in run.output


@pytest.mark.parametrize("imports, message", [
    pytest.param({"x": {"form": "nope"}}, "sheets-sync.toml: [imports.x] form = 'nope' 不是已知表单;",
                 id="unknown-form"),
    pytest.param({"x": {"form": "volunteer", "columns": {"Q1": "生日"}}},
                 "sheets-sync.toml: [imports.x] columns 的“Q1” = '生日' 不是“志愿者报名表”的字段;",
                 id="unknown-field"),
    pytest.param({"x": {"form": "volunteer", "when": 1}},
                 "sheets-sync.toml: [imports.x] when 不是可用的键;可用:columns、form、source。",
                 id="unknown-key"),
])
def test_a_mistake_in_imports_is_one_line(tmp_path: Path, imports: dict[str, object],
                                          message: str) -> None:
    with pytest.raises(ConfigError) as err:
        project_from_dict({"hub": {"book": "总表.xlsx"}, "imports": imports}, tmp_path)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
