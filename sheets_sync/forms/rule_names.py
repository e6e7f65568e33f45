"""The Chinese name of every rule code, as the 校验问题 tab shows it beside the code.

Codes stay ASCII (``id.checksum``): they are stable, searchable and what ``--json`` and
scripts use. Staff read the name (``身份证校验码``). Every code a check in
:mod:`sheets_sync.forms` can report is listed here (``tests/test_findings.py`` greps the
checks for codes and fails on one without a name); a code from elsewhere gets the name of
its family (``id.*`` → 身份证号), or itself.
"""

from __future__ import annotations

RULE_NAMES: dict[str, str] = {
    # presence and uniqueness
    "required": "必填",
    "required_if": "条件必填",
    "required_one_of": "至少填一项",
    "unique.duplicate": "重复的值",
    "unique_where": "不能同时有两条",
    "ref.missing": "找不到引用的记录",
    # resident ID
    "id.format": "身份证号格式",
    "id.checksum": "身份证校验码",
    "id.region": "身份证省份代码",
    "id.area": "身份证地区码",
    "id.birth_date": "身份证出生日期",
    "id.old15": "15 位旧身份证号",
    "id.stored_as_number": "身份证号存成了数字",
    "id.birth_mismatch": "身份证与出生日期不符",
    "id.sex_mismatch": "身份证与性别不符",
    "id.record_format": "编号格式",
    # phone, e-mail, name
    "phone.invalid": "电话号码格式",
    "phone.no_area_code": "座机缺区号",
    "phone.not_mobile": "不是手机号",
    "email.invalid": "邮箱格式",
    "name.invalid": "姓名格式",
    # dates and ages
    "date.invalid": "日期格式",
    "date.impossible": "日期不存在",
    "date.incomplete": "日期不完整",
    "date.min": "日期太早",
    "date.max": "日期太晚",
    "age.min": "年龄太小",
    "age.max": "年龄太大",
    "grade.invalid": "年级",
    "grade.age": "年龄与年级不符",
    # numbers and money
    "integer.invalid": "整数格式",
    "decimal.invalid": "数字格式",
    "money.invalid": "金额格式",
    "money.precision": "金额小数位",
    "money.negative": "金额为负数",
    "range.min": "小于下限",
    "range.max": "大于上限",
    # choices, patterns, cross-field
    "choice.unknown": "不是可选的值",
    "pattern.mismatch": "格式不符",
    "equals": "必须为规定的值",
    "compare": "前后矛盾",
    "overlap": "时间重叠",
    "count.min": "人数偏少",
    "count.max": "人数偏多",
    "via.mismatch": "不在本大队的县",
    "cover.gap": "进驻日期不在保险期内",
    # columns
    "column.missing": "缺少列",
    "column.unknown": "不认识的列",
    "column.duplicate": "重复的列",
}

FAMILY_NAMES: dict[str, str] = {
    "id": "身份证号", "phone": "电话号码", "email": "邮箱", "name": "姓名", "date": "日期",
    "age": "年龄", "grade": "年级", "integer": "整数", "decimal": "数字", "money": "金额",
    "range": "数值范围", "choice": "可选值", "pattern": "格式", "column": "列",
    "unique": "重复", "ref": "引用", "count": "人数", "via": "关联记录",
    "cover": "日期覆盖",
}


def rule_name(code: str) -> str:
    """``id.checksum`` -> ``身份证校验码``; an unknown code -> its family's name, or itself."""
    return RULE_NAMES.get(code) or FAMILY_NAMES.get(code.split(".", 1)[0], code)


__all__ = ["FAMILY_NAMES", "RULE_NAMES", "rule_name"]
