"""The shipped form templates match FORMS.md, and a broken template fails at load, clearly."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from sheets_sync.config import Program
from sheets_sync.errors import FormTemplateError
from sheets_sync.forms.headers import header_key, tab_key
from sheets_sync.forms.ids import id_checksum
from sheets_sync.forms.template import FormTemplate, load_templates
from sheets_sync.forms.validate import validate_grids
from sheets_sync.table import Grid

# a configured program: the rules below read well when the program says its period etc.
CONFIGURED = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31),
                     invoice_threshold=Decimal("100"), volunteer_min_age=18)

# Every form of /work/shared/FORMS.md: (label, id prefix, every field label FORMS.md names).
FORMS: dict[str, tuple[str, str | None, list[str]]] = {
    "school": ("学校", "S", [
        "学校名称", "县", "乡镇", "联系老师", "联系电话", "协议已签", "进驻开始日期",
        "进驻结束日期", "住宿安排", "预计留守儿童人数"]),
    "volunteer": ("志愿者报名表", "V", [
        "姓名", "性别", "学号", "学院", "专业", "年级", "手机号", "身份证号", "邮箱", "特长",
        "意向县", "健康状况", "紧急联系人", "紧急联系人电话", "以往志愿经历", "初试成绩",
        "复试成绩", "录取状态", "培训完成", "所属大队", "所属支队", "所属学校", "报名日期",
        "保险单号", "保险开始", "保险结束"]),
    "team": ("支队", "G", ["支队名称", "所属大队", "队长", "带队老师", "联系电话", "备注"]),
    "rotation": ("进驻安排", "R", ["支队", "学校", "开始日期", "结束日期", "住宿安排", "餐饮安排",
                               "交通", "状态"]),
    "child": ("留守儿童家庭情况登记表", "C", [
        "姓名", "性别", "出生日期", "身份证号", "民族", "县", "乡镇", "村", "学校", "年级", "班级",
        "留守类型", "父亲姓名", "父亲务工地", "父亲电话", "母亲姓名", "母亲务工地", "母亲电话",
        "父母外出时长(月)", "监护人姓名", "与儿童关系", "监护人电话", "监护人年龄",
        "监护人健康状况", "家庭住址", "健康状况", "过敏或特殊注意", "性格特征", "兴趣爱好",
        "学习情况", "心理状况", "是否贫困", "登记人", "登记日期"]),
    "application": ("儿童参加活动申请书", "A", [
        "儿童编号", "儿童姓名", "学校", "申请活动", "监护人姓名", "监护人同意", "申请日期"]),
    "pair": ("结对", "P", ["志愿者编号", "儿童编号", "开始日期", "状态", "备注"]),
    "budget": ("预算", None, ["类别", "预算金额", "说明"]),
    "expense": ("支出明细", "E", [
        "日期", "类别", "金额", "支出理由", "发票号", "经办人", "审批人", "所属大队", "备注"]),
    "donation": ("捐赠", "D", [
        "日期", "捐赠方", "类型", "金额", "物资说明", "经手人", "收据号"]),
    "talk": ("谈心记录", "T", ["儿童编号", "谈心人", "日期", "主要内容", "需跟进", "跟进措施"]),
    "attendance": ("出勤", "K", ["日期", "学校", "场次", "儿童编号", "儿童姓名", "状态", "离开方式",
                               "接送人", "记录人"]),
    "contact": ("联系记录", "L", ["儿童编号", "日期", "方式", "对象", "参加人", "内容", "需跟进",
                              "跟进措施", "跟进期限", "负责人", "跟进完成"]),
    "incident": ("事件", "X", ["日期", "时间", "学校", "地点", "涉及儿童", "涉及志愿者", "类型", "经过",
                             "处理措施", "是否送医", "通知家长时间", "报告人", "状态"]),
    "survey": ("调查问卷", "Q", [
        "姓名", "性别", "年龄", "县", "学校", "年级", "父母外出情况", "平时和谁一起生活",
        "和父母联系的频率", "和父母联系的方式", "父母每年回家次数", "喜欢上学吗", "学习成绩",
        "觉得难的科目", "谁辅导作业", "每天课外学习时间", "每天做家务时间", "是否经常感到孤单",
        "最近的心情", "有心事时找谁说", "最担心的事", "兴趣爱好", "希望志愿者帮助的方面",
        "最大的心愿", "填写人", "调查日期"]),
}

GENERATED_TABS = ["花名册", "年级统计", "建档完整率", "预算汇总", "经费结算表", "校验问题",
                  "疑似重复", "同步冲突", "回收站", "同步日志", "结对建议", "排班建议", "排班表",
                  "出勤统计", "联系情况", "待办", "安全日志", "问卷统计", "导入映射"]


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


def test_every_form_of_forms_md_is_shipped(templates: dict[str, FormTemplate]) -> None:
    assert set(templates) == set(FORMS)


@pytest.mark.parametrize("form", list(FORMS))
def test_form_has_every_field_forms_md_names(templates: dict[str, FormTemplate],
                                             form: str) -> None:
    label, prefix, field_labels = FORMS[form]
    t = templates[form]
    assert (t.label, t.id_prefix) == (label, prefix)
    labels = [f.label for f in t.fields]
    assert [x for x in field_labels if x not in labels] == []
    expected = ["编号", *field_labels] if prefix else field_labels
    assert sorted(labels) == sorted(expected)   # nothing beyond FORMS.md either


@pytest.mark.parametrize("form", [f for f, (_, prefix, _) in FORMS.items() if prefix])
def test_forms_with_prefix_start_with_a_record_id(templates: dict[str, FormTemplate],
                                                  form: str) -> None:
    first = templates[form].fields[0]
    assert (first.key, first.label, first.type) == ("id", "编号", "record_id")


def test_budget_has_no_id(templates: dict[str, FormTemplate]) -> None:
    assert templates["budget"].id_field is None


@pytest.mark.parametrize("form", list(FORMS))
def test_headers_are_unique_as_matching_sees_them(templates: dict[str, FormTemplate],
                                                  form: str) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for f in templates[form].fields:
        for h in f.headers:
            k = header_key(h)
            if owner.setdefault(k, f.key) != f.key:
                clashes.append((h, owner[k], f.key))
    assert clashes == []


def test_tab_names_are_unique_across_forms_and_generated_tabs(
        templates: dict[str, FormTemplate]) -> None:
    owner: dict[str, str] = {tab_key(g): "generated" for g in GENERATED_TABS}
    clashes = []
    for t in templates.values():
        for name in t.tab_names:
            if owner.setdefault(tab_key(name), t.key) != t.key:
                clashes.append((name, owner[tab_key(name)], t.key))
    assert clashes == []


@pytest.mark.parametrize(("form", "key", "ref"), [
    pytest.param("pair", "volunteer_id", "volunteer.id", id="pair-volunteer"),
    pytest.param("pair", "child_id", "child.id", id="pair-child"),
    pytest.param("child", "school", "school.name", id="child-school"),
    pytest.param("volunteer", "school", "school.name", id="volunteer-school"),
    pytest.param("expense", "category", "budget.category", id="expense-category"),
    pytest.param("application", "child_id", "child.id", id="application-child"),
    pytest.param("application", "school", "school.name", id="application-school"),
    pytest.param("talk", "child_id", "child.id", id="talk-child"),
    pytest.param("attendance", "child_id", "child.id", id="attendance-child"),
    pytest.param("attendance", "school", "school.name", id="attendance-school"),
    pytest.param("contact", "child_id", "child.id", id="contact-child"),
    pytest.param("incident", "child_id", "child.id", id="incident-child"),
    pytest.param("incident", "school", "school.name", id="incident-school"),
])
def test_refs_point_at_the_right_field(templates: dict[str, FormTemplate],
                                       form: str, key: str, ref: str) -> None:
    assert templates[form].field(key).ref == ref
    form_key, field_key = ref.split(".")
    target = templates[form_key].field(field_key)
    assert target.unique or target.type == "record_id"


@pytest.mark.parametrize(("form", "key", "source"), [
    pytest.param("school", "county", "$program.counties", id="school-county"),
    pytest.param("child", "county", "$program.counties", id="child-county"),
    pytest.param("volunteer", "preferred_county", "$program.counties", id="volunteer-wish"),
    pytest.param("volunteer", "brigade", "$program.counties", id="volunteer-brigade"),
    pytest.param("expense", "brigade", "$program.brigades", id="expense-brigade"),
])
def test_counties_come_from_program_data(templates: dict[str, FormTemplate],
                                         form: str, key: str, source: str) -> None:
    f = templates[form].field(key)
    assert (f.type, f.choices_from, f.choices) == ("choice", source, ())


def test_sensitive_fields(templates: dict[str, FormTemplate]) -> None:
    sensitive = {(t.key, f.label) for t in templates.values() for f in t.fields if f.sensitive}
    assert sensitive == {
        ("child", "身份证号"), ("child", "父亲电话"), ("child", "母亲电话"),
        ("child", "监护人电话"), ("child", "家庭住址"), ("child", "心理状况"),
        ("volunteer", "身份证号"), ("volunteer", "手机号"), ("volunteer", "紧急联系人电话"),
        ("contact", "内容"), ("incident", "经过"),
    }
    assert [t.key for t in templates.values() if t.sensitive] == ["talk"]


def test_help_texts_are_short(templates: dict[str, FormTemplate]) -> None:
    long = [(t.key, f.key, len(f.help)) for t in templates.values() for f in t.fields
            if len(f.help) > 50]
    assert long == []


def test_choice_synonyms_people_type(templates: dict[str, FormTemplate]) -> None:
    def canon(form: str, key: str) -> dict[str, str]:
        return {s: c.value for c in templates[form].field(key).choices
                for s in (c.value, *c.synonyms)}

    grade = canon("volunteer", "grade")
    assert (grade["一年级"], grade["大学三年级"], grade["研究生二年级"]) == ("大一", "大三", "研二")
    assert templates["volunteer"].field("skills").type == "multi_choice"
    assert canon("volunteer", "skills")["画画"] == "美术"
    assert canon("volunteer", "admission_status")["已录取"] == "录取"
    assert canon("donation", "kind")["实物"] == "物资"
    assert canon("pair", "status")["结束"] == "已结束"


def test_bounds(templates: dict[str, FormTemplate]) -> None:
    v, e = templates["volunteer"], templates["expense"]
    assert [(v.field(k).min, v.field(k).max) for k in ("score_first", "score_second")] == [
        (0, 100), (0, 100)]
    assert (e.field("amount").type, e.field("amount").min) == ("money", 0.01)
    assert (e.field("date").min, e.field("date").max) == ("$program.start_date",
                                                          "$program.end_date")
    assert templates["budget"].field("amount").min == 0


def _rules(t: FormTemplate) -> list[tuple[str, dict[str, Any]]]:
    return [(r.kind, r.params) for r in t.rules]


def test_cross_field_rules(templates: dict[str, FormTemplate]) -> None:
    assert ("compare", {"field": "end_date", "op": ">=", "other": "start_date"}) in _rules(
        templates["school"])
    vol = _rules(templates["volunteer"])
    assert ("age_at", {"field": "id_number", "min": "$program.volunteer_min_age",
                       "at": "$program.start_date"}) in vol
    assert ("id_consistent", {"id": "id_number", "sex": "sex"}) in vol
    app = _rules(templates["application"])
    assert ("require_one_of", {"groups": [["child_id"], ["child_name", "school"]]}) in app
    assert ("equals", {"field": "guardian_consent", "value": "是"}) in app
    (pair,) = templates["pair"].rules
    assert (pair.kind, pair.params["fields"], pair.when and pair.when.in_) == (
        "unique_where", ["child_id"], ("进行中",))
    (invoice,) = templates["expense"].rules
    assert (invoice.kind, invoice.params["field"]) == ("require_if", "invoice_no")
    assert invoice.when is not None
    assert (invoice.when.field, invoice.when.gte) == ("amount", "$program.invoice_threshold")
    assert templates["expense"].field("invoice_no").unique
    goods = templates["donation"].rules[0]
    assert (goods.params["field"], goods.when and goods.when.in_) == ("goods", ("物资",))
    (follow,) = templates["talk"].rules
    assert (follow.params["field"], follow.when and follow.when.in_) == ("follow_up", ("是",))


# --------------------------------------------------------------------------- broken templates

def _base() -> dict[str, Any]:
    return {
        "form": "child",
        "label": "儿童登记表",
        "id_prefix": "C",
        "fields": [
            {"key": "id", "label": "编号", "type": "record_id"},
            {"key": "name", "label": "姓名", "type": "name_zh", "required": True},
            {"key": "sex", "label": "性别", "type": "choice", "choices": ["男", "女"]},
            {"key": "birth_date", "label": "出生日期", "type": "date"},
            {"key": "grade", "label": "年级", "type": "grade"},
        ],
        "rules": [],
    }


def _field(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(f for f in data["fields"] if f["key"] == key)


def _set(key: str, **changes: Any) -> Any:
    def apply(d: dict[str, Any]) -> None:
        _field(d, key).update(changes)
    return apply


def _drop(key: str, prop: str) -> Any:
    def apply(d: dict[str, Any]) -> None:
        del _field(d, key)[prop]
    return apply


def _add_field(**raw: Any) -> Any:
    def apply(d: dict[str, Any]) -> None:
        d["fields"].append(raw)
    return apply


def _add_rule(**raw: Any) -> Any:
    def apply(d: dict[str, Any]) -> None:
        d["rules"].append(raw)
    return apply


def _top(**changes: Any) -> Any:
    def apply(d: dict[str, Any]) -> None:
        d.update(changes)
    return apply


def _no_id(d: dict[str, Any]) -> None:
    d["fields"] = [f for f in d["fields"] if f["key"] != "id"]


KNOWN_RULES = ("age_at, age_for_grade, compare, count_refs, covers_dates, equals, id_consistent, "
               "min_items, "
               "no_overlap, range, require_all, require_if, require_one_of, same_via, "
               "unique_where")
KNOWN_PROGRAM = ("brigades, counties, cross_county, end_date, invoice_threshold, name, "
                 "pair_capacity_max, start_date, team_size, visit_end, visit_start, "
                 "volunteer_min_age, walk_home_min_grade")

BROKEN = [
    pytest.param(_set("grade", type="grad"),
                 'child.yaml: field "grade": unknown type "grad"', id="unknown-type"),
    pytest.param(_drop("grade", "label"),
                 'child.yaml: field "grade": "label" (the Chinese header) is required',
                 id="missing-label"),
    pytest.param(_set("sex", choices=[]),
                 'child.yaml: field "sex": "choices" must be a non-empty list',
                 id="empty-choices"),
    pytest.param(_set("sex", choices=[{"value": "男", "synonyms": ["M"]},
                                      {"value": "女", "synonyms": ["M"]}]),
                 'child.yaml: field "sex": "M" is a synonym of both "男" and "女"',
                 id="synonym-of-two-choices"),
    pytest.param(_set("sex", choices=[{"value": "男", "synonym": ["M"]}]),
                 'child.yaml: field "sex": unknown choice keys: synonym',
                 id="misspelt-choice-key"),
    pytest.param(_drop("sex", "choices"),
                 'child.yaml: field "sex": type "choice" needs "choices" or "choices_from"',
                 id="choice-without-choices"),
    pytest.param(_add_field(key="name", label="名字"),
                 'child.yaml: field "name": duplicate key', id="duplicate-key"),
    pytest.param(_add_field(key="nickname", label="小名", aliases=["姓名"]),
                 'child.yaml: field "nickname": header "姓名" already names field "name"',
                 id="duplicate-header"),
    pytest.param(_set("name", pattern="([一-龥]+"),
                 'child.yaml: field "name": bad pattern: missing ), unterminated subpattern'
                 " at position 0", id="bad-pattern"),
    pytest.param(_set("name", requird=True),
                 'child.yaml: field "name": unknown keys: requird', id="misspelt-field-key"),
    pytest.param(_set("name", required="是"),
                 'child.yaml: field "name": "required" must be true or false',
                 id="required-not-boolean"),
    pytest.param(_add_field(key="Town", label="乡镇"),
                 'child.yaml: field "Town": "key" must be a lower-case identifier',
                 id="key-not-identifier"),
    pytest.param(_set("name", ref="school"),
                 'child.yaml: field "name": "ref" must be form.field, got "school"',
                 id="ref-without-field"),
    pytest.param(_add_rule(rule="require_if", field="guardian_phone",
                           when={"field": "sex", "in": ["男"]}),
                 'child.yaml: field "rules[0]": rule "require_if" names unknown field '
                 '"guardian_phone"', id="rule-names-unknown-field"),
    pytest.param(_add_rule(rule="require", field="name"),
                 f'child.yaml: field "rules[0]": unknown rule "require"; known: {KNOWN_RULES}',
                 id="unknown-rule-kind"),
    pytest.param(_add_rule(rule="compare", field="birth_date", other="birth_date"),
                 'child.yaml: field "rules[0]": rule "compare" needs: op',
                 id="rule-missing-parameter"),
    pytest.param(_add_rule(rule="compare", field="birth_date", op="=>", other="birth_date"),
                 'child.yaml: field "rules[0]": unknown comparison "=>"',
                 id="bad-comparison"),
    pytest.param(_add_rule(rule="range", field="grade", min=3, severity="fatal"),
                 'child.yaml: field "rules[0]": severity must be "error" or "warning", '
                 'not "fatal"', id="bad-severity"),
    pytest.param(_add_rule(rule="require_if", field="name", when={"field": "sex", "is": "男"}),
                 'child.yaml: field "rules[0]": unknown condition keys: is',
                 id="bad-condition"),
    pytest.param(_set("birth_date", max="$program.begin_date"),
                 'child.yaml: field "birth_date": unknown program data "$program.begin_date";'
                 f" known: {KNOWN_PROGRAM}", id="unknown-program-data"),
    pytest.param(_set("birth_date", max="$config.start_date"),
                 'child.yaml: field "birth_date": unknown reference "$config.start_date" '
                 "(only $program.<key>)", id="reference-not-program"),
    pytest.param(_add_field(key="school", label="学校", ref="school.name"),
                 'child.yaml: field "school": ref "school.name": no form "school"',
                 id="ref-to-missing-form"),
    pytest.param(_add_field(key="parent", label="上级", ref="child.parent_id"),
                 'child.yaml: field "parent": ref "child.parent_id": form "child" has no field'
                 ' "parent_id"', id="ref-to-missing-field"),
    pytest.param(_no_id,
                 'child.yaml: a form with "id_prefix" needs a field of type record_id (编号)',
                 id="id-prefix-without-record-id"),
    pytest.param(_top(id_prefix="c1"),
                 'child.yaml: "id_prefix" must be 1–3 capital letters', id="bad-id-prefix"),
    pytest.param(_top(fields=[]),
                 'child.yaml: "fields" must be a non-empty list', id="no-fields"),
    pytest.param(_top(title="儿童"),
                 "child.yaml: unknown keys: title", id="unknown-template-key"),
]


@pytest.mark.parametrize(("mistake", "message"), BROKEN)
def test_broken_template_fails_at_load(tmp_path: Path, mistake: Any, message: str) -> None:
    data = _base()
    mistake(data)
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                         encoding="utf-8")
    with pytest.raises(FormTemplateError) as info:
        load_templates(tmp_path)
    assert str(info.value) == message


def test_the_base_of_the_broken_cases_is_valid(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(_base(), allow_unicode=True),
                                         encoding="utf-8")
    assert [f.key for f in load_templates(tmp_path)["child"].fields] == [
        "id", "name", "sex", "birth_date", "grade"]


def test_error_carries_file_field_and_reason(tmp_path: Path) -> None:
    data = _base()
    _set("grade", type="grad")(data)
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                         encoding="utf-8")
    with pytest.raises(FormTemplateError) as info:
        load_templates(tmp_path)
    assert (info.value.file, info.value.field, info.value.reason) == (
        "child.yaml", "grade", 'unknown type "grad"')


def test_not_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text("form: child\nfields: [\n", encoding="utf-8")
    with pytest.raises(FormTemplateError) as info:
        load_templates(tmp_path)
    text = str(info.value)  # the parser's own words inside (libyaml's or PyYAML's)
    assert text.startswith("child.yaml: 第 3 行第 1 列:YAML 格式不对(") and "\n" not in text
    assert text.endswith("。请检查这一行和上一行的缩进(同一层要对齐,只用空格不用 Tab)、"
                         "冒号后的空格和括号是否成对。")
    (tmp_path / "child.yaml").write_bytes("form: child\nlabel: 儿童\n".encode("gbk"))
    with pytest.raises(FormTemplateError, match="不是 UTF-8 编码的文本"):
        load_templates(tmp_path)


def test_one_form_in_two_files(tmp_path: Path) -> None:
    for name in ("child.yaml", "kids.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(_base(), allow_unicode=True),
                                     encoding="utf-8")
    with pytest.raises(FormTemplateError) as info:
        load_templates(tmp_path)
    assert str(info.value) == 'kids.yaml: form "child" is also defined in child.yaml'


# --------------------------------------------------------------------------- rules at work

def _grid(t: FormTemplate, rows: list[dict[str, str]]) -> Grid:
    labels = [f.label for f in t.fields]
    return Grid.from_rows([labels] + [[r.get(x, "") for x in labels] for r in rows])


def _synthetic_id(birth: str, seq: str) -> str:
    first17 = "110105" + birth + seq  # 朝阳区: a region code for every birth year
    return first17 + id_checksum(first17)


EXPENSE = {"日期": "2026-07-10", "类别": "交通", "支出理由": "去学校的车费", "经办人": "张志愿"}
VOLUNTEER = {"姓名": "赵志愿", "性别": "男", "学号": "2024001", "手机号": "13700000003",
             "紧急联系人": "赵父", "紧急联系人电话": "13700000004"}

RULE_CASES = [
    pytest.param("expense", [{**EXPENSE, "编号": "E1", "金额": "150"}],
                 [(2, "invoice_no", "发票号 未填:金额达到 100 元的支出须开具发票,请填写发票号码"
                   "(不足 100 元的可凭收据)。")], id="invoice-needed-from-threshold"),
    pytest.param("expense", [{**EXPENSE, "编号": "E1", "金额": "99.99"}], [],
                 id="receipt-suffices-under-threshold"),
    pytest.param("expense", [{**EXPENSE, "编号": "E1", "金额": "0", "日期": "2026-06-30"}],
                 [(2, "date", "日期 “2026-06-30” 日期不能早于 2026-07-01(项目开始日期)。请核对。"),
                  (2, "amount", "金额 “0” 金额不能小于 0.01 元。")],
                 id="expense-before-program-and-zero"),
    pytest.param("volunteer", [{**VOLUNTEER, "编号": "V1",
                                "身份证号": _synthetic_id("20090101", "001")}],
                 [(2, "id_number", "身份证号 “110105200901010011” 表示到活动开始日 "
                   "2026-07-01 时只有 17 岁;志愿者须年满 18 周岁,请核对。")],
                 id="volunteer-under-18"),
    pytest.param("volunteer", [{**VOLUNTEER, "编号": "V1", "性别": "女",
                                "身份证号": _synthetic_id("20030101", "001")}],
                 [(2, "sex", "性别 “女” 与身份证号不一致:身份证号第 17 位表示“男”。"
                   "请核对性别或身份证号。")], id="volunteer-sex-against-id"),
    pytest.param("pair", [{"编号": "P1", "志愿者编号": "V1", "儿童编号": "C1", "状态": "进行中"},
                          {"编号": "P2", "志愿者编号": "V2", "儿童编号": "C1", "状态": "已结束"},
                          {"编号": "P3", "志愿者编号": "V3", "儿童编号": "C1", "状态": "进行中"}],
                 [(2, "child_id", "儿童编号 “C1” 在第 4 行也有进行中的结对:一名儿童同时只能有一个"
                   "进行中的结对,请把旧结对的状态改为“已结束”。"),
                  (4, "child_id", "儿童编号 “C1” 在第 2 行也有进行中的结对:一名儿童同时只能有一个"
                   "进行中的结对,请把旧结对的状态改为“已结束”。")], id="two-active-pairs"),
    pytest.param("application", [{"编号": "A1", "儿童姓名": "王小雨", "申请活动": "夏令营",
                                  "监护人姓名": "王老汉", "监护人同意": "否"}],
                 [(2, "child_id", "儿童编号 未填:请填写儿童编号,或同时填写儿童姓名和学校。"),
                  (2, "guardian_consent", "监护人同意 “否” 不是“是”:申请须经监护人同意,"
                   "没有同意不能参加活动;监护人同意后请填“是”。")], id="application-rules"),
    pytest.param("school", [{"编号": "S1", "学校名称": "满城镇中心小学",
                             "进驻开始日期": "2026-07-10", "进驻结束日期": "2026-07-03"}],
                 [(2, "end_date", "进驻结束日期 “2026-07-03” 早于进驻开始日期 2026-07-10:"
                   "请检查这两个日期。")], id="school-ends-before-it-starts"),
    pytest.param("talk", [{"编号": "T1", "儿童编号": "C1", "谈心人": "李老师",
                           "日期": "2026-07-15", "需跟进": "是"}],
                 [(2, "follow_up", "跟进措施 未填:需跟进为“是”时须写明跟进措施"
                   "(谁、做什么、何时)。")],
                 id="follow-up-needed"),
    pytest.param("donation", [{"编号": "D1", "类型": "物资", "金额": "300"},
                              {"编号": "D2", "类型": "现金", "捐赠方": "某公司"}],
                 [(2, "goods", "物资说明 未填:类型为“物资”时须写明捐了什么、数量多少。"),
                  (3, "amount", "金额 未填:类型为“现金”时须填写金额。")], id="donation-rules"),
]


@pytest.mark.parametrize(("form", "rows", "expected"), RULE_CASES)
def test_rules_read_well_through_the_validator(templates: dict[str, FormTemplate], form: str,
                                               rows: list[dict[str, str]],
                                               expected: list[tuple[int, str, str]]) -> None:
    t = templates[form]
    grids = {t.label: _grid(t, rows),
             "预算": _grid(templates["budget"], [{"类别": "交通", "预算金额": "1000"}])}
    report = validate_grids(grids, templates, CONFIGURED)
    assert [(p.row, p.field, p.detail) for p in report.problems] == expected


# Placeholders the validator fills in, per rule kind (forms/validate.py).
PLACEHOLDERS = {
    "require_if": {"when_label", "when_value", "label", "threshold"},
    "require_one_of": {"names"},
    "id_consistent": {"from_id"},
    "compare": {"words", "other", "other_value"},
    "age_at": {"at", "age", "min", "max"},
    "age_for_grade": {"at", "age", "grade", "lo", "hi"},
    "equals": {"value"},
    "range": {"min", "max"},
    "unique_where": {"other", "cond", "label"},
    "no_overlap": {"other", "group", "at", "other_start", "other_end", "label", "start", "end"},
    "count_refs": {"count", "tab", "rows", "lo", "hi", "target", "tolerance"},
    "same_via": {"value", "tab", "row", "other", "other_value", "other_via_value", "other_tab",
                 "other_row"},
    # require_all: the row's fields by key, the referenced record's (via, via_text), and the
    # $program values its conditions name
    "require_all": {"label", "session", "status", "leave_by", "grade", "grade_text",
                    "walk_home_min_grade"},
    "min_items": {"count", "value", "min", "label"},
    "covers_dates": {"value", "label", "visits", "days", "side", "count", "start", "end",
                     "start_value", "end_value"},
}


def test_rule_messages_use_known_placeholders(templates: dict[str, FormTemplate]) -> None:
    unknown = [(t.key, r.kind, name) for t in templates.values() for r in t.rules
               for name in re.findall(r"\{(\w*)\}", r.message or "")
               if name not in PLACEHOLDERS[r.kind]]
    assert unknown == []
