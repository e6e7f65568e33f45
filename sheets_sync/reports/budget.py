"""The money: one :class:`Ledger` built from 预算, 支出明细 and 捐赠, and the 预算汇总 tab.

Amounts are ``Decimal`` and tie out: the categories, the brigades and the months each sum
to the ledger total. An amount that does not parse is never summed silently: it is a
problem line in the tab (and in :attr:`Ledger.problems`). 预算汇总 also carries ``=SUM``
check cells that Excel and LibreOffice recompute, and a cell that says whether they agree.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..books.base import Chart, PrintSetup, TabContent
from ..config import Program
from ..table import col_letter
from .model import (
    Builder,
    Forms,
    Rate,
    Record,
    generated_note,
    money_text,
    rate,
    records,
    same,
)

TAB = "预算汇总"
ZERO = Decimal("0")
_ISO = re.compile(r"^(\d{4})-(\d{2})-\d{2}$")
NO_BRIGADE = "未填大队"
NO_MONTH = "日期不明"


@dataclass
class Ledger:
    """Budget, spending and income, summed exactly; what could not be summed, listed."""

    budget: dict[str, Decimal] = field(default_factory=dict)
    spent: dict[str, Decimal] = field(default_factory=dict)
    count: Counter[str] = field(default_factory=Counter)
    by_brigade: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    by_month: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    expenses: list[tuple[Record, str, Decimal]] = field(default_factory=list)
    cash_income: list[tuple[Record, Decimal]] = field(default_factory=list)
    goods_income: list[tuple[Record, Decimal]] = field(default_factory=list)
    lacking: list[tuple[Record, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return list(self.budget) + [c for c in self.spent if c not in self.budget]

    @property
    def total_budget(self) -> Decimal:
        return sum(self.budget.values(), ZERO)

    @property
    def total_spent(self) -> Decimal:
        return sum((a for _, _, a in self.expenses), ZERO)

    @property
    def total_income(self) -> Decimal:
        return sum((a for _, a in self.cash_income), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total_income - self.total_spent


def _bad_amount(r: Record, key: str, what: str) -> str:
    return (f"{r.cell(key)} {what}“{r.t(key)}”不是有效金额,未计入合计:"
            "请改成数字金额,如 86.50,然后重新运行。")


def _add(d: dict[str, tuple[int, Decimal]], key: str, amount: Decimal) -> None:
    n, total = d.get(key, (0, ZERO))
    d[key] = (n + 1, total + amount)


def ledger(forms: Forms, program: Program) -> Ledger:
    """Sum the budget, the expenses and the donations of ``forms``."""
    led = Ledger()
    for r in records(forms, "budget"):
        cat = r.t("category")
        if not cat:
            continue
        amount = r.v("amount")
        if not isinstance(amount, Decimal):
            if r.t("amount"):
                led.problems.append(_bad_amount(r, "amount", f"类别“{cat}”的预算金额"))
            amount = ZERO
        if cat not in led.budget:
            led.budget[cat] = amount
    for r in records(forms, "expense"):
        amount = r.v("amount")
        if not isinstance(amount, Decimal):
            if r.t("amount"):
                led.problems.append(_bad_amount(r, "amount", "支出金额"))
            else:
                led.problems.append(f"{r.cell('amount')} 支出金额为空,未计入合计:请填写金额。")
            continue
        raw = r.t("category") or "类别未填"
        cat = next((c for c in led.budget if same(c, raw)), raw)
        led.expenses.append((r, cat, amount))
        led.spent[cat] = led.spent.get(cat, ZERO) + amount
        led.count[cat] += 1
        _add(led.by_brigade, r.t("brigade") or NO_BRIGADE, amount)
        m = _ISO.match(r.t("date"))
        _add(led.by_month, f"{m.group(1)}-{m.group(2)}" if m else NO_MONTH, amount)
        missing = []
        if not r.t("invoice_no"):
            missing.append("发票号" if amount >= program.invoice_threshold
                           else f"发票号(不足 {program.invoice_threshold} 元,须有收据)")
        if not r.t("reason"):
            missing.append("支出理由")
        if missing:
            led.lacking.append((r, "、".join(missing)))
    for r in records(forms, "donation"):
        amount = r.v("amount")
        if not isinstance(amount, Decimal):
            if r.t("amount"):
                led.problems.append(_bad_amount(r, "amount", "捐赠金额"))
            continue
        (led.goods_income if r.t("kind") == "物资" else led.cash_income).append((r, amount))
    led.by_month = dict(sorted(led.by_month.items()))
    order = {b: i for i, b in enumerate([*program.counties, program.head_brigade])}
    led.by_brigade = dict(sorted(led.by_brigade.items(), key=lambda kv: order.get(kv[0], 99)))
    return led


def _sum_check(b: Builder, first: int, last: int, total_row: int, cols: list[int]) -> None:
    """A 公式核对 row: ``=SUM`` of rows first..last under each of ``cols``, and a verdict."""
    r = b.add(["公式核对"])
    for c in cols:
        b.formula(r, c, f"=SUM({col_letter(c)}{first}:{col_letter(c)}{last})")
    conds = ",".join(f"ROUND({col_letter(c)}{r}-{col_letter(c)}{total_row},2)=0" for c in cols)
    verdict_col = max(cols) + 1
    b.formula(r, verdict_col, f'=IF(AND({conds}),"一致","不一致")', "@")


def budget_summary(forms: Forms, program: Program, led: Ledger | None = None) -> TabContent:
    """The 预算汇总 tab."""
    led = led or ledger(forms, program)
    b = Builder()
    b.add([f"{program.name} 预算执行汇总"], bold=True)
    b.merge(1, 1, 7)

    b.add(["一、按类别"], bold=True)
    head = b.add(["类别", "预算", "已支出", "剩余", "执行率", "笔数", "状态"], section=True)
    for cat in led.categories:
        budget, spent = led.budget.get(cat, ZERO), led.spent.get(cat, ZERO)
        status = "不在预算表中" if cat not in led.budget else (
            f"超支 {money_text(spent - budget)} 元" if spent > budget else "")
        b.add([cat, budget, spent, budget - spent,
               rate_money(spent, budget), led.count[cat], status])
    last = b.next_row - 1
    over = sum(1 for c in led.categories if led.spent.get(c, ZERO) > led.budget.get(c, ZERO))
    total = b.add(["合计", led.total_budget, led.total_spent, led.total_budget - led.total_spent,
                   rate_money(led.total_spent, led.total_budget), len(led.expenses),
                   f"超支类别 {over} 个" if over else ""], bold=True)
    _sum_check(b, head + 1, last, total, [2, 3, 4])
    b.charts.append(Chart(title="各类别预算与支出", categories=(1, head + 1, last),
                          series=((2, head + 1, last), (3, head + 1, last)),
                          anchor="I2", y_title="元"))

    for title, label, data in (("二、按大队", "大队", led.by_brigade),
                               ("三、按月份", "月份", led.by_month)):
        b.add([])
        b.add([title], bold=True)
        head = b.add([label, "笔数", "金额"], section=True)
        for key, (n, amount) in data.items():
            b.add([key, n, amount])
        last = b.next_row - 1
        total = b.add(["合计", len(led.expenses), led.total_spent], bold=True)
        _sum_check(b, head + 1, last, total, [3])

    b.add([])
    b.add(["四、收入与支出"], bold=True)
    b.add(["项目", "金额", "说明"], section=True)
    income = b.add(["现金捐赠收入", led.total_income, f"{len(led.cash_income)} 笔"])
    spent_row = b.add(["支出合计", led.total_spent, f"{len(led.expenses)} 笔"])
    bal = b.add(["结余", led.balance, "收入减支出"], bold=True)
    goods = sum((a for _, a in led.goods_income), ZERO)
    b.add(["物资捐赠(估值)", goods, f"{len(led.goods_income)} 笔,不计入结余"])
    r = b.add(["公式核对"])
    b.formula(r, 2, f"=B{income}-B{spent_row}")
    b.formula(r, 3, f'=IF(ROUND(B{r}-B{bal},2)=0,"一致","不一致")', "@")

    b.add([])
    b.add([f"五、缺少发票号或支出理由的支出({len(led.lacking)} 笔)"], bold=True)
    b.add(["编号", "位置", "日期", "类别", "金额", "缺少"], section=True)
    for rec, what in led.lacking:
        amount = rec.v("amount")
        b.add([rec.t("id"), f"{rec.tab} 第 {rec.row} 行", rec.t("date"), rec.t("category"),
               amount if isinstance(amount, Decimal) else rec.t("amount"), what])
    if not led.lacking:
        b.add(["无"])

    b.add([])
    b.add([f"六、未计入合计的金额({len(led.problems)} 处)"], bold=True)
    for text in led.problems or ["无"]:
        b.add([text])
    return b.content(header_rows=1, widths={1: 16, 2: 14, 3: 14, 4: 14, 5: 10, 6: 8, 7: 22},
                     note=generated_note("预算、支出明细和捐赠的汇总;公式核对行由 Excel 重新计算"),
                     print_setup=PrintSetup(landscape=True))


def rate_money(part: Decimal, whole: Decimal) -> Rate | str:
    """``part / whole`` as a :class:`~.model.Rate` (``"—"`` when there is no budget)."""
    if whole == 0:
        return "—"
    return rate(int(part * 100), int(whole * 100))
