"""Add, replace or delete a tab of an existing workbook by package surgery.

A generated tab is drawn by XlsxWriter (:mod:`.render`) into a one-tab scratch workbook,
then grafted into the target package:

* the scratch sheet XML becomes the tab's own ``xl/worksheets/sheetN.xml``: its cell styles
  renumbered into the target's style table, its shared strings turned into inline strings
  (the target's ``sharedStrings.xml`` is not touched), ``tabSelected`` removed;
* its own parts (drawing, charts, comments, VML) get unused names in the target, with their
  relationships and content types;
* ``xl/styles.xml`` gets what the tab needs *appended* (a bold font derived from the
  workbook's own default font, the header fill, number formats, cell formats), reusing
  identical entries, so rewriting a tab each run does not grow it;
* ``xl/workbook.xml`` gets the ``<sheet>`` (a replaced tab keeps its place, ``sheetId``,
  ``r:id`` and visibility, and its tab colour) and its print titles/area as names local
  to it.

Deleting a tab removes its ``<sheet>``, its relationship, every part only it used (found by
walking the package's relationships), its content types and the names local to it, and
renumbers the later tabs' local names, ``activeTab`` and ``firstSheet``. Replacing or
deleting a tab drops ``calcChain.xml`` (Excel rebuilds it). Every other part stays as it was.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import xlsxwriter  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from ...errors import BookError
from ..base import TabContent
from .package import (
    CT,
    DOC_REL,
    MAIN,
    PKG_REL,
    Edit,
    SheetEntry,
    parse_xml,
    rels_name,
    resolve_target,
    sheet_entries,
)
from .render import Formats, render_tab

__all__ = ["Scratch", "ask_recalc", "delete_tab", "drop_calc_chain", "graft_tab",
           "render_scratch", "without_formula_results"]

WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_N = f"{{{MAIN}}}"
_R_ID = f"{{{DOC_REL}}}id"

# CT_Workbook and CT_Stylesheet child order, for inserting a missing element
_WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection",
                   "bookViews", "sheets", "functionGroups", "externalReferences",
                   "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
                   "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr",
                   "webPublishObjects", "extLst")
_STYLES_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                 "cellStyles", "dxfs", "tableStyles", "colors", "extLst")


def child(root: etree._Element, name: str, order: tuple[str, ...]) -> etree._Element:
    """``root``'s child ``name`` (main namespace), created in schema order if missing."""
    found = root.find(_N + name)
    if found is not None:
        return found
    new = etree.Element(_N + name)
    later = set(order[order.index(name) + 1:])
    for i, existing in enumerate(root):
        if isinstance(existing.tag, str) and etree.QName(existing).localname in later:
            root.insert(i, new)
            return new
    root.append(new)
    return new


# -- the scratch workbook -------------------------------------------------------------------


@dataclass
class Scratch:
    """A tab rendered by XlsxWriter: its package's parts, read once."""

    files: dict[str, bytes]

    @property
    def types(self) -> etree._Element:
        return parse_xml(self.files["[Content_Types].xml"])

    def content_type(self, part: str) -> tuple[str, bool]:
        """(content type, whether it is a Default by extension)."""
        types = self.types
        for o in types.findall(f"{{{CT}}}Override"):
            if o.get("PartName", "").lstrip("/") == part:
                return o.get("ContentType", ""), False
        ext = part.rpartition(".")[2]
        for d in types.findall(f"{{{CT}}}Default"):
            if d.get("Extension") == ext:
                return d.get("ContentType", ""), True
        return "", True

    def rels(self, part: str) -> list[tuple[etree._Element, str]]:
        data = self.files.get(rels_name(part))
        if data is None:
            return []
        root = parse_xml(data)
        return [(r, resolve_target(part, r)) for r in root]


def render_scratch(name: str, content: TabContent) -> Scratch:
    """``content`` drawn by XlsxWriter into a one-tab workbook called ``name``."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False,
                                   "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(name)
    render_tab(ws, name, content, Formats(wb))
    wb.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        return Scratch({n: z.read(n) for n in z.namelist()})


# -- styles ------------------------------------------------------------------------------------


def _canon(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True, with_comments=False)


class _StyleMerger:
    """Appends the scratch workbook's cell formats to the target's style table."""

    def __init__(self, edit: Edit, wb_part: str, scratch: Scratch) -> None:
        self.edit = edit
        self.scratch = parse_xml(scratch.files["xl/styles.xml"])
        self.part = self._styles_part(edit, wb_part, scratch)
        self.target = edit.tree(self.part)
        self.changed = False

    @staticmethod
    def _styles_part(edit: Edit, wb_part: str, scratch: Scratch) -> str:
        for rel, target in edit.targets(wb_part):
            if rel.get("Type") == f"{DOC_REL}/styles" and edit.exists(target):
                return target
        part = posixpath.join(posixpath.dirname(wb_part), "styles.xml")
        if edit.exists(part):
            part = edit.unused(posixpath.join(posixpath.dirname(wb_part), "styles{}.xml"))
        base = parse_xml(scratch.files["xl/styles.xml"])
        for name in ("numFmts", "cellXfs", "dxfs"):  # keep the defaults only
            el = base.find(_N + name)
            if el is not None:
                for extra in list(el)[1 if name == "cellXfs" else 0:]:
                    el.remove(extra)
                el.set("count", str(len(el)))
        edit.put_tree(part, base)
        edit.add_rel(wb_part, f"{DOC_REL}/styles", part)
        edit.set_override(part, STYLES_TYPE)
        return part

    def _list(self, name: str) -> etree._Element:
        return child(self.target, name, _STYLES_ORDER)

    def _append(self, name: str, el: etree._Element) -> int:
        """The index of an entry equal to ``el`` in the target's ``name``, appended if new."""
        holder = self._list(name)
        want = _canon(el)
        items = [e for e in holder if isinstance(e.tag, str)]
        for i, existing in enumerate(items):
            if _canon(existing) == want:
                return i
        holder.append(el)
        holder.set("count", str(len(items) + 1))
        self.changed = True
        return len(items)

    def _font(self, index: int) -> int:
        fonts = [f for f in self.scratch.find(_N + "fonts") if isinstance(f.tag, str)]
        if index == 0:
            return 0
        wanted = fonts[index]
        target_fonts = [f for f in self._list("fonts") if isinstance(f.tag, str)]
        if not target_fonts:
            return self._append("fonts", etree.fromstring(etree.tostring(wanted)))
        font = etree.fromstring(etree.tostring(target_fonts[0]))  # the workbook's own face
        if wanted.find(_N + "b") is not None and font.find(_N + "b") is None:
            font.insert(0, etree.Element(_N + "b"))
        return self._append("fonts", font)

    def _fill(self, index: int) -> int:
        if index < 2:  # none, gray125: the two every workbook has
            return index
        fills = [f for f in self.scratch.find(_N + "fills") if isinstance(f.tag, str)]
        return self._append("fills", etree.fromstring(etree.tostring(fills[index])))

    def _num_fmt(self, num_id: int) -> int:
        if num_id < 164:
            return num_id
        codes = {int(n.get("numFmtId", "0")): n.get("formatCode", "")
                 for n in self.scratch.iter(_N + "numFmt")}
        code = codes[num_id]
        holder = self._list("numFmts")
        used = [int(n.get("numFmtId", "0")) for n in holder.iter(_N + "numFmt")]
        for n in holder.iter(_N + "numFmt"):
            if n.get("formatCode") == code:
                return int(n.get("numFmtId", "0"))
        new_id = max([163, *used]) + 1
        el = etree.SubElement(holder, _N + "numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        holder.set("count", str(len(used) + 1))
        self.changed = True
        return new_id

    def mapping(self) -> list[int]:
        """Scratch cell-format index -> target cell-format index."""
        xfs = [x for x in self.scratch.find(_N + "cellXfs") if isinstance(x.tag, str)]
        out = [0]
        for xf in xfs[1:]:
            new = etree.fromstring(etree.tostring(xf))
            new.set("numFmtId", str(self._num_fmt(int(xf.get("numFmtId", "0")))))
            new.set("fontId", str(self._font(int(xf.get("fontId", "0")))))
            new.set("fillId", str(self._fill(int(xf.get("fillId", "0")))))
            new.set("borderId", "0")
            new.set("xfId", "0")
            out.append(self._append("cellXfs", new))
        if self.changed:
            self.edit.touch(self.part)
        return out


# -- the sheet XML -------------------------------------------------------------------------------

_CELL = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?(/?)>(?:<v>([0-9]+)</v>)?'
)
_SI = re.compile(rb"<si><t(?: xml:space=\"preserve\")?>(.*?)</t></si>|<si><t/></si>", re.S)
_ROW_STYLE = re.compile(rb'(<row [^>]*?\bs=")([0-9]+)(")')
_COL_STYLE = re.compile(rb'(<col [^>]*?\bstyle=")([0-9]+)(")')


def _shared_strings(scratch: Scratch) -> list[bytes]:
    data = scratch.files.get("xl/sharedStrings.xml")
    if data is None:
        return []
    return [m.group(1) or b"" for m in _SI.finditer(data)]


def _sheet_xml(scratch: Scratch, part: str, xf_map: list[int], tab_color: bytes) -> bytes:
    strings = _shared_strings(scratch)
    data = scratch.files[part]

    def cell(m: re.Match[bytes]) -> bytes:
        ref, style, kind, close, value = m.groups()
        s = b' s="%d"' % xf_map[int(style)] if style and xf_map[int(style)] else b""
        if kind == b"s" and value is not None:
            text = strings[int(value)]
            space = b' xml:space="preserve"'
            return b'<c r="%s"%s t="inlineStr"><is><t%s>%s</t></is>' % (ref, s, space, text)
        t = b' t="%s"' % kind if kind else b""
        v = b"<v>%s</v>" % value if value is not None else b""
        return b'<c r="%s"%s%s%s>%s' % (ref, s, t, close, v)

    data = _CELL.sub(cell, data)
    data = without_formula_results(data)
    data = _ROW_STYLE.sub(lambda m: m.group(1) + b"%d" % xf_map[int(m.group(2))] + m.group(3),
                          data)
    data = _COL_STYLE.sub(lambda m: m.group(1) + b"%d" % xf_map[int(m.group(2))] + m.group(3),
                          data)
    data = data.replace(b' tabSelected="1"', b"", 1)
    if tab_color:
        if b"<sheetPr>" in data or b"<sheetPr " in data:
            data = re.sub(rb"(<sheetPr\b[^>]*?)(/?)>",
                          lambda m: m.group(1) + b">" + tab_color + (b"</sheetPr>"
                                                                     if m.group(2) else b""),
                          data, count=1)
        else:
            data = re.sub(rb"(<worksheet\b[^>]*>)",
                          lambda m: m.group(1) + b"<sheetPr>" + tab_color + b"</sheetPr>",
                          data, count=1)
    return data


_FORMULA_RESULT = re.compile(rb"(</f>|<f/>)<v>[^<]*</v>")


def without_formula_results(sheet_xml: bytes) -> bytes:
    """Drop the placeholder results XlsxWriter gives new formulas (``<v>0</v>``).

    A formula with no cached result is computed when the file is opened (LibreOffice
    shows a cached ``0`` as it is; Excel recalculates either way on ``fullCalcOnLoad``).
    """
    return _FORMULA_RESULT.sub(rb"\1", sheet_xml)


def _tab_color(edit: Edit, entry: SheetEntry | None) -> bytes:
    if entry is None or entry.kind != "worksheet" or not edit.exists(entry.part):
        return b""
    head = edit.read(entry.part)[:4096]
    m = re.search(rb"<(?:\w+:)?tabColor\b[^>]*/>", head)
    if m is None:
        return b""
    attrs = re.findall(rb'\s(rgb|theme|tint|indexed|auto)="([^"]*)"', m.group())
    return b"<tabColor" + b"".join(b' %s="%s"' % a for a in attrs) + b"/>"


# -- parts --------------------------------------------------------------------------------------


def _pattern(part: str) -> str:
    """``xl/drawings/drawing1.xml`` -> ``xl/drawings/drawing{}.xml``."""
    folder, name = posixpath.split(part)
    stem, dot, ext = name.rpartition(".")
    stem = re.sub(r"[0-9]+$", "", stem)
    return posixpath.join(folder, stem + "{}" + dot + ext)


def _copy_parts(edit: Edit, scratch: Scratch, sheet_src: str, sheet_dst: str,
                sheet_data: bytes) -> None:
    """Copy the scratch sheet and every part below it into ``edit`` under unused names."""
    names = {sheet_src: sheet_dst}
    order = [sheet_src]
    i = 0
    while i < len(order):  # breadth first through the relationships
        for _, target in scratch.rels(order[i]):
            if target and target not in names and target in scratch.files:
                names[target] = edit.unused(_pattern(target))
                edit.put(names[target], b"")  # reserve the name
                order.append(target)
        i += 1
    for src in order:
        dst = names[src]
        edit.put(dst, sheet_data if src == sheet_src else scratch.files[src])
        ctype, default = scratch.content_type(src)
        if default:
            edit.ensure_default(src.rpartition(".")[2], ctype)
            edit.remove_override(dst)
        else:
            edit.set_override(dst, ctype)
        rels = scratch.rels(src)
        if not rels and src != sheet_src:
            continue
        root = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
        for rel, target in rels:
            new = etree.SubElement(root, f"{{{PKG_REL}}}Relationship")
            for key, value in rel.attrib.items():
                new.set(key, value)
            if target in names:
                new.set("Target", posixpath.relpath(names[target], posixpath.dirname(dst)))
        if len(root) or edit.exists(rels_name(dst)):
            edit.put_tree(rels_name(dst), root)


def _reachable(edit: Edit, start: list[str], blocked: str) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        part = todo.pop()
        if part in seen or part == blocked:
            continue
        seen.add(part)
        for _, target in edit.targets(part):
            if target and target not in seen:
                todo.append(target)
    return seen


def _remove_own_parts(edit: Edit, wb_part: str, entry: SheetEntry) -> None:
    """Remove ``entry``'s part and every part nothing else in the package refers to."""
    if not entry.part:
        return
    own = _reachable(edit, [entry.part], "")
    others = _reachable(edit, [""], entry.part)
    for part in own - others:
        edit.remove(part)
        edit.remove(rels_name(part))
        edit.remove_override(part)


def drop_calc_chain(edit: Edit, wb_part: str) -> None:
    """Leave out the calculation chain, its relationship and its content type."""
    rels = edit.rels(wb_part)
    if rels is None:
        return
    for rel, target in edit.targets(wb_part):
        if rel.get("Type") == f"{DOC_REL}/calcChain":
            edit.remove(target)
            edit.remove_override(target)
            rels.remove(rel)
            edit.touch(rels_name(wb_part))


# -- workbook.xml --------------------------------------------------------------------------------


def _local_names(workbook: etree._Element) -> list[etree._Element]:
    return [d for d in workbook.iter(_N + "definedName") if d.get("localSheetId") is not None]


def _scratch_names(scratch: Scratch) -> list[etree._Element]:
    return _local_names(parse_xml(scratch.files["xl/workbook.xml"]))


def graft_tab(edit: Edit, wb_part: str, name: str, content: TabContent,
              render: Callable[[str, TabContent], Scratch] = render_scratch) -> None:
    """Add the tab ``name`` drawn from ``content``, or replace the tab of that name."""
    workbook = edit.tree(wb_part)
    entries = sheet_entries(edit, wb_part)
    index = next((i for i, e in enumerate(entries) if e.name.casefold() == name.casefold()),
                 None)
    old = entries[index] if index is not None else None
    scratch = render(name, content)
    xf_map = _StyleMerger(edit, wb_part, scratch).mapping()
    src = "xl/worksheets/sheet1.xml"
    sheet_data = _sheet_xml(scratch, src, xf_map, _tab_color(edit, old))
    wb_rels = edit.rels(wb_part)
    if old is not None:
        _remove_own_parts(edit, wb_part, old)
        drop_calc_chain(edit, wb_part)
        dst = old.part if old.part and old.kind == "worksheet" else edit.unused(
            "xl/worksheets/sheet{}.xml")
        old.element.set("name", name)
        rel = next((r for r, _ in edit.targets(wb_part) if r.get("Id") == old.rid), None)
        if rel is None:
            rid = edit.add_rel(wb_part, f"{DOC_REL}/worksheet", dst)
            old.element.set(_R_ID, rid)
        else:
            rel.set("Type", f"{DOC_REL}/worksheet")
            rel.set("Target", posixpath.relpath(dst, posixpath.dirname(wb_part) or "."))
            rel.attrib.pop("TargetMode", None)
            edit.touch(rels_name(wb_part))
        for d in _local_names(workbook):
            if d.get("localSheetId") == str(index):
                d.getparent().remove(d)
    else:
        dst = edit.unused("xl/worksheets/sheet{}.xml")
        rid = edit.add_rel(wb_part, f"{DOC_REL}/worksheet", dst)
        sheets = child(workbook, "sheets", _WORKBOOK_ORDER)
        ids = [int(s.get("sheetId", "0")) for s in sheets.iter(_N + "sheet")
               if s.get("sheetId", "").isdigit()]
        el = etree.SubElement(sheets, _N + "sheet")
        el.set("name", name)
        el.set("sheetId", str(max([0, *ids]) + 1))
        el.set(_R_ID, rid)
        index = len(entries)
    del wb_rels
    _copy_parts(edit, scratch, src, dst, sheet_data)
    edit.set_override(dst, WORKSHEET_TYPE)
    names = _scratch_names(scratch)
    if names:
        holder = child(workbook, "definedNames", _WORKBOOK_ORDER)
        for d in names:
            d.set("localSheetId", str(index))
            holder.append(d)
    edit.touch(wb_part)


def delete_tab(edit: Edit, wb_part: str, name: str, book: str = "") -> bool:
    """Delete the tab ``name`` (ignoring case); ``False`` when there is none."""
    workbook = edit.tree(wb_part)
    entries = sheet_entries(edit, wb_part)
    index = next((i for i, e in enumerate(entries) if e.name.casefold() == name.casefold()),
                 None)
    if index is None:
        return False
    entry = entries[index]
    _remove_own_parts(edit, wb_part, entry)
    for rel, _ in edit.targets(wb_part):
        if rel.get("Id") == entry.rid:
            rel.getparent().remove(rel)
            edit.touch(rels_name(wb_part))
    entry.element.getparent().remove(entry.element)
    drop_calc_chain(edit, wb_part)
    for d in _local_names(workbook):  # an empty <definedNames/> stays: it is valid
        local = int(d.get("localSheetId", "0"))
        if local == index:
            d.getparent().remove(d)
        elif local > index:
            d.set("localSheetId", str(local - 1))
    remaining = entries[:index] + entries[index + 1:]
    visible = [i for i, e in enumerate(remaining) if e.element.get("state", "visible")
               == "visible"]
    if not visible:
        raise BookError(f"按本次修改删除工作表后,工作簿 {book} 将没有可见的工作表,因此没有写入。"
                        "请检查要删除的工作表。")
    for view in workbook.iter(_N + "workbookView"):
        for attr in ("activeTab", "firstSheet"):
            value = view.get(attr)
            if value is None or not value.isdigit():
                continue
            n = int(value)
            n = n - 1 if n > index else n
            if n not in visible:  # the next visible tab, else the one before (as Excel does)
                n = next((v for v in visible if v >= n), visible[-1])
            view.set(attr, str(n))
    edit.touch(wb_part)
    return True


def ask_recalc(edit: Edit, wb_part: str) -> None:
    """``<calcPr fullCalcOnLoad="1"/>``: Excel, WPS and LibreOffice recompute when opening.

    Cached results of formulas elsewhere stay (a viewer shows them); the ones that depend
    on what was written are brought up to date by the recalculation.
    """
    workbook = edit.tree(wb_part)
    calc = child(workbook, "calcPr", _WORKBOOK_ORDER)
    if calc.get("fullCalcOnLoad") not in ("1", "true"):
        calc.set("fullCalcOnLoad", "1")
        edit.touch(wb_part)
