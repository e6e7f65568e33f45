"""Without [program]: no made-up period, every expense needs an invoice, and it is said once.

A staff-made workbook of another summer (2024), with title rows, 合计 and 小计 rows and the
date and phone spellings staff type, validated with no sheets-sync.toml at all, has no
error on a valid cell. Each default is tested on its own below. All data is synthetic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import write_workbook
from sheets_sync.cli import cli
from sheets_sync.config import Program, program_from_dict
from sheets_sync.demo.run import write_config
from sheets_sync.errors import ConfigError
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import Findings, validate_grids
from sheets_sync.reports.budget import ledger
from sheets_sync.reports.model import forms_from_report
from sheets_sync.reports.settlement import period
from sheets_sync.sync.init import TEMPLATE
from sheets_sync.table import Grid

TEMPLATES = default_templates()
NO_CONFIG = Program()
CONFIGURED = Program(start_date=dt.date(2024, 7, 1), end_date=dt.date(2024, 8, 31),
                     invoice_threshold=Decimal("100"), volunteer_min_age=18)

PERIOD_NOTICE = (
    "项目期间:sheets-sync.toml 中没有配置,按“学校”表的进驻日期取 2024-07-08 至 2024-08-11;"
    "期间以外的日期只作提醒。如需指定,请在 sheets-sync.toml 的 [program] 中写 "
    'start_date = "2026-07-01" 和 end_date = "2026-08-31"(改成本期项目的日期)。')
AGE_NOTICE = ("未检查:志愿者报名表的年龄(按身份证号)。sheets-sync.toml 中没有配置志愿者最低年龄。"
              "如需检查,请在 sheets-sync.toml 的 [program] 中写 volunteer_min_age = 18。")
EVERY_INVOICE = ("发票号 未填:每笔支出都须开具发票,请填写发票号码。若项目规定小额支出可凭收据,"
                 '请在 sheets-sync.toml 的 [program] 中写 invoice_threshold = "100"(改成规定的金额)。')


def rows(title: str | None, head: list[str], *body: list[str]) -> list[list[str]]:
    return ([[title]] if title else []) + [head, *[list(r) for r in body]]


SCHOOL_HEAD = ["编号", "学校名称", "县", "乡镇", "联系老师", "联系电话", "协议已签",
               "进驻开始日期", "进驻结束日期", "预计留守儿童人数"]
SCHOOLS = rows("2024年暑期 合作学校名单", SCHOOL_HEAD,
               ["S001", "城关镇中心小学", "满城县", "城关镇", "李老师", "0312-7012345", "是",
                "2024-07-08", "2024/7/14", "45"],
               ["S002", "南庄小学", "顺平", "腰山镇", "王老师", "(0312)7654321", "√",
                "2024年7月15日", "2024.7.21", "40人"],
               ["S003", "东关小学", "清苑区", "清苑镇", "赵老师", "+86 138 1234 5678", "是",
                "2024年7月22日 星期一", "20240811", "38"],
               ["合计", "", "", "", "", "", "", "", "", "123"])

BUDGET = rows("2024年暑期 预算", ["类别", "预算金额", "说明"],
              ["交通", "5,000元", "包车、车票"], ["物资", "¥3000", ""], ["食宿", "三千元", ""],
              ["合计", "11000", ""])

EXPENSE_HEAD = ["编号", "日期", "类别", "金额", "支出理由", "发票号", "经办人", "所属大队"]
EXPENSES = rows("让你不再孤单 2024 年暑期支出明细", EXPENSE_HEAD,
                ["E001", "2024-07-08", "交通", "¥86.50", "去学校的车费", "FP2024001", "张志愿",
                 "满城大队"],
                ["E002", "2024/7/10", "物资", "1,200.50元", "文具", "FP2024002", "张志愿", "满城"],
                ["E003", "2024.7.12", "食宿", "300", "午饭", "FP2024003", "李同学", "顺平"],
                ["", "小计", "", "1587.00", "", "", "", ""],
                ["E004", "2024年7月15日", "交通", "三百元", "包车", "FP2024004", "李同学", "总队"],
                ["E005", "45496", "物资", "50", "胶水", "FP2024005", "王同学", "清苑"],
                ["E006", "2024年7月25日 星期四", "交通", "120", "车票", "FP2024006", "王同学",
                 "清苑县"],
                ["E007", "2024-08-01 00:00:00", "食宿", "980.00", "住宿", "FP2024007", "王同学",
                 "总队"],
                ["合计:", "", "", "3036.00", "", "", "", ""])

KID_HEAD = ["编号", "姓名", "性别", "出生日期", "身份证号", "县", "学校", "年级", "留守类型",
            "父亲务工地", "父亲电话", "母亲务工地", "母亲电话", "父母外出时长(月)", "监护人姓名",
            "与儿童关系", "监护人电话"]
KIDS = rows("满城县留守儿童家庭情况登记表(2024 年暑期)", KID_HEAD,
            ["C0001", "王小红", "女", "2014/3/8", make_id("130621", dt.date(2014, 3, 8), 12, "女"),
             "满城", "城关镇中心小学", "四年级", "双亲外出", "北京", "138 1234 5678", "天津",
             "139-1234-5678", "24", "王建国", "祖父", "0312-7012345"],
            ["C0002", "李小明", "男", "2015年9月1日", make_id("130607", dt.date(2015, 9, 1), 7, "男"),
             "满城区", "城关镇中心小学", "3", "父亲外出", "石家庄", "+8613812345679", "", "",
             "12", "张秀英", "祖母", "13712345678"],
            ["C0003", "赵小芳", "女", "20130520", make_id("130636", dt.date(2013, 5, 20), 40, "女"),
             "顺平", "南庄小学", "5", "母亲外出", "", "", "保定", "0312 7654321", "6", "赵大海",
             "父亲", "１３７１２３４５６７８"],
            ["合计", "3 人", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""])

VOLUNTEERS = rows(None, ["编号", "姓名", "性别", "学号", "手机号", "身份证号", "紧急联系人",
                         "紧急联系人电话", "特长"],
                  ["V001", "张志愿", "男", "2022010101", "150-1234-5678",
                   make_id("110105", dt.date(2003, 5, 1), 21, "男"), "张强", "13512345678",
                   "数学、音乐"])


def staff_book() -> dict[str, list[list[str]]]:
    return {"学校": SCHOOLS, "预算": BUDGET, "支出明细": EXPENSES,
            "留守儿童家庭情况登记表": KIDS, "志愿者报名表": VOLUNTEERS}


def validate(tabs: dict[str, list[list[str]]], program: Program = NO_CONFIG) -> Findings:
    return validate_grids({k: Grid.from_rows(v) for k, v in tabs.items()}, TEMPLATES, program)


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


# --------------------------------------------------------------------------- the staff book

def test_a_staff_book_of_another_summer_without_config_has_no_error() -> None:
    report = validate(staff_book())
    assert [p.message for p in report.errors] == []
    assert [p.message for p in report.warnings] == []
    assert report.notices == [PERIOD_NOTICE, AGE_NOTICE]
    # title rows, 小计 and 合计 rows are no records
    assert {name: t.data.n for name, t in report.tabs.items()} == {
        "学校": 3, "预算": 3, "支出明细": 7, "留守儿童家庭情况登记表": 3, "志愿者报名表": 1}


def test_validate_on_the_staff_workbook_says_each_notice_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no sheets-sync.toml here or above
    path = tmp_path / "2024暑期.xlsx"
    write_workbook(path, staff_book())
    code, out = run_cli("validate", str(path), "--dry-run")
    assert code == 0, out
    assert out.count(PERIOD_NOTICE) == 1 and out.count(AGE_NOTICE) == 1
    assert "错误 0 个,提醒 0 个" in out
    code, out = run_cli("validate", str(path), "--json")
    assert json.loads(out)["summary"]["notices"] == [PERIOD_NOTICE, AGE_NOTICE]


# --------------------------------------------------------------------------- the period

def _expenses(*dated: tuple[str, str]) -> dict[str, list[list[str]]]:
    body = [[f"E{i:03d}", day, "交通", amount, "车费", f"FP{i}", "张志愿", "满城"]
            for i, (day, amount) in enumerate(dated, start=1)]
    return {"预算": BUDGET, "支出明细": rows(None, EXPENSE_HEAD, *body)}


def test_no_period_anywhere_checks_no_dates_against_one_and_says_so_once() -> None:
    tabs = {**_expenses(("2019-03-01", "80"), ("2024-07-10", "80"), ("2031-01-01", "80")),
            "留守儿童家庭情况登记表": KIDS}
    report = validate(tabs)
    assert report.problems == []
    assert report.notices == [
        "未按项目期间检查:支出明细的日期、留守儿童家庭情况登记表的出生日期、"
        "留守儿童家庭情况登记表的年级与年龄。sheets-sync.toml 中没有配置项目期间,"
        "工作簿中也没有写明进驻日期的“学校”表。如需检查,请在 sheets-sync.toml 的 [program] 中写 "
        'start_date = "2026-07-01" 和 end_date = "2026-08-31"(改成本期项目的日期)。']
    assert report.summary()["notices"] == report.notices


def test_the_period_is_read_from_the_school_tab_and_dates_outside_it_are_warnings() -> None:
    tabs = {"学校": SCHOOLS, **_expenses(("2024-07-05", "80"), ("2024-07-20", "80"),
                                         ("2024/8/20", "80"))}
    report = validate(tabs)
    assert report.program is not None
    assert (report.program.start_date, report.program.end_date) == (
        dt.date(2024, 7, 8), dt.date(2024, 8, 11))
    assert report.program.period_from == "“学校”表的进驻日期"
    assert report.notices == [PERIOD_NOTICE]
    assert report.errors == []
    assert [(p.cell, p.code, p.severity, p.message) for p in report.warnings] == [
        ("B2", "date.min", "warning", "支出明细!B2 日期 “2024-07-05” 日期早于 2024-07-08(项目开始日期,"
         "按“学校”表的进驻日期推定):请核对;若确属项目期间,请在 sheets-sync.toml 的 [program] 中写明 "
         'start_date = "YYYY-MM-DD"(项目开始日期)。'),
        ("B4", "date.max", "warning", "支出明细!B4 日期 “2024/8/20” 日期晚于 2024-08-11(项目结束日期,"
         "按“学校”表的进驻日期推定):请核对;若确属项目期间,请在 sheets-sync.toml 的 [program] 中写明 "
         'end_date = "YYYY-MM-DD"(项目结束日期)。')]
    # a warning keeps the date: it still counts in reports
    expense = report.tabs["支出明细"].normalized["date"]
    assert expense.value.tolist() == ["2024-07-05", "2024-07-20", "2024-08-20"]


def test_a_configured_period_wins_over_the_school_tab_and_is_an_error_outside() -> None:
    tabs = {"学校": SCHOOLS, **_expenses(("2024-07-05", "80"), ("2024-09-02", "80"))}
    report = validate(tabs, CONFIGURED)
    assert report.notices == []
    assert [(p.cell, p.code, p.severity, p.detail) for p in report.problems] == [
        ("B3", "date.max", "error", "日期 “2024-09-02” 日期不能晚于 2024-08-31(项目结束日期)。请核对。")]


def test_only_a_start_date_configured_says_the_end_date_was_not_checked() -> None:
    program = dataclasses.replace(CONFIGURED, end_date=None)
    report = validate({"学校": SCHOOLS, **_expenses(("2030-01-01", "80"))}, program)
    assert report.problems == []
    assert report.notices == [
        "未按项目结束日期检查:支出明细的日期。sheets-sync.toml 中没有配置项目结束日期。"
        '如需检查,请在 sheets-sync.toml 的 [program] 中写 end_date = "2026-08-31"(改成本期项目的日期)。']


def test_without_a_minimum_age_the_volunteer_age_rule_is_not_applied() -> None:
    young = [["V002", "李少年", "男", "2024010102", "15012345679",
              make_id("110105", dt.date(2010, 5, 1), 23, "男"), "李强", "13512345679", "数学"]]
    tabs = {"学校": SCHOOLS, "志愿者报名表": VOLUNTEERS + young}
    assert [p.code for p in validate(tabs).problems] == []
    assert validate(tabs).notices == [PERIOD_NOTICE, AGE_NOTICE]
    configured = dataclasses.replace(NO_CONFIG, volunteer_min_age=18)
    assert [(p.row, p.code) for p in validate(tabs, configured).problems] == [(3, "age.min")]
    assert validate(tabs, configured).notices == [PERIOD_NOTICE]


# --------------------------------------------------------------------------- invoices

def test_threshold_0_every_expense_needs_an_invoice_number() -> None:
    tabs = _expenses(("2024-07-10", "50"))
    tabs["支出明细"][1][5] = ""
    report = validate(tabs)
    assert [(p.cell, p.code, p.severity, p.detail) for p in report.problems] == [
        ("F2", "required_if", "error", EVERY_INVOICE)]
    lacking = ledger(forms_from_report(report), NO_CONFIG).lacking
    assert [(r.t("id"), what) for r, what in lacking] == [("E001", "发票号")]


def test_a_configured_threshold_keeps_the_receipt_rule() -> None:
    tabs = _expenses(("2024-07-10", "50"), ("2024-07-11", "150"))
    tabs["支出明细"][1][5] = tabs["支出明细"][2][5] = ""
    report = validate(tabs, CONFIGURED)
    assert [(p.cell, p.detail) for p in report.problems] == [
        ("F3", "发票号 未填:金额达到 100 元的支出须开具发票,请填写发票号码(不足 100 元的可凭收据)。")]
    lacking = ledger(forms_from_report(report), CONFIGURED).lacking
    assert [(r.t("id"), what) for r, what in lacking] == [
        ("E001", "发票号(不足 100 元,须有收据)"), ("E002", "发票号")]


# --------------------------------------------------------------------------- configuration

def test_an_empty_program_table_has_no_dates_no_age_and_threshold_0() -> None:
    p = program_from_dict({})
    assert p == Program()
    assert (p.start_date, p.end_date, p.volunteer_min_age) == (None, None, None)
    assert p.invoice_threshold == 0
    assert not p.known("start_date") and p.known("invoice_threshold")


@pytest.mark.parametrize(("table", "message"), [
    pytest.param({"invoice_threshold": "-5"}, "invoice_threshold 应为金额", id="negative-threshold"),
    pytest.param({"start_date": "2024-08-01", "end_date": "2024-07-01"}, "早于 start_date",
                 id="end-before-start"),
    pytest.param({"volunteer_min_age": True}, "volunteer_min_age 应为整数", id="age-not-int"),
])
def test_program_mistakes_are_named(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        program_from_dict(table)


def test_the_init_template_leaves_the_period_unset_and_the_demo_sets_it(tmp_path: Path) -> None:
    assert program_from_dict(tomllib.loads(TEMPLATE)["program"]) == Program()
    written = tomllib.loads(write_config(tmp_path).read_text(encoding="utf-8"))["program"]
    demo = program_from_dict(written)
    assert (demo.start_date, demo.end_date, demo.invoice_threshold, demo.volunteer_min_age) == (
        dt.date(2026, 7, 1), dt.date(2026, 8, 31), Decimal("100"), 18)


def test_the_settlement_names_the_period_where_it_came_from() -> None:
    forms = forms_from_report(validate({"学校": SCHOOLS}))
    assert period(forms, NO_CONFIG) == "2024-07-08 至 2024-08-11(按“学校”表的进驻日期)"
    assert period(forms, CONFIGURED) == "2024-07-01 至 2024-08-31"
    assert period(forms_from_report(validate(_expenses())), NO_CONFIG) == "未配置"
