"""normalize_column: every accepted spelling, every rule code, safe fixes, no false alarms.

Cells go in as the user sees them; what comes out is the canonical text, the typed value,
at most one issue per cell and whether the change is a safe fix. All IDs are synthetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.config import Program
from sheets_sync.errors import ConfigError
from sheets_sync.forms.cellrules import _Rules
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.normalize import (
    MSG_ID_NUMBER,
    MSG_PHONE,
    ColumnResult,
    Issue,
    normalize_column,
    parse_date,
    parse_money,
    to_halfwidth,
)
from sheets_sync.forms.template import Choice, Field
from tests.regions import region_and_birth

# a configured program (the defaults without [program] are in test_program_defaults.py)
PROGRAM = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31),
                  invoice_threshold=Decimal("100"), volunteer_min_age=18)
ID = make_id("130607", dt.date(2015, 3, 8), 12, "男")
ID_X = next(i for i in (make_id("130607", dt.date(2015, 3, 8), s, "男") for s in range(500))
            if i.endswith("X"))
WRONG_CHECK = ID[:17] + ("1" if ID[17] != "1" else "2")

F = {
    "text": Field("note", "备注"),
    "name_zh": Field("name", "姓名", type="name_zh"),
    "cn_id": Field("id_number", "身份证号", type="cn_id"),
    "cn_phone": Field("phone", "监护人电话", type="cn_phone"),
    "cn_mobile": Field("mobile", "手机号", type="cn_mobile"),
    "email": Field("email", "邮箱", type="email"),
    "date": Field("birth_date", "出生日期", type="date", min="2005-01-01",
                  max="$program.start_date"),
    "integer": Field("months", "父母外出时长(月)", type="integer", min=0, max=240),
    "decimal": Field("score", "得分", type="decimal", min=0, max=100),
    "money": Field("amount", "金额", type="money"),
    "choice": Field("sex", "性别", type="choice", choices=(
        Choice("男", ("男生", "M", "m")), Choice("女", ("女生", "F", "f")))),
    "county": Field("county", "县", type="choice", choices_from="$program.counties"),
    "multi_choice": Field("skills", "特长", type="multi_choice", choices=(
        Choice("语文"), Choice("数学"), Choice("英语"), Choice("音乐"))),
    "grade": Field("grade", "年级", type="grade", min=1, max=6),
    "bool_zh": Field("poor", "是否贫困", type="bool_zh"),
    "record_id": Field("id", "编号", type="record_id"),
}


def run(kind: str, cells: list[str]) -> ColumnResult:
    return normalize_column(pd.Series(cells, dtype=object), F[kind], PROGRAM)


def one(kind: str, cell: str) -> tuple[str, Any, Issue | None, bool]:
    """Text, value, issue and safe_fix of a single cell, normalised amid ordinary ones."""
    r = run(kind, ["", cell, ""])
    value: Any = r.value.iat[1]
    return str(r.text.iat[1]), None if pd.isna(value) else value, r.issues.get(1), bool(
        r.safe_fix.iat[1])


# --------------------------------------------------------------------------- accepted

ACCEPTED = [
    # text
    pytest.param("text", "随便写", "随便写", "随便写", id="text-plain"),
    pytest.param("text", "  前后空格\u3000", "前后空格", "前后空格", id="text-stripped"),
    pytest.param("text", "\xa0不换行空格\xa0", "不换行空格", "不换行空格", id="text-nbsp"),
    # name_zh
    pytest.param("name_zh", "张三", "张三", "张三", id="name-plain"),
    pytest.param("name_zh", "欧阳修远", "欧阳修远", "欧阳修远", id="name-four-chars"),
    pytest.param("name_zh", "张 三", "张三", "张三", id="name-inner-space"),
    pytest.param("name_zh", "阿依古丽·买买提", "阿依古丽·买买提", "阿依古丽·买买提",
                 id="name-middle-dot"),
    pytest.param("name_zh", "阿依古丽•买买提", "阿依古丽·买买提", "阿依古丽·买买提",
                 id="name-bullet-as-dot"),
    pytest.param("name_zh", "阿依古丽.买买提", "阿依古丽·买买提", "阿依古丽·买买提",
                 id="name-period-as-dot"),
    pytest.param("name_zh", "阿依古丽・买买提", "阿依古丽·买买提", "阿依古丽·买买提",
                 id="name-katakana-dot"),
    pytest.param("name_zh", "\u3400\u4e00", "\u3400\u4e00", "\u3400\u4e00",
                 id="name-cjk-extension-a"),
    # cn_id
    pytest.param("cn_id", ID, ID, ID, id="id-valid"),
    pytest.param("cn_id", ID_X, ID_X, ID_X, id="id-valid-x"),
    pytest.param("cn_id", ID_X.lower(), ID_X, ID_X, id="id-lower-x"),
    pytest.param("cn_id", to_halfwidth(ID).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
                 ID, ID, id="id-full-width-digits"),
    pytest.param("cn_id", f" {ID[:6]} {ID[6:14]} {ID[14:]} ", ID, ID, id="id-spaces"),
    # cn_phone
    pytest.param("cn_phone", "13812345678", "13812345678", "13812345678", id="phone-mobile"),
    pytest.param("cn_phone", "138-1234-5678", "13812345678", "13812345678", id="phone-dashes"),
    pytest.param("cn_phone", "138 1234 5678", "13812345678", "13812345678", id="phone-spaces"),
    pytest.param("cn_phone", "+86 138 1234 5678", "13812345678", "13812345678",
                 id="phone-plus86-spaces"),
    pytest.param("cn_phone", "008613812345678", "13812345678", "13812345678",
                 id="phone-0086"),
    pytest.param("cn_phone", "8613812345678", "13812345678", "13812345678", id="phone-86"),
    pytest.param("cn_phone", "１３８１２３４５６７８", "13812345678", "13812345678",
                 id="phone-full-width"),
    pytest.param("cn_phone", "138.1234.5678", "13812345678", "13812345678", id="phone-dots"),
    pytest.param("cn_phone", "0312-5551234", "0312-5551234", "0312-5551234",
                 id="phone-landline"),
    pytest.param("cn_phone", "03125551234", "0312-5551234", "0312-5551234",
                 id="phone-landline-no-dash"),
    pytest.param("cn_phone", "(0312)5551234", "0312-5551234", "0312-5551234",
                 id="phone-landline-parentheses"),
    pytest.param("cn_phone", "010-12345678", "010-12345678", "010-12345678",
                 id="phone-landline-beijing"),
    pytest.param("cn_phone", "+86 312 5551234", "0312-5551234", "0312-5551234",
                 id="phone-landline-plus86"),
    pytest.param("cn_phone", "+86 0312 5551234", "0312-5551234", "0312-5551234",
                 id="phone-landline-plus86-zero"),
    pytest.param("cn_phone", "0312-5551234转12", "0312-5551234转12", "0312-5551234转12",
                 id="phone-landline-extension"),
    pytest.param("cn_mobile", "+86 13812345678", "13812345678", "13812345678",
                 id="mobile-plus86"),
    # email
    pytest.param("email", "li.si@example.com", "li.si@example.com", "li.si@example.com",
                 id="email-plain"),
    pytest.param("email", "ｌｉ@example.cn", "li@example.cn", "li@example.cn",
                 id="email-full-width"),
    # date
    pytest.param("date", "2013-05-06", "2013-05-06", "2013-05-06", id="date-iso"),
    pytest.param("date", "2013-5-6", "2013-05-06", "2013-05-06", id="date-short-parts"),
    pytest.param("date", "2013.5.6", "2013-05-06", "2013-05-06", id="date-dots"),
    pytest.param("date", "2013/05/06", "2013-05-06", "2013-05-06", id="date-slashes"),
    pytest.param("date", "2013年5月6日", "2013-05-06", "2013-05-06", id="date-chinese"),
    pytest.param("date", "2013 年 5 月 6 日", "2013-05-06", "2013-05-06",
                 id="date-chinese-spaces"),
    pytest.param("date", "20130506", "2013-05-06", "2013-05-06", id="date-compact"),
    pytest.param("date", "2013-05-06 00:00:00", "2013-05-06", "2013-05-06",
                 id="date-with-midnight"),
    pytest.param("date", "2013-05-06T00:00:00", "2013-05-06", "2013-05-06",
                 id="date-iso-datetime"),
    pytest.param("date", "２０１３-０５-０６", "2013-05-06", "2013-05-06", id="date-full-width"),
    pytest.param("date", "41400", "2013-05-06", "2013-05-06", id="date-excel-serial"),
    pytest.param("date", "2012-02-29", "2012-02-29", "2012-02-29", id="date-leap-day"),
    # integer
    pytest.param("integer", "12", "12", 12, id="integer-plain"),
    pytest.param("integer", "12.0", "12", 12, id="integer-point-zero"),
    pytest.param("integer", "１２", "12", 12, id="integer-full-width"),
    pytest.param("integer", " 12 ", "12", 12, id="integer-spaces"),
    pytest.param("integer", "12个月", "12", 12, id="integer-unit"),
    pytest.param("integer", "三个月", "3", 3, id="integer-chinese-numeral"),
    pytest.param("integer", "0", "0", 0, id="integer-zero"),
    # decimal
    pytest.param("decimal", "87.5", "87.5", Decimal("87.5"), id="decimal-plain"),
    pytest.param("decimal", "８７.５", "87.5", Decimal("87.5"), id="decimal-full-width"),
    # money
    pytest.param("money", "1200.50", "1200.50", Decimal("1200.50"), id="money-canonical"),
    pytest.param("money", "1,200.50元", "1200.50", Decimal("1200.50"), id="money-commas-yuan"),
    pytest.param("money", "¥300", "300.00", Decimal("300.00"), id="money-yen-sign"),
    pytest.param("money", "￥300", "300.00", Decimal("300.00"), id="money-full-width-yen"),
    pytest.param("money", "300元", "300.00", Decimal("300.00"), id="money-yuan"),
    pytest.param("money", "300.00", "300.00", Decimal("300.00"), id="money-two-places"),
    pytest.param("money", "1200.5", "1200.50", Decimal("1200.50"), id="money-one-place"),
    pytest.param("money", "三百元", "300.00", Decimal("300.00"), id="money-chinese-numerals"),
    pytest.param("money", "一千二百元", "1200.00", Decimal("1200.00"), id="money-chinese-thousands"),
    pytest.param("money", "三百五十元五角", "350.50", Decimal("350.50"), id="money-chinese-jiao"),
    pytest.param("money", "两百元", "200.00", Decimal("200.00"), id="money-liang"),
    pytest.param("money", "三元零五分", "3.05", Decimal("3.05"), id="money-chinese-fen"),
    pytest.param("money", "３００", "300.00", Decimal("300.00"), id="money-full-width"),
    pytest.param("money", "0.50", "0.50", Decimal("0.50"), id="money-under-one-yuan"),
    # choice
    pytest.param("choice", "男", "男", "男", id="choice-value"),
    pytest.param("choice", "男生", "男", "男", id="choice-synonym"),
    pytest.param("choice", "Ｍ", "男", "男", id="choice-full-width-synonym"),
    pytest.param("choice", " 女 ", "女", "女", id="choice-spaces"),
    pytest.param("county", "满城县", "满城", "满城", id="choice-county-suffix"),
    pytest.param("county", "清苑区", "清苑", "清苑", id="choice-district-suffix"),
    # multi_choice
    pytest.param("multi_choice", "语文、数学", "语文、数学", ("语文", "数学"), id="multi-dunhao"),
    pytest.param("multi_choice", "数学,语文", "语文、数学", ("语文", "数学"),
                 id="multi-comma-in-choice-order"),
    pytest.param("multi_choice", "音乐；英语 数学", "数学、英语、音乐", ("数学", "英语", "音乐"),
                 id="multi-mixed-separators"),
    pytest.param("multi_choice", "数学/数学", "数学", ("数学",), id="multi-duplicate"),
    # grade
    pytest.param("grade", "3", "3", 3, id="grade-digit"),
    pytest.param("grade", "三", "3", 3, id="grade-chinese-digit"),
    pytest.param("grade", "3年级", "3", 3, id="grade-digit-suffix"),
    pytest.param("grade", "三年级", "3", 3, id="grade-chinese-suffix"),
    pytest.param("grade", "３", "3", 3, id="grade-full-width"),
    pytest.param("grade", "小学五年级", "5", 5, id="grade-primary-prefix"),
    # bool_zh
    *[pytest.param("bool_zh", cell, "是", "是", id=f"bool-yes-{cell}")
      for cell in ("是", "是的", "有", "Y", "y", "yes", "√", "✓", "1", "TRUE")],
    *[pytest.param("bool_zh", cell, "否", "否", id=f"bool-no-{cell}")
      for cell in ("否", "不是", "无", "没有", "N", "n", "no", "×", "0", "FALSE")],
    # record_id
    pytest.param("record_id", "C000123", "C000123", "C000123", id="record-id-one-letter"),
    pytest.param("record_id", "ABC12", "ABC12", "ABC12", id="record-id-three-letters"),
]


@pytest.mark.parametrize(("kind", "cell", "text", "value"), ACCEPTED)
def test_accepted(kind: str, cell: str, text: str, value: Any) -> None:
    got_text, got_value, issue, _ = one(kind, cell)
    assert issue is None
    assert got_text == text
    assert got_value == value
    assert type(got_value) is type(value) or isinstance(value, int)


# --------------------------------------------------------------------------- rejected

REJECTED = [
    pytest.param("name_zh", "zhang san", "name.invalid", id="name-pinyin"),
    pytest.param("name_zh", "张三3", "name.invalid", id="name-digit"),
    pytest.param("name_zh", "张", "name.invalid", id="name-single-character"),
    pytest.param("name_zh", "张三(奶奶)", "name.invalid", id="name-with-note"),
    pytest.param("name_zh", "张" * 21, "name.invalid", id="name-too-long"),
    pytest.param("cn_id", WRONG_CHECK, "id.checksum", id="id-checksum-wrong"),
    pytest.param("cn_id", ID[:17], "id.format", id="id-17-digits"),
    pytest.param("cn_id", ID[:16] + "AB", "id.format", id="id-letters"),
    pytest.param("cn_id", "99" + ID[2:], "id.region", id="id-region-unknown"),
    pytest.param("cn_id", ID[:10] + "13" + ID[12:], "id.birth_date", id="id-birth-month-13"),
    pytest.param("cn_id", make_id("130607", dt.date(2999, 1, 1), 3, "女"), "id.birth_date",
                 id="id-birth-in-future"),
    pytest.param("cn_id", "110105700101123", "id.old15", id="id-old-15"),
    pytest.param("cn_id", "110105701301123", "id.birth_date", id="id-old-15-bad-date"),
    pytest.param("cn_id", "1.30602E+17", "id.stored_as_number", id="id-scientific"),
    pytest.param("cn_id", "1.30602199001011E+17", "id.stored_as_number",
                 id="id-scientific-long"),
    pytest.param("cn_id", "130602199001011000", "id.stored_as_number", id="id-zero-tail-18"),
    pytest.param("cn_id", "1306021990010100", "id.stored_as_number", id="id-zero-tail-16"),
    pytest.param("cn_phone", "138-1234-567", "phone.invalid", id="phone-ten-digits"),
    pytest.param("cn_phone", "12812345678", "phone.invalid", id="phone-second-digit"),
    pytest.param("cn_phone", "打电话给奶奶", "phone.invalid", id="phone-words"),
    pytest.param("cn_phone", "0312-55512345", "phone.invalid", id="phone-landline-too-long"),
    pytest.param("cn_phone", "7654321", "phone.no_area_code", id="phone-no-area-code"),
    pytest.param("cn_phone", "87654321", "phone.no_area_code", id="phone-8-digits-no-area"),
    pytest.param("cn_mobile", "0312-5551234", "phone.not_mobile", id="mobile-landline"),
    pytest.param("cn_mobile", "138-1234-567", "phone.invalid", id="mobile-ten-digits"),
    pytest.param("email", "li.si@example", "email.invalid", id="email-no-dot"),
    pytest.param("email", "li si@example.com", "email.invalid", id="email-space"),
    pytest.param("date", "2013-02-30", "date.impossible", id="date-impossible-feb-30"),
    pytest.param("date", "2013-13-01", "date.impossible", id="date-impossible-month-13"),
    pytest.param("date", "2013-02-29", "date.impossible", id="date-not-a-leap-year"),
    pytest.param("date", "abc", "date.invalid", id="date-words"),
    pytest.param("date", "06/05/2013", "date.invalid", id="date-day-first"),
    pytest.param("date", "2013年5月", "date.incomplete", id="date-incomplete-year-month"),
    pytest.param("date", "2014-07", "date.incomplete", id="date-incomplete-dash"),
    pytest.param("date", "2004-12-31", "date.min", id="date-before-min"),
    pytest.param("date", "2026-07-02", "date.max", id="date-after-program-start"),
    pytest.param("integer", "12.5", "integer.invalid", id="integer-fraction"),
    pytest.param("integer", "很久", "integer.invalid", id="integer-words"),
    pytest.param("integer", "-1", "range.min", id="integer-below-min"),
    pytest.param("integer", "241", "range.max", id="integer-above-max"),
    pytest.param("decimal", "八十", "decimal.invalid", id="decimal-words"),
    pytest.param("decimal", "100.5", "range.max", id="decimal-above-max"),
    pytest.param("money", "abc", "money.invalid", id="money-words"),
    pytest.param("money", "1.234", "money.precision", id="money-three-decimals"),
    pytest.param("money", "1,20,0", "money.invalid", id="money-bad-grouping"),
    pytest.param("money", "¥", "money.invalid", id="money-sign-only"),
    pytest.param("money", "-300", "money.negative", id="money-negative"),
    pytest.param("choice", "未知", "choice.unknown", id="choice-unknown"),
    pytest.param("county", "保定", "choice.unknown", id="choice-county-unknown"),
    pytest.param("multi_choice", "语文、钢琴", "choice.unknown", id="multi-unknown-part"),
    pytest.param("grade", "初三", "grade.invalid", id="grade-middle-school"),
    pytest.param("grade", "7", "grade.invalid", id="grade-above-max"),
    pytest.param("grade", "0", "grade.invalid", id="grade-below-min"),
    pytest.param("grade", "三班", "grade.invalid", id="grade-class-not-grade"),
    pytest.param("bool_zh", "不知道", "choice.unknown", id="bool-unknown"),
    pytest.param("record_id", "c12", "id.record_format", id="record-id-lower-case"),
    pytest.param("record_id", "ABCD1", "id.record_format", id="record-id-four-letters"),
    pytest.param("record_id", "12C", "id.record_format", id="record-id-digits-first"),
]


@pytest.mark.parametrize(("kind", "cell", "code"), REJECTED)
def test_rejected(kind: str, cell: str, code: str) -> None:
    text, value, issue, safe = one(kind, cell)
    assert issue is not None
    assert issue.code == code
    assert not safe
    assert cell not in issue.message  # the message never repeats the value
    if issue.severity == "error":
        assert value is None
        assert text == cell.strip()


# --------------------------------------------------------------------------- messages

MESSAGES = [
    pytest.param("cn_phone", "138-1234-567", MSG_PHONE, id="msg-phone"),
    pytest.param("cn_phone", "138-1234-567",
                 "不是有效的手机号:手机号应为 11 位数字,以 1 开头;座机请写成“区号-号码”。",
                 id="msg-phone-exact"),
    pytest.param("cn_mobile", "1381234567", "不是有效的手机号:手机号应为 11 位数字,以 1 开头。",
                 id="msg-mobile"),
    pytest.param("date", "2013-02-30", "日期不存在:2013 年 2 月没有 30 日。请核对。",
                 id="msg-date-impossible"),
    pytest.param("date", "2026-07-02", "日期不能晚于 2026-07-01(项目开始日期)。请核对。",
                 id="msg-date-after-program-start"),
    pytest.param("date", "2004-12-31", "日期不能早于 2005-01-01。请核对。", id="msg-date-min"),
    pytest.param("date", "abc", "无法识别的日期:请写成 2013-05-06 这样的格式。",
                 id="msg-date-invalid"),
    pytest.param("choice", "未知", "只能填写:男、女。", id="msg-choice"),
    pytest.param("bool_zh", "不知道", "只能填写:是、否。", id="msg-bool"),
    pytest.param("multi_choice", "语文、钢琴",
                 "“钢琴”不在可选项中。可选:语文、数学、英语、音乐,多项之间用“、”分隔。",
                 id="msg-multi-names-the-bad-part"),
    pytest.param("grade", "初三", "年级应为 1–6 的数字,如 3 或“三年级”。", id="msg-grade"),
    pytest.param("integer", "241", "不能大于 240。", id="msg-integer-max"),
    pytest.param("money", "1.234", "金额最多保留两位小数(到分),如 1200.50。",
                 id="msg-money-precision"),
    pytest.param("cn_id", WRONG_CHECK,
                 "身份证号校验位不对,可能有数字写错或顺序颠倒。请核对证件重新输入。",
                 id="msg-id-checksum"),
    pytest.param("cn_id", ID[:17], "身份证号应为 18 位(最后一位可为 X),这里是 17 位。"
                 "请核对证件重新输入。", id="msg-id-format"),
    pytest.param("cn_id", "1.30602E+17", MSG_ID_NUMBER, id="msg-id-stored-as-number"),
    pytest.param("cn_id", "110105700101123",
                 "这是 15 位的旧身份证号,请改填 18 位号码:在第 6 位数字后插入“19”,末尾加上校验位"
                 f"“{make_id('110105', dt.date(1970, 1, 1), 61, '男')[-1]}”(即 110105********123"
                 f"{make_id('110105', dt.date(1970, 1, 1), 61, '男')[-1]})。",
                 id="msg-id-old15-says-how-masked"),
    pytest.param("name_zh", "zhang san", "姓名只能写汉字(少数民族姓名可用间隔号“·”):"
                 "请只写中文姓名,不要写拼音、数字或备注。", id="msg-name"),
]


@pytest.mark.parametrize(("kind", "cell", "message"), MESSAGES)
def test_message_text(kind: str, cell: str, message: str) -> None:
    issue = one(kind, cell)[2]
    assert issue is not None
    assert issue.message == message


def test_stored_as_number_message_says_how_to_fix_the_column() -> None:
    assert "设置单元格格式→文本" in MSG_ID_NUMBER and "后几位已经丢失" in MSG_ID_NUMBER


def test_old_id_is_a_warning_with_the_18_digit_value() -> None:
    text, value, issue, _ = one("cn_id", "110105700101123")
    assert issue is not None and issue.severity == "warning"
    assert text == "110105700101123"
    assert value == make_id("110105", dt.date(1970, 1, 1), 61, "男")


# --------------------------------------------------------------------------- safe fixes

SAFE = [
    pytest.param("cn_id", ID_X.lower(), True, id="safe-id-lower-x"),
    pytest.param("cn_id", f" {ID} ", True, id="safe-id-spaces"),
    pytest.param("cn_phone", "+86 138 1234 5678", True, id="safe-phone-plus86"),
    pytest.param("cn_phone", "１３８１２３４５６７８", True, id="safe-phone-full-width"),
    pytest.param("cn_phone", "03125551234", True, id="safe-phone-landline-dash"),
    pytest.param("date", "2013年5月6日", True, id="safe-date-chinese"),
    pytest.param("date", "20130506", True, id="safe-date-compact"),
    pytest.param("integer", "１２", True, id="safe-integer-full-width"),
    pytest.param("grade", "３", True, id="safe-grade-full-width"),
    pytest.param("choice", " 男 ", True, id="safe-choice-spaces"),
    pytest.param("text", " 文字 ", True, id="safe-text-strip"),
    pytest.param("name_zh", " 李四 ", True, id="safe-name-strip"),
    pytest.param("cn_id", ID, False, id="not-changed-id"),
    pytest.param("date", "2013-05-06", False, id="not-changed-date"),
    pytest.param("choice", "男生", False, id="unsafe-choice-synonym"),
    pytest.param("bool_zh", "Y", False, id="unsafe-bool-synonym"),
    pytest.param("money", "1,200.50元", False, id="unsafe-money-format"),
    pytest.param("money", "1200.5", False, id="unsafe-money-places"),
    pytest.param("integer", "12个月", False, id="unsafe-integer-unit"),
    pytest.param("integer", "12.0", False, id="unsafe-integer-point-zero"),
    pytest.param("grade", "三年级", False, id="unsafe-grade-chinese"),
    pytest.param("name_zh", "张 三", False, id="unsafe-name-inner-space"),
    pytest.param("name_zh", "阿依古丽•买买提", False, id="unsafe-name-dot"),
    pytest.param("multi_choice", "数学,语文", False, id="unsafe-multi-reordered"),
    pytest.param("date", "2013-02-30", False, id="invalid-is-never-safe"),
    pytest.param("cn_id", "110105700101123", False, id="warning-is-never-safe"),
]


@pytest.mark.parametrize(("kind", "cell", "safe"), SAFE)
def test_safe_fix(kind: str, cell: str, safe: bool) -> None:
    assert one(kind, cell)[3] is safe


# --------------------------------------------------------------------------- the column

def test_blank_cells_have_no_issue_and_no_value() -> None:
    r = run("cn_id", ["", "   ", ID])
    assert r.issues == {}
    assert r.text.tolist() == ["", "", ID]
    assert r.value.tolist() == [None, None, ID]
    assert r.safe_fix.tolist() == [False, True, False]


def test_missing_cells_count_as_blank() -> None:
    for kind, cell in (("choice", "男"), ("name_zh", "张三")):
        cells = pd.Series([None, float("nan"), cell], dtype=object)
        r = normalize_column(cells, F[kind], PROGRAM)
        assert r.issues == {}
        assert r.text.tolist()[:2] == ["", ""]


def test_issue_keys_are_positions_and_series_keep_the_index() -> None:
    cells = pd.Series(["13812345678", "138-1234-567", "0312-5551234"], index=[10, 20, 30],
                      dtype=object)
    r = normalize_column(cells, F["cn_phone"], PROGRAM)
    assert list(r.issues) == [1]
    for s in (r.text, r.value, r.safe_fix):
        assert s.index.tolist() == [10, 20, 30]


def test_result_dtypes() -> None:
    assert run("integer", ["12", "", "x"]).value.dtype == "Int64"
    assert run("grade", ["3"]).value.dtype == "Int64"
    assert run("integer", []).value.dtype == "Int64"
    assert run("money", ["1"]).value.dtype == object
    assert run("text", ["a"]).text.dtype == object
    assert run("cn_id", [ID]).safe_fix.dtype == bool


def test_output_does_not_alias_the_input() -> None:
    cells = pd.Series(["张三", "李四"], dtype=object)
    r = normalize_column(cells, F["name_zh"], PROGRAM)
    r.text.iat[0] = "改了"
    assert cells.iat[0] == "张三"


def test_same_bad_value_gives_the_same_issue_on_every_row() -> None:
    r = run("choice", ["未知", "男", "未知"])
    assert set(r.issues) == {0, 2}
    assert r.issues[0] == r.issues[2]


def test_pattern_uses_pattern_help() -> None:
    field = Field("student_no", "学号", pattern=r"\d{10}", pattern_help="学号为 10 位数字")
    r = normalize_column(pd.Series(["2020123456", " 20201 ", ""], dtype=object), field, PROGRAM)
    assert list(r.issues) == [1]
    assert r.issues[1] == Issue("pattern.mismatch", "error", "格式不对:学号为 10 位数字。")
    assert r.text.tolist() == ["2020123456", "20201", ""]
    assert r.value.tolist() == ["2020123456", None, None]


def test_pattern_without_help_shows_the_pattern() -> None:
    field = Field("invoice", "发票号", pattern=r"[A-Z]\d+")
    r = normalize_column(pd.Series(["x1"], dtype=object), field, PROGRAM)
    assert r.issues[0].message == r"格式不对:应符合格式 [A-Z]\d+。"


def test_program_bound_for_money() -> None:
    field = Field("amount", "金额", type="money", min="0.01", max="$program.invoice_threshold")
    r = normalize_column(pd.Series(["0", "50", "100.01"], dtype=object), field, PROGRAM)
    assert r.issues[0].code == "range.min"
    assert r.issues[2] == Issue("range.max", "error", "金额不能大于 100 元(发票金额门槛)。")
    assert 1 not in r.issues


def test_unconfigured_program_data_is_a_config_error() -> None:
    field = Field("school", "学校", type="choice", choices_from="$program.schools")
    with pytest.raises(ConfigError, match=r"\$program.schools"):
        normalize_column(pd.Series(["一小"], dtype=object), field, PROGRAM)


ODD_BUT_FINE = [
    pytest.param("text", "=SUM(A1)", id="fine-text-formula-looking"),
    pytest.param("text", "0042", id="fine-text-leading-zeros"),
    pytest.param("name_zh", "买买提·艾力", id="fine-name-uyghur"),
    pytest.param("cn_id", make_id("110105", dt.date(1900, 1, 1), 0, "女"), id="fine-id-born-1900"),
    pytest.param("cn_phone", "19912345678", id="fine-phone-199"),
    pytest.param("cn_phone", "0311-86681234", id="fine-phone-8-digit-landline"),
    pytest.param("date", "2005-01-01", id="fine-date-on-min"),
    pytest.param("date", "2026-07-01", id="fine-date-on-max"),
    pytest.param("integer", "240", id="fine-integer-on-max"),
    pytest.param("money", "0.00", id="fine-money-zero"),
    pytest.param("money", "1,000,000元", id="fine-money-million"),
    pytest.param("grade", "6", id="fine-grade-6"),
    pytest.param("record_id", "C1", id="fine-record-id-short"),
]


@pytest.mark.parametrize(("kind", "cell"), ODD_BUT_FINE)
def test_no_false_alarm(kind: str, cell: str) -> None:
    assert one(kind, cell)[2] is None


# --------------------------------------------------------------------------- helpers

@pytest.mark.parametrize(("cell", "expected"), [
    pytest.param("１２３ＡＢ，", "123AB,", id="halfwidth-digits-letters-comma"),
    pytest.param("张\u3000三", "张 三", id="halfwidth-ideographic-space"),
    pytest.param("abc", "abc", id="halfwidth-ascii-unchanged"),
])
def test_to_halfwidth(cell: str, expected: str) -> None:
    assert to_halfwidth(cell) == expected


def test_parse_date_and_money() -> None:
    assert parse_date("2013年5月6日") == dt.date(2013, 5, 6)
    assert parse_date("41400") == dt.date(2013, 5, 6)
    assert parse_date("2013-02-30") is None
    assert parse_money("三百五十元五角") == Decimal("350.50")
    assert parse_money("1,200.50元") == Decimal("1200.50")
    assert parse_money("1.234") is None
    assert parse_money("") is None


# --------------------------------------------------------------------------- properties

FULL = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}
synthetic_ids = st.builds(lambda rb, seq, sex: make_id(rb[0], rb[1], seq, sex),
                          region_and_birth(dt.date(2024, 12, 31)),
                          st.integers(0, 499), st.sampled_from(["男", "女"]))


@given(st.lists(synthetic_ids, min_size=1, max_size=20))
def test_valid_synthetic_ids_round_trip(numbers: list[str]) -> None:
    r = run("cn_id", numbers)
    assert r.issues == {}
    assert r.text.tolist() == numbers
    assert r.value.tolist() == numbers
    assert not r.safe_fix.any()


@given(synthetic_ids)
def test_full_width_ids_normalise_as_a_safe_fix(number: str) -> None:
    text, value, issue, safe = one("cn_id", number.translate(FULL))
    assert (text, value, issue, safe) == (number, number, None, True)


POOL = {
    "cn_id": [ID, ID_X, ID_X.lower(), WRONG_CHECK, "99" + ID[2:], ID[:10] + "13" + ID[12:],
              "130602199001011000", " " + ID, ID[:17], "110105700101123", "", "1.30602E+17"],
    "cn_phone": ["13812345678", "138-1234-5678", "12812345678", "1381234567", "0312-5551234",
                 "", " 13812345678", "１３８１２３４５６７８", "5551234"],
    "name_zh": ["张三", "张", "张 三", "zhang", "阿依·买买提", "", " 李四", "\U00020000三"],
    "text": ["a", " a", "a ", "", "  ", "\u3000b", "中文"],
    "record_id": ["C1", "C0001", "AB12", "c1", "1C", "C", "", "C1A"],
    "date": ["2013-05-06", "2013-5-6", "2013-02-30", "2004-01-01", "", "abc", "2013-05-6"],
    "integer": ["12", "012", "12.0", "-1", "241", "", "x", "240"],
    "money": ["1200.50", "0.50", "00.50", "1200.5", "-1.00", "1.234", "", "0.00"],
}


@pytest.mark.parametrize("kind", list(POOL))
@given(data=st.data())
def test_fast_path_agrees_with_the_per_value_rule(kind: str, data: st.DataObject) -> None:
    cells = data.draw(st.lists(st.sampled_from(POOL[kind]), min_size=1, max_size=12))
    r = run(kind, cells)
    rule = getattr(_Rules(F[kind], PROGRAM), kind)
    for i, cell in enumerate(cells):
        expected = rule(cell)
        value: Any = r.value.iat[i]
        assert r.text.iat[i] == expected.text, cell
        assert (None if pd.isna(value) else value) == expected.value, cell
        assert r.issues.get(i) == expected.issue, cell
        assert bool(r.safe_fix.iat[i]) == expected.safe, cell
