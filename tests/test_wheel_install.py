"""The staff install: a wheel built from the repo, installed offline, runs as ``sheets-sync``.

The wheel is built with the ``build`` front end and hatchling from the ``test`` extra,
without an isolated build environment (nothing is fetched). It is installed into a fresh
venv with ``pip install --no-index --no-deps``; the venv sees the dependencies through a
``.pth`` line naming this venv's site-packages (listed after its own site-packages, so
the installed wheel, not the source tree, is what runs). Then the program is run from that
install, in a folder outside the repo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import sheets_sync

REPO = Path(__file__).resolve().parents[1]
FORMS = sorted(p.name for p in (REPO / "form_templates").glob("*.yaml"))
MACROS = sorted(p.relative_to(REPO / "macros").as_posix()
                for p in (REPO / "macros").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
DISCOVERY = sorted(p.relative_to(REPO).as_posix()
                   for p in (REPO / "sheets_sync" / "testing" / "discovery").glob("*")
                   if p.is_file())


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=180)
    assert done.returncode == 0, f"{cmd} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, REPO,
         cwd=out)
    wheels = list(out.glob("*.whl"))
    assert [w.name for w in wheels] == [f"sheets_sync-{sheets_sync.__version__}-py3-none-any.whl"]
    return wheels[0]


def test_the_wheel_carries_the_forms_the_macros_and_the_program(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        dist = f"sheets_sync-{sheets_sync.__version__}.dist-info"
        entry_points = z.read(f"{dist}/entry_points.txt").decode()
        metadata = z.read(f"{dist}/METADATA").decode()
    assert FORMS and {f"sheets_sync/form_templates/{f}" for f in FORMS} <= names
    assert "sheets_sync_macros.py" in MACROS and "vba/btnSync.bas" in MACROS
    assert {f"sheets_sync/macros/{m}" for m in MACROS} <= names
    assert {"sheets_sync/__init__.py", "sheets_sync/cli.py", "sheets_sync/py.typed"} <= names
    assert set(DISCOVERY) <= names  # the local Sheets server's API description, when present
    assert "[console_scripts]\nsheets-sync = sheets_sync.cli:main" in entry_points
    assert f"Version: {sheets_sync.__version__}" in metadata
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_installed_offline_it_runs_and_builds_the_blank_forms(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "staff-venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                     cwd=tmp_path).strip())
    # the dependencies (gspread, pandas …) from this venv, after the new venv's own packages
    (site / "deps-from-test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n",
                                                  encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--no-deps",
         "--no-cache-dir", "--disable-pip-version-check", "-q", wheel, cwd=tmp_path)

    program = bindir / ("sheets-sync.exe" if os.name == "nt" else "sheets-sync")
    assert program.exists()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    work = tmp_path / "staff"
    work.mkdir()
    where = _run(python, "-c", "import sheets_sync; print(sheets_sync.__file__)", cwd=work,
                 env=env)
    assert Path(where.strip()).is_relative_to(site)  # the wheel runs, not the source tree

    assert _run(program, "--version", cwd=work, env=env).strip() == (
        f"sheets-sync {sheets_sync.__version__}")
    # what the staff steps fall back on when the Scripts folder is not on PATH
    assert _run(python, "-m", "sheets_sync", "--version", cwd=work, env=env).strip() == (
        f"sheets-sync {sheets_sync.__version__}")
    out = _run(program, "templates", "build", "空白表格", "--rows", "20", cwd=work, env=env)
    labels = {_run(python, "-c", "import yaml, sys; print(yaml.safe_load(open(sys.argv[1], "
                   "encoding='utf-8'))['label'])", REPO / "form_templates" / f,
                   cwd=work, env=env).strip() for f in FORMS}
    books = {f"{label}.xlsm" for label in labels} | {"全部表格.xlsm"}
    made = {p.name for p in (work / "空白表格").iterdir()}
    assert made == books | {"sheets_sync_macros.py"}
    assert sorted(out.splitlines()) == sorted(f"已写入 {Path('空白表格') / n}" for n in made)
    assert (work / "空白表格" / "sheets_sync_macros.py").read_bytes() == (
        REPO / "macros" / "sheets_sync_macros.py").read_bytes()
    for name in books:
        with zipfile.ZipFile(work / "空白表格" / name) as z:
            assert "xl/vbaProject.bin" in z.namelist(), name  # the 控制面板 buttons' macros
