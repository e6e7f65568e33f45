"""One run per project: an operating-system lock on ``.sheets-sync/run.lock``.

The lock is :mod:`filelock`'s (``flock`` on Linux and macOS, ``msvcrt.locking`` on
Windows): the system holds it for the process and drops it when the process ends, however
it ends. Nothing guesses whether an old pid still runs, so there is no stale lock to take
over and no window in which two starters both take it.

Beside it, ``.sheets-sync/lock`` is the *info file*: JSON with the holder's pid, host and
start time, written right after the lock is taken and removed on a clean release. It only
informs:

* a run that finds the project locked names the holder from it (:class:`ProjectLocked`);
* a run that takes the lock and still finds an info file knows the previous run died
  without releasing (killed, power cut) and says so in :attr:`ProjectLock.message`.

Deleting either file by hand is never needed; deleting the info file is harmless.

Something else where a lock file belongs: a *folder* named ``run.lock`` (or a file the
system will not let us open) cannot be locked, so the run stops with
:class:`ProjectLockUnusable`, naming it and saying to remove it; a folder named ``lock`` is
not an info file, and is left alone (the run goes on without one).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from filelock import FileLock, Timeout

from ..errors import SheetsSyncError, os_reason

LOCK_NAME = "lock"  # the info file (the name the lock file had before: an old one is read)
OS_LOCK_NAME = "run.lock"
_INFO_TRIES = 20  # a holder writes its info right after locking: wait that long for it
_INFO_PAUSE = 0.025


class ProjectLocked(SheetsSyncError):
    """Another run holds the project lock."""

    def __init__(self, path: Path, pid: int | str, host: str, since: str) -> None:
        self.path = path
        self.pid = pid
        self.host = host
        self.since = since
        super().__init__(
            f"另一个同步正在运行(进程 {pid},主机 {host},开始于 {since}),本次没有运行。"
            f"请等它结束后再试;锁在那个进程结束时自动释放,不需要删除锁文件 {path}。"
        )


class ProjectLockUnusable(SheetsSyncError):
    """The lock file cannot be made or opened (a folder has its name, no permission …)."""

    def __init__(self, path: Path, err: OSError) -> None:
        self.path = path
        fix = ("这个文件夹不是 sheets-sync 建的锁(锁是一个普通文件),请把它删除或改名后重新运行"
               if path.is_dir() else
               f"请确认当前用户可以读写这个文件和 {path.parent} 文件夹后重新运行")
        super().__init__(f"无法使用项目锁 {path}:{os_reason(err)}。{fix};"
                         "本次没有运行,什么都没有写入。")


def _read_info(path: Path) -> dict[str, Any] | None:
    """The info file's content; ``{}`` when it is there but unreadable, ``None`` if absent
    (or not a file: a folder of that name is no info file)."""
    if path.is_dir():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _who(data: dict[str, Any]) -> tuple[int | str, str, str]:
    pid = data.get("pid")
    return (pid if isinstance(pid, int) else "?", str(data.get("host") or "?"),
            str(data.get("time") or "?"))


class ProjectLock:
    """``with ProjectLock(folder):`` — hold the project lock for the block.

    Non-blocking: :meth:`acquire` raises :class:`ProjectLocked` at once when another run
    holds the lock (a scheduled run then reports it and exits). ``folder`` is the project's
    state folder (``.sheets-sync``); it is created when missing.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME          # the info file, named in messages
        self.os_path = self.folder / OS_LOCK_NAME    # what the operating system locks
        self.message = ""
        self._lock: FileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> None:
        if self._lock is not None:
            return
        lock = FileLock(str(self.os_path), mode=0o600)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock.acquire(blocking=False)
        except Timeout:
            raise self._locked() from None
        except OSError as e:
            raise ProjectLockUnusable(self.os_path if self.folder.is_dir() else self.folder,
                                      e) from e
        self._lock = lock
        left = _read_info(self.path)
        if left is not None:
            pid, host, since = _who(left)
            self.message = (f"上次运行(进程 {pid},主机 {host},开始于 {since})没有正常结束,"
                            "已接管它留下的锁;本次运行会补上未完成的同步。")
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "time": dt.datetime.now().isoformat(timespec="seconds")}
        if self.path.is_dir():  # not an info file: leave it, run without one
            return
        try:
            self.path.write_text(json.dumps(info), encoding="utf-8")
        except OSError:
            self.release()
            raise

    def _locked(self) -> ProjectLocked:
        data: dict[str, Any] | None = None
        for _ in range(_INFO_TRIES):
            data = _read_info(self.path)
            if data:
                break
            time.sleep(_INFO_PAUSE)
        return ProjectLocked(self.path, *_who(data or {}))

    def release(self) -> None:
        """Remove the info file, then let the lock go (a no-op when not held)."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        try:
            if not self.path.is_dir():
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
        finally:
            lock.release()

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
