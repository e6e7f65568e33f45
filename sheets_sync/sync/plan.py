"""Merge results -> one :class:`~sheets_sync.books.base.WriteBatch` per book.

Only cells whose text differs are set. A record the book should hold but does not is
appended after the tab's last row; a record it holds but should not (deleted, or moved to
another spoke) has its row cleared: the Book layer has no row deletion, and clearing keeps
every other row where the user put it (see :func:`plan_book_form`). A book without the
form's tab gets the tab, created with the hub's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..books.base import TabContent, WriteBatch
from .records import FormTab
from .state import AuditRow, Values, now


@dataclass
class FormPlan:
    """What one book's tab of one form gets in this run."""

    audit: list[AuditRow] = field(default_factory=list)
    base: dict[str, Values] = field(default_factory=dict)
    appended: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    carried: set[tuple[str, str]] = field(default_factory=set)  # (id, header) of extras placed
    updated: int = 0      # cells set on rows the book already held
    lines: list[str] = field(default_factory=list)


@dataclass
class Context:
    run_id: int
    book: str
    sources: dict[str, dict[str, str]]     # id -> field -> book whose text it is
    at: str = field(default_factory=now)


def plan_book_form(batch: WriteBatch, ft: FormTab, want: dict[str, Values],
                   needs_id: set[str], ctx: Context, *, columns: list[str] | None = None,
                   why_gone: dict[str, str] | None = None,
                   extras: dict[str, tuple[str, dict[str, str]]] | None = None,
                   slots: list[int] | None = None) -> FormPlan:
    """Add to ``batch`` what makes ``ft`` hold exactly ``want`` (id -> merged values).

    ``needs_id``: ids assigned this run to rows of this tab (their 编号 cell is written).
    ``columns``: the field keys (in order) for a tab that must be created.
    ``why_gone``: id -> reason ("删除" / "移到 X") for rows cleared.
    ``extras``: id -> (book, header -> text) of a record moving in from another spoke: its
    cells in that book's own columns, written here under the same header where this tab
    has one (:attr:`FormPlan.carried`).
    ``slots``: when the tab ends with a 合计 row, the blank rows above it: filled with new
    records before any goes below the total (which the plan then warns about).
    """
    plan = FormPlan()
    label = {f.key: f.label for f in ft.form.fields}
    id_key = ft.id_key

    def audit(rid: str, fld: str, old: str, new: str, source: str) -> None:
        plan.audit.append(AuditRow(ctx.run_id, ctx.at, ctx.book, ft.tab, rid, fld, old, new,
                                   source))

    if ft.layout is None:
        if not want:
            return plan
        keys = [id_key, *(k for k in (columns or []) if k != id_key)]
        rows = [[label[k] for k in keys]]
        for rid in sorted(want):
            v = want[rid]
            rows.append([rid if k == id_key else v.get(k, "") for k in keys])
            plan.base[rid] = {k: v.get(k, "") for k in keys if k != id_key}
            plan.appended.append(rid)
            for k in keys:
                text = rid if k == id_key else v.get(k, "")
                if text:
                    audit(rid, label[k], "", text, ctx.sources.get(rid, {}).get(k, ctx.book))
        batch.replace_tab(ft.tab, TabContent(rows=rows))
        plan.lines.append(f"{ctx.book}:新建工作表“{ft.tab}”,{len(want)} 条记录")
        return plan

    header_row = ft.layout.header_row
    id_col = ft.id_col
    if id_col is None:  # the tab has no 编号 column yet: add one after the last column
        id_col = max([*ft.layout.headers, 0]) + 1
        batch.set_cell(ft.tab, header_row, id_col, label[id_key])
        plan.lines.append(f"{ctx.book}:在“{ft.tab}”中增加“{label[id_key]}”列")
    cols = {k: ft.layout.columns[k] for k in ft.fields}
    for rid, row in ft.rows.items():
        if rid not in want:
            for j, text in enumerate(row.cells, start=1):
                if text:
                    batch.set_cell(ft.tab, row.sheet_row, j, "")
                    audit(rid, ft.layout.headers.get(j, str(j)), text, "",
                          (why_gone or {}).get(rid, "同步"))
            plan.cleared.append(rid)
            continue
        target = want[rid]
        if target == row.values and rid not in needs_id:  # the common case: nothing to do
            plan.base[rid] = dict(target)
            continue
        src = ctx.sources.get(rid, {})
        base: Values = {}
        for k in ft.fields:
            old = row.values[k]
            new = target.get(k, old)
            base[k] = new
            if new != old:
                batch.set_cell(ft.tab, row.sheet_row, cols[k], new)
                audit(rid, label[k], old, new, src.get(k, ctx.book))
                plan.updated += 1
        if rid in needs_id:
            batch.set_cell(ft.tab, row.sheet_row, id_col, rid)
            audit(rid, label[id_key], "", rid, "编号")
        plan.base[rid] = base
    free = list(slots or [])
    below = ft.last_row + 1
    taken = {*cols.values(), id_col}
    own_cols = {h: j for j, h in ft.layout.headers.items() if j not in taken and h}
    for rid in sorted(want.keys() - ft.rows.keys()):
        if free:
            next_row = free.pop(0)
        else:
            next_row, below = below, below + 1
        target = want[rid]
        src = ctx.sources.get(rid, {})
        batch.set_cell(ft.tab, next_row, id_col, rid)
        audit(rid, label[id_key], "", rid, src.get(id_key, "编号"))
        for k in ft.fields:
            text = target.get(k, "")
            if text:
                batch.set_cell(ft.tab, next_row, cols[k], text)
                audit(rid, label[k], "", text, src.get(k, ctx.book))
        if extras and rid in extras:
            source, own = extras[rid]
            for header, text in own.items():
                own_col = own_cols.get(header)
                if own_col is not None:
                    batch.set_cell(ft.tab, next_row, own_col, text)
                    audit(rid, header, "", text, source)
                    plan.carried.add((rid, header))
        plan.base[rid] = {k: target.get(k, "") for k in ft.fields}
        plan.appended.append(rid)
    if slots is not None and below > ft.last_row + 1:
        plan.lines.append(f"{ctx.book}:“{ft.tab}”的合计行(第 {ft.last_row} 行)上方空行不够,"
                          f"{below - ft.last_row - 1} 条新记录写在了合计行下面;"
                          "请在表格中把合计行移到最后,并检查合计公式的范围。")
    if plan.updated:
        plan.lines.append(f"{ctx.book}:“{ft.tab}”修改 {plan.updated} 个单元格")
    if plan.appended:
        plan.lines.append(f"{ctx.book}:“{ft.tab}”新增 {len(plan.appended)} 行:"
                          + "、".join(plan.appended[:10])
                          + (" …" if len(plan.appended) > 10 else ""))
    if plan.cleared:
        plan.lines.append(f"{ctx.book}:“{ft.tab}”移出 {len(plan.cleared)} 行:"
                          + "、".join(plan.cleared[:10])
                          + (" …" if len(plan.cleared) > 10 else ""))
    if needs_id:
        plan.lines.append(f"{ctx.book}:“{ft.tab}”写入新编号 "
                          + "、".join(sorted(needs_id)[:10]))
    return plan
