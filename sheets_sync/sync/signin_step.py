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

New records go below the 出勤 tab's last row (a column the tab lacks is added on its right;
a book without the tab gets one with every field); every cell set is in the audit with the
sheet cell it came from. A sheet whose every cell is still *B* costs one pass over its cells
(125 sheets of a 5,000-child program: 0.24 s CPU): the forms are read only when some cell
changed, and then only the fields the read-back needs, normalised as the validation does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..books.base import WriteBatch
from ..errors import SheetsSyncError
from ..forms.template import FormTemplate
from ..forms.validate import ref_key
from ..reports.signin import (
    HAND_OVER_HINT,
    PREFIX,
    STATUS_HINT,
    Index,
    Key,
    SheetCell,
    Slot,
    attendance_index,
    cell_text,
    changed_since,
    find,
    read_hand_over,
    read_sheet,
    read_status,
    sheet_schools,
)
from ..table import Grid, a1
from . import tooltabs
from .state import AuditRow, Hidden, State

if TYPE_CHECKING:
    from ..forms.headers import Parsed, TabLayout
    from ..reports.model import Forms, Record
    from .pipeline import PipelineResult, Stage, StepOptions
    from .project import Project

STEP = "signin"
FLAG = "signin:{book}:{tab}"
"""The state flag holding what the generator last wrote into a sheet's tick cells."""
FORMS: dict[str, tuple[str, ...]] = {
    "school": ("name", "start_date", "end_date"),
    "rotation": ("school", "start_date", "end_date", "status"),
    "child": ("id", "name", "school"),
    "attendance": ("id", "date", "school", "session", "child_id", "status", "leave_by",
                   "pickup")}
"""The forms and fields the read-back reads (the visit windows, the children, 出勤)."""
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
           parsed: Parsed | None) -> tuple[Forms, list[tuple[str, TabLayout]]]:
    """The records the read-back needs (:data:`FORMS`), their fields normalised as the
    validation does, no rules (the validate step, just after, checks them); and where the
    出勤 tab is (one, unless the book holds the form twice)."""
    from ..forms.headers import tab_data
    from ..forms.normalize import normalize_column
    from ..forms.validate import Findings, TabResult, layouts
    from ..reports.model import forms_from_report

    sub = {t: g for t, g in grids.items() if t not in project.tool_tabs}
    found, _ = layouts(sub, project.templates, parsed)
    tabs: dict[str, TabResult] = {}
    where: list[tuple[str, TabLayout]] = []
    for tab, lay in found.items():
        if lay.form.key not in FORMS:
            continue
        if lay.form.key == "attendance":
            where.append((tab, lay))
        data = parsed.data(sub[tab], lay) if parsed is not None else tab_data(sub[tab], lay)
        tabs[tab] = TabResult(data, {k: normalize_column(data.columns[k], lay.form.field(k),
                                                         project.program)
                                     for k in FORMS[lay.form.key] if k in data.columns})
    return forms_from_report(Findings(book=book, tabs=tabs)), where


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
    bases = {t: base_of(state, hub_name, t) for t in grids if t.startswith(PREFIX)}
    todo = [t for t, b in bases.items() if changed_since(grids[t], b[1] if b else None)]
    batch = WriteBatch()
    if not todo:
        return batch, [], result
    reads = {t: read_sheet(grids[t]) for t in todo}
    forms, where = _forms(project, grids, hub_name, parsed)
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
    audit = _record(grids, hub_name, state, form, forms, where, changes, run_id, at, batch,
                    result)
    if conflicts:
        result.hidden += tooltabs.append_conflicts(batch, grids, project.conflict_tab, form,
                                                   run_id, at, conflicts)
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


def _record(grids: Mapping[str, Grid], hub_name: str, state: State, form: FormTemplate,
            forms: Forms, where: list[tuple[str, TabLayout]], changes: dict[Key, _Change],
            run_id: int, at: str, batch: WriteBatch, result: SigninResult) -> list[AuditRow]:
    """Plan the 出勤 cells of ``changes``: the fields of existing records set where they are,
    new records appended below the tab's last row (a book without the tab gets it, with every
    field), a column the tab lacks added on its right; every cell audited."""
    from ..books.base import TabContent
    from ..reports.model import records
    from .ids import IdAllocator
    from .records import DuplicateFormTab

    if not changes:
        return []
    if len(where) > 1:
        raise DuplicateFormTab(hub_name, form, [t for t, _ in where])
    assert form.id_field is not None
    id_key = form.id_field.key
    label = {f.key: f.label for f in form.fields}
    prefix = form.id_prefix or ""
    alloc = IdAllocator(prefix, state.high(prefix))
    alloc.see_all([*(r.t("id") for r in records(forms, "attendance")),
                   *state.bases(form.key, hub_name), *state.tombstones(form.key)])
    audit: list[AuditRow] = []
    order = sorted(changes.values(), key=lambda ch: (ch.slot.day, ch.school,
                                                     ch.slot.session, ch.child))
    fresh: list[tuple[str, dict[str, str], str]] = []   # (编号, values, the cell they came from)
    for ch in order:
        if ch.rec is None:
            values = {k: v for k, (v, _) in ch.fields.items()}
            source = next(iter(ch.fields.values()))[1]
            fresh.append((alloc.next(), {
                "date": ch.slot.day.isoformat(), "school": ch.school, "session": ch.slot.session,
                "child_id": ch.child, "child_name": ch.name,
                "status": values.pop("status", "到"), **values}, source))
    result.new = [rid for rid, _, _ in fresh]
    result.highs = {prefix: alloc.high} if alloc.assigned else {}

    def note(tab: str, rid: str, key: str, old: str, new: str, source: str) -> None:
        audit.append(AuditRow(run_id, at, hub_name, tab, rid, label[key], old, new, source, STEP))

    if not where:  # no 出勤 tab yet: one with every field
        keys = [f.key for f in form.fields]
        rows = [[label[k] for k in keys]]
        for rid, values, source in fresh:
            cells = {**values, id_key: rid}
            rows.append([cells.get(k, "") for k in keys])
            for k in keys:
                if cells.get(k):
                    note(form.label, rid, k, "", cells[k], "编号" if k == id_key else source)
        batch.replace_tab(form.label, TabContent(rows=rows))
        return audit
    tab, lay = where[0]
    grid = grids[tab]
    cols = dict(lay.columns)
    need = {id_key, "date", "school", "session", "child_id", "status",
            *(k for ch in order for k in ch.fields)}
    head = grid.rows[lay.header_row - 1] if grid.n_rows >= lay.header_row else []
    col = max([*lay.headers, len(head), 0]) + 1
    for f in form.fields:
        if f.key in need and f.key not in cols:
            batch.set_cell(tab, lay.header_row, col, f.label)
            cols[f.key], col = col, col + 1
    for ch in order:
        if ch.rec is None:
            continue
        rid = ch.rec.t("id") or f"{tab}!{ch.rec.row}"
        for k, (v, source) in ch.fields.items():
            batch.set_cell(tab, ch.rec.row, cols[k], v)
            note(tab, rid, k, grid.cell(ch.rec.row, cols[k]), v, source)
        result.updated.append(rid)
    row = max(grid.n_rows, lay.header_row)
    for rid, values, source in fresh:
        row += 1
        for k, text in {id_key: rid, **values}.items():
            if text and k in cols:
                batch.set_cell(tab, row, cols[k], text)
                note(tab, rid, k, "", text, "编号" if k == id_key else source)
    return audit


__all__ = ["FLAG", "SigninResult", "base_of", "plan_signin", "remember", "signin_step"]
