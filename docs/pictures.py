"""Pictures of the tabs as printed, for the README and the user guide (docs/使用指南.md).

Builds the demo project in a temporary folder (the plan-sized demo: 75 schools, about 3,000
children, its rotation accepted), types a safety conflict (过敏或特殊注意) in the hub and in
满城.xlsx, runs ``sheets-sync run`` twice, then prints tabs of the hub with headless
LibreOffice (their own print settings: paper, orientation, fit, the header repeated) to PDF
and turns the first page into a PNG with ``pdftoppm``::

    .venv/bin/python docs/pictures.py            # writes the PNGs below

* the tool tabs (疑似重复, 同步冲突, 回收站, 同步日志) → ``docs/images/<stem>.png``, for the guide;
* generated tabs, drawn again from the settled hub by ``generate_reports`` (masked as in the
  hub: no ``--reveal``) and written one per workbook by ``write_tabs``, so charts print too:
  排班表 → ``docs/images/schedule.png`` (README and guide), a school's 花名册, 预算汇总 and
  经费结算表 → ``docs/roster.png``, ``docs/budget.png``, ``docs/settlement.png`` (README);
  出勤统计, 待办 and the 签到表 of a school visited in the first week (its ticks from the
  demo's 出勤) as of the demo's clock → ``docs/images/attendance.png``, ``todo.png``,
  ``signin.png``; 问卷统计 of a 问卷星-shaped export of 360 demo children brought in with
  ``sheets-sync import`` → ``docs/images/survey.png``.

Needs LibreOffice (``soffice``) and poppler (``pdftoppm``), and a CJK font
(fonts-noto-cjk). The data is the demo's: synthetic, no real child.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_tabs
from sheets_sync.demo.synth import demo_now
from sheets_sync.reports import generate_reports
from sheets_sync.sync.project import load_project

DOCS = Path(__file__).parent
OUT = DOCS / "images"
TABS = {"疑似重复": "duplicates", "同步冲突": "conflicts", "回收站": "recycle", "同步日志": "log"}
#: generated tab -> (where the PNG goes, resolution in dpi)
GENERATED = {"排班表": (OUT / "schedule.png", 110),
             "花名册-龙泉镇中心小学": (DOCS / "roster.png", 80),
             "预算汇总": (DOCS / "budget.png", 80),
             "经费结算表": (DOCS / "settlement.png", 80),
             "问卷统计": (OUT / "survey.png", 100),
             "出勤统计": (OUT / "attendance.png", 100),
             "待办": (OUT / "todo.png", 100),
             "签到表-": (OUT / "signin.png", 100)}
"""``签到表-``: the sign-in sheet of the first school visited in the demo's first week."""
CHILD = "留守儿童家庭情况登记表"


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


def _print(one: Path, target: Path, dpi: int, tmp: Path) -> None:
    """First page of the workbook ``one`` as printed by LibreOffice, to ``target``."""
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(one)],
                   check=True, capture_output=True, timeout=180)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    str(one.with_suffix(".pdf")), str(tmp / one.stem)], check=True,
                   capture_output=True, timeout=120)
    shutil.copy(tmp / f"{one.stem}.png", target)
    print(target)


def survey_export(path: Path, hub: Path, n: int = 360, seed: int = 7) -> Path:
    """A 问卷星-shaped export of ``n`` answers to the 调查问卷 (synthetic, like the demo):
    children drawn from the demo hub (name, sex, county, school, grade), answers drawn from
    each question's choices with plausible weights, multi-choice joined with ``┋``."""
    import random

    from sheets_sync.forms.template import default_templates

    rng = random.Random(seed)
    form = default_templates()["survey"]
    rows = ExcelBook(hub).read()[CHILD].rows
    head = next(r for r in rows if "编号" in r)
    col = {h: i for i, h in enumerate(head)}
    children = [r for r in rows[rows.index(head) + 1:] if len(r) > col["年级"] and r[col["年级"]]]
    asked = [f for f in form.fields if f.key not in ("id", "age", "wish", "survey_date")]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP",
               *(f"{i}、{f.label}{'(多选)' if f.type == 'multi_choice' else ''}"
                 for i, f in enumerate(asked, start=1))])
    for k, c in enumerate(rng.sample(children, min(n, len(children))), start=1):
        given = {"name": c[col["姓名"]], "sex": c[col["性别"]], "county": c[col["县"]],
                 "school": c[col["学校"]], "grade": c[col["年级"]]}
        answers = []
        for f in asked:
            values = [ch.value for ch in f.choices]
            if f.key in given:
                answers.append(given[f.key])
            elif f.type == "multi_choice":
                answers.append("┋".join(rng.sample(values[:-1], rng.choice((1, 1, 2, 3)))))
            elif f.type == "decimal":
                answers.append(str(rng.choice((0.5, 1, 1, 1.5, 2, 2, 3))))
            else:  # earlier choices are the commoner answers
                answers.append(rng.choices(values, weights=range(len(values) + 1, 1, -1))[0])
        ws.append([str(k), f"2026/4/{rng.randint(8, 20)} {rng.randint(8, 20)}:{k % 60:02d}:00",
                   f"{rng.randint(120, 600)}秒", "手机提交", "微信", f"10.0.{k // 250}.{k % 250}",
                   *answers])
    wb.save(path)
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        root = tmp / "demo"
        _cli("demo", str(root), cwd=tmp)
        _cli("run", cwd=root)
        _type(root / "总表.xlsx", "C0001", "过敏或特殊注意", "无")
        _type(root / "满城.xlsx", "C0001", "过敏或特殊注意", "对花生严重过敏")
        _cli("run", cwd=root)
        export = survey_export(tmp / "留守儿童调查问卷_问卷星.xlsx", root / "总表.xlsx")
        _cli("import", str(export), "--form", "survey", cwd=root)
        for tab, stem in TABS.items():
            wb = openpyxl.load_workbook(root / "总表.xlsx")
            if tab not in wb.sheetnames:
                print(f"{tab}: not in the hub", file=sys.stderr)
                continue
            for sheet in wb.sheetnames:
                if sheet != tab:
                    del wb[sheet]
            one = tmp / f"{stem}.xlsx"
            wb.save(one)
            _print(one, OUT / f"{stem}.png", 110, tmp)
        project = load_project(root)
        tabs = generate_reports(ExcelBook(root / "总表.xlsx").read(), project.templates,
                                project.program, now=demo_now(project.program)).tabs
        for tab, (target, dpi) in GENERATED.items():
            if tab.endswith("-"):  # a school's sheet with the first week's ticks on it
                tab = next((t for t in tabs if t.startswith(tab)
                            and any("到" in r for r in tabs[t].rows[4:])), tab)
            if tab not in tabs:
                print(f"{tab}: not generated", file=sys.stderr)
                continue
            one = tmp / f"{target.stem}.xlsx"
            write_tabs(one, {tab: tabs[tab]})
            _print(one, target, dpi, tmp)


if __name__ == "__main__":
    main()
