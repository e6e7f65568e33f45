"""``sheets-sync --help`` and ``--version`` import only what they need.

Every command imports its heavy libraries (pandas, numpy, openpyxl …) in its body, when it
runs; the group, its options and every command's help are built from the light modules
alone. Checked in a fresh interpreter, by what ends up in ``sys.modules``, not by time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sheets_sync.cli import cli

HEAVY = {"pandas", "numpy", "pyarrow", "openpyxl", "scipy", "duckdb", "gspread", "lxml",
         "python_calamine"}

# runs each argv in turn in one fresh interpreter; after each, the heavy modules loaded so far
PROBE = """
import json, sys
from sheets_sync.cli import cli
heavy, out = {heavy!r}, []
for args in {runs!r}:
    try:
        cli.main(args, prog_name="sheets-sync", standalone_mode=False)
    except SystemExit:
        pass
    out.append([" ".join(args), sorted(m for m in sys.modules if m.split(".")[0] in heavy)])
print(json.dumps(out))
"""


def heavy_modules_after(runs: list[list[str]]) -> dict[str, list[str]]:
    """argv -> the heavy modules loaded once it (and the ones before it) ran, in one process."""
    proc = subprocess.run([sys.executable, "-c", PROBE.format(runs=runs, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=120, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    out = []
    for name, cmd in group.commands.items():
        out.append([*prefix, name])
        if isinstance(cmd, click.Group):
            out += commands(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("args", [
    pytest.param(["--help"], id="help"),
    pytest.param(["--version"], id="version"),
])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    assert heavy_modules_after([args]) == {" ".join(args): []}


def test_no_command_help_imports_a_heavy_library() -> None:
    runs = [[*c, "--help"] for c in commands(cli)]
    assert len(runs) > 10
    assert heavy_modules_after(runs) == {" ".join(r): [] for r in runs}


def test_import_sheets_sync_is_light_and_the_facade_still_resolves() -> None:
    probe = ("import json, sys, sheets_sync; before = sorted(m for m in sys.modules "
             f"if m.split('.')[0] in {HEAVY!r}); "
             "missing = [n for n in sheets_sync.__all__ if not hasattr(sheets_sync, n)]; "
             "print(json.dumps([before, missing]))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    assert json.loads(proc.stdout) == [[], []]


def test_a_run_on_excel_books_never_imports_the_google_client(tmp_path: Path) -> None:
    """gspread and google-auth cost a third of a second to import: only a Google book pays."""
    from sheets_sync.books.excel import write_workbook

    tab = "留守儿童家庭情况登记表"
    write_workbook(tmp_path / "总表.xlsx", {tab: [["编号", "姓名", "县"], ["C0001", "王小红", "满城"]]})
    write_workbook(tmp_path / "满城.xlsx", {"封面": [["满城县大队"]]})
    (tmp_path / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child"]\n[hub]\nbook = "总表.xlsx"\n'
        '[[spokes]]\nbook = "满城.xlsx"\npartition = {county = "满城"}\n', encoding="utf-8")
    probe = ("import os, sys; os.chdir(sys.argv[1]); from sheets_sync.cli import cli\n"
             "try:\n    cli.main(['run'], prog_name='sheets-sync', standalone_mode=False)\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in {'gspread', 'google'}))")
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
