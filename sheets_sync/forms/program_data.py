"""The program values the form rules use (``$program.<key>``): known, read from the book, or said.

No rule silently depends on a made-up value. For each ``$program.<key>`` a field bound or a
cross-field rule uses:

* configured in ``[program]``: used;
* the period (``start_date``, ``end_date``) not configured: read from the book where it
  says so (:data:`BOOK_PERIODS`: the ``学校`` tab's 进驻 dates, first start to last end);
  dates outside a period read that way are warnings, not errors (an expense bought before
  the brigades arrived is no mistake), and the summary names the period and its source;
* otherwise the bound or rule is not applied, and :func:`program_notices` says so once per
  book, naming what was not checked and the line of sheets-sync.toml that turns it on.

Pure functions: tabs in, a program and sentences out (see :func:`program_for_book`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..config import PROGRAM_SETTING, Program
from .headers import TabData
from .parsers import parse_date
from .template import Field, FormTemplate, Rule

PERIOD_KEYS = ("start_date", "end_date")

BOOK_PERIODS: tuple[tuple[str, str, str, str], ...] = (
    ("school", "start_date", "end_date", "进驻日期"),
)
"""Forms whose dates give the program's period: (form, first-day field, last-day field, what
the dates are called). A rotation form, when there is one, belongs here too."""

_WHAT = {"start_date": "项目开始日期", "end_date": "项目结束日期",
         "volunteer_min_age": "志愿者最低年龄", "invoice_threshold": "发票额度"}


def program_key(value: Any) -> str | None:
    """``"start_date"`` for ``"$program.start_date"``; None for anything else."""
    if isinstance(value, str) and value.startswith("$program."):
        return value.removeprefix("$program.")
    return None


def field_keys(f: Field) -> list[str]:
    """The program values a field's own checks use (its bounds; not its choices)."""
    return [k for k in (program_key(f.min), program_key(f.max)) if k]


def rule_keys(rule: Rule) -> list[str]:
    """The program values a cross-field rule uses (its parameters and its condition)."""
    values = list(rule.params.values())
    if rule.when is not None:
        values += [rule.when.gte, rule.when.lt]
    return [k for k in map(program_key, values) if k]


def unknown_keys(keys: Iterable[str], program: Program) -> list[str]:
    """The keys among ``keys`` that have no value in ``program``."""
    return [k for k in keys if not program.known(k)]


# --------------------------------------------------------------------------- the period

def span(starts: Sequence[dt.date], ends: Sequence[dt.date]) -> tuple[dt.date, dt.date] | None:
    """The earliest first day to the latest last day (one list alone gives both); None if empty."""
    if not starts and not ends:
        return None
    lo = min(starts) if starts else min(ends)
    hi = max(ends) if ends else max(starts)
    if hi < lo:
        lo, hi = min([*starts, *ends]), max([*starts, *ends])
    return lo, hi


def book_period(datas: Sequence[TabData]) -> tuple[dt.date, dt.date, str] | None:
    """(first day, last day, where from) as the book says it, or None when it does not.

    From the first form of :data:`BOOK_PERIODS` present with at least one date (:func:`span`).
    """
    for form, first, last, what in BOOK_PERIODS:
        starts: list[dt.date] = []
        ends: list[dt.date] = []
        label = ""
        for d in datas:
            if d.layout.form.key != form:
                continue
            label = label or d.layout.tab
            for key, into in ((first, starts), (last, ends)):
                if key in d.columns:
                    into.extend(day for day in map(parse_date, d.columns[key].tolist()) if day)
        found = span(starts, ends)
        if found is not None:
            return found[0], found[1], f"“{label}”表的{what}"
    return None


def period_text(program: Program) -> str:
    """``2024-07-08 至 2024-08-11``, ``2024-07-08 起`` …, or ``未配置`` (for reports)."""
    lo, hi = program.start_date, program.end_date
    if lo and hi:
        return f"{lo.isoformat()} 至 {hi.isoformat()}"
    if lo:
        return f"{lo.isoformat()} 起"
    if hi:
        return f"至 {hi.isoformat()}"
    return "未配置"


def program_for_book(datas: Sequence[TabData], program: Program) -> tuple[Program, list[str]]:
    """The program to validate ``datas`` with, and the notices that say where its period came from.

    A period configured (either date) is kept as it is; else the book's period
    (:func:`book_period`) fills both dates, with ``period_from`` set and one notice naming it.
    """
    if program.start_date is not None or program.end_date is not None:
        return program, []
    found = book_period(datas)
    if found is None:
        return program, []
    lo, hi, source = found
    used = dataclasses.replace(program, start_date=lo, end_date=hi, period_from=source)
    return used, [
        f"项目期间:sheets-sync.toml 中没有配置,按{source}取 {lo.isoformat()} 至 "
        f"{hi.isoformat()};期间以外的日期只作提醒。如需指定,请在 sheets-sync.toml 的 "
        f"[program] 中写 {PROGRAM_SETTING['start_date']} 和 {PROGRAM_SETTING['end_date']}"
        "(改成本期项目的日期)。"]


# --------------------------------------------------------------------------- notices

def _rule_subject(form: FormTemplate, rule: Rule) -> str:
    """What a rule checks, in a few words: ``年龄(按身份证号)``, ``发票号``."""
    def label(name: str) -> str:
        key = rule.params.get(name)
        try:
            return form.field(str(key)).label
        except KeyError:
            return str(key)

    if rule.kind == "age_at":
        return f"年龄(按{label('field')})"
    if rule.kind == "age_for_grade":
        return f"{label('grade')}与年龄"
    if "field" in rule.params:
        return label("field")
    return rule.kind


def _present(rule: Rule, data: TabData) -> bool:
    main = [rule.params[k] for k in ("field", "id", "birth_date", "grade") if k in rule.params]
    return all(k in data.columns for k in main)


def program_notices(datas: Sequence[TabData], program: Program,
                    templates: Mapping[str, FormTemplate]) -> list[str]:
    """One sentence per missing program value that some present check needs.

    Names the checks not made (``支出明细的日期、儿童登记表的出生日期 ……``) and the line of
    sheets-sync.toml that turns them on. The two period dates share one sentence.
    """
    missing: dict[str, list[str]] = {}
    for d in datas:
        form = d.layout.form
        tab = d.layout.tab
        for f in form.fields:
            if f.key in d.columns:
                for k in unknown_keys(field_keys(f), program):
                    missing.setdefault(k, []).append(f"{tab}的{f.label}")
        for rule in form.rules:
            if _present(rule, d):
                for k in unknown_keys(rule_keys(rule), program):
                    missing.setdefault(k, []).append(f"{tab}的{_rule_subject(form, rule)}")
    out: list[str] = []
    period = [k for k in PERIOD_KEYS if k in missing]
    if period:
        what = list(dict.fromkeys(x for k in period for x in missing.pop(k)))
        setting = " 和 ".join(PROGRAM_SETTING[k] for k in period)
        name = "项目期间" if len(period) == 2 else _WHAT[period[0]]
        sources = "、".join(
            f"写明{said}的“{templates[form].label if form in templates else form}”表"
            for form, _, _, said in BOOK_PERIODS)
        lacking = (f"sheets-sync.toml 中没有配置{name},工作簿中也没有{sources}" if len(period) == 2
                   else f"sheets-sync.toml 中没有配置{name}")
        out.append(f"未按{name}检查:{'、'.join(what)}。{lacking}。如需检查,请在 sheets-sync.toml 的"
                   f" [program] 中写 {setting}(改成本期项目的日期)。")
    for k, what in missing.items():
        setting = PROGRAM_SETTING.get(k, f"{k} = …")
        out.append(f"未检查:{'、'.join(dict.fromkeys(what))}。sheets-sync.toml 中没有配置"
                   f"{_WHAT.get(k, k)}。如需检查,请在 sheets-sync.toml 的 [program] 中"
                   f"写 {setting}。")
    return out

