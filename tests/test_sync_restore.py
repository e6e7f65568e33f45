"""restore RUN, history, init, the project lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.errors import ConfigError, SheetsSyncError
from sheets_sync.sync import load_project, sync_project
from sheets_sync.sync.init import init_project
from sheets_sync.sync.lock import ProjectLock, ProjectLocked
from sheets_sync.sync.restore import history, restore

from .test_sync_run import TAB, _books, _project


def _excel_project(tmp_path: Path):  # type: ignore[no-untyped-def]
    project = _project(tmp_path)
    for name, book in _books().items():
        write_workbook(tmp_path / name, {t: g.rows for t, g in book.read().items()})
    return project


def _contents(tmp_path: Path) -> dict[str, dict[str, list[list[str]]]]:
    return {p.name: {t: g.rows for t, g in ExcelBook(p).read().items()}
            for p in sorted(tmp_path.glob("*.xlsx"))}


def test_restore_puts_every_book_back_exactly(tmp_path: Path) -> None:
    project = _excel_project(tmp_path)
    first = sync_project(project)
    before = _contents(tmp_path)
    book = ExcelBook(tmp_path / "满城.xlsx")
    rows = book.read()[TAB].rows
    from sheets_sync.books.base import WriteBatch
    batch = WriteBatch()
    batch.set_cell(TAB, 2, 5, "6")                     # 年级 of C0001
    batch.set_cell(TAB, len(rows) + 1, 1, "孙丽")       # a new child
    batch.set_cell(TAB, len(rows) + 1, 3, "满城")
    book.apply(batch)
    edited = _contents(tmp_path)
    second = sync_project(project)
    assert second.counts["new_ids"] == 1
    restore(project, second.run_id)
    assert _contents(tmp_path) == edited
    restore(project, first.run_id)
    assert _contents(tmp_path)["总表.xlsx"] == {TAB: before["总表.xlsx"][TAB]}
    assert sync_project(project).status == "ok"


def test_restore_of_an_unknown_run_says_so(tmp_path: Path) -> None:
    project = _excel_project(tmp_path)
    with pytest.raises(SheetsSyncError, match="没有编号为 99 的运行记录"):
        restore(project, 99)


def test_history_lists_a_records_changes(tmp_path: Path) -> None:
    project = _excel_project(tmp_path)
    sync_project(project)
    rows = history(project, "C0003")
    assert {(a.book, a.field, a.new) for a in rows} >= {("满城.xlsx", "姓名", "赵雪")}


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    path = init_project(tmp_path)
    project = load_project(path)
    assert [s.partition for s in project.spokes] == [
        {"county": "满城"}, {"county": "顺平"}, {"county": "清苑"}]
    with pytest.raises(ConfigError, match="已经存在,没有覆盖它"):
        init_project(tmp_path)


def test_a_live_lock_stops_a_second_run(tmp_path: Path) -> None:
    with ProjectLock(tmp_path), pytest.raises(ProjectLocked, match="另一个同步正在运行"):
        ProjectLock(tmp_path).acquire()


def test_a_stale_lock_from_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(proc.stdout)
    lock = ProjectLock(tmp_path)
    import json
    import socket
    lock.path.write_text(json.dumps({"pid": dead, "host": socket.gethostname(),
                                     "time": "2026-07-01T10:00:00"}))
    lock.acquire()
    try:
        assert "没有正常结束,已接管它留下的锁" in lock.message
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    finally:
        lock.release()
    assert not lock.path.exists()
