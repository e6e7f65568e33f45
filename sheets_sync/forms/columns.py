"""The column engine: whole-column normalising without Python per cell.

Columns with few distinct values (dates, choices, grades, money …) normalise each
distinct value once and broadcast the result; columns that are nearly all distinct (ID
numbers, phones, names, free text) are checked with numpy over the column's characters
(one joined UTF-16 buffer), and only the cells that fail that fast check go through the
per-value rules of :mod:`.cellrules`. Dates, integers and money also get a numpy check
of their distinct values, so canonical spellings skip the Python rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from . import ids
from .cellrules import _ID_MSG, MSG_ID_NUMBER, Issue, _Cell, _issue, _Rules
from .ids import ymd_valid
from .parsers import _WS, _strip
from .template import Field

_WS_TABLE = np.zeros(65536, dtype=bool)
_WS_TABLE[[ord(c) for c in _WS]] = True


class _Chars:
    """A column's cells as one array of UTF-16 code units, cells separated by U+001F.

    ASCII-only columns use one byte per character. A character outside the BMP takes two
    units, so such cells never pass a fast check and go the per-value way.
    """

    def __init__(self, cells: list[str]) -> None:
        n = len(cells)
        joined = "\x1f".join(cells) + "\x1f"  # TypeError if a cell is not a str
        if joined.isascii():
            self.cp = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        else:
            raw = joined.encode("utf-16-le", "surrogatepass")
            self.cp = np.frombuffer(raw, dtype=np.uint16)
        ends = np.flatnonzero(self.cp == 0x1F)
        if len(ends) == n:
            self.start = np.zeros(n, dtype=np.int64)
            self.start[1:] = ends[:-1] + 1
            self.length = ends - self.start
        else:  # some cell holds U+001F itself
            size = len if self.cp.itemsize == 1 else _utf16_len
            self.length = np.fromiter(map(size, cells), dtype=np.int64, count=n)
            self.start = np.cumsum(self.length + 1) - (self.length + 1)

    def rows_with(self, mask: np.ndarray) -> np.ndarray:
        """Per cell: does it hold any unit in ``mask`` (a mask over ``cp``, separators False)?"""
        out = np.zeros(len(self.start), dtype=bool)
        where = np.flatnonzero(mask)
        if len(where):
            out[np.searchsorted(self.start, where, side="right") - 1] = True
        return out

    def char(self, k: int) -> np.ndarray:
        """Per cell: its ``k``-th unit (negative: from the end), 0 if the cell is too short."""
        has = self.length > k if k >= 0 else self.length >= -k
        pos = self.start + k if k >= 0 else self.start + self.length + k
        return np.where(has, self.cp[np.where(has, pos, 0)], 0)

    def fixed(self, rows: np.ndarray, width: int) -> np.ndarray:
        """``(len(rows), width)`` units of the given cells (each at least ``width`` long)."""
        if len(rows) == 0:
            return np.zeros((0, width), dtype=self.cp.dtype)
        n = len(self.start)
        if len(rows) == n and len(self.cp) == n * (width + 1):  # every cell is that wide
            return self.cp.reshape(n, width + 1)[:, :width]
        windows = np.lib.stride_tricks.sliding_window_view(self.cp, width)
        return windows[self.start[rows]]


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _non_digit(cp: np.ndarray) -> np.ndarray:
    """Units that are neither an ASCII digit nor the cell separator."""
    return ((cp - cp.dtype.type(48)) > 9) & (cp != 0x1F)


def _fast_text(ch: _Chars, rules: _Rules) -> np.ndarray:
    return ~_WS_TABLE[ch.char(0)] & ~_WS_TABLE[ch.char(-1)]


def _fast_name(ch: _Chars, rules: _Rules) -> np.ndarray:
    cp = ch.cp
    if cp.itemsize == 1:
        return np.zeros(len(ch.length), dtype=bool)
    other = ((cp < 0x4E00) | (cp > 0x9FFF)) & ((cp < 0x3400) | (cp > 0x4DBF)) & (cp != 0x1F)
    return (ch.length >= 2) & (ch.length <= 20) & ~ch.rows_with(other)


def _fast_phone(ch: _Chars, rules: _Rules) -> np.ndarray:
    second = ch.char(1)
    return ((ch.length == 11) & (ch.char(0) == ord("1")) & (second >= ord("3"))
            & (second <= ord("9")) & ~ch.rows_with(_non_digit(ch.cp)))


_ID_STORED = 9  # a verdict of _fast_id beyond ids.ROW_*: Excel rounded the number
_ID_VERDICTS = {
    ids.ROW_REGION: _issue("id.region", _ID_MSG["id.region"]),
    ids.ROW_BIRTH_DATE: _issue("id.birth_date", _ID_MSG["id.birth_date"]),
    ids.ROW_CHECKSUM: _issue("id.checksum", _ID_MSG["id.checksum"]),
    ids.ROW_AREA: _issue("id.area", _ID_MSG["id.area"]),
    _ID_STORED: _issue("id.stored_as_number", MSG_ID_NUMBER),
}


def _fast_id(ch: _Chars, rules: _Rules) -> np.ndarray:
    """Verdicts: 0 valid, -1 ask the per-value rule, else a key of ``_ID_VERDICTS``."""
    rows = np.flatnonzero(ch.length == 18)
    out = np.full(len(ch.length), -1, dtype=np.int8)
    chars = ch.fixed(rows, 18)
    verdict = ids.id_rows_check(chars, rules.today)
    zero_tail = (chars[:, 16] == ord("0")) & (chars[:, 17] == ord("0"))
    verdict[(verdict > ids.ROW_SHAPE) & zero_tail] = _ID_STORED
    verdict[verdict == ids.ROW_SHAPE] = -1
    out[rows] = verdict
    return out


def _fast_record_id(ch: _Chars, rules: _Rules) -> np.ndarray:
    """One capital letter, then digits (``C000123``); longer prefixes go the slow way."""
    first = ch.char(0)
    other = _non_digit(ch.cp)
    other[ch.start] = False  # the first character is checked on its own
    return ((ch.length >= 2) & (first >= ord("A")) & (first <= ord("Z"))
            & ~ch.rows_with(other))


def _fast_iso_date(ch: _Chars, rules: _Rules) -> np.ndarray:
    """``YYYY-MM-DD``, a real date within the field's bounds."""
    rows = np.flatnonzero(ch.length == 10)
    ok = np.zeros(len(ch.length), dtype=bool)
    m = ch.fixed(rows, 10).T.astype(np.int32) - 48
    shape = (m[4] == ord("-") - 48) & (m[7] == ord("-") - 48)
    for k in (0, 1, 2, 3, 5, 6, 8, 9):
        shape &= (m[k] >= 0) & (m[k] <= 9)
    ymd = ymd_valid(m[0] * 1000 + m[1] * 100 + m[2] * 10 + m[3], m[5] * 10 + m[6],
                    m[8] * 10 + m[9])
    good = shape & (ymd >= 0)
    if rules.lo_date:
        good &= ymd >= _ymd(rules.lo_date)
    if rules.hi_date:
        good &= ymd <= _ymd(rules.hi_date)
    ok[rows[good]] = True
    return ok


def _ymd(d: dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _fast_plain_int(ch: _Chars, rules: _Rules) -> np.ndarray:
    """Plain non-negative integers without leading zeros (their own canonical text)."""
    first = ch.char(0)
    return ((ch.length >= 1) & (ch.length <= 15) & ((first != ord("0")) | (ch.length == 1))
            & ~ch.rows_with(_non_digit(ch.cp)))


def _fast_money(ch: _Chars, rules: _Rules) -> np.ndarray:
    """``1200.50``: digits, a point, two digits, no leading zero (already canonical)."""
    point = ch.start + ch.length - 3
    other = _non_digit(ch.cp)
    long_enough = ch.length >= 4
    other[point[long_enough]] = False
    first = ch.char(0)
    return (long_enough & (ch.char(-3) == ord(".")) & ((first != ord("0")) | (ch.length == 4))
            & ~ch.rows_with(other))


# per field type: (fast check, typed value of the cells that pass it)
_FastCheck = Callable[[_Chars, "_Rules"], np.ndarray]
_SAME: Callable[[np.ndarray], np.ndarray] = lambda a: a  # noqa: E731
_NEAR_DISTINCT: dict[str, _FastCheck] = {
    "text": _fast_text, "name_zh": _fast_name, "cn_id": _fast_id, "cn_phone": _fast_phone,
    "cn_mobile": _fast_phone, "record_id": _fast_record_id,
}
_ON_DISTINCT: dict[str, tuple[_FastCheck, Callable[[np.ndarray], np.ndarray]]] = {
    "date": (_fast_iso_date, _SAME),
    "integer": (_fast_plain_int, lambda a: a.astype(np.int64)),
    "money": (_fast_money, lambda a: np.fromiter(map(Decimal, a), dtype=object, count=len(a))),
}
_INT_TYPES = frozenset({"integer", "grade"})

# text, value (None: both are the input itself), issues, safe_fix
_Parts = tuple[np.ndarray | None, np.ndarray | None, dict[int, Issue], np.ndarray]


def _as_text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _chars_of(cells: np.ndarray) -> tuple[np.ndarray, list[str], _Chars]:
    """The cells (non-text cells, e.g. NaN, turned into text) and their code units."""
    listed = cells.tolist()
    try:
        return cells, listed, _Chars(listed)
    except TypeError:
        listed = [_as_text(v) for v in listed]
        cells = np.empty(len(listed), dtype=object)
        cells[:] = listed
        return cells, listed, _Chars(listed)


def _near_distinct(cells: np.ndarray, kind: str, rules: _Rules,
                   rule: Callable[[str], _Cell]) -> _Parts:
    """Cells the fast check passes are kept as they are; only the others run ``rule``.

    The ID check also gives verdicts (``_ID_VERDICTS``) for well-formed invalid IDs.
    """
    cells, listed, ch = _chars_of(cells)
    blank = ch.length == 0
    found = _NEAR_DISTINCT[kind](ch, rules)
    if found.dtype == bool:
        todo = np.flatnonzero(~(found | blank))
        known = np.zeros(0, dtype=np.intp)
    else:
        todo = np.flatnonzero((found < 0) & ~blank)
        known = np.flatnonzero(found > 0)
    safe = np.zeros(len(cells), dtype=bool)
    issues: dict[int, Issue] = {}
    has_blank = bool(blank.any())
    if len(todo) == 0 and len(known) == 0 and not has_blank:
        return None, None, issues, safe
    text = cells.copy()
    value = cells.copy()
    value[blank] = None
    value[known] = None
    issues.update(zip(known.tolist(), map(_ID_VERDICTS.__getitem__, found[known].tolist()),
                      strict=True))
    cache: dict[str, _Cell] = {}
    for i in todo.tolist():
        raw = listed[i]
        c = cache.get(raw)
        if c is None:
            c = cache[raw] = rule(raw)
        text[i] = c.text
        value[i] = c.value
        if c.safe:
            safe[i] = True
        if c.issue is not None:
            issues[i] = c.issue
    return text, value, issues, safe


def _per_distinct(cells: np.ndarray, kind: str, rules: _Rules,
                  rule: Callable[[str], _Cell]) -> _Parts:
    """Normalise each distinct cell once (a fast check first, if the type has one)."""
    codes, uniques = pd.factorize(cells)  # a missing cell gets code -1: the blank at the end
    k = len(uniques)
    uniques, listed, ch = _chars_of(uniques)
    text_u = np.empty(k + 1, dtype=object)
    text_u[:k] = uniques
    text_u[k] = ""
    value_u = np.full(k + 1, None, dtype=object)
    safe_u = np.zeros(k + 1, dtype=bool)
    issue_u: dict[int, Issue] = {}
    ok = np.zeros(k, dtype=bool)
    if kind in _ON_DISTINCT:
        check, convert = _ON_DISTINCT[kind]
        ok = check(ch, rules) & (ch.length > 0)
        passed = np.flatnonzero(ok)
        values = convert(uniques[passed])
        lo, hi = rules.lo_num, rules.hi_num
        if (lo is not None or hi is not None) and kind != "date":
            inside = np.array([(lo is None or v >= lo) and (hi is None or v <= hi)
                               for v in values.tolist()], dtype=bool)
            ok[passed[~inside]] = False  # out of range: the slow way, for the message
            passed, values = passed[inside], values[inside]
        value_u[passed] = values
    for j in np.flatnonzero(~ok).tolist():
        c = rule(listed[j])
        text_u[j], value_u[j], issue, safe_u[j] = c
        if issue is not None:
            issue_u[j] = issue
    value: Any = value_u[codes]
    if kind in _INT_TYPES:
        missing = np.fromiter((v is None for v in value_u), dtype=bool, count=k + 1)
        ints = np.where(missing, 0, value_u).astype(np.int64)
        value = pd.arrays.IntegerArray(ints[codes], missing[codes])
    issues: dict[int, Issue] = {}
    if issue_u:
        where = np.flatnonzero(np.isin(codes, list(issue_u)))
        for p, c in zip(where.tolist(), codes[where].tolist(), strict=True):
            issues[p] = issue_u[c]
    return text_u[codes], value, issues, safe_u[codes]


def _check_pattern(field: Field, cells: np.ndarray, parts: _Parts) -> _Parts:
    """Cells otherwise valid whose canonical text does not fullmatch ``field.pattern``."""
    text, value, issues, safe = parts
    shown = cells if text is None else text
    rx = re.compile(field.pattern or "")
    todo = shown != ""
    todo[list(issues)] = False
    where = np.flatnonzero(todo)
    codes, uniques = pd.factorize(shown[where])
    miss = np.fromiter((rx.fullmatch(u) is None for u in uniques), dtype=bool, count=len(uniques))
    if not miss.any():
        return parts
    text = shown.copy() if text is None else text
    if value is None:
        value = cells.copy()
        value[cells == ""] = None
    how = field.pattern_help or f"应符合格式 {field.pattern}"
    issue = _issue("pattern.mismatch", f"格式不对:{how.rstrip('。')}。")
    for p in where[miss[codes]].tolist():
        issues[p] = issue
        text[p] = _strip(_as_text(cells[p]))
        value[p] = None
        safe[p] = False
    return text, value, issues, safe
