"""Set text cells of existing worksheets by editing their sheet XML in place.

Each target cell becomes an inline string (``t="inlineStr"``, text escaped in Excel's
``_xHHHH_`` form by :func:`stored`) and keeps its style; missing rows and cells are created
in order (a new cell takes its row's style, else its column's) and ``<dimension>`` grows.
Nothing else in the sheet changes: other cells keep their cached formula results.

A write costs what it touches: the rows written are found in the sheet's bytes by a scan
(:mod:`.scan`), parsed with the sheet's head and tail (columns, merges), and spliced back;
every other row is copied byte for byte. A sheet the scan cannot be sure of (see
:func:`.scan.scan`), or a shared formula's master written, is parsed whole, with the same
result. Only the rows written are checked for cells outside their row.

* The master cell of a shared formula can be written: the formula moves to the next cell
  of its group, translated to that cell (``A1*2`` at B1 becomes ``A2*2`` at B2).
* Rows and cells without ``r`` (allowed by the format) get their implicit numbers.
* Refused, with a Chinese line: a cell past Excel's grid (row 1,048,576, column XFD), a cell
  inside a merged range other than its top-left, a cell inside a multi-cell array formula
  or data table, text over 32,767 characters, a tab that is a chart sheet, a missing tab.

:func:`patch_cells` reports whether a formula cell was overwritten: the caller then drops
``calcChain.xml`` (Excel rebuilds it) and asks for a recalculation on open.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from ...errors import BookError, TabNotFound
from ...table import a1
from .package import MAIN, Edit, parse_xml, sheet_entries, to_bytes
from .scan import SheetScan, scan, splice

__all__ = ["MAX_CELL_CHARS", "MAX_COLS", "MAX_ROWS", "escape", "patch_cells", "stored"]

MAX_CELL_CHARS = 32767  # Excel's limit for one cell
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

_C, _F, _V, _IS, _T = (f"{{{MAIN}}}{n}" for n in ("c", "f", "v", "is", "t"))
_ROW, _EXT = f"{{{MAIN}}}row", f"{{{MAIN}}}extLst"
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")

# Characters XML 1.0 cannot hold (plus \r, which XML turns into \n), and literal _xHHHH_
# sequences that Excel would otherwise decode: both go out as _xHHHH_ escapes.
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def escape(text: str) -> str:
    """``text`` in Excel's ``_xHHHH_`` escape where XML cannot hold it as is."""

    def sub(m: re.Match[str]) -> str:
        s = m.group()
        return "_x005F" + s if len(s) == 7 else f"_x{ord(s):04X}_"

    return _NEEDS_ESCAPE.sub(sub, text)


def check_cell(tab: str, row: int, col: int) -> None:
    """Refuse a cell outside Excel's grid."""
    if not (1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
        where = f"第 {row} 行第 {col} 列"
        raise BookError(
            f"工作表“{tab}”的{where}超出了 Excel 的范围(最多 {MAX_ROWS:,} 行、{MAX_COLS:,} 列,"
            "即 XFD1048576),无法写入。请检查要写入的位置。"
        )


def stored(text: str, tab: str, row: int, col: int) -> str:
    """``text`` as stored in the XML (escaped); refuses what Excel cannot hold."""
    if len(text) > MAX_CELL_CHARS:
        raise BookError(
            f"工作表“{tab}”的单元格 {a1(row, col)} 的内容有 {len(text)} 个字符,"
            f"超过了 Excel 单个单元格的上限 {MAX_CELL_CHARS} 个字符。请缩短内容后重新运行。"
        )
    return escape(text)


class _Unsupported(BookError):
    pass


def patch_cells(
    edit: Edit, wb_part: str, cells: Mapping[str, Mapping[tuple[int, int], str]], book: str
) -> bool:
    """Set ``cells`` (tab -> (row, col) -> text) in ``edit``; whether a formula was replaced."""
    entries = {e.name: e for e in sheet_entries(edit, wb_part)}
    folded = {n.casefold(): e for n, e in entries.items()}
    had_formula = False
    for tab, targets in cells.items():
        if not targets:
            continue
        entry = entries.get(tab) or folded.get(tab.casefold())
        if entry is None:
            raise TabNotFound(book, tab)
        for r, c in targets:
            check_cell(tab, r, c)
        if entry.kind != "worksheet" or not edit.exists(entry.part):
            raise BookError(
                f"工作簿 {book} 的“{tab}”不是普通工作表(例如图表工作表),无法写入单元格。"
                "请检查工作表名称。"
            )
        try:
            data, formula = patch_sheet(edit.read(entry.part), tab, targets)
        except _Unsupported as err:
            raise BookError(
                f"工作簿 {book} 的工作表“{tab}”内容无法识别({err}),无法写入单元格。"
                "原文件没有改动。请在 Excel 中打开后另存为一次再试。"
            ) from err
        edit.put(entry.part, data)
        had_formula = had_formula or formula
    return had_formula


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _ref(ref: str | None) -> tuple[int, int]:
    """``"B12"`` -> (12, 2)."""
    m = _REF.match(ref or "")
    if m is None:
        raise _Unsupported(f"无法识别的单元格地址“{ref}”")
    return int(m.group(2)), _col_number(m.group(1))


def _area(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = _ref(first)
    r2, c2 = _ref(last or first)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _inside(area: tuple[int, int, int, int], r: int, c: int) -> bool:
    r1, c1, r2, c2 = area
    return r1 <= r <= r2 and c1 <= c <= c2


def patch_sheet(
    data: bytes, tab: str, targets: Mapping[tuple[int, int], str]
) -> tuple[bytes, bool]:
    """The worksheet XML with ``targets`` set; and whether a formula cell was overwritten.

    Only the rows written are parsed and re-serialised (found in the bytes by
    :func:`.scan.scan`); every other byte of the sheet is copied as it was. A sheet the scan
    cannot be sure of, or the master cell of a shared formula written (its group may reach
    any row), is parsed whole instead, with the same result.
    """
    found = scan(data)
    if found is not None:
        try:
            return _patch_rows(found, tab, targets)
        except _Whole:
            pass
    return _patch_whole(data, tab, targets)


def _patch_whole(
    data: bytes, tab: str, targets: Mapping[tuple[int, int], str]
) -> tuple[bytes, bool]:
    """:func:`patch_sheet` by parsing and re-serialising the whole sheet."""
    root = parse_xml(data)
    had_formula, _ = _set_cells(root, tab, targets, None)
    return to_bytes(root), had_formula


class _Whole(Exception):
    """The rows alone cannot be patched: parse the whole sheet."""


_DIMENSION = re.compile(rb"<dimension(?=[\s/>])[^>]*?(?<=\s)ref\s*=\s*[\"']([^\"']*)[\"']")
_ROW_START = re.compile(rb"(?=<row[\s/>])")


def _patch_rows(
    found: SheetScan, tab: str, targets: Mapping[tuple[int, int], str]
) -> tuple[bytes, bool]:
    """Patch the rows of ``targets`` alone: parsed with the sheet's head and tail, spliced
    back into the bytes."""
    data, numbers = found.data, found.numbers
    blocks = [a for a in map(_area, filter(None, found.blocks)) if a[:2] != a[2:]]
    spans: dict[int, tuple[int, int]] = {}
    for r in sorted({r for r, _ in targets}):
        i = bisect_left(numbers, r)
        if i < len(numbers) and numbers[i] == r:
            span = found.row_span(r)
            if span is None:
                raise _Whole
            spans[r] = span
    rows_xml = b"".join(data[a:b] for a, b in spans.values())
    try:
        root = parse_xml(data[:found.body_start] + rows_xml + data[found.body_end:])
    except etree.XMLSyntaxError as err:
        raise _Whole from err
    sheet_data = root.find(f"{{{MAIN}}}sheetData")
    if sheet_data is None or len(sheet_data) != len(spans):  # one row per span, nothing else
        raise _Whole
    dimension = root.find(f"{{{MAIN}}}dimension")
    before = None if dimension is None else dimension.get("ref")
    had_formula, rows = _set_cells(root, tab, targets, blocks)
    if not rows.changed:
        return data, had_formula
    content = etree.tostring(rows.sheet_data, encoding="utf-8", with_tail=False)
    content = content[content.index(b">") + 1:content.rindex(b"</")]
    pieces = [p for p in _ROW_START.split(content) if p]
    if len(pieces) != len(rows.numbers):
        raise _Whole
    edits: list[tuple[int, int, int, bytes]] = []  # sorted: an insertion first
    for number, piece in zip(rows.numbers, pieces, strict=True):
        if number not in rows.changed:
            continue
        if number in spans:
            edits.append((*spans[number], number, piece))
            continue
        i = bisect_left(numbers, number)
        at = found.body_end if i == len(numbers) else found.row_start(numbers[i])
        if at is None:
            raise _Whole
        edits.append((at, at, number, piece))  # a new row, before the next one
    after = None if dimension is None else dimension.get("ref")
    if after != before:
        m = _DIMENSION.search(data, 0, found.body_start)
        if m is None or after is None:
            raise _Whole
        edits.append((m.start(1), m.end(1), 0, after.encode("ascii")))
    edits.sort()
    return splice(data, [(a, b, new) for a, b, _, new in edits]), had_formula


def _set_cells(
    root: etree._Element,
    tab: str,
    targets: Mapping[tuple[int, int], str],
    blocks: list[tuple[int, int, int, int]] | None,
) -> tuple[bool, _Rows]:
    """Set ``targets`` in the tree; whether a formula was replaced, and the rows.

    ``blocks`` (the multi-cell formula areas of the whole sheet) given means the tree holds
    only some rows: a shared formula's master written then raises :class:`_Whole`.
    """
    sheet_data = root.find(f"{{{MAIN}}}sheetData")
    if root.tag != f"{{{MAIN}}}worksheet" or sheet_data is None:
        raise BookError(f"工作表“{tab}”的内容无法识别(不是普通工作表),无法写入单元格。")
    merged = [_area(m.get("ref", "")) for m in root.iter(f"{{{MAIN}}}mergeCell")]
    rows = _Rows(sheet_data, root)
    whole = blocks is None
    if blocks is None:
        blocks = rows.multi_cell_formulas()
    had_formula = False
    written: list[tuple[int, int]] = []
    for (r, c), text in sorted(targets.items()):
        for area in merged:
            if _inside(area, r, c) and (r, c) != area[:2]:
                raise BookError(
                    f"工作表“{tab}”的单元格 {a1(r, c)} 位于合并单元格内(不是合并区域左上角),"
                    "无法写入。请取消合并,或把内容放到合并区域的左上角单元格。"
                )
        for area in blocks:
            if _inside(area, r, c):
                raise BookError(
                    f"工作表“{tab}”的单元格 {a1(r, c)} 位于数组公式或模拟运算表的区域内,"
                    "无法单独写入。请在 Excel 中先删除该数组公式,再重新运行。"
                )
        value = stored(text, tab, r, c) if text else ""
        cell = rows.cell(r, c, create=bool(text))
        if cell is None:
            continue
        rows.changed.add(r)
        formula = cell.find(_F)
        if formula is not None:
            if formula.get("t") == "shared" and formula.get("ref") is not None:
                if not whole:
                    raise _Whole
                rows.hand_on_shared(cell, formula)
            had_formula = True
        for child in cell.findall(_F) + cell.findall(_V) + cell.findall(_IS):
            cell.remove(child)
        for attr in ("t", "cm", "vm"):
            cell.attrib.pop(attr, None)
        if value:
            cell.set("t", "inlineStr")
            inline = etree.Element(_IS)
            t = etree.SubElement(inline, _T)
            t.set(XML_SPACE, "preserve")
            t.text = value
            ext = cell.find(_EXT)
            if ext is None:
                cell.append(inline)
            else:
                ext.addprevious(inline)
            written.append((r, c))
    _grow_dimension(root, written)
    return had_formula, rows


class _Rows:
    """The ``<row>`` elements of a sheet by number, creating rows and cells in order."""

    def __init__(self, sheet_data: etree._Element, root: etree._Element) -> None:
        self.sheet_data = sheet_data
        self.by_number: dict[int, etree._Element] = {}
        self.numbers: list[int] = []
        self.changed: set[int] = set()  # the rows a cell was set or cleared in
        last = 0
        for row in sheet_data.iterchildren(_ROW):
            r = row.get("r")
            if r is None:  # implicit: the row after the previous one
                number = last + 1
                row.set("r", str(number))
            elif r.isdigit():
                number = int(r)
            else:
                raise _Unsupported(f"无法识别的行号“{r}”")
            if number <= last:
                raise _Unsupported("工作表的行顺序异常")
            self._number_cells(row, number)
            self.by_number[number] = row
            self.numbers.append(number)
            last = number
        self.col_styles: list[tuple[int, int, str]] = [
            (int(col.get("min", "0")), int(col.get("max", "0")), col.get("style", "0"))
            for col in root.iter(f"{{{MAIN}}}col")
        ]

    @staticmethod
    def _number_cells(row: etree._Element, number: int) -> None:
        col = 0
        for cell in row.iterchildren(_C):
            ref = cell.get("r")
            if ref is None:
                col += 1
                cell.set("r", a1(number, col))
            else:
                rr, col = _ref(ref)
                if rr != number:
                    raise _Unsupported(f"单元格 {ref} 不在第 {number} 行")

    def multi_cell_formulas(self) -> list[tuple[int, int, int, int]]:
        """The areas of array formulas and data tables spanning more than one cell."""
        out = []
        for row in self.by_number.values():
            for cell in row.iterchildren(_C):
                f = cell.find(_F)
                if f is not None and f.get("t") in ("array", "dataTable") and f.get("ref"):
                    area = _area(f.get("ref", ""))
                    if area[:2] != area[2:]:
                        out.append(area)
        return out

    def hand_on_shared(self, master: etree._Element, formula: etree._Element) -> None:
        """Move a shared formula's master to the next cell of its group, translated."""
        si = formula.get("si")
        area = _area(formula.get("ref", ""))
        origin = master.get("r", "")
        group = [
            cell for number in self.numbers if area[0] <= number <= area[2]
            for cell in self.by_number[number].iterchildren(_C)
            if cell is not master and (f := cell.find(_F)) is not None
            and f.get("t") == "shared" and f.get("si") == si
        ]
        if not group:  # no other cell uses it: nothing to hand on
            return
        heir = group[0]
        from openpyxl.formula.translate import Translator, TranslatorError  # rare: imported here

        try:
            text = Translator("=" + (formula.text or ""), origin=origin).translate_formula(
                heir.get("r", ""))
        except TranslatorError as err:
            raise _Unsupported("共享公式无法移动") from err
        f = heir.find(_F)
        f.text = text[1:]
        refs = [_ref(cell.get("r")) for cell in group]
        top = a1(min(r for r, _ in refs), min(c for _, c in refs))
        bottom = a1(max(r for r, _ in refs), max(c for _, c in refs))
        f.set("ref", top if top == bottom else f"{top}:{bottom}")

    def cell(self, r: int, c: int, *, create: bool) -> etree._Element | None:
        row = self.by_number.get(r)
        if row is None:
            if not create:
                return None
            row = etree.Element(_ROW, r=str(r))
            i = bisect_left(self.numbers, r)
            if i < len(self.numbers):
                self.by_number[self.numbers[i]].addprevious(row)
            else:
                self.sheet_data.append(row)
            self.numbers.insert(i, r)
            self.by_number[r] = row
        after: etree._Element | None = None
        for cell in row.iterchildren(_C):
            _, cc = _ref(cell.get("r"))
            if cc == c:
                return cell
            if cc > c:
                after = cell
                break
        if not create:
            return None
        new = etree.Element(_C, r=a1(r, c))
        style = self._style(row, c)
        if style not in ("", "0"):
            new.set("s", style)
        if after is not None:
            after.addprevious(new)
        else:
            cells = list(row.iterchildren(_C))
            if cells:
                cells[-1].addnext(new)
            else:
                row.insert(0, new)
        row.attrib.pop("spans", None)  # an optional hint, now possibly too narrow
        return new

    def _style(self, row: etree._Element, c: int) -> str:
        """The style Excel gives a new cell: the row's, else its column's."""
        if row.get("customFormat") in ("1", "true"):
            return row.get("s", "")
        for lo, hi, style in self.col_styles:
            if lo <= c <= hi:
                return style
        return ""


def _grow_dimension(root: etree._Element, written: list[tuple[int, int]]) -> None:
    dimension = root.find(f"{{{MAIN}}}dimension")
    if dimension is None or not written:
        return
    try:
        r1, c1, r2, c2 = _area(dimension.get("ref", ""))
    except _Unsupported:
        return
    rows = [r for r, _ in written]
    cols = [c for _, c in written]
    new = (min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
    if new != (r1, c1, r2, c2):
        top, bottom = a1(new[0], new[1]), a1(new[2], new[3])
        dimension.set("ref", top if top == bottom else f"{top}:{bottom}")
