"""Is a workbook open in Excel or LibreOffice? Their lock files say so.

* Excel writes an owner file ``~$<name>`` next to the workbook; for long names it drops
  the first two characters: ``~$<name[2:]>`` (``~$ildren.xlsx`` for ``children.xlsx``).
* LibreOffice writes ``.~lock.<name>#``.

A stale lock file (left by a crash) looks the same; the message that refuses the write
tells the user to delete it if nobody has the workbook open.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["lock_candidates", "lock_file_for"]


def lock_candidates(path: Path) -> list[Path]:
    """The lock files Excel and LibreOffice would create for ``path``."""
    name = path.name
    names = [f"~${name}"]
    if len(name) > 2:
        names.append(f"~${name[2:]}")
    names.append(f".~lock.{name}#")
    return [path.with_name(n) for n in names]


def lock_file_for(path: Path) -> Path | None:
    """The first lock file present for ``path``, or ``None`` if it looks closed."""
    for candidate in lock_candidates(path):
        if candidate.is_file():
            return candidate
    return None
