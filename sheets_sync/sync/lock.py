"""One run per project: ``.sheets-sync/lock`` holds the running process's pid, host and time.

A lock left by a process that no longer runs (on this host) is stale: it is taken over
and :attr:`ProjectLock.message` says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
from pathlib import Path
from types import TracebackType

from ..errors import SheetsSyncError

LOCK_NAME = "lock"


class ProjectLocked(SheetsSyncError):
    def __init__(self, path: Path, pid: int, host: str, since: str) -> None:
        super().__init__(
            f"另一个同步正在运行(进程 {pid},主机 {host},开始于 {since}),本次没有运行。"
            f"请等它结束后再试;如果确认它已经不在运行,可以删除锁文件 {path}。"
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProjectLock:
    """``with ProjectLock(folder):`` — hold the project lock for the block."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self.message = ""
        self._held = False

    def acquire(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "time": dt.datetime.now().isoformat(timespec="seconds")}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                self._check_stale()
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(info, f)
            self._held = True
            return
        raise SheetsSyncError(f"无法取得项目锁 {self.path},请稍后重试。")

    def _check_stale(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            data = {}
        pid = int(data.get("pid", 0) or 0)
        host = str(data.get("host", "?"))
        since = str(data.get("time", "?"))
        if pid and host == socket.gethostname() and _alive(pid):
            raise ProjectLocked(self.path, pid, host, since)
        if pid and host != socket.gethostname():
            raise ProjectLocked(self.path, pid, host, since)
        self.message = (f"上次运行(进程 {pid or '?'},开始于 {since})没有正常结束,"
                        "已接管它留下的锁;本次运行会补上未完成的同步。")
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def release(self) -> None:
        if self._held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._held = False

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
