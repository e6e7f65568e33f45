"""Excel cell values -> the text the user sees.

:func:`cell_text` turns one value from python-calamine (or openpyxl) into text the way
Excel's *General* format shows it: ``42.0`` -> ``"42"``, ``0.1 + 0.2`` -> ``"0.3"``, a date
-> ``"2013-05-06"``, an 18-digit ID that Excel already stored as a number ->
``"1.30602E+17"`` (its precision is gone; the validator explains this to the user).

:func:`rows_text` converts a whole sheet fast: strings (most cells) pass through untouched
and every other value is converted once per distinct value (dates and numbers repeat).

Error values: openpyxl reads them as their text (``"#DIV/0!"``) and they pass through;
python-calamine 0.9 reads error cells as ``""``, so they arrive empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

__all__ = ["cell_text", "rows_text"]

_BIG = 1e15  # from here on an integer-valued float is shown in scientific notation


def _float_text(x: float) -> str:
    if x != x or x in (float("inf"), float("-inf")):
        return "#NUM!"
    if x.is_integer():
        if -_BIG < x < _BIG:
            return str(int(x))
        return _sci(format(x, ".6g"))
    text = format(x, ".15g")
    if "e" in text:
        return _sci(text)
    return text


def _sci(text: str) -> str:
    """Python ``1.30602e+17`` -> Excel ``1.30602E+17``."""
    mantissa, _, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E{exponent}"


def _round_seconds(t: dt.datetime) -> dt.datetime:
    if t.microsecond >= 500_000:
        return t.replace(microsecond=0) + dt.timedelta(seconds=1)
    return t.replace(microsecond=0)


def _datetime_text(t: dt.datetime) -> str:
    t = _round_seconds(t)
    if t.hour == t.minute == t.second == 0:
        return t.date().isoformat()
    return t.strftime("%Y-%m-%d %H:%M:%S" if t.second else "%Y-%m-%d %H:%M")


def _time_text(t: dt.time) -> str:
    full = _round_seconds(dt.datetime.combine(dt.date(2000, 1, 1), t))
    return full.strftime("%H:%M:%S" if full.second else "%H:%M")


def _timedelta_text(d: dt.timedelta) -> str:
    total = round(d.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"


_CONVERT: dict[type, Callable[[object], str]] = {
    bool: lambda v: "TRUE" if v else "FALSE",
    int: str,
    float: _float_text,  # type: ignore[dict-item]
    dt.datetime: _datetime_text,  # type: ignore[dict-item]
    dt.date: lambda v: v.isoformat(),  # type: ignore[attr-defined]
    dt.time: _time_text,  # type: ignore[dict-item]
    dt.timedelta: _timedelta_text,  # type: ignore[dict-item]
}


# bool and int are cheap to convert and compare equal to floats (True == 1 == 1.0)
_UNCACHED = frozenset({bool, int, type(None)})


def cell_text(value: object) -> str:
    """One cell value -> text as Excel's General format shows it (``None`` -> ``""``)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    convert = _CONVERT.get(type(value))
    if convert is not None:
        return convert(value)
    for kind, fn in _CONVERT.items():  # subclasses (pandas Timestamp, numpy floats …)
        if isinstance(value, kind):
            return fn(value)
    return str(value)


def rows_text(rows: Iterable[Sequence[object]]) -> list[list[str]]:
    """Convert every cell of ``rows`` with :func:`cell_text`; fast for whole sheets.

    Strings pass through; floats, dates and times are converted once per distinct value
    (floats in their own cache: ``True == 1.0`` must not share an entry). Rows keep their
    length: trimming is the caller's business.
    """
    floats: dict[float, str] = {}
    others: dict[object, str] = {}
    float_text = floats.get

    def new_float(v: float) -> str:
        text = floats[v] = _float_text(v)
        return text

    def other(v: object) -> str:
        if type(v) in _UNCACHED:
            return cell_text(v)
        try:
            return others[v]
        except KeyError:
            text = others[v] = cell_text(v)
            return text
        except TypeError:  # unhashable
            return cell_text(v)

    return [
        [
            v
            if type(v) is str
            else (float_text(v) or new_float(v))
            if type(v) is float
            else other(v)
            for v in row
        ]
        for row in rows
    ]
