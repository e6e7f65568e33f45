"""The state store: ``.sheets-sync/state.db`` (SQLite, owner-only 0600).

Tables (created with ``CREATE TABLE IF NOT EXISTS``; other tables in the file, such as the
dedupe helper's, are left alone):

* ``bases`` — per (form, book, 编号) the record as that book held it after its last
  successful write; ``base_undo`` keeps each run's previous base rows (for ``restore``);
* ``tombstones`` — ids the hub deleted (so a spoke skipped then cannot bring them back);
* ``id_marks`` — the highest id number ever handed out per prefix;
* ``pending_ids`` — ids assigned to rows whose book has not been written yet (a re-run
  after a crash gives the same row the same id);
* ``runs`` / ``run_books`` — the run log; ``audit`` — every cell changed;
* ``backups`` — every tab as it was before a run wrote to it (zlib-compressed JSON);
* ``dedupe_decisions`` — staff's 是同一人 / 不是同一人 / 待定 per pair of 编号 (never asked again);
* ``flags`` — facts that outlive a run (a restore that did not finish: the next sync refuses
  to mix old and new state until it is finished);
* ``hidden_values`` — the full values behind a tool tab row that shows them masked (a
  同步冲突 row of a sensitive field: 采用另一值 puts the full value back), by the tab's
  kind, the row's 运行 and what the row shows (:class:`Hidden`);
* ``imports`` — per (import, submission) the 编号 it became and the answers as last imported
  (the base of ``sheets-sync import``'s three-way check, :class:`Imported`); ``import_undo``
  keeps each run's previous rows (for ``restore``).

One state per project, one file: every command (``run`` and its slices ``sync``,
``validate``, ``dedupe``, ``report``, ``pair``) reads and writes this one ``State``.
``schema_version`` says which layout the file has; :meth:`State.open` upgrades an older
file in place (:data:`MIGRATIONS`), and refuses a file from a newer release.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DiskFull, SheetsSyncError, is_disk_full, os_reason

if TYPE_CHECKING:
    from ..dedupe.store import Decision

SCHEMA_VERSION = 3
DB_NAME = "state.db"
Values = dict[str, str]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dedupe_decisions (
    form TEXT NOT NULL, id_a TEXT NOT NULL, id_b TEXT NOT NULL,
    decision TEXT NOT NULL, decided_at TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (form, id_a, id_b));
CREATE TABLE IF NOT EXISTS flags (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started TEXT NOT NULL,
    ended TEXT, status TEXT NOT NULL, counts TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS run_books (
    run_id INTEGER NOT NULL, book TEXT NOT NULL, status TEXT NOT NULL, message TEXT,
    cells INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, book));
CREATE TABLE IF NOT EXISTS bases (
    form TEXT NOT NULL, book TEXT NOT NULL, record_id TEXT NOT NULL, data TEXT NOT NULL,
    run_id INTEGER NOT NULL, PRIMARY KEY (form, book, record_id));
CREATE TABLE IF NOT EXISTS base_undo (
    run_id INTEGER NOT NULL, form TEXT NOT NULL, book TEXT NOT NULL, record_id TEXT NOT NULL,
    data TEXT);
CREATE INDEX IF NOT EXISTS base_undo_run ON base_undo (run_id);
CREATE TABLE IF NOT EXISTS tombstones (
    form TEXT NOT NULL, record_id TEXT NOT NULL, run_id INTEGER NOT NULL, by TEXT NOT NULL,
    PRIMARY KEY (form, record_id));
CREATE TABLE IF NOT EXISTS id_marks (prefix TEXT PRIMARY KEY, high INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending_ids (
    form TEXT NOT NULL, book TEXT NOT NULL, fingerprint TEXT NOT NULL,
    record_id TEXT NOT NULL, run_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, at TEXT NOT NULL,
    book TEXT NOT NULL, tab TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, source TEXT NOT NULL,
    step TEXT NOT NULL DEFAULT 'sync');
CREATE INDEX IF NOT EXISTS audit_record ON audit (record_id);
CREATE TABLE IF NOT EXISTS backups (
    run_id INTEGER NOT NULL, book TEXT NOT NULL, tab TEXT NOT NULL, existed INTEGER NOT NULL,
    position INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, book, tab));
CREATE TABLE IF NOT EXISTS hidden_values (
    tab TEXT NOT NULL, run_id INTEGER NOT NULL, shown TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (tab, run_id, shown));
CREATE TABLE IF NOT EXISTS imports (
    name TEXT NOT NULL, submission TEXT NOT NULL, form TEXT NOT NULL, record_id TEXT NOT NULL,
    data TEXT NOT NULL, submitted TEXT NOT NULL DEFAULT '', run_id INTEGER NOT NULL,
    PRIMARY KEY (name, submission));
CREATE TABLE IF NOT EXISTS import_undo (
    run_id INTEGER NOT NULL, name TEXT NOT NULL, submission TEXT NOT NULL, data TEXT);
"""


def _v1_to_v2(c: sqlite3.Connection) -> None:
    """0.1: no step per audit row; the merge audit lived in ``dedupe_audit`` (joins ``audit``)."""
    cols = {r[1] for r in c.execute("PRAGMA table_info(audit)")}
    if "step" not in cols:
        c.execute("ALTER TABLE audit ADD COLUMN step TEXT NOT NULL DEFAULT 'sync'")
    has = c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                    "name = 'dedupe_audit'").fetchone()
    if has:
        c.execute("INSERT INTO audit (run_id, at, book, tab, record_id, field, old, new, "
                  "source, step) SELECT 0, run_at, '', tab, record_id, field, old, new, "
                  "action, 'merge' FROM dedupe_audit ORDER BY rowid")
        c.execute("DROP TABLE dedupe_audit")


def _v2_to_v3(c: sqlite3.Connection) -> None:
    """Layout 2: tool tabs showed sensitive values in full. ``hidden_values`` (made by the
    schema) is filled by the next sync, which masks those cells and keeps their full values
    there."""


MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3}
"""version -> the step that brings a file of that version to the next one."""


class StateError(SheetsSyncError):
    """``state.db`` cannot be opened, is damaged, or is from a newer release."""


class _Connection(sqlite3.Connection):
    """A connection whose "database or disk is full" is :class:`DiskFull`, a one-line
    Chinese error (SQLite has then undone the whole transaction: nothing half-written)."""

    db_path: Path | str = DB_NAME

    def _full(self, err: sqlite3.Error) -> DiskFull:
        return DiskFull(self.db_path, "这次写入已整笔撤销,状态数据库里没有写了一半的内容。")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as e:
            if is_disk_full(e):
                raise self._full(e) from e
            raise

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as e:
            if is_disk_full(e):
                raise self._full(e) from e
            raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite undoes one itself on a full disk)."""
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def now() -> str:
    """The run's clock: local time, ``2026-07-08T14:30:00`` (every tool tab and the audit)."""
    return dt.datetime.now().isoformat(timespec="seconds")


@dataclass(frozen=True)
class AuditRow:
    run_id: int
    at: str
    book: str
    tab: str
    record_id: str
    field: str
    old: str
    new: str
    source: str
    step: str = "sync"
    """Which step changed it: sync, conflict, delete, move, merge, fix, validate, report, pair,
    restore."""


@dataclass(frozen=True)
class Backup:
    book: str
    tab: str
    existed: bool
    position: int
    rows: list[list[str]]


@dataclass(frozen=True)
class Hidden:
    """The full values behind one tool tab row that shows them masked.

    ``tab`` is the tool tab's kind (``"conflicts"``), ``run_id`` the row's 运行, ``shown``
    the row's identifying cells as the tab shows them (masked), ``values`` header -> full
    text of the cells it masks.
    """

    tab: str
    run_id: int
    shown: tuple[str, ...]
    values: dict[str, str]


@dataclass(frozen=True)
class Imported:
    """One survey answer as ``sheets-sync import`` last brought it in: the 编号 it became
    and its answers (field key -> text), the base a later export's answer is compared to."""

    name: str          # the import ([imports.<name>])
    submission: str    # the answer's number in the survey tool
    form: str
    record_id: str
    values: dict[str, str]
    submitted: str = ""


@dataclass(frozen=True)
class RunRow:
    id: int
    kind: str
    started: str
    ended: str | None
    status: str
    counts: dict[str, Any]
    message: str


def _pack(rows: list[list[str]]) -> bytes:
    return zlib.compress(json.dumps(rows, ensure_ascii=False).encode("utf-8"), 6)


def _unpack(blob: bytes) -> list[list[str]]:
    rows: list[list[str]] = json.loads(zlib.decompress(blob).decode("utf-8"))
    return rows


class State:
    """An open ``state.db``; every method that writes commits one transaction."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, folder: Path, *, create: bool = True, memory: bool = False) -> State:
        """Open (or create, 0700 folder / 0600 file) ``folder/state.db``, upgrading it.

        With ``create=False`` (dry runs) a project without a state file gets an empty
        in-memory state, and nothing is made on disk; ``memory`` always gives one.
        """
        path = folder / DB_NAME
        if memory or (not create and not path.exists()):
            conn = sqlite3.connect(":memory:", isolation_level=None, factory=_Connection)
            cls._upgrade(conn, path)
            return cls(conn, path)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            conn = sqlite3.connect(path, isolation_level=None, timeout=30, factory=_Connection)
        except OSError as e:
            if is_disk_full(e):
                raise DiskFull(path, "工作簿没有改动。") from None
            if folder.exists() and not folder.is_dir():
                raise StateError(f"无法打开状态数据库 {path}:{folder} 是一个文件,不是文件夹。"
                                 "请把这个文件移走,或在 sheets-sync.toml 的 [project] state_dir "
                                 "中写另一个文件夹。") from None
            raise StateError(f"无法打开状态数据库 {path}({os_reason(e)}):请检查文件夹 "
                             f"{folder} 是否可以写入。") from None
        except sqlite3.Error as e:
            raise StateError(f"无法打开状态数据库 {path}({e}):请检查该文件夹是否存在且可写。"
                             ) from None
        assert isinstance(conn, _Connection)
        conn.db_path = path
        try:
            conn.execute("PRAGMA synchronous=FULL")
            cls._upgrade(conn, path)
        except DiskFull:
            conn.close()
            raise
        except sqlite3.DatabaseError as e:
            conn.close()
            raise StateError(
                f"状态数据库 {path} 已损坏或不是 sheets-sync 的文件({e})。工作簿本身没有受影响:"
                f"请把它改名保存(例如 {DB_NAME}.bad)后重新运行,sheets-sync 会重新建立状态"
                "(之前的运行记录和撤销点在改名后的文件里)。") from None
        return cls(conn, path)

    @staticmethod
    def _upgrade(conn: sqlite3.Connection, path: Path) -> None:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        fresh = "runs" not in tables
        version = SCHEMA_VERSION
        if "sync_schema_version" in tables:
            row = conn.execute("SELECT MAX(version) FROM sync_schema_version").fetchone()
            version = int(row[0]) if row and row[0] is not None else (
                SCHEMA_VERSION if fresh else 1)
        elif not fresh:
            version = 1
        if version > SCHEMA_VERSION:
            raise StateError(f"状态数据库 {path} 来自更新版本的 sheets-sync(格式 {version},"
                             f"本版本只认识到 {SCHEMA_VERSION}):请先升级 sheets-sync。")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](conn)
                version += 1
            conn.execute("DELETE FROM sync_schema_version")
            conn.execute("INSERT INTO sync_schema_version VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    @property
    def version(self) -> int:
        return int(self.conn.execute("SELECT MAX(version) FROM sync_schema_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            _rollback(self.conn)
            raise

    # -- runs ---------------------------------------------------------------------------

    def begin_run(self, kind: str = "sync") -> int:
        cur = self.conn.execute("INSERT INTO runs (kind, started, status) VALUES (?, ?, ?)",
                                (kind, now(), "running"))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def end_run(self, run_id: int, status: str, counts: dict[str, Any], message: str = "") -> None:
        self.conn.execute("UPDATE runs SET ended = ?, status = ?, counts = ?, message = ? "
                          "WHERE id = ?", (now(), status, json.dumps(counts, ensure_ascii=False),
                                           message, run_id))

    def book_status(self, run_id: int, book: str, status: str, message: str = "",
                    cells: int = 0) -> None:
        self.conn.execute("INSERT OR REPLACE INTO run_books VALUES (?, ?, ?, ?, ?)",
                          (run_id, book, status, message, cells))

    def runs(self, limit: int = 50) -> list[RunRow]:
        rows = self.conn.execute("SELECT id, kind, started, ended, status, counts, message "
                                 "FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [RunRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "{}"), r[6] or "")
                for r in rows]

    def run(self, run_id: int) -> RunRow | None:
        r = self.conn.execute("SELECT id, kind, started, ended, status, counts, message "
                              "FROM runs WHERE id = ?", (run_id,)).fetchone()
        if r is None:
            return None
        return RunRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "{}"), r[6] or "")

    # -- bases --------------------------------------------------------------------------

    def bases(self, form: str, book: str) -> dict[str, Values]:
        rows = self.conn.execute("SELECT record_id, data FROM bases WHERE form = ? AND book = ?",
                                 (form, book)).fetchall()
        # one decode for all rows: ~10x faster than a json.loads per record
        values: list[Values] = json.loads("[" + ",".join(r[1] for r in rows) + "]")
        return dict(zip((r[0] for r in rows), values, strict=True))

    def tombstones(self, form: str) -> set[str]:
        rows = self.conn.execute("SELECT record_id FROM tombstones WHERE form = ?", (form,))
        return {r[0] for r in rows}

    def high(self, prefix: str) -> int:
        r = self.conn.execute("SELECT high FROM id_marks WHERE prefix = ?", (prefix,)).fetchone()
        return int(r[0]) if r else 0

    def pending(self, form: str, book: str) -> dict[str, list[str]]:
        """Fingerprint -> ids assigned to rows of ``book`` not yet written there."""
        out: dict[str, list[str]] = {}
        for fp, rid in self.conn.execute(
                "SELECT fingerprint, record_id FROM pending_ids WHERE form = ? AND book = ? "
                "ORDER BY rowid", (form, book)):
            out.setdefault(fp, []).append(rid)
        return out

    def journal(self, run_id: int, highs: dict[str, int],
                pending: Iterable[tuple[str, str, str, str]], backups: Iterable[Backup],
                hidden: Iterable[Hidden] = ()) -> None:
        """Before any write: id marks, ids to be written, backups of the tabs to change, and
        the full values of the tool tab cells the write masks (a crash after the write
        leaves no masked row whose values are lost)."""
        with self.transaction() as c:
            c.executemany("INSERT OR REPLACE INTO hidden_values VALUES (?, ?, ?, ?)",
                          [(h.tab, h.run_id, json.dumps(list(h.shown), ensure_ascii=False),
                            json.dumps(h.values, ensure_ascii=False)) for h in hidden])
            for prefix, high in highs.items():
                c.execute("INSERT INTO id_marks VALUES (?, ?) ON CONFLICT(prefix) DO UPDATE "
                          "SET high = max(high, excluded.high)", (prefix, high))
            for form, book, fp, rid in pending:
                c.execute("DELETE FROM pending_ids WHERE form = ? AND book = ? AND record_id = ?",
                          (form, book, rid))
                c.execute("INSERT INTO pending_ids VALUES (?, ?, ?, ?, ?)",
                          (form, book, fp, rid, run_id))
            for b in backups:
                c.execute("INSERT OR REPLACE INTO backups VALUES (?, ?, ?, ?, ?, ?)",
                          (run_id, b.book, b.tab, int(b.existed), b.position, _pack(b.rows)))

    def commit_book(self, run_id: int, book: str,
                    bases: dict[str, tuple[dict[str, Values], dict[str, Values]]],
                    audit: Iterable[AuditRow], *, tombstones: Iterable[tuple[str, str, str]] = (),
                    revived: Iterable[tuple[str, str]] = (), status: str = "written",
                    cells: int = 0, decisions: Iterable[Decision] = (),
                    imports: Iterable[Imported] = ()) -> None:
        """After ``book`` was written: its new bases (form -> (old, new)), audit rows, the
        duplicate decisions read from it and the answers imported into it — one
        transaction."""
        with self.transaction() as c:
            for im in imports:
                old_row = c.execute("SELECT form, record_id, data, submitted, run_id FROM "
                                    "imports WHERE name = ? AND submission = ?",
                                    (im.name, im.submission)).fetchone()
                c.execute("INSERT INTO import_undo VALUES (?, ?, ?, ?)",
                          (run_id, im.name, im.submission,
                           None if old_row is None else json.dumps(list(old_row))))
                c.execute("INSERT OR REPLACE INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (im.name, im.submission, im.form, im.record_id,
                           json.dumps(im.values, ensure_ascii=False), im.submitted, run_id))
            for d in decisions:
                c.execute("INSERT INTO dedupe_decisions VALUES (?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (form, id_a, id_b) DO UPDATE SET decision = "
                          "excluded.decision, decided_at = excluded.decided_at, "
                          "source = excluded.source",
                          (d.form, *sorted((d.a, d.b)), d.decision, d.at, d.source))
            for form, (old, new) in bases.items():
                for rid in old.keys() - new.keys():
                    c.execute("INSERT INTO base_undo VALUES (?, ?, ?, ?, ?)",
                              (run_id, form, book, rid, json.dumps(old[rid], ensure_ascii=False)))
                    c.execute("DELETE FROM bases WHERE form = ? AND book = ? AND record_id = ?",
                              (form, book, rid))
                for rid, values in new.items():
                    before = old.get(rid)
                    if before == values:
                        continue
                    c.execute("INSERT INTO base_undo VALUES (?, ?, ?, ?, ?)",
                              (run_id, form, book, rid,
                               None if before is None else json.dumps(before, ensure_ascii=False)))
                    c.execute("INSERT OR REPLACE INTO bases VALUES (?, ?, ?, ?, ?)",
                              (form, book, rid, json.dumps(values, ensure_ascii=False), run_id))
            c.execute("DELETE FROM pending_ids WHERE book = ?", (book,))
            c.executemany("INSERT INTO audit (run_id, at, book, tab, record_id, field, old, new, "
                          "source, step) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [(a.run_id, a.at, a.book, a.tab, a.record_id, a.field, a.old, a.new,
                            a.source, a.step) for a in audit])
            for form, rid, by in tombstones:
                c.execute("INSERT OR REPLACE INTO tombstones VALUES (?, ?, ?, ?)",
                          (form, rid, run_id, by))
            for form, rid in revived:
                c.execute("DELETE FROM tombstones WHERE form = ? AND record_id = ?", (form, rid))
            c.execute("INSERT OR REPLACE INTO run_books VALUES (?, ?, ?, ?, ?)",
                      (run_id, book, status, "", cells))

    def imported(self, name: str) -> dict[str, Imported]:
        """Submission -> what ``import`` last brought in of it, for the import ``name``."""
        rows = self.conn.execute("SELECT submission, form, record_id, data, submitted FROM "
                                 "imports WHERE name = ?", (name,)).fetchall()
        return {s: Imported(name, s, f, r, json.loads(d), t) for s, f, r, d, t in rows}

    def imported_texts(self, name: str) -> dict[str, tuple[str, str, str]]:
        """Submission -> (form, answers as stored: JSON text, submitted) for the import
        ``name``: what an unchanged re-import compares each answer to without parsing it."""
        rows = self.conn.execute("SELECT submission, form, data, submitted FROM imports "
                                 "WHERE name = ?", (name,)).fetchall()
        return {s: (f, d, t) for s, f, d, t in rows}

    def hidden(self, tab: str) -> dict[tuple[int, tuple[str, ...]], dict[str, str]]:
        """(运行, what the row shows) -> header -> full text, of the tool tab kind ``tab``."""
        rows = self.conn.execute("SELECT run_id, shown, data FROM hidden_values WHERE tab = ?",
                                 (tab,)).fetchall()
        return {(int(r), tuple(json.loads(k))): json.loads(d) for r, k, d in rows}

    # -- duplicate decisions and flags ----------------------------------------------------

    def decisions(self) -> dict[tuple[str, str, str], str]:
        """(form, id_a, id_b) -> decision, ids in sorted order."""
        rows = self.conn.execute("SELECT form, id_a, id_b, decision FROM dedupe_decisions")
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    def deleted_in(self, book: str, record_id: str) -> tuple[int, str, str] | None:
        """(run, tab, step) of the last run that cleared ``record_id`` from ``book``."""
        r = self.conn.execute(
            "SELECT run_id, tab, step FROM audit WHERE book = ? AND record_id = ? AND new = '' "
            "AND step IN ('delete', 'merge') ORDER BY id DESC LIMIT 1",
            (book, record_id)).fetchone()
        return None if r is None else (int(r[0]), str(r[1]), str(r[2]))

    def generated_tabs(self, book: str, step: str = "report") -> set[str]:
        """The tabs of ``book`` a ``step`` (report, privacy) wrote and did not delete since
        (from the audit)."""
        rows = self.conn.execute(
            "SELECT tab, new FROM audit WHERE book = ? AND step = ? AND record_id = '' "
            "ORDER BY id", (book, step)).fetchall()
        out: set[str] = set()
        for tab, new in rows:
            (out.discard if new == "(已删除)" else out.add)(tab)
        return out

    def last_written(self, book: str) -> str | None:
        """When a run last wrote ``book`` (the run's end, ``2026-07-08T14:30:00``), or None."""
        r = self.conn.execute(
            "SELECT MAX(r.ended) FROM run_books b JOIN runs r ON r.id = b.run_id "
            "WHERE b.book = ? AND b.status = 'written'", (book,)).fetchone()
        return None if r is None or r[0] is None else str(r[0])

    def flag(self, name: str) -> str | None:
        r = self.conn.execute("SELECT value FROM flags WHERE name = ?", (name,)).fetchone()
        return None if r is None else str(r[0])

    def set_flag(self, name: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM flags WHERE name = ?", (name,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO flags VALUES (?, ?)", (name, value))

    # -- restore and history ------------------------------------------------------------

    def backups(self, run_id: int) -> list[Backup]:
        rows = self.conn.execute("SELECT book, tab, existed, position, data FROM backups "
                                 "WHERE run_id = ? ORDER BY book, position", (run_id,))
        return [Backup(b, t, bool(e), p, _unpack(d)) for b, t, e, p, d in rows]

    def undo_bases(self, since_run: int) -> None:
        """Put every base back as it was before run ``since_run`` (newest runs first)."""
        with self.transaction() as c:
            undo = c.execute("SELECT run_id, form, book, record_id, data FROM base_undo "
                             "WHERE run_id >= ? ORDER BY run_id DESC, rowid DESC",
                             (since_run,)).fetchall()
            for run_id, form, book, rid, data in undo:
                if data is None:
                    c.execute("DELETE FROM bases WHERE form = ? AND book = ? AND record_id = ?",
                              (form, book, rid))
                else:
                    c.execute("INSERT OR REPLACE INTO bases VALUES (?, ?, ?, ?, ?)",
                              (form, book, rid, data, run_id - 1))
            c.execute("DELETE FROM tombstones WHERE run_id >= ?", (since_run,))
            c.execute("DELETE FROM pending_ids")
            for name, sub, data in c.execute(
                    "SELECT name, submission, data FROM import_undo WHERE run_id >= ? "
                    "ORDER BY run_id DESC, rowid DESC", (since_run,)).fetchall():
                c.execute("DELETE FROM imports WHERE name = ? AND submission = ?", (name, sub))
                if data is not None:
                    c.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
                              (name, sub, *json.loads(data)))
            c.execute("DELETE FROM import_undo WHERE run_id >= ?", (since_run,))

    def audit_for(self, record_id: str | None = None, limit: int = 1000) -> list[AuditRow]:
        sql = ("SELECT run_id, at, book, tab, record_id, field, old, new, source, step "
               "FROM audit")
        args: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " WHERE record_id = ?"
            args = (record_id,)
        sql += " ORDER BY id DESC LIMIT ?"
        rows = self.conn.execute(sql, (*args, limit)).fetchall()
        return [AuditRow(*r) for r in reversed(rows)]
