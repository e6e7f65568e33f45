"""Scoring candidate pairs: Fellegi–Sunter weights with shipped parameters and vetoes.

Each :class:`Comparison` puts a pair at one level (0: a value is missing, no evidence);
each level has an m probability (among true duplicates) and a u probability (among
random pairs) and adds ``log2(m/u)`` to the pair's weight. Name equality uses the name's
own frequency as u (a common name like 张伟 says less than a rare one). The prior is
``log2(DUP_RATE / n)`` (about one duplicate per ``1/DUP_RATE`` records), so one set of
shipped parameters fits a program of a few hundred or of 500,000 records. When a form
has :data:`ESTIMATE_FROM` records or more, u is re-estimated from random pairs.

Hard negatives (twins, siblings, cousins) share a family and often a birth date; what
tells them apart is the ID and the given name. Level ``VETO`` (-1) rejects a pair
outright: two different valid IDs, or names that neither sound, a look-alike character
(:mod:`.confusions`) nor a swap explain; so does a name that is not the same together
with another sex or a birth date that is not the same or near, two records whose
father and mother are both named and both different (cousins of one name), and namesakes
of another family: the guardians are named and differ, the phones differ, and no ID,
birth date, phone or family name is the same (two 王浩然 of one school and one year, born
on other days, with other guardians: a common name says little, see :func:`name_u`).
The same valid ID overrides a veto.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .confusions import look_alike
from .features import Features

VETO = -1
DUP_RATE = 0.1
ESTIMATE_FROM = 20_000
DEFAULT_THRESHOLD = 0.5
ANCHORS = ("id", "birth", "phone", "guardian", "father", "mother", "student_no", "email")
"""Comparisons whose agreement ties two records to one child or one family."""

Levels = Callable[[Features, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Comparison:
    """One field compared: level names (index 0 is "missing"), m and u per level."""

    key: str
    levels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]
    fn: Levels

    def weights(self) -> np.ndarray:
        w = np.log2(np.asarray(self.m) / np.asarray(self.u))
        w[0] = 0.0
        return w


def _both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != 0) & (b != 0)


def _same_code(attr: str) -> Levels:
    def fn(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = getattr(f, attr)[i], getattr(f, attr)[j]
        return np.where(_both(a, b), np.where(a == b, 1, 2), 0)
    return fn


def id_levels(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = f.id18[i], f.id18[j]
    both = (a != "") & (b != "")
    return np.where(both, np.where(a == b, 1, VETO), 0)


def name_levels(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """1 same, 2 homophone, 3 look-alike character, 4 similar sound, 5 given name swapped,
    6 only the surname differs, VETO otherwise."""
    ca, cb = f.chars[i], f.chars[j]
    la, lb = f.nlen[i], f.nlen[j]
    both = (la > 0) & (lb > 0)
    same_len = la == lb
    diff = ca != cb
    ndiff = diff.sum(axis=1)
    pos = diff.argmax(axis=1)
    rows = np.arange(len(i))
    shape = same_len & (ndiff == 1) & (pos > 0) & look_alike(ca[rows, pos], cb[rows, pos])
    swap = (same_len & (la == 3) & (ca[:, 0] == cb[:, 0]) & (ca[:, 1] == cb[:, 2])
            & (ca[:, 2] == cb[:, 1]))
    only_surname = same_len & (ndiff == 1) & (pos == 0) & (la >= 2)
    lv = np.full(len(i), VETO, dtype=np.int64)
    lv = np.where(only_surname, 6, lv)
    lv = np.where(swap, 5, lv)
    lv = np.where(same_len & (f.fz[i] == f.fz[j]).all(axis=1), 4, lv)
    lv = np.where(shape, 3, lv)
    lv = np.where(f.py_code[i] == f.py_code[j], 2, lv)
    lv = np.where(f.name_code[i] == f.name_code[j], 1, lv)
    return np.where(both, lv, 0)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, day


def _typo(a: np.ndarray, b: np.ndarray, width: int) -> np.ndarray:
    """Could ``b`` be ``a`` mistyped (``width`` digits): one digit wrong, or two swapped?"""
    da = np.stack([a // 10 ** k % 10 for k in range(width)], axis=1)
    db = np.stack([b // 10 ** k % 10 for k in range(width)], axis=1)
    diff = da != db
    one = diff.sum(axis=1) == 1
    swapped = np.zeros(len(a), dtype=bool)
    for k in range(width - 1):
        two = diff[:, k] & diff[:, k + 1] & (diff.sum(axis=1) == 2)
        swapped |= two & (da[:, k] == db[:, k + 1]) & (da[:, k + 1] == db[:, k])
    return one | swapped


def birth_levels(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """1 same day, 2 near (≤ 3 days, month/day swapped, one field mistyped), 3 same year,
    4 other.

    A field is mistyped when one of its digits is wrong or two are swapped (2015-03-08 /
    2015-03-18, 2015 / 2016): two children of one year often share a month or a day
    (2015-03-08 / 2015-03-21), so another field off is only "same year".
    """
    a, b = f.birth[i], f.birth[j]
    both = (a >= 0) & (b >= 0)
    ya, ma, da = _ymd(np.where(both, a, 0))
    yb, mb, db = _ymd(np.where(both, b, 0))
    sy, sm, sd = ya == yb, ma == mb, da == db
    one_off = ((sm & sd & _typo(ya, yb, 4)) | (sy & sd & _typo(ma, mb, 2))
               | (sy & sm & _typo(da, db, 2)))
    near = (np.abs(a - b) <= 3) | (sy & (ma == db) & (da == mb)) | one_off
    lv = np.where(a == b, 1, np.where(near, 2, np.where(ya == yb, 3, 4)))
    return np.where(both, lv, 0)


def sex_levels(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    a, b = f.sex[i], f.sex[j]
    return np.where(_both(a, b), np.where(a == b, 1, 2), 0)


def phone_levels(f: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """1 some phone of one record is some phone of the other, 2 none shared."""
    pa, pb = f.phones[i], f.phones[j]
    has = (pa != 0).any(axis=1) & (pb != 0).any(axis=1)
    shared = ((pa[:, :, None] == pb[:, None, :]) & (pa[:, :, None] != 0)).any(axis=(1, 2))
    return np.where(has, np.where(shared, 1, 2), 0)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("id", ("无", "相同"), (1, 0.99), (1, 1e-8), id_levels),
    Comparison("name", ("无", "相同", "同音", "形近", "音近", "颠倒", "姓不同"),
               (1, 0.80, 0.06, 0.05, 0.02, 0.01, 0.02),
               (1, 1e-3, 2e-4, 1e-4, 1e-3, 1e-5, 2e-3), name_levels),
    Comparison("birth", ("无", "相同", "相近", "同年", "不同"),
               (1, 0.92, 0.04, 0.02, 0.02), (1, 3e-4, 1.5e-3, 0.11, 0.89), birth_levels),
    Comparison("sex", ("无", "相同", "不同"), (1, 0.98, 0.02), (1, 0.5, 0.5), sex_levels),
    Comparison("phone", ("无", "相同", "不同"), (1, 0.75, 0.25), (1, 1e-4, 0.9999),
               phone_levels),
    Comparison("school", ("无", "相同", "不同"), (1, 0.85, 0.15), (1, 0.03, 0.97),
               _same_code("school")),
    Comparison("guardian", ("无", "相同", "不同"), (1, 0.75, 0.25), (1, 1e-3, 0.999),
               _same_code("guardian")),
    Comparison("father", ("无", "相同", "不同"), (1, 0.8, 0.2), (1, 1e-3, 0.999),
               _same_code("father")),
    Comparison("mother", ("无", "相同", "不同"), (1, 0.8, 0.2), (1, 1e-3, 0.999),
               _same_code("mother")),
    Comparison("student_no", ("无", "相同", "不同"), (1, 0.95, 0.05), (1, 1e-6, 1.0),
               _same_code("student_no")),
    Comparison("email", ("无", "相同", "不同"), (1, 0.8, 0.2), (1, 1e-6, 1.0),
               _same_code("email")),
)


@dataclass
class Scored:
    """Candidate pairs with their levels (per comparison), weight and probability."""

    i: np.ndarray
    j: np.ndarray
    levels: dict[str, np.ndarray]
    weight: np.ndarray
    prob: np.ndarray
    veto: np.ndarray


def name_u(f: Features) -> np.ndarray:
    """Per record: how often its name occurs (the u of "same name"), at least 1/n."""
    _, inv, counts = np.unique(f.name_code, return_inverse=True, return_counts=True)
    return np.maximum(counts[inv] / max(f.n, 1), 1e-5)


def estimate_u(f: Features, comps: tuple[Comparison, ...], n_pairs: int = 200_000,
               seed: int = 0) -> tuple[Comparison, ...]:
    """u re-estimated from random pairs (birth, sex, school, phones …), smoothed."""
    rng = np.random.default_rng(seed)
    i = rng.integers(0, f.n, n_pairs)
    j = rng.integers(0, f.n, n_pairs)
    keep = (i != j) & (f.form[i] == f.form[j])
    i, j = i[keep], j[keep]
    out = []
    for c in comps:
        if c.key in {"id", "name", "student_no", "email"}:
            out.append(c)
            continue
        lv = c.fn(f, i, j)
        seen = lv[lv > 0]
        if len(seen) < 1000:
            out.append(c)
            continue
        counts = np.bincount(seen, minlength=len(c.levels)).astype(float)
        u = (counts + 1) / (counts.sum() + len(c.levels))
        out.append(replace(c, u=(1.0, *u[1:].tolist())))
    return tuple(out)


def score_pairs(f: Features, pairs: np.ndarray, comps: tuple[Comparison, ...] = COMPARISONS,
                estimate: bool | None = None) -> Scored:
    """Levels, weights and match probabilities of candidate ``pairs`` ((k, 2) indexes)."""
    if estimate is None:
        estimate = f.n >= ESTIMATE_FROM
    if estimate:
        comps = estimate_u(f, comps)
    i, j = pairs[:, 0], pairs[:, 1]
    levels: dict[str, np.ndarray] = {}
    weight = np.zeros(len(i))
    veto = np.zeros(len(i), dtype=bool)
    for c in comps:
        lv = c.fn(f, i, j)
        levels[c.key] = lv
        veto |= lv == VETO
        w = c.weights()[np.maximum(lv, 0)]
        if c.key == "name":
            w = np.where(lv == 1, np.log2(c.m[1] / name_u(f)[i]), w)
        weight += w
    # family look-alikes: a name that is not the same plus another sex or another birthday
    name_lv, birth_lv, sex_lv = levels["name"], levels["birth"], levels["sex"]
    veto |= (name_lv >= 2) & ((sex_lv == 2) | (birth_lv >= 3))
    # cousins of one name: both parents named, both different
    veto |= (levels["father"] == 2) & (levels["mother"] == 2)
    # namesakes of another family: the guardians differ, no phone is shared and nothing
    # else ties the two to one child or one family (a common name, school and year do not)
    anchor = np.zeros(len(i), dtype=bool)
    for key in ANCHORS:
        anchor |= levels[key] == 1
    veto |= ~anchor & (levels["guardian"] == 2) & (levels["phone"] == 2)
    veto &= levels["id"] != 1
    weight += np.log2(DUP_RATE / max(f.n, 2))
    prob = np.where(veto, 0.0, 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60))))
    return Scored(i, j, levels, weight, prob, veto)
