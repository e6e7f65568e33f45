"""Templates exported as Table Schema (checked by frictionless), README tables and CLI text."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sheets_sync.config import Program
from sheets_sync.forms.normalize import normalize_column
from sheets_sync.forms.schema import (
    field_notes,
    table_schema,
    template_detail,
    template_markdown,
    template_summary,
)
from sheets_sync.forms.template import FormTemplate, load_templates

frictionless = pytest.importorskip("frictionless")

PROGRAM = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31),
                  invoice_threshold=Decimal("100"), volunteer_min_age=18)


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


FORM_KEYS = ["school", "volunteer", "child", "application", "pair", "budget", "expense",
             "donation", "talk", "team", "rotation", "attendance", "contact", "incident",
             "survey"]


@pytest.mark.parametrize("form", FORM_KEYS)
def test_exported_schema_loads_in_frictionless(templates: dict[str, FormTemplate],
                                               form: str) -> None:
    t = templates[form]
    descriptor = table_schema(t, PROGRAM)
    json.dumps(descriptor)                          # plain JSON, no Decimal or date
    schema = frictionless.Schema.from_descriptor(descriptor)
    assert schema.field_names == [f.label for f in t.fields]
    assert schema.primary_key == (["编号"] if t.id_prefix else [])


def _fields(descriptor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in descriptor["fields"]}


def test_field_types_and_constraints(templates: dict[str, FormTemplate]) -> None:
    child = _fields(table_schema(templates["child"], PROGRAM))
    assert child["性别"]["constraints"] == {"required": True, "enum": ["男", "女"]}
    assert child["县"]["constraints"] == {"enum": ["满城", "顺平", "清苑"]}
    assert child["身份证号"]["constraints"] == {"unique": True, "pattern": r"\d{17}[\dX]"}
    assert child["出生日期"]["type"] == "date"
    assert child["出生日期"]["constraints"] == {
        "required": True, "minimum": "2005-01-01", "maximum": "2026-07-01"}
    assert (child["年级"]["type"], child["年级"]["constraints"]) == (
        "integer", {"minimum": 1, "maximum": 6})
    assert (child["是否贫困"]["trueValues"], child["是否贫困"]["falseValues"]) == (["是"], ["否"])
    assert child["编号"]["constraints"] == {"required": True, "unique": True, "pattern": r"C\d+"}
    assert child["学校"]["description"] == "须与“学校”表中的学校名称一致"
    expense = _fields(table_schema(templates["expense"], PROGRAM))
    assert (expense["金额"]["type"], expense["金额"]["constraints"]) == (
        "number", {"required": True, "minimum": 0.01})
    assert expense["所属大队"]["constraints"] == {"enum": ["满城", "顺平", "清苑", "总队"]}


def test_program_data_comes_from_the_program(templates: dict[str, FormTemplate]) -> None:
    program = Program(counties=("易县", "涞源"), start_date=dt.date(2027, 7, 5),
                      end_date=dt.date(2027, 8, 20))
    expense = _fields(table_schema(templates["expense"], program))
    assert expense["日期"]["constraints"] == {
        "required": True, "minimum": "2027-07-05", "maximum": "2027-08-20"}
    assert expense["所属大队"]["constraints"] == {"enum": ["易县", "涞源", "总队"]}


def _validate(tmp_path: Path, form: FormTemplate, rows: list[dict[str, str]]) -> Any:
    path = tmp_path / f"{form.key}.csv"
    labels = [f.label for f in form.fields]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=labels)
        writer.writeheader()
        writer.writerows(rows)
    schema = frictionless.Schema.from_descriptor(table_schema(form, PROGRAM))
    resource = frictionless.Resource(path=path.name, basepath=str(tmp_path), schema=schema)
    return resource.validate()


# Synthetic, canonical cells (what the tool writes back).
CHILD_ROW = {
    "编号": "C0001", "姓名": "王小雨", "性别": "女", "出生日期": "2015-03-08",
    "身份证号": "13060720150308008X", "民族": "汉族", "县": "满城", "乡镇": "方顺桥乡",
    "村": "东村", "学校": "满城镇中心小学", "年级": "4", "班级": "2班", "留守类型": "双亲外出",
    "父亲姓名": "王大山", "父亲务工地": "北京", "父亲电话": "13800000001", "母亲姓名": "李春花",
    "母亲务工地": "天津", "母亲电话": "0312-7654321", "父母外出时长(月)": "18",
    "监护人姓名": "王老汉", "与儿童关系": "祖父", "监护人电话": "13900000002", "监护人年龄": "66",
    "监护人健康状况": "良好", "家庭住址": "东村 3 组", "健康状况": "良好", "过敏或特殊注意": "",
    "性格特征": "内向", "兴趣爱好": "画画", "学习情况": "中等", "心理状况": "", "是否贫困": "是",
    "登记人": "张志愿", "登记日期": "2026-07-03",
}


def test_a_valid_canonical_row_passes(tmp_path: Path, templates: dict[str, FormTemplate]) -> None:
    rows = [CHILD_ROW, {**CHILD_ROW, "编号": "C0002", "身份证号": "", "姓名": "阿依古丽·买买提",
                        "母亲电话": "0312-7654321转12", "年级": "", "出生日期": "2014-09-30"}]
    report = _validate(tmp_path, templates["child"], rows)
    assert report.flatten(["rowNumber", "fieldName", "type"]) == []
    assert report.valid


@pytest.mark.parametrize(("column", "value", "error"), [
    pytest.param("性别", "男孩", "constraint-error", id="synonym-is-not-canonical"),
    pytest.param("县", "保定", "constraint-error", id="county-not-in-program"),
    pytest.param("身份证号", "1.30607E+17", "constraint-error", id="id-number-as-float"),
    pytest.param("年级", "7", "constraint-error", id="grade-above-six"),
    pytest.param("出生日期", "2015/03/08", "type-error", id="date-not-iso"),
    pytest.param("监护人电话", "138-1234-567", "constraint-error", id="bad-phone"),
    pytest.param("是否贫困", "对", "type-error", id="not-yes-or-no"),
    pytest.param("姓名", "", "constraint-error", id="required-name-blank"),
    pytest.param("编号", "X0001", "constraint-error", id="id-with-wrong-prefix"),
    pytest.param("姓名", "Tom", "constraint-error", id="name-not-chinese"),
    pytest.param("登记人", "王", "constraint-error", id="one-character-name"),
    pytest.param("母亲电话", "0312-7654321 12", "constraint-error", id="landline-loose-extension"),
])
def test_a_bad_cell_is_reported_at_its_column(tmp_path: Path, templates: dict[str, FormTemplate],
                                              column: str, value: str, error: str) -> None:
    report = _validate(tmp_path, templates["child"], [{**CHILD_ROW, column: value}])
    assert report.flatten(["rowNumber", "fieldName", "type"]) == [[2, column, error]]


def test_unique_and_money_bounds_in_expenses(tmp_path: Path,
                                             templates: dict[str, FormTemplate]) -> None:
    base = {"编号": "E1", "日期": "2026-07-10", "类别": "交通", "金额": "86.50",
            "支出理由": "去学校的车费", "发票号": "NO123", "经办人": "张志愿", "审批人": "",
            "所属大队": "总队", "备注": ""}
    rows = [
        base,
        {**base, "编号": "E2", "金额": "0", "发票号": ""},
        {**base, "编号": "E3", "日期": "2026-06-30", "发票号": "NO124"},
        {**base, "编号": "E4", "发票号": "NO123"},
        {**base, "编号": "E5", "金额": "0.01", "发票号": "", "所属大队": "顺平"},
    ]
    report = _validate(tmp_path, templates["expense"], rows)
    assert report.flatten(["rowNumber", "fieldName", "type"]) == [
        [3, "金额", "constraint-error"],
        [4, "日期", "constraint-error"],
        [5, "发票号", "unique-error"],
    ]


def test_multi_choice_and_email(tmp_path: Path,
                                              templates: dict[str, FormTemplate]) -> None:
    vol = templates["volunteer"]
    base = {f.label: "" for f in vol.fields}
    base.update({"编号": "V1", "姓名": "赵志愿", "学号": "2024001", "手机号": "13700000003",
                 "紧急联系人": "赵父", "紧急联系人电话": "13700000004"})
    rows = [
        {**base, "特长": "数学、音乐", "邮箱": "zhao.v@example.edu.cn"},
        {**base, "编号": "V2", "学号": "2024002", "手机号": "13700000005", "特长": "数学、唱歌"},
        {**base, "编号": "V3", "学号": "2024003", "手机号": "13700000006", "邮箱": "zhao@mail"},
    ]
    report = _validate(tmp_path, vol, rows)
    assert report.flatten(["rowNumber", "fieldName", "type"]) == [
        [3, "特长", "constraint-error"], [4, "邮箱", "constraint-error"]]


def test_markdown_names_every_form_and_label(templates: dict[str, FormTemplate]) -> None:
    md = template_markdown(templates, PROGRAM)
    assert md.startswith("## 表单字段 / Form fields\n")
    headings = [line for line in md.splitlines() if line.startswith("### ")]
    assert headings[0] == "### 学校(`school`,编号前缀 S)"
    assert "### 预算(`budget`,无编号)" in headings
    assert "### 谈心记录(`talk`,编号前缀 T,整表为敏感信息)" in headings
    assert len(headings) == len(templates)
    rows = {line.split(" | ")[0].removeprefix("| ") for line in md.splitlines()
            if line.startswith("| ")}
    for t in templates.values():
        assert [f.label for f in t.fields if f.label not in rows] == []


def test_markdown_describes_fields_and_rules(templates: dict[str, FormTemplate]) -> None:
    md = template_markdown(templates, PROGRAM)
    assert ("| 金额 | 支出金额、金额(元)、费用 | 金额(元) | 是 | 范围 ≥ 0.01;"
            "大于 0 的金额(元),如 86.50 |") in md
    assert ("| 学校 | 所在学校、就读学校、学校名称 | 文本 | 是 | "
            "须与“学校”表中的学校名称一致 |") in md
    assert "- 金额 ≥ 100(发票额度) 时,发票号必填" in md
    assert "- 状态为进行中时,儿童编号不可重复" in md
    assert "- 父母外出时长(月) ≥ 3(警告)" in md
    assert "- 至少填写:儿童编号;或 儿童姓名 + 学校" in md


@pytest.mark.parametrize(("help_text", "notes"), [
    pytest.param("", ["须为“学校”中已有的学校名称"], id="ref-explained-when-help-is-silent"),
    pytest.param("须与“学校”表一致", ["须与“学校”表一致"], id="help-naming-the-form-suffices"),
])
def test_ref_note(templates: dict[str, FormTemplate], help_text: str, notes: list[str]) -> None:
    f = dataclasses.replace(templates["volunteer"].field("school"), help=help_text)
    assert field_notes(f, PROGRAM, templates) == notes


def test_summary_rows(templates: dict[str, FormTemplate]) -> None:
    rows = template_summary(templates)
    assert [r[0] for r in rows] == FORM_KEYS
    assert rows[5] == ("budget", "预算", "", 3)
    assert rows[2] == ("child", "留守儿童家庭情况登记表", "C", 35)


def test_detail_has_one_line_per_field(templates: dict[str, FormTemplate]) -> None:
    t = templates["pair"]
    text = template_detail(t, PROGRAM, templates)
    lines = text.splitlines()
    assert lines[0] == "结对(pair,编号前缀 P,6 个字段)"
    field_lines = [line for line in lines if line.startswith("  ") and not
                   line.startswith("  - ")]
    assert [line.split()[0] for line in field_lines] == [f.label for f in t.fields]
    assert "  志愿者编号 [文本] 必填 “志愿者报名表”中的编号,如 V0007" in text
    assert lines[-1] == "  - 状态为进行中时,儿童编号不可重复"


# The schema and our normaliser agree on canonical cells: a canonical cell we accept passes
# frictionless, a cell we reject fails it (checks the spec cannot express are left out).
VALID_ID = "13060720150308008X"
AGREEMENT = [
    ("child", "name", "王小雨", True), ("child", "name", "阿依古丽·买买提", True),
    ("child", "name", "Tom", False), ("child", "name", "王", False),
    ("child", "name", "王小雨2", False),
    ("child", "guardian_phone", "13900000002", True),
    ("child", "guardian_phone", "0312-5551234", True),
    ("child", "guardian_phone", "0312-5551234转12", True),
    ("child", "guardian_phone", "138-1234-567", False),
    ("child", "guardian_phone", "12345678901", False),
    ("volunteer", "phone", "13700000003", True), ("volunteer", "phone", "0312-5551234", False),
    ("child", "id_number", VALID_ID, True), ("child", "id_number", "1.30607E+17", False),
    ("child", "id_number", VALID_ID[:17], False),
    ("volunteer", "email", "zhao.v@example.edu.cn", True),
    ("volunteer", "email", "zhao@mail", False), ("volunteer", "email", "赵@example.com", False),
    ("child", "birth_date", "2015-03-08", True), ("child", "birth_date", "2015-02-30", False),
    ("child", "birth_date", "2004-12-31", False), ("child", "birth_date", "2026-07-02", False),
    ("child", "grade", "3", True), ("child", "grade", "7", False), ("child", "grade", "0", False),
    ("expense", "amount", "0.01", True), ("expense", "amount", "86.50", True),
    ("expense", "amount", "0", False), ("expense", "amount", "-5", False),
    ("volunteer", "score_first", "85.5", True), ("volunteer", "score_first", "100.5", False),
    ("school", "expected_children", "45", True), ("school", "expected_children", "4.5", False),
    ("child", "sex", "男", True), ("child", "sex", "X", False),
    ("volunteer", "skills", "数学、音乐", True), ("volunteer", "skills", "数学、钢铁", False),
    ("child", "poor", "是", True), ("child", "poor", "对", False),
    ("child", "county", "满城", True), ("child", "county", "保定", False),
    ("expense", "brigade", "总队", True),
]


@pytest.mark.parametrize(("form", "key", "text", "accepted"), [
    pytest.param(*case, id=f"{case[0]}.{case[1]}={case[2]}") for case in AGREEMENT])
def test_schema_agrees_with_normaliser(templates: dict[str, FormTemplate], form: str, key: str,
                                       text: str, accepted: bool) -> None:
    t = templates[form]
    f = t.field(key)
    result = normalize_column(pd.Series([text], dtype=object), f, PROGRAM)
    issue = result.issues.get(0)
    ours = (issue is None or issue.severity != "error") and result.text.iat[0] == text
    schema = frictionless.Schema.from_descriptor(table_schema(t, PROGRAM))
    _, notes = schema.get_field(f.label).read_cell(text)
    assert (ours, notes is None) == (accepted, accepted)


@pytest.mark.parametrize(("key", "pattern", "text", "accepted"), [
    pytest.param("student_no", r"\d{6,10}", "2024001", True, id="own-pattern-kept"),
    pytest.param("student_no", r"\d{6,10}", "2024001a", False, id="own-pattern-anchored"),
    pytest.param("student_no", r"B\d+|M\d+", "B2024X", False, id="alternation-grouped"),
    pytest.param("phone", r"13\d+", "13700000003", True, id="type-and-own-pattern"),
    pytest.param("phone", r"13\d+", "15700000003", False, id="own-pattern-narrows-type"),
    pytest.param("phone", r"\d+", "10000000000", False, id="type-pattern-still-holds"),
])
def test_template_patterns_combine_with_type_patterns(
        templates: dict[str, FormTemplate], key: str, pattern: str, text: str,
        accepted: bool) -> None:
    t = templates["volunteer"]
    f = dataclasses.replace(t.field(key), pattern=pattern)
    t2 = dataclasses.replace(t, fields=tuple(f if x.key == key else x for x in t.fields))
    schema = frictionless.Schema.from_descriptor(table_schema(t2, PROGRAM))
    _, notes = schema.get_field(f.label).read_cell(text)
    assert (notes is None) == accepted
