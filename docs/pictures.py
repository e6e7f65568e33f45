"""Pictures of the tool tabs as printed, for the user guide (docs/使用指南.md).

Builds the demo project in a temporary folder, types a safety conflict (过敏或特殊注意) in
the hub and in 满城.xlsx, runs ``sheets-sync run`` twice, then prints each tool tab of the
hub with headless LibreOffice (its own print settings: paper, orientation, fit, the header
repeated) to PDF and turns the first page into a PNG with ``pdftoppm``::

    .venv/bin/python docs/pictures.py            # writes docs/images/<tab>.png

Needs LibreOffice (``soffice``) and poppler (``pdftoppm``). The data is the demo's:
synthetic, no real child.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook

TABS = {"疑似重复": "duplicates", "同步冲突": "conflicts", "回收站": "recycle", "同步日志": "log"}
CHILD = "留守儿童家庭情况登记表"
OUT = Path(__file__).parent / "images"


def _cli(*args: str, cwd: Path) -> None:
    exe = Path(sys.executable).with_name("sheets-sync")
    subprocess.run([str(exe), *args], cwd=cwd, check=False, capture_output=True)


def _type(path: Path, rid: str, header: str, text: str) -> None:
    book = ExcelBook(path)
    rows = book.read()[CHILD].rows
    head = next(r for r in rows if "编号" in r)
    row = next(i for i, r in enumerate(rows, start=1) if len(r) > head.index("编号")
               and r[head.index("编号")] == rid)
    batch = WriteBatch()
    batch.set_cell(CHILD, row, head.index(header) + 1, text)
    book.apply(batch)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        _cli("demo", str(root), cwd=Path(tmp))
        _cli("run", cwd=root)
        _type(root / "总表.xlsx", "C0001", "过敏或特殊注意", "无")
        _type(root / "满城.xlsx", "C0001", "过敏或特殊注意", "对花生严重过敏")
        _cli("run", cwd=root)
        for tab, stem in TABS.items():
            wb = openpyxl.load_workbook(root / "总表.xlsx")
            if tab not in wb.sheetnames:
                print(f"{tab}: not in the hub", file=sys.stderr)
                continue
            for name in wb.sheetnames:
                if name != tab:
                    del wb[name]
            one = Path(tmp) / f"{stem}.xlsx"
            wb.save(one)
            subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp,
                            str(one)], check=True, capture_output=True, timeout=180)
            subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1",
                            str(Path(tmp) / f"{stem}.pdf"), str(Path(tmp) / stem)], check=True)
            page = next(Path(tmp).glob(f"{stem}-*1.png"))
            shutil.copy(page, OUT / f"{stem}.png")
            print(OUT / f"{stem}.png")


if __name__ == "__main__":
    main()
