"""New workbooks: the one module that creates ``.xlsx`` files from the tool's data.

* :func:`write_tabs` — generated tabs (rosters for a school's teachers …), drawn by
  XlsxWriter through :mod:`.render`: text cells whatever their first character, numbers with
  their formats, formulas only where a tab asks, merges, print setup, charts, dropdowns.
* :func:`write_workbook` — plain grids of text (the demo, CSV → xlsx, tests): the package
  written directly (shared strings, a bold frozen header, widths, whole columns formatted
  as Text): 100,000 rows in seconds.

Both refuse a tab name Excel cannot hold and a workbook open in Excel, and save atomically
(:mod:`.safety`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape as xml_escape

import xlsxwriter  # type: ignore[import-untyped]

from ...errors import BookError
from ...table import col_letter
from ..base import TabContent
from .graft import ask_recalc, without_formula_results
from .package import Edit, sheet_entries, workbook_part
from .patch import MAX_CELL_CHARS, escape, stored
from .render import Formats, estimate_widths, render_tab
from .safety import atomic_save, check_tab_name, refuse_if_locked

__all__ = ["write_tabs", "write_workbook"]


def write_tabs(path: Path | str, tabs: Mapping[str, TabContent]) -> None:
    """Create a new ``.xlsx`` at ``path`` holding ``tabs`` (tool-owned layout), atomically.

    For generated workbooks (a school's roster): drawn by XlsxWriter (:mod:`.xlsx.render`),
    so number formats, merges, print settings and charts are kept. An existing file is
    replaced, unless it is open in Excel or LibreOffice.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    refuse_if_locked(path)
    seen: set[str] = set()
    for name in tabs:
        check_tab_name(name, seen)

    def save(target: Path) -> None:
        wb = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
        formats = Formats(wb)
        for name, content in tabs.items():
            render_tab(wb.add_worksheet(name), name, content, formats)
        if not tabs:
            wb.add_worksheet("Sheet1")
        wb.set_calc_mode("auto")
        wb.close()
        _ask_full_calc(target)

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save(save, path)


def _ask_full_calc(target: Path) -> None:
    """Mark the new file for a full recalculation on open (its formulas have no results)."""
    with zipfile.ZipFile(target) as z:
        edit = Edit(z)
        wb_part = workbook_part(edit)
        ask_recalc(edit, wb_part)
        for entry in sheet_entries(edit, wb_part):
            if entry.kind == "worksheet":
                edit.put(entry.part, without_formula_results(edit.read(entry.part)))
        scratch = target.with_name(target.name + ".calc")
        edit.save(scratch)
    scratch.replace(target)


def write_workbook(
    path: Path | str,
    tabs: Mapping[str, list[list[str]]],
    *,
    text_columns: Mapping[str, Iterable[int]] | None = None,
) -> None:
    """Create a new ``.xlsx`` at ``path`` from grids of text, atomically.

    Every cell is a string cell; row 1 of each tab is a bold, frozen header; columns are
    sized to their content. ``text_columns`` maps a tab to 1-based columns formatted as
    Text (``@``), the whole column, so that what staff type there later (ID and phone
    numbers) stays text. An existing file at ``path`` is replaced, unless it is open in
    Excel or LibreOffice. The package is written directly (shared strings, as Excel
    does), not through openpyxl: 100,000 rows take seconds, not minutes.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    refuse_if_locked(path)
    tabs = tabs or {"Sheet1": []}
    seen: set[str] = set()
    for name in tabs:
        check_tab_name(name, seen)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save(lambda tmp: _write_package(tmp, tabs, text_columns or {}), path)


_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_STYLES = (
    f"{_HEAD}<styleSheet {_NS}>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_HEADER_STYLE, _TEXT_STYLE, _COL_TEXT_STYLE = ' s="1"', ' s="2"', ' style="2"'


def _xml_text(text: str) -> str:
    return xml_escape(escape(text))


def _write_package(
    path: Path, tabs: Mapping[str, list[list[str]]], text_columns: Mapping[str, Iterable[int]]
) -> None:
    strings: dict[str, int] = {}
    names = list(tabs)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
        for n, name in enumerate(names, start=1):
            with z.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as fh:
                _write_sheet(fh, tabs[name], name, set(text_columns.get(name, ())), strings, n)
        z.writestr("xl/sharedStrings.xml", _shared_strings(strings))
        z.writestr("xl/styles.xml", _STYLES)
        sheets = "".join(
            f'<sheet name="{xml_escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook {_NS}><bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(names) + 1)
        )
        k = len(names)
        rels += f'<Relationship Id="rId{k + 1}" Type="{_REL}styles" Target="styles.xml"/>'
        rels += f'<Relationship Id="rId{k + 2}" Type="{_REL}sharedStrings" '
        rels += 'Target="sharedStrings.xml"/>'
        pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{pkg}">{rels}</Relationships>',
        )
        z.writestr(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{_REL}officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_CT}worksheet+xml"/>'
            for n in range(1, len(names) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}sharedStrings+xml"/>'
            f"{overrides}</Types>",
        )


def _shared_strings(strings: dict[str, int]) -> str:
    items = "".join(f'<si><t xml:space="preserve">{_xml_text(s)}</t></si>' for s in strings)
    return f'{_HEAD}<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def _write_sheet(
    fh: IO[bytes],
    rows: list[list[str]],
    name: str,
    text_cols: set[int],
    strings: dict[str, int],
    number: int,
) -> None:
    width = max((len(r) for r in rows), default=0)
    letters = [col_letter(j) for j in range(1, width + 1)]
    widths = estimate_widths(rows)
    selected = ' tabSelected="1"' if number == 1 else ""
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        if rows
        else ""
    )
    cols = "".join(
        f'<col min="{j}" max="{j}" width="{widths.get(j, 9.0):g}" customWidth="1"'
        f"{_COL_TEXT_STYLE if j in text_cols else ''}/>"
        for j in sorted(set(widths) | text_cols)
    )
    dimension = f"A1:{letters[-1]}{len(rows)}" if width and rows else "A1"
    fh.write(
        f'{_HEAD}<worksheet {_NS}><dimension ref="{dimension}"/><sheetViews>'
        f'<sheetView workbookViewId="0"{selected}>{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}'
        "<sheetData>".encode()
    )
    styles = [_TEXT_STYLE if j in text_cols else "" for j in range(1, width + 1)]
    chunk: list[str] = []
    for i, row in enumerate(rows, start=1):
        cells = []
        for j, text in enumerate(row):
            if not text:
                continue
            index = strings.get(text)
            if index is None:
                if len(text) > MAX_CELL_CHARS:
                    stored(text, name, i, j + 1)  # raises, naming the cell
                index = strings[text] = len(strings)
            style = _HEADER_STYLE if i == 1 else styles[j]
            cells.append(f'<c r="{letters[j]}{i}"{style} t="s"><v>{index}</v></c>')
        if cells:
            chunk.append(f'<row r="{i}">{"".join(cells)}</row>')
        if len(chunk) >= 1000:
            fh.write("".join(chunk).encode())
            chunk.clear()
    fh.write("".join(chunk).encode())
    fh.write(
        b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        b'header="0.3" footer="0.3"/></worksheet>'
    )
