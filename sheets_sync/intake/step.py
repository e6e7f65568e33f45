"""The ``import`` step of the pipeline: a survey export's answers into the hub's form tab.

:func:`plan_import` is pure: the hub's tabs, the state's imported answers and the export
in; one batch, its audit rows and an :class:`ImportResult` out. The pipeline folds the batch
into the hub's one write and its commit records :attr:`ImportResult.rows` with the hub's
audit (so ``history`` and ``restore`` cover an import as every other step).

Upsert by (import, submission): each answer the export holds is

* **new** — not imported before: a row appended to the form tab through the sync's own
  planner (:func:`~sheets_sync.sync.plan.plan_book_form`), its 编号 from the project's
  id marks (:class:`~sheets_sync.sync.ids.IdAllocator`, journalled like the sync's), and
  where it came from in the provenance columns 导入来源 / 提交编号 / 提交时间;
* **unchanged** — the same answers as last imported;
* **updated** — answered differently in the survey tool since: each changed cell is set
  where the tab still holds what was imported (a three-way check against the answers as last
  imported); a cell staff have edited since keeps the staff's text and the difference is a
  **conflict** row in 同步冲突 (never overwritten);
* **deleted** — imported before, but its row is gone from the tab: not brought back.

An answer the state does not know but the tab does (its 导入来源 and 提交编号 cells: a run
killed after the write, or a lost state file) is that row, never a second one.

An export whose every answer is imported and unchanged is told before the hub is read
(:func:`unchanged_import`, from the state alone): nothing to plan, write or validate, and the
run says 没有新的或修改过的答卷. One answer new or changed, and the full path above runs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..books.base import TabContent, WriteBatch
from ..errors import SheetsSyncError
from ..forms.headers import PROVENANCE_COLUMNS
from ..forms.template import FormTemplate
from ..table import Grid
from .columns import SKIP, ColumnMap, map_columns, resolve_field
from .mapping import TAB as MAPPING_TAB
from .mapping import confirmed, plan_tab
from .reader import Submission, column_values, read_export, submissions
from .shapes import detect_shape

SOURCE, SUBMISSION, SUBMITTED = "导入来源", "提交编号", "提交时间"
_JSON = json.JSONEncoder(ensure_ascii=False)
NOTHING_NEW = "没有新的或修改过的答卷:新增 0,更新 0,未变 {n}"
assert {SOURCE, SUBMISSION, SUBMITTED} == PROVENANCE_COLUMNS


class NothingToImport(SheetsSyncError):
    """No column of the export is a field of the form: the wrong file or the wrong form.
    Exit code 2, like a usage mistake."""

    exit_code = 2


@dataclass(frozen=True)
class ImportRequest:
    """What ``sheets-sync import EXPORT --form FORM [--name NAME]`` asks."""

    export: Path
    form: str
    name: str | None = None
    read: tuple[str, Grid] | None = field(default=None, compare=False, repr=False)
    """The export as already read (tab, grid): :func:`unchanged_import` reads it once for
    both paths."""


@dataclass
class ImportResult:
    """What an import did (or, with ``--dry-run``, would do)."""

    name: str
    form: str
    source: str
    export: str
    tab: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("new", "updated", "unchanged", "conflicts", "deleted", "unmapped", "ignored"), 0))
    mapped: list[tuple[str, str, str]] = field(default_factory=list)  # header, field, how
    unmapped: list[str] = field(default_factory=list)
    to_save: dict[str, str] = field(default_factory=dict)   # header -> field label / 不导入
    waiting: bool = False
    """Columns wait in 导入映射: nothing was imported."""
    new_ids: list[str] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)            # state.Imported
    highs: dict[str, int] = field(default_factory=dict)
    hidden: list[Any] = field(default_factory=list)          # state.Hidden
    sheet_rows: set[int] = field(default_factory=set)        # rows of the tab it wrote
    messages: list[str] = field(default_factory=list)
    quick: bool = False
    """Every answer was imported before and is unchanged (:func:`unchanged_import`): the
    hub was neither read nor written, nor validated again."""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "form": self.form, "source": self.source,
                "export": self.export, "tab": self.tab, "counts": dict(self.counts),
                "mapped": [{"column": h, "field": f, "how": how} for h, f, how in self.mapped],
                "unmapped": self.unmapped, "waiting": self.waiting, "new_ids": self.new_ids,
                "saved_mapping": dict(self.to_save), "messages": self.messages,
                "unchanged_export": self.quick}

    def summary(self) -> str:
        c = self.counts
        if self.quick:
            return (f"导入“{self.name}”({self.source} → {self.tab or self.form}):"
                    f"{NOTHING_NEW.format(n=c['unchanged'])}。")
        return (f"导入“{self.name}”({self.source} → {self.tab or self.form}):新增 {c['new']},"
                f"更新 {c['updated']},未变 {c['unchanged']},冲突 {c['conflicts']},"
                f"未对应的列 {c['unmapped']}" + (f",已删除未恢复 {c['deleted']}"
                                                 if c["deleted"] else "") + "。")


def _form(templates: Mapping[str, FormTemplate], name: str) -> FormTemplate:
    if name in templates:
        return templates[name]
    hit = next((t for t in templates.values() if name in t.tab_names), None)
    if hit is None:
        raise SheetsSyncError(f"没有表单“{name}”:可用 " + "、".join(
            f"{t.key}({t.label})" for t in templates.values()) + "。")
    return hit


def _nothing(export: str, cmap: ColumnMap, templates: Mapping[str, FormTemplate]) -> str:
    seen = [c.header for c in cmap.columns if c.how != "来源信息"] or ["(没有列)"]
    known = "、".join(f"{t.key}({t.label})" for t in templates.values() if t.id_field)
    return (f"{export} 的列没有一个能对应到“{cmap.form.label}”的字段,没有导入任何答卷:看到的列是 "
            f"{'、'.join(seen[:12])}{' 等' if len(seen) > 12 else ''};能导入的表单是 {known}。"
            "请确认选对了导出文件和 --form;如果确是这份问卷,请在 sheets-sync.toml 的 "
            f"[imports.\"{cmap.shape.name}-{cmap.form.label}\"] columns 中写明各列对应的字段"
            "(sheets-sync templates show 表单 可查看字段)。")


def unchanged_import(project: Any, state: Any, req: ImportRequest
                     ) -> tuple[ImportResult | None, ImportRequest]:
    """The result of importing ``req.export`` when that would change nothing, else ``None``
    (then :func:`plan_import` takes the full path); and ``req`` with the export as read.

    Nothing would change when every answer of the export was imported before under this
    import's name and its answers (each mapped field's text, as :func:`plan_import` would
    compare them) and submission time are those the state kept: the three-way check has
    then nothing to set, nothing to add and no conflict to find, whatever staff did in the
    hub since, so the hub is not read, nothing is written and the hub is not validated
    again. The columns must map as last time without the hub: automatically or through
    ``[imports.<name>]`` of ``sheets-sync.toml``. One answer new or different, a column left
    for 导入映射, or an export that maps to nothing, and the caller takes the full path,
    which says what it sees.
    """
    if req.read is None:
        req = dataclasses.replace(req, read=read_export(req.export))
    assert req.read is not None
    form = _form(project.templates, req.form)
    grid = req.read[1]
    if form.id_field is None or grid.n_rows < 2:
        return None, req
    headers = list(grid.rows[0])
    shape = detect_shape(headers)
    name = req.name or f"{shape.name}-{form.label}"
    spec = project.imports.get(name)
    if spec is not None and spec.form != form.key:
        return None, req
    known = state.imported_texts(name)
    if not known:
        return None, req
    columns = column_values(grid)
    cmap = map_columns(form, headers, shape, columns,
                       dict(spec.columns) if spec is not None else {})
    if not cmap.mapped or cmap.unmapped:
        return None, req
    subs: dict[str, Submission] = {}
    for s in submissions(cmap, grid, columns):
        subs[s.sid] = s  # a later row with the same number is the later answer
    if not subs:
        return None, req
    blank = dict.fromkeys(cmap.fields, "")  # each answer as plan_import compares it
    dumps = _JSON.encode                     # as the state stores it (json.dumps)
    for sid, sub in subs.items():
        was = known.get(sid)
        if was is None or was[0] != form.key or was[2] != sub.submitted:
            return None, req
        new = {**blank, **sub.values}
        if dumps(new) != was[1] and json.loads(was[1]) != new:
            return None, req
    result = ImportResult(name, form.label, shape.name, Path(req.export).name, quick=True)
    label = {f.key: f.label for f in form.fields}
    result.mapped = [(c.header, label[c.field or ""] + (f"={c.option}" if c.option else ""),
                      c.how) for c in cmap.mapped]
    result.counts["ignored"] = sum(c.how == SKIP for c in cmap.columns)
    result.counts["unchanged"] = len(subs)
    result.messages.append("这份导出文件中的每份答卷都已导入,问卷中也没有改过:"
                           "总表没有写入,也没有重新校验(导入时已校验)。")
    if any(s.fingerprinted for s in subs.values()):
        result.messages.append(_FINGERPRINTED)
    return result, req


def plan_import(project: Any, grids: Mapping[str, Grid], hub_name: str, state: Any,
                req: ImportRequest, run_id: int, at: str
                ) -> tuple[WriteBatch, list[Any], ImportResult]:
    """Plan bringing ``req.export``'s answers into the hub (see the module doc)."""
    from ..sync.ids import IdAllocator
    from ..sync.plan import Context, plan_book_form
    from ..sync.records import find_form_tabs

    form = _form(project.templates, req.form)
    if form.id_field is None:
        raise SheetsSyncError(f"“{form.label}”没有编号列,不能导入:导入按编号记住每份答卷。"
                              "请选有编号的表单。")
    _tab, grid = req.read if req.read is not None else read_export(req.export)
    headers = list(grid.rows[0])
    shape = detect_shape(headers)
    name = req.name or f"{shape.name}-{form.label}"
    spec = project.imports.get(name)
    if spec is not None and spec.form != form.key:
        raise SheetsSyncError(f"sheets-sync.toml 中的 [imports.\"{name}\"] 是“"
                              f"{project.templates[spec.form].label}”的导入,不是“{form.label}”的:"
                              "请用 --name 另起一个名字,或改 --form。")
    by_staff = confirmed(grids.get(MAPPING_TAB), name)
    saved: dict[str, str] = {**by_staff, **(spec.columns if spec is not None else {})}
    columns = column_values(grid)
    cmap = map_columns(form, headers, shape, columns, saved)
    result = ImportResult(name, form.label, shape.name, Path(req.export).name)
    label = {f.key: f.label for f in form.fields}
    result.mapped = [(c.header, label[c.field or ""] + (f"={c.option}" if c.option else ""),
                      c.how) for c in cmap.mapped]
    result.counts["ignored"] = sum(c.how == SKIP for c in cmap.columns)
    if not cmap.mapped:
        raise NothingToImport(_nothing(Path(req.export).name, cmap, project.templates))
    batch = WriteBatch()
    templates = project.templates
    if cmap.unmapped:
        result.unmapped = [c.header for c in cmap.unmapped]
        result.counts["unmapped"] = len(cmap.unmapped)
        result.waiting = True
        plan_tab(batch, grids, name, form, cmap.unmapped, {}, templates)
        result.messages.append(
            f"{len(cmap.unmapped)} 列没有对应到“{form.label}”的字段:"
            + "、".join(f"“{h}”" for h in result.unmapped[:8])
            + (" 等" if len(result.unmapped) > 8 else "")
            + f"。已列在总表的“{MAPPING_TAB}”工作表中:请在“对应字段”中选择(或选“不导入”)后"
            "重新运行这条命令;在此之前没有导入任何答卷。")
        return batch, [], result
    saved_keys = spec.columns if spec is not None else {}
    for header, target in by_staff.items():
        key = target if target == SKIP else resolve_field(form, target)
        if key is not None and saved_keys.get(header) != key:
            result.to_save[header] = target
    where = (f"已确认,保存在 sheets-sync.toml 的 [imports.\"{name}\"]"
             if project.config_file is not None else "已确认(每次导入按这里的选择)")
    if by_staff:
        plan_tab(batch, grids, name, form, [], dict.fromkeys(by_staff, where), templates)

    subs: dict[str, Submission] = {}
    for s in submissions(cmap, grid, columns):
        subs[s.sid] = s  # a later row with the same number is the later answer
    ft = find_form_tabs(hub_name, dict(grids), [form], templates,
                        skip=project.tool_tabs | {MAPPING_TAB})[form.key]
    head, ft = _prepare_tab(ft, grids, form, cmap)
    batch.then(head)
    result.tab = ft.tab
    assert ft.layout is not None
    cols = {h.strip(): j for j, h in ft.layout.headers.items()}
    known = state.imported(name)
    by_cells: dict[str, str] = {}   # submission -> 编号, from the tab's provenance cells
    for rid, row in ft.rows.items():
        src = _at(row.cells, cols.get(SOURCE))
        sid = _at(row.cells, cols.get(SUBMISSION))
        if src == name and sid:
            by_cells[sid] = rid

    prefix = form.id_prefix or ""
    alloc = IdAllocator(prefix, state.high(prefix))
    alloc.see_all([*ft.rows, *state.bases(form.key, hub_name), *state.tombstones(form.key),
                   *(im.record_id for im in known.values())])
    want = {rid: dict(r.values) for rid, r in ft.rows.items()}
    needs_id: set[str] = set()
    fields = cmap.fields
    conflict_rows: list[dict[str, str]] = []
    provenance: dict[str, Submission] = {}
    from ..sync.state import Imported

    for sid in sorted(subs, key=lambda s: subs[s].row):
        sub = subs[sid]
        new = {k: sub.values.get(k, "") for k in fields}
        before = known.get(sid)
        rid = before.record_id if before is not None else by_cells.get(sid)
        if rid is None:
            rid = alloc.next()
            needs_id.add(rid)
            want[rid] = new
            provenance[rid] = sub
            result.counts["new"] += 1
            result.new_ids.append(rid)
            result.rows.append(Imported(name, sid, form.key, rid, new, sub.submitted))
            continue
        if rid not in ft.rows:
            result.counts["deleted"] += 1
            continue
        row = ft.rows[rid]
        base = before.values if before is not None else new
        cur = want[rid]
        changed = False
        for k in fields:
            n, b, c = new.get(k, ""), base.get(k, ""), row.values.get(k, "")
            if n in (b, c):
                continue
            if c == b:
                cur[k] = n
                changed = True
            else:
                result.counts["conflicts"] += 1
                conflict_rows.append({
                    "表单": form.label, "编号": rid, "姓名": row.values.get("name", ""),
                    "字段": label[k], "保留的值": c, "保留的值来自": hub_name,
                    "未采用的值": n, "未采用的值来自": f"导入:{name}", "原值": b,
                    "说明": f"问卷中这一项改了(第 {sid} 份答卷),表中也有人改过:保留了表中的值。"
                            "如问卷中的新值才对,请在“处理”列选“采用另一值”。"})
        if changed:
            result.counts["updated"] += 1
            result.sheet_rows.add(row.sheet_row)
        else:
            result.counts["unchanged"] += 1
        if _at(row.cells, cols.get(SUBMITTED)) != sub.submitted and cols.get(SUBMITTED):
            head_col = cols[SUBMITTED]
            batch.set_cell(ft.tab, row.sheet_row, head_col, sub.submitted)
        if (before is None or before.values != new or before.submitted != sub.submitted
                or before.record_id != rid):
            result.rows.append(Imported(name, sid, form.key, rid, new, sub.submitted))

    ctx = Context(run_id, hub_name, {rid: dict.fromkeys(fields, f"导入:{name}")
                                     for rid in want}, at)
    body = WriteBatch()
    plan = plan_book_form(body, ft, want, needs_id, ctx)
    for tab_cells in list(body.cells.values()):
        for (r, c), text in list(tab_cells.items()):
            if c == ft.id_col and text in provenance:
                sub = provenance[text]
                result.sheet_rows.add(r)
                for header, value in ((SOURCE, name), (SUBMISSION, sub.sid),
                                      (SUBMITTED, sub.submitted)):
                    if value and cols.get(header):
                        body.set_cell(ft.tab, r, cols[header], value)
    batch.then(body)
    audit = [dataclasses.replace(a, step="import") for a in plan.audit]
    if conflict_rows:
        from ..sync import tooltabs

        conflict_form = next((t for t in project.templates.values()
                              if t.label == conflict_rows[0]["表单"]), None)
        result.hidden += tooltabs.append_conflicts(batch, grids, project.conflict_tab,
                                                   conflict_form, run_id, at, conflict_rows)
    result.highs = {prefix: alloc.high} if alloc.assigned else {}
    if any(s.fingerprinted for s in subs.values()):
        result.messages.append(_FINGERPRINTED)
    return batch, audit, result


_FINGERPRINTED = ("导出文件中没有答卷编号(序号/ID 列):每份答卷按它的内容识别,"
                  "问卷中改过的答卷会当作新答卷导入。可以的话,导出时请带上序号。")


def _at(cells: list[str], col: int | None) -> str:
    return cells[col - 1].strip() if col and col <= len(cells) else ""


def _prepare_tab(ft: Any, grids: Mapping[str, Grid], form: FormTemplate, cmap: ColumnMap
                 ) -> tuple[WriteBatch, Any]:
    """The header cells the tab lacks (the export's fields, 编号, the provenance columns),
    and the tab parsed again as it will be with them."""
    from ..sync.records import layout_for, parse_tab

    batch = WriteBatch()
    extra = [SOURCE, SUBMISSION, SUBMITTED]
    if ft.layout is None:  # the hub has no tab for the form yet: one with every field
        header = [f.label for f in form.fields] + extra
        batch.replace_tab(ft.tab, TabContent(rows=[header], header_rows=1))
        grid = Grid([header])
    else:
        lay = ft.layout
        grid = grids[ft.tab]
        rows = [list(r) for r in grid.rows]
        have = {h.strip() for h in lay.headers.values()}
        keys = [form.id_field.key] if form.id_field is not None else []
        missing = [form.field(k).label for k in [*keys, *cmap.fields] if k not in lay.columns]
        missing += [h for h in extra if h not in have]
        if not missing:
            return batch, ft
        line = rows[lay.header_row - 1]
        col = max([*lay.headers, len(line), 0]) + 1
        for h in missing:
            batch.set_cell(ft.tab, lay.header_row, col, h)
            line.extend([""] * (col - len(line)))
            line[col - 1] = h
            col += 1
        grid = Grid(rows)
    lay2 = layout_for(ft.tab, grid, form)
    assert lay2 is not None
    return batch, parse_tab(ft.book, ft.tab, grid, lay2)
