"""Spelled values -> canonical ones: half-width, Chinese numerals, dates, money.

The small public pieces (:func:`to_halfwidth`, :func:`parse_date`, :func:`parse_money`)
serve the validator, reports and dedupe; the ``_detail`` functions also say why a cell
is not a date or an amount, for the per-value rules in :mod:`.cellrules`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

# --------------------------------------------------------------------------- small helpers

_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WS = (" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
       "\u2006\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff")
_INNER_WS = re.compile(f"[{_WS}]+")


def to_halfwidth(s: str) -> str:
    """Full-width ASCII (``１２３ＡＢ，``) and the ideographic space -> half-width."""
    return s if s.isascii() else s.translate(_HALF)


def _strip(s: str) -> str:
    return s.strip(_WS)


def _safe_form(s: str) -> str:
    """What a cell becomes by safe fixes alone: half-width, ends stripped."""
    return _strip(to_halfwidth(s))


_CN_DIGIT = dict(zip("零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖",
                     (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_UNIT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join([*_CN_DIGIT, *_CN_UNIT, *_CN_BIG])


def _cn_int(s: str) -> int | None:
    """Chinese numerals (一千二百, 两百, 十五, 壹佰) -> int; ``None`` if malformed."""
    total, section, digit, last_unit = 0, 0, None, 10**9
    if not s:
        return None
    for ch in s:
        if ch in _CN_DIGIT:
            if digit:  # 一二: two digits in a row
                return None
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            unit = _CN_UNIT[ch]
            if unit >= last_unit:
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif ch in _CN_BIG:
            section += digit or 0
            if section == 0:
                return None
            total += section * _CN_BIG[ch]
            section, digit, last_unit = 0, None, 10**9
        else:
            return None
    return total + section + (digit or 0)


def _number(s: str) -> int | None:
    """Arabic digits or Chinese numerals -> int."""
    return int(s) if s.isascii() and s.isdigit() else _cn_int(s)


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# a weekday after the date, as Excel/WPS long formats write it: 星期二, 周二, (周二)
_WEEKDAY = r"(?:\s*[(]?(?:星期|周|礼拜)[一二三四五六日天][)]?)?"
_DATE_SEP = re.compile(r"(\d{4})([-./])(\d{1,2})\2(\d{1,2})"
                       r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?" + _WEEKDAY)
_DATE_ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]" + _WEEKDAY)
_DATE_8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")
_DATE_YM = re.compile(r"\d{4}(?:年\d{1,2}月?|[-./]\d{1,2}|\d{2})")
_MSG_DATE_INVALID = "无法识别的日期:请写成 2013-05-06 这样的格式。"


def _date_detail(s: str) -> tuple[dt.date | None, str | None, str]:
    """(date, None, "") or (None, code, message) for one stripped, half-width cell."""
    s = _INNER_WS.sub("", s) if "年" in s else s
    m = _DATE_SEP.fullmatch(s) or _DATE_ZH.fullmatch(s) or _DATE_8.fullmatch(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.groups()[-2]), int(m.groups()[-1])
        try:
            return dt.date(y, mo, d), None, ""
        except ValueError:
            if not 1 <= mo <= 12:
                return None, "date.impossible", f"日期不存在:没有 {mo} 月。请核对。"
            if y < 1:
                return None, "date.invalid", _MSG_DATE_INVALID
            return None, "date.impossible", f"日期不存在:{y} 年 {mo} 月没有 {d} 日。请核对。"
    m = _DATE_SERIAL.fullmatch(s)
    if m and 10_000 <= int(m.group(1)) <= 80_000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(m.group(1))), None, ""
    if _DATE_YM.fullmatch(s):
        return None, "date.incomplete", "日期不完整:缺少日。请写成 2013-05-06 这样的完整日期。"
    return None, "date.invalid", _MSG_DATE_INVALID


def parse_date(s: str) -> dt.date | None:
    """Any accepted spelling of a date (2013-5-6, 2013年5月6日, 20130506, Excel serial …)."""
    return _date_detail(_safe_form(s))[0]


# --------------------------------------------------------------------------- money

_MONEY_PREFIX = re.compile(r"^(?:[¥￥]|人民币|rmb|cny)", re.I)
_ARABIC = re.compile(r"([+-])?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(万)?(?:[元圆块]整?)?")
_CN_MONEY = re.compile(r"(?:(?P<y>[^元圆块角毛分]+)[元圆块])?零?(?:(?P<j>[^元圆块角毛分])[角毛])?"
                       r"零?(?:(?P<f>[^元圆块角毛分])分)?")
_CENT = Decimal("0.01")


def _money_detail(s: str) -> tuple[Decimal | None, str | None]:
    """(amount, None) or (None, "money.invalid" | "money.precision") for a stripped cell."""
    s = _MONEY_PREFIX.sub("", _INNER_WS.sub("", to_halfwidth(s)).replace("−", "-"))
    if not s:
        return None, "money.invalid"
    m = _ARABIC.fullmatch(s)
    if m:
        amount = Decimal(m.group(2).replace(",", "") + "." + (m.group(3) or "0"))
        if m.group(4):
            amount *= 10_000
        if m.group(1) == "-":
            amount = -amount
        if amount != amount.quantize(_CENT):
            return None, "money.precision"
        return amount.quantize(_CENT), None
    s = s.removesuffix("整")
    c = _CN_MONEY.fullmatch(s)
    parts = (c.group("y"), c.group("j"), c.group("f")) if c and s else (None, None, None)
    if not any(parts):
        parts = (s, None, None)
    yuan = _number(parts[0]) if parts[0] else 0
    jiao = _number(parts[1]) if parts[1] else 0
    fen = _number(parts[2]) if parts[2] else 0
    if yuan is None or jiao is None or fen is None or jiao > 9 or fen > 9:
        return None, "money.invalid"
    return Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100 + Decimal("0.00"), None


def parse_money(s: str) -> Decimal | None:
    """An amount in yuan (``1,200.50元``, ``¥300``, ``三百五十元五角``) -> Decimal, 2 places."""
    return _money_detail(_strip(s))[0] if _strip(s) else None
