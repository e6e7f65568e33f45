"""The project lock: one run per project, across processes, and a killed run never blocks.

Every test uses real processes (``multiprocessing`` with spawn, or the real CLI): the lock
is the operating system's, so that is where it must hold.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sheets_sync.books.excel import write_workbook
from sheets_sync.sync.lock import ProjectLock, ProjectLocked

SPAWN = multiprocessing.get_context("spawn")
HANG_GUARD = 120  # seconds a barrier may wait before the test fails instead of hanging
TAKEN_OVER = "没有正常结束,已接管它留下的锁"


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def _plant_left_info(folder: Path, pid: int) -> None:
    """What a run killed while holding the lock leaves behind: its info file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lock").write_text(json.dumps({"pid": pid, "host": socket.gethostname(),
                                             "time": "2026-07-01T10:00:00"}), encoding="utf-8")


# -- in one process ------------------------------------------------------------------------


def test_a_second_acquire_names_the_holder_and_the_lock_file(tmp_path: Path) -> None:
    with ProjectLock(tmp_path) as held:
        info = json.loads(held.path.read_text(encoding="utf-8"))
        with pytest.raises(ProjectLocked) as err:
            ProjectLock(tmp_path).acquire()
    assert str(err.value) == (
        f"另一个同步正在运行(进程 {os.getpid()},主机 {socket.gethostname()},"
        f"开始于 {info['time']}),本次没有运行。请等它结束后再试;锁在那个进程结束时"
        f"自动释放,不需要删除锁文件 {tmp_path / 'lock'}。")
    assert held.message == ""


def test_a_clean_release_leaves_no_info_and_the_next_run_says_nothing(tmp_path: Path) -> None:
    with ProjectLock(tmp_path) as lock:
        assert lock.held and lock.path.exists()
    assert not lock.held and not lock.path.exists()
    with ProjectLock(tmp_path) as again:
        assert again.message == ""


def test_a_lock_left_by_an_older_release_is_taken_over(tmp_path: Path) -> None:
    dead = _dead_pid()
    _plant_left_info(tmp_path, dead)
    with ProjectLock(tmp_path) as lock:
        assert lock.message == (
            f"上次运行(进程 {dead},主机 {socket.gethostname()},开始于 2026-07-01T10:00:00)"
            "没有正常结束,已接管它留下的锁;本次运行会补上未完成的同步。")
        assert json.loads(lock.path.read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_an_unreadable_info_file_still_says_the_last_run_did_not_finish(tmp_path: Path) -> None:
    (tmp_path / "lock").write_text('{"pid": 12', encoding="utf-8")  # cut off mid-write
    with ProjectLock(tmp_path) as lock:
        assert lock.message.startswith("上次运行(进程 ?,主机 ?,开始于 ?)没有正常结束")


# -- across processes ----------------------------------------------------------------------


def _race(folder: str, rounds: int, start: Any, attempted: Any, done: Any,
          holders: Any, overlaps: Any, out: Any) -> None:
    """One racer: each round, try the lock; hold it until both racers have tried."""
    for i in range(rounds):
        start.wait(HANG_GUARD)
        lock = ProjectLock(Path(folder))
        try:
            lock.acquire()
        except ProjectLocked:
            got = False
        else:
            got = True
            with holders.get_lock():
                holders.value += 1
                if holders.value > 1:
                    overlaps.value += 1
        attempted.wait(HANG_GUARD)  # both tried while the holder (if any) still holds
        message = lock.message
        if got:
            with holders.get_lock():
                holders.value -= 1
            lock.release()
        out.put((i, got, message))
        done.wait(HANG_GUARD)


def test_two_processes_racing_for_a_left_lock_never_both_hold_it(tmp_path: Path) -> None:
    """200 rounds; before each, a dead run's info file is in place (the takeover case)."""
    rounds, folder, dead = 200, tmp_path / ".sheets-sync", _dead_pid()
    start, attempted, done = (SPAWN.Barrier(3) for _ in range(3))
    holders, overlaps = SPAWN.Value("i", 0), SPAWN.Value("i", 0)
    out = SPAWN.Queue()
    racers = [SPAWN.Process(target=_race, args=(str(folder), rounds, start, attempted, done,
                                                holders, overlaps, out)) for _ in range(2)]
    for p in racers:
        p.start()
    try:
        for _ in range(rounds):
            _plant_left_info(folder, dead)
            start.wait(HANG_GUARD)
            attempted.wait(HANG_GUARD)
            done.wait(HANG_GUARD)
        results = [out.get(timeout=HANG_GUARD) for _ in range(2 * rounds)]
    finally:
        for p in racers:
            p.join(HANG_GUARD)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in racers] == [0, 0]
    assert overlaps.value == 0
    winners: dict[int, list[str]] = {i: [] for i in range(rounds)}
    for i, got, message in results:
        if got:
            winners[i].append(message)
    assert all(len(w) == 1 for w in winners.values())  # exactly one holder every round
    assert all(TAKEN_OVER in w[0] and f"进程 {dead}" in w[0] for w in winners.values())


def _hold_forever(folder: str, ready: Any) -> None:
    lock = ProjectLock(Path(folder))
    lock.acquire()
    ready.set()
    while True:  # until killed
        multiprocessing.Event().wait(3600)


def test_a_process_killed_while_holding_the_lock_never_blocks_the_next_run(
        tmp_path: Path) -> None:
    ready = SPAWN.Event()
    holder = SPAWN.Process(target=_hold_forever, args=(str(tmp_path), ready))
    holder.start()
    try:
        assert ready.wait(HANG_GUARD)
        with pytest.raises(ProjectLocked, match=f"进程 {holder.pid},"):
            ProjectLock(tmp_path).acquire()
    finally:
        holder.kill()  # SIGKILL: no cleanup runs in the holder
        holder.join(HANG_GUARD)
    assert (tmp_path / "lock").exists()  # it had no chance to clean up
    with ProjectLock(tmp_path) as lock:
        assert lock.message.startswith(f"上次运行(进程 {holder.pid},主机 {socket.gethostname()},")
        assert TAKEN_OVER in lock.message


# -- the real CLI --------------------------------------------------------------------------

TAB = "留守儿童家庭情况登记表"
HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]


def _cli() -> list[str]:
    return [sys.executable, "-m", "sheets_sync"]


def _small_project(root: Path) -> Path:
    write_workbook(root / "总表.xlsx", {TAB: [HEAD, ["C0001", "王小红", "女", "满城", "一小", "3"],
                                            ["C0002", "李明", "男", "顺平", "二小", "4"]]})
    write_workbook(root / "满城.xlsx", {TAB: [HEAD, ["C0001", "王小红", "女", "满城", "一小", "3"]]})
    (root / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child"]\n\n[hub]\nbook = "总表.xlsx"\n\n'
        '[[spokes]]\nbook = "满城.xlsx"\npartition = {county = "满城"}\n', encoding="utf-8")
    return root


def _sync(root: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.Popen([*_cli(), "sync"], cwd=root, env=env, text=True,
                            encoding="utf-8", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_the_cli_refuses_to_run_while_another_run_holds_the_lock(tmp_path: Path) -> None:
    root = _small_project(tmp_path)
    with ProjectLock(root / ".sheets-sync"):
        proc = _sync(root)
        out, _ = proc.communicate(timeout=HANG_GUARD)
    assert proc.returncode == 1, out
    assert f"另一个同步正在运行(进程 {os.getpid()}," in out
    assert f"不需要删除锁文件 {root / '.sheets-sync' / 'lock'}" in out


def test_two_cli_syncs_started_together_never_both_run(tmp_path: Path) -> None:
    """Each trial starts two ``sheets-sync sync`` on a project whose last run was killed.

    Run one after the other, only the first finds the dead run's info file; had both run
    at once, both would have taken it over. A run that finds the lock held exits 1 with
    the Chinese message.
    """
    root = _small_project(tmp_path)
    first = _sync(root)
    out, _ = first.communicate(timeout=HANG_GUARD)
    assert first.returncode == 0, out
    dead = _dead_pid()
    for _ in range(10):
        _plant_left_info(root / ".sheets-sync", dead)
        procs = [_sync(root), _sync(root)]
        outs = [p.communicate(timeout=HANG_GUARD)[0] for p in procs]
        codes = [p.returncode for p in procs]
        assert sorted(codes) in ([0, 0], [0, 1]), outs
        assert sum(TAKEN_OVER in o for o in outs) == 1, outs
        for code, o in zip(codes, outs, strict=True):
            if code == 1:
                assert "另一个同步正在运行(进程 " in o and "本次没有运行" in o, o
        assert not (root / ".sheets-sync" / "lock").exists()
