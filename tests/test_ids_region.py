"""Six-digit region codes: python-stdnum's table decides, by birth year, guarded and fast.

Every ID here is synthetic (make_id); region codes are real codes of stdnum's cn/loc.dat,
or codes that do not exist (139606).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import stdnum
from stdnum.cn import ric

from sheets_sync.config import Program
from sheets_sync.forms.findings import problems_tab
from sheets_sync.forms.ids import (
    ROW_AREA,
    ROW_VALID,
    id_problem,
    id_rows_check,
    make_id,
    region_exists,
)
from sheets_sync.forms.normalize import normalize_column
from sheets_sync.forms.template import Field, default_templates
from sheets_sync.forms.validate import validate_grids

from .samples import CHILD, SCHOOL, grid

TODAY = dt.date(2026, 6, 1)
NOWHERE = make_id("139606", dt.date(2015, 3, 8), 12, "女")  # 河北 + a code that never was
ID_FIELD = Field("id_number", "身份证号", type="cn_id")
AREA_MSG = "身份证号前 6 位不是存在的地区代码(出生时的行政区划代码),可能有数字写错。请核对证件重新输入。"


def _matrix(numbers: list[str]) -> np.ndarray:
    return np.frombuffer("".join(numbers).encode("utf-16-le"), dtype=np.uint16).reshape(-1, 18)


@pytest.mark.parametrize(("region", "born", "problem"), [
    pytest.param("139606", dt.date(2015, 3, 8), "id.area", id="nonexistent-region"),
    pytest.param("130621", dt.date(2010, 3, 8), None, id="mancheng-county-before-2015"),
    pytest.param("130621", dt.date(2016, 3, 8), "id.area", id="mancheng-county-gone-after-2015"),
    pytest.param("130607", dt.date(2014, 3, 8), "id.area", id="mancheng-district-before-it-was"),
    pytest.param("130607", dt.date(2015, 3, 8), None, id="mancheng-district-from-2015"),
    pytest.param("130602", dt.date(2010, 1, 1), None, id="renamed-code-first-name"),
    pytest.param("130602", dt.date(2020, 1, 1), None, id="renamed-code-second-name"),
    pytest.param("810000", dt.date(1980, 1, 1), None, id="hong-kong-residence-permit"),
    pytest.param("830000", dt.date(1975, 1, 1), None, id="taiwan-residence-permit"),
])
def test_the_birth_year_decides_which_region_codes_count(region: str, born: dt.date,
                                                         problem: str | None) -> None:
    number = make_id(region, born, 12, "女")
    assert id_problem(number, TODAY) == problem
    verdict = id_rows_check(_matrix([number]), TODAY).tolist()
    assert verdict == [ROW_AREA if problem else ROW_VALID]


def test_a_wrong_check_digit_is_said_before_an_unknown_region() -> None:
    wrong = NOWHERE[:17] + ("1" if NOWHERE[17] != "1" else "2")
    assert id_problem(wrong, TODAY) == "id.checksum"


@pytest.mark.skipif(stdnum.__version__ != "2.2", reason="the KeyError is stdnum 2.2's")
def test_stdnum_raises_key_error_where_the_guard_answers_false() -> None:
    with pytest.raises(KeyError):
        ric.is_valid(NOWHERE)
    assert region_exists("139606", 2015) is False


@pytest.mark.parametrize("region", [
    pytest.param("139606", id="province-known-rest-unknown"),
    pytest.param("990000", id="no-such-province"),
    pytest.param("13060", id="five-digits"),
    pytest.param("13060x", id="not-digits"),
])
def test_region_exists_never_raises(region: str) -> None:
    assert region_exists(region, 2015) is False


def test_an_old_15_digit_id_is_checked_for_its_19yy_year() -> None:
    fine = normalize_column(pd.Series(["110105700101123"], dtype=object), ID_FIELD, Program())
    assert fine.issues[0].code == "id.old15"
    gone = normalize_column(pd.Series(["130607700101123"], dtype=object), ID_FIELD, Program())
    assert gone.issues[0].code == "id.area"  # 满城区 did not exist in 1970


def test_the_column_engine_asks_each_region_and_year_once() -> None:
    numbers = [make_id(region, dt.date(year, 1 + k % 12, 1 + k % 28), k % 500, "男")
               for k in range(3000)
               for region, year in [(("130607", 2015), ("130621", 2010), ("139606", 2015))[k % 3]]]
    region_exists.cache_clear()
    r = normalize_column(pd.Series(numbers, dtype=object), ID_FIELD, Program())
    assert region_exists.cache_info().misses == 3
    assert sorted({i.code for i in r.issues.values()}) == ["id.area"]
    assert len(r.issues) == 1000


def test_a_nonexistent_region_is_an_error_naming_the_cell_and_masked_in_the_problems_tab() -> None:
    child = {**CHILD, "身份证号": NOWHERE, "出生日期": "2015-03-08"}
    report = validate_grids({"学校": grid(SCHOOL), "留守儿童家庭情况登记表": grid(child)},
                            default_templates(), Program())
    assert [(p.cell, p.code, p.severity) for p in report.problems] == [("E2", "id.area", "error")]
    assert report.problems[0].message == f"留守儿童家庭情况登记表!E2 身份证号 “{NOWHERE}” {AREA_MSG}"
    row = problems_tab(report).rows[1]
    assert row[4] == "139606********0241" and NOWHERE not in row[8]
    assert row[8] == f"留守儿童家庭情况登记表!E2 身份证号 “139606********0241” {AREA_MSG}"
