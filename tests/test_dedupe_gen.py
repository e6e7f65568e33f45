"""The Chinese generator's truth, and the matcher measured on it (small size)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import pairwise

import pytest

from sheets_sync.config import Program
from sheets_sync.dedupe.confusions import look_alike_char
from sheets_sync.dedupe.features import char_pinyin, fuzzy_syllable
from sheets_sync.dedupe.gen import HEADER, Generated, generate
from sheets_sync.dedupe.matching import find_duplicates
from sheets_sync.forms.template import default_templates
from sheets_sync.table import Grid


@pytest.fixture(scope="module")
def gen() -> Generated:
    return generate(1500, seed=3)


def test_generator_plants_duplicates_and_families(gen: Generated) -> None:
    assert gen.rows[0] == HEADER
    assert 1400 <= len(gen.rows) - 1 <= 1600
    assert len(gen.true_pairs()) > 50
    assert len(gen.family_pairs()) > 200
    assert not gen.true_pairs() & gen.family_pairs()
    assert generate(200, seed=3).rows == generate(200, seed=3).rows


def _sibling_groups(gen: Generated) -> list[list[list[str]]]:
    """Originals of one family and one father's phone (cousins have other parents)."""
    father_phone = HEADER.index("父亲电话")
    by: dict[tuple[int, str], list[list[str]]] = defaultdict(list)
    for row, fam, kind in zip(gen.rows[1:], gen.family.tolist(), gen.kind, strict=True):
        if kind == "original":
            by[(fam, row[father_phone])].append(row)
    return [kids for kids in by.values() if len(kids) > 1]


def _sibling_problems(gen: Generated) -> list[str]:
    """Siblings a copy's typo could explain: names alike in sound, given name swapped or
    one look-alike character apart; births < 300 days apart other than one pair of twins."""
    name_col, born_col = HEADER.index("姓名"), HEADER.index("出生日期")

    def sound(name: str) -> list[str]:
        return [fuzzy_syllable(char_pinyin(c)) for c in name]

    problems = []
    for kids in _sibling_groups(gen):
        names = [r[name_col] for r in kids]
        for n, a in enumerate(names):
            for b in names[n + 1:]:
                diff = [k for k in range(len(a)) if len(a) == len(b) and a[k] != b[k]]
                if (sound(a) == sound(b)
                        or (len(a) == len(b) == 3 and a[0] == b[0] and a[1:] == b[:0:-1])
                        or (len(diff) == 1 and diff[0] > 0
                            and look_alike_char(a[diff[0]], b[diff[0]]))):
                    problems.append(f"{a}/{b}")
        born = sorted(dt.date.fromisoformat(r[born_col]) for r in kids)
        gaps = [(y - x).days for x, y in pairwise(born)]
        if sum(g == 0 for g in gaps) > 1 or any(0 < g < 300 for g in gaps):
            problems.append(f"{'/'.join(names)} born {gaps} days apart")
    return problems


def test_siblings_are_neither_look_alikes_nor_weeks_apart() -> None:
    gen = generate(20_000, seed=11)
    groups = _sibling_groups(gen)
    twins = sum(len({r[HEADER.index("出生日期")] for r in kids}) < len(kids) for kids in groups)
    assert len(groups) > 2000
    assert twins > 50
    assert _sibling_problems(gen) == []


def test_matcher_on_generated_children(gen: Generated) -> None:
    res = find_duplicates({"留守儿童家庭情况登记表": Grid(gen.rows)}, default_templates(),
                          Program())
    found = {(min(p.a.row, p.b.row) - 2, max(p.a.row, p.b.row) - 2) for p in res.pairs}
    true = gen.true_pairs()
    assert not found & gen.family_pairs()
    assert len(found & true) / len(found) >= 0.97
    assert len(found & true) / len(true) >= 0.97


def test_generic_engine_links_a_typo_and_not_a_stranger() -> None:
    import numpy as np
    import pandas as pd

    from sheets_sync.dedupe.generic import Column, link

    rng = np.random.default_rng(1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def word(k: int) -> str:
        return "".join(np.random.default_rng(k).choice(letters, 7))

    rows = [{"first": word(a), "last": word(1000 + b), "dob": f"{1950 + c}{d:02d}{e:02d}"}
            for a, b, c, d, e in zip(rng.integers(0, 400, 600), rng.integers(0, 300, 600),
                                     rng.integers(0, 50, 600), rng.integers(1, 13, 600),
                                     rng.integers(1, 29, 600), strict=True)]
    rows.append({**rows[0], "last": rows[0]["last"] + "x"})      # one typo in the surname
    rows.append({**rows[1], "first": "someone", "dob": "20011231"})
    df = pd.DataFrame(rows)
    pairs = {tuple(p) for p in link(df, [Column("first"), Column("last"), Column("dob", "code")],
                                     [("first",), ("dob",), ("last",)]).tolist()}
    assert (0, 600) in pairs
    assert (1, 601) not in pairs
