"""Cross-field rules: one function per declarative rule kind of the templates.

Each rule sees the normalised columns of one tab (``ColumnResult.value`` holds typed
values: ISO dates, Int64, Decimal, canonical choices) and reports through a
:class:`~.problems.ProblemSink`. Conditions (``when``) become boolean masks first, so a
rule touches only the rows it applies to.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from ..config import Program
from .normalize import ColumnResult
from .problems import ProblemSink
from .template import Condition, FormTemplate, Rule


def resolve(value: Any, program: Program) -> Any:
    """``$program.<key>`` -> the program's value; anything else unchanged."""
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


def _canonical(r: ColumnResult) -> pd.Series:
    """Typed value where there is one, else the text (so conditions match both)."""
    return r.value.astype(object).where(r.value.notna(), r.text)


@dataclass
class RuleContext:
    """What a rule sees: the form, its normalised columns, where to report, program data."""

    form: FormTemplate
    res: dict[str, ColumnResult]
    sink: ProblemSink
    program: Program

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
                b = _as_bound(resolve(bound, self.program))
                mask &= np.fromiter((not _missing(v) and op(v, b) for v in r.value),
                                    dtype=bool, count=n)
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


def age_on(born: dt.date, at: dt.date) -> int:
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


def birth_dates(r: ColumnResult, ftype: str) -> list[dt.date | None]:
    """Birth dates from a date field, or from an ID field's digits 7–14."""
    out: list[dt.date | None] = []
    for v in r.value:
        if not isinstance(v, str):
            out.append(None)
        elif ftype == "cn_id":
            try:
                out.append(dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14])))
            except ValueError:
                out.append(None)
        else:
            out.append(as_date(v))
    return out


# --------------------------------------------------------------------------- the rules

def require_if(rule: Rule, ctx: RuleContext) -> None:
    key = rule.params["field"]
    blank = (ctx.res[key].text == "").to_numpy() if key in ctx.res else np.ones(ctx.n, bool)
    cond = rule.when
    when_label = ctx.label(cond.field) if cond else ""
    threshold = resolve(cond.gte, ctx.program) if cond and cond.gte is not None else ""
    for i in np.nonzero(ctx.mask(cond) & blank)[0]:
        wv = ctx.text(cond.field, int(i)) if cond else ""
        ctx.sink.cell(int(i), key, "required_if", rule.severity, message(
            rule, "“{when_label}”为“{when_value}”时须填写{label},请补上。",
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
    ids = ctx.res[p["id"]].value
    when = ctx.mask(rule.when)
    bkey, skey = p.get("birth_date"), p.get("sex")
    births = ctx.res[bkey].value if bkey in ctx.res else None
    sexes = ctx.res[skey].value if skey in ctx.res else None
    for i in np.nonzero(when & ids.map(lambda v: isinstance(v, str) and len(v) == 18)
                        .to_numpy(dtype=bool))[0]:
        iv = ids.iat[int(i)]
        if births is not None and bkey and isinstance(births.iat[int(i)], str):
            from_id = f"{iv[6:10]}-{iv[10:12]}-{iv[12:14]}"
            if from_id != births.iat[int(i)]:
                ctx.sink.cell(int(i), bkey, "id.birth_mismatch", rule.severity, message(
                    rule, "与身份证号中的出生日期 {from_id} 不一致:"
                    "请对照证件核对出生日期或身份证号。", from_id=from_id))
        if sexes is not None and skey and iv[16].isdigit():
            from_id = "男" if int(iv[16]) % 2 else "女"
            if sexes.iat[int(i)] in ("男", "女") and from_id != sexes.iat[int(i)]:
                ctx.sink.cell(int(i), skey, "id.sex_mismatch", rule.severity, message(
                    rule, "与身份证号不一致:身份证号第 17 位表示“{from_id}”。"
                    "请核对性别或身份证号。", from_id=from_id))


COMPARE: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "<": (operator.lt, "早于"), "<=": (operator.le, "不晚于"), ">": (operator.gt, "晚于"),
    ">=": (operator.ge, "不早于"), "==": (operator.eq, "等于"), "!=": (operator.ne, "不等于"),
}


def compare(rule: Rule, ctx: RuleContext) -> None:
    a, b = rule.params["field"], rule.params["other"]
    if a not in ctx.res or b not in ctx.res:
        return
    fn, words = COMPARE[rule.params["op"]]
    va, vb = ctx.res[a].value, ctx.res[b].value
    for i in np.nonzero(ctx.mask(rule.when))[0]:
        x, y = va.iat[int(i)], vb.iat[int(i)]
        if not (_missing(x) or _missing(y)) and not fn(x, y):
            ctx.sink.cell(int(i), a, "compare", rule.severity, message(
                rule, "应{words}{other}(“{other_value}”),请核对。", words=words,
                other=ctx.label(b), other_value=ctx.text(b, int(i))))


def age_at(rule: Rule, ctx: RuleContext) -> None:
    p = rule.params
    key = p["field"]
    if key not in ctx.res:
        return
    at = as_date(resolve(p.get("at", "$program.start_date"), ctx.program)) or \
        ctx.program.start_date
    lo, hi = resolve(p.get("min"), ctx.program), resolve(p.get("max"), ctx.program)
    births = birth_dates(ctx.res[key], ctx.form.field(key).type)
    for i in np.nonzero(ctx.mask(rule.when))[0]:
        born = births[int(i)]
        if born is None:
            continue
        age = age_on(born, at)
        if lo is not None and age < int(lo):
            ctx.sink.cell(int(i), key, "age.min", rule.severity, message(
                rule, "按此计算,到 {at} 时只有 {age} 岁,未满 {min} 岁:请核对。",
                at=at.isoformat(), age=age, min=lo))
        elif hi is not None and age > int(hi):
            ctx.sink.cell(int(i), key, "age.max", rule.severity, message(
                rule, "按此计算,到 {at} 时已 {age} 岁,超过 {max} 岁:请核对。",
                at=at.isoformat(), age=age, max=hi))


def age_for_grade(rule: Rule, ctx: RuleContext) -> None:
    """Primary school starts at 6: grade g is usually age g+6 (± tolerance, default 2)."""
    p = rule.params
    bkey, gkey = p["birth_date"], p["grade"]
    if bkey not in ctx.res or gkey not in ctx.res:
        return
    at = as_date(resolve(p.get("at", "$program.start_date"), ctx.program)) or \
        ctx.program.start_date
    slack = int(p.get("tolerance", 2))
    births = birth_dates(ctx.res[bkey], ctx.form.field(bkey).type)
    grades = ctx.res[gkey].value
    for i in np.nonzero(ctx.mask(rule.when))[0]:
        born, g = births[int(i)], grades.iat[int(i)]
        if born is None or _missing(g):
            continue
        age = age_on(born, at)
        lo, hi = int(g) + 6 - slack, int(g) + 6 + slack
        if not lo <= age <= hi:
            ctx.sink.cell(int(i), gkey, "grade.age", rule.severity, message(
                rule, "与年龄不符:按出生日期,到 {at} 时 {age} 岁,{grade} 年级通常 {lo}–{hi} 岁。"
                "请核对出生日期和年级。", at=at.isoformat(), age=age, grade=int(g), lo=lo, hi=hi))


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
    vals = ctx.res[key].value
    for i in np.nonzero(ctx.mask(rule.when))[0]:
        v = vals.iat[int(i)]
        if _missing(v):
            continue
        if lo is not None and v < type(v)(lo):
            ctx.sink.cell(int(i), key, "range.min", rule.severity,
                          message(rule, "小于 {min}:请核对。", min=lo))
        elif hi is not None and v > type(v)(hi):
            ctx.sink.cell(int(i), key, "range.max", rule.severity,
                          message(rule, "大于 {max}:请核对。", max=hi))


def unique_where(rule: Rule, ctx: RuleContext) -> None:
    keys: list[str] = rule.params["fields"]
    if not all(k in ctx.res for k in keys):
        return
    combo = pd.Series(list(zip(*(ctx.res[k].text for k in keys), strict=True)), dtype=object)
    filled = np.logical_and.reduce([(ctx.res[k].text != "").to_numpy() for k in keys])
    scope = ctx.mask(rule.when) & filled
    dup = scope & combo.where(scope).duplicated(keep=False).to_numpy()
    rows_of: dict[tuple[str, ...], list[int]] = {}
    for i in np.nonzero(dup)[0]:
        rows_of.setdefault(combo.iat[int(i)], []).append(int(i))
    cond = ""
    if rule.when and rule.when.in_:
        cond = f"“{ctx.label(rule.when.field)}”为“{'、'.join(rule.when.in_)}”的"
    label = "+".join(ctx.label(k) for k in keys)
    for members in rows_of.values():
        for i in members:
            other = next(j for j in members if j != i)
            ctx.sink.cell(i, keys[0], "unique_where", rule.severity, message(
                rule, "与第 {other} 行重复:{cond}记录中{label}只能出现一次。请核对。",
                other=int(ctx.sink.data.rows[other]), cond=cond, label=label))


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
}


def apply_rules(ctx: RuleContext) -> None:
    """Every cross-field rule of the form, in template order."""
    for rule in ctx.form.rules:
        RULES[rule.kind](rule, ctx)
