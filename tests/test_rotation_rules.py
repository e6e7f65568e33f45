"""The rules of 支队 and 进驻安排, one case each, with the exact message staff read."""

from __future__ import annotations

import dataclasses

import pytest

from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import validate_grids
from sheets_sync.table import Grid

from .schedule_data import PLAN

SCHOOLS = [["编号", "学校名称", "县", "乡镇", "协议已签"],
           ["S0001", "东王庄小学", "顺平", "东王庄", "是"],
           ["S0002", "满城小学", "满城", "城关", "是"]]
TEAMS = [["编号", "支队名称", "所属大队"], ["G0001", "顺平一支队", "顺平"]]
HEAD = ["编号", "支队", "学校", "开始日期", "结束日期", "状态"]


def volunteers(n: int, team: str = "顺平一支队") -> list[list[str]]:
    return [["编号", "姓名", "手机号", "所属支队"],
            *([f"V{i:04d}", "张三", f"1380000{i:04d}", team] for i in range(1, n + 1))]


def problems(rotation: list[list[str]], *, n_volunteers: int = 8, cross: bool = False,
             codes: tuple[str, ...] = ("overlap", "unique_where", "via.mismatch", "count.min",
                                       "count.max", "date.min", "date.max")) -> list[str]:
    grids = {"学校": Grid(SCHOOLS), "支队": Grid(TEAMS),
             "志愿者报名表": Grid(volunteers(n_volunteers)), "进驻安排": Grid([HEAD, *rotation])}
    found = validate_grids(grids, default_templates(),
                           dataclasses.replace(PLAN, cross_county=cross))
    return [f"{p.severity}:{p.message}" for p in found.problems if p.code in codes]


VISIT1 = ["R0001", "顺平一支队", "东王庄小学", "2026-07-07", "2026-07-12", "计划"]


@pytest.mark.parametrize(("rotation", "kw", "expected"), [
    pytest.param([VISIT1], {}, [], id="one-visit-is-fine"),
    pytest.param([VISIT1, ["R0002", "顺平一支队", "东王庄二小", "2026-07-10", "2026-07-15", "计划"]],
                 {"codes": ("overlap",)}, [
        "error:进驻安排!D2 开始日期 “2026-07-07” 与第 3 行(顺平一支队 在 东王庄二小,2026-07-10 至 "
        "2026-07-15)时间重叠:一个支队同一时间只能在一所学校。请改其中一行的开始日期或结束日期,"
        "或把不再执行的一行状态改为“取消”。",
        "error:进驻安排!D3 开始日期 “2026-07-10” 与第 2 行(顺平一支队 在 东王庄小学,2026-07-07 至 "
        "2026-07-12)时间重叠:一个支队同一时间只能在一所学校。请改其中一行的开始日期或结束日期,"
        "或把不再执行的一行状态改为“取消”。"], id="team-in-two-schools-at-once"),
    pytest.param([VISIT1, ["R0002", "顺平一支队", "东王庄二小", "2026-07-10", "2026-07-15", "取消"]],
                 {"codes": ("overlap",)}, [], id="a-cancelled-visit-does-not-overlap"),
    pytest.param([VISIT1, ["R0002", "顺平一支队", "东王庄小学", "2026-07-21", "2026-07-26", "计划"]],
                 {"codes": ("unique_where",)}, [
        "warning:进驻安排!C2 学校 “东王庄小学” 与第 3 行是同一所学校:一所学校只安排一次进驻"
        "(状态不是“取消”的只应有一行)。若是改期或换支队,请把不再执行的那一行状态改为“取消”。",
        "warning:进驻安排!C3 学校 “东王庄小学” 与第 2 行是同一所学校:一所学校只安排一次进驻"
        "(状态不是“取消”的只应有一行)。若是改期或换支队,请把不再执行的那一行状态改为“取消”。"],
                 id="school-visited-twice"),
    pytest.param([VISIT1, ["R0002", "顺平一支队", "东王庄小学", "2026-07-21", "2026-07-26", "取消"]],
                 {"codes": ("unique_where",)}, [], id="a-cancelled-second-visit-is-fine"),
    pytest.param([["R0001", "顺平一支队", "满城小学", "2026-07-07", "2026-07-12", "计划"]],
                 {"codes": ("via.mismatch",)}, [
        "error:进驻安排!B2 支队 “顺平一支队” 属于顺平大队(“支队”表第 2 行),学校“满城小学”却在满城县"
        "(“学校”表第 3 行):支队只在本大队的县进驻。请换一个满城大队的支队,或换一所顺平县的学校;"
        "确需跨县时,在 sheets-sync.toml 的 [program] 中写 cross_county = true。"],
                 id="team-outside-its-county"),
    pytest.param([["R0001", "顺平一支队", "满城小学", "2026-07-07", "2026-07-12", "计划"]],
                 {"codes": ("via.mismatch",), "cross": True}, [], id="cross-county-allowed"),
    pytest.param([["R0001", "顺平一支队", "东王庄小学", "2026-06-20", "2026-09-02", "计划"]],
                 {"codes": ("date.min", "date.max")}, [
        "error:进驻安排!D2 开始日期 “2026-06-20” 日期不能早于 2026-07-01(项目开始日期)。请核对。",
        "error:进驻安排!E2 结束日期 “2026-09-02” 日期不能晚于 2026-08-31(项目结束日期)。请核对。"],
                 id="dates-outside-the-program"),
    pytest.param([VISIT1], {"codes": ("count.min",), "n_volunteers": 5}, [
        "warning:支队!B2 支队名称 “顺平一支队” 有 5 名队员(“志愿者报名表”中所属支队写它的:第 2、3、4、"
        "5、6 行),不在 6–10 人之间(每队 8 人,可差 2 人):请在“志愿者报名表”的所属支队列增减队员,"
        "或在 sheets-sync.toml 的 [program] 中调整 team_size。"], id="team-too-small"),
    pytest.param([VISIT1], {"codes": ("count.max",), "n_volunteers": 11}, [
        "warning:支队!B2 支队名称 “顺平一支队” 有 11 名队员(“志愿者报名表”中所属支队写它的:第 2、3、"
        "4、5、6、7、8、9 行等 11 行),不在 6–10 人之间(每队 8 人,可差 2 人):请在“志愿者报名表”的所属"
        "支队列增减队员,或在 sheets-sync.toml 的 [program] 中调整 team_size。"],
                 id="team-too-big"),
    pytest.param([VISIT1], {"codes": ("count.min", "count.max"), "n_volunteers": 10}, [],
                 id="team-size-within-two"),
])
def test_rule(rotation: list[list[str]], kw: dict[str, object], expected: list[str]) -> None:
    assert problems(rotation, **kw) == expected  # type: ignore[arg-type]


def test_a_team_without_volunteers_tab_is_not_counted() -> None:
    grids = {"支队": Grid(TEAMS)}
    found = validate_grids(grids, default_templates(), PLAN)
    assert [p.code for p in found.problems if p.code.startswith("count")] == []
