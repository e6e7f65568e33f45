"""Write text cells into an existing ``.xlsx``/``.xlsm`` by patching its worksheet XML.

:func:`write_cells` applies a batch that only sets cells of existing tabs to an
:class:`~sheets_sync.books.excel.ExcelBook` through the book's own lock check, backup
and atomic save, without loading the workbook into openpyxl. Each target cell becomes
an inline string (``t="inlineStr"``, text escaped as ``excel._stored`` does) and keeps
its style; missing rows and cells are created in order and ``<dimension>`` grows.
``xl/workbook.xml`` asks for a recalculation on open (formulas that use the written
cells hold stale results). When a formula cell becomes text, ``xl/calcChain.xml`` is
left out (Excel rebuilds it). Every other part is copied with the same content and
compression method, so cached formula results, charts, images and VBA stay as they were.

What it does not handle is left to openpyxl (:func:`write_cells` returns ``False``,
:func:`prepare_patch` ``None``): the master cell of a shared, array or data-table
formula, rows or cells without ``r``, a tab that is not a worksheet, Strict OOXML, a
package it cannot parse.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from ..errors import BookError, TabNotFound
from ..table import a1
from .base import WriteBatch
from .excel import WRITABLE, ExcelBook, _atomic_save, _stored

__all__ = ["Patch", "prepare_patch", "write_cells"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

_C, _F, _V, _IS, _T = (f"{{{MAIN}}}{n}" for n in ("c", "f", "v", "is", "t"))
_ROW, _EXT = f"{{{MAIN}}}row", f"{{{MAIN}}}extLst"
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")
# elements that follow <calcPr> in <workbook> (CT_Workbook sequence)
_AFTER_CALC = frozenset(
    f"{{{MAIN}}}{n}"
    for n in (
        "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
        "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst",
    )
)


def _parse(data: bytes) -> etree._Element:
    """The root element of ``data`` (a parser per call: lxml parsers are not thread-safe)."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


class _CannotPatch(Exception):
    """The package holds something this writer leaves to openpyxl."""


@dataclass
class Patch:
    """New bytes for some parts of ``source``; :meth:`save` writes the whole package."""

    source: Path
    parts: dict[str, bytes] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)

    def save(self, target: Path) -> None:
        """Write ``source`` with the patched parts to ``target``, other parts unchanged."""
        with zipfile.ZipFile(self.source) as src, zipfile.ZipFile(target, "w") as dst:
            for info in src.infolist():
                if info.filename in self.drop:
                    continue
                data = self.parts.get(info.filename)
                dst.writestr(_entry(info), src.read(info) if data is None else data)


def _entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh ZipInfo like ``info`` (name, time, method, attributes), sizes unset."""
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.external_attr = info.external_attr
    new.internal_attr = info.internal_attr
    new.create_system = info.create_system
    return new


def write_cells(book: ExcelBook, batch: WriteBatch) -> bool:
    """Apply ``batch`` to ``book`` by patching; ``False`` (file untouched): use openpyxl.

    Only batches that set cells and nothing else are patched. Like ``ExcelBook.apply``:
    refuses an open workbook (before writing and again just before the replace), backs
    the file up before the book's first write, and replaces it atomically.
    """
    if batch.tabs or batch.delete_tabs or not batch:
        return False
    if book.path.suffix.lower() not in WRITABLE or not book.path.is_file():
        return False
    book._refuse_if_locked()
    patch = prepare_patch(book.path, batch.cells, book.name)
    if patch is None:
        return False
    book._backup_once()
    _atomic_save(patch.save, book.path, before_replace=book._refuse_if_locked)
    return True


def prepare_patch(
    path: Path, cells: Mapping[str, Mapping[tuple[int, int], str]], book: str
) -> Patch | None:
    """The patch that sets ``cells`` (tab -> (row, col) -> text), or ``None``: use openpyxl.

    Raises :class:`TabNotFound` for a missing tab and :class:`BookError` for a cell
    inside a merged range or text over Excel's limit, as the openpyxl writer does.
    """
    try:
        with zipfile.ZipFile(path) as z:
            return _prepare(z, path, cells, book)
    except (_CannotPatch, zipfile.BadZipFile, KeyError, ValueError, OSError, etree.LxmlError):
        return None


def _xml(z: zipfile.ZipFile, name: str) -> etree._Element:
    return _parse(z.read(name))


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(
        root.getroottree(), xml_declaration=True, encoding="UTF-8", standalone=True
    )


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _target(part: str, rel: etree._Element) -> str:
    target = rel.get("Target", "")
    if rel.get("TargetMode") == "External":
        return ""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _prepare(
    z: zipfile.ZipFile, path: Path, cells: Mapping[str, Mapping[tuple[int, int], str]], book: str
) -> Patch:
    names = set(z.namelist())
    root_rels = _xml(z, "_rels/.rels")
    office = [
        _target("", r) for r in root_rels.iter(f"{{{PKG_REL}}}Relationship")
        if r.get("Type") == f"{DOC_REL}/officeDocument"
    ]
    wb_part = office[0] if office else "xl/workbook.xml"
    workbook = _xml(z, wb_part)
    if workbook.tag != f"{{{MAIN}}}workbook":
        raise _CannotPatch("not a transitional SpreadsheetML workbook")
    wb_rels_part = _rels_name(wb_part)
    wb_rels = _xml(z, wb_rels_part)
    rels = {r.get("Id"): r for r in wb_rels.iter(f"{{{PKG_REL}}}Relationship")}
    tabs = {
        s.get("name"): s.get(f"{{{DOC_REL}}}id")
        for s in workbook.iter(f"{{{MAIN}}}sheet")
    }
    patch = Patch(path)
    had_formula = False
    for tab, targets in cells.items():
        if not targets:
            continue
        if tab not in tabs:
            raise TabNotFound(book, tab)
        rel = rels.get(tabs[tab])
        if rel is None or rel.get("Type") != f"{DOC_REL}/worksheet":
            raise _CannotPatch(f"{tab} is not a worksheet")
        part = _target(wb_part, rel)
        if part not in names:
            raise _CannotPatch(f"{part} missing")
        data, formula = _patch_sheet(z.read(part), tab, targets)
        patch.parts[part] = data
        had_formula = had_formula or formula
    if not patch.parts:
        raise _CannotPatch("nothing to write")
    if had_formula:
        _drop_calc_chain(z, patch, wb_part, wb_rels, wb_rels_part)
    calc = workbook.find(f"{{{MAIN}}}calcPr")
    if calc is None:
        calc = etree.Element(f"{{{MAIN}}}calcPr")
        later = [i for i, child in enumerate(workbook) if child.tag in _AFTER_CALC]
        workbook.insert(later[0] if later else len(workbook), calc)
    if calc.get("fullCalcOnLoad") not in ("1", "true"):
        calc.set("fullCalcOnLoad", "1")
        patch.parts[wb_part] = _bytes(workbook)
    return patch


def _drop_calc_chain(
    z: zipfile.ZipFile, patch: Patch, wb_part: str, wb_rels: etree._Element, wb_rels_part: str
) -> None:
    """Leave out the calculation chain, its relationship and its content type."""
    chains = [
        r for r in wb_rels.findall(f"{{{PKG_REL}}}Relationship")
        if r.get("Type") == f"{DOC_REL}/calcChain"
    ]
    if not chains:
        return
    types = _xml(z, "[Content_Types].xml")
    for rel in chains:
        part = _target(wb_part, rel)
        patch.drop.add(part)
        wb_rels.remove(rel)
        for override in types.findall(f"{{{CONTENT_TYPES}}}Override"):
            if override.get("PartName", "").lstrip("/") == part:
                types.remove(override)
    patch.parts["[Content_Types].xml"] = _bytes(types)
    patch.parts[wb_rels_part] = _bytes(wb_rels)


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _ref(ref: str | None) -> tuple[int, int]:
    """``"B12"`` -> (12, 2); anything else is a package this writer leaves alone."""
    m = _REF.match(ref or "")
    if m is None:
        raise _CannotPatch(f"cell reference {ref!r}")
    return int(m.group(2)), _col_number(m.group(1))


def _area(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = _ref(first)
    r2, c2 = _ref(last or first)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _patch_sheet(
    data: bytes, tab: str, targets: Mapping[tuple[int, int], str]
) -> tuple[bytes, bool]:
    """The worksheet XML with ``targets`` set; and whether a formula cell was overwritten."""
    root = _parse(data)
    sheet_data = root.find(f"{{{MAIN}}}sheetData")
    if root.tag != f"{{{MAIN}}}worksheet" or sheet_data is None:
        raise _CannotPatch("not a transitional worksheet")
    merged = [_area(m.get("ref", "")) for m in root.iter(f"{{{MAIN}}}mergeCell")]
    rows = _Rows(sheet_data, root)
    had_formula = False
    written: list[tuple[int, int]] = []
    for (r, c), text in targets.items():
        for r1, c1, r2, c2 in merged:
            if r1 <= r <= r2 and c1 <= c <= c2 and (r, c) != (r1, c1):
                raise BookError(
                    f"工作表“{tab}”的单元格 {a1(r, c)} 位于合并单元格内(不是合并区域左上角),"
                    "无法写入。请取消合并,或把内容放到合并区域的左上角单元格。"
                )
        stored = _stored(text, tab, r, c) if text else ""
        cell = rows.cell(r, c, create=bool(text))
        if cell is None:
            continue
        formula = cell.find(_F)
        if formula is not None:
            if formula.get("ref") is not None or formula.get("t") in ("array", "dataTable"):
                raise _CannotPatch(f"{a1(r, c)} holds a multi-cell formula")
            had_formula = True
        for child in cell.findall(_F) + cell.findall(_V) + cell.findall(_IS):
            cell.remove(child)
        for attr in ("t", "cm", "vm"):
            cell.attrib.pop(attr, None)
        if stored:
            cell.set("t", "inlineStr")
            inline = etree.Element(_IS)
            t = etree.SubElement(inline, _T)
            t.set(XML_SPACE, "preserve")
            t.text = stored
            ext = cell.find(_EXT)
            if ext is None:
                cell.append(inline)
            else:
                ext.addprevious(inline)
            written.append((r, c))
    _grow_dimension(root, written)
    return _bytes(root), had_formula


class _Rows:
    """The ``<row>`` elements of a sheet by number, creating rows and cells in order."""

    def __init__(self, sheet_data: etree._Element, root: etree._Element) -> None:
        self.sheet_data = sheet_data
        self.by_number: dict[int, etree._Element] = {}
        self.numbers: list[int] = []
        for row in sheet_data.iterchildren(_ROW):
            r = row.get("r")
            if r is None or not r.isdigit():
                raise _CannotPatch("row without r")
            self.by_number[int(r)] = row
            self.numbers.append(int(r))
        if self.numbers != sorted(set(self.numbers)):
            raise _CannotPatch("rows out of order")
        self.col_styles: list[tuple[int, int, str]] = [
            (int(col.get("min", "0")), int(col.get("max", "0")), col.get("style", "0"))
            for col in root.iter(f"{{{MAIN}}}col")
        ]

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
            rr, cc = _ref(cell.get("r"))
            if rr != r:
                raise _CannotPatch(f"cell {cell.get('r')} in row {r}")
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
    except _CannotPatch:
        return
    rows = [r for r, _ in written]
    cols = [c for _, c in written]
    new = (min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
    if new != (r1, c1, r2, c2):
        top, bottom = a1(new[0], new[1]), a1(new[2], new[3])
        dimension.set("ref", top if top == bottom else f"{top}:{bottom}")
