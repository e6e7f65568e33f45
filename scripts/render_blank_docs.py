"""Render PNG screenshots of a built blank workbook for the README (headless LibreOffice).

Writes ``docs/blank_panel.png`` (控制面板 with its buttons) and ``docs/blank_child.png``
(the child registration tab, first columns): each sheet is copied into a workbook of its
own, printed to PDF by LibreOffice and rasterised by ``pdftoppm`` (poppler-utils).
Chinese needs a CJK font (fonts-noto-cjk). Usage: ``python scripts/render_blank_docs.py``.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.properties import PageSetupProperties

from sheets_sync.blank import blank_workbook_bytes
from sheets_sync.config import Program
from sheets_sync.forms.template import default_templates

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHOOLS = {"满城": ["满城第一小学"], "顺平": ["顺平实验小学"], "清苑": ["清苑中心小学"]}
DPI = 70


def _printable(xlsm: bytes) -> bytes:
    """The same package with the buttons marked printable (they are not, in the real one)."""
    src = zipfile.ZipFile(io.BytesIO(xlsm))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"")
            z.writestr(name, data)
    return out.getvalue()


def _only(xlsm: bytes, tab: str, area: str | None) -> bytes:
    wb = load_workbook(io.BytesIO(xlsm))
    for ws in list(wb.worksheets):
        if ws.title != tab:
            wb.remove(ws)
    ws = wb[tab]
    if area:
        ws.print_area = area
    ws.page_setup.orientation = "landscape"
    ws.print_options.gridLines = True
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(out_dir: Path = DOCS) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        sys.exit("需要 LibreOffice(soffice)和 pdftoppm(poppler-utils),请先安装。")
    xlsm = blank_workbook_bytes([default_templates()["child"]], Program(), rows=20,
                                schools=SCHOOLS)
    shots = {"blank_panel": ("控制面板.xlsm", _printable(xlsm)),
             "blank_child": ("儿童登记表.xlsx",
                             _only(xlsm, "留守儿童家庭情况登记表", "A1:L10"))}
    written = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for stem, (name, data) in shots.items():
            (tmp / name).write_bytes(data)
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(tmp), str(tmp / name)],
                           check=True, capture_output=True, timeout=300)
            target = out_dir / stem
            subprocess.run([pdftoppm, "-png", "-r", str(DPI), "-f", "1", "-l", "1",
                            "-y", "0", "-H", str(DPI * 6), "-W", str(DPI * 12),
                            "-singlefile", str(tmp / (Path(name).stem + ".pdf")), str(target)],
                           check=True, capture_output=True, timeout=120)
            written.append(target.with_suffix(".png"))
    return written


if __name__ == "__main__":
    for path in render():
        print(f"{path} ({path.stat().st_size // 1024} KB)")
