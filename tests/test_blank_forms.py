"""Blank form workbooks: what openpyxl, olevba and headless LibreOffice find in them."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import olefile
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.blank import BUTTONS, build_blank_workbooks, run_python_commands
from sheets_sync.blank.vba import compress, module_from_file
from sheets_sync.books.excel import ExcelBook
from sheets_sync.config import Program
from sheets_sync.errors import SheetsSyncError
from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import validate_grids

with warnings.catch_warnings():  # oletools 0.60.2 calls pyparsing's deprecated names
    warnings.simplefilter("ignore")
    from oletools.olevba import VBA_Parser, decompress_stream

SCHOOLS = {"满城": ["满城第一小学", "满城二小"], "顺平": ["顺平实验小学"]}
CHILD = "留守儿童家庭情况登记表"
# a configured period: the birth-date dropdown ends on its first day (#14: no built-in dates)
PROGRAM = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("blank")
    return build_blank_workbooks(out, default_templates(), PROGRAM,
                                 ["child", "学校", "volunteer"], rows=20, schools=SCHOOLS,
                                 conf={"Interpreter_Win": r"C:\Python312\pythonw.exe"})


def workbooks(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.suffix == ".xlsm"]


def column(ws: Worksheet, label: str) -> str:
    for cell in ws[1]:
        if cell.value == label:
            return str(cell.column_letter)
    raise AssertionError(label)


def column_format(ws: Worksheet, col: str) -> str:
    """The number format of column ``col`` (a ``<col>`` may span several like columns)."""
    index = column_index_from_string(col)
    found = [d.number_format for d in ws.column_dimensions.values()
             if d.min is not None and d.max is not None and d.min <= index <= d.max]
    assert len(found) == 1, col
    return str(found[0])


def validation(ws: Worksheet, col: str) -> object:
    found = [dv for dv in ws.data_validations.dataValidation
             if any(str(r).startswith(f"{col}2:") for r in dv.sqref.ranges)]
    assert len(found) == 1, col
    return found[0]


def test_one_workbook_per_form_plus_all_forms_and_the_macros_module(built: list[Path]) -> None:
    assert [p.name for p in built] == [f"{CHILD}.xlsm", "学校.xlsm", "志愿者报名表.xlsm",
                                       "全部表格.xlsm", "sheets_sync_macros.py"]


def test_tabs_panel_first_forms_conf_and_hidden_lists(built: list[Path]) -> None:
    wb = load_workbook(built[3])
    assert wb.sheetnames == ["控制面板", CHILD, "学校", "志愿者报名表", "xlwings.conf", "下拉选项"]
    assert [ws.sheet_state for ws in wb.worksheets][-1] == "hidden"
    assert wb.active is not None and wb.active.title == "控制面板"


def test_headers_are_the_template_labels_frozen_and_required_in_red(built: list[Path]) -> None:
    ws = load_workbook(built[0])[CHILD]
    form = default_templates()["child"]
    assert [c.value for c in ws[1]] == [f.label for f in form.fields]
    assert ws.freeze_panes == "A2"
    name = ws[f"{column(ws, '姓名')}1"]
    ethnicity = ws[f"{column(ws, '民族')}1"]
    # ARGB; XlsxWriter writes the alpha as FF (opaque), as Excel does
    assert name.font.color.rgb[2:] == "C00000" and ethnicity.font.color.rgb[2:] == "000000"


@pytest.mark.parametrize(("label", "fmt"), [
    pytest.param("身份证号", "@", id="id-number-is-text"),
    pytest.param("监护人电话", "@", id="phone-is-text"),
    pytest.param("编号", "@", id="record-id-is-text"),
    pytest.param("班级", "@", id="free-text-is-text"),
    pytest.param("出生日期", "yyyy-mm-dd", id="date-is-a-date"),
    pytest.param("父母外出时长(月)", "0", id="integer-is-a-number"),
])
def test_column_formats(built: list[Path], label: str, fmt: str) -> None:
    ws = load_workbook(built[0])[CHILD]
    col = column(ws, label)
    assert column_format(ws, col) == fmt
    assert {ws[f"{col}{r}"].number_format for r in range(2, 22)} == {fmt}


def test_choice_fields_drop_down_from_named_lists(built: list[Path]) -> None:
    wb = load_workbook(built[0])
    ws = wb[CHILD]
    sex = validation(ws, column(ws, "性别"))
    # no errorStyle / operator attribute is the schema default: "stop" / "between"
    assert (sex.type, sex.formula1, sex.errorStyle or "stop") == ("list", "选项_child_sex", "stop")
    ref = wb.defined_names["选项_child_sex"].attr_text
    sheet, cells = ref.split("!")
    lists = wb["下拉选项"]
    assert sheet == "'下拉选项'"
    assert [c.value for row in lists[cells.replace("$", "")] for c in row] == ["男", "女"]
    grade = validation(ws, column(ws, "年级"))
    grade_ref = wb.defined_names[grade.formula1].attr_text.split("!")[1].replace("$", "")
    assert [c.value for row in lists[grade_ref] for c in row] == [
        "一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]


def test_county_and_school_are_dependent_lists(built: list[Path]) -> None:
    wb = load_workbook(built[0])
    ws = wb[CHILD]
    county_col = column(ws, "县")
    county = validation(ws, county_col)
    assert county.formula1 == "选项_child_county"
    school = validation(ws, column(ws, "学校"))
    assert school.type == "list"
    assert school.formula1 == f'INDIRECT(IF(${county_col}2="","学校_全部","学校_"&${county_col}2))'
    lists = wb["下拉选项"]

    def values(name: str) -> list[object]:
        cells = wb.defined_names[name].attr_text.split("!")[1].replace("$", "")
        return [c.value for row in lists[cells] for c in row if c.value is not None]

    assert values("学校_满城") == ["满城第一小学", "满城二小"]
    assert values("学校_顺平") == ["顺平实验小学"]
    assert values("学校_清苑") == []
    assert values("学校_全部") == ["满城第一小学", "满城二小", "顺平实验小学"]


def test_dates_numbers_and_ids_are_validated_with_prompts_from_help(built: list[Path]) -> None:
    ws = load_workbook(built[0])[CHILD]
    birth = validation(ws, column(ws, "出生日期"))
    start = PROGRAM.start_date
    assert start is not None
    assert (birth.type, birth.operator or "between", birth.formula1, birth.formula2) == (
        "date", "between", str(int(to_excel(dt.date(2005, 1, 1)))), str(int(to_excel(start))))
    assert birth.error == f"请填写 2005-01-01 到 {start.isoformat()} 之间的日期,如 2015-03-08。"
    months = validation(ws, column(ws, "父母外出时长(月)"))
    assert (months.type, months.formula1, months.formula2) == ("whole", "0", "240")
    ident = validation(ws, column(ws, "身份证号"))
    assert (ident.type, ident.formula1, ident.formula2) == ("textLength", "15", "18")
    assert ident.prompt == "18 位身份证号,最后一位可为 X;请先把本列设为文本格式"
    assert validation(ws, column(ws, "姓名")).prompt == "(必填)儿童的中文姓名"


def test_id_column_is_locked_the_rest_open_and_the_sheet_protected(built: list[Path]) -> None:
    ws = load_workbook(built[0])[CHILD]
    assert ws.protection.sheet
    assert ws["A5"].protection.locked and not ws["B5"].protection.locked
    # 12 characters wide; XlsxWriter stores Excel's width with its cell padding (12.71)
    assert ws.column_dimensions["A"].width == pytest.approx(10 + 2, abs=1)


def test_xlwings_conf_sheet_holds_keys_from_a1_down(built: list[Path]) -> None:
    ws = load_workbook(built[0])["xlwings.conf"]
    rows = [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=1, max_col=2)]
    assert rows[0] == ("Interpreter_Win", r"C:\Python312\pythonw.exe")
    assert [k for k, _ in rows] == ["Interpreter_Win", "Interpreter_Mac", "PYTHONPATH",
                                    "ADD_WORKBOOK_TO_PYTHONPATH", "Show Console",
                                    "SHEETS_SYNC_PROJECT"]


def test_a_blank_workbook_reads_as_its_forms_with_no_problems(built: list[Path]) -> None:
    grids = ExcelBook(built[3]).read()
    report = validate_grids(grids, default_templates(), Program(), book="全部表格.xlsm")
    assert sorted(report.tabs) == sorted([CHILD, "学校", "志愿者报名表"])
    assert report.problems == []


def test_olevba_finds_one_macro_per_button_each_running_its_command(built: list[Path]) -> None:
    commands = run_python_commands()
    for path in workbooks(built):
        subs: dict[str, str] = {}
        for _, _, _name, code in VBA_Parser(str(path)).extract_macros():
            run = re.findall(r'^\s*RunPython "(import sheets_sync_macros[^"]*)"', code, re.M)
            for sub in re.findall(r"^Public Sub (\w+)\(\)", code, re.M):
                subs[sub] = run[0] if run else ""
        for b in BUTTONS:
            assert subs[b.macro] == commands[b.caption], (path.name, b.macro)
        assert sum(1 for s in subs.values() if s) == len(BUTTONS)


def test_buttons_are_form_controls_bound_to_their_macros(built: list[Path]) -> None:
    with zipfile.ZipFile(built[0]) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode()
        types = z.read("[Content_Types].xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        ole = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    assert re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml) == [
        b.macro for b in BUTTONS]
    assert vml.count('ObjectType="Button"') == len(BUTTONS)
    assert "sheet.macroEnabled.main+xml" in types
    assert re.search(r'<legacyDrawing r:id="rId\d+"/>', sheet)
    assert ["VBA", "btnValidate"] in ole.listdir() and ["PROJECT"] in ole.listdir()


def test_the_vba_project_is_the_same_bytes_each_build(tmp_path: Path) -> None:
    a = build_blank_workbooks(tmp_path / "a", default_templates(), Program(), ["school"], rows=2)
    b = build_blank_workbooks(tmp_path / "b", default_templates(), Program(), ["school"], rows=2)
    with zipfile.ZipFile(a[0]) as za, zipfile.ZipFile(b[0]) as zb:
        assert za.read("xl/vbaProject.bin") == zb.read("xl/vbaProject.bin")


@given(st.binary(max_size=9000) | st.text(alphabet="ab \r\nSub()", max_size=9000).map(
    lambda s: s.encode()))
def test_compression_round_trips_through_olevba(data: bytes) -> None:
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


def test_class_module_header_is_dropped_and_name_read(tmp_path: Path) -> None:
    path = tmp_path / "Thing.cls"
    path.write_text('VERSION 1.0 CLASS\nBEGIN\n  MultiUse = -1\nEND\n'
                    'Attribute VB_Name = "Thing"\nOption Explicit\n', encoding="ascii")
    m = module_from_file(path)
    assert (m.name, m.kind, m.code) == ("Thing", "class", "Option Explicit\n")


def test_an_unknown_form_is_refused_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(SheetsSyncError, match=r"没有名为“孩子”的表单。可选:application\("):
        build_blank_workbooks(tmp_path, default_templates(), Program(), ["孩子"])


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_imports_the_vba_and_binds_every_button(built: list[Path],
                                                           tmp_path: Path) -> None:
    books = workbooks(built)
    subprocess.run(["soffice", "--headless", "--norestore",
                    f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "ods", "--outdir", str(tmp_path / "ods"),
                    *map(str, books)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    for path in books:
        with zipfile.ZipFile(tmp_path / "ods" / (path.stem + ".ods")) as z:
            content = z.read("content.xml").decode()
            for b in BUTTONS:
                basic = z.read(f"Basic/VBAProject/{b.module}.xml").decode()
                assert "Option VBASupport 1" in basic and f"Public Sub {b.macro}()" in basic
                assert (f'form:label="{b.caption}"' in content), (path.name, b.caption)
                assert (f"vnd.sun.star.script:VBAProject.{b.module}.{b.macro}"
                        "?language=Basic&amp;location=document") in content
