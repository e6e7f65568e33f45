"""``sheets-sync run`` benchmark: the previous release against the current code, on the demo.

The demo project (``sheets-sync demo``: hub 总表.xlsx, one spoke per county, synthetic
children; no real personal data) is built once, by the previous release, so both sides
start from the same files and the same ``state.db`` — the one a user upgrading has. Each
side gets its own copy and settles it with one ``run`` of its own code. Then, for every
repetition, on a fresh copy of each side's settled folder:

1. 100 edits spread over hub and spokes (seeded; the same edits on both sides, addressed by
   编号 and header, written with the release's cell writer ``ExcelBook.apply``, so the
   staff's input does not depend on the code under test): phones, names, schools, notes in
   the hub's form tabs and each spoke's child tab, 3 new rows, 1 deleted row;
2. an **edit run**: ``sheets-sync run`` in its own interpreter, cwd = the copy;
3. a **no-edit run**: ``run`` again, nothing changed since.

Each child is a fresh ``python -c`` of the same venv with the side's source tree first on
``sys.path`` (the old release from ``git archive v0.1.0``). Measured per child with
``os.wait4`` (Linux, macOS): CPU seconds (user + sys), peak RSS, wall time; and, by
wrapping ``os.replace`` in the child, how many times each workbook was replaced (the tool's
only way of writing a workbook is a temp file moved into place). Also ``sheets-sync
--help`` and ``--version``, and the Excel 校验 button (``macros/sheets_sync_macros.py``,
``validate_clicked``) on the demo hub, played by the xlwings stand-in of
``tests/xlwings_standin``. Medians over ``--repeat`` runs.

    python benchmarks/run_bench.py [--repeat 3] [--edits 100] [--seed 11] [--old-ref v0.1.0]
                                   [--old-tree DIR] [--new-ref REF] [--keep DIR] [--json]

``--new-ref HEAD`` measures the last commit instead of the working tree (while others are
mid-edit); ``--keep DIR`` keeps every copy for a look afterwards.

Targets (issue 11): edit run ≥ 2× cheaper than the release, a no-edit run at most a third of
an edit run and under 2 s of CPU, ``--help``/``--version`` under 0.3 s, the button under 2 s.
The last line is ``ratio: N``, the old release's edit-run CPU / the current code's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sheets_sync.table import Grid

ROOT = Path(__file__).resolve().parents[1]
STANDIN = ROOT / "tests" / "xlwings_standin"
HUB = "总表.xlsx"
CHILD_TAB = "留守儿童家庭情况登记表"
SIDES = ("old", "new")

# the child: the side's tree first on sys.path, os.replace counted per destination name,
# the counts (and whether openpyxl was loaded) written to $BENCH_OUT at exit
CHILD = """
import os, sys
sys.path.insert(0, {tree!r})
out = os.environ.get("BENCH_OUT")
if out:
    import atexit, json
    writes, _replace = {{}}, os.replace
    def _counting(src, dst, *a, **k):
        _replace(src, dst, *a, **k)
        name = os.path.basename(os.fspath(dst))
        writes[name] = writes.get(name, 0) + 1
    os.replace = _counting
    atexit.register(lambda: open(out, "w", encoding="utf-8").write(json.dumps(
        {{"writes": writes, "openpyxl": "openpyxl" in sys.modules}})))
from sheets_sync.cli import main
sys.argv = ["sheets-sync", *{argv!r}]
main()
"""


@dataclass
class Sample:
    """One child process: CPU (user + sys), peak RSS, wall time, exit code, writes."""

    cpu: float
    rss_mb: float
    wall: float
    rc: int
    writes: dict[str, int] = field(default_factory=dict)
    openpyxl: bool | None = None
    message: str = ""


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
            ok: frozenset[int] = frozenset({0})) -> tuple[Sample, str, str]:
    """Run ``cmd``; its own CPU and peak RSS from ``os.wait4`` (children it waited for too)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode not in ok:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd[:3])} … in {cwd}\n{stderr[-3000:]}")
    rss_mb = ru.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)  # bytes / KiB
    sample = Sample(cpu=ru.ru_utime + ru.ru_stime, rss_mb=rss_mb, wall=wall, rc=proc.returncode)
    return sample, stdout, stderr


def cli(tree: Path, argv: list[str], cwd: Path, count: bool = False,
        ok: frozenset[int] = frozenset({0})) -> Sample:
    """``sheets-sync ARGV`` with ``tree``'s code, in ``cwd``."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    report = None
    if count:
        fd, name = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        report = Path(name)
        env["BENCH_OUT"] = str(report)
    code = CHILD.format(tree=str(tree), argv=argv)
    sample, _, _ = measure([sys.executable, "-B", "-c", code], cwd, env, ok)
    if report is not None:
        data = json.loads(report.read_text(encoding="utf-8") or "{}")
        report.unlink()
        sample.writes, sample.openpyxl = data.get("writes", {}), data.get("openpyxl")
    return sample


# ------------------------------------------------------------------ the two trees

def ref_tree(ref: str, into: Path) -> Path:
    """Commit ``ref`` of this repository, unpacked with ``git archive``."""
    tar = into / "tree.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(tar), ref],
                   check=True)
    tree = into / f"sheets-sync-{ref.replace('/', '_')}"
    with tarfile.open(tar) as t:
        t.extractall(tree, filter="data")
    tar.unlink()
    return tree


# ------------------------------------------------------------------ edits

def library(tree: Path) -> Any:
    """``sheets_sync`` from ``tree`` (the release's), for reading the books and writing edits:
    the staff's edits do not depend on the code under test."""
    sys.path.insert(0, str(tree))
    for name in [m for m in sys.modules if m.split(".")[0] == "sheets_sync"]:
        del sys.modules[name]
    import sheets_sync.books.base
    import sheets_sync.books.excel

    return sheets_sync.books


def _book(path: Path) -> Any:
    return _LIB.excel.ExcelBook(path)


_LIB: Any = None

@dataclass(frozen=True)
class Edit:
    """One staff edit, addressed as a person would: book, tab, record (编号), header."""

    book: str
    tab: str
    record: str  # "" for a new row
    header: str  # "" for a deleted row
    value: str
    like: str = ""  # a new row copies this record


class FormTab:
    """A form tab of a book: the header row (the first with 编号) and rows by record id."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.header_row = next(i for i, r in enumerate(grid.rows, 1) if "编号" in r)
        self.headers = list(grid.rows[self.header_row - 1])
        id_col = self.headers.index("编号") + 1
        self.rows = {grid.cell(r, id_col): r for r in range(self.header_row + 1, grid.n_rows + 1)
                     if grid.cell(r, id_col)}

    def col(self, header: str) -> int:
        return self.headers.index(header) + 1

    def value(self, record: str, header: str) -> str:
        return self.grid.cell(self.rows[record], self.col(header))


_SURNAME_TAILS = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂"
_NOTES = ("喜欢画画", "爱看书", "踢足球", "跳绳", "数学进步明显", "语文较好", "需要多鼓励",
          "性格开朗", "有些内向", "英语需辅导")


def _phone(rng: random.Random) -> str:
    return rng.choice(("139", "158", "187", "135", "150", "182")) + f"{rng.randrange(10**8):08d}"


def plan_edits(folder: Path, n: int, seed: int) -> list[Edit]:
    """``n`` edits: ~45% in the hub's form tabs, the rest over the spokes' child tabs;
    3 of them are new rows (hub, two spokes) and one a deleted spoke row. Distinct records
    on each side, so no edit conflicts with another."""
    rng = random.Random(seed)
    hub = _book(folder / HUB).read()
    spokes = sorted(p.name for p in folder.glob("*.xlsx") if p.name != HUB)
    child = FormTab(hub[CHILD_TAB])
    county = {r: child.value(r, "县") for r in child.rows}
    schools = FormTab(hub["学校"])
    by_county: dict[str, list[str]] = {}
    for s in schools.rows:
        by_county.setdefault(schools.value(s, "县"), []).append(schools.value(s, "学校名称"))

    def child_edit(book: str, record: str) -> Edit:
        header = rng.choice(("监护人电话", "父亲电话", "母亲电话", "姓名", "学校", "兴趣爱好",
                             "学习情况", "性格特征"))
        old = child.value(record, header)
        if header.endswith("电话"):
            value = _phone(rng)
        elif header == "姓名":
            value = (old[:-1] or "王") + rng.choice(_SURNAME_TAILS)
        elif header == "学校":
            others = [s for s in by_county.get(county[record], []) if s != old] or [old + "分校"]
            value = rng.choice(others)
        else:
            value = rng.choice([x for x in _NOTES if x != old])
        return Edit(book, CHILD_TAB, record, header, value)

    ids = sorted(child.rows)
    rng.shuffle(ids)
    used: set[str] = set()

    def take(pred: Any) -> str:
        rid = next(r for r in ids if r not in used and pred(r))
        used.add(rid)
        return rid

    edits: list[Edit] = []
    n_hub = round(n * 0.45) - 1  # one more is the hub's new row
    n_other = min(15, n_hub // 3)  # hub edits outside the child tab
    for _ in range(n_hub - n_other):
        edits.append(child_edit(HUB, take(lambda r: True)))
    volunteers, expenses = FormTab(hub["志愿者报名表"]), FormTab(hub["支出明细"])
    for i in range(n_other):
        if i % 3 == 2:
            rid = rng.choice(sorted(expenses.rows))
            edits.append(Edit(HUB, "支出明细", rid, rng.choice(("备注", "支出理由")),
                              rng.choice(("补发票", "租车往返驻地", "购买文具", "活动材料"))))
        elif i % 3 == 1:
            rid = rng.choice(sorted(schools.rows))
            header = rng.choice(("联系电话", "联系老师"))
            edits.append(Edit(HUB, "学校", rid, header, _phone(rng) if header == "联系电话"
                              else "刘" + rng.choice(_SURNAME_TAILS) + rng.choice(_SURNAME_TAILS)))
        else:
            rid = rng.choice(sorted(volunteers.rows))
            header = rng.choice(("手机号", "紧急联系人电话", "特长"))
            edits.append(Edit(HUB, "志愿者报名表", rid, header,
                              _phone(rng) if "电话" in header or header == "手机号"
                              else rng.choice(("书法", "篮球、唱歌", "数学", "英语、舞蹈"))))
    edits.append(Edit(HUB, CHILD_TAB, "", "", "", like=take(lambda r: True)))
    n_spoke = n - len(edits)
    spoke_county = {s: next(c for c in by_county if c in s) for s in spokes}
    new_in = spokes[:2]
    deleted_in = spokes[-1]
    per = {s: 0 for s in spokes}
    for i in range(n_spoke):
        per[spokes[i % len(spokes)]] += 1
    for s in spokes:
        c = spoke_county[s]
        k = per[s] - (s in new_in) - (s == deleted_in)
        for _ in range(k):
            edits.append(child_edit(s, take(lambda r, c=c: county[r] == c)))
        if s in new_in:
            edits.append(Edit(s, CHILD_TAB, "", "", "", like=take(lambda r, c=c: county[r] == c)))
        if s == deleted_in:
            edits.append(Edit(s, CHILD_TAB, take(lambda r, c=c: county[r] == c), "", ""))
    assert len(edits) == n, (len(edits), n)
    return edits


def apply_edits(folder: Path, edits: list[Edit]) -> None:
    """Write ``edits`` into ``folder``'s books: one ``ExcelBook.apply`` per book."""
    books = sorted({e.book for e in edits})
    for name in books:
        book = _book(folder / name)
        grids = book.read()
        tabs: dict[str, FormTab] = {}
        batch = _LIB.base.WriteBatch()
        appended: dict[str, int] = {}
        for e in (e for e in edits if e.book == name):
            tab = tabs.setdefault(e.tab, FormTab(grids[e.tab]))
            if e.like:  # a new row after the last, modelled on ``like``, without 编号 and ID
                appended[e.tab] = appended.get(e.tab, tab.grid.n_rows) + 1
                src = tab.rows[e.like]
                for j, header in enumerate(tab.headers, 1):
                    value = tab.grid.cell(src, j)
                    if header in {"编号", "身份证号", "校验结果"}:
                        value = ""
                    elif header == "姓名":
                        value = value[:1] + "新" + value[-1:]
                    if value:
                        batch.set_cell(e.tab, appended[e.tab], j, value)
            elif not e.header:  # the whole row deleted
                for j in range(1, len(tab.headers) + 1):
                    if tab.grid.cell(tab.rows[e.record], j):
                        batch.set_cell(e.tab, tab.rows[e.record], j, "")
            else:
                batch.set_cell(e.tab, tab.rows[e.record], tab.col(e.header), e.value)
        book.apply(batch)


# ------------------------------------------------------------------ the macro button

def caller_json(folder: Path, into: Path) -> Path:
    """The stand-in's caller: the hub's tabs as Excel holds them, named as the hub file."""
    tabs = _book(folder / HUB).read()
    book = into / "caller.json"
    book.write_text(json.dumps({
        "name": HUB, "fullname": str(folder / HUB),
        "sheets": [{"name": t, "rows": g.rows} for t, g in tabs.items()]},
        ensure_ascii=False), encoding="utf-8")
    return book


def macro(tree: Path, folder: Path, scratch: Path) -> Sample:
    """The 校验 button: ``import sheets_sync_macros; sheets_sync_macros.validate_clicked()``."""
    book = caller_json(folder, scratch)
    env = {**os.environ, "XLWINGS_STANDIN_BOOK": str(book),
           "PYTHONPATH": os.pathsep.join([str(STANDIN), str(tree / "macros"), str(tree)])}
    command = "import sheets_sync_macros; sheets_sync_macros.validate_clicked()"
    sample, _, stderr = measure([sys.executable, "-B", "-c", command], folder, env)
    alerts = json.loads(book.read_text(encoding="utf-8")).get("alerts", [])
    sample.message = alerts[0]["prompt"] if alerts else f"(no message box) {stderr[-300:]}"
    if not sample.message.startswith("校验完成"):  # the button said it failed: not a figure
        sample.rc = 1
    return sample


# ------------------------------------------------------------------ the run

def copy(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def book_writes(sample: Sample, spokes: list[str]) -> tuple[int, int]:
    return sample.writes.get(HUB, 0), sum(sample.writes.get(s, 0) for s in spokes)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    global _LIB
    trees = {"old": args.old_tree or ref_tree(args.old_ref, work),
             "new": ref_tree(args.new_ref, work) if args.new_ref else ROOT}
    print(f"old: {trees['old']}  new: {trees['new']}", file=sys.stderr)
    _LIB = library(trees["old"])

    base = work / "base"
    print("building the demo project with the old release …", file=sys.stderr)
    demo = cli(trees["old"], ["demo", str(base)], work)
    spokes = sorted(p.name for p in base.glob("*.xlsx") if p.name != HUB)
    settled: dict[str, Path] = {}
    settle: dict[str, Sample] = {}
    for side in SIDES:
        settled[side] = copy(base, work / f"settled-{side}")
        settle[side] = cli(trees[side], ["run"], settled[side], count=True, ok=frozenset({0, 1}))
    edits = plan_edits(settled["old"], args.edits, args.seed)

    samples: dict[str, dict[str, list[Sample]]] = {s: {} for s in SIDES}
    for i in range(args.repeat):
        for side in (SIDES if i % 2 == 0 else SIDES[::-1]):  # alternate who goes first
            print(f"repetition {i + 1}/{args.repeat}: {side} …", file=sys.stderr)
            folder = copy(settled[side], work / f"rep-{side}")
            apply_edits(folder, edits)
            got = samples[side]
            got.setdefault("edit", []).append(
                cli(trees[side], ["run"], folder, count=True, ok=frozenset({0, 1})))
            got.setdefault("noedit", []).append(
                cli(trees[side], ["run"], folder, count=True, ok=frozenset({0, 1})))
            got.setdefault("help", []).append(cli(trees[side], ["--help"], work))
            got.setdefault("version", []).append(cli(trees[side], ["--version"], work))
            got.setdefault("macro", []).append(macro(trees[side], copy(settled[side],
                                                                       work / f"macro-{side}"),
                                                     work))
            got.setdefault("python", []).append(
                measure([sys.executable, "-B", "-c", "pass"], work)[0])
    return summarise(args, edits, spokes, demo, settle, samples)


def summarise(args: argparse.Namespace, edits: list[Edit], spokes: list[str], demo: Sample,
              settle: dict[str, Sample], samples: dict[str, dict[str, list[Sample]]]
              ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "repeat": args.repeat, "seed": args.seed, "old_ref": args.old_ref,
        "new": args.new_ref or "working tree",
        "edits": {"total": len(edits),
                  "hub": sum(e.book == HUB for e in edits),
                  "spokes": sum(e.book != HUB for e in edits),
                  "new_rows": sum(bool(e.like) for e in edits),
                  "deleted_rows": sum(not e.header and not e.like for e in edits)},
        "demo_build_cpu": demo.cpu,
        "settle": {s: asdict(x) for s, x in settle.items()},
        "sides": {},
    }
    for side, got in samples.items():
        med: dict[str, dict[str, Any]] = {
            kind: {"cpu": median([x.cpu for x in xs]), "rss_mb": median([x.rss_mb for x in xs]),
                   "wall": median([x.wall for x in xs])} for kind, xs in got.items()}
        for kind in ("edit", "noedit"):
            hub_w, spoke_w = zip(*(book_writes(x, spokes) for x in got[kind]), strict=True)
            med[kind]["hub_writes"] = max(hub_w)
            med[kind]["spoke_writes"] = max(spoke_w)
            med[kind]["openpyxl"] = any(x.openpyxl for x in got[kind])
            med[kind]["exit"] = sorted({x.rc for x in got[kind]})
        med["macro"]["message"] = got["macro"][-1].message
        med["macro"]["ok"] = all(x.rc == 0 for x in got["macro"])
        out["sides"][side] = {"median": med,
                              "samples": {k: [asdict(x) for x in xs] for k, xs in got.items()}}
    old, new = (out["sides"][s]["median"] for s in SIDES)
    out["ratio"] = {"edit_cpu": old["edit"]["cpu"] / new["edit"]["cpu"],
                    "edit_rss": old["edit"]["rss_mb"] / new["edit"]["rss_mb"],
                    "noedit_cpu": old["noedit"]["cpu"] / new["noedit"]["cpu"]}
    out["targets"] = {
        "edit_cpu_ratio>=2": out["ratio"]["edit_cpu"] >= 2,
        "noedit<=edit/3": new["noedit"]["cpu"] <= new["edit"]["cpu"] / 3,
        "noedit_cpu<2s": new["noedit"]["cpu"] < 2,
        "help_cpu<0.3s": new["help"]["cpu"] < 0.3,
        "version_cpu<0.3s": new["version"]["cpu"] < 0.3,
        "macro_cpu<2s": new["macro"]["ok"] and new["macro"]["cpu"] < 2,
        "hub_saved_once": new["edit"]["hub_writes"] == 1,
        "spokes_at_most_once": new["edit"]["spoke_writes"] <= len(spokes),
        "noedit_writes_nothing": new["noedit"]["hub_writes"] + new["noedit"]["spoke_writes"] == 0,
    }
    return out


def show(res: dict[str, Any]) -> None:
    e = res["edits"]
    print(f"sheets-sync run on the demo project: {e['total']} edits (hub {e['hub']}, "
          f"spokes {e['spokes']}; {e['new_rows']} new rows, {e['deleted_rows']} deleted), "
          f"median of {res['repeat']}, seed {res['seed']}")
    old, new = (res["sides"][s]["median"] for s in SIDES)
    rows: list[tuple[str, str, str]] = []

    def row(label: str, kind: str, key: str, fmt: str = "{:.2f}") -> None:
        rows.append((label, fmt.format(old[kind][key]), fmt.format(new[kind][key])))

    row("edit run: CPU s", "edit", "cpu")
    row("edit run: peak RSS MB", "edit", "rss_mb", "{:.0f}")
    row("edit run: wall s", "edit", "wall")
    row("edit run: hub 总表.xlsx replaced", "edit", "hub_writes", "{}")
    row("edit run: spoke files replaced", "edit", "spoke_writes", "{}")
    row("edit run: openpyxl loaded", "edit", "openpyxl", "{}")
    row("no-edit run: CPU s", "noedit", "cpu")
    row("no-edit run: peak RSS MB", "noedit", "rss_mb", "{:.0f}")
    row("no-edit run: books replaced", "noedit", "hub_writes", "{}")
    rows[-1] = (rows[-1][0], str(old["noedit"]["hub_writes"] + old["noedit"]["spoke_writes"]),
                str(new["noedit"]["hub_writes"] + new["noedit"]["spoke_writes"]))
    rows.append(("no-edit / edit CPU", f"{old['noedit']['cpu'] / old['edit']['cpu']:.2f}",
                 f"{new['noedit']['cpu'] / new['edit']['cpu']:.2f}"))
    row("--help: CPU s", "help", "cpu")
    row("--version: CPU s", "version", "cpu")
    row("校验 button (macro): CPU s", "macro", "cpu")
    row("校验 button (macro): peak RSS MB", "macro", "rss_mb", "{:.0f}")
    row("python -c pass: CPU s (floor)", "python", "cpu")
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'old ' + res['old_ref']:>14}  {'new ' + res['new']:>14}")
    for label, a, b in rows:
        print(f"{label:{width}}  {a:>14}  {b:>14}")
    print(f"exit codes (edit run): old {old['edit']['exit']}, new {new['edit']['exit']} "
          "(1 = the demo hub has validation errors, as planted)")
    for side, m in zip(SIDES, (old, new), strict=True):
        flag = "" if m["macro"]["ok"] else "  [FAILED: its CPU figure is of the error path]"
        print(f"校验 button message ({side}): {m['macro']['message'].splitlines()[0]}{flag}")
    print("targets (new): " + ", ".join(f"{k} {'yes' if v else 'NO'}"
                                        for k, v in res["targets"].items()))
    print(f"ratio: {res['ratio']['edit_rss']:.2f}  (edit-run peak memory, old/new)")
    print(f"ratio: {res['ratio']['noedit_cpu']:.2f}  (no-edit-run CPU, old/new)")
    print(f"ratio: {res['ratio']['edit_cpu']:.2f}  (edit-run CPU, old/new; target >= 2)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="repetitions per side (median)")
    p.add_argument("--edits", type=int, default=100)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--old-ref", default="v0.1.0", help="git ref of the previous release")
    p.add_argument("--old-tree", type=Path, help="use this source tree as the old side "
                   "(e.g. a git worktree) instead of git archive of --old-ref")
    p.add_argument("--new-ref", help="benchmark this commit as the new side (git archive) "
                   "instead of the working tree")
    p.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a "
                   "temporary folder, removed)")
    p.add_argument("--json", action="store_true", help="print JSON (with every sample)")
    args = p.parse_args()
    if args.edits < 20:
        p.error("--edits: at least 20")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        res = bench(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="run-bench-") as tmp:
            res = bench(args, Path(tmp))
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        show(res)


if __name__ == "__main__":
    main()
