"""The 疑似重复 tab: one row per suspected pair, decided by staff in the sheet.

Columns: 组号 (pairs of one cluster share it), 相似度, 处理结果 (是同一人 / 不是同一人 /
待定, filled in by staff), 原因, then each record's place (表, 行, 编号) and its main fields
side by side (A then B; sensitive fields masked with :func:`sheets_sync.privacy.mask`),
and 需人工选择: after a merge, the fields where both records had different values, masked
the same way (:func:`choice_text`; a shared hub is read by every coordinator). The full
values are the records' own: the survivor's in its tab, the merged-away one's in the
run's backup (``sheets-sync history 编号 --reveal 字段`` shows them); an earlier release's
rows written in full are masked when the tab is next written (:func:`shown_choices`).
:func:`read_decisions` reads the 处理结果 column back on the next run. A pair that would
join two records decided 不是同一人 (through a third) has no 组号 and its 原因 starts with
a note naming the chain (``C0005 与 C0001 是同一人,C0001 与 C0012 已被判定为不是同一人,
此项不能自动合并,请人工确认``); :func:`carried_rows` keeps such a row when one of its
records is already merged away.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..books.base import PrintSetup, TabContent
from ..forms.headers import header_key
from ..forms.template import Field, FormTemplate
from ..privacy import field_mask_type, mask
from ..table import Grid
from .matching import Pair
from .merge import Choice
from .store import DECISIONS, DIFFERENT, MERGED, PENDING, SAME, pair_key

REVIEW_TAB = "疑似重复"
DECISION_HEADER = "处理结果"
CHOICE_HEADER = "需人工选择"
SHOWN_FIELDS = ("name", "sex", "birth_date", "id_number", "school", "grade", "guardian_name",
                "guardian_phone", "father_name", "mother_name", "student_no", "phone")
"""Fields shown side by side, when the form has them."""

LEAD = ["组号", "相似度", DECISION_HEADER, "编号A", "编号B", "原因", "表A", "行A", "表B", "行B"]
REPEATED = ("组号", "编号B")
"""Printed across pages, these lead columns (which pair, the choice) repeat on each page."""

NOT_MERGED = "此项不能自动合并,请人工确认"
"""Ends the note on a pair whose merge would override a 不是同一人."""

NOTE = ("每行是一对疑似重复的记录。请在“处理结果”列选择:是同一人(下次运行时合并,"
        "保留较早的编号,另一条移入“回收站”)/ 不是同一人(以后不再提示,也不会因为别的行的"
        "“是同一人”被并成一人)/ 待定。")

_SYNONYMS = {"是": SAME, "同一人": SAME, "是同一个人": SAME, "合并": SAME, "重复": SAME,
             "否": DIFFERENT, "不是": DIFFERENT, "不是同一个人": DIFFERENT, "不同": DIFFERENT,
             "不重复": DIFFERENT, "待定": PENDING, "不确定": PENDING}


def parse_decision(text: str) -> str:
    """A 处理结果 cell as one of 是同一人 / 不是同一人 / 待定 / 已合并, or ``""``."""
    s = "".join(unicodedata.normalize("NFKC", text).split())
    if s in DECISIONS or s == MERGED:
        return s
    return _SYNONYMS.get(s, "")


@dataclass
class SheetDecision:
    """One decided row of the review tab."""

    key_a: str
    key_b: str
    tab_a: str
    decision: str
    row: int


def _header_index(grid: Grid) -> dict[str, int]:
    head = grid.rows[0] if grid.n_rows else []
    return {h.strip(): j for j, h in enumerate(head) if h.strip()}


def read_decisions(grid: Grid | None) -> list[SheetDecision]:
    """The rows of an existing review tab that carry a decision."""
    if grid is None or grid.n_rows < 2:
        return []
    idx = _header_index(grid)
    need = ("编号A", "编号B", DECISION_HEADER)
    if any(k not in idx for k in need):
        return []
    out: list[SheetDecision] = []
    for r, row in enumerate(grid.rows[1:], start=2):
        def cell(h: str, row: list[str] = row) -> str:
            j = idx.get(h, -1)
            return row[j].strip() if 0 <= j < len(row) else ""
        d = parse_decision(cell(DECISION_HEADER))
        if d and cell("编号A") and cell("编号B"):
            out.append(SheetDecision(cell("编号A"), cell("编号B"), cell("表A"), d, r))
    return out


def _by_header(grid: Grid, row: list[str]) -> dict[str, str]:
    """A row of an existing review tab as header -> text (the tab may be laid out by an
    earlier release, in another column order)."""
    return {h: (row[j] if j < len(row) else "") for h, j in _header_index(grid).items()}


def merged_rows(grid: Grid | None) -> list[dict[str, str]]:
    """Rows of an existing review tab marked 已合并 whose choices are still to be made."""
    if grid is None or grid.n_rows < 2:
        return []
    idx = _header_index(grid)
    j = idx.get(DECISION_HEADER)
    if j is None:
        return []
    return [_by_header(grid, list(r)) for r in grid.rows[1:]
            if len(r) > j and parse_decision(r[j]) == MERGED]


def carried_rows(grid: Grid | None, notes: dict[tuple[str, str], str]
                 ) -> list[dict[str, str]]:
    """Rows of an existing review tab for pairs in ``notes`` (keyed by :func:`pair_key`)
    that this run cannot show afresh (a record is merged away), with the note renewed."""
    if grid is None or grid.n_rows < 2 or not notes:
        return []
    idx = _header_index(grid)
    ja, jb, jr = idx.get("编号A"), idx.get("编号B"), idx.get("原因")
    if ja is None or jb is None or jr is None:
        return []
    out: list[dict[str, str]] = []
    for r in grid.rows[1:]:
        row = list(r) + [""] * max(0, max(ja, jb, jr) + 1 - len(r))
        note = notes.get(pair_key(row[ja].strip(), row[jb].strip()))
        if note is None:
            continue
        kept = [x for x in row[jr].split(";") if x and not x.endswith(NOT_MERGED)]
        row[jr] = ";".join([note, *kept])
        out.append(_by_header(grid, row))
    return out


def shown_fields(templates: dict[str, FormTemplate], forms: set[str]
                 ) -> list[tuple[str, str, str, bool]]:
    """(key, label, mask kind or type, sensitive) of the fields shown, in order, for the
    given forms (:func:`sheets_sync.privacy.field_mask_type`)."""
    out: list[tuple[str, str, str, bool]] = []
    for key in SHOWN_FIELDS:
        for form in sorted(forms):
            t = templates.get(form)
            fld = next((f for f in t.fields if f.key == key), None) if t else None
            if t is not None and fld is not None:
                kind = field_mask_type(t, fld)
                out.append((key, fld.label, kind or fld.type, kind is not None))
                break
    return out


def _shown(text: str, form: FormTemplate | None, fld: Field | None) -> str:
    kind = field_mask_type(form, fld) if form is not None and fld is not None else None
    return mask(text, kind) if kind is not None and kind != "record_id" and text else text


def _field_named(form: FormTemplate, header: str) -> Field | None:
    key = header_key(header)
    return next((f for f in form.fields if key in {header_key(h) for h in f.headers}), None)


def choice_text(items: list[Choice], form: FormTemplate | None) -> str:
    """需人工选择 of a merge: ``兴趣爱好:画画 / 跳舞;监护人电话:137****0003 / 139****0004``,
    the kept record's value first, a sensitive field's masked."""
    def fld(key: str, header: str) -> Field | None:
        if form is None:
            return None
        return next((f for f in form.fields if f.key == key), None) or _field_named(form, header)
    return ";".join(f"{h}:{_shown(a, form, fld(k, h))} / {_shown(b, form, fld(k, h))}"
                    for k, h, a, b in items)


def shown_choices(text: str, form: FormTemplate | None) -> str:
    """A 需人工选择 cell an earlier release wrote (``表头:值 / 值;…``) with its sensitive
    values masked (a part it cannot read is kept as it is)."""
    if form is None or not text:
        return text
    parts = []
    for part in text.split(";"):
        header, sep, rest = part.partition(":")
        a, slash, b = rest.partition(" / ")
        f = _field_named(form, header) if sep else None
        parts.append(f"{header}{sep}{_shown(a, form, f)}{slash}{_shown(b, form, f)}"
                     if f is not None else part)
    return ";".join(parts)


def review_tab(pairs: list[Pair], values: dict[tuple[str, int], dict[str, str]],
               fields: list[tuple[str, str, str, bool]], decisions: dict[int, str],
               choices: dict[int, str], carried: list[dict[str, str]]) -> TabContent:
    """The whole 疑似重复 tab.

    ``values`` maps (tab, row) to a record's normalised field texts; ``decisions`` and
    ``choices`` map a pair's position in ``pairs`` to its 处理结果 and 需人工选择 text.
    """
    header = [*LEAD]
    for _, label, _, _ in fields:
        header += [f"{label}A", f"{label}B"]
    header.append(CHOICE_HEADER)
    rows = [header]
    for n, p in enumerate(pairs):
        va = values.get((p.a.tab, p.a.row), {})
        vb = values.get((p.b.tab, p.b.row), {})
        lead = {"组号": str(p.group) if p.group else "", "相似度": f"{p.score:.3f}",
                DECISION_HEADER: decisions.get(n, ""), "原因": ";".join(p.reasons),
                "表A": p.a.tab, "行A": str(p.a.row), "编号A": p.a.key,
                "表B": p.b.tab, "行B": str(p.b.row), "编号B": p.b.key}
        row = [lead[h] for h in LEAD]
        for key, _, ftype, sensitive in fields:
            for v in (va.get(key, ""), vb.get(key, "")):
                row.append(mask(v, ftype) if sensitive else v)
        row.append(choices.get(n, ""))
        rows.append(row)
    for r in carried:
        rows.append([r.get(h, "") for h in header])
    widths: dict[int, float] = {}
    for j in range(1, len(rows[0]) + 1):  # from the content: no date, ID or school cut
        seen = max(_width(r[j - 1]) for r in rows[:2001] if j <= len(r))
        widths[j] = min(max(seen + 2, 6.0), 40.0)
    wrap = {header.index("原因") + 1, len(header)}
    return TabContent(rows=rows, header_rows=1, widths=widths, note=NOTE, wrap=wrap,
                      choices={LEAD.index(DECISION_HEADER) + 1: [SAME, DIFFERENT, PENDING]},
                      print_setup=PrintSetup(landscape=True, fit_width=False, repeat_rows=(1, 1),
                                             repeat_cols=(1, LEAD.index(REPEATED[1]) + 1)))


def _width(text: str) -> float:
    return float(sum(2 if ord(ch) > 0x2E7F else 1 for ch in text))
