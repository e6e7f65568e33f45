"""What reports read and what they build.

* :func:`forms_from_report` turns a validation :class:`~sheets_sync.forms.validate.Report`
  into records by form key (``school``, ``child``, ``volunteer``, ``pair``, ``budget``,
  ``expense``, ``donation``): each record keeps its tab and sheet row (for cell
  references), the canonical text of every field and its typed value (``None`` when the
  cell is empty or invalid). Several tabs holding one form are read in book order.
* :class:`Builder` lays out a generated tab row by row: ``str`` cells stay text,
  ``Decimal`` cells are money, ``int`` cells counts and :class:`Rate` cells percentages,
  written as numbers with a number format (:attr:`TabContent.numbers`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import repeat
from typing import Any

import pandas as pd

from ..books.base import Chart, PrintSetup, TabContent
from ..forms.template import FormTemplate
from ..forms.validate import Report, ref_key
from ..table import a1

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "0"
RATE_FORMAT = "0.0%"
CENT = Decimal("0.01")


@dataclass(slots=True)
class Record:
    """One row of a form tab: canonical text and typed value of each field."""

    tab: str
    row: int
    text: dict[str, str]
    value: dict[str, Any]
    columns: dict[str, int]

    def t(self, key: str) -> str:
        return self.text.get(key, "")

    def v(self, key: str) -> Any:
        return self.value.get(key)

    def cell(self, key: str) -> str:
        """``支出明细!D106``: where this record's ``key`` field sits."""
        col = self.columns.get(key)
        return f"{self.tab}!{a1(self.row, col)}" if col else f"{self.tab} 第 {self.row} 行"


@dataclass
class FormRecords:
    """Every record of one form, from every tab that holds it.

    :meth:`texts` and :meth:`values` give one field of every record as a list in record
    order (a column), for reports that count over many rows; :func:`forms_from_report`
    keeps the columns it parsed, so asking costs nothing (records added by hand afterwards
    are read one by one instead). The columns follow ``records`` as parsed: sort a copy,
    never the list itself.
    """

    form: FormTemplate
    records: list[Record] = field(default_factory=list)
    parts: list[tuple[int, dict[str, list[str]], dict[str, list[Any]]]] = field(
        default_factory=list, repr=False, compare=False)
    """(rows, texts, values) of each parsed tab, by field key, in record order."""

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def texts(self, key: str) -> list[str]:
        """The text of field ``key`` of every record (``""`` where it has none)."""
        if sum(n for n, _, _ in self.parts) != len(self.records):
            return [r.t(key) for r in self.records]
        if len(self.parts) == 1 and key in self.parts[0][1]:
            return self.parts[0][1][key]
        out: list[str] = []
        for n, texts, _ in self.parts:
            out += texts.get(key) or [""] * n
        return out

    def values(self, key: str) -> list[Any]:
        """The typed value of field ``key`` of every record (``None`` where it has none)."""
        if sum(n for n, _, _ in self.parts) != len(self.records):
            return [r.v(key) for r in self.records]
        if len(self.parts) == 1 and key in self.parts[0][2]:
            return self.parts[0][2][key]
        out: list[Any] = []
        for n, _, values in self.parts:
            out += values.get(key) or [None] * n
        return out


Forms = dict[str, FormRecords]


_PLAIN = frozenset({str, int, bool, date})


def _typed(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if type(v) in _PLAIN:
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item") and not isinstance(v, Decimal):
        return v.item()
    return v


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while many small acyclic objects are made at
    once (a record each row): it would otherwise walk the whole growing heap again and
    again (a third of the time on 150,000 rows). Nothing made here forms a cycle."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def forms_from_report(report: Report) -> Forms:
    """The records of every form tab of ``report``, by form key."""
    with _gc_paused():
        return _forms(report)


def _forms(report: Report) -> Forms:
    out: Forms = {}
    for name, tr in report.tabs.items():
        form = tr.layout.form
        bucket = out.setdefault(form.key, FormRecords(form))
        keys = list(tr.normalized)
        texts = {k: [t if type(t) is str else str(t) for t in tr.normalized[k].text.tolist()]
                 for k in keys}
        values = {k: [v if v is None or type(v) in _PLAIN else _typed(v)
                      for v in tr.normalized[k].value.tolist()] for k in keys}
        rows = [int(r) for r in tr.data.rows]
        bucket.parts.append((len(rows), texts, values))
        columns = tr.layout.columns
        cells = (zip(zip(*texts.values(), strict=True), zip(*values.values(), strict=True),
                     strict=True) if keys else repeat(((), ())))
        for row, (text, value) in zip(rows, cells, strict=False):
            bucket.records.append(Record(tab=name, row=row, text=dict(zip(keys, text, strict=True)),
                                         value=dict(zip(keys, value, strict=True)),
                                         columns=columns))
    return out


def records(forms: Forms, key: str) -> list[Record]:
    """The records of form ``key`` (none when the book has no such tab)."""
    fr = forms.get(key)
    return fr.records if fr is not None else []


def same(a: str, b: str) -> bool:
    """Whether two names refer to the same thing (as references compare)."""
    return ref_key(a) == ref_key(b)


class Rate(Decimal):
    """A fraction shown as a percentage (``0.953`` → ``95.3%``)."""


def rate(part: int, whole: int) -> Rate | str:
    """``part / whole`` to four places, or ``"—"`` for an empty whole."""
    if whole == 0:
        return "—"
    return Rate((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")))


def money_text(d: Decimal) -> str:
    return str(d.quantize(CENT))


Value = str | int | Decimal


@dataclass
class Builder:
    """A generated tab built row by row (see the module doc for cell kinds)."""

    rows: list[list[str]] = field(default_factory=list)
    numbers: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    section_rows: set[int] = field(default_factory=set)
    bold_rows: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1

    def add(self, cells: Sequence[Value] = (), *, section: bool = False,
            bold: bool = False) -> int:
        """Append a row; returns its sheet row."""
        r = self.next_row
        row: list[str] = []
        for j, v in enumerate(cells, start=1):
            if isinstance(v, str):  # most cells: text as it is
                row.append(v)
            elif type(v) is int:
                row.append(str(v))
                self.numbers[(r, j)] = COUNT_FORMAT
            elif isinstance(v, Rate):
                row.append(str(v))
                self.numbers[(r, j)] = RATE_FORMAT
            elif isinstance(v, Decimal):
                row.append(money_text(v))
                self.numbers[(r, j)] = MONEY_FORMAT
            elif isinstance(v, bool):
                row.append("是" if v else "否")
            elif isinstance(v, int):
                row.append(str(v))
                self.numbers[(r, j)] = COUNT_FORMAT
            else:
                row.append(v)
        self.rows.append(row)
        if section:
            self.section_rows.add(r)
        if bold:
            self.bold_rows.add(r)
        return r

    def formula(self, row: int, col: int, formula: str, number_format: str = MONEY_FORMAT
                ) -> None:
        self.formulas[(row, col)] = formula
        self.numbers[(row, col)] = number_format

    def merge(self, row: int, col1: int, col2: int, row2: int | None = None) -> None:
        self.merges.append((row, col1, row2 or row, col2))

    def content(self, *, header_rows: int, note: str, widths: Mapping[int, float] | None = None,
                print_setup: PrintSetup | None = None) -> TabContent:
        return TabContent(
            rows=self.rows, header_rows=header_rows, widths=dict(widths or {}),
            formulas=self.formulas, note=note, numbers=self.numbers,
            section_rows=self.section_rows, bold_rows=self.bold_rows, merges=self.merges,
            print_setup=print_setup, charts=self.charts, protected=True)


def generated_note(what: str) -> str:
    """The A1 note of a generated tab (the time is added when it is written)."""
    return (f"此表由 sheets-sync 根据各登记表自动生成({what}),每次运行都会重写:"
            "在此表中的修改会被覆盖(覆盖前记入运行日志)。请在原始登记表中修改。")
