"""How a value goes into a cell (RAW, USER_ENTERED) and how a cell is shown again.

``USER_ENTERED`` parses like the Sheets UI in the ``en_US`` locale: ``=…`` is a
formula, a leading ``'`` forces text, ``TRUE``/``FALSE`` are booleans, ``0042`` and
``1,234.5`` are numbers, ``12%`` a percentage, ``$5`` money and ``2020-01-01`` or
``1/2/2020`` a date serial with a matching date format. ``RAW`` stores strings as
they are. Reading renders ``FORMATTED_VALUE``, ``UNFORMATTED_VALUE`` or ``FORMULA``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from . import errors
from .formula import FormulaError
from .state import MAX_CELL_CHARS, Cell

EPOCH = datetime(1899, 12, 30)
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PERCENT = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))%$")
_MONEY = re.compile(r"^([+-]?)\$((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?)$")
_ISO_DATE = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
DATE_TYPES = ("DATE", "TIME", "DATE_TIME")


def _too_long(text: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise errors.bad_request(errors.CELL_TOO_LONG)


def raw_value(value: Any) -> dict[str, Any] | None:
    """RAW: JSON strings stay strings, numbers numbers, booleans booleans."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    text = str(value)
    _too_long(text)
    return {"stringValue": text} if text != "" else None


def _serial(dt: datetime) -> float | int:
    delta = dt - EPOCH
    serial = delta.days + delta.seconds / 86400
    return int(serial) if float(serial).is_integer() else serial


def _date_value(text: str) -> tuple[float | int, dict[str, Any]] | None:
    m = _ISO_DATE.match(text)
    order = "iso"
    if not m:
        m = _US_DATE.match(text)
        order = "us"
    if m:
        if order == "iso":
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            pattern = "yyyy-mm-dd" if "-" in text[:10] else "yyyy/mm/dd"
        else:
            mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            pattern = "m/d/yyyy"
        try:
            dt = datetime(y, mo, d, int(m.group(4) or 0), int(m.group(5) or 0),
                          int(m.group(6) or 0))
        except ValueError:
            return None
        if m.group(4):
            return _serial(dt), {"type": "DATE_TIME", "pattern": pattern + " h:mm:ss"}
        return _serial(dt), {"type": "DATE", "pattern": pattern}
    t = _TIME.match(text)
    if t and int(t.group(1)) < 24 and int(t.group(2)) < 60:
        seconds = int(t.group(1)) * 3600 + int(t.group(2)) * 60 + int(t.group(3) or 0)
        return seconds / 86400, {"type": "TIME", "pattern": "h:mm:ss am/pm"}
    return None


def user_entered(value: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """USER_ENTERED: what the value becomes, and the number format Sheets suggests."""
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, (int, float)):
        return {"numberValue": value}, None
    text = str(value)
    _too_long(text)
    if text == "":
        return None, None
    if text.startswith("'"):
        return ({"stringValue": text[1:]} if len(text) > 1 else None), None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    s = text.strip()
    if s.upper() in ("TRUE", "FALSE"):
        return {"boolValue": s.upper() == "TRUE"}, None
    if _NUMBER.match(s):
        return {"numberValue": _number(float(s))}, None
    if _GROUPED.match(s):
        pattern = "#,##0.00" if "." in s else "#,##0"
        return {"numberValue": _number(float(s.replace(",", "")))}, {
            "type": "NUMBER", "pattern": pattern}
    m = _PERCENT.match(s)
    if m:
        pattern = "0.00%" if "." in m.group(1) else "0%"
        return {"numberValue": _number(float(m.group(1)) / 100)}, {
            "type": "PERCENT", "pattern": pattern}
    m = _MONEY.match(s)
    if m:
        amount = float(m.group(2).replace(",", "")) * (-1 if m.group(1) == "-" else 1)
        return {"numberValue": _number(amount)}, {
            "type": "CURRENCY", "pattern": '"$"#,##0.00'}
    dated = _date_value(s)
    if dated is not None:
        return {"numberValue": dated[0]}, dated[1]
    return {"stringValue": text}, None


def _number(x: float) -> float | int:
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def json_number(x: float | int) -> float | int:
    """Numbers as Google writes them in JSON: ``2`` not ``2.0``."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def general(x: float | int) -> str:
    """Sheets' automatic number format: up to 10 significant digits."""
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e15):
        return str(int(x))
    s = f"{x:.10g}"
    if "e" in s:
        mantissa, exp = s.split("e")
        return f"{float(mantissa):.2f}E{int(exp):+03d}"
    return s


def _format_date(serial: float, pattern: str) -> str:
    dt = EPOCH + timedelta(days=serial)
    tokens = re.findall(r'yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s|am/pm|AM/PM|"[^"]*"|.', pattern)
    out = []
    after_hour = False
    hour = (dt.hour % 12 or 12) if "am/pm" in pattern.lower() else dt.hour
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if low in ("m", "mm"):
            is_minute = after_hour or (i + 2 < len(tokens) and tokens[i + 2].lower() in ("s", "ss"))
            if is_minute:
                out.append(f"{dt.minute:02d}" if low == "mm" else str(dt.minute))
            else:
                out.append(f"{dt.month:02d}" if low == "mm" else str(dt.month))
            continue
        table: dict[str, Callable[[], str]] = {
            "yyyy": lambda: f"{dt.year:04d}",
            "yy": lambda: f"{dt.year % 100:02d}",
            "mmmm": lambda: dt.strftime("%B"),
            "mmm": lambda: dt.strftime("%b"),
            "dd": lambda: f"{dt.day:02d}",
            "d": lambda: str(dt.day),
            "hh": lambda: f"{hour:02d}",
            "h": lambda: str(hour),
            "ss": lambda: f"{dt.second:02d}",
            "s": lambda: str(dt.second),
            "am/pm": lambda: "AM" if dt.hour < 12 else "PM",
        }
        if low in table:
            out.append(table[low]())
            after_hour = low in ("h", "hh") or (after_hour and low not in ("ss", "s"))
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        else:
            out.append(tok)
    return "".join(out)


def _format_number(x: float, pattern: str) -> str:
    if "E" in pattern.upper() and "0" in pattern:
        return general(x)
    percent = pattern.endswith("%")
    if percent:
        x *= 100
    body = pattern.rstrip("%")
    m = re.search(r"[#0][#0,]*(\.0+)?", body)
    if not m:
        return general(x)
    prefix, suffix = body[: m.start()].replace('"', ""), body[m.end() :].replace('"', "")
    prefix = prefix.replace("[$", "").replace("]", "") if prefix.startswith("[$") else prefix
    decimals = len(m.group(1)) - 1 if m.group(1) else 0
    grouped = "," in m.group(0)
    sign = "-" if x < 0 else ""
    text = f"{abs(x):,.{decimals}f}" if grouped else f"{abs(x):.{decimals}f}"
    return f"{sign}{prefix}{text}{suffix}" + ("%" if percent else "")


def formatted(value: Any, number_format: dict[str, Any] | None) -> str:
    """FORMATTED_VALUE of an effective value under the cell's number format."""
    if value is None:
        return ""
    if isinstance(value, FormulaError):
        return value.code
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if number_format and number_format.get("pattern"):
            pattern = str(number_format["pattern"])
            if number_format.get("type") in DATE_TYPES:
                try:
                    return _format_date(float(value), pattern)
                except (OverflowError, ValueError):
                    return general(value)
            return _format_number(float(value), pattern)
        if math.isinf(value) or math.isnan(value):
            return "#NUM!"
        return general(value)
    return str(value)


def number_format(cell: Cell) -> dict[str, Any] | None:
    if cell.fmt:
        nf = cell.fmt.get("numberFormat")
        if isinstance(nf, dict):
            return nf
    return None


def render(cell: Cell, effective: Any, option: str, dt_option: str) -> Any:
    """One cell as values.get answers it under the render options."""
    if option == "FORMATTED_VALUE":
        return formatted(effective, number_format(cell))
    entered = cell.entered or {}
    if option == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    if effective is None:
        return ""
    if isinstance(effective, FormulaError):
        return effective.code
    if isinstance(effective, bool):
        return effective
    if isinstance(effective, (int, float)):
        nf = number_format(cell)
        if (option != "FORMULA" and dt_option == "FORMATTED_STRING" and nf
                and nf.get("type") in DATE_TYPES):
            return formatted(effective, nf)
        return json_number(effective)
    return effective
