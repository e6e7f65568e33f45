"""预算汇总 and 经费结算表: every total ties out, recomputed here from the raw demo cells."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pytest

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.reports import generate_reports
from sheets_sync.sync.slices import report_book
from sheets_sync.table import Grid

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@cache
def hub() -> dict[str, list[list[str]]]:
    return demo_books().books[HUB_NAME]


@cache
def tabs() -> dict[str, list[list[str]]]:
    result = generate_reports({k: Grid(v) for k, v in hub().items()}, only="budget,settlement")
    return {name: content.rows for name, content in result.tabs.items()}


def _money(text: str) -> Decimal | None:
    try:
        return Decimal(re.sub(r"[¥元,\s]", "", text))
    except InvalidOperation:
        return None


def _records(tab: str) -> list[dict[str, str]]:
    head, *rows = hub()[tab]
    return [dict(zip(head, r, strict=False)) for r in rows]


def _section(rows: list[list[str]], title: str) -> list[list[str]]:
    """The rows of the section whose title starts with ``title``, up to its 合计 row."""
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith(title))
    out = []
    for r in rows[start + 2:]:
        if r and r[0] == "合计":
            out.append(r)
            break
        out.append(r)
    return out


def _month(text: str) -> str:
    """``2026-07-05`` or ``2026年7月5日`` → ``2026-07``."""
    y, m = re.findall(r"\d+", text)[:2]
    return f"{y}-{int(m):02d}"


def _expected_expenses() -> list[dict[str, str]]:
    return [e for e in _records("支出明细") if _money(e["金额"]) is not None]


def test_categories_sum_to_the_ledger() -> None:
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for e in _expected_expenses():
        spent[e["类别"]] += _money(e["金额"]) or Decimal(0)
    budget = {b["类别"]: Decimal(b["预算金额"]) for b in _records("预算")}
    *lines, total = _section(tabs()["预算汇总"], "一、按类别")
    assert {r[0]: Decimal(r[2]) for r in lines} == dict(spent)
    assert {r[0]: Decimal(r[1]) for r in lines} == budget
    assert Decimal(total[2]) == sum(spent.values()) == sum(Decimal(r[2]) for r in lines)
    assert Decimal(total[1]) == sum(budget.values())
    assert int(total[5]) == len(_expected_expenses())
    for r in lines:
        assert Decimal(r[3]) == Decimal(r[1]) - Decimal(r[2])
        over = Decimal(r[2]) > Decimal(r[1])
        assert r[6].startswith("超支") == over


@pytest.mark.parametrize("title, column", [
    pytest.param("二、按大队", "所属大队", id="per-brigade"),
    pytest.param("三、按月份", "日期", id="per-month"),
])
def test_brigades_and_months_sum_to_the_ledger(title: str, column: str) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for e in _expected_expenses():
        key = _month(e[column]) if column == "日期" else e[column]
        expected[key] += _money(e["金额"]) or Decimal(0)
    *lines, total = _section(tabs()["预算汇总"], title)
    got = {r[0]: Decimal(r[2]) for r in lines}
    assert got == dict(expected)
    assert sum(got.values()) == Decimal(total[2])


def test_unparsable_money_is_a_problem_line_not_summed() -> None:
    rows = tabs()["预算汇总"]
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith("六、"))
    assert rows[start] == ["六、未计入合计的金额(1 处)"]
    assert rows[start + 1] == ["支出明细!D223 支出金额“abc”不是有效金额,未计入合计:"
                               "请改成数字金额,如 86.50,然后重新运行。"]


def test_income_against_spending_and_the_balance() -> None:
    donations = _records("捐赠")
    cash = sum(Decimal(d["金额"]) for d in donations if d["类型"] == "现金")
    spent = sum((_money(e["金额"]) or Decimal(0)) for e in _expected_expenses())
    rows = {r[0]: r for r in _section(tabs()["预算汇总"], "四、收入与支出") if r}
    assert Decimal(rows["现金捐赠收入"][1]) == cash
    assert Decimal(rows["结余"][1]) == cash - spent


def test_expenses_lacking_invoice_or_reason_are_listed() -> None:
    expected = {e["编号"] for e in _expected_expenses() if not e["发票号"] or not e["支出理由"]}
    rows = tabs()["预算汇总"]
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith("五、"))
    listed = set()
    for r in rows[start + 2:]:
        if not r:
            break
        listed.add(r[0])
    assert listed == expected
    assert rows[start][0] == f"五、缺少发票号或支出理由的支出({len(expected)} 笔)"


def test_settlement_ties_out() -> None:
    rows = tabs()["经费结算表"]
    by_label = {r[2]: r for r in rows if len(r) > 2 and r[2] in {"收入合计", "支出合计", "结余",
                                                                 "清单合计"}}
    spent = sum((_money(e["金额"]) or Decimal(0)) for e in _expected_expenses())
    cash = sum(Decimal(d["金额"]) for d in _records("捐赠") if d["类型"] == "现金")
    assert Decimal(by_label["收入合计"][5]) == cash
    assert Decimal(by_label["支出合计"][5]) == spent == Decimal(by_label["清单合计"][5])
    assert Decimal(by_label["结余"][5]) == cash - spent
    start = next(i for i, r in enumerate(rows) if r and r[0] == "四、发票清单")
    invoices = [r for r in rows[start + 1:] if r and r[0].isdigit()]
    assert len(invoices) == len(_expected_expenses())
    assert sum(Decimal(r[5]) for r in invoices) == spent


def test_settlement_prints_on_a4_with_a_repeated_header() -> None:
    result = generate_reports({k: Grid(v) for k, v in hub().items()}, only="settlement")
    setup = result.tabs["经费结算表"].print_setup
    assert setup is not None
    assert (setup.paper, setup.fit_width, setup.repeat_rows) == ("A4", True, (3, 3))
    assert result.tabs["经费结算表"].rows[2] == ["序号", "日期", "项目", "摘要", "票据号",
                                                "金额(元)"]


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed; CI installs libreoffice-calc to run this",
)
def test_libreoffice_recomputes_the_check_formulas(tmp_path: Path) -> None:
    assert SOFFICE is not None
    path = tmp_path / "hub.xlsx"
    write_workbook(path, hub())
    result, _ = report_book(ExcelBook(path), only="budget")
    out = tmp_path / "csv"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,"
         "false,-1", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180)
    with open(out / "hub-预算汇总.csv", encoding="utf-8", newline="") as fh:
        computed = list(csv.reader(fh))
    written = result.tabs["预算汇总"].rows
    checks = [i for i, r in enumerate(written) if r and r[0] == "公式核对"]
    assert len(checks) == 4
    for i in checks[:3]:  # category, brigade and month sums
        total = written[i - 1]
        got = computed[i]
        cols = [1, 2, 3] if i == checks[0] else [2]
        assert [Decimal(got[c]) for c in cols] == [Decimal(total[c]) for c in cols]
        assert "一致" in got
    balance = next(r for r in written if r and r[0] == "结余")
    assert Decimal(computed[checks[3]][1]) == Decimal(balance[1])
    assert computed[checks[3]][2] == "一致"


def test_money_in_memory_is_exact_text() -> None:
    book = MemoryBook({k: [list(r) for r in v] for k, v in hub().items()})
    report_book(book, only="budget")
    rows = book.tab("预算汇总")
    total = next(r for r in rows if r and r[0] == "合计")
    assert re.fullmatch(r"-?\d+\.\d\d", total[2])
