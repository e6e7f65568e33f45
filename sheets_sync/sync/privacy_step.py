"""The pipeline's ``privacy`` step: every book of the project, audited (``sheets-sync privacy``).

The books: the hub (as the earlier steps of the run leave it), every spoke of
``sheets-sync.toml`` (as this run's sync leaves it, or read now, through the project's own
opener: an encrypted one with the password from the environment or keyring) and the
per-school roster books (``花名册-*.xlsx``) in every folder ``report --per-school-books``
wrote (:func:`remember_school_books` records the folder in the state store, flag
:data:`SCHOOL_BOOKS_FLAG`), plus any folder the caller names. Each is judged by
:func:`~sheets_sync.privacy_audit.assess`; the result is the hub's 隐私检查 tab, written
through the pipeline's one commit like every generated tab (and only when it changed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..books.base import Book, WriteBatch
from ..books.crypt import is_encrypted
from ..errors import SheetsSyncError
from ..privacy_audit import TAB, BookAudit, PrivacyReport, assess, privacy_tab, scan_grids
from ..table import Grid
from .entries import _open
from .project import BookSpec, Project, Spoke
from .state import State

if TYPE_CHECKING:
    from .pipeline import PipelineResult, Stage, StepOptions

SCHOOL_BOOKS_FLAG = "privacy:school_books"
SCHOOL_BOOK_GLOB = "花名册-*.xlsx"

__all__ = ["SCHOOL_BOOKS_FLAG", "privacy_step", "remember_school_books", "school_folders"]


def privacy_step(project: Project, hub: Stage, stages: Sequence[Stage], state: State,
                 books: Mapping[str, Book] | None, opts: StepOptions, out: PipelineResult
                 ) -> WriteBatch:
    """Audit every book; ``out.privacy`` gets the report; returns the hub's batch (the
    隐私检查 tab, when its content changed)."""
    report = PrivacyReport()
    keyed = {"同步冲突": project.conflict_tab}
    audit = _facts(BookAudit(project.hub.name, "hub", google=project.hub.is_google),
                   project.hub, state)
    audit.fields, _ = scan_grids(hub.grids, project.templates, project.program, keyed=keyed,
                                 tool_tabs=project.tool_tabs)
    report.books.append(assess(audit))
    synced = {st.name: st for st in stages[1:] if st.active}
    for spoke in project.spokes:
        report.books.append(assess(_spoke(project, spoke, synced.get(spoke.book.name), state,
                                          books, keyed)))
    known = {Path(b.location).resolve() for b in project.books if not b.is_google}
    for folder in school_folders(state, opts.school_books):
        if not folder.is_dir():
            report.notes.append(f"记录中写过各校花名册的文件夹 {folder} 已不存在,没有检查。")
            continue
        for path in sorted(folder.glob(SCHOOL_BOOK_GLOB)):
            if path.resolve() in known or path.name.startswith("~$"):
                continue
            report.books.append(assess(_school(project, path, folder, state, keyed)))
    out.privacy = report
    batch = WriteBatch()
    old = hub.grids.get(TAB)
    if old is not None and not project.memory_state \
            and TAB not in state.generated_tabs(hub.name, "privacy"):
        raise SheetsSyncError(f"{hub.name} 中已有名为“{TAB}”的工作表,但它不是 sheets-sync privacy "
                              "生成的,为免覆盖,本次没有写入检查结果:请把这个工作表改名(或删除)后"
                              "重新运行。")
    from ..reports.render import differences, stamped

    content = privacy_tab(report)
    if differences(TAB, content, old) != []:
        batch.replace_tab(TAB, stamped(content, opts.now or dt.datetime.now()))
    return batch


def _facts(audit: BookAudit, spec: BookSpec, state: State, path: Path | None = None
           ) -> BookAudit:
    """Whether the book's file is encrypted and when it was last written (local time)."""
    audit.encrypt_asked = spec.encrypt
    if spec.is_google:
        at = state.last_written(spec.name)
        audit.written = at.replace("T", " ")[:16] if at else ""
        return audit
    file = path or Path(spec.location)
    try:
        mtime = file.stat().st_mtime
    except OSError:
        return audit
    audit.encrypted = is_encrypted(file)
    audit.written = dt.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M")
    return audit


def _read(project: Project, name: str, location: str, books: Mapping[str, Book] | None
          ) -> tuple[dict[str, Grid], str]:
    """(tabs, "") or ({}, why the book cannot be read), through the project's opener."""
    try:
        return _open(project, name, location, books).read(), ""
    except SheetsSyncError as err:
        return {}, str(err)


def _spoke(project: Project, spoke: Spoke, stage: Stage | None, state: State,
           books: Mapping[str, Book] | None, keyed: Mapping[str, str]) -> BookAudit:
    spec = spoke.book
    audit = _facts(BookAudit(spec.name, "spoke", policy=spoke.sensitive, reveal=spoke.reveal,
                             google=spec.is_google, county=spoke.partition.get("county", "")),
                   spec, state)
    if stage is not None:  # as this run's sync leaves it
        grids = stage.grids
    else:
        grids, audit.error = _read(project, spec.name, spec.location, books)
    if not audit.error:
        audit.fields, audit.other_county_phones = scan_grids(
            grids, project.templates, project.program, county=audit.county, keyed=keyed,
            tool_tabs=project.tool_tabs)
    return audit


def _school(project: Project, path: Path, folder: Path, state: State,
            keyed: Mapping[str, str]) -> BookAudit:
    try:
        name = path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        name = str(path)
    audit = _facts(BookAudit(name, "school", folder=_short(folder, project.root).as_posix()),
                   BookSpec(str(path), name), state, path)
    grids, audit.error = _read(project, name, str(path), None)
    if not audit.error:
        audit.fields, _ = scan_grids(grids, project.templates, project.program, keyed=keyed,
                                     tool_tabs=project.tool_tabs)
    return audit


def _short(folder: Path, root: Path) -> Path:
    try:
        return folder.resolve().relative_to(root.resolve())
    except ValueError:
        return folder


def _anchor(state: State) -> Path:
    """The folder recorded folders are relative to: the state folder's parent (the project
    folder), so that a project copied elsewhere still finds its teachers' books."""
    return state.path.parent.parent.resolve()


def school_folders(state: State, extra: Sequence[Path] = ()) -> list[Path]:
    """The per-school book folders to audit: those recorded, then ``extra`` (each once)."""
    raw = state.flag(SCHOOL_BOOKS_FLAG)
    try:
        recorded = [_anchor(state) / p for p in json.loads(raw)] if raw else []
    except (ValueError, TypeError):
        recorded = []
    out: list[Path] = []
    seen: set[Path] = set()
    for p in [*recorded, *extra]:
        key = p.expanduser().resolve()
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def remember_school_books(state: State, run_id: int, opts: StepOptions | None,
                          result: PipelineResult) -> None:
    """After a run that made per-school books (``report --per-school-books DIR``): keep DIR
    in the state, so that ``privacy`` finds the teachers' books."""
    if (not run_id or opts is None or opts.per_school_dir is None or result.reports is None
            or "rosters" not in result.reports.reports):
        return
    root = _anchor(state)
    folders = [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)
               for p in school_folders(state, (opts.per_school_dir,))]
    state.set_flag(SCHOOL_BOOKS_FLAG, json.dumps(folders, ensure_ascii=False))
