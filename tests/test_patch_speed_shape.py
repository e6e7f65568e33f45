"""A cell write costs what it touches: only the rows written change, every other byte stays.

:func:`sheets_sync.books.xlsx.patch.patch_sheet` finds the rows it writes in the sheet's
bytes (:mod:`sheets_sync.books.xlsx.scan`) and splices them back; a sheet the scan cannot be
sure of is parsed whole. Both ways give the same sheet: checked on generated sheets (rows
with gaps, pretty-printed, styles, column styles, merges, shared and array formulas,
comments, rows without numbers) against the whole-sheet parse, refusals included.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.xlsx import patch, scan
from sheets_sync.errors import BookError
from sheets_sync.table import a1
from tests.test_books_xlsxpatch import batch_of, custom_sheet, parts

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET1 = "xl/worksheets/sheet1.xml"
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="A1:F9"/>')


def row_xml(r: int, cols: list[int], kind: int, pretty: bool) -> str:
    attrs = [f' r="{r}"', ' spans="1:6"', " customFormat='1' s=\"2\"",
             ' x14ac:dyDescent="0.25"'][kind % 4]
    attrs = attrs if " r=" in attrs else f' r="{r}"{attrs}'
    cells = []
    for c in cols:
        ref = a1(r, c)
        cells.append([f'<c r="{ref}" t="s"><v>0</v></c>', f'<c r="{ref}" s="1"><v>{r}</v></c>',
                      f'<c r="{ref}" t="inlineStr"><is><t>旧&amp;</t></is></c>',
                      f'<c r="{ref}"><f>1+{c}</f><v>{1 + c}</v></c>'][(r + c + kind) % 4])
    sep = "\n    " if pretty else ""
    return f"<row{attrs}>{sep}{sep.join(cells)}</row>" if cells else f"<row{attrs}/>"


@st.composite
def sheets(draw: st.DrawFn) -> tuple[str, list[str], str]:
    """(head, rows, tail) of a worksheet; the rows with their numbers, in order."""
    numbers = sorted(draw(st.sets(st.integers(1, 9), max_size=7)))
    pretty = draw(st.booleans())
    rows = [row_xml(r, sorted(draw(st.sets(st.integers(1, 6), max_size=4))),
                    draw(st.integers(0, 3)), pretty) for r in numbers]
    extra = draw(st.sampled_from(["", "array", "shared", "comment", "no-r"]))
    if extra == "array" and rows:
        r = numbers[0]
        rows[0] = rows[0].replace(
            "</row>" if "</row>" in rows[0] else "/>",
            ("" if "</row>" in rows[0] else ">")
            + f'<c r="G{r}"><f t="array" ref="G{r}:H{r + 1}">1</f><v>1</v></c></row>', 1)
    if extra == "shared" and len(rows) >= 2:
        for i, r in enumerate(numbers[:2]):
            f = ('<f t="shared" ref="G{0}:G{1}" si="0">A{0}</f>'.format(numbers[0], numbers[1])
                 if i == 0 else '<f t="shared" si="0"/>')
            rows[i] = rows[i].replace(
                "</row>" if "</row>" in rows[i] else "/>",
                ("" if "</row>" in rows[i] else ">") + f'<c r="G{r}">{f}<v>1</v></c></row>', 1)
    if extra == "no-r" and rows and numbers[0] == 1:
        rows[0] = rows[0].replace(' r="1"', "", 1)
    sep = "\n  " if pretty else ""
    cols = draw(st.sampled_from(["", '<cols><col min="2" max="3" style="3"/></cols>']))
    head = HEAD + cols + ("<!-- 注释 -->" if extra == "comment" else "") + "<sheetData>" + sep
    merges = draw(st.sampled_from(["", '<mergeCells count="1"><mergeCell ref="B2:C3"/>'
                                       "</mergeCells>"]))
    return head, rows, sep + "</sheetData>" + merges + "</worksheet>"


def canonical(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def outcome(fn: object, data: bytes, targets: dict[tuple[int, int], str]) -> object:
    try:
        out, formula = fn(data, "表", targets)  # type: ignore[operator]
    except BookError as err:
        return str(err)
    return canonical(out), formula


texts = st.sampled_from(["", "新", "<&>\"'", "_x0041_", " 两 头 ", "a\r\nb", "0042"])


@settings(max_examples=300, deadline=None)
@given(sheets(), st.dictionaries(st.tuples(st.integers(1, 11), st.integers(1, 8)), texts,
                                 min_size=1, max_size=5))
def test_patching_the_rows_gives_the_sheet_parsing_it_whole_gives(
        sheet: tuple[str, list[str], str], targets: dict[tuple[int, int], str]) -> None:
    head, rows, tail = sheet
    sep = "\n  " if "\n  <" in tail else ""
    data = (head + sep.join(rows) + tail).encode()
    assert outcome(patch.patch_sheet, data, targets) == outcome(patch._patch_whole, data, targets)
    try:
        out, _ = patch.patch_sheet(data, "表", targets)
    except BookError:
        return
    if scan.scan(data) is None or "shared" in "".join(rows):
        return  # parsed whole
    written = {r for r, _ in targets}
    assert out.startswith(head.split("<dimension")[0].encode())
    assert out.endswith(tail.lstrip().encode())
    for row in rows:
        number = int(re.search(r' r="([0-9]+)"', row).group(1))  # type: ignore[union-attr]
        if number not in written:
            assert row.encode() in out  # byte for byte


def test_scanning_gives_way_to_parsing_for_xml_it_cannot_be_sure_of() -> None:
    body = '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    plain = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{body}'
    assert scan.scan(plain.encode()) is not None
    unsure = {
        "latin-1": plain.replace("UTF-8", "ISO-8859-1"),
        "doctype": plain.replace("?>", "?><!DOCTYPE worksheet>", 1),
        "comment": plain.replace("<sheetData>", "<!-- x --><sheetData>"),
        "cdata": plain.replace("<v>1</v>", "<is><t><![CDATA[<row r=\"9\">]]></t></is>"),
        "instruction": plain.replace("<sheetData>", "<?pi x?><sheetData>"),
        "prefixed": plain.replace(f'<worksheet xmlns="{MAIN}">', f'<x:worksheet xmlns:x="{MAIN}">'),
        "bound twice": plain.replace(f'xmlns="{MAIN}"', f'xmlns="{MAIN}" xmlns:x="{MAIN}"'),
        "namespace inside": plain.replace("<row r", '<row xmlns="urn:x" r'),
        "empty": plain.replace(body, "<sheetData/></worksheet>"),
        "row without r": plain.replace('<row r="1">', "<row>"),
        "row r not digits": plain.replace('<row r="1">', '<row r="A">'),
        "out of order": plain.replace("</row></sheetData>",
                                      '</row><row r="1"/></sheetData>'),
    }
    for why, xml in unsure.items():
        assert scan.scan(xml.encode()) is None, why


def test_a_row_is_found_by_its_number_whatever_its_attributes_hold() -> None:
    rows = "".join(f"<row spans='1:1' r='{n}' ht=\"a>b\"><c r='A{n}'><v>{n}</v></c></row>"
                   for n in (2, 3, 5, 8, 13, 21))
    data = f'<worksheet xmlns="{MAIN}"><sheetData>\n{rows}<row r="34"/></sheetData></worksheet>'
    found = scan.scan(data.encode())
    assert found is not None and found.numbers == [2, 3, 5, 8, 13, 21, 34]
    for n in found.numbers:
        span = found.row_span(n)
        assert span is not None
        text = data.encode()[span[0]:span[1]].decode()
        assert text.startswith("<row") and text.endswith(("</row>", "/>"))
        assert f"r='{n}'" in text or f'r="{n}"' in text
    assert found.row_span(4) is None and found.row_span(1) is None and found.row_span(35) is None


@pytest.fixture
def big_book(tmp_path: Path) -> Path:
    """A 2,000-row tab as the tool writes it (shared strings, styles, frozen header)."""
    rows = [["编号", "姓名", "电话"]] + [[f"V{i:05d}", f"名{i}", f"138{i:08d}"]
                                      for i in range(2000)]
    write_workbook(tmp_path / "big.xlsx", {"表": rows})
    return tmp_path / "big.xlsx"


def test_one_cell_written_changes_its_row_and_no_other_byte_of_the_sheet(
        big_book: Path) -> None:
    before = parts(big_book)
    ExcelBook(big_book).apply(batch_of("表", {(1001, 2): "新名字"}))
    after = parts(big_book)
    old, new = before[SHEET1][0], after[SHEET1][0]
    row = re.compile(rb'<row r="1001".*?</row>')
    old_row, new_row = row.search(old), row.search(new)
    assert old_row is not None and new_row is not None
    assert new[:new_row.start()] == old[:old_row.start()]
    assert new[new_row.end():] == old[old_row.end():]
    assert b'<c r="B1001" t="inlineStr"><is><t xml:space="preserve">\xe6\x96\xb0\xe5\x90\x8d' \
           b'\xe5\xad\x97</t></is></c>' in new_row.group()
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    grid = ExcelBook(big_book).read()["表"]
    assert grid.rows[1000] == ["V00999", "新名字", "13800000999"]
    assert grid.rows[999] == ["V00998", "名998", "13800000998"]


def test_new_rows_go_between_before_and_after_the_rows_there_are(big_book: Path) -> None:
    ExcelBook(big_book).apply(batch_of("表", {(1001, 2): "", (2003, 1): "尾", (2005, 5): "更尾"}))
    with zipfile.ZipFile(big_book) as z:
        xml = z.read(SHEET1)
    numbers = [int(n) for n in re.findall(rb'<row r="([0-9]+)"', xml)]
    assert numbers == [*range(1, 2002), 2003, 2005]
    assert b'<dimension ref="A1:E2005"/>' in xml
    assert b'<c r="B1001"/>' in xml  # cleared, kept as an empty cell
    grid = ExcelBook(big_book).read()["表"]
    assert (grid.rows[2002][0], grid.rows[2004][4]) == ("尾", "更尾")


def test_an_array_formula_in_a_row_not_written_still_guards_its_area(tmp_path: Path) -> None:
    path = tmp_path / "array.xlsx"
    custom_sheet(path, '<sheetData><row r="1"><c r="A1"><f t="array" ref="A1:B3">{1;2;3}</f>'
                       '<v>1</v></c></row><row r="3"><c r="B3"><v>3</v></c></row></sheetData>')
    with pytest.raises(BookError) as err:
        ExcelBook(path).apply(batch_of("表", {(3, 2): "手填"}))
    assert str(err.value) == ("工作表“表”的单元格 B3 位于数组公式或模拟运算表的区域内,"
                              "无法单独写入。请在 Excel 中先删除该数组公式,再重新运行。")


@pytest.mark.parametrize("close", ["</row >", "</row\n>"])
def test_an_end_tag_with_a_space_ends_its_own_row(close: str) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c>{close}' for n in (1, 2, 3))
    data = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    found = scan.scan(data)
    assert found is not None and found.row_span(2) is not None
    out, _ = patch.patch_sheet(data, "表", {(2, 1): "新"})
    assert canonical(out) == canonical(patch._patch_whole(data, "表", {(2, 1): "新"})[0])
    assert f'<row r="1"><c r="A1"><v>1</v></c>{close}'.encode() in out
    assert f'<row r="3"><c r="A3"><v>3</v></c>{close}'.encode() in out
