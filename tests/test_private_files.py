"""What the tool keeps beside a project (backups, state, lock) is readable by this user only."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.sync.pipeline import run_pipeline
from sheets_sync.sync.project import project_from_dict

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
TAB = "留守儿童家庭情况登记表"
HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_and_the_state_folder_are_private_whatever_the_books_mode(
        tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_workbook(tmp_path / "总表.xlsx", {TAB: [HEAD, ["C0001", "王小红", "女", "满城",
                                                            "一小", "3"]]})
        write_workbook(tmp_path / "满城.xlsx", {"封面": [["满城县大队"]]})
        for name in ("总表.xlsx", "满城.xlsx"):
            os.chmod(tmp_path / name, 0o644)  # as a copied or downloaded file often is
        project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": "总表.xlsx"},
                                     "spokes": [{"book": "满城.xlsx",
                                                 "partition": {"county": "满城"}}]}, tmp_path)
        assert run_pipeline(project, steps=("sync",)).ok
        batch = WriteBatch()
        batch.set_cell(TAB, 2, 6, "4")
        ExcelBook(tmp_path / "总表.xlsx").apply(batch)
        assert run_pipeline(project, steps=("sync",)).ok
    finally:
        os.umask(old)
    folder = tmp_path / ".sheets-sync"
    backups = list((folder / "backups").iterdir())
    assert backups and all(mode(b) == 0o600 for b in backups)
    assert mode(folder) == 0o700 and mode(folder / "backups") == 0o700
    assert mode(folder / "state.db") == 0o600
