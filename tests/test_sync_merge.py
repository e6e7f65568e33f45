"""The pure three-way merge: one record, hub against spokes, cell by cell."""

from __future__ import annotations

import pytest

from sheets_sync.sync.merge import Conflict, Side, merge_form

BASE = {"C0001": {"name": "王小红", "school": "一小", "grade": "3"}}


def _edit(**changes: str) -> dict[str, dict[str, str]]:
    return {"C0001": {**BASE["C0001"], **changes}}


@pytest.mark.parametrize(("hub", "spoke", "expected"), [
    pytest.param(_edit(), _edit(grade="4"), _edit(grade="4"), id="a spoke edit flows to the hub"),
    pytest.param(_edit(grade="4"), _edit(), _edit(grade="4"), id="a hub edit flows to the spoke"),
    pytest.param(_edit(grade="4"), _edit(school="二小"), _edit(grade="4", school="二小"),
                 id="edits to different cells both survive"),
    pytest.param(_edit(grade="4"), _edit(grade="4"), _edit(grade="4"),
                 id="the same edit on both sides is no conflict"),
])
def test_edits_merge(hub: dict[str, dict[str, str]], spoke: dict[str, dict[str, str]],
                     expected: dict[str, dict[str, str]]) -> None:
    out = merge_form(Side("hub", hub, BASE), [Side("sp", spoke, BASE)])
    assert out.records == expected
    assert out.conflicts == []


def test_same_cell_edited_twice_keeps_hub_value_and_records_spoke_value() -> None:
    out = merge_form(Side("hub", _edit(grade="4"), BASE), [Side("sp", _edit(grade="5"), BASE)])
    assert out.records == _edit(grade="4")
    assert out.conflicts == [Conflict("C0001", "grade", "4", "5", "hub", "sp", "3")]


def test_spoke_wins_policy_keeps_spoke_value_and_records_hub_value() -> None:
    out = merge_form(Side("hub", _edit(grade="4"), BASE), [Side("sp", _edit(grade="5"), BASE)],
                     policy="spoke-wins")
    assert out.records == _edit(grade="5")
    assert out.conflicts == [Conflict("C0001", "grade", "5", "4", "sp", "hub", "3")]


def test_a_respelling_is_an_edit() -> None:
    base = {"C0001": {"county": "满城"}}
    out = merge_form(Side("hub", base, base), [Side("sp", {"C0001": {"county": "满城县"}}, base)])
    assert out.records == {"C0001": {"county": "满城县"}}


def test_row_deleted_in_spoke_and_untouched_in_hub_is_deleted() -> None:
    out = merge_form(Side("hub", _edit(), BASE), [Side("sp", {}, BASE)])
    assert out.records == {}
    assert out.deleted["C0001"].by == "sp"


def test_row_deleted_in_hub_and_untouched_in_spoke_is_deleted() -> None:
    out = merge_form(Side("hub", {}, BASE), [Side("sp", _edit(), BASE)])
    assert out.records == {}
    assert out.deleted["C0001"].by == "hub"


@pytest.mark.parametrize(("hub", "spoke"), [
    pytest.param({}, _edit(grade="4"), id="deleted in the hub, edited in the spoke"),
    pytest.param(_edit(grade="4"), {}, id="deleted in the spoke, edited in the hub"),
])
def test_a_deletion_against_an_edit_keeps_the_record(
        hub: dict[str, dict[str, str]], spoke: dict[str, dict[str, str]]) -> None:
    out = merge_form(Side("hub", hub, BASE), [Side("sp", spoke, BASE)])
    assert out.records == _edit(grade="4")
    assert not out.deleted
    assert [n.kind for n in out.notes] == ["kept_edited"]


def test_a_hub_deletion_seen_later_by_a_skipped_spoke_stays_deleted() -> None:
    out = merge_form(Side("hub", {}, {}), [Side("sp", _edit(), BASE)], tombstones=["C0001"])
    assert out.records == {}
    assert "C0001" in out.deleted


def test_a_record_new_to_the_hub_comes_from_the_spoke() -> None:
    out = merge_form(Side("hub", {}, {}), [Side("sp", _edit(), {})])
    assert out.records == _edit()
    assert out.sources["C0001"]["grade"] == "sp"


def test_without_any_base_different_values_are_conflicts() -> None:
    out = merge_form(Side("hub", _edit(grade="4"), {}), [Side("sp", _edit(grade="5"), {})])
    assert out.records == _edit(grade="4")
    assert [(c.kept, c.lost, c.ancestor) for c in out.conflicts] == [("4", "5", None)]


def test_a_spoke_column_the_hub_lacks_is_carried() -> None:
    out = merge_form(Side("hub", {"C0001": {"name": "王小红"}}, {}),
                     [Side("sp", {"C0001": {"name": "王小红", "class_name": "2"}}, {})])
    assert out.records == {"C0001": {"name": "王小红", "class_name": "2"}}
