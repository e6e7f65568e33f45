"""Two different children of one common name, one school and one birth year are not one
child; the same child typed again with a typo still is.

Each case adds two synthetic children to the demo's 1,500 (as in test_dedupe_matching):
王浩然 of 城关镇中心小学, born in 2015, and either another 王浩然 of that school and year
(another day, guardian, phone, grade; no ID or an ID that does not check) or a copy.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sheets_sync.config import Program
from sheets_sync.dedupe.gen import generate
from sheets_sync.dedupe.matching import find_duplicates
from sheets_sync.demo.build import demo_books
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.template import default_templates
from sheets_sync.table import Grid
from tests.test_dedupe_matching import KID, TAB, pair_of, run


@pytest.fixture(scope="module")
def background() -> list[list[str]]:
    return demo_books().books["总表.xlsx"][TAB]


HAORAN = {**KID, "编号": "C9001", "姓名": "王浩然"}
NOT_CHECKING = make_id("130607", dt.date(2015, 3, 21), 40, "男")[:-1] + "0"


def namesake(**changes: str) -> dict[str, str]:
    """Another 王浩然 of 城关镇中心小学, born 2015: his own day, guardian, phone and grade."""
    return {**HAORAN, "编号": "C9002", "出生日期": "2015-09-21", "身份证号": "", "年级": "3",
            "父亲姓名": "", "父亲电话": "", "母亲姓名": "", "母亲电话": "",
            "监护人姓名": "李秀兰", "与儿童关系": "祖母", "监护人电话": "15898765432", **changes}


def copy(**changes: str) -> dict[str, str]:
    return {**HAORAN, "编号": "C9002", "身份证号": "", **changes}


@pytest.mark.parametrize(("first", "other"), [
    pytest.param(HAORAN, namesake(), id="other-month-no-id"),
    pytest.param(HAORAN, namesake(出生日期="2015-03-21"), id="same-month-other-day"),
    pytest.param(HAORAN, namesake(出生日期="2015-03-18"), id="day-one-digit-apart"),
    pytest.param(HAORAN, namesake(出生日期="2015-03-21", 身份证号=NOT_CHECKING),
                 id="id-that-does-not-check"),
    pytest.param({**HAORAN, "身份证号": ""}, namesake(出生日期="2015-03-28"),
                 id="neither-has-an-id"),
    pytest.param(HAORAN, namesake(出生日期="2015-03-18", 父亲姓名="王军",
                                  父亲电话="15012340001"), id="own-father"),
])
def test_common_name_school_and_year_is_not_one_child(background: list[list[str]],
                                                      first: dict[str, str],
                                                      other: dict[str, str]) -> None:
    assert pair_of(run(background, first, other), "C9001", "C9002") is None


@pytest.mark.parametrize(("dup", "reason"), [
    pytest.param(copy(出生日期="2015-03-18"), "出生日期相近", id="day-mistyped"),
    pytest.param(copy(出生日期="2016-03-08"), "出生日期相近", id="year-mistyped"),
    pytest.param(copy(出生日期="2015-08-08"), "出生日期相近", id="month-mistyped"),
    pytest.param(copy(出生日期="2015-03-09", 监护人电话="13700000000", 父亲电话="", 母亲电话=""),
                 "监护人姓名相同", id="new-phone-and-a-day-off"),
    pytest.param(copy(监护人姓名="苏秀英", 与儿童关系="母亲"), "监护人电话相同",
                 id="other-guardian-same-phone"),
    pytest.param(copy(出生日期="2015-03-18", 年级="5"), "出生日期相近",
                 id="next-grade-and-a-typo"),
])
def test_the_same_child_typed_again_is_still_found(background: list[list[str]],
                                                   dup: dict[str, str], reason: str) -> None:
    reasons = pair_of(run(background, HAORAN, dup), "C9001", "C9002")
    assert reasons is not None
    assert reasons[0] == "姓名相同(王浩然)"
    assert reason in reasons


def test_planted_namesakes_are_not_linked_and_duplicates_are() -> None:
    gen = generate(3000, seed=5, namesakes=0.05)
    res = find_duplicates({"留守儿童家庭情况登记表": Grid(gen.rows)}, default_templates(),
                          Program())
    found = {(min(p.a.row, p.b.row) - 2, max(p.a.row, p.b.row) - 2) for p in res.pairs}
    namesakes, true = gen.namesake_pairs(), gen.true_pairs()
    assert len(namesakes) > 50
    assert not found & namesakes
    assert not found & gen.family_pairs()
    assert len(found & true) / len(true) >= 0.99
    assert len(found & true) / len(found) >= 0.99
