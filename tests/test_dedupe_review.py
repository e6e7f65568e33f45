"""dedupe_book: the 疑似重复 tab, decisions that stick, merges that lose nothing."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.dedupe.review import REVIEW_TAB, parse_decision
from sheets_sync.sync.slices import dedupe_book
from tests.test_dedupe_matching import KID, KID_ID, TAB

HEADER = [*KID, "班级", "兴趣爱好"]
OLD = {**KID, "编号": "C0001", "班级": "", "兴趣爱好": "画画"}
NEW = {**KID, "编号": "C0007", "身份证号": "", "出生日期": "2015年3月8日", "班级": "2班",
       "兴趣爱好": "跳舞", "母亲电话": ""}
OTHER = {**KID, "编号": "C0003", "姓名": "李佳怡", "性别": "女", "出生日期": "2016-05-01",
         "身份证号": "", "父亲姓名": "李强", "父亲电话": "13800000011", "母亲姓名": "周丽",
         "母亲电话": "13900000012", "监护人姓名": "周福", "监护人电话": "13700000013"}


def make_book(*kids: dict[str, str]) -> MemoryBook:
    return MemoryBook({TAB: [HEADER, *[[k.get(h, "") for h in HEADER] for k in kids]]})


def decide(book: MemoryBook, *decisions: str) -> None:
    rows = [list(r) for r in book.read()[REVIEW_TAB].rows]
    col = rows[0].index("处理结果")
    for r, d in zip(rows[1:], decisions, strict=False):
        r[col] = d
    batch = WriteBatch()
    batch.replace_tab(REVIEW_TAB, TabContent(rows=rows))
    book.apply(batch)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / ".sheets-sync"


def test_review_tab_shows_pair_side_by_side_masked(state: Path) -> None:
    book = make_book(OLD, OTHER, NEW)
    res, batch = dedupe_book(book, state_dir=state)
    assert [(p.a.id, p.b.id) for p in res.pairs] == [("C0001", "C0007")]
    rows = book.read()[REVIEW_TAB].rows
    head = rows[0]
    assert head[:10] == ["组号", "相似度", "处理结果", "编号A", "编号B", "原因", "表A", "行A",
                         "表B", "行B"]
    row = dict(zip(head, rows[1], strict=False))
    assert row["组号"] == "1"
    assert row["原因"].startswith("姓名相同(王小明);出生日期相同;监护人电话相同")
    assert (row["编号A"], row["行A"], row["编号B"], row["行B"]) == ("C0001", "2", "C0007", "4")
    assert row["身份证号A"] == KID_ID[:6] + "********" + KID_ID[-4:]
    assert row["监护人电话A"] == "137****0003"
    assert row["出生日期B"] == "2015-03-08"
    assert "13712340003" not in "".join(rows[1])
    assert batch.n_cells() == 0


def test_dry_run_writes_nothing(state: Path) -> None:
    book = make_book(OLD, NEW)
    res, batch = dedupe_book(book, state_dir=state, dry_run=True)
    assert len(res.pairs) == 1
    assert REVIEW_TAB in batch.tabs
    assert REVIEW_TAB not in book.read()
    assert not state.exists()


def test_state_db_is_private(state: Path) -> None:
    dedupe_book(make_book(OLD, NEW), state_dir=state)
    assert stat.S_IMODE((state / "state.db").stat().st_mode) == 0o600


def test_not_same_is_never_asked_again(state: Path) -> None:
    book = make_book(OLD, NEW)
    dedupe_book(book, state_dir=state)
    decide(book, "不是同一人")
    res, _ = dedupe_book(book, state_dir=state)
    assert res.pairs == []
    assert book.read()[REVIEW_TAB].rows[1:] == []
    # the decision lives in state too: a fresh review tab does not bring the pair back
    book.apply(_delete(REVIEW_TAB))
    res, _ = dedupe_book(book, state_dir=state)
    assert res.pairs == []
    db = sqlite3.connect(state / "state.db")
    assert db.execute("SELECT form, id_a, id_b, decision FROM dedupe_decisions").fetchall() == [
        ("child", "C0001", "C0007", "不是同一人")]


def _delete(tab: str) -> WriteBatch:
    b = WriteBatch()
    b.delete_tab(tab)
    return b


def test_pending_is_shown_again_marked(state: Path) -> None:
    book = make_book(OLD, NEW)
    dedupe_book(book, state_dir=state)
    decide(book, "不确定")
    res, _ = dedupe_book(book, state_dir=state)
    assert len(res.pairs) == 1
    rows = book.read()[REVIEW_TAB].rows
    assert rows[1][rows[0].index("处理结果")] == "待定"


def cells(book: MemoryBook, tab: str) -> list[str]:
    return [c for r in book.read()[tab].rows for c in r if c]


def test_same_merges_into_older_id_and_loses_nothing(state: Path) -> None:
    book = make_book(NEW, OTHER, OLD)          # the newer record comes first in the tab
    before = [list(r) for r in book.read()[TAB].rows]
    dedupe_book(book, state_dir=state)
    decide(book, "是同一人")
    res, batch = dedupe_book(book, state_dir=state)
    assert res.pairs == []
    tab = book.read()[TAB].rows
    survivor = dict(zip(HEADER, tab[3], strict=False))
    assert survivor["编号"] == "C0001"
    assert survivor["班级"] == "2班"                   # blank filled from the other record
    assert survivor["兴趣爱好"] == "画画"               # differing value kept, listed below
    assert tab[1] == [] or not any(tab[1])            # the other row is cleared, not deleted
    assert tab[2] == before[2]                        # an unrelated row is untouched
    review = book.read()[REVIEW_TAB].rows
    merged = dict(zip(review[0], review[-1], strict=False))
    assert merged["处理结果"] == "已合并"
    assert merged["需人工选择"] == "兴趣爱好:画画 / 跳舞"
    recycle = book.read()["回收站"].rows
    gone = dict(zip(recycle[0], recycle[1], strict=False))
    assert (gone["表单"], gone["原位置"], gone["编号"], gone["去向"]) == (
        TAB, f"{TAB} 第 2 行", "C0007", "合并到 C0001")
    audit = sqlite3.connect(state / "state.db").execute(
        "SELECT tab, record_id, field, old, new, source FROM audit WHERE step = 'merge'"
    ).fetchall()
    assert (TAB, "C0001", "班级", "", "2班", "补全(来自 C0007)") in audit
    # every value the two records held is somewhere: the survivor, the recycle tab, the audit
    recycled = set(recycle[1])                        # one column per field of the record
    kept = set(tab[3]) | recycled | {a[3] for a in audit}
    for row in (before[1], before[3]):
        assert {v for v in row if v} <= kept
    # a third run changes nothing
    _, batch = dedupe_book(book, state_dir=state)
    assert not batch


def test_decision_synonyms() -> None:
    assert [parse_decision(s) for s in ("是", " 是同一人 ", "否", "待定", "随便")] == [
        "是同一人", "是同一人", "不是同一人", "待定", ""]
