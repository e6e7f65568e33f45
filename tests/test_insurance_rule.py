"""A volunteer on a team visiting a school is insured on every day of the visit (#17).

The rule (``covers_dates`` on 志愿者报名表, declared in ``volunteer.yaml``) on small books:
one team, its visits in 进驻安排, one volunteer with or without 保险开始/保险结束.
Synthetic data only: made-up names, 编号 and schools.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from sheets_sync.config import Program
from sheets_sync.errors import FormTemplateError
from sheets_sync.forms.rule_names import rule_name
from sheets_sync.forms.schema import rule_text
from sheets_sync.forms.template import load_templates, template_dir
from sheets_sync.forms.validate import validate_grids
from sheets_sync.table import Grid

PROGRAM = Program(counties=("满城", "顺平", "清苑"))
SCHOOLS = [["编号", "学校名称", "县", "协议已签"], ["S0001", "东王庄小学", "顺平", "是"],
           ["S0002", "西河中心小学", "顺平", "是"]]
TEAMS = [["编号", "支队名称", "所属大队"], ["G0001", "顺平一支队", "顺平"]]
VISIT_HEAD = ["编号", "支队", "学校", "开始日期", "结束日期", "状态"]
WEEK1 = ["R0001", "顺平一支队", "东王庄小学", "2026-07-07", "2026-07-12", "计划"]
WEEK2 = ["R0002", "顺平一支队", "西河中心小学", "2026-07-14", "2026-07-19", "计划"]
VOL_HEAD = ["编号", "姓名", "学号", "手机号", "紧急联系人", "紧急联系人电话", "所属大队",
            "所属支队", "保险单号", "保险开始", "保险结束"]


def _volunteer(no: int, team: str = "顺平一支队", start: str = "2026-07-01",
               end: str = "2026-08-31", policy: str = "PICC-2026-001") -> list[str]:
    return [f"V{no:04d}", f"赵志{'一二三四五六七八九'[no - 1]}", f"202400{no}",
            f"1370000{no:04d}", "赵父", f"1370001{no:04d}", "顺平", team, policy, start, end]


def problems(volunteer: list[str], visits: list[list[str]], *, others: int = 7,
             with_rotation: bool = True) -> list[tuple[str, str, str]]:
    """(cell, code, detail) of the problems in 志愿者报名表 of a book with one team of
    ``others`` + 1 insured-or-not volunteers and ``visits``."""
    vols = [VOL_HEAD, volunteer] + [_volunteer(i) for i in range(2, 2 + others)]
    grids = {"学校": Grid.from_rows(SCHOOLS), "支队": Grid.from_rows(TEAMS),
             "志愿者报名表": Grid.from_rows(vols)}
    if with_rotation:
        grids["进驻安排"] = Grid.from_rows([VISIT_HEAD, *visits])
    report = validate_grids(grids, load_templates(), PROGRAM)
    return [(p.cell, p.code, p.detail) for p in report.problems if p.tab == "志愿者报名表"]


ADVICE = ("进驻期间每名志愿者都须有团体意外人身保险:请对照保单核对保险开始和保险结束,"
          "或为这几天加保;不能加保的,请把他移出该支队(改“所属支队”),不要随队进驻。")
NONE_ADVICE = ("进驻期间每名志愿者都须有团体意外人身保险:请填写保险单号、保险开始和保险结束;"
               "还没有投保的,请先投保,或把他移出该支队(改“所属支队”),不要随队进驻。")

CASES = [
    pytest.param(_volunteer(1), [WEEK1, WEEK2], [], id="insured-all-summer"),
    pytest.param(_volunteer(1, start="2026-07-07", end="2026-07-19"), [WEEK1, WEEK2], [],
                 id="insured-exactly-the-visit-days"),
    pytest.param(_volunteer(1, start="2026-07-10"), [WEEK1, WEEK2], [
        ("J2", "cover.gap",
         "保险开始 “2026-07-10” 晚于支队进驻:所属支队“顺平一支队”在“进驻安排”第 2 行"
         "(东王庄小学,2026-07-07 至 2026-07-12)进驻,其中 2026-07-07 至 2026-07-09 不在这名"
         "志愿者的保险期内(保险 2026-07-10 至 2026-08-31)。" + ADVICE)],
                 id="insurance-starts-after-the-first-visit-day"),
    pytest.param(_volunteer(1, end="2026-07-14"), [WEEK1, WEEK2], [
        ("K2", "cover.gap",
         "保险结束 “2026-07-14” 早于支队进驻:所属支队“顺平一支队”在“进驻安排”第 3 行"
         "(西河中心小学,2026-07-14 至 2026-07-19)进驻,其中 2026-07-15 至 2026-07-19 不在这名"
         "志愿者的保险期内(保险 2026-07-01 至 2026-07-14)。" + ADVICE)],
                 id="insurance-ends-before-the-last-visit-day"),
    pytest.param(_volunteer(1, start="2026-07-12", end="2026-07-12"), [WEEK1], [
        ("J2", "cover.gap",
         "保险开始 “2026-07-12” 晚于支队进驻:所属支队“顺平一支队”在“进驻安排”第 2 行"
         "(东王庄小学,2026-07-07 至 2026-07-12)进驻,其中 2026-07-07 至 2026-07-11 不在这名"
         "志愿者的保险期内(保险 2026-07-12 至 2026-07-12)。" + ADVICE)],
                 id="insured-on-the-last-day-only"),
    pytest.param(_volunteer(1, start="2026-08-01", end="2026-08-31"), [WEEK1, WEEK2], [
        ("J2", "cover.gap",
         "保险开始 “2026-08-01” 晚于支队进驻:所属支队“顺平一支队”在“进驻安排”第 2 行"
         "(东王庄小学,2026-07-07 至 2026-07-12)、第 3 行(西河中心小学,2026-07-14 至 "
         "2026-07-19)进驻,其中 2026-07-07 至 2026-07-12、2026-07-14 至 2026-07-19 不在这名"
         "志愿者的保险期内(保险 2026-08-01 至 2026-08-31)。" + ADVICE)],
                 id="insured-only-after-every-visit"),
    pytest.param(_volunteer(1, start="", end="", policy=""), [WEEK1, WEEK2], [
        ("J2", "cover.gap",
         "保险开始 未填:所属支队“顺平一支队”在“进驻安排”第 2 行(东王庄小学,2026-07-07 至 "
         "2026-07-12)、第 3 行(西河中心小学,2026-07-14 至 2026-07-19)进驻,这名志愿者的"
         "保险日期却没有填全。" + NONE_ADVICE)],
                 id="no-insurance-at-all"),
    pytest.param(_volunteer(1, end=""), [WEEK1], [
        ("K2", "cover.gap",
         "保险结束 未填:所属支队“顺平一支队”在“进驻安排”第 2 行(东王庄小学,2026-07-07 至 "
         "2026-07-12)进驻,这名志愿者的保险日期却没有填全。" + NONE_ADVICE)],
                 id="insurance-end-blank"),
    pytest.param(_volunteer(1, start="", end="", policy=""),
                 [[*WEEK1[:-1], "取消"], [*WEEK2[:-1], "已取消"]], [],
                 id="cancelled-visits-need-no-insurance"),
    pytest.param(_volunteer(1, team="", start="", end="", policy=""), [WEEK1], [],
                 id="no-team-no-visit"),
    pytest.param(_volunteer(1, team="顺平 一支队", start="2026-07-08"), [WEEK1], [
        ("J2", "cover.gap",
         "保险开始 “2026-07-08” 晚于支队进驻:所属支队“顺平 一支队”在“进驻安排”第 2 行"
         "(东王庄小学,2026-07-07 至 2026-07-12)进驻,其中 2026-07-07 不在这名"
         "志愿者的保险期内(保险 2026-07-08 至 2026-08-31)。" + ADVICE)],
                 id="team-named-with-a-space-one-day-uncovered"),
]


@pytest.mark.parametrize(("volunteer", "visits", "expected"), CASES)
def test_rule(volunteer: list[str], visits: list[list[str]],
              expected: list[tuple[str, str, str]]) -> None:
    assert problems(volunteer, visits) == expected


def test_both_ends_outside_gives_a_problem_on_each_date() -> None:
    found = problems(_volunteer(1, start="2026-07-08", end="2026-07-15"), [WEEK1, WEEK2])
    assert [(cell, code) for cell, code, _ in found] == [("J2", "cover.gap"),
                                                         ("K2", "cover.gap")]
    assert "其中 2026-07-07 不在" in found[0][2] and "其中 2026-07-16 至 2026-07-19 不在" in found[1][2]


def test_many_visits_are_shortened() -> None:
    weeks = [[f"R{k:04d}", "顺平一支队", "东王庄小学" if k % 2 else "西河中心小学",
              f"2026-07-{7 * k:02d}", f"2026-07-{7 * k + 2:02d}", "计划"] for k in range(1, 5)]
    (_, _, detail), = problems(_volunteer(1, start="", end="", policy=""), weeks)
    assert "第 2 行(东王庄小学,2026-07-07 至 2026-07-09)、第 3 行" in detail
    assert "第 4 行(东王庄小学,2026-07-21 至 2026-07-23)等 4 次进驻" in detail


def test_a_book_without_visits_is_not_checked() -> None:
    assert problems(_volunteer(1, start="", end="", policy=""), [], with_rotation=False) == []


def test_a_volunteers_tab_without_insurance_columns_is_not_checked() -> None:
    head = VOL_HEAD[:8]
    vols = [head] + [_volunteer(i)[:8] for i in range(1, 9)]
    grids = {"学校": Grid.from_rows(SCHOOLS), "支队": Grid.from_rows(TEAMS),
             "志愿者报名表": Grid.from_rows(vols),
             "进驻安排": Grid.from_rows([VISIT_HEAD, WEEK1])}
    report = validate_grids(grids, load_templates(), PROGRAM)
    assert [p for p in report.problems if p.code == "cover.gap"] == []


def test_the_rule_has_a_chinese_name_and_a_sentence() -> None:
    t = load_templates()["volunteer"]
    rule = next(r for r in t.rules if r.kind == "covers_dates")
    assert rule_name("cover.gap") == "进驻日期不在保险期内"
    assert rule_text(t, rule, PROGRAM) == "所属支队在“进驻安排”中的每次安排,都须在保险开始–保险结束之内"


def _broken(change: dict[str, Any], tmp_path: Any) -> str:
    d = tmp_path / "templates"
    d.mkdir()
    for src in template_dir().glob("*.yaml"):
        data = yaml.safe_load(src.read_text(encoding="utf-8"))
        if data["form"] == "volunteer":
            rule = next(r for r in data["rules"] if r["rule"] == "covers_dates")
            rule.update(change)
            for k in [k for k, v in change.items() if v is None]:
                del rule[k]
        (d / src.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FormTemplateError) as e:
        load_templates(d)
    return str(e.value)


@pytest.mark.parametrize(("change", "expected"), [
    pytest.param({"visit_end": None},
                 'volunteer.yaml: field "rules[3]": rule "covers_dates" needs: visit_end',
                 id="missing-parameter"),
    pytest.param({"visit_start": "begin"},
                 'volunteer.yaml: field "rules[3]": rule "covers_dates": form "rotation" has no '
                 'field "begin"', id="unknown-field-of-the-visits"),
    pytest.param({"visits": "rotation.squad"},
                 'volunteer.yaml: field "rules[3]": rule "covers_dates": form "rotation" has no '
                 'field "squad"', id="unknown-visits-target"),
    pytest.param({"start": "insured_from"},
                 'volunteer.yaml: field "rules[3]": rule "covers_dates" names unknown field '
                 '"insured_from"', id="unknown-own-field"),
    pytest.param({"visit_when": {"field": "status", "notin": ["取消"]}},
                 'volunteer.yaml: field "rules[3]": unknown condition keys: notin',
                 id="bad-visit-condition"),
])
def test_a_wrong_declaration_fails_at_load(change: dict[str, Any], expected: str,
                                           tmp_path: Any) -> None:
    assert _broken(change, tmp_path) == expected

