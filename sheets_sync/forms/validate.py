"""validate(): every problem in a book's form tabs, as data.

Problems are never raised one at a time: each carries the tab, the sheet row, the column
header as written, the A1 cell, the value, a rule code, a severity and a Chinese message
that names the fix (the frictionless habit)::

    儿童登记表!H14 监护人电话 “138-1234-567” 不是有效的手机号:手机号应为 11 位数字,以 1 开头……

Per tab: each column is normalised (:mod:`.normalize`: distinct values once, vectorised),
then ``required``, ``unique`` and ``ref`` are checked column-wise, then the form's
cross-field rules (:mod:`.rules`). Messages are built only for the cells that fail.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import Program
from ..table import Grid
from .headers import Parsed, TabData, TabLayout, detect_form, header_key, is_tool_tab, tab_data
from .normalize import ColumnResult, normalize_column
from .problems import Fix, Problem, ProblemSink, duplicate_groups
from .program_data import program_for_book, program_notices
from .rules import BookView, RuleContext, apply_rules
from .template import Field, FormTemplate


@dataclass
class TabResult:
    """One form tab after validation: where things are and what was found."""

    data: TabData
    normalized: dict[str, ColumnResult]
    problems: list[Problem] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    @property
    def layout(self) -> TabLayout:
        return self.data.layout


@dataclass
class Findings:
    """Everything validate() found in one book: the parsed form tabs, problems and fixes.

    The pipeline validates once per run and every later step (duplicates, reports, pairing)
    reads the parsed tabs from here. (Called ``Report`` before 0.2; reports are now only the
    generated tabs.)
    """

    book: str
    tabs: dict[str, TabResult] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    skipped_tabs: list[str] = field(default_factory=list)
    skipped_refs: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Said once per book: the period read from the book, checks not made for want of a
    program value and how to configure it (:mod:`.program_data`)."""
    program: Program | None = None
    """The program the book was validated with (its period possibly read from the book)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "book": self.book,
            "valid": self.valid,
            "tabs": {name: t.layout.form.key for name, t in self.tabs.items()},
            "records": sum(t.data.n for t in self.tabs.values()),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "by_code": dict(sorted(Counter(p.code for p in self.problems).items())),
            "fixes": len(self.fixes),
            "skipped_tabs": self.skipped_tabs,
            "skipped_refs": self.skipped_refs,
            "notices": self.notices,
        }

    def as_dict(self) -> dict[str, Any]:
        keys = ("tab", "row", "column", "cell", "field", "value", "code", "severity", "message")
        return {
            "problems": [{k: getattr(p, k) for k in keys} for p in self.problems],
            "summary": self.summary(),
        }



def ref_key(value: str) -> str:
    """How references compare: NFKC, no spaces (``城关镇 中心小学`` = ``城关镇中心小学``)."""
    return "".join(unicodedata.normalize("NFKC", value).split())


# --------------------------------------------------------------------------- per tab

def _columns(data: TabData, sink: ProblemSink, omitted: Collection[str] = ()) -> None:
    """Problems with the tab's columns: required ones missing, unknown or doubled ones."""
    lay = data.layout
    for f in lay.missing_required():
        if f.key in omitted:  # a spoke that leaves the field out
            continue
        sink.tab_level(None, f.key, "column.missing", "error",
                       f"缺少必填列“{f.label}”:请在表头行(第 {lay.header_row} 行)加上这一列。")
    for col in lay.unknown:
        sink.tab_level(col, "", "column.unknown", "warning",
                       f"的列“{lay.headers[col]}”不是“{lay.form.label}”的字段,已保留但不校验;"
                       "若是列名写错了,请改成标准列名。")
    for col in lay.duplicates:
        sink.tab_level(col, "", "column.duplicate", "warning",
                       f"的列“{lay.headers[col]}”与前面的列重复(都对应“{header_key(lay.headers[col])}”),"
                       "只校验第一列。")


def _unique(fld: Field, r: ColumnResult, sink: ProblemSink) -> None:
    keys = r.value.astype(object).where(r.value.notna(), r.text).astype(str).tolist()
    for members in duplicate_groups(keys, (r.text != "").to_numpy()):
        for i in members:
            other = next(j for j in members if j != i)
            sink.cell(i, fld.key, "unique.duplicate", "error",
                      f"与第 {int(sink.data.rows[other])} 行重复:{fld.label}不能重复,"
                      "请核对是否重复登记。")


def _ref(fld: Field, r: ColumnResult, allowed: set[str], target: str, sink: ProblemSink) -> None:
    bad = (r.text != "").to_numpy() & ~r.text.map(ref_key).isin(allowed).to_numpy()
    for i in np.nonzero(bad)[0]:
        sink.cell(int(i), fld.key, "ref.missing", "error",
                  f"在“{target}”表中找不到:请先在该表登记,或改成表中已有的名称/编号。")


def _fixes(data: TabData, res: dict[str, ColumnResult]) -> list[Fix]:
    lay = data.layout
    out: list[Fix] = []
    for fkey, r in res.items():
        raw = data.columns[fkey]
        col = lay.columns[fkey]
        for i in np.nonzero(r.safe_fix.to_numpy())[0].tolist():
            old, new = str(raw.iat[i]), str(r.text.iat[i])
            if old != new:
                out.append(Fix(lay.tab, int(data.rows[i]), col, lay.headers[col], fkey, old, new))
    return out


def check_tab(data: TabData, program: Program, refs: dict[str, set[str] | None],
              templates: dict[str, FormTemplate], masked: Mapping[str, str] | None = None,
              full: Mapping[str, Mapping[str, str]] | None = None,
              book: BookView | None = None) -> TabResult:
    """Every problem in one form tab (refs: values of other forms' fields in the book;
    ``book``: the book's form tabs, for the rules across forms).

    ``masked``: field -> how a spoke shows it (a mask kind, or ``omit``): a masked-looking
    cell there (``138****5678``), or a blank one of an omitted field, is what the sync
    wrote, not a mistake. It is checked as the record's full value in ``full`` (编号 ->
    field -> text: the hub's), so a wrong number typed in the field is still found there
    (the findings show it masked); a record ``full`` lacks gets no problem in that cell.
    """
    form = data.layout.form
    masked = masked or {}
    hidden = {(int(i), k) for k, kind in masked.items() if k in data.columns
              for i in np.nonzero((data.columns[k].str.strip() == "" if kind == "omit" else
                                   data.columns[k].str.contains("*", regex=False)).to_numpy())[0]}
    id_field = form.id_field
    if hidden and full and id_field is not None and id_field.key in data.columns:
        ids = data.columns[id_field.key]
        cols = {k: v.copy() if any(h[1] == k for h in hidden) else v
                for k, v in data.columns.items()}
        for i, k in sorted(hidden):
            text = full.get(str(ids.iat[i]).strip(), {}).get(k)
            if text is not None:
                cols[k].iat[i] = text
        data = dataclasses.replace(data, columns=cols)
        hidden = {(i, k) for i, k in hidden
                  if full.get(str(ids.iat[i]).strip(), {}).get(k) is None}
    sink = ProblemSink(data)
    if hidden:
        sink.seen.update(hidden)  # required/unique are then never added there
    res = {k: normalize_column(s, form.field(k), program) for k, s in data.columns.items()}
    _columns(data, sink, [k for k, kind in masked.items() if kind == "omit"])
    for fkey, r in res.items():
        fld = form.field(fkey)
        for i, issue in r.issues.items():
            sink.cell(i, fkey, issue.code, issue.severity, issue.message)
        if fld.required:
            for i in np.nonzero((r.text == "").to_numpy())[0].tolist():
                sink.cell(i, fkey, "required", "error",
                          f"为空:{fld.label}是必填项,请填写。", value="")
        if fld.unique:
            _unique(fld, r, sink)
        if fld.ref and refs.get(fld.ref) is not None:
            target = templates[fld.ref.split(".", 1)[0]].label
            _ref(fld, r, refs[fld.ref] or set(), target, sink)
    apply_rules(RuleContext(form, res, sink, program, book))
    problems, fixes = sink.out, _fixes(data, res)
    if hidden:
        at = {int(r): i for i, r in enumerate(data.rows)}
        problems = [p for p in problems if (at.get(p.row, -1), p.field) not in hidden]
    if masked:  # a masked cell is never rewritten by --fix
        fixes = [f for f in fixes if f.field not in masked]
    return TabResult(data=data, normalized=res, problems=problems, fixes=fixes)


# --------------------------------------------------------------------------- per book

def layouts(grids: dict[str, Grid], templates: dict[str, FormTemplate],
            parsed: Parsed | None = None) -> tuple[dict[str, TabLayout], list[str]]:
    """The form tabs of a book (tab -> layout) and the tabs that are not forms."""
    found: dict[str, TabLayout] = {}
    skipped: list[str] = []
    for name, grid in grids.items():
        if is_tool_tab(name):
            continue
        lay = parsed.detect(name, grid, templates) if parsed else detect_form(name, grid,
                                                                              templates)
        if lay is None:
            skipped.append(name)
        else:
            found[name] = lay
    return found, skipped


def ref_values(datas: Iterable[TabData], templates: dict[str, FormTemplate]
               ) -> dict[str, set[str] | None]:
    """For each ``ref`` target (``form.field``) the values the book holds (None: no such tab).

    Only the targets that some present column refers to are collected.
    """
    datas = list(datas)
    targets = {f.ref for d in datas for f in d.layout.form.fields if f.ref and f.key in d.columns}
    out: dict[str, set[str] | None] = dict.fromkeys(targets)
    for d in datas:
        for target in targets:
            form_key, fkey = target.split(".", 1)
            if form_key == d.layout.form.key and fkey in d.columns:
                values = out[target] or set()
                values.update(ref_key(v) for v in d.columns[fkey] if v.strip())
                out[target] = values
    return out


def validate_tabs(datas: list[TabData], templates: dict[str, FormTemplate], program: Program,
                  book: str = "", skipped: Iterable[str] = (),
                  masked: Mapping[str, Mapping[str, str]] | None = None,
                  known_refs: Mapping[str, set[str] | None] | None = None,
                  full: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None
                  ) -> Findings:
    """Validate already-cut form tabs (the core: books and CSV files both end here).

    The program's period, when not configured, is read from the tabs (:mod:`.program_data`);
    what could not be checked for want of a program value is in ``notices``.
    ``masked``: form key -> fields the book shows masked (a spoke; see :func:`check_tab`).
    ``full``: form key -> 编号 -> field -> the full text of a masked cell.
    ``known_refs``: values a reference may also take (a spoke holds part of the records: a
    结对's volunteer of another brigade is in the hub, not in this spoke).
    """
    program, notices = program_for_book(datas, program)
    report = Findings(book=book, skipped_tabs=list(skipped), program=program,
                      notices=[*notices, *program_notices(datas, program, templates)])
    refs = ref_values(datas, templates)
    for target, values in (known_refs or {}).items():
        if target in refs and values is not None:
            refs[target] = (refs[target] or set()) | values
    report.skipped_refs = sorted(
        t for t, v in refs.items()
        if v is None and any(f.ref == t for d in datas for f in d.layout.form.fields
                             if f.key in d.columns))
    view = BookView(datas, program)
    for d in datas:
        tr = check_tab(d, program, refs, templates,
                       masked=(masked or {}).get(d.layout.form.key),
                       full=(full or {}).get(d.layout.form.key), book=view)
        report.tabs[d.layout.tab] = tr
        report.problems.extend(tr.problems)
        report.fixes.extend(tr.fixes)
    order = {name: i for i, name in enumerate(report.tabs)}
    report.problems.sort(key=lambda p: (order.get(p.tab, 0), p.row))
    return report


def validate_grids(grids: dict[str, Grid], templates: dict[str, FormTemplate],
                   program: Program, book: str = "", parsed: Parsed | None = None,
                   masked: Mapping[str, Mapping[str, str]] | None = None,
                   known_refs: Mapping[str, set[str] | None] | None = None,
                   full: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None
                   ) -> Findings:
    """Find the form tabs among a book's grids and validate them all.

    ``parsed``: the run's parse of its tabs, shared with the sync step (tabs no step changed
    are not parsed again).
    """
    found, skipped = layouts(grids, templates, parsed)
    datas = [parsed.data(grids[name], lay) if parsed else tab_data(grids[name], lay)
             for name, lay in found.items()]
    return validate_tabs(datas, templates, program, book=book, skipped=skipped, masked=masked,
                         known_refs=known_refs, full=full)


Report = Findings
"""The 0.1 name of :class:`Findings`, kept for scripts."""

__all__ = ["Findings", "Fix", "Problem", "Report", "TabResult", "validate_grids", "validate_tabs"]
