"""Findings back into the book: the 校验问题 tab, the 校验结果 column, and ``--fix``.

* ``校验问题``: one row per problem, sorted by tab and row, sensitive values masked; the rule
  code (``id.checksum``) with its Chinese name beside it (``身份证校验码``, :mod:`.rule_names`);
* ``校验结果``: a column at the end of each form tab, holding that row's problems (empty when
  the row is fine); re-running after a fix clears it;
* with ``fix=True``, the safe normalisations (:class:`~.validate.Fix`) are written too.

Only cells that differ from what the book holds are written: a re-run with nothing new
writes nothing.
"""

from __future__ import annotations

from ..books.base import Book, TabContent, WriteBatch, is_writable
from ..privacy import field_mask_type, mask
from ..table import Grid, trim
from .headers import RESULT_COLUMN
from .rule_names import rule_name
from .template import FormTemplate
from .validate import Problem, Report

PROBLEMS_TAB = "校验问题"
PROBLEM_HEADERS = ["工作表", "行", "单元格", "列", "内容", "级别", "规则代码", "规则", "说明"]
SEVERITY_ZH = {"error": "错误", "warning": "提醒"}
NO_PROBLEMS = "未发现问题"


def _sensitive(p: Problem, forms: dict[str, FormTemplate]) -> str | None:
    """The mask kind for ``p.value`` (see :mod:`sheets_sync.privacy`), or None to show it."""
    form = forms.get(p.tab)
    if form is None or not p.field:
        return None
    try:
        return field_mask_type(form, form.field(p.field))
    except KeyError:
        return None


def shown(p: Problem, forms: dict[str, FormTemplate]) -> tuple[str, str]:
    """(value, message) of a problem as a generated tab may show them (masked if sensitive)."""
    ftype = _sensitive(p, forms)
    if ftype is None or not p.value.strip():
        return p.value, p.message
    masked = mask(p.value, ftype)
    return masked, p.message.replace(f"“{p.value}”", f"“{masked}”")


def problems_tab(report: Report) -> TabContent:
    forms = {name: t.layout.form for name, t in report.tabs.items()}
    rows = [PROBLEM_HEADERS]
    for p in report.problems:
        value, message = shown(p, forms)
        rows.append([p.tab, str(p.row), p.cell, p.column, value,
                     SEVERITY_ZH.get(p.severity, p.severity), p.code, rule_name(p.code), message])
    if len(rows) == 1:
        rows.append([NO_PROBLEMS])
    return TabContent(rows=rows, header_rows=1,
                      widths={1: 16, 2: 6, 3: 8, 4: 14, 5: 20, 6: 6, 7: 18, 8: 16, 9: 80},
                      note="此表由 sheets-sync 校验生成,每次运行都会重写;请在原表中修改。")


def findings_batch(report: Report, grids: dict[str, Grid], *, fix: bool = False,
                   batch: WriteBatch | None = None) -> WriteBatch:
    """The writes that put ``report`` into the book whose tabs are ``grids``."""
    batch = batch if batch is not None else WriteBatch()
    content = problems_tab(report)
    existing = grids.get(PROBLEMS_TAB)
    if existing is None or trim([list(r) for r in content.rows]) != existing.rows:
        batch.replace_tab(PROBLEMS_TAB, content)

    forms = {name: t.layout.form for name, t in report.tabs.items()}
    by_row: dict[tuple[str, int], list[Problem]] = {}
    for p in report.problems:
        if not p.code.startswith("column."):
            by_row.setdefault((p.tab, p.row), []).append(p)
    for name, tr in report.tabs.items():
        lay = tr.layout
        grid = grids[name]
        col = lay.result_column
        texts: list[str] = []
        for row in tr.data.rows:
            parts = []
            for p in by_row.get((name, int(row)), []):
                _, message = shown(p, forms)
                detail = message.split(" ", 1)[1] if " " in message else message
                parts.append(("【提醒】" if p.severity == "warning" else "") + detail)
            texts.append(";".join(parts))
        if col is None:
            if not any(texts):
                continue
            col = grid.n_cols + 1
            batch.set_cell(name, lay.header_row, col, RESULT_COLUMN)
        for row, text in zip(tr.data.rows, texts, strict=True):
            if grid.cell(int(row), col) != text:
                batch.set_cell(name, int(row), col, text)
    if fix:
        for f in report.fixes:
            batch.set_cell(f.tab, f.row, f.col, f.new)
    return batch


def writable(book: Book) -> bool:
    """Whether findings can go back into ``book`` (a CSV export cannot hold them)."""
    return is_writable(book)
