"""The read-back of 签到表-<学校>: ticks typed into a sign-in sheet become 出勤 records.

Runs in every run that makes the 签到表 (``run``, ``report``), after the sync and before
validation, so the same run validates the new 出勤 rows and regenerates the sheets from them
(one write per book). :func:`plan_signin` is pure but for reading the state: the hub's tabs in;
one batch, its audit rows and a :class:`SigninResult` out.

**Three-way, per cell and field.** For each tick cell of a sheet (a child × day × session, its
状态; or the session's 交接: 离开方式 and 接送人) there are three texts: the sheet's (*S*),
what the generator last wrote there (*B*, kept in the state store after each run that wrote
or checked the sheet: :func:`remember`), and what 出勤 says now (*A*).

* *S* = *A*, or *S* = *B* (the sheet untouched; 出勤 moved on and the sheet follows it):
  nothing to do.
* *S* emptied: a tick is never a deletion; 出勤 keeps its record and the sheet shows it again
  (a message says so).
* *S* unreadable (not 到/✓/√/1, 缺/×/0, 假/请假 or the 出勤 form's own words; a 交接 with no
  离开方式): a message naming the tab, the cell and what to type; the run exits non-zero
  and the sheet keeps the text where it is until it is corrected.
* otherwise *S* is a staff entry. Field by field: where 出勤 still holds *B*'s value (it did
  not change since the sheet was written) the entry is recorded: the record's field is set,
  or a new record made (日期, 学校, 场次, 儿童编号, 儿童姓名, 状态 — 到 when only a 交接 was
  typed — 离开方式, 接送人; a new 编号 with the form's prefix, K, from the project's id marks).
  Where 出勤 changed too, it is a **conflict**: a 同步冲突 row (kept: 出勤's value; not
  taken: the sheet's, from ``签到表-…!J7``; 原值: *B*), never overwritten; 采用另一值 there
  puts the sheet's value into 出勤 in the next run, as for any conflict.
* the record was deleted from 出勤 since the sheet showed it, and its cell changed on the
  sheet: the edit is kept — the record made again, with a new 编号 and a message — as the
  sync keeps a record deleted on one side and edited on the other.
* no *B* known (a state that never saw the sheet): an entry where 出勤 has nothing for that
  field, a conflict where it has something else.

A sheet whose every cell is still *B* costs nothing: the forms are read only when some cell
changed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..books.base import WriteBatch
from ..errors import SheetsSyncError
from ..forms.headers import is_tool_tab
from ..forms.template import FormTemplate
from ..forms.validate import ref_key
from ..reports.signin import (
    HAND_OVER_HINT,
    PREFIX,
    STATUS_HINT,
    Index,
    Key,
    SheetCell,
    SheetRead,
    Slot,
    attendance_index,
    cell_text,
    find,
    read_hand_over,
    read_sheet,
    read_status,
    sheet_schools,
)
from ..table import Grid, a1
from .state import AuditRow, Hidden, State

if TYPE_CHECKING:
    from ..forms.headers import Parsed
    from ..reports.model import Forms, Record
    from .pipeline import PipelineResult, Stage, StepOptions
    from .project import Project
    from .records import FormTab

STEP = "signin"
FLAG = "signin:{book}:{tab}"
"""The state flag holding what the generator last wrote into a sheet's tick cells."""
FORMS = ("school", "child", "attendance", "rotation")
"""The forms the read-back reads (the visit windows, the children, 出勤)."""
LABELS = {"status": "状态", "leave_by": "离开方式", "pickup": "接送人"}


@dataclass
class SigninResult:
    """What reading the sign-in sheets back did (or, with ``--dry-run``, would do)."""

    tabs: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    conflicts: int = 0
    bad: list[str] = field(default_factory=list)
    """Cells that could not be read (the run exits non-zero)."""
    notes: list[str] = field(default_factory=list)
    highs: dict[str, int] = field(default_factory=dict)
    hidden: list[Hidden] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad

    def as_json(self) -> dict[str, Any]:
        return {"tabs": self.tabs, "new": self.new, "updated": self.updated,
                "conflicts": self.conflicts, "bad": self.bad, "notes": self.notes}


@dataclass
class _Change:
    """What the sheets ask of one 出勤 record (an existing one, or a new one)."""

    key: Key
    school: str
    child: str
    name: str
    slot: Slot
    rec: Record | None
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (text, cell)


def flag_name(book: str, tab: str) -> str:
    return FLAG.format(book=book, tab=tab)


def base_of(state: State, book: str, tab: str) -> tuple[str, dict[str, dict[str, str]]] | None:
    """(school, child -> slot -> text) the generator last wrote into ``tab``, or None."""
    raw = state.flag(flag_name(book, tab))
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return str(data["school"]), {str(c): dict(v) for c, v in data["cells"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def remember(state: State, run_id: int, result: PipelineResult) -> None:
    """After a run whose report step wrote (or found unchanged) the sheets in the hub: keep
    what their tick cells show of 出勤, the base of the next read-back."""
    rep = result.reports
    if (not run_id or rep is None or result.quiet_since or "report" not in result.batches
            or "report" in result.failed_steps or result.sync.status == "failed"):
        return
    hub = next((b.name for b in result.sync.books if b.role == "hub"), None)
    if hub is None:
        return
    with state.transaction():
        for tab, sheet in rep.signin.items():
            state.set_flag(flag_name(hub, tab), json.dumps(
                {"school": sheet.school, "cells": sheet.cells}, ensure_ascii=False))
        for tab in rep.deleted:
            if tab.startswith(PREFIX):
                state.set_flag(flag_name(hub, tab), None)


def signin_step(project: Project, hub: Stage, state: State, opts: StepOptions, run_id: int,
                at: str, out: PipelineResult, parsed: Parsed | None = None) -> None:
    """The pipeline's read-back (before validation, when the run makes the 签到表)."""
    from ..reports.render import parse_only

    if "attendance" not in project.templates or not any(t.startswith(PREFIX) for t in hub.grids):
        return
    if opts.only is not None and "signin" not in parse_only(opts.only):
        return
    try:
        batch, audit, result = plan_signin(project, hub.grids, hub.name, state, run_id, at,
                                           parsed)
    except SheetsSyncError as e:
        out.signin = SigninResult(bad=[f"签到表没有读入:{e}"])
        out.messages.append(out.signin.bad[0])
        return
    out.signin = result
    out.messages += [*result.bad, *result.notes]
    hub.add(batch, audit)
    if batch:
        out.batches[STEP] = batch


def _forms(project: Project, grids: Mapping[str, Grid], book: str,
           parsed: Parsed | None) -> Forms:
    from ..forms.headers import detect_form
    from ..forms.validate import validate_grids
    from ..reports.model import forms_from_report

    sub: dict[str, Grid] = {}
    for tab, grid in grids.items():
        if tab in project.tool_tabs or is_tool_tab(tab):
            continue
        lay = (parsed.detect(tab, grid, project.templates) if parsed is not None
               else detect_form(tab, grid, project.templates))
        if lay is not None and lay.form.key in FORMS:
            sub[tab] = grid
    return forms_from_report(validate_grids(sub, project.templates, project.program, book=book,
                                            parsed=parsed))


def _touched(read: SheetRead, base: dict[str, dict[str, str]] | None) -> bool:
    """Whether any cell of the sheet differs from what the generator last wrote there."""
    if read.stray:
        return True
    cells = base or {}
    return any(c.text != cells.get(c.child, {}).get(c.slot.key, "") for c in read.cells)


def _fields(text: str, slot: Slot) -> dict[str, str] | None:
    """A cell's text as 出勤 fields (None: unreadable)."""
    if slot.hand_over:
        ho = read_hand_over(text)
        return None if ho is None else {"leave_by": ho[0], "pickup": ho[1]}
    st = read_status(text)
    return None if st is None else {"status": st}


def plan_signin(project: Project, grids: Mapping[str, Grid], hub_name: str, state: State,
                run_id: int, at: str, parsed: Parsed | None = None
                ) -> tuple[WriteBatch, list[AuditRow], SigninResult]:
    """Plan recording what staff typed into the hub's sign-in sheets (see the module doc)."""
    result = SigninResult()
    reads = {t: read_sheet(g) for t, g in grids.items() if t.startswith(PREFIX)}
    bases = {t: base_of(state, hub_name, t) for t in reads}
    todo = [t for t, r in reads.items() if _touched(r, b[1] if (b := bases[t]) else None)]
    batch = WriteBatch()
    if not todo:
        return batch, [], result
    forms = _forms(project, grids, hub_name, parsed)
    schools = sheet_schools(forms)
    index = attendance_index(forms)
    children = {ref_key(c.t("id")): c for c in
                (forms["child"].records if "child" in forms else []) if c.t("id")}
    changes: dict[Key, _Change] = {}
    conflicts: list[dict[str, str]] = []
    for tab in todo:
        read, base = reads[tab], bases[tab]
        school = schools.get(tab) or (base[0] if base else "")
        if not school:
            if any(c.text for c in read.cells):
                result.bad.append(f"“{tab}”对应的学校已不在“学校”表中(或没有进驻日期),其中填写的"
                                  "内容没有记入“出勤”:请在“学校”表中恢复该校,或直接在“出勤”表中填写。")
            continue
        result.tabs.append(tab)
        for r, j, text in read.stray:
            result.bad.append(f"{tab}!{a1(r, j)} 写了“{text}”,但这一行没有儿童编号,不能记入"
                              "“出勤”:请先运行 sheets-sync run 为该儿童分配编号,"
                              "再在新的签到表上填写。")
        cells = base[1] if base else None
        for c in read.cells:
            _cell(tab, school, c, cells, index, children, changes, conflicts, result, hub_name,
                  project)
    form = project.templates["attendance"]
    audit = _record(project, grids, hub_name, state, form, changes, run_id, at, batch, result)
    if conflicts:
        _conflicts(batch, grids, project, form, run_id, at, conflicts, result)
    return batch, audit, result


def _cell(tab: str, school: str, c: SheetCell, cells: dict[str, dict[str, str]] | None,
          index: Index, children: Mapping[str, Record],
          changes: dict[Key, _Change], conflicts: list[dict[str, str]], result: SigninResult,
          hub_name: str, project: Project) -> None:
    """One tick cell through the three-way rule (module doc)."""
    slot = c.slot
    key: Key = (ref_key(school), ref_key(c.child), slot.day, slot.session)
    rec = find(index, key)
    a = cell_text(rec, slot)
    if c.text == a:
        return
    b = None if cells is None else cells.get(c.child, {}).get(slot.key, "")
    if b is not None and c.text == b:
        return
    where = f"{tab}!{a1(c.row, c.col)}"
    kid = children.get(ref_key(c.child))
    name = kid.t("name") if kid is not None else c.name
    who = f"{name}({c.child}){slot.label()}"
    rid = rec.t("id") if rec is not None else ""
    if not c.text:
        result.notes.append(f"{where}({who})被清空了,“出勤”中的记录{rid or ''}(“{a}”)没有删除,"
                            "签到表上重新显示它:要删除这条出勤记录,请在“出勤”表中删掉那一行。")
        return
    typed = _fields(c.text, slot)
    if typed is None:
        hint = HAND_OVER_HINT if slot.hand_over else STATUS_HINT
        result.bad.append(f"{where} “{c.text}” 看不懂:这一格是{who},请写 {hint}。"
                          "看不懂的内容留在原格,改正后重新运行。")
        return
    old = None if b is None else (_fields(b, slot) or {})
    if rec is None and old is not None and any(old.values()):
        # deleted from 出勤 since the sheet showed it, changed on the sheet: the edit is kept
        # (as the sync keeps a record deleted on one side and edited on the other)
        result.notes.append(f"{where}({who})签到表上改成了“{c.text}”,而“出勤”中原来的这条记录"
                            "已被删除:按签到表重新记入“出勤”(新编号)。如不需要,请在“出勤”表中删掉它。")
    for k, v in typed.items():
        now = rec.t(k) if rec is not None else ""
        if v == now:
            continue
        if rec is None or ((now == old.get(k, "")) if old is not None else not now):
            ch = changes.setdefault(key, _Change(key, school, c.child, name, slot, rec))
            ch.fields[k] = (v, where)
            continue
        result.conflicts += 1
        conflicts.append({
            "表单": project.templates["attendance"].label, "编号": rid, "姓名": name,
            "字段": LABELS[k], "保留的值": now, "保留的值来自": hub_name, "未采用的值": v,
            "未采用的值来自": where, "原值": old.get(k, "") if old is not None else "",
            "说明": f"签到表上{who}改成了“{v}”,“出勤”中这一项也有人改过(“{now or '(空)'}”):"
                    "保留了“出勤”中的值。如签到表上的值才对,请在“处理”列选“采用另一值”。"})
        result.notes.append(f"{where}({who})签到表上写的是“{v}”,“出勤”中的{rid or '记录'}"
                            f"却是“{now or '(空)'}”,两边都改过:保留了“出勤”中的值,两个值都记在"
                            f"“{project.conflict_tab}”中,请核对后在“处理”列选择。")


def _record(project: Project, grids: Mapping[str, Grid], hub_name: str, state: State,
            form: FormTemplate, changes: dict[Key, _Change], run_id: int, at: str,
            batch: WriteBatch, result: SigninResult) -> list[AuditRow]:
    """Plan the 出勤 cells of ``changes``: fields of existing records set, new records added."""
    from .ids import IdAllocator
    from .plan import Context, plan_book_form
    from .records import find_form_tabs

    if not changes:
        return []
    ft = find_form_tabs(hub_name, dict(grids), [form], project.templates,
                        skip=project.tool_tabs)[form.key]
    need = {"date", "school", "session", "child_id", "status",
            *(k for ch in changes.values() for k in ch.fields)}
    head, ft = _with_columns(ft, grids, form, need)
    batch.then(head)
    audit: list[AuditRow] = []
    want = {rid: dict(r.values) for rid, r in ft.rows.items()}
    sources: dict[str, dict[str, str]] = {}
    prefix = form.id_prefix or ""
    alloc = IdAllocator(prefix, state.high(prefix))
    alloc.see_all([*ft.rows, *(r.id for r in ft.repeated), *state.bases(form.key, hub_name),
                   *state.tombstones(form.key)])
    needs_id: set[str] = set()
    order = sorted(changes.values(), key=lambda ch: (ch.slot.day, ch.school, ch.slot.session,
                                                     ch.child))
    for ch in order:
        values = {k: v for k, (v, _) in ch.fields.items()}
        cells = {k: w for k, (_, w) in ch.fields.items()}
        rid = ch.rec.t("id") if ch.rec is not None else ""
        if ch.rec is not None and rid in want:
            want[rid].update(values)
            sources[rid] = cells
            result.updated.append(rid)
        elif ch.rec is not None:  # a 出勤 row without 编号: its cells set where they are
            row = next((r for r in ft.fresh if r.sheet_row == ch.rec.row), None)
            for k, v in values.items():
                col = ft.column(k)
                if col is None:
                    continue
                old = row.values.get(k, "") if row is not None else ""
                batch.set_cell(ft.tab, ch.rec.row, col, v)
                audit.append(AuditRow(run_id, at, hub_name, ft.tab, f"{ft.tab}!{ch.rec.row}",
                                      LABELS.get(k, k), old, v, cells[k], STEP))
            result.updated.append(f"{ft.tab}!{ch.rec.row}")
        else:
            rid = alloc.next()
            needs_id.add(rid)
            want[rid] = {"date": ch.slot.day.isoformat(), "school": ch.school,
                         "session": ch.slot.session, "child_id": ch.child,
                         "child_name": ch.name, "status": values.pop("status", "到"), **values}
            sources[rid] = {k: next(iter(cells.values())) for k in want[rid]}
            result.new.append(rid)
    ctx = Context(run_id, hub_name, sources, at)
    body = WriteBatch()
    plan = plan_book_form(body, ft, want, needs_id, ctx,
                          columns=[f.key for f in form.fields])
    batch.then(body)
    audit += [dataclasses.replace(a, step=STEP) for a in plan.audit]
    result.highs = {prefix: alloc.high} if alloc.assigned else {}
    return audit


def _with_columns(ft: FormTab, grids: Mapping[str, Grid], form: FormTemplate,
                  keys: set[str]) -> tuple[WriteBatch, FormTab]:
    """The header cells the 出勤 tab lacks for ``keys``, and the tab parsed as it will be."""
    from .records import layout_for, parse_tab

    batch = WriteBatch()
    lay = ft.layout
    missing = [f for f in form.fields if f.key in keys and f.key not in ft.fields
               and f.key != ft.id_key]
    if lay is None or not missing:
        return batch, ft
    rows = [list(r) for r in grids[ft.tab].rows]
    line = rows[lay.header_row - 1]
    col = max([*lay.headers, len(line), 0]) + 1
    for f in missing:
        batch.set_cell(ft.tab, lay.header_row, col, f.label)
        line.extend([""] * (col - len(line)))
        line[col - 1] = f.label
        col += 1
    grid = Grid(rows)
    lay2 = layout_for(ft.tab, grid, form)
    assert lay2 is not None
    return batch, parse_tab(ft.book, ft.tab, grid, lay2)


def _conflicts(batch: WriteBatch, grids: Mapping[str, Grid], project: Project,
               form: FormTemplate, run_id: int, at: str, rows: list[dict[str, str]],
               result: SigninResult) -> None:
    """The conflict rows, as 同步冲突 shows them (sensitive values masked, kept in full)."""
    from . import tooltabs

    shown_rows = []
    for row in rows:
        full = {"时间": tooltabs.shown_time(at), "运行": str(run_id), **row}
        shown = tooltabs.shown_conflict(full, form)
        shown_rows.append(shown)
        if (h := tooltabs.hidden_of(shown, full, run_id)) is not None:
            result.hidden.append(h)
    tooltabs.append_rows(batch, grids, project.conflict_tab, tooltabs.CONFLICTS, shown_rows)


__all__ = ["FLAG", "SigninResult", "base_of", "plan_signin", "remember", "signin_step"]
