"""Duty-of-care forms (出勤, 联系记录, 事件, insured volunteers): each rule, on a small book.

Synthetic data only: made-up names, 编号 and schools.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sheets_sync.config import Program, program_from_dict
from sheets_sync.errors import ConfigError, FormTemplateError
from sheets_sync.forms.template import FormTemplate, load_templates, template_dir
from sheets_sync.forms.validate import validate_grids
from sheets_sync.sync.routes import Router, find_route
from sheets_sync.table import Grid


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


CHILDREN = [  # 编号, 姓名, 年级
    ("C0001", "王小雨", "3"), ("C0002", "李大山", "5"), ("C0003", "赵小花", ""),
]


def _grid(t: FormTemplate, rows: list[dict[str, str]]) -> Grid:
    labels = [f.label for f in t.fields]
    return Grid.from_rows([labels] + [[r.get(x, "") for x in labels] for r in rows])


def _book(templates: dict[str, FormTemplate], form: str, rows: list[dict[str, str]],
          program: Program | None = None, *, children: bool = True) -> list[tuple[int, str, str]]:
    """(row, field, message) of the problems of ``form``'s tab in a book holding a school,
    its children (unless ``children`` is false) and ``rows``."""
    grids = {"学校": _grid(templates["school"], [{"编号": "S0001", "学校名称": "满城一小",
                                                "县": "满城"}]),
             templates[form].label: _grid(templates[form], rows)}
    if children:
        grids["留守儿童家庭情况登记表"] = _grid(templates["child"], [
            {"编号": i, "姓名": n, "性别": "女", "出生日期": "2015-03-01", "村": "东村",
             "学校": "满城一小", "年级": g, "监护人姓名": "王奶奶",
             "监护人电话": "13800000001"} for i, n, g in CHILDREN])
    report = validate_grids(grids, templates, program or Program())
    label = templates[form].label
    return [(p.row, p.field, p.detail) for p in report.problems if p.tab == label]


FILM = {"编号": "K0001", "日期": "2026-07-15", "学校": "满城一小", "场次": "电影天堂",
        "儿童编号": "C0001", "状态": "到"}

NO_LEAVE = ("离开方式 未填:电影天堂结束后每个到场的儿童都要交接,请写明离开方式"
            "(家长接、志愿者送或自行回家)。")


def _pickup(session: str, grade: str, min_grade: int = 5) -> str:
    return (f"接送人 未填:{session}结束后须写明把儿童交给了谁(接送人);只有 {min_grade} 年级及以上"
            f"的儿童可以自行回家(这名儿童{grade})。")


ATTENDANCE_CASES = [
    pytest.param({}, [(2, "leave_by", NO_LEAVE), (2, "pickup", _pickup("电影天堂", "的年级为 3"))],
                 id="film-present-no-hand-over"),
    pytest.param({"离开方式": "家长接", "接送人": "王奶奶"}, [], id="film-handed-to-a-parent"),
    pytest.param({"离开方式": "志愿者送"}, [(2, "pickup", _pickup("电影天堂", "的年级为 3"))],
                 id="film-volunteer-unnamed"),
    pytest.param({"离开方式": "自行回家"}, [(2, "pickup", _pickup("电影天堂", "的年级为 3"))],
                 id="grade-3-may-not-walk-home"),
    pytest.param({"儿童编号": "C0002", "离开方式": "自行回家"}, [], id="grade-5-walks-home"),
    pytest.param({"儿童编号": "C0003", "离开方式": "自己回家"},
                 [(2, "pickup", _pickup("电影天堂", "的年级未填"))], id="grade-unknown"),
    pytest.param({"场次": "外出", "离开方式": "自行回家"},
                 [(2, "pickup", _pickup("外出活动", "的年级为 3"))], id="outing-synonym"),
    pytest.param({"状态": "缺"}, [], id="film-absent-needs-nothing"),
    pytest.param({"状态": "请假"}, [], id="film-on-leave-needs-nothing"),
    pytest.param({"场次": "上午"}, [], id="morning-needs-no-hand-over"),
    pytest.param({"状态": "√", "离开方式": "家长接走", "接送人": "爷爷"}, [],
                 id="tick-and-synonyms"),
]


@pytest.mark.parametrize(("changes", "expected"), ATTENDANCE_CASES)
def test_attendance_hand_over(templates: dict[str, FormTemplate], changes: dict[str, str],
                              expected: list[tuple[int, str, str]]) -> None:
    assert _book(templates, "attendance", [{**FILM, **changes}]) == expected


def test_walk_home_grade_comes_from_the_program(templates: dict[str, FormTemplate]) -> None:
    row = {**FILM, "离开方式": "自行回家"}           # C0001 is in grade 3
    assert _book(templates, "attendance", [row], Program(walk_home_min_grade=3)) == []
    older = {**row, "儿童编号": "C0002"}              # grade 5, but the program says 6
    assert _book(templates, "attendance", [older], Program(walk_home_min_grade=6)) == [
        (2, "pickup", _pickup("电影天堂", "的年级为 5", 6))]


def test_an_unknown_child_cannot_walk_home(templates: dict[str, FormTemplate]) -> None:
    problems = _book(templates, "attendance", [{**FILM, "儿童编号": "C0099",
                                                 "离开方式": "自行回家"}])
    assert [p[1] for p in problems] == ["child_id", "pickup"]
    assert problems[1][2] == _pickup("电影天堂", "在“留守儿童家庭情况登记表”中没有找到")


def test_without_the_children_the_grade_rule_is_not_applied(
        templates: dict[str, FormTemplate]) -> None:
    # a book without 儿童登记表 (as a ref check is not applied): only 离开方式 is asked for
    assert _book(templates, "attendance", [FILM], children=False) == [(2, "leave_by", NO_LEAVE)]


def test_one_row_per_child_and_session(templates: dict[str, FormTemplate]) -> None:
    row = {**FILM, "场次": "上午"}
    assert _book(templates, "attendance", [row, {**row, "编号": "K0002"}]) == [
        (row_no, "date", f"日期 “2026-07-15” 与第 {other} 行重复:一名儿童同一天同一场次只记一行。"
         "请删掉多余的一行。") for row_no, other in ((2, 3), (3, 2))]


VISIT = {"编号": "L0001", "儿童编号": "C0001", "日期": "2026-07-15", "方式": "家访",
         "对象": "监护人", "参加人": "李明、王芳"}
ALONE = "只写了 {n} 人:家访至少两人同去,保证志愿者自身安全。请写上同去的人,用顿号分隔。"

CONTACT_CASES = [
    pytest.param({}, [], id="two-visitors"),
    pytest.param({"参加人": "李明"}, [(2, "participants", f"参加人 “李明” {ALONE.format(n=1)}")],
                 id="home-visit-alone"),
    pytest.param({"参加人": ""}, [(2, "participants", f"参加人 {ALONE.format(n=0)}")],
                 id="home-visit-nobody-named"),
    pytest.param({"参加人": "李明,王芳"}, [], id="comma"),
    pytest.param({"参加人": "李明，王芳"}, [], id="full-width-comma"),
    pytest.param({"参加人": "李明 王芳 张老师"}, [], id="spaces"),
    pytest.param({"参加人": "李明、"}, [(2, "participants", f"参加人 “李明、” {ALONE.format(n=1)}")],
                 id="trailing-separator-is-no-person"),
    pytest.param({"方式": "电话", "参加人": "李明"}, [], id="a-call-by-one"),
    pytest.param({"需跟进": "是", "跟进措施": "联系班主任", "跟进期限": "2026-07-20",
                  "负责人": "李明"}, [], id="follow-up-complete"),
    pytest.param({"需跟进": "是"}, [
        (2, "follow_up", "跟进措施 未填:需跟进为“是”时须写明跟进措施。"),
        (2, "follow_up_by", "跟进期限 未填:需跟进为“是”时须写明跟进期限(最晚哪天完成),"
         "到期未完成会列入“待办”。"),
        (2, "owner", "负责人 未填:需跟进为“是”时请写明负责人,“待办”里会列出他的名字。")],
        id="follow-up-without-plan"),
    pytest.param({"需跟进": "是", "跟进措施": "再访", "跟进期限": "2026-07-10", "负责人": "李明"},
                 [(2, "follow_up_by", "跟进期限 “2026-07-10” 早于联系日期 2026-07-15:"
                   "跟进期限应在联系之后,请核对。")], id="deadline-before-the-contact"),
]


@pytest.mark.parametrize(("changes", "expected"), CONTACT_CASES)
def test_contact_rules(templates: dict[str, FormTemplate], changes: dict[str, str],
                       expected: list[tuple[int, str, str]]) -> None:
    assert _book(templates, "contact", [{**VISIT, **changes}]) == expected


INCIDENT = {"编号": "X0001", "日期": "2026-07-15", "时间": "14:30", "学校": "满城一小",
            "涉及儿童": "C0001", "类型": "受伤", "是否送医": "是", "通知家长时间": "14:45",
            "报告人": "李明", "状态": "处理中"}
NOT_TOLD = "通知家长时间 未填:送医时必须及时通知家长,请写明通知家长的时间(如 14:45)。"

INCIDENT_CASES = [
    pytest.param({}, [], id="hospital-parents-told"),
    pytest.param({"通知家长时间": ""}, [(2, "parents_told", NOT_TOLD)],
                 id="hospital-parents-not-told"),
    pytest.param({"是否送医": "否", "通知家长时间": ""}, [], id="no-hospital"),
    pytest.param({"通知家长时间": "2026-07-16 08:00"}, [], id="told-next-day"),
    pytest.param({"时间": "14：30"}, [], id="full-width-colon"),
    pytest.param({"时间": "下午"}, [(2, "time", "时间 “下午” 格式不对:写成 14:30 这样的时刻。")],
                 id="time-not-a-time"),
    pytest.param({"涉及儿童": "C0099"}, [
        (2, "child_id", "涉及儿童 “C0099” 在“留守儿童家庭情况登记表”表中找不到:请先在该表登记,"
         "或改成表中已有的名称/编号。")], id="unknown-child"),
]


@pytest.mark.parametrize(("changes", "expected"), INCIDENT_CASES)
def test_incident_rules(templates: dict[str, FormTemplate], changes: dict[str, str],
                        expected: list[tuple[int, str, str]]) -> None:
    assert _book(templates, "incident", [{**INCIDENT, **changes}]) == expected


VOLUNTEER = {"编号": "V0001", "姓名": "赵志愿", "性别": "男", "学号": "2024001",
             "手机号": "13700000003", "紧急联系人": "赵父", "紧急联系人电话": "13700000004"}


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"保险单号": "PICC-2026-001", "保险开始": "2026-07-01", "保险结束": "2026-08-31"},
                 [], id="insured"),
    pytest.param({"保险开始": "2026-08-31", "保险结束": "2026-07-01"},
                 [(2, "insurance_end", "保险结束 “2026-07-01” 早于保险开始 2026-08-31:"
                   "请对照保单核对这两个日期。")], id="insurance-ends-before-it-starts"),
])
def test_volunteer_insurance_dates(templates: dict[str, FormTemplate], changes: dict[str, str],
                                   expected: list[tuple[int, str, str]]) -> None:
    assert _book(templates, "volunteer", [{**VOLUNTEER, **changes}]) == expected


# --------------------------------------------------------------------------- routes

@pytest.mark.parametrize(("form", "first"), [
    pytest.param("attendance", "school", id="attendance"),
    pytest.param("contact", "child_id", id="contact"),
    pytest.param("incident", "school", id="incident"),
])
def test_care_forms_reach_the_county_spoke(templates: dict[str, FormTemplate], form: str,
                                           first: str) -> None:
    route = find_route(form, "county", templates, ("school", "child", form))
    assert route is not None and route.hops[0].field == first
    router = Router(templates)
    router.set("school", {"S0001": {"id": "S0001", "name": "满城一小", "county": "满城"}})
    router.set("child", {"C0001": {"id": "C0001", "school": "满城一小", "county": "满城"}})
    values = {"school": "满城一小", "child_id": "C0001"}
    assert router.text(route, values) == "满城"


def test_a_contact_follows_its_child(templates: dict[str, FormTemplate]) -> None:
    route = find_route("contact", "county", templates, ("child", "contact"))
    assert route is not None and route.text(templates) == "儿童编号 → 留守儿童家庭情况登记表的县"


# --------------------------------------------------------------------------- config

@pytest.mark.parametrize(("raw", "message"), [
    pytest.param({"walk_home_min_grade": 9},
                 "sheets-sync.toml: [program] walk_home_min_grade 应为 1–6 的整数(不加引号),"
                 "例如 walk_home_min_grade = 5:几年级及以上的儿童可以自行回家。", id="grade-9"),
    pytest.param({"walk_home_min_grade": "5"},
                 "sheets-sync.toml: [program] walk_home_min_grade 应为 1–6 的整数(不加引号),"
                 "例如 walk_home_min_grade = 5:几年级及以上的儿童可以自行回家。", id="quoted"),
    pytest.param({"cadence": {"每周家访": "7d"}},
                 "sheets-sync.toml: [program.cadence] 中的“每周家访”不认识:可以写 谈心、亲情视频、"
                 "亲情电话、家访,例如 [program.cadence] 里写 \"谈心\" = \"30d\"、\"亲情视频\" = \"7d\""
                 "(中文键名要加英文引号)。",
                 id="unknown-cadence"),
    pytest.param({"cadence": {"谈心": "一个月"}},
                 "sheets-sync.toml: [program.cadence] 谈心 = '一个月' 不是天数:请写成 \"30d\""
                 "(30 天)或 \"1w\"(1 周),写 \"0d\" 表示不跟踪,例如 [program.cadence] 里写 "
                 "\"谈心\" = \"30d\"、\"亲情视频\" = \"7d\"(中文键名要加英文引号)。", id="cadence-not-days"),
    pytest.param({"cadence": "30d"},
                 "sheets-sync.toml: [program] cadence 应为一个表,例如 [program.cadence] 里写 "
                 "\"谈心\" = \"30d\"、\"亲情视频\" = \"7d\"(中文键名要加英文引号)。", id="cadence-not-a-table"),
])
def test_care_settings_are_checked(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        program_from_dict(raw)
    assert str(err.value) == message


@pytest.mark.parametrize(("raw", "cadence"), [
    pytest.param({}, (("谈心", 30), ("亲情视频", 7)), id="the-plan"),
    pytest.param({"谈心": "4w", "亲情电话": "3天"}, (("谈心", 28), ("亲情视频", 7), ("亲情电话", 3)),
                 id="weeks-and-days"),
    pytest.param({"亲情视频": "0d", "家访": 14}, (("谈心", 30), ("家访", 14)), id="off-and-int"),
])
def test_cadence_over_the_defaults(raw: dict[str, Any],
                                   cadence: tuple[tuple[str, int], ...]) -> None:
    program = program_from_dict({"cadence": raw})
    assert program.cadence == cadence
    assert program.walk_home_min_grade == 5


# --------------------------------------------------------------------------- rule kinds at load

def _attendance_with(rule: dict[str, Any]) -> dict[str, Any]:
    data = yaml.safe_load((template_dir() / "attendance.yaml").read_text(encoding="utf-8"))
    data["rules"] = [rule]
    return data


BROKEN = [
    pytest.param({"rule": "require_all", "field": "pickup", "all": {"field": "status"}},
                 'attendance.yaml: field "rules[0]": "all" must be a list of conditions',
                 id="all-not-a-list"),
    pytest.param({"rule": "require_all", "field": "pickup",
                  "all": [{"field": "status", "is": "到"}]},
                 'attendance.yaml: field "rules[0]": unknown condition keys: is',
                 id="bad-condition"),
    pytest.param({"rule": "require_all", "field": "pickup", "all": [{"field": "grade"}]},
                 'attendance.yaml: field "rules[0]": rule "require_all" names unknown field '
                 '"grade"', id="unknown-field"),
    pytest.param({"rule": "require_all", "field": "pickup",
                  "all": [{"field": "status", "in": ["到"]}],
                  "unless": [{"field": "status", "via": "grade", "gte": 5}]},
                 'attendance.yaml: field "rules[0]": rule "require_all": "via: grade" needs field '
                 '"status" to be a ref to a form with that field', id="via-without-ref"),
    pytest.param({"rule": "require_all", "field": "pickup",
                  "all": [{"field": "status", "in": ["到"]}],
                  "unless": [{"field": "child_id", "via": "class_year", "gte": 5}]},
                 'attendance.yaml: field "rules[0]": rule "require_all": "via: class_year" needs '
                 'field "child_id" to be a ref to a form with that field', id="via-unknown-field"),
    pytest.param({"rule": "min_items", "field": "pickup"},
                 'attendance.yaml: field "rules[0]": rule "min_items" needs: min',
                 id="min-items-without-min"),
]


@pytest.mark.parametrize(("rule", "message"), BROKEN)
def test_a_broken_care_rule_fails_at_load(tmp_path: Path, rule: dict[str, Any],
                                          message: str) -> None:
    for path in template_dir().glob("*.yaml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "attendance.yaml").write_text(
        yaml.safe_dump(_attendance_with(rule), allow_unicode=True), encoding="utf-8")
    with pytest.raises(FormTemplateError) as err:
        load_templates(tmp_path)
    assert str(err.value) == message
