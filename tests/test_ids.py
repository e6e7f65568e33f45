"""Resident ID helpers: checksum, region, birth date, sex, 15 -> 18, synthetic IDs.

The two sample numbers are the published examples of GB 11643-1999 and its 15-digit
predecessor, not anyone's data; every other ID here is synthetic (make_id).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.forms.ids import (
    PROVINCE_CODES,
    ROW_AREA,
    ROW_BIRTH_DATE,
    ROW_CHECKSUM,
    ROW_REGION,
    ROW_SHAPE,
    ROW_VALID,
    id_birth_date,
    id_checksum,
    id_problem,
    id_rows_check,
    id_rows_valid,
    id_sex,
    is_valid_id,
    make_id,
    upgrade_15,
)
from tests.regions import region_and_birth

STANDARD_18 = "11010519491231002X"
STANDARD_15 = "110105491231002"
TODAY = dt.date(2026, 6, 1)


def test_checksum_of_the_standard_example() -> None:
    assert id_checksum(STANDARD_18[:17]) == "X"


@pytest.mark.parametrize("bad", [
    pytest.param("1101051949123100", id="checksum-needs-17-digits"),
    pytest.param("1101051949123100X", id="checksum-digits-only"),
])
def test_checksum_refuses_a_wrong_body(bad: str) -> None:
    with pytest.raises(ValueError):
        id_checksum(bad)


def test_upgrade_15_gives_the_standard_18_digit_form() -> None:
    assert upgrade_15(STANDARD_15) == STANDARD_18


def test_upgrade_15_refuses_other_lengths() -> None:
    with pytest.raises(ValueError):
        upgrade_15(STANDARD_18)


@pytest.mark.parametrize("number", [
    pytest.param(STANDARD_18, id="birth-18"),
    pytest.param(STANDARD_15, id="birth-15"),
    pytest.param(STANDARD_18.lower(), id="birth-18-lower-x"),
])
def test_birth_date(number: str) -> None:
    assert id_birth_date(number) == dt.date(1949, 12, 31)


@pytest.mark.parametrize("number", [
    pytest.param("110105194913310027", id="birth-month-13"),
    pytest.param("11010519491231", id="birth-too-short"),
    pytest.param("abc", id="birth-not-digits"),
])
def test_birth_date_none_when_not_a_date(number: str) -> None:
    assert id_birth_date(number) is None


@pytest.mark.parametrize(("number", "sex"), [
    pytest.param(STANDARD_18, "女", id="sex-even-is-female"),
    pytest.param(STANDARD_15, "女", id="sex-old-15"),
    pytest.param(make_id("130607", dt.date(2015, 3, 8), 7, "男"), "男", id="sex-odd-is-male"),
])
def test_sex(number: str, sex: str) -> None:
    assert id_sex(number) == sex


def test_sex_refuses_a_non_id() -> None:
    with pytest.raises(ValueError):
        id_sex("12345")


GOOD = make_id("130607", dt.date(2015, 3, 8), 12, "女")


@pytest.mark.parametrize(("number", "valid"), [
    pytest.param(GOOD, True, id="valid-synthetic"),
    pytest.param(STANDARD_18, True, id="valid-standard-example"),
    pytest.param(STANDARD_18.lower(), True, id="valid-lower-x"),
    pytest.param(GOOD[:17] + ("1" if GOOD[17] != "1" else "2"), False, id="invalid-checksum"),
    pytest.param("99" + GOOD[2:], False, id="invalid-region"),
    pytest.param(make_id("130607", dt.date(1899, 12, 31), 1, "男"), False, id="invalid-before-1900"),
    pytest.param(make_id("130607", dt.date(2999, 1, 1), 1, "男"), False, id="invalid-future"),
    pytest.param(GOOD[:17], False, id="invalid-17-chars"),
    pytest.param(STANDARD_15, False, id="invalid-old-15-is-not-18"),
    pytest.param(None, False, id="invalid-not-a-string"),
])
def test_is_valid_id(number: str, valid: bool) -> None:
    assert is_valid_id(number) is valid


@pytest.mark.parametrize(("number", "problem"), [
    pytest.param(GOOD, None, id="problem-none"),
    pytest.param("99" + GOOD[2:], "id.region", id="problem-region"),
    pytest.param(GOOD[:10] + "13" + GOOD[12:], "id.birth_date", id="problem-month-13"),
    pytest.param(GOOD[:17] + ("1" if GOOD[17] != "1" else "2"), "id.checksum",
                 id="problem-checksum"),
])
def test_id_problem_names_the_first_failing_check(number: str, problem: str | None) -> None:
    assert id_problem(number, TODAY) == problem


def test_province_codes_cover_the_program_counties() -> None:
    assert PROVINCE_CODES["13"] == "河北"
    assert all(len(k) == 2 and k.isdigit() for k in PROVINCE_CODES)


@pytest.mark.parametrize(("args", "what"), [
    pytest.param(("13060", dt.date(2015, 1, 1), 1, "男"), "region", id="make-short-region"),
    pytest.param(("130607", dt.date(2015, 1, 1), 500, "男"), "seq", id="make-seq-too-big"),
    pytest.param(("130607", dt.date(2015, 1, 1), 1, "M"), "sex", id="make-sex-not-chinese"),
])
def test_make_id_refuses_bad_arguments(args: tuple[str, dt.date, int, str], what: str) -> None:
    with pytest.raises(ValueError, match=what):
        make_id(*args)


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
region_births = region_and_birth(TODAY)


@given(region_birth=region_births, seq=st.integers(0, 499), sex=st.sampled_from(["男", "女"]))
def test_make_id_round_trips(region_birth: tuple[str, dt.date], seq: int, sex: str) -> None:
    region, birth = region_birth
    number = make_id(region, birth, seq, sex)
    assert len(number) == 18
    assert is_valid_id(number)
    assert id_problem(number, TODAY) is None
    assert id_birth_date(number) == birth
    assert id_sex(number) == sex


def _matrix(numbers: list[str]) -> np.ndarray:
    return np.frombuffer("".join(numbers).encode("utf-16-le"), dtype=np.uint16).reshape(-1, 18)


_VERDICT = {None: ROW_VALID, "id.region": ROW_REGION, "id.birth_date": ROW_BIRTH_DATE,
            "id.checksum": ROW_CHECKSUM, "id.area": ROW_AREA}


@given(st.lists(st.from_regex(r"[1-9][0-9]{16}[0-9Xx]", fullmatch=True)
                | st.text(st.sampled_from("0123456789X x０一"), min_size=18, max_size=18),
                max_size=30))
def test_vectorised_check_agrees_with_the_per_value_check(numbers: list[str]) -> None:
    verdicts = id_rows_check(_matrix(numbers), TODAY) if numbers else np.zeros(0)
    for number, verdict in zip(numbers, verdicts.tolist(), strict=True):
        shaped = number[:17].isascii() and number[:17].isdigit() and (
            (number[17].isdigit() and number[17].isascii()) or number[17] == "X")
        expected = _VERDICT[id_problem(number, TODAY)] if shaped else ROW_SHAPE
        assert verdict == expected, number


def test_rows_valid_on_a_byte_matrix() -> None:
    rows = np.frombuffer((GOOD + "99" + GOOD[2:]).encode("ascii"), dtype=np.uint8)
    assert id_rows_valid(rows.reshape(2, 18), TODAY).tolist() == [True, False]
