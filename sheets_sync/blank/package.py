"""Turn a saved ``.xlsx`` package into an ``.xlsm``: the VBA project and the buttons.

* ``xl/vbaProject.bin`` built by :mod:`.vba` from the text in ``macros/`` (plus xlwings'
  own ``xlwings.bas`` and ``Dictionary.cls`` so the workbook runs without the add-in);
* the buttons as legacy form controls: ``xl/drawings/vmlDrawing1.vml`` with one
  ``<x:ClientData ObjectType="Button">`` per button and ``<x:FmlaMacro>`` naming its
  macro, linked from the 控制面板 sheet by ``<legacyDrawing>`` (Excel and LibreOffice both
  bind these to the macro);
* content types and relationships for the macro-enabled workbook.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import xlwings

from .buttons import BUTTONS, Button, button_module
from .vba import SHEET_BASE, WORKBOOK_BASE, Module, document_module, module_from_file

XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
           "vmlDrawing")
PANEL_SHEET = "xl/worksheets/sheet1.xml"
VML_PATH = "xl/drawings/vmlDrawing1.vml"


def xlwings_modules() -> list[Module]:
    """xlwings' standalone VBA (``RunPython`` and its helpers), from the installed package."""
    root = Path(xlwings.__file__).parent
    return [module_from_file(root / "xlwings.bas"),
            module_from_file(root / "addin" / "Dictionary.cls")]


def project_modules(n_sheets: int, macros: Path | None = None) -> list[Module]:
    """Every module of the workbook's VBA project, in order."""
    mods = [document_module("ThisWorkbook", WORKBOOK_BASE)]
    mods += [document_module(f"Sheet{i}", SHEET_BASE) for i in range(1, n_sheets + 1)]
    mods += [button_module(b, macros) for b in BUTTONS]
    return mods + xlwings_modules()


def button_vml(buttons: Sequence[Button], first_row: int = 3, col: int = 1) -> str:
    """The VML drawing: one form-control button per entry, rows ``first_row``, +2, …"""
    shapes = []
    for i, b in enumerate(buttons):
        row = first_row + 2 * i          # 0-based anchor row
        anchor = f"{col}, 4, {row}, 4, {col}, 112, {row}, 36"
        shapes.append(f"""
 <v:shape id="_x0000_s{1025 + i}" type="#_x0000_t201" style="position:absolute;margin-left:20pt;
  margin-top:{60 + 45 * i}pt;width:110pt;height:28pt;z-index:{i + 1}" o:button="t"
  fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">
  <v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>
  <o:lock v:ext="edit" rotation="t"/>
  <v:textbox style="mso-direction-alt:auto" o:singleclick="f">
   <div style="text-align:center"><font face="Microsoft YaHei" size="240"
    color="#000000">{escape(b.caption)}</font></div>
  </v:textbox>
  <x:ClientData ObjectType="Button">
   <x:Anchor>{anchor}</x:Anchor>
   <x:PrintObject>False</x:PrintObject>
   <x:AutoFill>False</x:AutoFill>
   <x:FmlaMacro>[0]!{b.macro}</x:FmlaMacro>
   <x:TextHAlign>Center</x:TextHAlign>
   <x:TextVAlign>Center</x:TextVAlign>
  </x:ClientData>
 </v:shape>""")
    return ("""<xml xmlns:v="urn:schemas-microsoft-com:vml"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
 <o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>
 <v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201"
  path="m,l,21600r21600,l21600,xe">
  <v:stroke joinstyle="miter"/>
  <v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>
  <o:lock v:ext="edit" shapetype="t"/>
 </v:shapetype>""" + "".join(shapes) + "\n</xml>\n")


def _add_rel(rels: str, rid: str, rtype: str, target: str) -> str:
    rel = f'<Relationship Id="{rid}" Type="{rtype}" Target="{target}"/>'
    return rels.replace("</Relationships>", rel + "</Relationships>")


def _empty_rels() -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            "</Relationships>")


def to_xlsm(xlsx: bytes, vba_bin: bytes, buttons: Sequence[Button] = BUTTONS) -> bytes:
    """The ``.xlsm`` package: ``xlsx`` with ``vba_bin`` and the buttons on sheet 1."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    files = {name: src.read(name) for name in src.namelist()}
    types = files["[Content_Types].xml"].decode()
    if XLSX_MAIN not in types:
        raise ValueError("not a workbook package")
    types = types.replace(XLSX_MAIN, XLSM_MAIN).replace(
        "</Types>",
        f'<Default Extension="bin" ContentType="{VBA_TYPE}"/>'
        f'<Default Extension="vml" ContentType="{VML_TYPE}"/></Types>')
    files["[Content_Types].xml"] = types.encode()
    wb_rels = "xl/_rels/workbook.xml.rels"
    files[wb_rels] = _add_rel(files[wb_rels].decode(), "rIdVba", REL_VBA,
                              "vbaProject.bin").encode()
    files["xl/vbaProject.bin"] = vba_bin
    sheet = files[PANEL_SHEET].decode()
    if re.search(r"<(tableParts|extLst|legacyDrawing)\b", sheet):
        raise ValueError("the panel sheet already has parts after legacyDrawing")
    if 'xmlns:r="' not in sheet.split(">", 2)[1]:
        sheet = sheet.replace(
            "<worksheet ", '<worksheet xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships" ', 1)
    files[PANEL_SHEET] = sheet.replace(
        "</worksheet>", '<legacyDrawing r:id="rIdVml"/></worksheet>').encode()
    sheet_rels = "xl/worksheets/_rels/sheet1.xml.rels"
    rels = files[sheet_rels].decode() if sheet_rels in files else _empty_rels()
    files[sheet_rels] = _add_rel(rels, "rIdVml", REL_VML, "../drawings/vmlDrawing1.vml"
                                 ).encode()
    files[VML_PATH] = button_vml(buttons).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()
