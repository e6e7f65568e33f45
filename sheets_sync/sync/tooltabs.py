"""The tool tabs every step shares: 同步冲突, 回收站, 同步日志.

One layout each (:class:`ToolTab`), one clock (the run's time, :func:`~.state.now`,
shown as ``2026-07-08 14:30``). They are append-only: a run adds rows below the last one
(an existing tab gets only the new cells, so a year of runs does not rewrite a year of
rows), and nothing the tool does removes a row from them. Columns are found by their
header, so a tab made by an earlier release keeps its rows where they are and gets the
new columns on its right.

A record that leaves a form tab — deleted, moved to another spoke, or merged into another
record (是同一人) — is one 回收站 row with every value it held, one column per field,
whichever step moved it. Three columns take a person's decision, each with a dropdown:
回收站's 恢复 (put a deleted record back), 同步冲突's 处理 (已处理 / 采用另一值) and
同步日志's 确认删除 (let a held-back deletion through). The next run carries the decision
out and writes what it did into the same cell (:func:`done`).

A shared hub is read by every coordinator, so these tabs show sensitive values masked, as
every other generated tab does (template fields marked ``sensitive``, every field of a
whole-sensitive form such as 谈心记录; a 编号 never): :func:`shown_conflict` and
:func:`shown_recycle`. Nothing a decision needs is lost by it: 恢复 and ``restore`` put a
record back from the deleting run's backup, and the full values behind a masked 同步冲突
row are kept in the state store (:class:`~.state.Hidden`, written with the run's journal),
where :func:`read_conflicts` finds them again. Cells an earlier release wrote in full are
masked by the next run (:func:`read_conflicts`' ``masks``, :func:`recycle_masks`), their
full values kept first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..books.base import CHOICE_SPARE_ROWS, PrintSetup, TabContent, WriteBatch
from ..forms.headers import header_key
from ..forms.template import Field, FormTemplate
from ..privacy import field_mask_type, shown_value
from ..table import Grid
from .state import Hidden

RESTORE = "恢复"
HANDLED = "已处理"
USE_OTHER = "采用另一值"
CONFIRM_DELETE = "确认删除"


@dataclass(frozen=True)
class ToolTab:
    """The layout of one tool tab: its lead columns, widths, dropdowns and its note."""

    key: str
    header: tuple[str, ...]
    note: str
    widths: Mapping[str, float] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    wrap: frozenset[str] = frozenset()
    # printed one page wide; else across pages, these lead columns repeated on each
    fit_width: bool = True
    repeat: tuple[str, ...] = ()
    # headers an earlier release wrote, by position: renamed in place (same meaning)
    renames: Mapping[tuple[int, str], str] = field(default_factory=dict)


CONFLICTS = ToolTab(
    "conflicts",
    ("时间", "运行", "表单", "编号", "姓名", "字段", "保留的值", "保留的值来自", "未采用的值",
     "未采用的值来自", "原值", "说明", "处理"),
    "两边都改了同一个单元格时,保留的值和未采用的值都记在这里(敏感字段遮挡显示,"
    "完整的值由工具保存)。核对后在“处理”列选择:"
    "“已处理”(保留的值是对的)或“采用另一值”(未采用的值是对的);下次运行时照此改正各表。",
    widths={"时间": 17, "运行": 5, "保留的值": 22, "未采用的值": 22, "原值": 14, "说明": 50,
            "处理": 16},
    choices={"处理": (HANDLED, USE_OTHER)},
    wrap=frozenset({"保留的值", "未采用的值", "原值", "说明"}),
    renames={(7, "来自"): "保留的值来自", (9, "来自"): "未采用的值来自"},
)
RECYCLE = ToolTab(
    "recycle",
    ("时间", "运行", "表单", "编号", "姓名", "去向", "恢复", "原所在工作簿", "原位置"),
    "删除、移走或合并掉的记录,每个字段一列。身份证号、电话、住址等敏感字段遮挡显示,"
    "完整的记录保存在备份中:要放回一条被删除的记录,在它的“恢复”列选“恢复”,"
    "下次运行时原样放回原表(也可运行 sheets-sync undelete 编号);"
    "要看完整的值,运行 sheets-sync history 编号 --reveal 字段。打印时每页都重复编号和姓名两列。",
    widths={"时间": 17, "运行": 5, "恢复": 14, "原位置": 20},
    choices={"恢复": (RESTORE,)},
    wrap=frozenset({"原位置"}),
    fit_width=False,
    repeat=("编号", "姓名"),
    renames={(5, "处理"): "去向"},
)
LOG = ToolTab(
    "log",
    ("时间", "运行", "结果", "新增", "修改单元格", "移出", "删除", "冲突", "新编号", "说明",
     "工作簿", "确认删除"),
    "每次运行一行。某个工作簿的删除因数量过多被暂停时,另有一行“删除待确认”:"
    "确认要删除,就在那一行的“确认删除”列选“确认删除”,下次运行时照办。",
    widths={"时间": 17, "运行": 5, "说明": 48, "确认删除": 14},
    choices={"确认删除": (CONFIRM_DELETE,)},
    wrap=frozenset({"说明"}),
)
TOOL_TABS = {t.key: t for t in (CONFLICTS, RECYCLE, LOG)}
# what v0.1 wrote in 回收站: the record as one text cell
OLD_CONTENT = "内容(表头:值)"
MAX_WIDTH = 40.0


def shown_time(at: str) -> str:
    """``2026-07-08T14:30:00`` -> ``2026-07-08 14:30`` (what a person reads in a tool tab)."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?", at)
    return f"{m.group(1)} {m.group(2)}" if m else at


def header_of(grid: Grid | None, spec: ToolTab) -> list[str]:
    """The tab's header as the tool reads it now (earlier releases' names renamed)."""
    if grid is None or not grid.n_rows:
        return []
    head = [h.strip() for h in grid.rows[0]]
    for (col, old), new in spec.renames.items():
        if col <= len(head) and head[col - 1] == old:
            head[col - 1] = new
    return head


def read_rows(grid: Grid | None, spec: ToolTab) -> list[tuple[int, dict[str, str]]]:
    """(sheet row, header -> text) of every row below the header (blank rows skipped)."""
    head = header_of(grid, spec)
    if grid is None or not head:
        return []
    out = []
    for i, row in enumerate(grid.rows[1:], start=2):
        if any(t.strip() for t in row):
            out.append((i, {h: (row[j].strip() if j < len(row) else "")
                            for j, h in enumerate(head) if h}))
    return out


def col_of(grid: Grid | None, spec: ToolTab, header: str) -> int | None:
    """The 1-based column of ``header`` in the tab, or ``None``."""
    head = header_of(grid, spec)
    return head.index(header) + 1 if header in head else None


def pending(grid: Grid | None, spec: ToolTab, column: str) -> list[tuple[int, dict[str, str]]]:
    """Rows whose decision ``column`` holds a choice the tool has not carried out yet."""
    wanted = set(spec.choices.get(column, ()))
    return [(r, v) for r, v in read_rows(grid, spec) if v.get(column, "") in wanted]


def done(batch: WriteBatch, tab: str, grid: Grid | None, spec: ToolTab, column: str,
         row: int, text: str) -> None:
    """Write what the tool did about a decision into its cell (e.g. ``已恢复(第 8 次运行)``)."""
    col = col_of(grid, spec, column)
    if col is not None:
        batch.set_cell(tab, row, col, text)


def recycle_row(at: str, run_id: int, form: str, record_id: str, action: str, book: str,
                where: str, cells: Iterable[tuple[str, str]], *,
                template: FormTemplate | None) -> dict[str, str]:
    """One 回收站 row: ``action`` is ``删除于 X``, ``移到 X`` or ``合并到 C0001``; every
    non-empty cell of the record in a column of its own header, as the hub shows it
    (``template``'s sensitive fields masked: :func:`shown_recycle`)."""
    row = {"时间": shown_time(at), "运行": str(run_id), "表单": form, "编号": record_id,
           "去向": action, "原所在工作簿": book, "原位置": where}
    for h, t in cells:
        h = h.strip()
        if not t or not h or (h == "编号" and t.strip() == record_id):
            continue
        row[h if h == "姓名" or h not in RECYCLE.header else f"{h}(记录)"] = t
    return shown_recycle(row, template)


# -- what the hub shows of sensitive values -------------------------------------------------

CONFLICT_VALUES = ("保留的值", "未采用的值", "原值")
"""The 同步冲突 columns holding a field's values (masked when the field is sensitive)."""
CONFLICT_KEY = ("表单", "编号", "字段", "保留的值", "保留的值来自", "未采用的值", "未采用的值来自")
"""What makes two 同步冲突 rows the same conflict (:func:`conflict_key`)."""
UNKNOWN = "(完整值不详)"
"""Set (to ``"是"``) on a row :func:`read_conflicts` gives whose sensitive values are masked
in the tab and not in the state store: they cannot be put back (no sheet header is this)."""
_RECORD = "(记录)"


def conflict_key(v: Mapping[str, str]) -> tuple[str, ...]:
    """What makes two 同步冲突 rows the same conflict (a re-run adds no second row)."""
    return tuple(v.get(h, "") for h in CONFLICT_KEY)


_FIELDS: dict[int, tuple[FormTemplate, dict[str, Field], dict[str, Field | None]]] = {}


def _field(form: FormTemplate, header: str) -> Field | None:
    """The field of ``form`` a tool tab column (or 同步冲突's 字段) names (memoised: a year
    of 回收站 rows asks about the same few headers)."""
    memo = _FIELDS.get(id(form))
    if memo is None or memo[0] is not form:
        keys: dict[str, Field] = {}
        for f in form.fields:
            for h in f.headers:
                keys.setdefault(header_key(h), f)
        memo = _FIELDS[id(form)] = (form, keys, {})
    seen = memo[2]
    if header not in seen:
        seen[header] = memo[1].get(header_key(header.removesuffix(_RECORD)))
    return seen[header]


def _sensitive(form: FormTemplate | None, fld: Field | None) -> bool:
    """Whether the hub's tool tabs show ``fld`` of ``form`` masked (a 编号 never is)."""
    return (form is not None and fld is not None and fld.type != "record_id"
            and field_mask_type(form, fld) is not None)


def shown_field(text: str, form: FormTemplate | None, fld: Field | None) -> str:
    """``text`` of ``fld`` of ``form`` as the hub's tool tabs show it (masked if sensitive)."""
    if not text.strip() or not _sensitive(form, fld):
        return text
    assert form is not None and fld is not None
    return shown_value(text, form, fld)


def looks_masked(text: str) -> bool:
    """Whether ``text`` reads like a masked value (the masks all hold ``*``)."""
    return "*" in text


def shown_conflict(row: Mapping[str, str], form: FormTemplate | None) -> dict[str, str]:
    """A 同步冲突 row as the hub shows it: the values of a sensitive field masked (and the
    姓名 of a whole-sensitive form); a row of ``(整条记录)`` or of no known field as it is."""
    out = dict(row)
    if form is None:
        return out
    fld = _field(form, row.get("字段", ""))
    for h in CONFLICT_VALUES:
        if h in out:
            out[h] = shown_field(out[h], form, fld)
    if out.get("姓名"):
        name = next((f for f in form.fields if f.key == "name"), None)
        out["姓名"] = shown_field(out["姓名"], form, name)
    return out


def hidden_of(shown: Mapping[str, str], full: Mapping[str, str], run_id: int) -> Hidden | None:
    """What the state store keeps of a 同步冲突 row shown masked (``None``: nothing masked)."""
    values = {h: t for h, t in full.items() if shown.get(h, t) != t}
    return Hidden(CONFLICTS.key, run_id, conflict_key(shown), values) if values else None


def _run_of(text: str) -> int:
    return int(text) if text.strip().isdigit() else -1


@dataclass
class ConflictRows:
    """The 同步冲突 tab as a run finds it (:func:`read_conflicts`).

    ``rows``: (sheet row, header -> text), each with its values in full where they are
    known: from the state store, or from the tab itself where an earlier release wrote them
    in full; a row whose masked values are in neither carries :data:`UNKNOWN`. ``masks``:
    (row, column) -> masked text, the cells an earlier release wrote in full; ``hidden``:
    their full values, for the state store (with the write that masks them).
    """

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    masks: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden: list[Hidden] = field(default_factory=list)
    _full: set[tuple[str, ...]] = field(default_factory=set)
    _masked: set[tuple[str, ...]] = field(default_factory=set)

    def holds(self, full: Mapping[str, str], shown: Mapping[str, str]) -> bool:
        """Whether the tab has this conflict already (compared on the full values; a row
        whose full values are not known, on what it shows)."""
        return conflict_key(full) in self._full or conflict_key(shown) in self._masked

    def add(self, full: Mapping[str, str]) -> None:
        self._full.add(conflict_key(full))


def read_conflicts(grid: Grid | None, templates: Mapping[str, FormTemplate],
                   hidden: Mapping[tuple[int, tuple[str, ...]], Mapping[str, str]]
                   ) -> ConflictRows:
    """The rows of a 同步冲突 tab with their full values (``hidden``: the state store's,
    :meth:`~.state.State.hidden`), and the cells to mask that an earlier release wrote in full."""
    by_label = {t.label: t for t in templates.values()}
    head = header_of(grid, CONFLICTS)
    out = ConflictRows()
    for r, v in read_rows(grid, CONFLICTS):
        form = by_label.get(v.get("表单", ""))
        shown = shown_conflict(v, form)
        run = _run_of(v.get("运行", ""))
        kept = hidden.get((run, conflict_key(shown)))
        full = dict(v)
        if shown != v:  # written in full (an earlier release, a restore): mask, keep the values
            for h, t in shown.items():
                if t != v[h] and h in head:
                    out.masks[(r, head.index(h) + 1)] = t
            if kept is None and (h_ := hidden_of(shown, v, run)) is not None:
                out.hidden.append(h_)
        elif kept is not None:
            full.update(kept)
        elif form is not None and _sensitive(form, _field(form, v.get("字段", ""))) and any(
                looks_masked(v.get(h, "")) for h in CONFLICT_VALUES):
            full[UNKNOWN] = "是"  # masked, and the store does not have it (a new state.db)
            out._masked.add(conflict_key(shown))
        out._full.add(conflict_key(full))
        out.rows.append((r, full))
    return out


def shown_recycle(row: Mapping[str, str], form: FormTemplate | None) -> dict[str, str]:
    """A 回收站 row as the hub shows it: each cell of a sensitive field masked (a 编号 never;
    an earlier release's one-cell record, ``表头:值;…``, part by part)."""
    out = dict(row)
    if form is None:
        return out
    for h, t in row.items():
        if not t or (h in RECYCLE.header and h != "姓名"):
            continue
        if h == OLD_CONTENT:
            out[h] = ";".join(_shown_pair(part, form) for part in t.split(";"))
        else:
            out[h] = shown_field(t, form, _field(form, h))
    return out


def _shown_pair(part: str, form: FormTemplate) -> str:
    head, sep, text = part.partition(":")
    return f"{head}{sep}{shown_field(text, form, _field(form, head))}" if sep else part


def recycle_masks(grid: Grid | None, templates: Mapping[str, FormTemplate]
                  ) -> dict[tuple[int, int], str]:
    """(row, column) -> masked text: the 回收站 cells an earlier release wrote in full.

    Only the columns some form's sensitive field (or a whole-sensitive form) may fill are
    looked at, so a year of rows costs little.
    """
    head = header_of(grid, RECYCLE)
    if grid is None or not head or "表单" not in head:
        return {}
    by_label = {t.label: t for t in templates.values()}
    cols = [j for j, h in enumerate(head)
            if h and (h == OLD_CONTENT or h == "姓名" or h not in RECYCLE.header)
            and any(h == OLD_CONTENT or _sensitive(f, _field(f, h)) for f in by_label.values())]
    form_col = head.index("表单")
    fields: dict[tuple[str, int], Field | None] = {}
    out: dict[tuple[int, int], str] = {}
    for i, line in enumerate(grid.rows[1:], start=2):
        label = line[form_col].strip() if form_col < len(line) else ""
        form = by_label.get(label)
        if form is None:
            continue
        for j in cols:
            text = line[j].strip() if j < len(line) else ""
            if not text:
                continue
            if head[j] == OLD_CONTENT:
                shown = ";".join(_shown_pair(part, form) for part in text.split(";"))
            else:
                if (label, j) not in fields:
                    fields[(label, j)] = _field(form, head[j])
                shown = shown_field(text, form, fields[(label, j)])
            if shown != text:
                out[(i, j + 1)] = shown
    return out


def recycled_keys(grid: Grid | None) -> set[tuple[str, str, str]]:
    """(表单, 编号, kind) of the rows a 回收站 already holds (kind: ``移到 X`` or ``删除``).

    A re-run after a crash, or a sync after a merge, adds no second row for the same event.
    """
    out: set[tuple[str, str, str]] = set()
    for _, v in read_rows(grid, RECYCLE):
        action = v.get("去向", "")
        out.add((v.get("表单", ""), v.get("编号", ""),
                 action if action.startswith("移到 ") else "删除"))
    return out


def _width(text: str) -> float:
    return float(sum(2 if ord(ch) > 0x2E7F else 1 for ch in text))


def layout(spec: ToolTab, rows: list[list[str]]) -> TabContent:
    """The whole tab ``rows`` (header first) as the tool writes it: widths from the content
    (capped, long text wrapped), the header frozen and repeated on every printed page,
    landscape and one page wide, a dropdown on each decision column."""
    head = rows[0] if rows else []
    widths: dict[int, float] = {}
    wrap: set[int] = set()
    for j, h in enumerate(head, start=1):
        seen = max([_width(h), *(_width(r[j - 1]) for r in rows[1:2001] if j <= len(r))])
        want = spec.widths.get(h, min(max(seen + 2, 8.0), MAX_WIDTH))
        widths[j] = float(min(max(want, _width(h) + 2), MAX_WIDTH))
        if h in spec.wrap or seen > widths[j]:
            wrap.add(j)
    choices = {head.index(c) + 1: list(v) for c, v in spec.choices.items() if c in head}
    cols = sorted(head.index(c) + 1 for c in spec.repeat if c in head)
    return TabContent(rows=rows, header_rows=1, widths=widths, note=spec.note, choices=choices,
                      wrap=wrap, print_setup=PrintSetup(
                          landscape=True, fit_width=spec.fit_width, repeat_rows=(1, 1),
                          repeat_cols=(cols[0], cols[-1]) if cols else None))


def append_rows(batch: WriteBatch, grids: Mapping[str, Grid], tab: str, spec: ToolTab,
                rows: list[dict[str, str]],
                updates: Mapping[tuple[int, int], str] | None = None) -> None:
    """Add ``rows`` (header -> text) to the tool tab ``tab`` as ``grids`` hold it, and set
    ``updates`` ((row, col) -> text: decisions carried out) in the rows it has.

    A new tab gets the layout's header, then a column for every other header the rows name
    (回收站's fields), in the order they come. An existing tab keeps its columns and rows:
    a header it lacks is added on its right; the new rows' cells are set below its last
    row. When the rows pass a multiple of :data:`CHOICE_SPARE_ROWS` (the dropdowns reach
    that far below the rows a tab was written with), or an earlier release's header must
    be renamed or gets a decision column, the tab is written whole again, every cell it
    held kept as it was.
    """
    updates = updates or {}
    if not rows and not updates:
        return
    grid = grids.get(tab)
    old = header_of(grid, spec)
    head = [*old, *(h for h in spec.header if h not in old)]
    for record in rows:
        for h in record:
            if h not in head:
                head.append(h)
    new = [[record.get(h, "") for h in head] for record in rows]
    if grid is None or not grid.n_rows:
        if new:
            batch.replace_tab(tab, layout(spec, [head, *new]))
        return
    before = grid.n_rows
    renamed = [h.strip() for h in grid.rows[0]] != old[:len(grid.rows[0])]
    added_choice = any(c in head and c not in old for c in spec.choices)
    crosses = (before - 1) // CHOICE_SPARE_ROWS != (before - 1 + len(new)) // CHOICE_SPARE_ROWS
    if new and (renamed or added_choice or crosses):
        kept = [list(r) for r in grid.rows[1:]]
        for (r, c), text in updates.items():
            if 2 <= r <= before:
                line = kept[r - 2]
                line.extend([""] * (c - len(line)))
                line[c - 1] = text
        batch.replace_tab(tab, layout(spec, [head, *kept, *new]))
        return
    for (r, c), text in updates.items():
        batch.set_cell(tab, r, c, text)
    for j, h in enumerate(head, start=1):
        if j > len(old):
            batch.set_cell(tab, 1, j, h)
    for i, cells in enumerate(new):
        for j, text in enumerate(cells, start=1):
            if text:
                batch.set_cell(tab, before + 1 + i, j, text)


def append_conflicts(batch: WriteBatch, grids: Mapping[str, Grid], tab: str,
                     form: FormTemplate | None, run_id: int, at: str,
                     rows: list[dict[str, str]]) -> list[Hidden]:
    """Add conflict ``rows`` (header -> full text) to the 同步冲突 tab ``tab``, as it shows them
    (time and run filled in, sensitive values masked), and return the full values the masks
    hide, for the state store (written with the run's journal)."""
    hidden: list[Hidden] = []
    shown_rows = []
    for row in rows:
        full = {"时间": shown_time(at), "运行": str(run_id), **row}
        shown = shown_conflict(full, form)
        shown_rows.append(shown)
        if (h := hidden_of(shown, full, run_id)) is not None:
            hidden.append(h)
    append_rows(batch, grids, tab, CONFLICTS, shown_rows)
    return hidden
