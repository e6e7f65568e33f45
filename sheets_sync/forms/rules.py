"""Cross-field rules: one function per declarative rule kind of the templates.

Each rule sees the normalised columns of one tab (``ColumnResult.value`` holds typed
values: ISO dates, Int64, Decimal, canonical choices) and reports through a
:class:`~.problems.ProblemSink`. Conditions (``when``) become boolean masks first, so a
rule touches only the rows it applies to.

A rule across forms (a team's size counted in 志愿者报名表, a visit's school and team in the
same county) reads the other form tabs of the book through :class:`BookView`
(``RuleContext.book``): one field of another form, normalised once, keyed by another field
as references compare (:func:`~.validate.ref_key`). Where the book lacks that form, the
rule is not applied (as a ``ref`` check is not).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from ..config import Program
from .headers import TabData
from .normalize import ColumnResult, normalize_column
from .problems import ProblemSink, duplicate_groups
from .program_data import rule_keys, unknown_keys
from .template import Condition, FormTemplate, Rule


def resolve(value: Any, program: Program) -> Any:
    """``$program.<key>`` -> the program's value (None: not configured); anything else unchanged.

    A rule whose program values are not all known is not applied (:func:`apply_rules`).
    """
    if isinstance(value, str) and value.startswith("$program."):
        return program.lookup(value.removeprefix("$program."))
    return value


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def _as_bound(b: Any) -> Any:
    """A bound for numeric comparison (Decimal), a date stays a date."""
    if isinstance(b, dt.date) or as_date(b):
        return as_date(b)
    try:
        return Decimal(str(b))
    except InvalidOperation:
        return b


def _compare(values: pd.Series, op: Callable[[Any, Any], bool], bound: Any) -> np.ndarray:
    """``op(value, bound)`` per row, False where the value is missing (numbers vectorised)."""
    if isinstance(values.dtype, pd.Int64Dtype) and isinstance(bound, Decimal):
        nums = values.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return np.asarray(op(nums, float(bound)), dtype=bool) & ~np.isnan(nums)
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        if not _missing(v):
            try:
                out[i] = op(v, bound)
            except TypeError:  # e.g. a text value against a date bound
                out[i] = False
    return out


def _canonical(r: ColumnResult) -> pd.Series:
    """Typed value where there is one, else the text (so conditions match both)."""
    return r.value.astype(object).where(r.value.notna(), r.text)


def _key(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Seen:
    """One record of another form as a cross-form rule sees it: its canonical value there."""

    value: str
    tab: str
    row: int


class BookView:
    """The form tabs of one book, for rules that look across forms.

    ``values("team.name", "brigade")``: ref_key(支队名称) -> the first 支队 record's
    canonical 所属大队, tab and sheet row; ``rows_by("volunteer.team")``: ref_key(所属支队)
    -> the sheet rows of the volunteers naming it. Each is ``None`` when no tab of the book
    holds that form and field. Columns are normalised once per view, when first asked for.
    """

    def __init__(self, datas: list[TabData], program: Program) -> None:
        self._datas = datas
        self._program = program
        self._cache: dict[tuple[str, str], list[tuple[str, TabData, list[str]]]] = {}

    def _column(self, form: str, key: str) -> list[tuple[str, TabData, list[str]]]:
        """(tab, data, canonical texts) of every tab holding ``form`` with field ``key``."""
        if (form, key) not in self._cache:
            out = []
            for d in self._datas:
                if d.layout.form.key == form and key in d.columns:
                    r = normalize_column(d.columns[key], d.layout.form.field(key),
                                         self._program)
                    out.append((d.layout.tab, d, [str(v) for v in _canonical(r).tolist()]))
            self._cache[(form, key)] = out
        return self._cache[(form, key)]

    def values(self, target: str, key: str) -> dict[str, Seen] | None:
        form, by = target.split(".", 1)
        keys, vals = self._column(form, by), self._column(form, key)
        if not keys:
            return None
        out: dict[str, Seen] = {}
        got = {tab: texts for tab, _, texts in vals}
        for tab, d, texts in keys:
            there = got.get(tab, [""] * len(texts))
            for i, k in enumerate(texts):
                if k.strip() and _key(k) not in out:
                    out[_key(k)] = Seen(there[i], tab, int(d.rows[i]))
        return out

    def form(self, key: str) -> FormTemplate | None:
        """The template of form ``key`` as a tab of this book holds it (None: no such tab)."""
        return next((d.layout.form for d in self._datas if d.layout.form.key == key), None)

    def spans(self, target: str, start: str, end: str, place: str = "",
              when: Condition | None = None) -> tuple[str, dict[str, list[Span]]] | None:
        """``target`` ``"rotation.team"``: ref_key(支队) -> the rows of that form (where
        ``when`` holds on their canonical text) with both dates, as :class:`Span`; and the
        first tab's name. ``None`` when no tab of the book holds that form and field."""
        form, by = target.split(".", 1)
        keys = self._column(form, by)
        if not keys:
            return None
        cols = {k: {tab: texts for tab, _, texts in self._column(form, k)}
                for k in {start, end, place, when.field if when else ""} if k}
        out: dict[str, list[Span]] = {}
        for tab, d, texts in keys:
            blank = [""] * len(texts)
            starts, ends = cols[start].get(tab, blank), cols[end].get(tab, blank)
            places = cols[place].get(tab, blank) if place else blank
            conds = cols[when.field].get(tab, blank) if when else blank
            for i, k in enumerate(texts):
                if not k.strip() or (when is not None and not _holds(when, conds[i],
                                                                     self._program)):
                    continue
                s, e = as_date(starts[i]), as_date(ends[i])
                if s is not None and e is not None and e >= s:
                    out.setdefault(_key(k), []).append(Span(s, e, tab, int(d.rows[i]),
                                                            places[i]))
        return keys[0][0], out

    def rows_by(self, target: str) -> tuple[str, dict[str, list[int]]] | None:
        form, by = target.split(".", 1)
        cols = self._column(form, by)
        if not cols:
            return None
        out: dict[str, list[int]] = {}
        for _tab, d, texts in cols:
            for i, k in enumerate(texts):
                if k.strip():
                    out.setdefault(_key(k), []).append(int(d.rows[i]))
        return cols[0][0], out


@dataclass(frozen=True)
class Span:
    """A record of another form with a period, as :meth:`BookView.spans` returns it."""

    start: dt.date
    end: dt.date
    tab: str
    row: int
    place: str        # the record's ``place`` field (a visit's school), canonical text


@dataclass
class RuleContext:
    """What a rule sees: the form, its normalised columns, where to report, program data,
    and (``book``) the book's other form tabs, for rules across forms."""

    form: FormTemplate
    res: dict[str, ColumnResult]
    sink: ProblemSink
    program: Program
    book: BookView | None = None

    @property
    def n(self) -> int:
        return self.sink.data.n

    def label(self, key: str) -> str:
        return self.form.field(key).label

    def mask(self, cond: Condition | None) -> np.ndarray:
        """Rows where ``cond`` holds (all rows when there is no condition)."""
        n = self.n
        if cond is None:
            return np.ones(n, dtype=bool)
        r = self.res.get(cond.field)
        if r is None:
            return np.zeros(n, dtype=bool)
        filled = (r.text != "").to_numpy()
        mask = np.ones(n, dtype=bool)
        if cond.not_blank:
            mask &= filled
        if cond.blank:
            mask &= ~filled
        if cond.in_ is not None:
            mask &= _canonical(r).isin(cond.in_).to_numpy()
        if cond.not_in is not None:
            mask &= filled & ~_canonical(r).isin(cond.not_in).to_numpy()
        for bound, op in ((cond.gte, operator.ge), (cond.lt, operator.lt)):
            if bound is not None:
                mask &= _compare(r.value, op, _as_bound(resolve(bound, self.program)))
        return mask

    def text(self, key: str, i: int) -> str:
        return str(self.res[key].text.iat[i]) if key in self.res else ""


def message(rule: Rule, default: str, **values: Any) -> str:
    """The rule's own message (with ``{placeholders}``) or the default."""
    template = rule.message or default
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def _digits(values: pd.Series, width: int) -> np.ndarray:
    """Digits of fixed-width strings as an (n, width) int array; other cells give -1 rows."""
    text = np.array(values.where(values.notna(), "").tolist(), dtype=f"U{width}")
    d = text.view(np.uint32).reshape(-1, width).astype(np.int64) - 48
    d[np.char.str_len(text) != width] = -1
    return d


@dataclass
class Births:
    """Birth dates of a column, vectorised: ``ok`` rows have year/month/day."""

    ok: np.ndarray
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray

    def age_on(self, at: dt.date) -> np.ndarray:
        before = (self.month > at.month) | ((self.month == at.month) & (self.day > at.day))
        return at.year - self.year - before.astype(np.int64)

    def iso(self, i: int) -> str:
        return f"{self.year[i]:04d}-{self.month[i]:02d}-{self.day[i]:02d}"


def births_of(r: ColumnResult, ftype: str) -> Births:
    """Birth dates from a date field (ISO values) or an ID field (digits 7–14)."""
    values = r.value
    if ftype == "cn_id":
        d = _digits(values, 18)[:, 6:14]
        y, m, dd = (d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3],
                    d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7])
    else:
        d = _digits(values, 10)
        y, m, dd = (d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3],
                    d[:, 5] * 10 + d[:, 6], d[:, 8] * 10 + d[:, 9])
    ok = np.asarray(((d >= 0) & (d <= 9)).all(axis=1) if ftype == "cn_id"
                    else (y > 0) & (m > 0), dtype=bool)
    return Births(ok=ok, year=y, month=m, day=dd)


# --------------------------------------------------------------------------- the rules

def require_if(rule: Rule, ctx: RuleContext) -> None:
    key = rule.params["field"]
    blank = (ctx.res[key].text == "").to_numpy() if key in ctx.res else np.ones(ctx.n, bool)
    cond = rule.when
    when_label = ctx.label(cond.field) if cond else ""
    threshold = resolve(cond.gte, ctx.program) if cond and cond.gte is not None else ""
    # a threshold of 0 makes the condition "any amount": then the rule's message_all, if any
    every = isinstance(_as_bound(threshold), Decimal) and _as_bound(threshold) <= 0
    chosen = rule
    if every and rule.params.get("message_all"):
        chosen = dataclasses.replace(rule, message=str(rule.params["message_all"]))
    for i in np.nonzero(ctx.mask(cond) & blank)[0]:
        wv = ctx.text(cond.field, int(i)) if cond else ""
        ctx.sink.cell(int(i), key, "required_if", rule.severity, message(
            chosen, "“{when_label}”为“{when_value}”时须填写{label},请补上。",
            when_label=when_label, when_value=wv, label=ctx.label(key), threshold=threshold),
            value="")


def require_one_of(rule: Rule, ctx: RuleContext) -> None:
    groups: list[list[str]] = rule.params["groups"]
    ok = np.zeros(ctx.n, dtype=bool)
    for group in groups:
        g_ok = np.ones(ctx.n, dtype=bool)
        for key in group:
            g_ok &= (ctx.res[key].text != "").to_numpy() if key in ctx.res else False
        ok |= g_ok
    names = " 或 ".join("+".join(ctx.label(k) for k in g) for g in groups)
    for i in np.nonzero(ctx.mask(rule.when) & ~ok)[0]:
        ctx.sink.cell(int(i), groups[0][0], "required_one_of", rule.severity,
                      message(rule, "须填写 {names},请补上。", names=names), value="")


def id_consistent(rule: Rule, ctx: RuleContext) -> None:
    """The ID's birth date agrees with the birth-date field, its 17th digit with the sex."""
    p = rule.params
    if p["id"] not in ctx.res:
        return
    id_res = ctx.res[p["id"]]
    when = ctx.mask(rule.when)
    bkey, skey = p.get("birth_date"), p.get("sex")
    if bkey in ctx.res:
        from_id, given = births_of(id_res, "cn_id"), births_of(ctx.res[bkey], "date")
        differ = ((from_id.year != given.year) | (from_id.month != given.month)
                  | (from_id.day != given.day))
        for i in np.nonzero(when & from_id.ok & given.ok & differ)[0].tolist():
            ctx.sink.cell(i, bkey, "id.birth_mismatch", rule.severity, message(
                rule, "与身份证号中的出生日期 {from_id} 不一致:"
                "请对照证件核对出生日期或身份证号。", from_id=from_id.iso(i)))
    if skey in ctx.res:
        digit = _digits(id_res.value, 18)[:, 16]
        sex = ctx.res[skey].value.to_numpy(dtype=object)
        male_by_id = digit % 2 == 1
        bad = (((sex == "男") & ~male_by_id) | ((sex == "女") & male_by_id)) & (digit >= 0) \
            & (digit <= 9) & when
        for i in np.nonzero(bad)[0].tolist():
            ctx.sink.cell(i, skey, "id.sex_mismatch", rule.severity, message(
                rule, "与身份证号不一致:身份证号第 17 位表示“{from_id}”。请核对性别或身份证号。",
                from_id="男" if male_by_id[i] else "女"))


COMPARE: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "<": (operator.lt, "早于"), "<=": (operator.le, "不晚于"), ">": (operator.gt, "晚于"),
    ">=": (operator.ge, "不早于"), "==": (operator.eq, "等于"), "!=": (operator.ne, "不等于"),
}


def compare(rule: Rule, ctx: RuleContext) -> None:
    a, b = rule.params["field"], rule.params["other"]
    if a not in ctx.res or b not in ctx.res:
        return
    fn, words = COMPARE[rule.params["op"]]
    va, vb = ctx.res[a].value.tolist(), ctx.res[b].value.tolist()
    for i in np.nonzero(ctx.mask(rule.when))[0].tolist():
        x, y = va[i], vb[i]
        if not (_missing(x) or _missing(y)) and not fn(x, y):
            ctx.sink.cell(i, a, "compare", rule.severity, message(
                rule, "应{words}{other}(“{other_value}”),请核对。", words=words,
                other=ctx.label(b), other_value=ctx.text(b, i)))


def _at(rule: Rule, ctx: RuleContext) -> dt.date:
    """The day ages are counted on: the rule's ``at`` (a program date or ISO), else today."""
    at = as_date(resolve(rule.params.get("at"), ctx.program))
    return at or dt.date.today()


def age_at(rule: Rule, ctx: RuleContext) -> None:
    p = rule.params
    key = p["field"]
    if key not in ctx.res:
        return
    at = _at(rule, ctx)
    lo, hi = resolve(p.get("min"), ctx.program), resolve(p.get("max"), ctx.program)
    births = births_of(ctx.res[key], ctx.form.field(key).type)
    age = births.age_on(at)
    scope = ctx.mask(rule.when) & births.ok
    if lo is not None:
        for i in np.nonzero(scope & (age < int(lo)))[0].tolist():
            ctx.sink.cell(i, key, "age.min", rule.severity, message(
                rule, "按此计算,到 {at} 时只有 {age} 岁,未满 {min} 岁:请核对。",
                at=at.isoformat(), age=int(age[i]), min=lo))
    if hi is not None:
        for i in np.nonzero(scope & (age > int(hi)))[0].tolist():
            ctx.sink.cell(i, key, "age.max", rule.severity, message(
                rule, "按此计算,到 {at} 时已 {age} 岁,超过 {max} 岁:请核对。",
                at=at.isoformat(), age=int(age[i]), max=hi))


def age_for_grade(rule: Rule, ctx: RuleContext) -> None:
    """Primary school starts at 6: grade g is usually age g+6 (± tolerance, default 2)."""
    p = rule.params
    bkey, gkey = p["birth_date"], p["grade"]
    if bkey not in ctx.res or gkey not in ctx.res:
        return
    at = _at(rule, ctx)
    slack = int(p.get("tolerance", 2))
    births = births_of(ctx.res[bkey], ctx.form.field(bkey).type)
    grade = pd.to_numeric(ctx.res[gkey].value, errors="coerce").to_numpy(dtype=float,
                                                                         na_value=np.nan)
    age = births.age_on(at)
    scope = ctx.mask(rule.when) & births.ok & ~np.isnan(grade)
    expected = np.where(np.isnan(grade), 0, grade) + 6
    bad = scope & (np.abs(age - expected) > slack)
    for i in np.nonzero(bad)[0].tolist():
        g = int(grade[i])
        ctx.sink.cell(i, gkey, "grade.age", rule.severity, message(
            rule, "与年龄不符:按出生日期,到 {at} 时 {age} 岁,{grade} 年级通常 {lo}–{hi} 岁。"
            "请核对出生日期和年级。", at=at.isoformat(), age=int(age[i]), grade=g,
            lo=g + 6 - slack, hi=g + 6 + slack))


def equals(rule: Rule, ctx: RuleContext) -> None:
    key = rule.params["field"]
    if key not in ctx.res:
        return
    want = str(rule.params["value"])
    r = ctx.res[key]
    bad = ctx.mask(rule.when) & (r.text != "").to_numpy() & (_canonical(r) != want).to_numpy()
    for i in np.nonzero(bad)[0]:
        ctx.sink.cell(int(i), key, "equals", rule.severity,
                      message(rule, "应为“{value}”。", value=want))


def in_range(rule: Rule, ctx: RuleContext) -> None:
    key = rule.params["field"]
    if key not in ctx.res:
        return
    lo = resolve(rule.params.get("min"), ctx.program)
    hi = resolve(rule.params.get("max"), ctx.program)
    values = ctx.res[key].value
    when = ctx.mask(rule.when)
    for bound, code, words, op in ((lo, "range.min", "小于 {min}:请核对。", operator.lt),
                                   (hi, "range.max", "大于 {max}:请核对。", operator.gt)):
        if bound is None:
            continue
        for i in np.nonzero(when & _compare(values, op, _as_bound(bound)))[0].tolist():
            ctx.sink.cell(i, key, code, rule.severity, message(rule, words, min=lo, max=hi))


def unique_where(rule: Rule, ctx: RuleContext) -> None:
    keys: list[str] = rule.params["fields"]
    if not all(k in ctx.res for k in keys):
        return
    combos = list(zip(*(ctx.res[k].text.tolist() for k in keys), strict=True))
    filled = np.logical_and.reduce([(ctx.res[k].text != "").to_numpy() for k in keys])
    groups = duplicate_groups(combos, ctx.mask(rule.when) & filled)
    cond = ""
    if rule.when and rule.when.in_:
        cond = f"“{ctx.label(rule.when.field)}”为“{'、'.join(rule.when.in_)}”的"
    label = "+".join(ctx.label(k) for k in keys)
    for members in groups:
        for i in members:
            other = next(j for j in members if j != i)
            ctx.sink.cell(i, keys[0], "unique_where", rule.severity, message(
                rule, "与第 {other} 行重复:{cond}记录中{label}只能出现一次。请核对。",
                other=int(ctx.sink.data.rows[other]), cond=cond, label=label))


def _rows_text(rows: list[int], limit: int = 8) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return f"第 {shown} 行" + (f"等 {len(rows)} 行" if len(rows) > limit else "")


def no_overlap(rule: Rule, ctx: RuleContext) -> None:
    """Rows of one ``field`` value (a team) whose ``start``..``end`` overlap: an error on
    each, naming the other row (and its ``place``: the school it is at)."""
    p = rule.params
    key, a, b, place = p["field"], p["start"], p["end"], p.get("place")
    if not all(k in ctx.res for k in (key, a, b)):
        return
    starts, ends = ctx.res[a].value.tolist(), ctx.res[b].value.tolist()
    groups: dict[str, list[int]] = {}
    for i in np.nonzero(ctx.mask(rule.when))[0].tolist():
        g = ctx.text(key, i)
        s, e = as_date(starts[i]), as_date(ends[i])
        if g.strip() and s is not None and e is not None and e >= s:
            groups.setdefault(_key(g), []).append(i)
    rows = ctx.sink.data.rows
    for members in groups.values():
        members.sort(key=lambda i: (as_date(starts[i]), int(rows[i])))
        for x, i in enumerate(members):
            si, ei = as_date(starts[i]), as_date(ends[i])
            assert si is not None and ei is not None
            other = next((j for j in members[:x] + members[x + 1:]
                          if (sj := as_date(starts[j])) is not None
                          and (ej := as_date(ends[j])) is not None
                          and sj <= ei and si <= ej), None)
            if other is None:
                continue
            where = ctx.text(place, other) if place in ctx.res else ""
            ctx.sink.cell(i, a, "overlap", rule.severity, message(
                rule, "与第 {other} 行({group}{at},{other_start} 至 {other_end})时间重叠:"
                "{label}同一时间只能在一处。请改其中一行的{start}或{end},"
                "或把不再执行的一行状态改为“取消”。",
                other=int(rows[other]), group=ctx.text(key, i),
                at=f" 在 {where}" if where else "", other_start=ctx.text(a, other),
                other_end=ctx.text(b, other), label=ctx.label(key), start=ctx.label(a),
                end=ctx.label(b)))


def count_refs(rule: Rule, ctx: RuleContext) -> None:
    """How many records of another form name this row (``counted``: ``volunteer.team``)
    stays within ``target`` ± ``tolerance``: otherwise a problem on ``field``."""
    p = rule.params
    key = p["field"]
    if key not in ctx.res or ctx.book is None:
        return
    found = ctx.book.rows_by(str(p["counted"]))
    if found is None:
        return
    tab, by = found
    target = int(resolve(p["target"], ctx.program))
    slack = int(resolve(p.get("tolerance", 0), ctx.program))
    lo, hi = max(target - slack, 0), target + slack
    for i in np.nonzero(ctx.mask(rule.when))[0].tolist():
        name = ctx.text(key, i)
        if not name.strip():
            continue
        rows = by.get(_key(name), [])
        if lo <= len(rows) <= hi:
            continue
        ctx.sink.cell(i, key, "count.min" if len(rows) < lo else "count.max", rule.severity,
                      message(rule, "有 {count} 人(“{tab}”{rows}),不在 {lo}–{hi} 人之间:"
                              "请增减人员。", count=len(rows), tab=tab,
                              rows=_rows_text(rows) if rows else "没有", lo=lo, hi=hi,
                              target=target, tolerance=slack))


def same_via(rule: Rule, ctx: RuleContext) -> None:
    """``field`` and ``other`` are references; the record ``field`` names has ``via``, the
    one ``other`` names has ``other_via``: the two must agree (a visit's team is of the
    brigade of the school's county), unless ``unless`` (a program flag) is true."""
    p = rule.params
    if bool(resolve(p.get("unless", False), ctx.program)) or ctx.book is None:
        return
    a, b = p["field"], p["other"]
    if a not in ctx.res or b not in ctx.res:
        return
    ref_a, ref_b = ctx.form.field(a).ref, ctx.form.field(b).ref
    if not ref_a or not ref_b:
        return
    left = ctx.book.values(ref_a, str(p["via"]))
    right = ctx.book.values(ref_b, str(p["other_via"]))
    if left is None or right is None:
        return
    for i in np.nonzero(ctx.mask(rule.when))[0].tolist():
        x, y = left.get(_key(ctx.text(a, i))), right.get(_key(ctx.text(b, i)))
        if x is None or y is None or not x.value.strip() or not y.value.strip():
            continue
        if x.value != y.value:
            ctx.sink.cell(i, a, "via.mismatch", rule.severity, message(
                rule, "属于“{value}”(“{tab}”第 {row} 行),{other}“{other_value}”却是"
                "“{other_via_value}”(“{other_tab}”第 {other_row} 行):两者应一致,请核对。",
                value=x.value, tab=x.tab, row=x.row, other=ctx.label(b),
                other_value=ctx.text(b, i), other_via_value=y.value, other_tab=y.tab,
                other_row=y.row))


def _cond(raw: dict[str, Any]) -> Condition:
    """A condition of ``require_all`` (checked at load by the template, as ``when`` is)."""
    def tup(k: str) -> tuple[str, ...] | None:
        v = raw.get(k)
        return None if v is None else tuple(str(x) for x in (v if isinstance(v, list) else [v]))

    return Condition(field=str(raw["field"]), in_=tup("in"), not_in=tup("not_in"),
                     not_blank=bool(raw.get("not_blank", False)),
                     blank=bool(raw.get("blank", False)), gte=raw.get("gte"), lt=raw.get("lt"))


def _holds(cond: Condition, text: str, program: Program) -> bool:
    """``cond`` on one canonical text (a field of a referenced record)."""
    filled = bool(text.strip())
    if (cond.not_blank and not filled) or (cond.blank and filled):
        return False
    if cond.in_ is not None and text not in cond.in_:
        return False
    if cond.not_in is not None and (not filled or text in cond.not_in):
        return False
    for bound, op in ((cond.gte, operator.ge), (cond.lt, operator.lt)):
        if bound is not None:
            b = _as_bound(resolve(bound, program))
            try:
                if not op(Decimal(text), b):
                    return False
            except (InvalidOperation, TypeError):
                return False
    return True


@dataclass(frozen=True)
class _Via:
    """A ``require_all`` condition on a referenced record: its ``via`` field, as the book has it."""

    cond: Condition
    via: str
    seen: dict[str, Seen]
    form_label: str
    via_label: str


def require_all(rule: Rule, ctx: RuleContext) -> None:
    """``field`` required where every condition of ``all`` holds, unless every condition of
    ``unless`` does. A condition with ``via: <key>`` reads field ``key`` of the record its
    ``field`` references (a child's 年级 through 儿童编号); where the book lacks that form the
    rule is not applied. Messages may use ``{<key>}`` for the row's fields, ``{<via>}`` and
    ``{<via>_text}`` (``的年级为 3`` / ``的年级未填`` / ``在“…”中没有找到``) for the record
    referenced, and the ``$program`` values the conditions name, by key."""
    p = rule.params
    key = p["field"]
    values: dict[str, Any] = {"label": ctx.label(key)}
    masks: dict[str, np.ndarray] = {}
    vias: dict[str, list[_Via]] = {}
    for name in ("all", "unless"):
        masks[name] = np.ones(ctx.n, dtype=bool)
        vias[name] = []
        for raw in p.get(name) or []:
            c = _cond(raw)
            for bound in (c.gte, c.lt):
                pk = bound.removeprefix("$program.") if isinstance(bound, str) \
                    and bound.startswith("$program.") else None
                if pk is not None:
                    if not ctx.program.known(pk):
                        return  # said once by program_notices, as for any rule
                    values[pk] = ctx.program.lookup(pk)
            if "via" not in raw:
                masks[name] &= ctx.mask(c)
                continue
            ref = ctx.form.field(c.field).ref or ""
            form = ctx.book.form(ref.split(".", 1)[0]) if ctx.book else None
            seen = ctx.book.values(ref, str(raw["via"])) if ctx.book else None
            if seen is None or form is None:
                return  # the referenced form is not in this book: not applied
            vias[name].append(_Via(c, str(raw["via"]), seen, form.label,
                                   form.field(str(raw["via"])).label))
    if not p.get("unless"):
        masks["unless"][:] = False
    blank = (ctx.res[key].text == "").to_numpy() if key in ctx.res else np.ones(ctx.n, bool)
    for i in np.nonzero(masks["all"] & blank)[0].tolist():
        row = {**values, **{k: ctx.text(k, i) for k in ctx.res}}
        holds: dict[str, bool] = {"all": True, "unless": bool(masks["unless"][i])}
        for name, items in vias.items():
            for v in items:
                hit = v.seen.get(_key(ctx.text(v.cond.field, i)))
                text = hit.value if hit is not None else ""
                row[v.via] = text
                row[f"{v.via}_text"] = (f"在“{v.form_label}”中没有找到" if hit is None else
                                        f"的{v.via_label}未填" if not text.strip() else
                                        f"的{v.via_label}为 {text}")
                holds[name] &= hit is not None and _holds(v.cond, text, ctx.program)
        if holds["all"] and not holds["unless"]:
            ctx.sink.cell(i, key, "required_if", rule.severity, message(
                rule, "未填:满足条件时须填写{label},请补上。", **row), value="")


_ITEMS = re.compile(r"[、,，;；/\s]+")


def min_items(rule: Rule, ctx: RuleContext) -> None:
    """A list field (names split on 、,，;/ and spaces) holds at least ``min`` items where
    ``when`` holds (a 家访 by at least two people). Messages: {count}, {value}, {min}."""
    key = rule.params["field"]
    lo = int(resolve(rule.params["min"], ctx.program))
    for i in np.nonzero(ctx.mask(rule.when))[0].tolist():
        value = ctx.text(key, i)
        count = len([x for x in _ITEMS.split(value) if x])
        if count < lo:
            ctx.sink.cell(i, key, "count.min", rule.severity, message(
                rule, "只有 {count} 项,至少需要 {min} 项,请补上(用顿号分隔)。", count=count,
                value=value or "未填", min=lo, label=ctx.label(key)), value=value)


def _days_text(days: list[tuple[dt.date, dt.date]]) -> str:
    return "、".join(a.isoformat() if a == b else f"{a.isoformat()} 至 {b.isoformat()}"
                    for a, b in days)


def _spans_text(spans: list[Span], limit: int = 3) -> str:
    """``“进驻安排”第 2 行(北陈庄村小学,2026-07-07 至 2026-07-12)`` (… 等 5 次)."""
    shown = "、".join(f"第 {s.row} 行({s.place + ',' if s.place else ''}"
                     f"{s.start.isoformat()} 至 {s.end.isoformat()})" for s in spans[:limit])
    more = f"等 {len(spans)} 次" if len(spans) > limit else ""
    return f"“{spans[0].tab}”{shown}{more}"


def covers_dates(rule: Rule, ctx: RuleContext) -> None:
    """The row's ``start``..``end`` covers every day of the records of another form that
    name the row's ``field`` (``visits: rotation.team``, each from ``visit_start`` to
    ``visit_end``, where ``visit_when`` holds): a volunteer insured on every day his team
    is at a school. A day before ``start``: a problem on ``start``; after ``end``: on
    ``end``; a blank date: on that cell, with ``message_none`` (both blank: one problem, on
    ``start``). Where the book lacks the other form, or the tab both date columns, the
    rule is not applied. Messages: {value} (the row's ``field``), {label}, {visits} (the
    records, where they are and when), {days} (the days not covered), {side}
    (晚于/早于), {start_value}, {end_value}, {start}, {end} (labels), {count}."""
    p = rule.params
    key, a, b = p["field"], p["start"], p["end"]
    if key not in ctx.res or ctx.book is None or (a not in ctx.res and b not in ctx.res):
        return
    vw = p.get("visit_when")
    found = ctx.book.spans(str(p["visits"]), str(p["visit_start"]), str(p["visit_end"]),
                           str(p.get("visit_place", "")), _cond(vw) if vw else None)
    if found is None:
        return
    _tab, by = found
    starts = ctx.res[a].value.tolist() if a in ctx.res else [None] * ctx.n
    ends = ctx.res[b].value.tolist() if b in ctx.res else [None] * ctx.n
    none = dataclasses.replace(rule, message=str(p["message_none"])) \
        if p.get("message_none") else rule
    for i in np.nonzero(ctx.mask(rule.when))[0].tolist():
        name = ctx.text(key, i)
        spans = sorted(by.get(_key(name), []), key=lambda s: (s.start, s.row)) \
            if name.strip() else []
        if not spans:
            continue
        s, e = as_date(starts[i]), as_date(ends[i])
        values = {"value": name, "label": ctx.label(key), "start": ctx.label(a),
                  "end": ctx.label(b), "start_value": ctx.text(a, i),
                  "end_value": ctx.text(b, i)}
        blank = [k for k, d in ((a, s), (b, e)) if d is None and ctx.text(k, i) == ""]
        if blank:
            ctx.sink.cell(i, blank[0], "cover.gap", rule.severity, message(
                none, "未填:{label}“{value}”在{visits}有安排,须填写{start}和{end}。",
                visits=_spans_text(spans), days="", side="", count=len(spans), **values),
                value="")
            continue
        if s is None or e is None:
            continue  # a date that does not parse: reported by its own check
        for cell_key, side, gaps in (
                (a, "晚于", [(x.start, min(x.end, s - dt.timedelta(days=1)), x)
                            for x in spans if x.start < s]),
                (b, "早于", [(max(x.start, e + dt.timedelta(days=1)), x.end, x)
                            for x in spans if x.end > e])):
            if not gaps:
                continue
            hit = [x for _, _, x in gaps]
            ctx.sink.cell(i, cell_key, "cover.gap", rule.severity, message(
                rule, "{side}{visits}:其中 {days} 不在{start}至{end}之内,请核对。",
                visits=_spans_text(hit), days=_days_text([(g0, g1) for g0, g1, _ in gaps]),
                side=side, count=len(hit), **values))


RULES: dict[str, Callable[[Rule, RuleContext], None]] = {
    "require_if": require_if,
    "require_one_of": require_one_of,
    "id_consistent": id_consistent,
    "compare": compare,
    "age_at": age_at,
    "age_for_grade": age_for_grade,
    "equals": equals,
    "range": in_range,
    "unique_where": unique_where,
    "no_overlap": no_overlap,
    "count_refs": count_refs,
    "same_via": same_via,
    "require_all": require_all,
    "min_items": min_items,
    "covers_dates": covers_dates,
}


def apply_rules(ctx: RuleContext) -> None:
    """Every cross-field rule of the form, in template order.

    A rule that uses a program value with none (``$program.start_date`` not configured nor
    read from the book) is not applied; :func:`.program_data.program_notices` says so.
    """
    for rule in ctx.form.rules:
        if not unknown_keys(rule_keys(rule), ctx.program):
            RULES[rule.kind](rule, ctx)
