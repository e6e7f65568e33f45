"""The sheets of a blank form workbook, drawn from the form templates (openpyxl).

Per form tab: Chinese headers (required ones in red), the ``help`` text as the input
prompt, dropdowns for choice fields, 县 → 学校 dependent lists (named ranges and
``INDIRECT``), text format ``@`` on every text-like column so Excel never turns an ID or a
phone number into a number, date validation on dates, number validation on numbers,
frozen header, the 编号 column locked (sheet protection without a password), widths that
fit. Around them: 控制面板 (the buttons go there, see :mod:`.package`), a hidden
下拉选项 sheet holding the lists, and the ``xlwings.conf`` sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from copy import copy
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..config import Program
from ..forms.template import Field, FormTemplate
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
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_NAME_OK = re.compile(r"^[^\W\d]\w*$")

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


def text_cell(ws: Worksheet, row: int, col: int, value: str) -> Cell:
    """Put ``value`` in a string cell, whatever its first character (``=`` stays text)."""
    cell = ws.cell(row, col)
    assert isinstance(cell, Cell)  # the blank forms merge no cells
    cell.value = value or None
    if value:
        cell.data_type = "s"
    return cell


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

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.names: dict[str, str] = {}

    def add(self, name: str, header: str, values: Sequence[str]) -> str:
        if name in self.names:
            return name
        col = len(self.names) + 1
        text_cell(self.ws, 1, col, header)
        for i, v in enumerate(values, start=2):
            text_cell(self.ws, i, col, v).number_format = "@"
        letter = get_column_letter(col)
        last = max(len(values), 1) + 1
        self.names[name] = f"{quote_sheetname(LISTS_TAB)}!${letter}$2:${letter}${last}"
        return name

    def define(self, wb: Workbook) -> None:
        for name, ref in self.names.items():
            wb.defined_names[name] = DefinedName(name, attr_text=ref)


def county_name(county: str) -> str | None:
    """The workbook name of a county's school list (None if the county text cannot be one)."""
    name = "学校_" + county
    return name if _NAME_OK.match(name) and len(name) <= 255 else None


def _validation(f: Field, col: str, rows: int, program: Program, lists: Lists,
                form: FormTemplate, county_col: str | None) -> DataValidation | None:
    area = f"{col}2:{col}{rows + 1}"
    choices = _choices(f, program) if f.type in {"choice", "grade", "bool_zh"} else []
    dv: DataValidation | None = None
    if choices:
        name = lists.add(f"选项_{form.key}_{f.key}", f.label, choices)
        dv = DataValidation(type="list", formula1=name, allow_blank=True, errorStyle="stop",
                            error="请从下拉列表中选择:" + "、".join(choices)[:200])
    elif f.ref == "school.name" and county_col:
        formula = (f'INDIRECT(IF(${county_col}2="","{ALL_SCHOOLS}",'
                   f'"学校_"&${county_col}2))')
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            errorStyle="warning",
                            error="这所学校不在所选县的学校名单中;确认无误可点“是”继续。")
    elif f.type == "date":
        lo = _bound(f.min, program)
        hi = _bound(f.max, program)
        lo = lo if isinstance(lo, dt.date) else dt.date(1900, 1, 1)
        hi = hi if isinstance(hi, dt.date) else dt.date(2100, 12, 31)
        dv = DataValidation(type="date", operator="between", formula1=str(int(to_excel(lo))),
                            formula2=str(int(to_excel(hi))), allow_blank=True, errorStyle="stop",
                            error=f"请填写 {lo.isoformat()} 到 {hi.isoformat()} 之间的日期,"
                                  "如 2015-03-08。")
    elif f.type in {"integer", "decimal", "money"}:
        lo, hi = _bound(f.min, program), _bound(f.max, program)
        lo = lo if isinstance(lo, int | float) else (0 if f.type == "money" else -999999999)
        hi = hi if isinstance(hi, int | float) else 999999999
        kind: Literal["whole", "decimal"] = "whole" if f.type == "integer" else "decimal"
        what = "整数" if f.type == "integer" else "数字(不写“元”)"
        dv = DataValidation(type=kind, operator="between", formula1=str(lo), formula2=str(hi),
                            allow_blank=True, errorStyle="stop",
                            error=f"请填写 {lo} 到 {hi} 之间的{what}。")
    elif f.type == "cn_id":
        dv = DataValidation(type="textLength", operator="between", formula1="15",
                            formula2="18", allow_blank=True, errorStyle="warning",
                            error="身份证号应为 18 位(老证 15 位),最后一位可为 X。")
    elif f.type == "cn_mobile":
        dv = DataValidation(type="textLength", operator="equal", formula1="11",
                            allow_blank=True, errorStyle="warning",
                            error="手机号应为 11 位数字,以 1 开头。")
    prompt = _prompt(f, choices)
    if dv is None and not prompt:
        return None
    if dv is None:
        dv = DataValidation(type=None, allow_blank=True)
    dv.promptTitle = f.label[:32]
    dv.prompt = prompt
    dv.showInputMessage = bool(prompt)
    dv.showErrorMessage = dv.type is not None
    dv.errorTitle = f.label[:32]
    dv.add(area)
    return dv


def _width(f: Field, choices: Sequence[str]) -> float:
    sample = {"cn_id": 20, "cn_phone": 14, "cn_mobile": 13, "date": 12, "email": 22,
              "record_id": 10, "money": 12}.get(f.type, 8)
    wide = max([display_width(f.label), sample, *(display_width(c) for c in choices)])
    return float(min(wide + 2, 40))


def form_sheet(wb: Workbook, form: FormTemplate, program: Program, lists: Lists,
               rows: int) -> Worksheet:
    """One form tab: headers, formats, validations, widths, frozen header, locked 编号."""
    ws = wb.create_sheet(form.label)
    county_col: str | None = None
    for j, f in enumerate(form.fields, start=1):
        col = get_column_letter(j)
        head = text_cell(ws, 1, j, f.label)
        head.font = Font(bold=True, color="C00000" if f.required else "000000")
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center")
        fmt = "@" if f.type in TEXT_TYPES else NUMBER_FORMATS.get(f.type, "@")
        locked = f.type == "record_id"
        dim = ws.column_dimensions[col]
        dim.number_format = fmt
        dim.protection = Protection(locked=locked)
        first = ws.cell(2, j)
        first.number_format = fmt
        first.protection = Protection(locked=locked)
        for r in range(3, rows + 2):  # copying the style array is ~50x faster than setting
            ws.cell(r, j)._style = copy(first._style)
        choices = _choices(f, program) if f.type in {"choice", "grade", "bool_zh"} else []
        dim.width = _width(f, choices)
        dv = _validation(f, col, rows, program, lists, form, county_col)
        if dv is not None:
            ws.add_data_validation(dv)
        if f.choices_from == "$program.counties":
            county_col = col
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 22
    if form.id_field is not None:
        p = ws.protection
        p.sheet = True
        p.formatColumns = p.formatRows = p.insertRows = p.deleteRows = False
        p.sort = p.autoFilter = False
    return ws


def panel_sheet(wb: Workbook, title: str) -> Worksheet:
    """控制面板: a title, and one line per button (the buttons are drawn beside them)."""
    ws = wb.active
    assert ws is not None
    ws.title = PANEL_TAB
    ws.sheet_view.showGridLines = False
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.column_dimensions["A"].width = 2
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 70
    text_cell(ws, 1, 2, title).font = Font(bold=True, size=16)
    hint = "点击左侧按钮运行;结果会弹出提示,并写入相应的表。编号列由工具填写,请勿修改。"
    text_cell(ws, 2, 2, hint).font = Font(color="595959")
    for i, b in enumerate(BUTTONS):
        r = 4 + 2 * i
        ws.row_dimensions[r].height = 30
        c = text_cell(ws, r, 3, b.explain)
        c.alignment = Alignment(vertical="center", wrap_text=True)
    return ws


def conf_sheet(wb: Workbook, overrides: Mapping[str, str] | None = None) -> Worksheet:
    """The ``xlwings.conf`` sheet: key in A, value in B (from A1 down), a note in C."""
    ws = wb.create_sheet(CONF_TAB)
    for r, (key, value, note) in enumerate(CONF_ROWS, start=1):
        text_cell(ws, r, 1, key)
        text_cell(ws, r, 2, (overrides or {}).get(key, value)).number_format = "@"
        text_cell(ws, r, 3, note).font = Font(color="595959")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 80
    return ws


def build_workbook(forms: Sequence[FormTemplate], program: Program, *, rows: int = 500,
                   schools: Mapping[str, Sequence[str]] | None = None,
                   conf: Mapping[str, str] | None = None) -> Workbook:
    """The blank workbook (no buttons or VBA yet) for ``forms``, in that tab order."""
    wb = Workbook()
    panel_sheet(wb, program.name)
    lists_ws = Workbook.create_sheet(wb, LISTS_TAB)
    lists = Lists(lists_ws)
    counties = list(program.counties)
    lists.add("县列表", "县", counties)
    all_schools: list[str] = []
    for county in counties:
        names = list((schools or {}).get(county, ()))
        all_schools.extend(names)
        name = county_name(county)
        if name:
            lists.add(name, f"{county}学校", names)
    lists.add(ALL_SCHOOLS, "全部学校", all_schools)
    for form in forms:
        form_sheet(wb, form, program, lists, rows)
    conf_sheet(wb, conf)
    lists.define(wb)
    wb.move_sheet(lists_ws, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_TAB))
    lists_ws.sheet_state = "hidden"
    wb.code_name = "ThisWorkbook"
    for i, ws in enumerate(wb.worksheets, start=1):
        ws.sheet_properties.codeName = f"Sheet{i}"
    wb.active = 0
    return wb
