"""Findings written back: the 校验问题 tab, the 校验结果 column, --fix; diffed and re-runnable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.forms.findings import PROBLEM_HEADERS, PROBLEMS_TAB
from sheets_sync.forms.rule_names import RULE_NAMES, rule_name
from sheets_sync.sync.slices import validate_book

from .samples import CHILD, CHILD_TAB, book_tabs


def test_problems_tab_and_result_column_then_cleared_after_fix() -> None:
    bad = {**CHILD, "监护人电话": "138-1234-567"}
    book = MemoryBook(book_tabs(bad))
    report, _ = validate_book(book)
    problems = book.tab(PROBLEMS_TAB)
    assert problems[0] == PROBLEM_HEADERS
    assert problems[1][:4] == [CHILD_TAB, "2", "R2", "监护人电话"]
    # the rule code, and its Chinese name beside it
    assert PROBLEM_HEADERS[6:8] == ["规则代码", "规则"]
    assert problems[1][6:8] == ["phone.invalid", "电话号码格式"]
    # the phone is sensitive: masked in the generated tab
    assert problems[1][4] == "138****4567"
    assert "138-1234-567" not in "".join(problems[1])
    child = book.tab(CHILD_TAB)
    result_col = len(CHILD)  # 0-based index of the new column
    assert child[0][result_col] == "校验结果"
    assert child[1][result_col].startswith("监护人电话 “138****4567” 不是有效的手机号")

    # staff fix the cell; the re-run clears the column and the tab
    child[1][list(CHILD).index("监护人电话")] = "13812344567"
    book2 = MemoryBook({**{k: book.tab(k) for k in ("学校", CHILD_TAB)}, PROBLEMS_TAB: problems})
    report, _ = validate_book(book2)
    assert report.problems == []
    assert book2.tab(CHILD_TAB)[1][result_col] == ""
    assert book2.tab(PROBLEMS_TAB) == [PROBLEM_HEADERS, ["未发现问题"]]


def test_rerun_with_nothing_new_writes_nothing() -> None:
    book = MemoryBook(book_tabs({**CHILD, "年级": "7"}))
    validate_book(book)
    assert book.applies == 1
    validate_book(book)
    assert book.applies == 1


def test_dry_run_writes_nothing() -> None:
    book = MemoryBook(book_tabs({**CHILD, "年级": "7"}))
    _, batch = validate_book(book, dry_run=True)
    assert batch and book.applies == 0


def test_fix_rewrites_only_safe_cells(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    odd = {**CHILD, "监护人电话": "+86 137-1234-5678", "出生日期": "2015年3月8日",
           "性别": "女生", "身份证号": CHILD["身份证号"].replace("X", "x")}
    write_workbook(path, book_tabs(odd))
    report, _ = validate_book(ExcelBook(path), fix=True)
    assert report.problems == []
    fixed = {(f.column, f.old, f.new) for f in report.fixes}
    assert ("监护人电话", "+86 137-1234-5678", "13712345678") in fixed
    assert ("出生日期", "2015年3月8日", "2015-03-08") in fixed
    assert not any(f.column == "性别" for f in report.fixes)  # a synonym is not a safe fix
    row = ExcelBook(path).read()[CHILD_TAB].rows[1]
    assert row[list(CHILD).index("监护人电话")] == "13712345678"
    assert row[list(CHILD).index("出生日期")] == "2015-03-08"
    assert row[list(CHILD).index("性别")] == "女生"


def test_formula_text_stays_text_in_every_written_tab(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    formula = '=HYPERLINK("http://x","y")'
    write_workbook(path, book_tabs({**CHILD, "性格特征": formula, "年级": "7"},
                                   {**CHILD, "编号": "C0002", "学校": formula}))
    validate_book(ExcelBook(path))
    import openpyxl

    wb = openpyxl.load_workbook(path)
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and "HYPERLINK" in c.value:
                    seen.append((ws.title, c.data_type))
    assert (CHILD_TAB, "s") in seen and (PROBLEMS_TAB, "s") in seen
    assert all(dtype == "s" for _, dtype in seen)


FORMS = Path(__file__).resolve().parents[1] / "sheets_sync" / "forms"
# a rule code as the checks write it: _bad(raw, "x.y", …), _issue("x.y", …),
# sink.cell(i, key, "x", …), return None, "x.y", … and the ID checks' "id.x"
CODE = re.compile(r'(?:_bad\(raw, |_issue\(\s*|sink\.(?:cell|tab_level)\([^,]+, [^,]+, |'
                  r'return None, |return )"([a-z_]+(?:\.[a-z_0-9]+)?)"')


def codes_in_checks() -> set[str]:
    found: set[str] = set()
    for path in FORMS.glob("*.py"):
        found.update(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_rule_code_the_checks_report_has_a_chinese_name() -> None:
    codes = codes_in_checks()
    assert {"id.checksum", "required", "phone.invalid", "column.missing", "compare"} <= codes
    assert codes - set(RULE_NAMES) == set()


def test_every_named_rule_code_is_in_the_readme() -> None:
    readme = (FORMS.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Rule codes", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z_]+(?:\.[a-z_0-9]+)?)`", section))
    assert set(RULE_NAMES) - listed == set()
    assert listed - set(RULE_NAMES) == set()


@pytest.mark.parametrize(("code", "name"), [
    pytest.param("id.checksum", "身份证校验码", id="known"),
    pytest.param("id.something_new", "身份证号", id="family"),
    pytest.param("sync.drift", "sync.drift", id="unknown"),
])
def test_rule_name(code: str, name: str) -> None:
    assert rule_name(code) == name
