"""Real workbooks nobody here made, through every kind of write (``tests/corpus/``).

77 files from the test-data folders of Apache POI, calamine, ExcelJS, xlsx-populate and
XlsxWriter (made by Excel for Windows/Mac/Online, LibreOffice, WPS, Google Sheets; see
``tests/corpus/SOURCES.md``): charts and chart sheets, pivots, x14 conditional formats and
validations, pictures (in and over cells), form controls, ActiveX, comments and threaded
comments, tables, defined names, VBA, hidden tabs, shared formulas, Strict OOXML.

For each file, on a copy, in turn: ``validate``-like (a ``校验结果`` cell in the first
worksheet and a ``校验问题`` tab), ``report``-like (the tab replaced by a generated report with
numbers, a formula, a chart, merges and print titles), and the tab deleted. After each write:

* every part the write did not need to change is byte-identical, stored the same way;
* every changed part still holds every element it held (the multiset of elements with their
  attributes), except the few changes the writer makes on purpose;
* the workbook reads back (calamine) with every other tab as it was, cached formula results
  included, and the written text where it was written;
* after the delete, no part is left behind that the original did not have.

Strict OOXML files are refused with the file untouched. Headless LibreOffice opens every
result whose original it opens (one batched conversion, skipped without ``soffice``).
"""

from __future__ import annotations

import collections
import posixpath
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from sheets_sync.books.base import Chart, PrintSetup, TabContent, WriteBatch
from sheets_sync.books.excel import ExcelBook
from sheets_sync.books.xlsx.package import Edit, sheet_entries, workbook_part
from sheets_sync.errors import BookError
from sheets_sync.table import Grid, a1, trim

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".xlsm"))
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PROBLEMS, RESULT = "校验问题", "校验结果 sheets-sync"
PACKAGE = {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml",
           "xl/styles.xml"}
CALC = "calcChain"

Parts = dict[str, tuple[bytes, int]]


def parts(path: Path) -> Parts:
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.compress_type) for i in z.infolist()}


def first_worksheet(path: Path) -> tuple[str, str]:
    """(tab name, part) of the first worksheet."""
    with zipfile.ZipFile(path) as z:
        edit = Edit(z)
        entry = next(e for e in sheet_entries(edit, workbook_part(edit)) if e.kind == "worksheet")
        return entry.name, entry.part


def below_everything(sheet_xml: bytes, rows: int) -> int:
    """A row below every row, merge and formula of the sheet (a blank row, really)."""
    numbers = [int(n) for n in re.findall(rb'<(?:\w+:)?row [^>]*?\br="([0-9]+)"', sheet_xml)]
    numbers += [int(n) for n in re.findall(rb'<(?:\w+:)?mergeCell ref="[A-Z]+[0-9]+:[A-Z]+([0-9]+)"',
                                            sheet_xml)]
    return max([rows, *numbers]) + 2


def is_strict(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return any(b"purl.oclc.org/ooxml/spreadsheetml/main" in z.read(n)[:2000]
                   for n in z.namelist() if n.endswith("workbook.xml"))


def problems_tab() -> TabContent:
    return TabContent(
        rows=[["位置", "说明", "处理"], ["表!B2", "=HYPERLINK(\"http://x\",\"y\")", ""],
              ["表!C3", "0042", "是"]],
        note="由 sheets-sync 生成", choices={3: ["是", "否"]})


def report_tab() -> TabContent:
    rows = [["学校", "人数"], ["甲", "10"], ["乙", "20"], ["合计", ""], ["说明"]]
    return TabContent(
        rows=rows, numbers={(2, 2): "0", (3, 2): "0"}, formulas={(4, 2): "=SUM(B2:B3)"},
        bold_rows={4}, merges=[(5, 1, 5, 2)], print_setup=PrintSetup(repeat_rows=(1, 1)),
        charts=[Chart("人数", (1, 2, 3), ((2, 2, 3),), "D2")], protected=True)


def elements(data: bytes) -> collections.Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    root = etree.fromstring(data, etree.XMLParser(huge_tree=True, resolve_entities=False))
    return collections.Counter(
        (el.tag, tuple(sorted(el.attrib.items()))) for el in root.iter()
        if isinstance(el.tag, str))


# tags whose attributes the writer changes on purpose (counts, the used range, the view,
# recalculation, a row's optional spans hint and implicit r, cells written)
ALTERED = {"calcPr", "workbookView", "dimension", "row", "c", "fonts", "fills", "borders",
           "cellXfs", "numFmts", "sheets"}


def check_kept(before: Parts, after: Parts, allowed: set[str], written_cells: set[str],
               own: frozenset[str] = frozenset()) -> None:
    """Untouched parts identical; changed parts still hold every element they held.

    ``own``: parts of the tool's own tab (they may go, and what points to them).
    """
    own_names = {posixpath.basename(n) for n in own}
    for name, (data, method) in before.items():
        if (CALC in name or name in own) and name not in after:
            continue  # dropped on purpose: Excel rebuilds the calc chain
        assert name in after, f"{name} lost"
        if name not in allowed:
            assert after[name] == (data, method), f"{name} changed"
            continue
        if after[name][0] == data or not name.endswith((".xml", ".rels")) or name in own:
            continue  # (the tool's own tab is drawn anew)
        lost = elements(data) - elements(after[name][0])
        for (tag, attrs), _ in lost.items():
            local = etree.QName(tag).localname
            attr = dict(attrs)
            if local in ALTERED:
                if local == "c":
                    assert attr.get("r") in written_cells or "r" not in attr, (name, attrs)
                continue
            if local in ("Relationship", "Override") and CALC in str(attrs):
                continue
            if any(posixpath.basename(v) in own_names for v in attr.values()):
                continue  # pointed to a part of the tool's tab
            if local == "definedName" and PROBLEMS in (attr.get("name", "") + str(attrs)):
                continue
            if local in ("v", "is", "t") and name not in PACKAGE:
                continue  # the content of a written cell
            raise AssertionError(f"{name} lost <{local} {attr}>")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the test leaves each file after its grafting write (for LibreOffice)."""
    return tmp_path_factory.mktemp("grafted")


@pytest.mark.parametrize("original", FILES, ids=[p.name for p in FILES])
def test_every_write_keeps_what_it_did_not_mean_to_change(
        original: Path, tmp_path: Path, results: Path) -> None:
    path = tmp_path / original.name
    shutil.copy(original, path)
    book = ExcelBook(path, backup_dir=tmp_path / "bak")
    before_tabs = book.read()
    before = parts(path)
    if is_strict(path):
        assert not book.writable
        validate = WriteBatch()
        validate.replace_tab(PROBLEMS, problems_tab())
        with pytest.raises(BookError, match="Strict Open XML"):
            book.apply(validate)
        assert parts(path) == before
        return
    assert book.writable
    tab, sheet_part = first_worksheet(path)
    grid = before_tabs[tab]
    row, col = below_everything(before[sheet_part][0], len(grid.rows)), 1
    if row > 1_048_576:  # formatted to the last row: the last column is free
        row, col = len(grid.rows) + 2, 16_384
    written = a1(row, col)

    # validate: a result cell in the user's tab and a problems tab
    validate = WriteBatch()
    validate.set_cell(tab, row, col, RESULT)
    validate.replace_tab(PROBLEMS, problems_tab())
    book.apply(validate)
    after = parts(path)
    check_kept(before, after, PACKAGE | {sheet_part}, {written})
    tabs = book.read()
    assert list(tabs) == [*before_tabs, PROBLEMS]
    assert tabs[tab].cell(row, col) == RESULT
    assert tabs[tab].rows[:len(grid.rows)] == grid.rows
    for other, g in before_tabs.items():
        if other != tab:
            assert tabs[other] == g, f"{other} changed"
    assert tabs[PROBLEMS] == Grid(trim(problems_tab().rows))
    shutil.copy(path, results / original.name)

    # report: the tool's tab replaced by a generated one
    report = WriteBatch()
    report.replace_tab(PROBLEMS, report_tab())
    book.apply(report)
    replaced = parts(path)
    own = frozenset(n for n in after if n not in before)
    check_kept(after, replaced, PACKAGE | own | {sheet_part}, set(), own)
    check_kept(before, replaced, PACKAGE | {sheet_part}, {written})
    tabs = book.read()
    assert list(tabs) == [*before_tabs, PROBLEMS]
    assert tabs[PROBLEMS].rows[:3] == [["学校", "人数"], ["甲", "10"], ["乙", "20"]]

    # and deleted: the package is the original again, but for the written cell
    gone = WriteBatch()
    gone.delete_tab(PROBLEMS)
    book.apply(gone)
    final = parts(path)
    # nothing left behind (but a style table, when the original had none)
    assert set(final) - set(before) <= {"xl/styles.xml"}, "parts left behind"
    check_kept(before, final, PACKAGE | {sheet_part}, {written})
    tabs = book.read()
    assert list(tabs) == list(before_tabs)
    for other, g in before_tabs.items():
        if other != tab:
            assert tabs[other] == g
    assert tabs[tab].rows[:len(grid.rows)] == grid.rows and tabs[tab].cell(row, col) == RESULT


def libreoffice_converts(files: list[Path], out: Path, profile: Path) -> set[str]:
    """The stems of ``files`` headless LibreOffice converted to CSV (it opened them)."""
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "csv", "--outdir", str(out), *map(str, files)],
        capture_output=True, timeout=600, check=False)
    return {p.stem for p in out.glob("*.csv")}


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_every_result_whose_original_it_opens(
        results: Path, tmp_path: Path) -> None:
    grafted = sorted(results.glob("*.xls[xm]"))
    if len(grafted) < len(FILES) - 10:
        pytest.skip("run with the corpus write test (it leaves the results)")
    originals = [CORPUS / p.name for p in grafted]
    profile = tmp_path / "profile"
    opened = libreoffice_converts(originals, tmp_path / "before", profile)
    assert len(opened) >= len(originals) * 0.9
    reopened = libreoffice_converts(grafted, tmp_path / "after", profile)
    assert opened - reopened == set()
