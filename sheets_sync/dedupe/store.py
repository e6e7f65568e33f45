"""Decisions and the merge audit trail, kept in ``<project>/.sheets-sync/state.db``.

Two tables of the project's state database (sqlite, file mode 0600, shared later with
the sync run):

* ``dedupe_decisions`` — one row per pair of records, keyed by the two records' stable
  ids (编号, smaller first) and the form: 是同一人 / 不是同一人 / 待定, when, and where the
  decision came from. A decided pair is never asked again.
* ``dedupe_audit`` — every cell a merge changed: run time, tab, record id, field, old
  value, new value, and what happened (补全 / 移入回收站).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from ..errors import SheetsSyncError

SAME, DIFFERENT, PENDING = "是同一人", "不是同一人", "待定"
DECISIONS = (SAME, DIFFERENT, PENDING)
MERGED = "已合并"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dedupe_decisions (
    form TEXT NOT NULL, id_a TEXT NOT NULL, id_b TEXT NOT NULL,
    decision TEXT NOT NULL, decided_at TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (form, id_a, id_b));
CREATE TABLE IF NOT EXISTS dedupe_audit (
    run_at TEXT NOT NULL, tab TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, action TEXT NOT NULL);
"""


class StateError(SheetsSyncError):
    """The state database cannot be opened or written."""


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class DecisionStore:
    """The ``dedupe_decisions`` and ``dedupe_audit`` tables of one state database."""

    def __init__(self, state_dir: Path, *, read_only: bool = False) -> None:
        """Open (or create) the database; ``read_only`` creates nothing on disk (dry runs)."""
        self.path = Path(state_dir) / "state.db"
        if read_only and not self.path.exists():
            self.db = sqlite3.connect(":memory:")
            self.db.executescript(_SCHEMA)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            os.chmod(self.path, 0o600)
            self.db = sqlite3.connect(self.path)
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise StateError(f"无法打开状态数据库 {self.path}:{e}。请检查该文件夹是否可写。") from e

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DecisionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def decisions(self, form: str | None = None) -> dict[tuple[str, str, str], str]:
        """(form, id_a, id_b) -> decision."""
        sql = "SELECT form, id_a, id_b, decision FROM dedupe_decisions"
        rows = self.db.execute(sql + (" WHERE form = ?" if form else ""),
                               (form,) if form else ()).fetchall()
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    def decide(self, form: str, a: str, b: str, decision: str, source: str = "sheet",
               at: str | None = None) -> None:
        ka, kb = pair_key(a, b)
        with self.db:
            self.db.execute(
                "INSERT INTO dedupe_decisions VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (form, id_a, id_b) DO UPDATE SET decision = excluded.decision, "
                "decided_at = excluded.decided_at, source = excluded.source",
                (form, ka, kb, decision, at or now(), source))

    def audit(self, entries: Iterable[tuple[str, str, str, str, str, str]],
              run_at: str) -> None:
        """Append (tab, record_id, field, old, new, action) rows for one run."""
        with self.db:
            self.db.executemany("INSERT INTO dedupe_audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(run_at, *e) for e in entries])

    def audit_rows(self) -> list[tuple[str, ...]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT run_at, tab, record_id, field, old, new, action FROM dedupe_audit "
            "ORDER BY rowid")]
