"""A form template as an XLSForm: what KoboToolbox and ODK Collect fill offline on phones.

:func:`xlsform_sheets` is pure (template in, the three sheets as rows out);
:func:`write_xlsform` writes them with xlsxwriter (a new file, every cell a string).

* ``survey`` — one row per field (the tool's 编号 is left out: ``import`` assigns it):
  ``type`` from the field's type (text, integer, decimal, date, select_one / select_multiple
  ``<list>``), ``name`` the field key (so an export with XML headers maps back by key),
  ``label`` the Chinese label, ``hint`` its help, ``required``, and a ``constraint`` with a
  Chinese ``constraint_message`` for ID numbers, phones, e-mail, a field's pattern and
  numeric ``min``/``max``;
* ``choices`` — each list with the choice values as both name and label (Chinese values
  are valid XML names; a select_multiple's values hold no space), program data
  (``$program.counties``) resolved;
* ``settings`` — ``form_title`` (the label), ``form_id`` (the key), ``version``,
  ``default_language`` 中文 (zh).

pyxform, the official converter, turns every shipped template into a valid XForm (tested).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..config import Program
from ..forms.template import Field, FormTemplate

SURVEY = ("type", "name", "label", "hint", "required", "constraint", "constraint_message")
CHOICES = ("list_name", "name", "label")
SETTINGS = ("form_title", "form_id", "version", "default_language")

_ID_RE = r"^[1-9][0-9]{16}[0-9Xx]$"
_MOBILE_RE = r"^1[3-9][0-9]{9}$"
_PHONE_RE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_NAME_RE = r"^[\u4e00-\u9fa5·]{2,12}$"


def _choices(f: Field, program: Program) -> list[str]:
    if f.choices:
        return [c.value for c in f.choices]
    if f.choices_from == "$program.counties":
        return list(program.counties)
    if f.type == "bool_zh":
        return ["是", "否"]
    return []


def _xml_name(value: str, i: int) -> str:
    """A choice name: the value itself when it is a valid XML name, else ``c<i>``."""
    v = value.strip()
    if re.fullmatch(r"[^\W\d][\w.\-]*", v) and not v.lower().startswith("xml"):
        return v
    return f"c{i}"


def choice_names(f: Field) -> dict[str, str]:
    """The XLSForm name of each of ``f``'s choices -> the choice (names that differ only)."""
    out = {}
    for i, c in enumerate(f.choices, start=1):
        name = _xml_name(c.value, i)
        if name != c.value:
            out[name] = c.value
    return out


def _bound(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _constraint(f: Field) -> tuple[str, str]:
    """(constraint, its Chinese message) for one field."""
    if f.type == "cn_id":
        return f"regex(., '{_ID_RE}')", "身份证号应为 18 位,最后一位可以是 X。"
    if f.type == "cn_mobile":
        return f"regex(., '{_MOBILE_RE}')", "手机号应为 11 位数字,以 1 开头。"
    if f.type == "cn_phone":
        return (f"regex(., '{_PHONE_RE}')",
                "请填写 11 位手机号,或座机(区号-号码,如 0312-1234567)。")
    if f.type == "email":
        return f"regex(., '{_EMAIL_RE}')", "邮箱格式不对,应如 zhangsan@example.com。"
    if f.type == "name_zh":
        return f"regex(., '{_NAME_RE}')", "请填写中文姓名(2–12 个汉字)。"
    if f.pattern and "'" not in f.pattern:
        return f"regex(., '{f.pattern}')", f.pattern_help or f"格式不对:{f.help or f.label}。"
    lo, hi = _bound(f.min), _bound(f.max)
    if f.type in {"integer", "decimal", "money", "grade"} and (lo is not None or hi is not None):
        parts = [*([f". >= {lo:g}"] if lo is not None else []),
                 *([f". <= {hi:g}"] if hi is not None else [])]
        rng = (f"{lo:g}–{hi:g}" if lo is not None and hi is not None
               else f"不小于 {lo:g}" if lo is not None else f"不大于 {hi:g}")
        return " and ".join(parts), f"{f.label}应在 {rng} 之间。"
    return "", ""


def xlsform_sheets(form: FormTemplate, program: Program | None = None
                   ) -> dict[str, list[list[str]]]:
    """The survey, choices and settings sheets of ``form`` (header row first)."""
    program = program or Program()
    survey: list[list[str]] = [list(SURVEY)]
    choices: list[list[str]] = [list(CHOICES)]
    for f in form.fields:
        if f.type == "record_id":
            continue
        values = _choices(f, program)
        if f.type in {"choice", "multi_choice", "bool_zh"} and values:
            kind = "select_multiple" if f.type == "multi_choice" else "select_one"
            ftype = f"{kind} {f.key}"
            for i, v in enumerate(values, start=1):
                choices.append([f.key, _xml_name(v, i), v])
        elif f.type in {"grade", "integer"}:
            ftype = "integer"
        elif f.type in {"decimal", "money"}:
            ftype = "decimal"
        elif f.type == "date":
            ftype = "date"
        else:
            ftype = "text"
        constraint, message = _constraint(f)
        if f.type == "grade" and not constraint:
            constraint, message = ". >= 1 and . <= 6", "年级应为 1–6。"
        survey.append([ftype, f.key, f.label, f.help, "yes" if f.required else "",
                       constraint, message])
    settings = [list(SETTINGS), [form.label, form.key, "1", "中文 (zh)"]]
    return {"survey": survey, "choices": choices, "settings": settings}


def write_xlsform(form: FormTemplate, path: Path | str, program: Program | None = None) -> Path:
    """Write ``form`` as an XLSForm workbook at ``path`` (folders made as needed)."""
    import xlsxwriter  # type: ignore[import-untyped]

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    try:
        for name, rows in xlsform_sheets(form, program).items():
            ws = wb.add_worksheet(name)
            for i, row in enumerate(rows):
                for j, text in enumerate(row):
                    if text:
                        ws.write_string(i, j, text)
            ws.freeze_panes(1, 0)
    finally:
        wb.close()
    return out
