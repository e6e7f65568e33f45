"""New files the tool writes: every string is a string cell, tab names valid and unique."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from sheets_sync.blank import build_blank_workbooks
from sheets_sync.books.base import TabContent
from sheets_sync.books.excel import write_tabs
from sheets_sync.config import Program
from sheets_sync.forms.template import default_templates
from sheets_sync.reports.render import write_school_books

DDE = '=cmd|"/c calc"!A1'


def test_blank_forms_write_formula_looking_names_as_text(tmp_path: Path) -> None:
    program = Program(name="=HYPERLINK(\"http://x\",\"项目\")", counties=(DDE, "顺平"))
    paths = build_blank_workbooks(tmp_path, default_templates(), program, forms=["school"],
                                  conf={"Interpreter_Win": "=1+1"})
    book = paths[0]
    with zipfile.ZipFile(book) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets
    wb = load_workbook(book)
    assert (wb["控制面板"]["B1"].value, wb["控制面板"]["B1"].data_type) == (program.name, "s")
    conf = wb["xlwings.conf"]
    assert (conf["B1"].value, conf["B1"].data_type) == ("=1+1", "s")
    lists = wb["下拉选项"]
    assert [c.value for c in lists["A"]][:3] == ["县", DDE, "顺平"]
    assert lists["A2"].data_type == "s"


def test_write_tabs_keeps_formula_looking_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "新.xlsx"
    write_tabs(path, {"表": TabContent(rows=[["a"], [DDE]], formulas={(3, 1): "=1+1"})})
    ws = load_workbook(path)["表"]
    assert (ws["A2"].value, ws["A2"].data_type) == (DDE, "s")
    assert (ws["A3"].value, ws["A3"].data_type) == ("=1+1", "f")
    with zipfile.ZipFile(path) as z:
        assert re.search(rb'<calcPr[^>]*fullCalcOnLoad="1"', z.read("xl/workbook.xml"))


def test_school_books_with_names_excel_cannot_hold_are_all_written(tmp_path: Path) -> None:
    tabs = {f"花名册-{name}": TabContent(rows=[["姓名"], ["王小明"]])
            for name in ("'城关小学'", "东/西小学", "城关小学")}
    paths = write_school_books(tmp_path, tabs, now=datetime(2026, 8, 1))
    assert len(paths) == 3
    names = [load_workbook(p).sheetnames[0] for p in paths]
    assert len({n.casefold() for n in names}) == 3
    assert all("'" not in n[0] + n[-1] and "/" not in n for n in names)
