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
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import phonenumbers

from ..config import Program
from ..errors import ConfigError
from . import ids
from .ids import id_problem, upgrade_15, ymd_valid
from .template import Field


@dataclass(frozen=True)
class Issue:
    """One problem with one cell: rule code, severity and a Chinese message naming the fix."""

    code: str
    severity: str
    message: str


@dataclass
class ColumnResult:
    """A normalised column; every Series has the input's index."""

    text: pd.Series
    value: pd.Series
    issues: dict[int, Issue]
    safe_fix: pd.Series


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
_DATE_SEP = re.compile(r"(\d{4})([-./])(\d{1,2})\2(\d{1,2})"
                       r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE_ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]")
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


# --------------------------------------------------------------------------- messages

MSG_PHONE = "不是有效的手机号:手机号应为 11 位数字,以 1 开头;座机请写成“区号-号码”。"
MSG_MOBILE = "不是有效的手机号:手机号应为 11 位数字,以 1 开头。"
MSG_ID_NUMBER = ("身份证号被 Excel 存成了数字,后几位已经丢失。请把身份证号这一列设置为文本"
                 "(设置单元格格式→文本),再按证件重新输入完整号码。")
_AGAIN = "请核对证件重新输入。"
_ID_MSG = {
    "id.region": "身份证号前两位不是有效的省份代码。" + _AGAIN,
    "id.birth_date": "身份证号第 7–14 位不是有效的出生日期。" + _AGAIN,
    "id.checksum": "身份证号校验位不对,可能有数字写错或顺序颠倒。" + _AGAIN,
}
_NAME_BAD = "姓名只能写汉字(少数民族姓名可用间隔号“·”):请只写中文姓名,不要写拼音、数字或备注。"
_PROGRAM_LABELS = {"start_date": "项目开始日期", "end_date": "项目结束日期",
                   "invoice_threshold": "发票金额门槛", "volunteer_min_age": "志愿者最低年龄"}
_BOOL = {"是": ("是的", "有", "对", "y", "yes", "√", "✓", "✔", "1", "true"),
         "否": ("不是", "无", "没有", "不", "n", "no", "×", "✗", "✘", "0", "false")}

_ISSUES: dict[tuple[str, str, str], Issue] = {}


def _issue(code: str, message: str, severity: str = "error") -> Issue:
    """One shared :class:`Issue` per distinct (code, message, severity)."""
    key = (code, message, severity)
    found = _ISSUES.get(key)
    if found is None:
        found = _ISSUES[key] = Issue(code, severity, message)
    return found


class _Cell(NamedTuple):
    text: str
    value: Any = None
    issue: Issue | None = None
    safe: bool = False


_BLANK = _Cell("", None)


def _ok(raw: str, text: str, value: Any, safe_form: str | None = None) -> _Cell:
    """A valid cell; a safe fix when ``text`` is what safe fixes alone make of ``raw``."""
    target = _safe_form(raw) if safe_form is None else safe_form
    return _Cell(text, value, None, text != raw and text == target)


def _bad(raw: str, code: str, message: str) -> _Cell:
    return _Cell(_strip(raw), None, _issue(code, message))


def _blank(raw: str) -> _Cell:
    return _BLANK if raw == "" else _Cell("", None, None, True)


_MOBILE = re.compile(r"1[3-9]\d{9}")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NAME = re.compile(f"[{_CJK}]+(?:·[{_CJK}]+)*")
_NAME_DOTS = re.compile(r"[•.・･‧∙⋅●．]")
_RECORD_ID = re.compile(r"[A-Z]{1,3}\d+")
_ID_AS_NUMBER = re.compile(r"\d(?:\.\d+)?E\+?\d+|\d{15,18}\.0+")
_ID_ZERO_TAIL = re.compile(r"\d{14,16}00")
_ID15 = re.compile(r"\d{15}")
_ID18 = re.compile(r"\d{17}[\dX]")
_PHONE_EXT = re.compile(r"(.+?)\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})", re.I)
_PHONE_EXT_DASH = re.compile(r"(0\d{2,3}[-\s]\d{7,8})[-\s](\d{1,6})")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()—–‐]")
_PHONE_INTL = re.compile(r"\+?(?:0086|86)(?=\d{10,11}$)")
_ASCII_DIGITS = re.compile(r"\d+", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_INTEGER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?[\u4e00-\u9fff]{0,4}")
_CN_INTEGER = re.compile(f"([{_CN_CHARS}]+)[\u4e00-\u9fff]{{0,4}}")
_DECIMAL = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_MULTI_SPLIT = re.compile(r"[、,，;；/／\s]+")
_GRADE_SUFFIX = re.compile(r"(?:年级|年|级)$")


def _choice_key(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).casefold().split())


def _landline(digits: str) -> str | None:
    """``0312-5551234`` for a valid Chinese landline (area code first), else ``None``."""
    try:
        num = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    fixed = {phonenumbers.PhoneNumberType.FIXED_LINE,
             phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if not phonenumbers.is_valid_number(num) or phonenumbers.number_type(num) not in fixed:
        return None
    area, *rest = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL).split()
    return f"{area}-{''.join(rest)}"


# --------------------------------------------------------------------------- per-value rules


class _Rules:
    """The per-value rules for one field (bounds and choices resolved once)."""

    def __init__(self, field: Field, program: Program) -> None:
        self.field = field
        self.program = program
        self.today = dt.date.today()
        lo, self.lo_note = self._bound(field.min)
        hi, self.hi_note = self._bound(field.max)
        self.lo_text = "" if lo is None else str(lo)
        self.hi_text = "" if hi is None else str(hi)
        self.lo_date = self.hi_date = None
        self.lo_num = self.hi_num = None
        if field.type == "date":
            self.lo_date, self.hi_date = _as_date(lo), _as_date(hi)
            self.lo_text = "" if lo is None else self.lo_date.isoformat()  # type: ignore[union-attr]
            self.hi_text = "" if hi is None else self.hi_date.isoformat()  # type: ignore[union-attr]
        elif lo is not None or hi is not None:
            self.lo_num = None if lo is None else Decimal(str(lo))
            self.hi_num = None if hi is None else Decimal(str(hi))
        self.values: list[str] = []
        self.exact: dict[str, str] = {}
        self.loose: dict[str, str] = {}
        if field.type == "bool_zh":
            self._add_choices([(v, (v, *syns)) for v, syns in _BOOL.items()])
        elif field.type in {"choice", "multi_choice"}:
            pairs: list[tuple[str, Sequence[str]]] = [(c.value, c.synonyms) for c in field.choices]
            if field.choices_from:
                for item in self._lookup(field.choices_from):
                    pairs.append((item, ()) if isinstance(item, str) else (item[0], item[1]))
            self._add_choices(pairs)

    def _lookup(self, ref: str) -> Any:
        key = ref.removeprefix("$program.")
        try:
            return self.program.lookup(key)
        except KeyError:
            raise ConfigError(
                f"字段“{self.field.label}”用到的项目数据 {ref} 没有配置:"
                f"请在 sheets-sync.toml 的 [program] 中设置 {key}。") from None

    def _bound(self, raw: Any) -> tuple[Any, str]:
        if isinstance(raw, str) and raw.startswith("$program."):
            key = raw.removeprefix("$program.")
            return self._lookup(raw), f"({_PROGRAM_LABELS.get(key, key)})"
        return raw, ""

    def _add_choices(self, pairs: Sequence[tuple[str, Sequence[str]]]) -> None:
        clash: set[str] = set()
        for value, synonyms in pairs:
            value = str(value)
            if value not in self.values:
                self.values.append(value)
            for spelling in (value, *synonyms):
                self.exact.setdefault(_strip(str(spelling)), value)
                key = _choice_key(str(spelling))
                if self.loose.setdefault(key, value) != value:
                    clash.add(key)
        for key in clash:
            del self.loose[key]

    def choice_of(self, s: str) -> str | None:
        return self.exact.get(s) or self.loose.get(_choice_key(s))

    def allowed(self) -> str:
        more = f" 等 {len(self.values)} 项" if len(self.values) > 20 else ""
        return "只能填写:" + "、".join(self.values[:20]) + more + "。"

    def number_issue(self, v: Decimal, what: str = "", unit: str = "") -> Issue | None:
        if self.lo_num is not None and v < self.lo_num:
            return _issue("range.min", f"{what}不能小于 {self.lo_text}{unit}{self.lo_note}。")
        if self.hi_num is not None and v > self.hi_num:
            return _issue("range.max", f"{what}不能大于 {self.hi_text}{unit}{self.hi_note}。")
        return None

    # ---- one method per field type: raw cell text -> _Cell

    def text(self, raw: str) -> _Cell:
        s = _strip(raw)
        return _ok(raw, s, s) if s else _blank(raw)

    def record_id(self, raw: str) -> _Cell:
        s = _safe_form(raw)
        if not s:
            return _blank(raw)
        if _RECORD_ID.fullmatch(s):
            return _ok(raw, s, s)
        return _Cell(s, s, _issue("id.record_format", "编号应为字母前缀加数字(如 C0012)。"
                                  "编号由工具自动分配,请不要手工修改。", "warning"))

    def name_zh(self, raw: str) -> _Cell:
        s = _NAME_DOTS.sub("·", _INNER_WS.sub("", raw))
        if not s:
            return _blank(raw)
        if not _NAME.fullmatch(s):
            return _bad(raw, "name.invalid", _NAME_BAD)
        if len(s) == 1:
            return _bad(raw, "name.invalid", "姓名只有一个字:请填写完整的中文姓名。")
        if len(s) > 20:
            return _bad(raw, "name.invalid", "姓名超过 20 个字:请只写姓名,不要写备注。")
        return _ok(raw, s, s, _strip(raw))

    def cn_id(self, raw: str) -> _Cell:
        s = _INNER_WS.sub("", to_halfwidth(raw)).upper()
        if not s:
            return _blank(raw)
        if _ID_AS_NUMBER.fullmatch(s) or (
                _ID_ZERO_TAIL.fullmatch(s) and (len(s) != 18 or id_problem(s, self.today))):
            return _bad(raw, "id.stored_as_number", MSG_ID_NUMBER)
        if _ID15.fullmatch(s):
            full = upgrade_15(s)
            code = id_problem(full, self.today)
            if code is not None:
                return _bad(raw, code, _ID_MSG[code])
            return _Cell(s, full, _issue(
                "id.old15", f"这是 15 位的旧身份证号,请改填 18 位号码:{full}。", "warning"))
        if not _ID18.fullmatch(s):
            if len(s) == 18:
                return _bad(raw, "id.format",
                            "身份证号应为 18 位数字(最后一位可为 X),这里含有其他字符。" + _AGAIN)
            return _bad(raw, "id.format",
                        f"身份证号应为 18 位(最后一位可为 X),这里是 {len(s)} 位。" + _AGAIN)
        code = id_problem(s, self.today)
        return _bad(raw, code, _ID_MSG[code]) if code else _ok(raw, s, s, s)

    def cn_phone(self, raw: str) -> _Cell:
        return self._phone(raw, mobile_only=False)

    def cn_mobile(self, raw: str) -> _Cell:
        return self._phone(raw, mobile_only=True)

    def _phone(self, raw: str, mobile_only: bool) -> _Cell:
        s = _safe_form(raw)
        if not s:
            return _blank(raw)
        ext = ""
        m = _PHONE_EXT.fullmatch(s) or _PHONE_EXT_DASH.fullmatch(s)
        if m:
            s, ext = m.group(1), m.group(2)
        digits = _PHONE_SEPARATORS.sub("", s)
        intl = _PHONE_INTL.match(digits)
        if intl and _MOBILE.fullmatch(digits, intl.end()):
            digits = digits[intl.end():]
        elif intl and digits.startswith("+"):  # +86 312 5551234: a landline from abroad
            rest = digits[intl.end():]
            digits = rest if rest.startswith("0") else "0" + rest
        if not ext and _MOBILE.fullmatch(digits):
            return _Cell(digits, digits, None, digits != raw)
        bad = MSG_MOBILE if mobile_only else MSG_PHONE
        if not _ASCII_DIGITS.fullmatch(digits):
            return _bad(raw, "phone.invalid", bad)
        if digits[0] not in "01" and 7 <= len(digits) <= 8:
            return _bad(raw, "phone.no_area_code",
                        "座机号码缺少区号:请写成“区号-号码”,如 0312-5551234。")
        landline = _landline(digits) if digits[0] == "0" else None
        if landline is None:
            return _bad(raw, "phone.invalid", bad)
        if mobile_only:
            return _bad(raw, "phone.not_mobile", "这是座机号码:这里需要填写 11 位手机号。")
        text = landline + (f"转{ext}" if ext else "")
        return _Cell(text, text, None, text != raw)

    def email(self, raw: str) -> _Cell:
        s = _safe_form(raw)
        if not s:
            return _blank(raw)
        if s.isascii() and _EMAIL.fullmatch(s):
            return _ok(raw, s, s)
        return _bad(raw, "email.invalid", "不是有效的邮箱地址:请写成 name@example.com 这样的格式。")

    def date(self, raw: str) -> _Cell:
        s = _safe_form(raw)
        if not s:
            return _blank(raw)
        d, code, message = _date_detail(s)
        if d is None:
            return _bad(raw, code or "date.invalid", message)
        if self.lo_date and d < self.lo_date:
            return _bad(raw, "date.min", f"日期不能早于 {self.lo_text}{self.lo_note}。请核对。")
        if self.hi_date and d > self.hi_date:
            return _bad(raw, "date.max", f"日期不能晚于 {self.hi_text}{self.hi_note}。请核对。")
        text = d.isoformat()
        return _Cell(text, text, None, text != raw)

    def integer(self, raw: str) -> _Cell:
        s = _INNER_WS.sub("", _safe_form(raw))
        if not s:
            return _blank(raw)
        n: int | None = None
        m = _INTEGER.fullmatch(s)
        if m:
            n = int(m.group(2).replace(",", "")) * (-1 if m.group(1) == "-" else 1)
        else:
            c = _CN_INTEGER.fullmatch(s)
            n = _cn_int(c.group(1)) if c else None
        if n is None or abs(n) >= 2**63:
            return _bad(raw, "integer.invalid", "不是整数:请填写整数,如 12。")
        issue = self.number_issue(Decimal(n))
        return _Cell(_strip(raw), None, issue) if issue else _ok(raw, str(n), n)

    def decimal(self, raw: str) -> _Cell:
        s = _INNER_WS.sub("", _safe_form(raw))
        if not s:
            return _blank(raw)
        m = _DECIMAL.fullmatch(s)
        if not m:
            return _bad(raw, "decimal.invalid", "不是有效的数字:请填写数字,如 3.5。")
        v = Decimal(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""))
        issue = self.number_issue(v)
        return _Cell(_strip(raw), None, issue) if issue else _ok(raw, str(v), v)

    def money(self, raw: str) -> _Cell:
        s = _strip(raw)
        if not s:
            return _blank(raw)
        v, code = _money_detail(s)
        if v is None:
            if code == "money.precision":
                return _bad(raw, code, "金额最多保留两位小数(到分),如 1200.50。")
            return _bad(raw, "money.invalid",
                        "不是有效的金额:请填写数字,如 1200.50 或 1,200.50元。")
        if v < 0 and self.lo_num is None:
            return _bad(raw, "money.negative", "金额不能为负数。")
        issue = self.number_issue(v, "金额", " 元")
        return _Cell(s, None, issue) if issue else _ok(raw, str(v), v)

    def choice(self, raw: str) -> _Cell:
        s = _strip(raw)
        if not s:
            return _blank(raw)
        v = self.choice_of(s)
        return _ok(raw, v, v) if v else _bad(raw, "choice.unknown", self.allowed())

    bool_zh = choice

    def multi_choice(self, raw: str) -> _Cell:
        s = _strip(raw)
        if not s:
            return _blank(raw)
        found = {p: self.choice_of(p) for p in _MULTI_SPLIT.split(s) if p}
        unknown = [p for p, v in found.items() if v is None]
        if unknown:
            bad = "、".join(f"“{p}”" for p in unknown)
            return _bad(raw, "choice.unknown",
                        f"{bad}不是可选项。{self.allowed()[:-1]},多项之间用“、”分隔。")
        chosen = tuple(v for v in self.values if v in found.values())
        return _ok(raw, "、".join(chosen), chosen)

    def grade(self, raw: str) -> _Cell:
        s = _INNER_WS.sub("", _safe_form(raw))
        if not s:
            return _blank(raw)
        core = _GRADE_SUFFIX.sub("", s.removeprefix("小学"))
        n = _number(core) if len(core) <= 2 else None
        lo = int(self.lo_num) if self.lo_num is not None else 1
        hi = int(self.hi_num) if self.hi_num is not None else 6
        if n is None or not lo <= n <= hi:
            return _bad(raw, "grade.invalid", f"年级应为 {lo}–{hi} 的数字,如 3 或“三年级”。")
        return _ok(raw, str(n), n)


def _as_date(b: Any) -> dt.date | None:
    if b is None or isinstance(b, dt.date):
        return b
    return dt.date.fromisoformat(str(b))


# --------------------------------------------------------------------------- the column engine

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
