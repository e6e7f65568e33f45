"""Chinese resident ID numbers (居民身份证号码): checksum, region, birth date, sex.

An 18-character ID is ``RRRRRR YYYYMMDD SSS C``: a 6-digit region code whose first two
digits name the province, the birth date, a 3-digit sequence (odd for men, even for
women) and a check character (``0``–``9`` or ``X``, ISO 7064 MOD 11-2). The old 15-digit
form has a 2-digit year and no check character; :func:`upgrade_15` gives its 18-digit form.

The region code is checked twice: its first two digits against the provinces, then all
six against python-stdnum's table of region codes (``stdnum.cn.loc``), where the birth year
decides which historical codes count (满城县 130621 until 2015, 满城区 130607 from 2015),
as :func:`stdnum.cn.ric.get_birth_place` does. :func:`region_exists` is that check, guarded:
stdnum 2.2 raises ``KeyError`` (not ``InvalidComponent``) for a code it knows only the
province of (``139606``). The residence permits of Hong Kong, Macau and Taiwan residents
(810000, 820000, 830000) are codes of their own, valid whatever the birth year.

Besides the per-value helpers, :func:`id_rows_valid` checks a whole column at once on a
matrix of character codes, for the normaliser's fast path; it looks up each distinct
(region, birth year) pair once.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

import numpy as np
import pandas as pd
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

PROVINCE_CODES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
    "83": "台湾居民居住证",
}
"""First two digits of a valid ID -> province (incl. HK/Macau/Taiwan residence permits)."""

RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})
"""港澳台居民居住证: the region code of the permit, not of a birth place."""

EARLIEST_BIRTH = dt.date(1900, 1, 1)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_checksum(first17: str) -> str:
    """The check character (``0``–``9`` or ``X``) for the first 17 digits of an ID."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def _date8(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def upgrade_15(id15: str) -> str:
    """The 18-digit form of a 15-digit old ID (year 19YY, check character appended)."""
    if len(id15) != 15 or not id15.isascii() or not id15.isdigit():
        raise ValueError(f"need a 15-digit old ID, got {id15!r}")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + id_checksum(first17)


def _as18(id_number: str) -> str | None:
    s = id_number.upper()
    if len(s) == 15 and s.isascii() and s.isdigit():
        return upgrade_15(s)
    if len(s) == 18 and s.isascii() and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X"):
        return s
    return None


def id_birth_date(id_number: str) -> dt.date | None:
    """Birth date written in an 18- (or old 15-) digit ID; ``None`` if it is no real date."""
    s = _as18(id_number)
    return _date8(s[6:14]) if s else None


def id_sex(id_number: str) -> str:
    """``"男"`` when the sequence digit (17th; 15th of an old ID) is odd, else ``"女"``."""
    s = _as18(id_number)
    if s is None:
        raise ValueError(f"not an ID number: {id_number!r}")
    return "男" if int(s[16]) % 2 else "女"


@functools.lru_cache(maxsize=1 << 16)
def region_exists(region6: str, year: int) -> bool:
    """Whether ``region6`` was a region code (行政区划代码) for someone born in ``year``.

    python-stdnum's table decides, as :func:`stdnum.cn.ric.get_birth_place` does; a code
    stdnum answers with ``KeyError`` (2.2: known province, unknown rest) is no region.
    """
    if len(region6) != 6 or not region6.isascii() or not region6.isdigit():
        return False
    if region6 in RESIDENCE_PERMIT_REGIONS:
        return True
    if not 1 <= year <= 9999:
        return False
    try:
        ric.get_birth_place(f"{region6}{year:04d}0101")
    except (ValidationError, KeyError, ValueError):
        return False
    return True


def id_problem(id18: str, today: dt.date | None = None) -> str | None:
    """What is wrong with an 18-character ID of the right shape, most specific first.

    ``"id.region"`` (no such province), ``"id.birth_date"`` (not a real date, before 1900
    or after ``today``), ``"id.checksum"``, ``"id.area"`` (the six-digit region code did
    not exist in the birth year: :func:`region_exists`), or ``None`` when it is valid.
    A wrong check character comes before an unknown region: it says a digit is wrong.
    """
    if id18[:2] not in PROVINCE_CODES:
        return "id.region"
    born = _date8(id18[6:14])
    if born is None or not EARLIEST_BIRTH <= born <= (today or dt.date.today()):
        return "id.birth_date"
    if id_checksum(id18[:17]) != id18[17]:
        return "id.checksum"
    if not region_exists(id18[:6], born.year):
        return "id.area"
    return None


def is_valid_id(s: str) -> bool:
    """True for a valid 18-character ID (a lower-case final ``x`` is accepted)."""
    if not isinstance(s, str) or len(s) != 18:
        return False
    s = s.upper()
    if not (s.isascii() and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        return False
    return id_problem(s) is None


def make_id(region6: str, birth: dt.date, seq: int, sex: str) -> str:
    """A synthetic ID with a valid checksum, for demo data and tests.

    ``seq`` (0–499) picks the sequence code ``2*seq`` (女) or ``2*seq + 1`` (男).
    """
    if len(region6) != 6 or not region6.isascii() or not region6.isdigit():
        raise ValueError(f"region code must be 6 digits, got {region6!r}")
    if not 0 <= seq <= 499:
        raise ValueError(f"seq must be 0–499, got {seq}")
    if sex not in ("男", "女"):
        raise ValueError(f'sex must be "男" or "女", got {sex!r}')
    code = 2 * seq + (1 if sex == "男" else 0)
    first17 = f"{region6}{birth:%Y%m%d}{code:03d}"
    return first17 + id_checksum(first17)


# --------------------------------------------------------------------------- vectorised

_PROVINCE_OK = np.zeros(2816, dtype=bool)  # indexed by 10*d0 + d1 for any byte values d0, d1
_PROVINCE_OK[[int(k) for k in PROVINCE_CODES]] = True
_CHECK_DIGITS = np.frombuffer(_CHECK.encode("ascii"), dtype=np.uint8) - 48  # "X" -> 40
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)


def ymd_valid(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """``YYYYMMDD`` as int for the real dates (year 1–9999) among the arrays, else -1."""
    good_month = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = _DAYS[np.where(good_month, month, 0)] + ((month == 2) & leap)
    ok = good_month & (day >= 1) & (day <= days_in_month) & (year >= 1) & (year <= 9999)
    return np.where(ok, year * 10000 + month * 100 + day, -1)


ROW_VALID, ROW_SHAPE, ROW_REGION, ROW_BIRTH_DATE, ROW_CHECKSUM, ROW_AREA = range(6)


def id_rows_check(chars: np.ndarray, today: dt.date | None = None) -> np.ndarray:
    """Check every row of an ``(n, 18)`` array of character codes as an ID, in numpy.

    Per row (int8): ``ROW_VALID``; ``ROW_SHAPE`` (not 17 digits and a digit or upper-case
    ``X``); else the first failing check in :func:`id_problem`'s order: ``ROW_REGION``,
    ``ROW_BIRTH_DATE``, ``ROW_CHECKSUM``, ``ROW_AREA``. The region table is asked once per
    distinct (region, birth year) among the rows that pass every other check.
    """
    if chars.shape[0] == 0:
        return np.zeros(0, dtype=np.int8)
    d = chars.T - chars.dtype.type(48)  # wraps around: every non-digit becomes > 9
    if d.dtype.itemsize > 1:
        d = np.minimum(d, 255)
    d = d.astype(np.uint16, order="C")  # row k: the k-th character of every ID
    shape = d[0] <= 9
    for k in range(1, 17):
        shape &= d[k] <= 9
    shape &= (d[17] <= 9) | (d[17] == ord("X") - 48)
    region = _PROVINCE_OK[d[0] * 10 + d[1]]
    p = d[6:14].astype(np.int32)
    ymd = ymd_valid(p[0] * 1000 + p[1] * 100 + p[2] * 10 + p[3], p[4] * 10 + p[5],
                    p[6] * 10 + p[7])
    t = today or dt.date.today()
    born = (ymd >= EARLIEST_BIRTH.year * 10000) & (ymd <= t.year * 10000 + t.month * 100 + t.day)
    total = d[0] * _WEIGHTS[0]
    for k in range(1, 17):
        total += d[k] * _WEIGHTS[k]
    checksum = _CHECK_DIGITS[total % 11] == d[17]
    out = np.full(len(shape), ROW_VALID, dtype=np.int8)
    rest = shape & region & born & checksum
    if rest.any():  # (region * 10000 + birth year) per row, each distinct pair asked once
        code = d[0].astype(np.int64)
        for k in range(1, 6):
            code = code * 10 + d[k]
        which, pairs = pd.factorize(code[rest] * 10000 + ymd[rest] // 10000, size_hint=256)
        known = np.fromiter((region_exists(f"{k // 10000:06d}", k % 10000)
                             for k in pairs.tolist()), dtype=bool, count=len(pairs))
        if not known.all():
            out[np.flatnonzero(rest)[~known[which]]] = ROW_AREA
    out[~checksum] = ROW_CHECKSUM
    out[~born] = ROW_BIRTH_DATE
    out[~region] = ROW_REGION
    out[~shape] = ROW_SHAPE
    return out


def id_rows_valid(chars: np.ndarray, today: dt.date | None = None) -> np.ndarray:
    """Which rows of an ``(n, 18)`` array of character codes are valid canonical IDs."""
    return id_rows_check(chars, today) == ROW_VALID
