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
