"""Render generated tabs of the demo program to PNG for the docs.

    python scripts/render_docs.py [OUT_DIR]     # default: docs/

Writes ``roster.png`` (a school's 花名册), ``budget.png`` (预算汇总 with its chart) and
``settlement.png`` (经费结算表, first A4 page): each tab is written to its own workbook
(:func:`sheets_sync.books.excel.write_tabs`), printed to PDF by headless LibreOffice and
rasterised by ``pdftoppm`` (poppler-utils). Chinese needs a CJK font (fonts-noto-cjk).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sheets_sync.books.excel import write_tabs
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.reports import generate_reports
from sheets_sync.table import Grid

SHOTS = {"roster": "花名册-龙泉镇中心小学", "budget": "预算汇总", "settlement": "经费结算表"}
DPI = 80


def render(out_dir: Path) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        sys.exit("需要 LibreOffice(soffice)和 pdftoppm(poppler-utils),请先安装。")
    grids = {k: Grid(v) for k, v in demo_books().books[HUB_NAME].items()}
    tabs = generate_reports(grids).tabs
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for stem, tab in SHOTS.items():
            xlsx = tmp / f"{stem}.xlsx"
            write_tabs(xlsx, {tab: tabs[tab]})
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(tmp), str(xlsx)],
                           check=True, capture_output=True, timeout=300)
            target = out_dir / stem
            subprocess.run([pdftoppm, "-png", "-r", str(DPI), "-f", "1", "-l", "1",
                            "-singlefile", str(tmp / f"{stem}.pdf"), str(target)],
                           check=True, capture_output=True, timeout=120)
            written.append(target.with_suffix(".png"))
    return written


if __name__ == "__main__":
    for path in render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")):
        print(f"{path}  {path.stat().st_size // 1024} KB")
