"""validate(): problems found exactly, in the user's terms, with no false alarms."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from sheets_sync.config import Program
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import Report, validate_grids
from sheets_sync.table import Grid

from .samples import CHILD, CHILD_ID, SCHOOL, grid

# a configured program (what validate does without [program] is in test_program_defaults.py)
PROGRAM = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31),
                  invoice_threshold=Decimal("100"), volunteer_min_age=18)
TEMPLATES = default_templates()

def check(child_rows: list[dict[str, str]], **tabs: Grid) -> Report:
    grids = {"学校": grid(SCHOOL), "留守儿童家庭情况登记表": grid(*child_rows), **tabs}
    return validate_grids(grids, TEMPLATES, PROGRAM, book="t.xlsx")


def test_valid_rows_have_no_problems() -> None:
    report = check([CHILD, {**CHILD, "编号": "C0002", "姓名": "王小明", "性别": "男",
                            "身份证号": make_id("130607", dt.date(2015, 3, 8), 13, "男")}])
    assert report.problems == []
    assert report.summary()["records"] == 3


ODD_BUT_VALID = [
    pytest.param("出生日期", "2015/3/8", id="date-slashes"),
    pytest.param("出生日期", "2015年3月8日", id="date-chinese"),
    pytest.param("出生日期", "20150308", id="date-compact"),
    pytest.param("监护人电话", "137 1234 5678", id="phone-spaces"),
    pytest.param("监护人电话", "+86 137-1234-5678", id="phone-plus86"),
    pytest.param("监护人电话", "0312-7012345", id="phone-landline"),
    pytest.param("年级", "四年级", id="grade-chinese"),
    pytest.param("年级", "4年级", id="grade-suffix"),
    pytest.param("县", "满城县", id="county-suffix"),
    pytest.param("性别", "女生", id="sex-synonym"),
    pytest.param("与儿童关系", "爷爷", id="relation-synonym"),
    pytest.param("身份证号", CHILD_ID.lower(), id="id-lowercase-x-or-digits"),
    pytest.param("性格特征", '=HYPERLINK("http://x","y")', id="formula-text-in-free-text"),
]


@pytest.mark.parametrize(("column", "value"), ODD_BUT_VALID)
def test_no_false_alarm(column: str, value: str) -> None:
    report = check([{**CHILD, column: value}])
    assert report.problems == []


PROBLEMS = [
    pytest.param({"监护人电话": ""}, "监护人电话", "required", "error", id="required-empty"),
    pytest.param({"监护人电话": "138-1234-567"}, "监护人电话", "phone.invalid", "error",
                 id="phone-too-short"),
    pytest.param({"出生日期": "2014-02-30"}, "出生日期", "date.impossible", "error",
                 id="impossible-date"),
    pytest.param({"县": "保定县"}, "县", "choice.unknown", "error", id="unknown-county"),
    pytest.param({"年级": "7"}, "年级", "grade.invalid", "error", id="grade-7"),
    pytest.param({"学校": "不存在小学"}, "学校", "ref.missing", "error", id="school-not-in-tab"),
    pytest.param({"母亲务工地": ""}, "母亲务工地", "required_if", "error",
                 id="both-away-without-mother-workplace"),
    pytest.param({"父母外出时长(月)": "2"}, "父母外出时长(月)", "range.min", "warning",
                 id="months-away-under-3"),
    pytest.param({"出生日期": "2015-03-09"}, "出生日期", "id.birth_mismatch", "error",
                 id="id-birth-disagrees"),
    pytest.param({"性别": "男"}, "性别", "id.sex_mismatch", "error", id="id-sex-disagrees"),
    pytest.param({"身份证号": CHILD_ID[:-1] + ("0" if CHILD_ID[-1] != "0" else "1")},
                 "身份证号", "id.checksum", "error", id="id-checksum"),
    pytest.param({"年级": "1"}, "年级", "grade.age", "warning", id="age-implausible-for-grade"),
]


@pytest.mark.parametrize(("change", "column", "code", "severity"), PROBLEMS)
def test_problem_found(change: dict[str, str], column: str, code: str, severity: str) -> None:
    report = check([{**CHILD, **change}])
    assert [(p.column, p.code, p.severity, p.row) for p in report.problems] == [
        (column, code, severity, 2)]
    p = report.problems[0]
    col = list(CHILD).index(column) + 1
    assert p.cell == f"{chr(64 + col)}2"
    assert p.message.startswith(f"留守儿童家庭情况登记表!{p.cell} {column}")


def test_message_is_a_sentence_that_names_the_fix() -> None:
    report = check([{**CHILD, "监护人电话": "138-1234-567"}])
    assert report.problems[0].message == (
        "留守儿童家庭情况登记表!R2 监护人电话 “138-1234-567” 不是有效的手机号:"
        "手机号应为 11 位数字,以 1 开头;座机请写成“区号-号码”。")
    report = check([{**CHILD, "监护人电话": ""}])
    assert report.problems[0].message == (
        "留守儿童家庭情况登记表!R2 监护人电话 为空:监护人电话是必填项,请填写。")


def test_duplicate_id_names_the_other_row() -> None:
    twin = {**CHILD, "编号": "C0002", "姓名": "王小兰"}
    report = check([CHILD, twin])
    assert [(p.row, p.code) for p in report.problems] == [(2, "unique.duplicate"),
                                                         (3, "unique.duplicate")]
    assert report.problems[0].message.endswith("与第 3 行重复:身份证号不能重复,请核对是否重复登记。")
    assert report.problems[1].message.endswith("与第 2 行重复:身份证号不能重复,请核对是否重复登记。")


def test_header_under_merged_title_blank_rows_and_total_row() -> None:
    g = grid(CHILD, title="满城县留守儿童家庭情况登记表")
    rows = [*g.rows, [], ["合计", "1"]]
    rows.insert(2, [])
    report = validate_grids({"学校": grid(SCHOOL), "儿童": Grid(rows)}, TEMPLATES, PROGRAM)
    assert report.tabs["儿童"].layout.header_row == 2
    assert report.tabs["儿童"].data.rows.tolist() == [4]
    assert report.problems == []


def test_header_variants_and_unknown_column() -> None:
    variants = {"编号": "编号", "姓名": "*姓名", "性别": "性别(必填)", "出生日期": "出生 日期",
                "身份证号": "身份证号码", "学校": "学校:", "监护人姓名": "监护人姓名(必填)",
                "监护人电话": "监护人电话号码"}
    rec = {variants.get(k, k): v for k, v in CHILD.items()}
    rec["家访备注"] = "已家访"
    report = validate_grids({"学校": grid(SCHOOL), "Sheet1": grid(rec)}, TEMPLATES, PROGRAM)
    assert report.tabs["Sheet1"].layout.form.key == "child"
    assert [(p.code, p.column, p.severity) for p in report.problems] == [
        ("column.unknown", "家访备注", "warning")]


def test_missing_required_column_is_one_tab_level_problem() -> None:
    rec = {k: v for k, v in CHILD.items() if k != "监护人电话"}
    report = check([rec, {**rec, "编号": "C0002"}])
    codes = [(p.code, p.row) for p in report.problems if p.code == "column.missing"]
    assert codes == [("column.missing", 1)]
    assert "缺少必填列“监护人电话”" in report.problems[0].message


def volunteer(**change: str) -> dict[str, str]:
    base = {"编号": "V001", "姓名": "张伟", "性别": "男", "学号": "2023010101", "手机号": "15012345678",
            "身份证号": make_id("110105", dt.date(2004, 5, 1), 21, "男"), "紧急联系人": "张强",
            "紧急联系人电话": "13512345678", "所属学校": "城关镇中心小学", "录取状态": "录取",
            "特长": "英语、音乐"}
    return {**base, **change}


CROSS_FIELD = [
    pytest.param("志愿者报名表", [volunteer(身份证号=make_id("110105", dt.date(2009, 8, 1), 21, "男"))],
                 "age.min", id="volunteer-under-18"),
    pytest.param("志愿者报名表", [volunteer(), volunteer(编号="V002", 手机号="15012345679",
                                      身份证号=make_id("110105", dt.date(2004, 6, 1), 23, "男"))],
                 "unique.duplicate", id="volunteer-duplicate-student-number"),
    pytest.param("志愿者报名表", [volunteer(特长="英语、跳伞")], "choice.unknown",
                 id="volunteer-unknown-talent"),
    pytest.param("学校", [{**SCHOOL, "学校名称": "南庄小学", "进驻结束日期": "2026-07-01"}], "compare",
                 id="school-end-before-start"),
    pytest.param("结对", [{"编号": "P1", "志愿者编号": "V1", "儿童编号": "C0001", "状态": "进行中"},
                        {"编号": "P2", "志愿者编号": "V2", "儿童编号": "C0001", "状态": "进行中"}],
                 "unique_where", id="child-with-two-active-pairs"),
    pytest.param("儿童参加活动申请书", [{"编号": "A1", "儿童编号": "C0001", "申请活动": "夏令营",
                                   "监护人姓名": "王建国", "监护人同意": "否"}],
                 "equals", id="application-without-consent"),
    pytest.param("儿童参加活动申请书", [{"编号": "A1", "儿童编号": "", "儿童姓名": "", "申请活动": "夏令营",
                                   "监护人姓名": "王建国", "监护人同意": "是"}],
                 "required_one_of", id="application-without-child"),
    pytest.param("支出明细", [{"编号": "E1", "日期": "2026-07-10", "类别": "交通", "金额": "1,200.50元",
                             "支出理由": "包车", "发票号": "", "经办人": "李四"}],
                 "required_if", id="expense-over-threshold-without-invoice"),
    pytest.param("支出明细", [{"编号": "E1", "日期": "2025-01-10", "类别": "交通", "金额": "¥30",
                             "支出理由": "车票", "发票号": "", "经办人": "李四"}],
                 "date.min", id="expense-before-program"),
    pytest.param("支出明细", [{"编号": "E1", "日期": "2026-07-10", "类别": "交通", "金额": "abc",
                             "支出理由": "车票", "发票号": "F1", "经办人": "李四"}],
                 "money.invalid", id="expense-money-abc"),
]


@pytest.mark.parametrize(("tab", "records", "code"), CROSS_FIELD)
def test_other_forms(tab: str, records: list[dict[str, str]], code: str) -> None:
    budget = grid({"类别": "交通", "预算金额": "5000"})
    tabs = {"学校": grid(SCHOOL), "预算": budget, "留守儿童家庭情况登记表": grid(CHILD)}
    tabs[tab] = grid(*records) if tab != "学校" else grid(SCHOOL, *records)
    report = validate_grids(tabs, TEMPLATES, PROGRAM)
    assert code in {p.code for p in report.problems}, [p.message for p in report.problems]
    assert all(p.code == code for p in report.problems if p.severity == "error"), [
        p.message for p in report.problems]


def test_expense_under_a_configured_threshold_needs_no_invoice() -> None:
    tabs = {"预算": grid({"类别": "交通", "预算金额": "5000"}),
            "支出明细": grid({"编号": "E1", "日期": "2026-07-10", "类别": "交通", "金额": "¥30",
                           "支出理由": "车票", "发票号": "", "经办人": "李四"})}
    assert validate_grids(tabs, TEMPLATES, PROGRAM).problems == []


def test_program_data_comes_from_config() -> None:
    program = dataclasses.replace(PROGRAM, counties=("满城", "顺平", "清苑", "唐县"))
    rec = {**CHILD, "县": "唐县"}
    grids = {"学校": grid(SCHOOL), "儿童登记表": grid(rec)}
    assert validate_grids(grids, TEMPLATES, program).problems == []
    assert [p.code for p in validate_grids(grids, TEMPLATES, PROGRAM).problems] == [
        "choice.unknown"]


def test_tool_tabs_and_unrelated_tabs_are_skipped() -> None:
    grids = {"学校": grid(SCHOOL), "校验问题": Grid([["工作表"], ["x"]]),
             "说明": Grid([["这是说明"]])}
    report = validate_grids(grids, TEMPLATES, PROGRAM)
    assert list(report.tabs) == ["学校"]
    assert report.skipped_tabs == ["说明"]


def test_json_shape() -> None:
    report = check([{**CHILD, "监护人电话": "138-1234-567"}])
    data = report.as_dict()
    assert list(data) == ["problems", "summary"]
    assert list(data["problems"][0]) == ["tab", "row", "column", "cell", "field", "value",
                                         "code", "severity", "message"]
    assert data["summary"]["errors"] == 1 and data["summary"]["valid"] is False


ALL_TALENTS = "语文、数学、英语、体育、音乐、美术、心理、法律、摄影、其他"


@pytest.mark.parametrize(("talents", "detail"), [
    pytest.param("书法、舞蹈", f"特长 “书法、舞蹈” “舞蹈”不在可选项中。可选:{ALL_TALENTS},"
                 "多项之间用“、”分隔;其他情况请选“其他”。", id="dance-is-not-in-the-list"),
    pytest.param("书法、滑板、魔术", f"特长 “书法、滑板、魔术” “滑板”、“魔术”不在可选项中。可选:"
                 f"{ALL_TALENTS},多项之间用“、”分隔;其他情况请选“其他”。", id="every-item-named"),
])
def test_multi_choice_reports_every_item_not_in_the_list(talents: str, detail: str) -> None:
    report = validate_grids({"学校": grid(SCHOOL), "志愿者报名表": grid(volunteer(特长=talents))},
                            TEMPLATES, PROGRAM)
    assert [(p.code, p.detail) for p in report.problems] == [("choice.unknown", detail)]


def test_multi_choice_with_other_and_synonyms_passes() -> None:
    report = validate_grids({"学校": grid(SCHOOL), "志愿者报名表": grid(volunteer(特长="书法、其它"))},
                            TEMPLATES, PROGRAM)
    assert report.problems == []
    assert report.tabs["志愿者报名表"].normalized["skills"].text.tolist() == ["美术、其他"]
