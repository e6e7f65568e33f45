"""``sheets-sync import``: a 问卷星-shaped export into a hub that already holds records.

    python benchmarks/import_bench.py                       # 20,000 answers, 10,000 records
    python benchmarks/import_bench.py --answers 2000 --hub 1000

Made up front (synthetic people): a hub workbook 总表.xlsx whose 志愿者报名表 holds ``--hub``
records, and a 问卷星 export (序号, 提交答卷时间 …, ``N、question`` headers, ``┋`` multi-choice)
of ``--answers`` answers. Each measurement runs in its own child process, so its peak memory
(max RSS) is its own:

* **import** — :func:`sheets_sync.intake.import_export` (the pipeline's import + validate
  steps, one commit: journal, backups, audit, state) into a copy of the hub;
* **re-import** — the same export again into the hub it left (nothing to write);
* **1 changed** — then an export with one answer edited in the survey (the full path);
* **naive** — ``pandas.read_excel(export, dtype=str)`` plus appending its rows to the hub's
  tab with openpyxl and saving: the peer, with no mapping, ids, upsert, validation or undo.

Printed: CPU seconds (and wall seconds: the machine may be shared, CPU is what the targets
read) and peak MiB of each, and ``ratio:`` import ÷ naive (target: within 3×; re-import
under 2 s of CPU). An unchanged re-import reads the export and the state, not the hub
(:func:`sheets_sync.intake.step.unchanged_import`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的姓名：",
           "2、您的性别：", "3、请填写您的学号(必填)", "4、所在学院", "5、您的手机号码是？",
           "6、您的特长(多选)", "7、意向县", "8、紧急联系人", "9、紧急联系人电话"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "小明红刚丽强华军芳伟敏静磊洋艳勇娜杰涛"
SKILLS = ["语文", "数学", "英语", "体育", "音乐", "美术"]
COUNTIES = ["满城", "顺平", "清苑"]


def _name(i: int) -> str:
    return (SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)]
            + GIVEN[(i // 400) % len(GIVEN)])


def make_files(folder: Path, answers: int, hub: int) -> tuple[Path, Path, Path]:
    """The hub, the export, and the export again with one answer changed in the survey."""
    import xlsxwriter

    hub_path = folder / "总表.xlsx"
    wb = xlsxwriter.Workbook(str(hub_path), {"constant_memory": True})
    ws = wb.add_worksheet("志愿者报名表")
    head = ["编号", "姓名", "性别", "学号", "学院", "手机号", "特长", "意向县", "紧急联系人",
            "紧急联系人电话"]
    for j, h in enumerate(head):
        ws.write_string(0, j, h)
    for i in range(1, hub + 1):
        row = [f"V{i:05d}", _name(i), "男" if i % 2 else "女", f"2025{i:05d}", "文学院",
               f"139{i:08d}", SKILLS[i % 6], COUNTIES[i % 3], _name(i + 7), f"137{i:08d}"]
        for j, v in enumerate(row):
            ws.write_string(i, j, v)
    wb.close()
    export, changed = folder / "问卷星导出.xlsx", folder / "问卷星导出-改了一份.xlsx"
    for path in (export, changed):
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet("Sheet1")
        for j, h in enumerate(HEADERS):
            ws.write_string(0, j, h)
        for i in range(1, answers + 1):
            row = [str(i), f"2026/5/{1 + i % 28} 20:{i % 60:02d}:05", f"{60 + i % 300}秒",
                   "手机提交", "微信", f"10.0.{i % 250}.{i % 200}(河北-保定)", _name(i + 3),
                   "女" if i % 2 else "男", f"2026{i:05d}", "理学院", f"138{i:08d}",
                   "┋".join(SKILLS[i % 6: i % 6 + 2]), COUNTIES[i % 3], _name(i + 11),
                   f"136{i:08d}"]
            if path == changed and i == answers // 2:
                row[10] = f"139{i:08d}"  # the middle answer's phone, edited in the survey
            for j, v in enumerate(row):
                ws.write_string(i, j, v)
        wb.close()
    return hub_path, export, changed


OURS = """
import json, sys, time
from sheets_sync.intake import import_export
from sheets_sync.sync.project import book_project
t, cpu = time.perf_counter(), time.process_time()
run = import_export(book_project(sys.argv[1]), sys.argv[2], "volunteer")
res = run.intake
import resource
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu,
                  "counts": res.counts, "failed": run.failed_steps,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

NAIVE = """
import json, sys, time
import openpyxl, pandas as pd
t, cpu = time.perf_counter(), time.process_time()
df = pd.read_excel(sys.argv[2], dtype=str).fillna("")
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["志愿者报名表"]
for row in df.itertuples(index=False):
    ws.append(list(row))
wb.save(sys.argv[1])
import resource
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu,
                  "rows": len(df),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _child(code: str, *args: str) -> tuple[dict[str, object], float]:
    """Run ``code`` in a fresh interpreter: its printed JSON and its peak RSS in MiB."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data, float(data["peak"]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=20_000)
    ap.add_argument("--hub", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        hub, export, changed = make_files(folder, args.answers, args.hub)
        print(f"files: {args.answers} answers, hub {args.hub} records "
              f"({time.perf_counter() - t:.1f} s to make)")
        ours_dir, naive_dir = folder / "ours", folder / "naive"
        ours_dir.mkdir()
        naive_dir.mkdir()
        shutil.copy(hub, ours_dir / hub.name)
        shutil.copy(hub, naive_dir / hub.name)
        first, first_mem = _child(OURS, str(ours_dir / hub.name), str(export))
        print(f"import:    {_secs(first)}, peak {first_mem:.0f} MiB, {first['counts']}")
        again, again_mem = _child(OURS, str(ours_dir / hub.name), str(export))
        print(f"re-import: {_secs(again)}, peak {again_mem:.0f} MiB, {again['counts']}")
        edit, edit_mem = _child(OURS, str(ours_dir / hub.name), str(changed))
        print(f"1 changed: {_secs(edit)}, peak {edit_mem:.0f} MiB, {edit['counts']} "
              "(the full path: hub read, three-way check, validation)")
        naive, naive_mem = _child(NAIVE, str(naive_dir / hub.name), str(export))
        print(f"naive:     {_secs(naive)}, peak {naive_mem:.0f} MiB "
              "(pandas.read_excel + openpyxl append + save)")
        ratio = _f(first, "cpu") / _f(naive, "cpu")
        wall = _f(first, "seconds") / _f(naive, "seconds")
        print(f"ratio: {ratio:.2f} CPU, {wall:.2f} wall (import / naive; target <= 3); "
              f"re-import {_f(again, 'cpu'):.2f} s CPU (target < 2 s)")


def _f(data: dict[str, object], key: str) -> float:
    value = data[key]
    assert isinstance(value, int | float)
    return float(value)


def _secs(data: dict[str, object]) -> str:
    return f"{_f(data, 'cpu'):.2f} s CPU ({_f(data, 'seconds'):.2f} s wall)"

if __name__ == "__main__":
    main()
