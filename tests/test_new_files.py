"""New files the tool writes: every string is a string cell, tab names valid and unique."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sheets_sync.blank import build_blank_workbooks
from sheets_sync.books.base import TabContent
from sheets_sync.books.excel import write_tabs, write_workbook
from sheets_sync.config import Program
from sheets_sync.demo.build import build_demo
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


# ------------------------------------------------------------------ one writer: XlsxWriter

def application(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        app = z.read("docProps/app.xml").decode()
    found = re.search(r"<Application>([^<]*)</Application>", app)
    assert found is not None and "<AppVersion>12.0000</AppVersion>" in app, path.name
    return found.group(1)


def test_every_new_file_is_written_by_xlsxwriter(tmp_path: Path) -> None:
    """openpyxl says "Microsoft Excel Compatible / Openpyxl …"; XlsxWriter "Microsoft Excel"."""
    grids = tmp_path / "grids.xlsx"
    write_workbook(grids, {"表": [["a"]]})
    tabs = tmp_path / "tabs.xlsx"
    write_tabs(tabs, {"表": TabContent(rows=[["a"]])})
    blank = build_blank_workbooks(tmp_path / "blank", default_templates(), Program(),
                                  forms=["school"], rows=2)[0]
    demo = build_demo(tmp_path / "demo")
    for path in [grids, tabs, blank, demo.hub, *demo.counties]:
        assert application(path) == "Microsoft Excel", path.name


def test_write_workbook_keeps_formula_looking_titles_counties_and_names_as_text(
        tmp_path: Path) -> None:
    path = tmp_path / "县.xlsx"
    rows = [[DDE], ["县", "项目"], [DDE, '=HYPERLINK("http://x","项目")'], ["+1", "@SUM(A1)"]]
    write_workbook(path, {"表": rows}, titles={"表": 2})
    ws = load_workbook(path)["表"]
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:B1"]
    assert ws.freeze_panes == "A3"
    cells = [ws.cell(r, c) for r in range(1, 5) for c in (1, 2) if (r, c) != (1, 2)]
    assert [c.value for c in cells] == [v for row in rows for v in row]
    assert {c.data_type for c in cells} == {"s"}
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_csv(path: Path, tmp_path: Path) -> list[list[str]]:
    """The first tab of ``path`` as LibreOffice reads it (headless, UTF-8 CSV)."""
    assert SOFFICE is not None
    out = tmp_path / "csv"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--headless", "--norestore", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out),
                    str(path)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HOME": str(tmp_path)})
    with open(out / (path.stem + ".csv"), encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_new_files_with_their_text(tmp_path: Path) -> None:
    program = Program(name=DDE, counties=(DDE, "顺平"))
    blank = build_blank_workbooks(tmp_path / "blank", default_templates(), program,
                                  forms=["school"], rows=2)[0]
    assert libreoffice_csv(blank, tmp_path)[0][1] == DDE   # 控制面板 B1: the program name
    path = tmp_path / "县.xlsx"
    write_workbook(path, {"表": [[DDE], ["县", "项目"], [DDE, "=1+1"]]}, titles={"表": 2})
    assert libreoffice_csv(path, tmp_path) == [[DDE, ""], ["县", "项目"], [DDE, "=1+1"]]
