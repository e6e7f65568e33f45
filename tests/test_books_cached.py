"""CachedBook: one real read per run; writes go through and keep later reads current."""

from __future__ import annotations

import pytest

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.cached import CachedBook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.errors import TabNotFound


def test_reads_once_and_sees_its_own_writes() -> None:
    real = MemoryBook({"学校": [["学校名称"], ["第一小学"]]}, name="总表")
    book = CachedBook(real)
    assert book.read()["学校"].rows == [["学校名称"], ["第一小学"]]
    batch = WriteBatch()
    batch.set_cell("学校", 3, 1, "0042")
    batch.replace_tab("校验问题", TabContent(rows=[["工作表"], ["未发现问题"]]))
    book.apply(batch)
    grids = book.read()
    assert grids["学校"].rows[-1] == ["0042"] and grids["校验问题"].rows[1] == ["未发现问题"]
    assert book.reads == 1
    assert real.applies == 1 and real.tab("学校")[-1] == ["0042"]  # written through
    assert book.name == "总表" and book.writable


def test_a_failed_write_leaves_the_mirror_as_the_book() -> None:
    real = MemoryBook({"学校": [["学校名称"]]})
    book = CachedBook(real)
    book.read()
    batch = WriteBatch()
    batch.set_cell("没有这个表", 1, 1, "x")
    with pytest.raises(TabNotFound, match="没有这个表"):
        book.apply(batch)
    assert book.read()["学校"].rows == [["学校名称"]]
    assert "没有这个表" not in book.read()
