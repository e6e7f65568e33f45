"""The sheets of a blank form workbook, drawn from the form templates (XlsxWriter).

Per form tab: Chinese headers (required ones in red), the ``help`` text as the input
prompt, dropdowns for choice fields, 县 → 学校 dependent lists (named ranges and
``INDIRECT``), text format ``@`` on every text-like column so Excel never turns an ID or a
phone number into a number, date validation on dates, number validation on numbers,
frozen header, the 编号 column locked (sheet protection without a password), widths that
fit. Around them: 控制面板 with one form-control button per macro (``insert_button``), a
hidden 下拉选项 sheet holding the lists, and the ``xlwings.conf`` sheet. Every text is a
string cell (``write_string``), whatever its first character.

:func:`build_workbook` returns a :class:`BlankBook`, the plan of those tabs; its
:meth:`~BlankBook.save` writes it with XlsxWriter, with the VBA project
(``add_vba_project``) when one is given.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..books.xlsx.new import HEADER_FILL, new_workbook
from ..config import Program
from ..forms.template import Field, FormTemplate
from ..table import col_letter
from .buttons import BUTTONS

PANEL_TAB = "控制面板"
LISTS_TAB = "下拉选项"
CONF_TAB = "xlwings.conf"
ALL_SCHOOLS = "学校_全部"
TEXT_TYPES = frozenset({"text", "name_zh", "cn_id", "cn_phone", "cn_mobile", "email", "choice",
                        "multi_choice", "grade", "bool_zh", "record_id"})
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "integer": "0", "money": "#,##0.00",
                  "decimal": "General"}
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")
GREY = "#595959"
_NAME_OK = re.compile(r"^[^\W\d]\w*$")
_EPOCH = dt.date(1899, 12, 30)

CONF_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Interpreter_Win", "python",
     "Windows 上 Python 的位置;装在别处时写完整路径,如 C:\\Python312\\pythonw.exe"),
    ("Interpreter_Mac", "python3", "Mac 上 Python 的位置,如 /usr/local/bin/python3"),
    ("PYTHONPATH", "", "sheets_sync_macros.py 不在本工作簿旁边时,写它所在的文件夹"),
    ("ADD_WORKBOOK_TO_PYTHONPATH", "True", "本工作簿所在文件夹加入 Python 搜索路径(保持 True)"),
    ("Show Console", "False", "排查问题时可改为 True,显示 Python 窗口"),
    ("SHEETS_SYNC_PROJECT", "",
     "“同步”用的项目配置 sheets-sync.toml 的完整路径;留空则在本工作簿所在文件夹中找"),
)


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _choices(f: Field, program: Program) -> list[str]:
    if f.type == "grade":
        lo = int(f.min) if isinstance(f.min, int) else 1
        hi = int(f.max) if isinstance(f.max, int) else 6
        return list(GRADES[max(lo, 1) - 1:min(hi, 6)])
    if f.type == "bool_zh":
        return ["是", "否"]
    if f.choices_from:
        values = program.lookup(f.choices_from.removeprefix("$program."))
        return [v for v, _ in values]
    return [c.value for c in f.choices]


def _bound(value: Any, program: Program) -> Any:
    if isinstance(value, str) and value.startswith("$program."):
        return program.lookup(value.removeprefix("$program."))
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _prompt(f: Field, choices: Sequence[str]) -> str:
    text = f.help or ("可选:" + " / ".join(choices) if choices else "")
    if f.required:
        text = "(必填)" + text
    return text[:250]


class Lists:
    """The hidden 下拉选项 sheet: one column per list, each with a workbook name."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.columns: list[tuple[str, list[str]]] = []

    def add(self, name: str, header: str, values: Sequence[str]) -> str:
        if name in self.names:
            return name
        self.columns.append((header, list(values)))
        letter = col_letter(len(self.columns))
        last = max(len(values), 1) + 1
        self.names[name] = f"'{LISTS_TAB}'!${letter}$2:${letter}${last}"
        return name


def county_name(county: str) -> str | None:
    """The workbook name of a county's school list (None if the county text cannot be one)."""
    name = "学校_" + county
    return name if _NAME_OK.match(name) and len(name) <= 255 else None


def _serial(day: dt.date) -> int:
    """Excel's day number of ``day`` (1900 date system)."""
    return (day - _EPOCH).days


def _validation(f: Field, col: str, program: Program, lists: Lists, form: FormTemplate,
                county_col: str | None) -> dict[str, Any] | None:
    """XlsxWriter ``data_validation`` options for field ``f`` (None: none needed)."""
    choices = _choices(f, program) if f.type in {"choice", "grade", "bool_zh"} else []
    dv: dict[str, Any] | None = None
    if choices:
        name = lists.add(f"选项_{form.key}_{f.key}", f.label, choices)
        dv = {"validate": "list", "source": "=" + name, "error_type": "stop",
              "error_message": "请从下拉列表中选择:" + "、".join(choices)[:200]}
    elif f.ref == "school.name" and county_col:
        formula = (f'=INDIRECT(IF(${county_col}2="","{ALL_SCHOOLS}",'
                   f'"学校_"&${county_col}2))')
        dv = {"validate": "list", "source": formula, "error_type": "warning",
              "error_message": "这所学校不在所选县的学校名单中;确认无误可点“是”继续。"}
    elif f.type == "date":
        lo = _bound(f.min, program)
        hi = _bound(f.max, program)
        lo = lo if isinstance(lo, dt.date) else dt.date(1900, 1, 1)
        hi = hi if isinstance(hi, dt.date) else dt.date(2100, 12, 31)
        dv = {"validate": "date", "criteria": "between", "minimum": _serial(lo),
              "maximum": _serial(hi), "error_type": "stop",
              "error_message": f"请填写 {lo.isoformat()} 到 {hi.isoformat()} 之间的日期,"
                               "如 2015-03-08。"}
    elif f.type in {"integer", "decimal", "money"}:
        lo, hi = _bound(f.min, program), _bound(f.max, program)
        lo = lo if isinstance(lo, int | float) else (0 if f.type == "money" else -999999999)
        hi = hi if isinstance(hi, int | float) else 999999999
        what = "整数" if f.type == "integer" else "数字(不写“元”)"
        dv = {"validate": "whole" if f.type == "integer" else "decimal",
              "criteria": "between", "minimum": lo, "maximum": hi, "error_type": "stop",
              "error_message": f"请填写 {lo} 到 {hi} 之间的{what}。"}
    elif f.type == "cn_id":
        dv = {"validate": "length", "criteria": "between", "minimum": 15, "maximum": 18,
              "error_type": "warning",
              "error_message": "身份证号应为 18 位(老证 15 位),最后一位可为 X。"}
    elif f.type == "cn_mobile":
        dv = {"validate": "length", "criteria": "==", "value": 11, "error_type": "warning",
              "error_message": "手机号应为 11 位数字,以 1 开头。"}
    prompt = _prompt(f, choices)
    if dv is None and not prompt:
        return None
    if dv is None:
        dv = {"validate": "any", "show_error": False}
    else:
        dv["error_title"] = f.label[:32]
    dv["ignore_blank"] = True
    if prompt:
        dv["input_title"] = f.label[:32]
        dv["input_message"] = prompt
    else:
        dv["show_input"] = False
    return dv


def _width(f: Field, choices: Sequence[str]) -> float:
    sample = {"cn_id": 20, "cn_phone": 14, "cn_mobile": 13, "date": 12, "email": 22,
              "record_id": 10, "money": 12}.get(f.type, 8)
    wide = max([display_width(f.label), sample, *(display_width(c) for c in choices)])
    return float(min(wide + 2, 40))


class _Formats:
    """XlsxWriter formats, one per distinct set of properties."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.cache: dict[tuple[tuple[str, Any], ...], Any] = {}

    def __call__(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]


def _write(ws: Any, row: int, col: int, value: str, fmt: Any = None) -> None:
    """``value`` as a string cell (never a formula); an empty one only keeps ``fmt``."""
    if value:
        ws.write_string(row, col, value, fmt)
    elif fmt is not None:
        ws.write_blank(row, col, None, fmt)


def form_sheet(ws: Any, fmt: _Formats, form: FormTemplate, program: Program, lists: Lists,
               rows: int) -> None:
    """One form tab: headers, formats, validations, widths, frozen header, locked 编号."""
    county_col: str | None = None
    for j, f in enumerate(form.fields):
        col = col_letter(j + 1)
        head = fmt(bold=True, font_color="#C00000" if f.required else "#000000",
                   bg_color=HEADER_FILL, align="center", valign="vcenter")
        ws.write_string(0, j, f.label, head)
        cell = fmt(num_format="@" if f.type in TEXT_TYPES else NUMBER_FORMATS.get(f.type, "@"),
                   locked=f.type == "record_id")
        choices = _choices(f, program) if f.type in {"choice", "grade", "bool_zh"} else []
        ws.set_column(j, j, _width(f, choices), cell)
        for r in range(1, rows + 1):
            ws.write_blank(r, j, None, cell)
        dv = _validation(f, col, program, lists, form, county_col)
        if dv is not None:
            ws.data_validation(1, j, rows, j, dv)
        if f.choices_from == "$program.counties":
            county_col = col
    ws.freeze_panes(1, 0)
    ws.set_row(0, 22)
    if form.id_field is not None:
        ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True,
                        "delete_rows": True, "sort": True, "autofilter": True})


def panel_sheet(ws: Any, fmt: _Formats, title: str, *, buttons: bool = True) -> None:
    """控制面板: a title, and one line per button with the button beside it."""
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 70)
    _write(ws, 0, 1, title, fmt(bold=True, font_size=16))
    hint = "点击左侧按钮运行;结果会弹出提示,并写入相应的表。编号列由工具填写,请勿修改。"
    ws.write_string(1, 1, hint, fmt(font_color=GREY))
    for i, b in enumerate(BUTTONS):
        r = 3 + 2 * i
        ws.set_row(r, 30)
        ws.write_string(r, 2, b.explain, fmt(valign="vcenter", text_wrap=True))
        if buttons:
            ws.insert_button(r, 1, {"macro": b.macro, "caption": b.caption,
                                    "width": 112, "height": 36, "x_offset": 4,
                                    "y_offset": 2})


def conf_sheet(ws: Any, fmt: _Formats, overrides: Mapping[str, str] | None = None) -> None:
    """The ``xlwings.conf`` sheet: key in A, value in B (from A1 down), a note in C."""
    for r, (key, value, note) in enumerate(CONF_ROWS):
        ws.write_string(r, 0, key)
        _write(ws, r, 1, (overrides or {}).get(key, value), fmt(num_format="@"))
        ws.write_string(r, 2, note, fmt(font_color=GREY))
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 80)


def lists_sheet(ws: Any, fmt: _Formats, lists: Lists) -> None:
    """下拉选项 (hidden): each list in its own column under its header."""
    for j, (header, values) in enumerate(lists.columns):
        ws.write_string(0, j, header)
        for i, v in enumerate(values, start=1):
            _write(ws, i, j, v, fmt(num_format="@"))
    ws.hide()


@dataclass
class BlankBook:
    """The tabs of a blank workbook, written by :meth:`save` (XlsxWriter).

    ``tabs`` is the tab order (控制面板, the forms, xlwings.conf, 下拉选项); a tab can be
    left out with :meth:`remove` before saving (``init`` drops 控制面板 and xlwings.conf).
    """

    forms: list[FormTemplate]
    program: Program
    rows: int
    lists: Lists
    conf: Mapping[str, str] | None
    tabs: list[str] = field(default_factory=list)
    active: int = 0

    @property
    def sheetnames(self) -> list[str]:
        return list(self.tabs)

    def __getitem__(self, tab: str) -> str:
        if tab not in self.tabs:
            raise KeyError(tab)
        return tab

    def remove(self, tab: str) -> None:
        self.tabs.remove(tab)

    def save(self, target: Path | str | IO[bytes], vba: bytes | None = None) -> None:
        """Write the workbook to ``target``; ``vba`` (a ``vbaProject.bin``) makes it .xlsm.

        With ``vba``, the workbook's code name is ``ThisWorkbook`` and the sheets' are
        ``Sheet1``, ``Sheet2``, … in tab order: the document modules of the project.
        """
        wb = new_workbook(target if not isinstance(target, Path) else str(target))
        fmt = _Formats(wb)
        by_label = {f.label: f for f in self.forms}
        for i, tab in enumerate(self.tabs):
            ws = wb.add_worksheet(tab)
            if tab == PANEL_TAB:
                panel_sheet(ws, fmt, self.program.name, buttons=vba is not None)
            elif tab == CONF_TAB:
                conf_sheet(ws, fmt, self.conf)
            elif tab == LISTS_TAB:
                lists_sheet(ws, fmt, self.lists)
            else:
                form_sheet(ws, fmt, by_label[tab], self.program, self.lists, self.rows)
            if i == self.active:
                ws.activate()
        for name, ref in self.lists.names.items():
            wb.define_name(name, "=" + ref)
        if vba is not None:
            wb.set_vba_name("ThisWorkbook")
            wb.add_vba_project(io.BytesIO(vba), is_stream=True)
        wb.close()

    def to_bytes(self, vba: bytes | None = None) -> bytes:
        buf = io.BytesIO()
        self.save(buf, vba)
        return buf.getvalue()


def build_workbook(forms: Sequence[FormTemplate], program: Program, *, rows: int = 500,
                   schools: Mapping[str, Sequence[str]] | None = None,
                   conf: Mapping[str, str] | None = None) -> BlankBook:
    """The blank workbook for ``forms``, in that tab order; :meth:`BlankBook.save` writes it."""
    lists = Lists()
    counties = list(program.counties)
    lists.add("县列表", "县", counties)
    all_schools: list[str] = []
    county_lists: list[tuple[str, str, list[str]]] = []
    for county in counties:
        names = list((schools or {}).get(county, ()))
        all_schools.extend(names)
        name = county_name(county)
        if name:
            county_lists.append((name, f"{county}学校", names))
    for name, header, names in county_lists:
        lists.add(name, header, names)
    lists.add(ALL_SCHOOLS, "全部学校", all_schools)
    book = BlankBook(list(forms), program, rows, lists, conf)
    # the form lists (选项_…) are added while the form tabs are drawn; draw them once
    # now so every name exists before any tab refers to it
    for form in forms:
        county_col: str | None = None
        for j, f in enumerate(form.fields):
            _validation(f, col_letter(j + 1), program, lists, form, county_col)
            if f.choices_from == "$program.counties":
                county_col = col_letter(j + 1)
    book.tabs = [PANEL_TAB, *(f.label for f in forms), CONF_TAB, LISTS_TAB]
    return book
