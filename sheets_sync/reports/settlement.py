"""经费结算表: the end-of-program settlement in its customary form, printable on A4.

One table with one column header (repeated on every printed page): 一、收入 (each cash
donation), 二、支出 by category, 三、结余, 四、发票清单 (every expense by date, with its
invoice or receipt), and the signature line. Fit to the page width, portrait.
"""

from __future__ import annotations

from ..books.base import PrintSetup, TabContent
from ..config import Program
from ..forms.parsers import parse_date
from ..forms.program_data import span
from .budget import ZERO, Ledger, ledger
from .model import Builder, Forms, generated_note, money_text, records

TAB = "经费结算表"
COLUMNS = ["序号", "日期", "项目", "摘要", "票据号", "金额(元)"]
HEADER_ROW = 3


def period(forms: Forms, program: Program) -> str:
    """The program's period as configured, else as the 学校 tab's 进驻 dates give it."""
    lo, hi = program.start_date, program.end_date
    if lo is None and hi is None:
        days = [(parse_date(r.t("start_date")), parse_date(r.t("end_date")))
                for r in records(forms, "school")]
        found = span([a for a, _ in days if a], [b for _, b in days if b])
        if found is None:
            return "未配置"
        return f"{found[0]} 至 {found[1]}(按“学校”表的进驻日期)"
    return f"{lo or '……'} 至 {hi or '……'}"


def settlement(forms: Forms, program: Program, led: Ledger | None = None) -> TabContent:
    """The 经费结算表 tab."""
    led = led or ledger(forms, program)
    b = Builder()
    b.add([f"{program.name} 经费结算表"], bold=True)
    b.merge(1, 1, len(COLUMNS))
    b.add([f"项目期间:{period(forms, program)}", "", "", "", "单位:元"])
    b.merge(2, 1, 4)
    b.add(COLUMNS)

    b.add(["一、收入"], section=True)
    for n, (r, amount) in enumerate(led.cash_income, start=1):
        b.add([n, r.t("date"), r.t("donor"), "现金捐赠", r.t("receipt_no"), amount])
    b.add(["", "", "收入合计", "", "", led.total_income], bold=True)

    b.add(["二、支出(按类别)"], section=True)
    for n, cat in enumerate(led.categories, start=1):
        budget = led.budget.get(cat)
        note = (f"预算 {money_text(budget)} 元,{led.count[cat]} 笔" if budget is not None
                else f"不在预算表中,{led.count[cat]} 笔")
        b.add([n, "", cat, note, "", led.spent.get(cat, ZERO)])
    b.add(["", "", "支出合计", "", "", led.total_spent], bold=True)

    b.add(["三、结余"], section=True)
    b.add(["", "", "结余", "收入合计 − 支出合计", "", led.balance], bold=True)

    b.add(["四、发票清单"], section=True)
    items = sorted(led.expenses, key=lambda e: (e[0].t("date"), e[0].t("id")))
    for n, (r, cat, amount) in enumerate(items, start=1):
        ticket = r.t("invoice_no") or "收据"
        b.add([n, r.t("date"), cat, r.t("reason") or "(未填理由)", ticket, amount])
    b.add(["", "", "清单合计", f"{len(items)} 笔", "", sum((a for *_, a in items), ZERO)],
          bold=True)
    if led.problems:
        b.add([f"注:{len(led.problems)} 处金额无法识别,未计入本表,见“预算汇总”第六部分。"])
    b.add([])
    b.add(["制表人:", "", "审核人:", "", "负责人:"])
    b.add(["日期:", "", "日期:", "", "日期:"])
    last = b.next_row - 1
    return b.content(
        header_rows=HEADER_ROW, widths={1: 6, 2: 12, 3: 22, 4: 30, 5: 14, 6: 14},
        note=generated_note("项目结束时的经费结算:收入、分类支出、结余和发票清单"),
        print_setup=PrintSetup(paper="A4", fit_width=True, repeat_rows=(HEADER_ROW, HEADER_ROW),
                               area=(1, 1, last, len(COLUMNS))))
