"""XLSForm out (every template through pyxform, the official converter) and 问卷统计."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from pyxform.xls2xform import convert

from sheets_sync.books import open_book
from sheets_sync.cli import cli
from sheets_sync.config import Program
from sheets_sync.forms.template import default_templates
from sheets_sync.intake import import_export
from sheets_sync.intake.xlsform import write_xlsform, xlsform_sheets
from sheets_sync.sync.project import book_project

DATA = Path(__file__).parent / "data" / "intake"


@pytest.mark.parametrize("key", sorted(default_templates()))
def test_every_template_converts_with_pyxform(tmp_path: Path, key: str) -> None:
    path = write_xlsform(default_templates()[key], tmp_path / f"{key}.xlsx", Program())
    warnings: list[str] = []
    xform = convert(str(path), warnings=warnings).xform
    assert "<h:html" in xform and warnings == []


def test_xlsform_has_required_constraints_and_chinese_choices() -> None:
    sheets = xlsform_sheets(default_templates()["volunteer"], Program())
    head, *rows = sheets["survey"]
    by_name = {r[1]: dict(zip(head, r, strict=True)) for r in rows}
    assert "id" not in by_name  # 编号 is the tool's: import assigns it
    assert by_name["name"]["required"] == "yes" and by_name["name"]["label"] == "姓名"
    assert by_name["phone"]["constraint"] == "regex(., '^1[3-9][0-9]{9}$')"
    assert by_name["phone"]["constraint_message"] == "手机号应为 11 位数字,以 1 开头。"
    assert by_name["id_number"]["constraint_message"] == "身份证号应为 18 位,最后一位可以是 X。"
    assert by_name["skills"]["type"] == "select_multiple skills"
    assert ["preferred_county", "满城", "满城"] in sheets["choices"]
    assert sheets["settings"][1][:2] == ["志愿者报名表", "volunteer"]


def test_cli_writes_an_xlsform(tmp_path: Path) -> None:
    out = tmp_path / "表单" / "调查问卷.xlsx"
    run = CliRunner().invoke(cli, ["templates", "export", "survey", "--xlsform", str(out)])
    assert run.exit_code == 0, run.output
    assert run.output == f"已写入 {out}(XLSForm:可上传到 KoboToolbox 或 ODK Central)\n"
    assert openpyxl.load_workbook(out).sheetnames == ["survey", "choices", "settings"]


def test_templates_export_needs_a_format() -> None:
    run = CliRunner().invoke(cli, ["templates", "export", "survey"])
    assert run.exit_code == 2
    assert "请选择导出格式:--table-schema 或 --xlsform 文件.xlsx。" in run.output


def _survey_hub(tmp_path: Path) -> Path:
    hub = tmp_path / "总表.xlsx"
    wb = xlsxwriter.Workbook(str(hub))
    wb.add_worksheet("说明").write_string(0, 0, "总表")
    wb.close()
    run = import_export(book_project(str(hub)), DATA / "wjx_survey.xlsx", "survey")
    assert run.intake is not None and run.intake.counts["new"] == 4
    return hub


def test_a_survey_import_makes_its_statistics_tab(tmp_path: Path) -> None:
    hub = _survey_hub(tmp_path)
    grids = open_book(hub).read()
    rows = [list(r) for r in grids["问卷统计"].rows]
    assert rows[0] == ["调查问卷 问卷统计(共 4 份)"]
    start = rows.index(["2. 父母外出情况(单选;回答 4 人)"])
    assert rows[start + 1] == ["选项", "人数", "占比", "满城", "顺平", "清苑", "3年级", "4年级",
                               "5年级"]
    assert rows[start + 2][:6] == ["父亲外出", "1", "0.25", "1", "0", "0"]
    assert rows[start + 4][:6] == ["双亲外出", "2", "0.5", "1", "1", "0"]
    multi = next(i for i, r in enumerate(rows) if r and r[0].startswith("5. 和父母联系的方式"))
    assert rows[multi][0] == "5. 和父母联系的方式(多选;回答 4 人)"
    shares = {r[0]: r[1] for r in rows[multi + 2: multi + 7]}
    assert shares == {"电话": "2", "视频": "2", "微信": "1", "书信": "0", "其他": "1"}
    hours = rows.index(["7. 每天课外学习时间(数值)"])
    assert rows[hours + 2][:2] == ["回答人数", "4"] and rows[hours + 3][:2] == ["平均", "1.25"]
    assert rows[-1] == ["最大的心愿", "4"]


def test_the_statistics_tab_has_a_chart_per_choice_question(tmp_path: Path) -> None:
    from sheets_sync.reports import generate_reports

    hub = _survey_hub(tmp_path)
    result = generate_reports(open_book(hub).read(), only="survey")
    assert result.reports == ["survey"]
    tab = result.tabs["问卷统计"]
    titles = [c.title for c in tab.charts]
    assert titles[:3] == ["1. 性别", "2. 父母外出情况", "3. 平时和谁一起生活"]
    assert len(titles) == 7  # the numeric question has none


def test_no_statistics_tab_without_survey_records() -> None:
    from sheets_sync.reports import generate_reports

    assert "问卷统计" not in generate_reports({}).tabs
