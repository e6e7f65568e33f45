"""Cell normalisers: text as the user typed it -> canonical text, typed value, issue.

:func:`normalize_column` works on a whole column (a pandas Series of ``str``) at once.
It never runs Python per cell: columns with few distinct values (dates, choices, grades,
money …) normalise each distinct value once and broadcast the result; columns that are
nearly all distinct (ID numbers, phones, names, free text) are checked with numpy over
the column's characters (one joined UTF-16 buffer), and only the cells that fail that
fast check go through the per-value Python rules. Dates, integers and money also get a
numpy check of their distinct values, so canonical spellings skip the Python rules.
Safe fixes (``ColumnResult.safe_fix``) are half-width, trimmed ends, phone separators,
``x`` -> ``X`` in IDs and dates rewritten as ISO; synonyms and money formats are not.
``required``, ``unique``, ``ref`` and cross-field rules are the validator's job.

The per-value rules are also public in small pieces (:func:`to_halfwidth`,
:func:`parse_date`, :func:`parse_money`), for the validator, reports and dedupe.

This module is the public face; the work is done in :mod:`.parsers` (spelled values),
:mod:`.cellrules` (one cell per field type) and :mod:`.columns` (the column engine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..config import Program
from .cellrules import MSG_ID_NUMBER, MSG_MOBILE, MSG_PHONE, Issue, _Cell, _Rules
from .columns import _INT_TYPES, _NEAR_DISTINCT, _check_pattern, _near_distinct, _per_distinct
from .parsers import parse_date, parse_money, to_halfwidth
from .template import Field

__all__ = [
    "MSG_ID_NUMBER",
    "MSG_MOBILE",
    "MSG_PHONE",
    "ColumnResult",
    "Issue",
    "normalize_column",
    "parse_date",
    "parse_money",
    "to_halfwidth",
]


@dataclass
class ColumnResult:
    """A normalised column; every Series has the input's index."""

    text: pd.Series
    value: pd.Series
    issues: dict[int, Issue]
    safe_fix: pd.Series


def normalize_column(values: pd.Series, field: Field, program: Program) -> ColumnResult:
    """Normalise one column of cells (as text) for ``field``; see :class:`ColumnResult`."""
    rules = _Rules(field, program)
    rule: Callable[[str], _Cell] = getattr(rules, field.type)
    cells = values.to_numpy(dtype=object)
    if field.type in _NEAR_DISTINCT:
        parts = _near_distinct(cells, field.type, rules, rule)
    else:
        parts = _per_distinct(cells, field.type, rules, rule)
    if field.pattern:
        parts = _check_pattern(field, cells, parts)
    text, value, issues, safe = parts
    index = values.index
    if text is None or value is None:
        # the input unchanged: share it (copy-on-write keeps the caller's Series safe)
        same = values.copy(deep=False) if values.dtype == object else pd.Series(
            cells, index=index, dtype=object, copy=False)
        text_s = same if text is None else pd.Series(text, index=index, dtype=object, copy=False)
        value_s = same if value is None else pd.Series(value, index=index, dtype=object,
                                                       copy=False)
    else:
        text_s = pd.Series(text, index=index, dtype=object, copy=False)
        dtype = "Int64" if field.type in _INT_TYPES else object
        value_s = pd.Series(value, index=index, dtype=dtype, copy=False)
    return ColumnResult(text=text_s, value=value_s, issues=issues,
                        safe_fix=pd.Series(safe, index=index, dtype=bool, copy=False))
