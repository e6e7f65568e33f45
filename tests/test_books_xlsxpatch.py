"""The cells patch: a batch's cells edit their worksheet XML, every other part is kept.

Real files in tmp_path, written with :meth:`ExcelBook.apply` (which edits the package
surgically, :mod:`sheets_sync.books.xlsx.patch`) and read back with calamine, openpyxl and
LibreOffice.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart, Reference

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.excel import ExcelBook
from sheets_sync.books.excel import write_workbook as new_workbook
from sheets_sync.books.xlsx import package
from sheets_sync.books.xlsx.package import Edit
from sheets_sync.errors import BookError, TabNotFound, WorkbookLocked
from sheets_sync.table import Grid, trim
from tests.test_books_excel import HYPERLINK, TRICKY, make_xlsm
from tests.test_books_excel import rich_workbook as excel_rich_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET1 = "xl/worksheets/sheet1.xml"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def excel_like(path: Path) -> Path:
    """The workbook as Excel saves it: ``calcPr`` without ``fullCalcOnLoad``.

    The tool's own new files (XlsxWriter) already ask for recalculation on open; the
    workbooks staff bring do not, and the patcher must then ask for it itself.
    """
    rewrite_zip(path, {"xl/workbook.xml": lambda b: b.replace(b' fullCalcOnLoad="1"', b"")})
    return path


def write_workbook(path: Path, *args: Any, **kwargs: Any) -> None:
    new_workbook(path, *args, **kwargs)
    excel_like(path)


@pytest.fixture
def tmp_workbook(tmp_path: Path) -> Path:
    """conftest's small workbook, as Excel would have saved it."""
    from tests.conftest import SAMPLE_TABS

    write_workbook(tmp_path / "book.xlsx", SAMPLE_TABS)
    return tmp_path / "book.xlsx"


def patch(book: ExcelBook, batch: WriteBatch) -> None:
    """Write ``batch`` (cells only) through the surgical writer."""
    assert not batch.tabs and not batch.delete_tabs
    book.apply(batch)


def batch_of(tab: str, cells: dict[tuple[int, int], str]) -> WriteBatch:
    batch = WriteBatch()
    for (row, col), text in cells.items():
        batch.set_cell(tab, row, col, text)
    return batch


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def parts(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every part of the package: its bytes and its compression method."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.compress_type) for i in z.infolist()}


def rewrite_zip(path: Path, changes: dict[str, Callable[[bytes], bytes]],
                stored: frozenset[str] = frozenset()) -> None:
    """Rewrite parts of the package at ``path`` (a new part: a function of ``b""``)."""
    old = parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in [*old, *(n for n in changes if n not in old)]:
            data = old.get(name, (b"", 0))[0]
            data = changes[name](data) if name in changes else data
            z.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)


def sheet_rows(path: Path, part: str = SHEET1) -> list[tuple[str, list[str]]]:
    """(row r, [cell r …]) in document order."""
    xml = parts(path)[part][0].decode()
    return [(r, re.findall(r'<c r="([A-Z]+[0-9]+)"', body))
            for r, body in re.findall(r'<row r="([0-9]+)"[^>]*?(?:/>|>(.*?)</row>)', xml)]


def libreoffice_csv(path: Path, tmp_path: Path) -> list[list[str]]:
    """The first tab of ``path`` as LibreOffice reads it (headless CSV export)."""
    assert SOFFICE is not None
    out = tmp_path / "csv"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out),
         str(path)],
        check=True, capture_output=True, timeout=180,
    )
    with open(out / f"{path.stem}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed; CI installs libreoffice-calc to run this",
)

# ----------------------------------------------------------------------------- round trip


def test_tricky_text_becomes_inline_string_cells_and_nothing_else_changes(
        tmp_workbook: Path) -> None:
    before = parts(tmp_workbook)
    book = ExcelBook(tmp_workbook)
    patch(book, batch_of("名单", {(i, 2): text for i, text in enumerate(TRICKY, start=3)}))

    after = parts(tmp_workbook)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {SHEET1, "xl/workbook.xml"}
    assert set(after) == set(before)
    # formulas that use the written cells have stale results: recalculate on open
    assert b"fullCalcOnLoad" not in before["xl/workbook.xml"][0]
    assert re.search(rb'<calcPr[^>]* fullCalcOnLoad="1"', after["xl/workbook.xml"][0])
    xml = after[SHEET1][0].decode()
    assert "<f>" not in xml
    assert '<c r="B3" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK("http://x","y")</t>' in xml
    ws = openpyxl.load_workbook(tmp_workbook)["名单"]
    assert [(ws.cell(i, 2).value, ws.cell(i, 2).data_type) for i in range(3, 3 + len(TRICKY))] == [
        (text, "s") for text in TRICKY]
    grid = book.read()["名单"]
    assert [grid.cell(i, 2) for i in range(3, 3 + len(TRICKY))] == TRICKY
    assert grid.rows[:2] == [["编号", "姓名", "电话"], ["0042", "王小明", "13812345678"]]


@pytest.mark.parametrize("text", [
    pytest.param("0042", id="leading-zeros"),
    pytest.param(HYPERLINK, id="hyperlink-formula-stays-text"),
    pytest.param("+1", id="plus-sign"),
    pytest.param("@x", id="at-sign"),
    pytest.param("130602199001011234", id="18-digit-id"),
    pytest.param("留守儿童 王小明", id="cjk"),
    pytest.param("a\x0bb\x00c\rd", id="control-characters"),
    pytest.param("_x0041_ and _X004a_", id="literal-excel-escape"),
    pytest.param(" 行1\n行2\t ", id="whitespace-newline-tab"),
    pytest.param("a & b <c> \"d\" 'e'", id="xml-special-characters"),
    pytest.param("长" * 32767, id="exactly-excel-limit"),
])
def test_text_written_over_an_existing_cell_reads_back_the_same(
        tmp_workbook: Path, text: str) -> None:
    before = parts(tmp_workbook)
    book = ExcelBook(tmp_workbook)
    patch(book, batch_of("名单", {(2, 2): text}))
    assert book.read()["名单"].cell(2, 2) == text
    after = parts(tmp_workbook)
    assert b'<c r="B2" t="inlineStr">' in after[SHEET1][0]
    assert {n for n in after if after[n] != before[n]} == {SHEET1, "xl/workbook.xml"}


def test_style_of_an_overwritten_cell_is_kept_and_new_cells_take_the_column_style(
        tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, {"表": [["编号", "电话"], ["1", "2"]]}, text_columns={"表": [2]})
    before = parts(path)[SHEET1][0].decode()
    header = re.search(r'<c r="A1" s="(\d+)"', before)
    column = re.search(r'<col min="(\d+)" max="(\d+)"[^>]* style="(\d+)"', before)
    assert header and column and int(column[1]) <= 2 <= int(column[2])
    patch(ExcelBook(path), batch_of("表", {(1, 1): "新表头", (5, 2): "0311", (5, 1): "x"}))
    xml = parts(path)[SHEET1][0].decode()
    assert f'<c r="A1" s="{header[1]}" t="inlineStr">' in xml  # bold header style kept
    assert f'<c r="B5" s="{column[3]}" t="inlineStr">' in xml  # the column's Text format
    assert '<c r="A5" t="inlineStr">' in xml
    ws = openpyxl.load_workbook(path)["表"]
    assert ws["A1"].font.b and ws["B5"].number_format == "@"


def test_new_rows_and_cells_go_in_order_and_the_dimension_grows(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, {"表": [["a", "", "c"], [], ["x"]]})  # rows 1 and 3; A1, C1, A3
    assert sheet_rows(path) == [("1", ["A1", "C1"]), ("3", ["A3"])]
    book = ExcelBook(path)
    patch(book, batch_of("表", {(7, 2): "七", (1, 2): "b", (2, 4): "二", (3, 5): "e",
                              (1, 30): "远", (6, 1): ""}))
    assert sheet_rows(path) == [("1", ["A1", "B1", "C1", "AD1"]), ("2", ["D2"]),
                                ("3", ["A3", "E3"]), ("7", ["B7"])]
    assert b'<dimension ref="A1:AD7"/>' in parts(path)[SHEET1][0]
    rows = book.read()["表"].rows
    assert rows[0][:3] == ["a", "b", "c"] and rows[0][29] == "远"
    assert [rows[1][3], rows[2][4], rows[6][1]] == ["二", "e", "七"]
    ws = openpyxl.load_workbook(path)["表"]
    assert (ws.max_row, ws.max_column) == (7, 30)


def test_empty_text_clears_a_cell_keeps_its_style_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, {"表": [["编号", "姓名"], ["0042", "王"]]})
    book = ExcelBook(path)
    patch(book, batch_of("表", {(1, 2): "", (2, 1): "", (9, 9): ""}))
    assert book.read()["表"].rows == [["编号"], ["", "王"]]
    xml = parts(path)[SHEET1][0].decode()
    assert '<c r="B1" s="1"/>' in xml and '<c r="A2"/>' in xml
    assert sheet_rows(path) == [("1", ["A1", "B1"]), ("2", ["A2", "B2"])]
    assert '<dimension ref="A1:B2"/>' in xml


# ----------------------------------------------------------------------------- preservation


def rich_workbook(path: Path) -> None:
    """Data with a dropdown, merge, number format and defined name; formulas with cached
    results in 汇总; a chart in 图表; one part stored uncompressed."""
    excel_rich_workbook(path)  # the workbook the openpyxl path is tested with
    wb = openpyxl.load_workbook(path)
    charts = wb.create_sheet("图表")
    chart = BarChart()
    chart.add_data(Reference(wb["汇总"], min_col=1, min_row=1, max_row=3))
    charts.add_chart(chart, "B2")
    wb.save(path)
    # a workbook Excel saved holds the formula's result: put it in, as Excel would
    rewrite_zip(path, {"xl/worksheets/sheet2.xml": lambda b: b.replace(
        b"<f>SUM(A1:A3)</f><v></v>", b"<f>SUM(A1:A3)</f><v>6</v>")},
        stored=frozenset({"docProps/app.xml"}))


def test_other_tabs_keep_formula_results_charts_and_every_other_part(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    book = ExcelBook(path)
    assert book.read()["汇总"].cell(4, 1) == "6"
    before = parts(path)

    patch(book, batch_of("登记表", {(3, 1): "李四", (2, 3): "1300"}))

    after = parts(path)
    # workbook.xml kept too: openpyxl's file already asks for a recalculation on open
    assert {n for n in after if after[n] != before.get(n)} == {SHEET1}
    assert set(after) == set(before)  # charts, drawings, styles, theme: same bytes, same method
    assert after["docProps/app.xml"][1] == zipfile.ZIP_STORED
    tabs = book.read()
    assert tabs["汇总"].cell(4, 1) == "6"  # calamine still sees the cached result
    assert tabs["登记表"].rows[1:3] == [["王小红", "女", "1300"], ["李四"]]
    wb = openpyxl.load_workbook(path)
    data, calc = wb["登记表"], wb["汇总"]
    assert (calc["A4"].value, calc["A4"].data_type) == ("=SUM(A1:A3)", "f")
    assert data["C2"].number_format == "#,##0.00"  # the style of the overwritten cell
    assert calc["B1"].number_format == "yyyy年m月d日"
    assert [(v.type, v.formula1, str(v.sqref)) for v in data.data_validations.dataValidation] == [
        ("list", '"男,女"', "B2:B100")]
    assert wb.defined_names["金额列"].attr_text == "登记表!$C$2:$C$100"
    assert [str(r) for r in data.merged_cells.ranges] == ["E1:F2"]
    assert len(wb["图表"]._charts) == 1


def test_the_vba_project_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "宏.xlsm"
    vba = bytes(range(256)) * 40
    make_xlsm(path, vba)
    excel_like(path)
    before = parts(path)
    book = ExcelBook(path)
    patch(book, batch_of("表", {(3, 1): "c"}))
    after = parts(path)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"] == (vba, zipfile.ZIP_DEFLATED)
    assert {n for n in after if after[n] != before[n]} == {SHEET1, "xl/workbook.xml"}
    assert book.read()["表"] == Grid([["a"], ["b"], ["c"]])


def custom_sheet(path: Path, sheet_data: str, *, calc_chain: bool = False) -> None:
    """A one-tab workbook (表) whose sheetData is ``sheet_data``, optionally a calcChain."""
    write_workbook(path, {"表": [["x"]]})
    changes: dict[str, Callable[[bytes], bytes]] = {SHEET1: lambda b: re.sub(
        rb"<sheetData>.*</sheetData>", sheet_data.encode(), b)}
    if calc_chain:
        changes["xl/calcChain.xml"] = lambda _: (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<calcChain xmlns="{MAIN}"><c r="B1" i="1"/><c r="B2"/></calcChain>').encode()
        changes["xl/_rels/workbook.xml.rels"] = lambda b: b.replace(b"</Relationships>", (
            b'<Relationship Id="rIdCalc" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>'))
        changes["[Content_Types].xml"] = lambda b: b.replace(b"</Types>", (
            b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'))
    rewrite_zip(path, changes)


FORMULAS = ('<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f><v>2</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f>A2*2</f><v>4</v></c></row></sheetData>')


def test_a_formula_cell_become_text_drops_the_calc_chain(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    custom_sheet(path, FORMULAS, calc_chain=True)
    book = ExcelBook(path)
    assert book.read()["表"].rows == [["1", "2"], ["2", "4"]]
    patch(book, batch_of("表", {(1, 2): "手填"}))
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"][0]
    assert b"calcChain" not in after["[Content_Types].xml"][0]
    assert book.read()["表"].rows == [["1", "手填"], ["2", "4"]]
    ws = openpyxl.load_workbook(path)["表"]
    assert (ws["B1"].value, ws["B2"].value) == ("手填", "=A2*2")


def test_a_calc_chain_stays_when_no_formula_cell_is_written(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    custom_sheet(path, FORMULAS, calc_chain=True)
    before = parts(path)
    patch(ExcelBook(path), batch_of("表", {(3, 1): "新"}))
    after = parts(path)
    assert after["xl/calcChain.xml"] == before["xl/calcChain.xml"]
    assert {n for n in after if after[n] != before[n]} == {SHEET1, "xl/workbook.xml"}


SHARED = ('<sheetData><row r="1"><c r="A1"><v>1</v></c>'
          '<c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v></c></row>'
          '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
          '</sheetData>')


def test_the_master_of_a_shared_formula_hands_its_formula_on(tmp_path: Path) -> None:
    path = tmp_path / "shared.xlsx"
    custom_sheet(path, SHARED)
    book = ExcelBook(path)
    patch(book, batch_of("表", {(1, 2): "手填"}))
    xml = parts(path)[SHEET1][0].decode()
    assert '<c r="B2"><f t="shared" si="0" ref="B2">A2*2</f><v>4</v></c>' in xml
    ws = openpyxl.load_workbook(path)["表"]
    assert (ws["B1"].value, ws["B2"].value) == ("手填", "=A2*2")
    assert book.read()["表"].rows == [["1", "手填"], ["2", "4"]]  # B2's cached result kept


def test_a_cell_sharing_a_formula_is_patched_and_the_master_kept(tmp_path: Path) -> None:
    path = tmp_path / "shared.xlsx"
    custom_sheet(path, SHARED)
    book = ExcelBook(path)
    patch(book, batch_of("表", {(2, 2): "手填"}))
    xml = parts(path)[SHEET1][0].decode()
    assert '<f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v>' in xml
    assert book.read()["表"].rows == [["1", "2"], ["2", "手填"]]


@pytest.mark.parametrize("change", [
    pytest.param(lambda b: b.replace_tab("报告", TabContent(rows=[["x"]])), id="a-tab-added"),
    pytest.param(lambda b: b.replace_tab("名单2", TabContent(rows=[["x"]])), id="another-tab"),
])
def test_cells_and_tabs_of_one_batch_are_one_save(
        tmp_workbook: Path, change: Callable[[WriteBatch], None]) -> None:
    batch = batch_of("名单", {(2, 2): "李四"})
    change(batch)
    book = ExcelBook(tmp_workbook)
    book.apply(batch)
    tabs = book.read()
    assert tabs["名单"].cell(2, 2) == "李四"
    assert set(tabs) == {"名单", *batch.tabs}
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx"]
    assert files_in(tmp_workbook.parent / ".sheets-sync" / "backups") == [book.last_backup.name]


# ----------------------------------------------------------------------------- refusals


def test_writing_inside_a_merged_range_is_refused_before_any_backup(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    before = path.read_bytes()
    book = ExcelBook(path)
    with pytest.raises(BookError) as err:
        patch(book, batch_of("登记表", {(3, 1): "李四", (2, 6): "x"}))
    assert str(err.value) == (
        "工作表“登记表”的单元格 F2 位于合并单元格内(不是合并区域左上角),无法写入。"
        "请取消合并,或把内容放到合并区域的左上角单元格。"
    )
    assert path.read_bytes() == before
    assert book.last_backup is None and files_in(tmp_path) == ["rich.xlsx"]


def test_the_top_left_cell_of_a_merged_range_can_be_written(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    book = ExcelBook(path)
    patch(book, batch_of("登记表", {(1, 5): "备注"}))
    assert book.read()["登记表"].cell(1, 5) == "备注"


def test_text_longer_than_excel_allows_is_refused(tmp_workbook: Path) -> None:
    with pytest.raises(BookError) as err:
        patch(ExcelBook(tmp_workbook), batch_of("名单", {(2, 2): "长" * 32768}))
    assert str(err.value) == (
        "工作表“名单”的单元格 B2 的内容有 32768 个字符,超过了 Excel 单个单元格的上限 32767 个字符。"
        "请缩短内容后重新运行。"
    )
    assert files_in(tmp_workbook.parent) == ["book.xlsx"]


def test_an_unknown_tab_is_tab_not_found(tmp_workbook: Path) -> None:
    before = tmp_workbook.read_bytes()
    with pytest.raises(TabNotFound):
        patch(ExcelBook(tmp_workbook), batch_of("志愿者", {(1, 1): "x"}))
    assert tmp_workbook.read_bytes() == before


# ----------------------------------------------------------------------------- locks, backup, atomic


def test_an_open_workbook_is_not_written(tmp_workbook: Path) -> None:
    lock = tmp_workbook.with_name("~$book.xlsx")
    lock.write_bytes(b"owner")
    before = tmp_workbook.read_bytes()
    book = ExcelBook(tmp_workbook)
    with pytest.raises(WorkbookLocked):
        patch(book, batch_of("名单", {(2, 2): "李四"}))
    assert tmp_workbook.read_bytes() == before
    assert book.last_backup is None


def test_a_workbook_opened_while_saving_is_not_replaced(
        tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tmp_workbook.read_bytes()
    save = Edit.save

    def save_while_excel_opens_it(self: Edit, target: Path) -> None:
        save(self, target)
        tmp_workbook.with_name("~$book.xlsx").write_bytes(b"owner")

    monkeypatch.setattr(Edit, "save", save_while_excel_opens_it)
    with pytest.raises(WorkbookLocked):
        patch(ExcelBook(tmp_workbook), batch_of("名单", {(2, 2): "李四"}))
    assert tmp_workbook.read_bytes() == before
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx", "~$book.xlsx"]


def test_backup_is_made_once_per_book(tmp_workbook: Path) -> None:
    original = tmp_workbook.read_bytes()
    book = ExcelBook(tmp_workbook)
    patch(book, batch_of("名单", {(2, 2): "一"}))
    patch(book, batch_of("名单", {(2, 2): "二"}))
    backups = tmp_workbook.parent / ".sheets-sync" / "backups"
    assert book.last_backup is not None
    assert files_in(backups) == [book.last_backup.name]
    assert book.last_backup.read_bytes() == original
    assert book.read()["名单"].cell(2, 2) == "二"


def test_a_failure_while_writing_leaves_the_original_and_no_temp_file(
        tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tmp_workbook.read_bytes()
    copy = package._copy_raw
    calls: list[str] = []

    def disk_full_at_third_part(src: zipfile.ZipFile, info: zipfile.ZipInfo,
                                dst: zipfile.ZipFile) -> None:
        calls.append(info.filename)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        copy(src, info, dst)

    monkeypatch.setattr(package, "_copy_raw", disk_full_at_third_part)
    with pytest.raises(RuntimeError, match="disk full"):
        patch(ExcelBook(tmp_workbook), batch_of("名单", {(2, 2): "李四"}))
    assert len(calls) == 3  # two parts were already copied into the temp file
    assert tmp_workbook.read_bytes() == before
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx"]  # the backup only


def test_an_os_error_on_replace_becomes_a_book_error(
        tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(BookError) as err:
        patch(ExcelBook(tmp_workbook), batch_of("名单", {(2, 2): "李四"}))
    assert str(err.value) == (
        "无法写入工作簿 book.xlsx:没有权限(当前用户不能读写它,或它被设为只读)。原文件没有改动。"
        "请确认文件没有被其他程序占用、所在文件夹可以写入,然后重新运行。"
    )
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx"]


# ----------------------------------------------------------------------------- LibreOffice


@needs_libreoffice
def test_libreoffice_reads_a_patched_workbook(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    cells = {(i, 1): text for i, text in enumerate(TRICKY, start=3)}
    cells[(1, 8)] = "新列"
    patch(ExcelBook(path), batch_of("登记表", cells))
    rows = libreoffice_csv(path, tmp_path)
    assert [row[0] for row in rows[2:2 + len(TRICKY)]] == TRICKY
    assert rows[0][:3] == ["姓名", "性别", "金额"] and rows[0][7] == "新列"


@needs_libreoffice
def test_libreoffice_reads_a_workbook_whose_calc_chain_was_dropped(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    custom_sheet(path, FORMULAS, calc_chain=True)
    patch(ExcelBook(path), batch_of("表", {(1, 2): "手填", (3, 3): "=1+1"}))
    assert libreoffice_csv(path, tmp_path) == [["1", "手填", ""], ["2", "4", ""], ["", "", "=1+1"]]


# ----------------------------------------------------------------------------- property

ANY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff")
    | st.sampled_from("=+-@ 0_x留"),
    max_size=30,
)
BASE = [["编号", "姓名", "", "备注"], ["0042", "王小明"], [], ["", "", "x"]]


@settings(max_examples=40, deadline=None)
@given(writes=st.dictionaries(st.tuples(st.integers(1, 9), st.integers(1, 6)), ANY_TEXT,
                              min_size=1, max_size=12))
@example(writes={(2, 1): "\x00_x0041_\r", (9, 6): "=A1", (3, 3): "", (1, 3): "+1"})
def test_random_text_written_anywhere_reads_back_as_written(
        writes: dict[tuple[int, int], str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xlsx"
        write_workbook(path, {"表": BASE, "另": [["不动"]]})
        book = ExcelBook(path, backup_dir=Path(tmp) / "bak")
        patch(book, batch_of("表", writes))
        expected = {(r, c): t for r, row in enumerate(BASE, 1) for c, t in enumerate(row, 1)}
        expected.update(writes)
        height = max(r for r, _ in expected)
        width = max(c for _, c in expected)
        rows = [[expected.get((r, c), "") for c in range(1, width + 1)]
                for r in range(1, height + 1)]
        assert book.read() == {"表": Grid(trim(rows)), "另": Grid([["不动"]])}
        numbers = [(int(r), [openpyxl.utils.cell.coordinate_from_string(c) for c in cells])
                   for r, cells in sheet_rows(path)]
        assert [r for r, _ in numbers] == sorted({r for r, _ in numbers})
        for r, coords in numbers:
            cols = [openpyxl.utils.column_index_from_string(col) for col, _ in coords]
            assert cols == sorted(set(cols)) and all(row == r for _, row in coords)
