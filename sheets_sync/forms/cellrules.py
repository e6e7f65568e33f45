"""Per-value rules: one cell's text -> canonical text, typed value, issue.

:class:`_Rules` holds one method per field type (bounds and choices resolved once);
:mod:`.columns` calls them only for the cells its fast checks cannot settle.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import phonenumbers

from ..config import Program
from ..errors import ConfigError
from ..privacy import mask
from .ids import id_problem, upgrade_15
from .parsers import (
    _CN_CHARS,
    _INNER_WS,
    _cn_int,
    _date_detail,
    _money_detail,
    _number,
    _safe_form,
    _strip,
    to_halfwidth,
)
from .template import Field


@dataclass(frozen=True)
class Issue:
    """One problem with one cell: rule code, severity and a Chinese message naming the fix."""

    code: str
    severity: str
    message: str


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
    "id.area": "身份证号前 6 位不是存在的地区代码(出生时的行政区划代码),可能有数字写错。"
               + _AGAIN,
}
_NAME_BAD = "姓名只能写汉字(少数民族姓名可用间隔号“·”):请只写中文姓名,不要写拼音、数字或备注。"
_PERIOD_KEYS = frozenset({"start_date", "end_date"})
_PROGRAM_LABELS = {"start_date": "项目开始日期", "end_date": "项目结束日期",
                   "invoice_threshold": "发票金额门槛", "volunteer_min_age": "志愿者最低年龄"}
_BOOL = {"是": ("是的", "有", "对", "y", "yes", "√", "✓", "✔", "1", "true"),
         "否": ("不是", "无", "没有", "不", "n", "no", "×", "✗", "✘", "0", "false")}

_OTHER = ("其他", "其它")

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
        self.bound_severity = "error"
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
        """A bound and its note; ``None`` (no bound) for a program value not configured.

        A period read from the book (``program.period_from``) is a guess: dates outside it
        are warnings, and the note says where the period came from.
        """
        if isinstance(raw, str) and raw.startswith("$program."):
            key = raw.removeprefix("$program.")
            value = self._lookup(raw)
            label = _PROGRAM_LABELS.get(key, key)
            if value is not None and key in _PERIOD_KEYS and self.program.period_from:
                self.bound_severity = "warning"
                return value, f"({label},按{self.program.period_from}推定)"
            return value, f"({label})"
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

    def not_listed(self, unknown: Sequence[str]) -> str:
        """``“舞蹈”不在可选项中。可选:……,多项之间用“、”分隔;其他情况请选“其他”。``"""
        bad = "、".join(f"“{p}”" for p in unknown)
        more = f" 等 {len(self.values)} 项" if len(self.values) > 20 else ""
        text = (f"{bad}不在可选项中。可选:" + "、".join(self.values[:20]) + more
                + ",多项之间用“、”分隔")
        other = next((v for v in self.values if v in _OTHER), None)
        if other:
            text += f";其他情况请选“{other}”"
        return text + "。"

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
            # The 18-digit number is said as a recipe (and masked), never in full: the
            # message reaches 校验问题, the terminal and the audit, where IDs are masked.
            return _Cell(s, full, _issue(
                "id.old15", "这是 15 位的旧身份证号,请改填 18 位号码:在第 6 位数字后插入“19”,"
                f"末尾加上校验位“{full[-1]}”(即 {mask(full, 'cn_id')})。", "warning"))
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
            return self._out_of_bounds(raw, d, "date.min", f"早于 {self.lo_text}{self.lo_note}",
                                       "start_date")
        if self.hi_date and d > self.hi_date:
            return self._out_of_bounds(raw, d, "date.max", f"晚于 {self.hi_text}{self.hi_note}",
                                       "end_date")
        text = d.isoformat()
        return _Cell(text, text, None, text != raw)

    def _out_of_bounds(self, raw: str, d: dt.date, code: str, what: str, key: str) -> _Cell:
        """A date outside its bounds: an error, or a warning when the period is a guess."""
        if self.bound_severity == "warning":  # the date stays a date
            text = d.isoformat()
            return _Cell(text, text, _issue(
                code, f"日期{what}:请核对;若确属项目期间,请在 sheets-sync.toml 的 [program] "
                f"中写明 {key} = \"YYYY-MM-DD\"({_PROGRAM_LABELS[key]})。", "warning"),
                text != raw)
        return _bad(raw, code, f"日期不能{what}。请核对。")

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
            return _bad(raw, "choice.unknown", self.not_listed(unknown))
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
