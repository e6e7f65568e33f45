"""Shared fixtures: one line each, so a test reads as the situation it sets up."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_sync.books.excel import write_workbook
from sheets_sync.books.memory import MemoryBook

SAMPLE_TABS = {"名单": [["编号", "姓名", "电话"], ["0042", "王小明", "13812345678"]]}


@pytest.fixture
def memory_book() -> MemoryBook:
    """A fresh, empty MemoryBook."""
    return MemoryBook()


@pytest.fixture
def tmp_workbook(tmp_path: Path) -> Path:
    """A small .xlsx in tmp_path: tab 名单 with a header and one row (see SAMPLE_TABS)."""
    write_workbook(tmp_path / "book.xlsx", SAMPLE_TABS)
    return tmp_path / "book.xlsx"
