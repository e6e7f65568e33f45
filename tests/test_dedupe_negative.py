"""A 不是同一人 holds whatever the chain: no merge, no cluster joins two records staff
said are different, and 疑似重复 and the summary say why."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.dedupe.clusters import Groups
from sheets_sync.dedupe.review import REVIEW_TAB
from sheets_sync.dedupe.store import pair_key
from sheets_sync.sync.slices import dedupe_book
from tests.test_dedupe_matching import KID, TAB
from tests.test_dedupe_review import HEADER

A = {**KID, "编号": "C0001"}
B = {**KID, "编号": "C0005", "身份证号": "", "出生日期": "2015年3月8日", "班级": "2班"}
C = {**KID, "编号": "C0012", "身份证号": "", "姓名": "王晓明", "兴趣爱好": "画画"}

SAME, DIFFERENT = "是同一人", "不是同一人"
ROW_OF = {"C0001": 2, "C0005": 3, "C0012": 4}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / ".sheets-sync"


def make_book() -> MemoryBook:
    return MemoryBook({TAB: [HEADER, *[[k.get(h, "") for h in HEADER] for k in (A, B, C)]]})


def review(book: MemoryBook) -> list[dict[str, str]]:
    rows = book.read()[REVIEW_TAB].rows
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def row_of(book: MemoryBook, a: str, b: str) -> dict[str, str]:
    rows = [r for r in review(book) if pair_key(r["编号A"], r["编号B"]) == pair_key(a, b)]
    assert len(rows) == 1, f"{a}–{b} is on 疑似重复 {len(rows)} times"
    return rows[0]


def decide(book: MemoryBook, decisions: dict[tuple[str, str], str]) -> None:
    rows = [list(r) for r in book.read()[REVIEW_TAB].rows]
    head = rows[0]
    ja, jb, jd = head.index("编号A"), head.index("编号B"), head.index("处理结果")
    todo = {pair_key(*k): v for k, v in decisions.items()}
    for r in rows[1:]:
        d = todo.pop(pair_key(r[ja], r[jb]), None)
        if d is not None:
            r[jd] = d
    assert not todo, f"not on 疑似重复: {todo}"
    batch = WriteBatch()
    batch.replace_tab(REVIEW_TAB, TabContent(rows=rows))
    book.apply(batch)


def merged(book: MemoryBook) -> dict[str, str]:
    """Every record merged away (from 回收站): its 编号 -> the 编号 it went into."""
    grid = book.read().get("回收站")
    if grid is None:
        return {}
    rows = grid.rows
    return {r[rows[0].index("编号")]: r[rows[0].index("去向")].removeprefix("合并到 ")
            for r in rows[1:] if r}


def one_record(book: MemoryBook, a: str, b: str) -> bool:
    into = merged(book)

    def root(k: str) -> str:
        while k in into:
            k = into[k]
        return k
    return root(a) == root(b)


def untouched(book: MemoryBook, rid: str) -> bool:
    kid = {"C0001": A, "C0005": B, "C0012": C}[rid]
    return book.read()[TAB].rows[ROW_OF[rid] - 1] == [kid.get(h, "") for h in HEADER]


def test_three_look_alikes_are_found(state: Path) -> None:
    res, _ = dedupe_book(make_book(), state_dir=state)
    assert {(p.a.id, p.b.id) for p in res.pairs} == {("C0001", "C0005"), ("C0001", "C0012"),
                                                    ("C0005", "C0012")}
    assert [[r.id for r in c.records] for c in res.clusters] == [["C0001", "C0005", "C0012"]]


def test_same_then_a_suspected_link_to_a_different_record(state: Path) -> None:
    """A 是同一人 B, B looks like C, A 不是同一人 C: B merges into A, C stays itself, and the
    B–C row says why it cannot be merged; marking it 是同一人 changes nothing."""
    book = make_book()
    dedupe_book(book, state_dir=state)
    decide(book, {("C0001", "C0012"): DIFFERENT, ("C0001", "C0005"): SAME})
    res, _ = dedupe_book(book, state_dir=state)
    assert merged(book) == {"C0005": "C0001"}
    assert untouched(book, "C0012")
    row = row_of(book, "C0005", "C0012")
    assert row["原因"].split(";")[0] == ("C0005 与 C0001 是同一人,C0001 与 C0012 已被判定为不是同一人,"
                                       "此项不能自动合并,请人工确认")
    assert (row["组号"], row["处理结果"]) == ("", "")
    assert res.messages == ["查重:1 对疑似重复(如 C0005 与 C0012)连着已判定为“不是同一人”的记录,"
                            "不能自动合并,已在“疑似重复”中注明。"]
    assert all(p.note for p in res.pairs)
    # staff say B is C too: refused, C is still itself, the row stays with its decision
    decide(book, {("C0005", "C0012"): SAME})
    for _ in range(2):                   # and a second run is the same
        res, batch = dedupe_book(book, state_dir=state)
        assert merged(book) == {"C0005": "C0001"}
        assert untouched(book, "C0012")
        row = row_of(book, "C0005", "C0012")
        assert row["处理结果"] == SAME
        assert row["原因"].split(";")[0] == ("C0005 与 C0001 是同一人,C0001 与 C0012 已被判定为"
                                           "不是同一人,此项不能自动合并,请人工确认")
        assert res.messages == ["查重:1 项“是同一人”没有合并(如 C0005 与 C0012):合并后会把已判定为"
                                "“不是同一人”的 C0001 与 C0012 并成一人。请在“疑似重复”中人工确认。"]
    assert REVIEW_TAB not in batch.tabs            # nothing changed on the second run
    # staff settle it: B is not C; the row goes, nothing is said
    decide(book, {("C0005", "C0012"): DIFFERENT})
    res, _ = dedupe_book(book, state_dir=state)
    assert res.messages == []
    assert [r for r in review(book) if r["处理结果"] != "已合并"] == []
    assert not one_record(book, "C0001", "C0012")


@pytest.mark.parametrize("rounds", [
    pytest.param([{("C0001", "C0012"): DIFFERENT, ("C0001", "C0005"): SAME,
                   ("C0005", "C0012"): SAME}], id="all-in-one-run"),
    pytest.param([{("C0001", "C0012"): DIFFERENT, ("C0005", "C0012"): SAME},
                  {("C0001", "C0005"): SAME}], id="B-is-C-merged-first"),
    pytest.param([{("C0001", "C0012"): DIFFERENT}, {("C0001", "C0005"): SAME},
                  {("C0005", "C0012"): SAME}], id="one-decision-a-run"),
])
def test_same_with_both_never_merges_the_different_two(
        state: Path, rounds: list[dict[tuple[str, str], str]]) -> None:
    """A 不是同一人 C, B marked 是同一人 with A and with C (in any order, any runs): one of
    the two merges, the other is refused, said in 疑似重复 and in the summary."""
    book = make_book()
    dedupe_book(book, state_dir=state)
    for decisions in rounds:
        decide(book, decisions)
        res, _ = dedupe_book(book, state_dir=state)
    for _ in range(2):
        assert not one_record(book, "C0001", "C0012")
        assert len(merged(book)) == 1
        refused = [r for r in review(book) if r["处理结果"] == SAME]
        assert len(refused) == 1
        assert refused[0]["原因"].split(";")[0].endswith(
            "C0001 与 C0012 已被判定为不是同一人,此项不能自动合并,请人工确认")
        assert len(res.messages) == 1
        assert res.messages[0].startswith("查重:1 项“是同一人”没有合并")
        res, _ = dedupe_book(book, state_dir=state)


def test_suspected_chain_is_two_clusters(state: Path) -> None:
    """Nothing decided but A 不是同一人 C: the weaker of A–B and B–C is not clustered with
    the other, and its row says so."""
    book = make_book()
    dedupe_book(book, state_dir=state)
    decide(book, {("C0001", "C0012"): DIFFERENT})
    res, _ = dedupe_book(book, state_dir=state)
    assert {(p.a.id, p.b.id) for p in res.pairs} == {("C0001", "C0005"), ("C0005", "C0012")}
    for c in res.clusters:
        assert not {"C0001", "C0012"} <= {r.id for r in c.records}
    best, weaker = res.pairs
    assert best.score >= weaker.score
    assert (best.group, weaker.group) == (1, 0)
    assert weaker.note.endswith("C0001 与 C0012 已被判定为不是同一人,此项不能自动合并,请人工确认")
    assert " 疑似同一人," in weaker.note
    rows = review(book)
    assert [r["组号"] for r in rows] == ["1", ""]
    assert rows[1]["原因"].startswith(weaker.note + ";")
    assert res.as_json()["pairs"][1]["note"] == weaker.note
    assert res.messages == [f"查重:1 对疑似重复(如 {weaker.a.id} 与 {weaker.b.id})连着已判定为"
                            "“不是同一人”的记录,不能自动合并,已在“疑似重复”中注明。"]


# ---------------------------------------------------------------- the groups themselves

def test_groups_refuse_the_link_that_joins_two_different() -> None:
    g: Groups[str] = Groups([("A", "C")])
    assert g.join("A", "B") is None
    c = g.join("B", "C")
    assert c is not None and (c.a, c.b, c.p, c.q) == ("B", "C", "A", "C")
    assert not g.same("A", "C")
    assert g.join("C", "D") is None
    c = g.join("D", "B")
    assert c is not None and (c.p, c.q) == ("C", "A")


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=12),
       st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=30))
def test_no_group_ever_holds_two_different(apart: list[tuple[int, int]],
                                           links: list[tuple[int, int]]) -> None:
    g: Groups[int] = Groups(apart)
    for a, b in links:
        c = g.join(a, b)
        if c is None:
            assert g.same(a, b)
        else:                         # refused only for a real conflict, named correctly
            assert g.same(a, c.p) and g.same(b, c.q)
            assert (c.p, c.q) in apart or (c.q, c.p) in apart
    for p, q in apart:
        assert p == q or not g.same(p, q)


def test_the_summary_says_it(tmp_path: Path) -> None:
    """``sheets-sync dedupe`` on a workbook: the refused 是同一人 is in what it prints."""
    from sheets_sync.books.excel import ExcelBook, read_workbook, write_workbook
    from tests.test_cli import run

    path = tmp_path / "总表.xlsx"
    write_workbook(path, {TAB: [HEADER, *[[k.get(h, "") for h in HEADER] for k in (A, B, C)]]})
    run("dedupe", str(path))
    want = {pair_key("C0001", "C0012"): DIFFERENT, pair_key("C0001", "C0005"): SAME,
            pair_key("C0005", "C0012"): SAME}
    rows = read_workbook(path)[REVIEW_TAB].rows
    head = rows[0]
    batch = WriteBatch()
    for r, row in enumerate(rows[1:], start=2):
        k = pair_key(row[head.index("编号A")], row[head.index("编号B")])
        batch.set_cell(REVIEW_TAB, r, head.index("处理结果") + 1, want[k])
    ExcelBook(path).apply(batch)
    code, out = run("dedupe", str(path))
    assert code == 1
    assert ("查重:1 项“是同一人”没有合并(如 C0005 与 C0012):合并后会把已判定为“不是同一人”的 "
            "C0001 与 C0012 并成一人。请在“疑似重复”中人工确认。") in out.splitlines()
    assert "C0005 与 C0001 是同一人,C0001 与 C0012 已被判定为不是同一人,此项不能自动合并" in out
