"""A :class:`~sheets_sync.books.base.TabContent` drawn on an XlsxWriter worksheet.

The one place that turns a generated tab into Excel: used for new workbooks
(:mod:`.new`) and, through a scratch workbook, for tabs grafted into existing ones
(:mod:`.graft`). Text is written with ``write_string`` (a string cell whatever its first
character: ``=HYPERLINK(…)`` stays text), numbers with their number format, formulas only
where the tab asks for one. Header and section rows are bold on a light blue fill, header
rows frozen, bold rows bold; merges, widths, print setup, clustered column charts drawn
from the tab's own cells, dropdowns (warning, not refusing), sheet protection without a
password (dropdown cells left editable), and the tab's note as a comment on A1.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from xlsxwriter.workbook import Workbook  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from ...errors import BookError
from ..base import Chart, Dropdown, PrintSetup, TabContent
from .patch import MAX_CELL_CHARS, check_cell

_NON_CHARACTERS = str.maketrans({"\ufffe": "_xFFFE_", "\uffff": "_xFFFF_"})

__all__ = [
    "HEADER_FILL",
    "MAX_LIST_CHARS",
    "Formats",
    "cell_text",
    "check_dropdown",
    "estimate_widths",
    "render_tab",
]

HEADER_FILL = "#DDEBF7"
MAX_LIST_CHARS = 255  # Excel's limit for a dropdown's inline list ("接受,拒绝")
PAPER = {"A4": 9, "A3": 8}


def cell_text(text: str, tab: str, row: int, col: int) -> str:
    """``text`` for XlsxWriter (which escapes control characters and ``_xHHHH_`` itself).

    Refuses text over Excel's limit; the XML non-characters U+FFFE/U+FFFF become the
    literal text ``_xFFFE_``/``_xFFFF_``.
    """
    if len(text) > MAX_CELL_CHARS:
        raise BookError(
            f"工作表“{tab}”的单元格 {_col_letter(col)}{row} 的内容有 {len(text)} 个字符,"
            f"超过了 Excel 单个单元格的上限 {MAX_CELL_CHARS} 个字符。请缩短内容后重新运行。"
        )
    return text.translate(_NON_CHARACTERS)


def display_width(text: str) -> int:
    longest = 0
    for line in text.split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, w)
    return longest


def estimate_widths(rows: list[list[str]], sample: int = 2000) -> dict[int, float]:
    """Column widths (characters, CJK counting 2) from the first ``sample`` rows."""
    widths: dict[int, float] = {}
    for row in rows[:sample]:
        for j, text in enumerate(row, start=1):
            if text:
                widths[j] = max(widths.get(j, 0.0), float(display_width(text)))
    return {j: min(max(w + 2.0, 8.0), 60.0) for j, w in widths.items()}


def check_dropdown(tab: str, dropdown: Dropdown) -> str:
    """The inline list of ``dropdown`` (``"接受,拒绝"``); refuses what Excel cannot hold.

    Excel allows 255 characters there and no separator or quote inside a value.
    """
    letter = _col_letter(dropdown.col)
    where = f"工作表“{tab}”第 {letter} 列的下拉选项"
    bad = [v for v in dropdown.values if "," in v or '"' in v]
    if bad:
        raise BookError(f"{where}“{bad[0]}”含有英文逗号或双引号,Excel 的下拉列表不能包含"
                        "这些字符。请改用顿号“、”或去掉引号。")
    listed = ",".join(dropdown.values)
    if len(listed) > MAX_LIST_CHARS:
        raise BookError(f"{where}连同分隔的逗号共有 {len(listed)} 个字符,超过了 Excel 下拉列表"
                        f"的上限 {MAX_LIST_CHARS} 个字符。请减少或缩短选项。")
    return listed


def _col_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Formats:
    """XlsxWriter formats of one workbook, made once per combination."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.cache: dict[tuple[Any, ...], Any] = {}

    def get(self, *, header: bool = False, bold: bool = False, num: str = "",
            unlocked: bool = False, text: bool = False, wrap: bool = False) -> Any:
        key = (header, bold, num, unlocked, text, wrap)
        if key == (False, False, "", False, False, False):
            return None
        if key not in self.cache:
            props: dict[str, Any] = {}
            if header or bold:
                props["bold"] = True
            if header:
                props["bg_color"] = HEADER_FILL
                props["pattern"] = 1
            if num:
                props["num_format"] = num
            elif text:
                props["num_format"] = "@"
            if unlocked:
                props["locked"] = False
            if wrap:
                props["text_wrap"] = True
                props["valign"] = "top"
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]


def _number(text: str) -> float | int | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and "." not in text and abs(value) < 2**53:
        return int(value)
    return float(value)


def render_tab(ws: Worksheet, name: str, content: TabContent, formats: Formats) -> None:
    """Draw ``content`` on ``ws`` (an empty worksheet called ``name``)."""
    rows = content.rows
    width = max((len(r) for r in rows), default=0)
    styled = set(range(1, content.header_rows + 1)) | content.section_rows
    dropdowns = content.dropdowns()
    listed = [check_dropdown(name, d) for d in dropdowns]
    unlocked: dict[int, list[tuple[int, int]]] = {}
    if content.protected:
        for d in dropdowns:
            unlocked.setdefault(d.col, []).append((d.first_row, d.last_row))

    def is_unlocked(r: int, c: int) -> bool:
        return any(lo <= r <= hi for lo, hi in unlocked.get(c, ()))

    for i in range(1, len(rows) + 1):
        row = rows[i - 1]
        header = i in styled
        bold = i in content.bold_rows
        ncols = max(width if (header or bold) else len(row), 1)
        for j in range(1, ncols + 1):
            if (i, j) in content.formulas:
                continue
            text = row[j - 1] if j <= len(row) else ""
            fmt_args: dict[str, Any] = {"header": header, "bold": bold and not header,
                                        "unlocked": is_unlocked(i, j),
                                        "wrap": j in content.wrap and not header}
            num = content.numbers.get((i, j), "")
            if not text:
                fmt = formats.get(**fmt_args)
                if fmt is not None:
                    ws.write_blank(i - 1, j - 1, None, fmt)
                continue
            check_cell(name, i, j)
            value = _number(text) if num else None
            if value is not None:
                ws.write_number(i - 1, j - 1, value, formats.get(num=num, **fmt_args))
            else:
                ws.write_string(i - 1, j - 1, cell_text(text, name, i, j),
                                formats.get(**fmt_args))
    for (i, j), formula in sorted(content.formulas.items()):
        check_cell(name, i, j)
        fmt = formats.get(header=i in styled, bold=i in content.bold_rows and i not in styled,
                          num=content.numbers.get((i, j), ""), unlocked=is_unlocked(i, j))
        ws.write_formula(i - 1, j - 1, formula if formula.startswith("=") else "=" + formula,
                         fmt)
    # dropdown cells of a protected tab below the data stay editable
    if content.protected:
        fmt = formats.get(unlocked=True)
        for d in dropdowns:
            for r in range(max(d.first_row, len(rows) + 1), d.last_row + 1):
                ws.write_blank(r - 1, d.col - 1, None, fmt)
    if content.header_rows > 0:
        ws.freeze_panes(content.header_rows, 0)
    for r1, c1, r2, c2 in content.merges:
        _merge(ws, r1, c1, r2, c2)
    widths = content.widths or estimate_widths(rows)
    for j, w in sorted(widths.items()):
        ws.set_column(j - 1, j - 1, w, formats.get(wrap=True) if j in content.wrap else None)
    for i, row in enumerate(rows, start=1):  # a wrapped cell's row is as tall as its lines
        lines = max((math.ceil(display_width(row[j - 1]) / max(widths.get(j, 9.0) - 1, 1.0))
                     for j in content.wrap if j <= len(row) and row[j - 1]), default=1)
        if lines > 1 and i > content.header_rows:
            ws.set_row(i - 1, 15 * min(lines, 20))
    if content.note:
        ws.write_comment(0, 0, content.note, {"author": "sheets-sync", "x_scale": 5.0,
                                               "y_scale": 2.0})
    if content.print_setup is not None:
        _print_setup(ws, content.print_setup)
    for chart in content.charts:
        _bar_chart(formats.wb, ws, name, chart)
    for d, values in zip(dropdowns, listed, strict=True):
        _dropdown(ws, d, values)
    if content.protected:  # no password: 审阅 → 撤销工作表保护 lifts it
        ws.protect("", {"format_columns": True, "format_rows": True})


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    """Merge the range, keeping whatever is already written in its top-left cell."""
    if (r1, c1) == (r2, c2):
        return
    ws.merge.append([r1 - 1, c1 - 1, r2 - 1, c2 - 1])  # XlsxWriter's own merge list


def _print_setup(ws: Worksheet, setup: PrintSetup) -> None:
    ws.set_paper(PAPER.get(setup.paper, 9))
    if setup.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if setup.fit_width:
        ws.fit_to_pages(1, 0)
    if setup.repeat_rows is not None:
        ws.repeat_rows(setup.repeat_rows[0] - 1, setup.repeat_rows[1] - 1)
    if setup.repeat_cols is not None:
        ws.repeat_columns(setup.repeat_cols[0] - 1, setup.repeat_cols[1] - 1)
    if setup.area is not None:  # else the used range, charts included
        r1, c1, r2, c2 = setup.area
        ws.print_area(r1 - 1, c1 - 1, r2 - 1, c2 - 1)
    if setup.gridlines:
        ws.hide_gridlines(0)   # 0: shown on screen and printed
    ws.center_horizontally()


def _bar_chart(wb: Workbook, ws: Worksheet, name: str, spec: Chart) -> None:
    chart = wb.add_chart({"type": "column"})
    assert chart is not None
    c, first, last = spec.categories
    for col, s_first, s_last in spec.series:
        chart.add_series({
            "name": [name, s_first - 2, col - 1],
            "categories": [name, first - 1, c - 1, last - 1, c - 1],
            "values": [name, s_first - 1, col - 1, s_last - 1, col - 1],
        })
    chart.set_title({"name": spec.title})
    # counts and amounts: the bars start at 0 (an axis from 170 makes 175 look a third of 185)
    chart.set_y_axis({"min": 0, **({"name": spec.y_title} if spec.y_title else {})})
    if spec.x_title:
        chart.set_x_axis({"name": spec.x_title})
    chart.set_size({"width": 680, "height": 340})
    ws.insert_chart(spec.anchor, chart)


def _dropdown(ws: Worksheet, d: Dropdown, listed: str) -> None:
    shown = "、".join(d.values)
    ws.data_validation(d.first_row - 1, d.col - 1, d.last_row - 1, d.col - 1, {
        "validate": "list",
        "source": list(d.values),
        "ignore_blank": True,
        "error_type": "warning",
        "error_title": "不在下拉列表中",
        "error_message": f"这一列应填写:{shown}。请点单元格右侧的箭头从列表中选择。"[:255],
        "input_title": "请从列表中选择",
        "input_message": f"可选:{shown}"[:255],
    })
