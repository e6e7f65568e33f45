"""The surgical writer: tabs grafted, replaced and deleted; files refused; file safety.

Real files in tmp_path, written by :meth:`ExcelBook.apply` and compared part by part.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import struct
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sheets_sync.books.base import Chart, PrintSetup, TabContent, WriteBatch
from sheets_sync.books.excel import ExcelBook, write_tabs, write_workbook
from sheets_sync.books.xlsx import safety
from sheets_sync.books.xlsx.package import MAX_TOTAL
from sheets_sync.books.xlsx.safety import valid_tab_name
from sheets_sync.errors import BookError, BookUnreadable
from sheets_sync.table import Grid, trim
from tests.test_books_xlsxpatch import parts, rich_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
WB, RELS, TYPES, STYLES = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                           "[Content_Types].xml", "xl/styles.xml")


def report_tab(n: int = 3) -> TabContent:
    rows = [["学校", "人数"]] + [[f"学校{i}", str(i * 10)] for i in range(1, n + 1)]
    rows.append(["合计", ""])
    return TabContent(
        rows=rows, numbers={(i, 2): "0" for i in range(2, n + 2)},
        formulas={(n + 2, 2): f"=SUM(B2:B{n + 1})"}, bold_rows={n + 2},
        merges=[(n + 3, 1, n + 3, 2)], note="由 sheets-sync 生成",
        print_setup=PrintSetup(repeat_rows=(1, 1), landscape=True),
        charts=[Chart("人数", (1, 2, n + 1), ((2, 2, n + 1),), "D2")],
        choices={3: ["是", "否"]}, protected=True,
    )


def changed(before: dict[str, tuple[bytes, int]], after: dict[str, tuple[bytes, int]]) -> set[str]:
    return {n for n in set(before) | set(after) if before.get(n) != after.get(n)}


def batch(**tabs: TabContent) -> WriteBatch:
    b = WriteBatch()
    for name, content in tabs.items():
        b.replace_tab(name, content)
    return b


# ----------------------------------------------------------------------------- graft


def test_adding_a_tab_changes_only_the_parts_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    before = parts(path)
    book = ExcelBook(path)
    book.apply(batch(报告=report_tab()))
    after = parts(path)
    new = set(after) - set(before)
    assert changed(before, after) - new == {WB, RELS, TYPES, STYLES}
    assert {re.sub(r"[0-9]+", "N", n) for n in new} == {
        "xl/worksheets/sheetN.xml", "xl/worksheets/_rels/sheetN.xml.rels",
        "xl/drawings/drawingN.xml", "xl/drawings/_rels/drawingN.xml.rels",
        "xl/charts/chartN.xml", "xl/commentsN.xml", "xl/drawings/vmlDrawingN.vml"}
    assert after["docProps/app.xml"][1] == zipfile.ZIP_STORED  # copied raw, as it was
    tabs = book.read()
    assert tabs["汇总"].cell(4, 1) == "6"  # the other tab's cached formula result stays
    assert tabs["报告"].rows[:2] == [["学校", "人数"], ["学校1", "10"]]
    assert b'fullCalcOnLoad="1"' in after[WB][0]
    wb = openpyxl.load_workbook(path)
    ws = wb["报告"]
    assert wb.sheetnames == ["登记表", "汇总", "图表", "报告"]
    assert (ws["B2"].value, ws["B2"].data_type) == (10, "n")
    assert ws["B5"].value == "=SUM(B2:B4)" and ws["A5"].font.b and ws["A1"].font.b
    assert ws["A1"].fill.fgColor.rgb == "FFDDEBF7" and not ws["A2"].font.b
    assert ws.freeze_panes == "A2" and [str(r) for r in ws.merged_cells.ranges] == ["A6:B6"]
    assert ws["A1"].comment.text == "由 sheets-sync 生成"
    assert ws.protection.sheet and len(ws._charts) == 1
    assert ws.print_title_rows == "$1:$1"
    assert [str(v.sqref) for v in ws.data_validations.dataValidation] == ["C2:C505"]
    # the user tab's defined name, dropdown and merge are still there
    assert wb.defined_names["金额列"].attr_text == "登记表!$C$2:$C$100"
    sheet_views = [re.findall(rb"tabSelected", after[n][0]) for n in new if "worksheets/s" in n]
    assert sheet_views == [[]]  # the grafted tab is not selected with the user's tab


def test_replacing_a_tab_keeps_its_place_id_and_the_style_table_size(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, {"甲": [["a"]], "报告": [["旧"]], "乙": [["b"]]})
    book = ExcelBook(path)
    book.apply(batch(报告=report_tab(3)))
    first = parts(path)
    book.apply(batch(报告=report_tab(5)))
    second = parts(path)
    assert changed(first, second) <= {
        WB, RELS, TYPES, "xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
        "xl/drawings/drawing1.xml", "xl/charts/chart1.xml", "xl/comments1.xml",
        "xl/drawings/vmlDrawing1.vml"}
    assert second[STYLES] == first[STYLES]  # identical formats are reused, not appended
    assert set(second) == set(first)  # the old tab's parts went, the new ones took their place
    sheets = re.findall(rb"<sheet [^>]*/>", second[WB][0])
    assert [re.search(rb'name="([^"]+)"', s).group(1).decode() for s in sheets] == [
        "甲", "报告", "乙"]
    assert re.search(rb'sheetId="2" r:id="rId2"', sheets[1])
    assert book.read()["报告"].cell(6, 1) == "学校5"
    assert second[WB][0].count(b"_xlnm.Print_Titles") == 1


def test_replacing_keeps_the_tab_colour_and_visibility(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "表"
    ws = wb.create_sheet("报告")
    ws.sheet_properties.tabColor = "FF0000"
    ws.sheet_state = "hidden"
    wb.save(path)
    ExcelBook(path).apply(batch(报告=TabContent(rows=[["新"]])))
    ws = openpyxl.load_workbook(path)["报告"]
    assert ws.sheet_properties.tabColor.rgb == "00FF0000"
    assert ws.sheet_state == "hidden"


def test_deleting_a_tab_removes_its_parts_names_and_fixes_the_active_tab(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    write_workbook(path, {"甲": [["a"]], "乙": [["b"]]})
    book = ExcelBook(path)
    book.apply(batch(报告=report_tab()))
    with_tab = parts(path)
    wb = openpyxl.load_workbook(path)
    wb.active = 2
    wb.save(path)  # the report is the active tab
    WriteBatch()
    gone = WriteBatch()
    gone.delete_tab("报告")
    book.apply(gone)
    after = parts(path)
    assert not any(n.startswith(("xl/charts", "xl/drawings", "xl/comments")) for n in after)
    assert b"Print_Titles" not in after[WB][0]
    assert b"drawing" not in after[TYPES][0] and b"chart" not in after[TYPES][0]
    assert re.search(rb'activeTab="([0-9]+)"', after[WB][0]).group(1) == b"1"
    assert list(book.read()) == ["甲", "乙"]
    assert len(with_tab) > len(after)


def test_deleting_a_tab_renumbers_later_local_names(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    write_workbook(path, {"甲": [["a"]], "报告": [["x"]], "乙": [["b"]]})
    ExcelBook(path).apply(batch(乙=TabContent(rows=[["b"]], print_setup=PrintSetup(
        repeat_rows=(1, 1)))))
    gone = WriteBatch()
    gone.delete_tab("报告")
    ExcelBook(path).apply(gone)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["甲", "乙"]
    assert wb["乙"].print_title_rows == "$1:$1"


def test_a_formula_in_another_tab_keeps_its_cached_result_after_every_kind_of_write(
        tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    book = ExcelBook(path)
    for b in (batch(报告=report_tab()), batch(报告=report_tab(4))):
        b.set_cell("登记表", 3, 1, "李四")
        book.apply(b)
        assert book.read()["汇总"].cell(4, 1) == "6"
    gone = WriteBatch()
    gone.delete_tab("报告")
    book.apply(gone)
    assert book.read()["汇总"].cell(4, 1) == "6"


def test_a_tab_name_excel_cannot_hold_is_refused_before_writing(tmp_workbook: Path) -> None:
    before = tmp_workbook.read_bytes()
    with pytest.raises(BookError) as err:
        ExcelBook(tmp_workbook).apply(batch(**{"'城关小学": TabContent(rows=[["x"]])}))
    assert str(err.value) == ("无法创建工作表“'城关小学”:名称不能包含 [ ] : * ? / \\ 这些字符,"
                              "也不能以单引号开头或结尾。请换一个工作表名称。")
    assert tmp_workbook.read_bytes() == before


@pytest.mark.parametrize(("text", "taken", "name"), [
    pytest.param("'城关小学'", [], "城关小学", id="quotes-stripped"),
    pytest.param("a/b:c", [], "a_b_c", id="bad-characters"),
    pytest.param("History", [], "History_", id="reserved"),
    pytest.param("", [], "Sheet", id="empty"),
    pytest.param("学校", ["学校"], "学校(2)", id="taken"),
    pytest.param("X" * 40, ["X" * 31], "X" * 28 + "(2)", id="long-and-taken"),
])
def test_valid_tab_name_makes_any_text_a_unique_excel_name(
        text: str, taken: list[str], name: str) -> None:
    assert valid_tab_name(text, taken) == name
    assert safety.tab_name_problem(name, taken) == ""


# ----------------------------------------------------------------------------- refusals


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def strict_workbook(path: Path) -> None:
    """A minimal Strict OOXML workbook (the purl.oclc.org namespaces)."""
    main = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    rel = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    path.write_bytes(zipped({
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            b'/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            b'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/'
                        'officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="表" '
                            'sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>').encode(),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            'x</t></is></c></row></sheetData></worksheet>').encode(),
    }))


def test_strict_ooxml_is_read_but_never_written(tmp_path: Path) -> None:
    path = tmp_path / "严格.xlsx"
    strict_workbook(path)
    before = path.read_bytes()
    book = ExcelBook(path)
    assert not book.writable
    for b in (batch(校验问题=TabContent(rows=[["x"]])), WriteBatch(cells={"表": {(1, 1): "y"}})):
        with pytest.raises(BookError) as err:
            book.apply(b)
        assert str(err.value) == (
            "无法写入工作簿 严格.xlsx:它是“Strict Open XML 电子表格”格式,本工具可以读取但不能安全"
            "写入;请在 Excel 中“另存为” → “Excel 工作簿(*.xlsx)”后再使用新文件。原文件没有改动。")
        assert path.read_bytes() == before and book.last_backup is None


def test_read_only_formats_say_so_in_writable(tmp_path: Path, tmp_workbook: Path) -> None:
    assert ExcelBook(tmp_workbook).writable
    for name in ("a.xls", "a.et", "a.ods", "a.xlsb"):
        assert not ExcelBook(tmp_path / name).writable


NOT_OOXML = ("无法读取工作簿 {path}:文件是旧的二进制格式(.xls)或损坏的加密文件,无法处理;"
             "请在 Excel 中另存为 .xlsx。请确认它是 .xlsx/.xlsm 文件且没有损坏"
             "(可在 Excel 中打开后“另存为”一次)。")


def test_a_binary_file_that_is_no_encrypted_workbook_is_refused_in_one_line(
        tmp_path: Path) -> None:
    """An OLE container with nothing a workbook needs (an .xls renamed, a cut encrypted file):
    refused for reading and writing, left alone. A real encrypted workbook is read with its
    password (tests/test_encrypt.py)."""
    path = tmp_path / "密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000))
    before = path.read_bytes()
    book = ExcelBook(path)
    for action in (book.read, lambda: book.apply(WriteBatch(cells={"表": {(1, 1): "y"}}))):
        with pytest.raises(BookUnreadable) as err:
            action()
        assert str(err.value) == NOT_OOXML.format(path=path)
    assert path.read_bytes() == before and not book.writable


def test_a_truncated_workbook_is_refused_and_left_alone(tmp_path: Path, tmp_workbook: Path) -> None:
    path = tmp_path / "半.xlsx"
    path.write_bytes(tmp_workbook.read_bytes()[:-200])
    before = path.read_bytes()
    book = ExcelBook(path)
    with pytest.raises(BookUnreadable, match="压缩包结构损坏、文件不完整或不是 Excel 文件"):
        book.apply(batch(报告=TabContent(rows=[["x"]])))
    assert path.read_bytes() == before and book.last_backup is None


def test_a_zip_bomb_is_refused_fast_without_inflating_it(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.xlsx"
    chunk = b"<row/>" * (1 << 20)  # 6 MB of one byte pattern, deflates ~1000x
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        for i in range(MAX_TOTAL // len(chunk) + 2):
            z.writestr(f"xl/worksheets/sheet{i}.xml", chunk)
    assert path.stat().st_size < 3_000_000
    started = time.process_time()
    for action in (ExcelBook(path).read,
                   lambda: ExcelBook(path).apply(WriteBatch(cells={"表": {(1, 1): "y"}}))):
        with pytest.raises(BookUnreadable, match="文件解压后超过 1024 MB"):
            action()
    assert time.process_time() - started < 2


def test_one_entry_that_inflates_too_much_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 << 20))
    with pytest.raises(BookUnreadable, match="压缩比异常"):
        ExcelBook(path).read()


@pytest.mark.parametrize(("row", "col"), [
    pytest.param(1_048_577, 1, id="past-the-last-row"),
    pytest.param(1, 16_385, id="past-column-XFD"),
    pytest.param(0, 1, id="row-zero"),
])
def test_a_cell_past_excels_grid_is_refused(tmp_workbook: Path, row: int, col: int) -> None:
    before = tmp_workbook.read_bytes()
    with pytest.raises(BookError, match="超出了 Excel 的范围"):
        ExcelBook(tmp_workbook).apply(WriteBatch(cells={"名单": {(row, col): "x"}}))
    assert tmp_workbook.read_bytes() == before


def test_the_last_cell_of_the_grid_can_be_written(tmp_workbook: Path) -> None:
    book = ExcelBook(tmp_workbook)
    book.apply(WriteBatch(cells={"名单": {(1_048_576, 16_384): "角"}}))
    with zipfile.ZipFile(tmp_workbook) as z:
        assert b'<c r="XFD1048576" t="inlineStr">' in z.read("xl/worksheets/sheet1.xml")


def test_a_workbook_openpyxl_cannot_parse_is_still_written(tmp_path: Path) -> None:
    path = tmp_path / "怪.xlsx"
    write_workbook(path, {"表": [["a"]]})
    data = parts(path)
    with zipfile.ZipFile(path, "w") as z:  # a style openpyxl chokes on, Excel ignores
        for name, (content, _) in data.items():
            if name == STYLES:
                content = content.replace(b"<fonts", b'<numFmts count="1"><numFmt numFmtId="200" '
                                          b'formatCode="0"/></numFmts><fonts', 1).replace(
                    b'numFmtId="0" fontId="0"', b'numFmtId="0" fontId="7"', 1)
            z.writestr(name, content)
    with pytest.raises(IndexError):
        openpyxl.load_workbook(path)
    book = ExcelBook(path)
    book.apply(batch(报告=TabContent(rows=[["x"]])))
    assert book.read() == {"表": Grid([["a"]]), "报告": Grid([["x"]])}


# ----------------------------------------------------------------------------- temp files


def test_a_killed_runs_temp_file_is_removed_by_the_next_save(tmp_workbook: Path) -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()  # a pid that is no longer running
    stale = tmp_workbook.with_name(f"{safety.TEMP_PREFIX}{proc.pid}-0123abcd-book.xlsx")
    stale.write_bytes(b"children's data")
    live = tmp_workbook.with_name(f"{safety.TEMP_PREFIX}{os.getpid()}-89abcdef-other.xlsx")
    live.write_bytes(b"being written")
    ExcelBook(tmp_workbook).apply(WriteBatch(cells={"名单": {(2, 2): "李四"}}))
    assert not stale.exists() and live.exists()


# ----------------------------------------------------------------------------- LibreOffice


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_a_workbook_with_grafted_tabs(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    ExcelBook(path).apply(batch(报告=report_tab()))
    out = tmp_path / "out"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
         "false,-1", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180)
    report = (out / "rich-报告.csv").read_text(encoding="utf-8").splitlines()
    assert report[:2] == ["学校,人数", "学校1,10"]
    assert report[4] == "合计,60"  # LibreOffice recalculated the SUM on open


def test_a_wps_et_workbook_is_read_and_never_written(tmp_path: Path) -> None:
    path = tmp_path / "表格.et"
    shutil.copy(Path(__file__).parent / "corpus" / "poi--SimpleMultiCell.et", path)
    before = path.read_bytes()
    book = ExcelBook(path)
    assert book.read()["Sheet1"].rows[:2] == [["1"], ["2", "3"]]
    assert not book.writable
    with pytest.raises(BookError) as err:
        book.apply(WriteBatch(cells={"Sheet1": {(1, 1): "x"}}))
    assert str(err.value) == ("工作簿 表格.et 是 .et 格式,本工具只能读取、不能写入它。"
                              "请在 Excel 中把它“另存为” .xlsx 文件,并在配置中改用新文件。")
    assert path.read_bytes() == before


# ----------------------------------------------------------------------------- property

ANY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff")
    | st.sampled_from([*"=+-@ 0_x4留", "\r", "\n"]),
    min_size=1, max_size=30,
)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.lists(ANY_TEXT, min_size=1, max_size=4), min_size=1, max_size=6))
@example(rows=[["=1+1", "=HYPERLINK(\"http://x\",\"y\")"], ["\x00_x0041_\r", "@x", "0042"]])
def test_a_grafted_tab_reads_back_as_written_and_never_holds_a_formula(
        rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xlsx"
        write_workbook(path, {"表": [["x"]]})
        book = ExcelBook(path, backup_dir=Path(tmp) / "bak")
        book.apply(batch(报告=TabContent(rows=rows)))
        assert book.read() == {"表": Grid([["x"]]), "报告": Grid(trim(rows))}
        with zipfile.ZipFile(path) as z:
            sheet = z.read("xl/worksheets/sheet2.xml")
        assert b"<f>" not in sheet and b"<f " not in sheet


def test_an_entry_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "谎.xlsx"
    data = random.Random(1).randbytes(2 << 20).hex().encode()  # 4 MB that deflates ~2x
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", data)
    raw = bytearray(path.read_bytes())
    size = struct.pack("<L", len(data))
    assert raw.count(size) == 2  # the local header and the central directory
    raw[:] = raw.replace(size, struct.pack("<L", 1 << 20))  # claim 1 MB
    path.write_bytes(bytes(raw))
    with pytest.raises(BookUnreadable, match="实际大小与记录不符"):
        ExcelBook(path).read()


def test_a_tab_can_print_its_cell_grid_and_charts_start_at_zero(tmp_path: Path) -> None:
    path = tmp_path / "grid.xlsx"
    plain = report_tab()
    gridded = TabContent(rows=[["姓名", "上午"], ["王小红", ""]],
                         print_setup=PrintSetup(landscape=True, gridlines=True))
    write_tabs(path, {"报告": plain, "签到表-一小": gridded})
    with zipfile.ZipFile(path) as z:
        sheets = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/s")}
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    printed = [n for n, xml in sheets.items() if re.search(r'<printOptions[^>]*gridLines="1"', xml)]
    assert printed == ["xl/worksheets/sheet2.xml"]    # only the tab that asks for it
    assert charts and all('<c:min val="0"/>' in c for c in charts)
