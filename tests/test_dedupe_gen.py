"""The Chinese generator's truth, and the matcher measured on it (small size)."""

from __future__ import annotations

import pytest

from sheets_sync.config import Program
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
