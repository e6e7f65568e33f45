"""Masking by field type, and a scan of every generated cell for sensitive values."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from sheets_sync.books.excel import read_workbook
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.forms.template import default_templates
from sheets_sync.privacy import ADDRESS, field_mask_type, mask, shown_value
from sheets_sync.reports import generate_reports, write_school_books
from sheets_sync.table import Grid


@pytest.mark.parametrize("value, kind, masked", [
    pytest.param("13060720150308123X", "cn_id", "130607********123X", id="id-number"),
    pytest.param("13812345678", "cn_phone", "138****5678", id="mobile"),
    pytest.param("138 1234 5678", "cn_phone", "138****5678", id="mobile-with-spaces"),
    pytest.param("0312-7654321", "cn_phone", "031****4321", id="landline"),
    pytest.param("满城县龙泉镇郭庄村3组12号", ADDRESS, "满城县龙泉镇郭庄村***", id="address-cut"),
    pytest.param("满城县龙泉镇郭庄村", ADDRESS, "满城县龙泉镇郭庄村", id="address-village-only"),
    pytest.param("保定市竞秀区东风路88号", ADDRESS, "保定市竞秀区***", id="address-no-village"),
    pytest.param("想念父母", "text", "想***", id="text"),
    pytest.param("  ", "cn_id", "", id="blank"),
])
def test_mask_by_field_type(value: str, kind: str, masked: str) -> None:
    assert mask(value, kind) == masked


def test_field_mask_types_and_reveal() -> None:
    child = default_templates()["child"]
    assert field_mask_type(child, child.field("address")) == ADDRESS
    assert field_mask_type(child, child.field("guardian_phone")) == "cn_phone"
    assert field_mask_type(child, child.field("name")) is None
    phone = child.field("guardian_phone")
    assert shown_value("13812345678", child, phone) == "138****5678"
    assert shown_value("13812345678", child, phone, {"child.guardian_phone"}) == "13812345678"


# --------------------------------------------------------------------------- the scan

@cache
def sensitive_values() -> list[tuple[str, str, str]]:
    """(form, field label, value) of every sensitive value of every record in the demo."""
    templates = default_templates()
    by_label = {t.label: t for t in templates.values()}
    out: list[tuple[str, str, str]] = []
    for tab, (head, *rows) in demo_books().books[HUB_NAME].items():
        form = by_label.get(tab)
        if form is None:
            continue
        for fld in form.fields:
            kind = field_mask_type(form, fld)
            if kind is None or fld.label not in head or (
                    form.sensitive and (fld.type != "text" or fld.ref)):
                continue  # a talk record's ids, dates and names are not its content
            j = head.index(fld.label)
            out += [(form.key, fld.label, r[j]) for r in rows if len(r[j].strip()) >= 4]
    return out


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def leaks(cells: dict[str, list[list[str]]]) -> list[tuple[str, str, str]]:
    """(tab, header, value) of every cell holding a sensitive value in full."""
    values = sensitive_values()
    long_digits = {_digits(v) for _, _, v in values if len(_digits(v)) >= 10}
    texts = {v.strip() for _, _, v in values}
    long_texts = re.compile("|".join(re.escape(v) for v in sorted(texts) if len(v) >= 6))
    found = []
    for tab, rows in cells.items():
        header = next((r for r in rows if r and r[0] == "序号"), [])
        for row in rows:
            for j, cell in enumerate(row):
                if not cell:
                    continue
                d = _digits(cell)
                if cell.strip() in texts or long_texts.search(cell) or (
                        len(d) >= 10 and any(x in d for x in long_digits)):
                    found.append((tab, header[j] if j < len(header) else "", cell))
    return found


def test_sensitive_values_exist_to_be_found() -> None:
    kinds = {label for _, label, _ in sensitive_values()}
    assert {"身份证号", "监护人电话", "父亲电话", "家庭住址", "心理状况", "主要内容"} <= kinds


def test_no_generated_tab_or_school_book_shows_a_sensitive_value(tmp_path: Path) -> None:
    grids = {k: Grid(v) for k, v in demo_books().books[HUB_NAME].items()}
    result = generate_reports(grids)
    assert leaks({name: c.rows for name, c in result.tabs.items()}) == []
    books = write_school_books(tmp_path, result.tabs)
    assert len(books) == 75
    for path in books:
        assert leaks({tab: g.rows for tab, g in read_workbook(path).items()}) == []


def test_a_revealed_field_shows_only_where_config_allows_it() -> None:
    grids = {k: Grid(v) for k, v in demo_books().books[HUB_NAME].items()}
    result = generate_reports(grids, reveal={"rosters": {"child.guardian_phone"}})
    found = leaks({name: c.rows for name, c in result.tabs.items()})
    assert len(found) > 1000
    assert {(tab.startswith("花名册-"), header) for tab, header, _ in found} == {
        (True, "监护人电话")}
