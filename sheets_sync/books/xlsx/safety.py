"""File safety for every workbook the tool writes: the one place for these rules.

* :func:`atomic_save` — write to a temp file in the same folder, fsync, ``os.replace`` it
  over the target; the temp file is removed when anything fails. Temp files a killed run
  left behind (they hold children's data) are removed by the next save into that folder:
  their names carry the writing process's id, so a live writer's file is never touched.
* :func:`backup` — a copy of the file in the backup folder before its first write in a run.
* :func:`refuse_if_locked` — a workbook open in Excel or LibreOffice is never written
  (see :mod:`sheets_sync.books.locks`).
* :func:`check_tab_name` / :func:`valid_tab_name` — the Excel rules for a tab name: not
  empty, at most 31 characters, none of ``[ ] : * ? / \\`` and no control character (NUL,
  a line break …), not starting or ending with ``'``, not ``History`` (Excel reserves
  it), unique ignoring case. ``check`` refuses a bad name in Chinese; ``valid`` turns any
  text into a valid, unique name (per-school tabs).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from ...errors import BookError, DiskFull, WorkbookLocked, is_disk_full, os_reason
from ..locks import lock_file_for

__all__ = [
    "MAX_TAB_CHARS",
    "TEMP_PREFIX",
    "atomic_save",
    "backup",
    "check_tab_name",
    "refuse_if_locked",
    "remove_stale_temp_files",
    "tab_name_problem",
    "valid_tab_name",
]

TEMP_PREFIX = ".sheets-sync-"
MAX_TAB_CHARS = 31
STALE_AFTER = 24 * 3600  # a temp file this old is stale even if its pid was reused
_BAD_TAB_CHARS = re.compile(r"[\[\]:*?/\\]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")  # XML cannot hold them in a tab name
_TEMP = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-[0-9a-f]{8}-")


# -- tab names ----------------------------------------------------------------------------


def tab_name_problem(name: str, taken: Iterable[str] = ()) -> str:
    """Why Excel cannot hold a tab called ``name`` (Chinese), or ``""`` when it can."""
    if not name.strip():
        return "名称不能为空"
    if len(name) > MAX_TAB_CHARS:
        return f"名称有 {len(name)} 个字符,Excel 最多允许 {MAX_TAB_CHARS} 个"
    if _BAD_TAB_CHARS.search(name) or name.startswith("'") or name.endswith("'"):
        return "名称不能包含 [ ] : * ? / \\ 这些字符,也不能以单引号开头或结尾"
    if _CONTROL_CHARS.search(name):
        return "名称不能包含不可见的控制字符(如 NUL、换行、制表符)"
    if name.casefold() == "history":
        return "“History”是 Excel 保留的名称"
    if name.casefold() in {t.casefold() for t in taken}:
        return "与另一个工作表重名(Excel 不区分大小写)"
    return ""


def check_tab_name(name: str, seen: set[str]) -> None:
    """Refuse ``name`` unless Excel can hold it beside ``seen`` (casefolded; it is added)."""
    problem = tab_name_problem(name, seen)
    if problem:
        raise BookError(f"无法创建工作表“{name}”:{problem}。请换一个工作表名称。")
    seen.add(name.casefold())


def valid_tab_name(text: str, taken: Iterable[str] = ()) -> str:
    """``text`` made into a tab name Excel accepts, unique (ignoring case) among ``taken``.

    Forbidden characters (and control characters such as NUL) become ``_``, leading/trailing
    ``'`` and spaces go, an empty name becomes ``Sheet``, ``History`` becomes ``History_``;
    the result is cut to 31 characters and, when taken, ends in ``(2)``, ``(3)`` … (still
    within 31).
    """
    name = _BAD_TAB_CHARS.sub("_", _CONTROL_CHARS.sub("_", text)).strip().strip("'").strip()
    name = name or "Sheet"
    if name.casefold() == "history":
        name += "_"
    name = name[:MAX_TAB_CHARS].rstrip("'")
    used = {t.casefold() for t in taken}
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        tail = f"({n})"
        candidate = name[: MAX_TAB_CHARS - len(tail)].rstrip("'") + tail
    return candidate


# -- locks and backups ---------------------------------------------------------------------


def refuse_if_locked(path: Path) -> None:
    """Raise :class:`WorkbookLocked` when ``path`` is open in Excel or LibreOffice."""
    lock = lock_file_for(path)
    if lock is not None:
        raise WorkbookLocked(path, lock)


def private_dir(folder: Path) -> None:
    """Create ``folder`` (and the missing folders above it) readable by this user only."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)


def backup(path: Path, backup_dir: Path) -> Path:
    """Copy ``path`` into ``backup_dir`` as ``<stem>.<time>[-n]<suffix>``; the copy's path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    copying: Path | None = None  # the new file, once the copy into it has begun
    try:
        private_dir(backup_dir)
        target = backup_dir / f"{path.stem}.{stamp}{path.suffix}"
        n = 1
        while target.exists():
            n += 1
            target = backup_dir / f"{path.stem}.{stamp}-{n}{path.suffix}"
        copying = target
        # only this user reads a backup (it holds children's data), whatever the original's mode
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        st = path.stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    except OSError as err:
        if copying is not None and copying.is_file():  # a copy cut short is no backup
            with contextlib.suppress(OSError):
                copying.unlink()
        if is_disk_full(err):
            raise DiskFull(backup_dir, f"没有备份就不写入,所以工作簿 {path.name} 没有改动。"
                           ) from err
        raise BookError(
            f"无法在 {backup_dir} 备份工作簿 {path.name}:{os_reason(err)}。"
            "为避免丢失数据,本次没有写入。请确认该文件夹可以写入后重新运行。"
        ) from err
    return target


# -- atomic save ---------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process (or we cannot tell): leave it
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temp files of writers that died (killed mid-save); the files removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None or not entry.is_file():
            continue
        try:
            old = now - entry.stat().st_mtime > STALE_AFTER
        except OSError:
            continue
        if old or not _alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def atomic_save(
    save: Callable[[Path], object], path: Path, before_replace: Callable[[], None] | None = None
) -> None:
    """``save`` to a temp file next to ``path``, fsync it, then ``os.replace`` it over.

    ``before_replace`` runs just before the replace (the lock check again: Excel may have
    opened the file meanwhile). On any failure the temp file goes and ``path`` is as it was;
    an ``OSError`` becomes a Chinese :class:`BookError`.
    """
    remove_stale_temp_files(path.parent)
    tmp_path = path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        save(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp_path)
        if before_replace is not None:
            before_replace()
        os.replace(tmp_path, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(err, OSError) and is_disk_full(err):
            raise DiskFull(path.name, "原文件没有改动,也没有留下写了一半的文件。") from err
        if isinstance(err, OSError):
            raise BookError(
                f"无法写入工作簿 {path.name}:{os_reason(err)}。原文件没有改动。"
                "请确认文件没有被其他程序占用、所在文件夹可以写入,然后重新运行。"
            ) from err
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows it
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
