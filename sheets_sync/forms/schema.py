"""Form templates as other tools and people see them: Table Schema, README tables, CLI text.

- :func:`table_schema` exports a template as a Frictionless Table Schema (v1), so the same
  canonical CSV our rules accept also passes ``frictionless validate``;
- :func:`template_markdown` writes the README's "表单字段 / Form fields" section;
- :func:`template_summary` and :func:`template_detail` are what ``sheets-sync templates
  list`` and ``templates show`` print.

Nothing here prints or imports frictionless: the functions return data and text.

What the Table Schema cannot say is left to our own rules: cross-field rules (``rules:``),
references to other forms (no ``foreignKeys``: they would need a data package holding every
form), ID checksums and regions, landline validity, and synonyms (the schema checks canonical
values only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..config import Program
from .template import Condition, Field, FormTemplate, Rule

FORM_ORDER = ("school", "volunteer", "child", "application", "pair", "budget", "expense",
              "donation", "talk", "team", "rotation", "attendance", "contact", "incident")

# Canonical cell forms (what forms/normalize writes back), as Python regexes; frictionless
# anchors each pattern as ^...$ itself.
CN_ID_PATTERN = r"\d{17}[\dX]"
MOBILE_PATTERN = r"1[3-9]\d{9}"
PHONE_PATTERN = r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}(?:转\d{1,6})?"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
NAME_PATTERN = f"[{_CJK}]+(?:·[{_CJK}]+)*"
NAME_LENGTH = (2, 20)
_EMAIL_PART = r"[!-\-/-?A-~]+"            # printable ASCII except space, "@" and "."
EMAIL_PATTERN = rf"[!-?A-~]+@{_EMAIL_PART}(?:\.{_EMAIL_PART})+"
MULTI_SEPARATOR = r"[\u3001,\uff0c;\uff1b/\uff0f\s]+"   # 、,，;；/／ or spaces

TYPE_LABELS = {
    "text": "文本",
    "name_zh": "中文姓名",
    "cn_id": "身份证号",
    "cn_phone": "电话",
    "cn_mobile": "手机号",
    "email": "邮箱",
    "date": "日期",
    "integer": "整数",
    "decimal": "数字",
    "money": "金额(元)",
    "choice": "单选",
    "multi_choice": "多选",
    "grade": "年级(1–6)",
    "bool_zh": "是/否",
    "record_id": "编号",
}

PROGRAM_LABELS = {
    "counties": "项目县",
    "brigades": "各县大队及总队",
    "start_date": "项目开始日期",
    "end_date": "项目结束日期",
    "invoice_threshold": "发票额度",
    "volunteer_min_age": "志愿者最低年龄",
    "name": "项目名称",
}

_TABLE_TYPES = {
    "integer": "integer",
    "grade": "integer",
    "decimal": "number",
    "money": "number",
    "date": "date",
    "bool_zh": "boolean",
}


# --------------------------------------------------------------------------- helpers

def ordered(templates: Mapping[str, FormTemplate]) -> list[FormTemplate]:
    """Templates in the order of FORMS.md (schools first), unknown forms after, by key."""
    rank = {k: i for i, k in enumerate(FORM_ORDER)}
    return sorted(templates.values(), key=lambda t: (rank.get(t.key, len(rank)), t.key))


def _program_key(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith("$program."):
        return value.removeprefix("$program.")
    return None


def resolve(value: Any, program: Program) -> Any:
    """``$program.<key>`` replaced by the program's value; anything else unchanged."""
    key = _program_key(value)
    return program.lookup(key) if key else value


def _json_value(value: Any) -> Any:
    """A bound as JSON: dates as ISO text, Decimal as int or float."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def choice_values(f: Field, program: Program) -> list[tuple[str, tuple[str, ...]]]:
    """The canonical values of a choice field, each with its synonyms."""
    if f.choices:
        return [(c.value, c.synonyms) for c in f.choices]
    if f.choices_from:
        return [(str(v), tuple(s)) for v, s in resolve(f.choices_from, program)]
    return []


def _group(pattern: str) -> str:
    return f"(?:{pattern})"


# --------------------------------------------------------------------------- Table Schema

def _type_pattern(f: Field, template: FormTemplate, program: Program) -> str | None:
    if f.type == "cn_id":
        return CN_ID_PATTERN
    if f.type == "cn_mobile":
        return MOBILE_PATTERN
    if f.type == "cn_phone":
        return PHONE_PATTERN
    if f.type == "name_zh":
        return NAME_PATTERN
    if f.type == "email":
        return EMAIL_PATTERN
    if f.type == "record_id" and template.id_prefix:
        return re.escape(template.id_prefix) + r"\d+"
    if f.type == "multi_choice":
        one = _group("|".join(re.escape(v) for v, _ in choice_values(f, program)))
        return f"{one}(?:{MULTI_SEPARATOR}{one})*"
    return None


def table_field(f: Field, template: FormTemplate, program: Program) -> dict[str, Any]:
    """One Table Schema field descriptor for a template field."""
    desc: dict[str, Any] = {"name": f.label, "title": f.label}
    if f.help:
        desc["description"] = f.help
    desc["type"] = _TABLE_TYPES.get(f.type, "string")
    if f.type == "bool_zh":
        desc["trueValues"] = ["是"]
        desc["falseValues"] = ["否"]
    constraints: dict[str, Any] = {}
    if f.required or f.type == "record_id":
        constraints["required"] = True
    if f.unique or f.type == "record_id":
        constraints["unique"] = True
    if f.type == "name_zh":
        constraints["minLength"], constraints["maxLength"] = NAME_LENGTH
    if f.type == "choice":
        constraints["enum"] = [v for v, _ in choice_values(f, program)]
    if desc["type"] in {"integer", "number", "date"}:
        for bound, name in (("min", "minimum"), ("max", "maximum")):
            value = resolve(getattr(f, bound), program)  # None: not configured, no bound
            if value is not None:
                constraints[name] = _json_value(value)
    patterns = [p for p in (_type_pattern(f, template, program), f.pattern) if p]
    if len(patterns) == 2:
        constraints["pattern"] = f"(?=(?:{patterns[0]})$)(?:{patterns[1]})"
    elif patterns:
        constraints["pattern"] = _group(patterns[0]) if "|" in patterns[0] else patterns[0]
    if constraints:
        desc["constraints"] = constraints
    return desc


def table_schema(template: FormTemplate, program: Program) -> dict[str, Any]:
    """The template as a Frictionless Table Schema (v1) descriptor, JSON-serialisable.

    Field names are the Chinese labels (the CSV headers); values are checked in their
    canonical form (dates ``YYYY-MM-DD``, money ``1200.50``, 是/否, choice values).
    """
    schema: dict[str, Any] = {
        "fields": [table_field(f, template, program) for f in template.fields],
        "missingValues": [""],
    }
    id_field = template.id_field
    if id_field is not None:
        schema["primaryKey"] = [id_field.label]
    return schema


# --------------------------------------------------------------------------- text

def _bound_text(value: Any, program: Program) -> str:
    """``2026-07-01(项目开始日期)``; ``项目开始日期(未配置则不检查)`` without a value."""
    key = _program_key(value)
    if key:
        label = PROGRAM_LABELS.get(key, key)
        resolved = resolve(value, program)
        if resolved is None:
            return f"{label}(未配置则不检查)"
        return f"{_json_value(resolved)}({label})"
    return str(_json_value(value))


def _range_text(lo: Any, hi: Any, program: Program) -> str:
    if lo is not None and hi is not None:
        return f"{_bound_text(lo, program)} 至 {_bound_text(hi, program)}"
    if lo is not None:
        return f"≥ {_bound_text(lo, program)}"
    return f"≤ {_bound_text(hi, program)}"


def _label(t: FormTemplate, key: str) -> str:
    try:
        return t.field(key).label
    except KeyError:
        return key


def _ref_text(ref: str, templates: Mapping[str, FormTemplate] | None) -> str:
    form_key, field_key = ref.split(".", 1)
    other = (templates or {}).get(form_key)
    if other is None:
        return f"须为 {ref} 中已有的值"
    return f"须为“{other.label}”中已有的{_label(other, field_key)}"


def _help_names_form(f: Field, templates: Mapping[str, FormTemplate] | None) -> bool:
    """Whether the help already names the referenced form (“学校”), so a note would repeat it."""
    other = (templates or {}).get(str(f.ref).split(".", 1)[0])
    return other is not None and any(f"“{n}”" in f.help for n in other.tab_names)


def field_notes(f: Field, program: Program,
                templates: Mapping[str, FormTemplate] | None = None) -> list[str]:
    """Short Chinese notes on a field: choices, range, reference, unique, sensitive, help."""
    notes: list[str] = []
    values = [v for v, _ in choice_values(f, program)]
    if values and not all(v in f.help for v in values):   # skip when the help lists them
        source = _program_key(f.choices_from) if f.choices_from else None
        suffix = f"({PROGRAM_LABELS.get(source, source)})" if source else ""
        notes.append("可选:" + " / ".join(values) + suffix)
    if f.min is not None or f.max is not None:
        notes.append("范围 " + _range_text(f.min, f.max, program))
    if f.pattern:
        notes.append(f.pattern_help or f"格式 {f.pattern}")
    if f.ref and not _help_names_form(f, templates):
        notes.append(_ref_text(f.ref, templates))
    if f.unique:
        notes.append("不可重复")
    if f.sensitive:
        notes.append("敏感信息")
    if f.help:
        notes.append(f.help)
    return notes


def _condition_text(t: FormTemplate, c: Condition, program: Program) -> str:
    name = _label(t, c.field)
    if c.in_ is not None:
        return f"{name}为{'/'.join(c.in_)}时"
    if c.not_in is not None:
        return f"{name}不为{'/'.join(c.not_in)}时"
    if c.gte is not None:
        return f"{name} ≥ {_bound_text(c.gte, program)} 时"
    if c.lt is not None:
        return f"{name} < {_bound_text(c.lt, program)} 时"
    if c.blank:
        return f"{name}未填时"
    return f"{name}已填时"


def rule_text(t: FormTemplate, rule: Rule, program: Program) -> str:
    """One cross-field rule in a short Chinese sentence (警告 marked)."""
    p = rule.params

    def lab(name: str) -> str:
        return _label(t, str(p[name]))

    when = _condition_text(t, rule.when, program) if rule.when else ""
    if rule.kind == "require_if":
        text = f"{when},{lab('field')}必填"
    elif rule.kind == "require_one_of":
        groups = ";或 ".join(" + ".join(_label(t, k) for k in g) for g in p["groups"])
        text = f"至少填写:{groups}"
    elif rule.kind == "id_consistent":
        others = "、".join(lab(k) for k in ("birth_date", "sex") if k in p)
        text = f"{lab('id')}须与{others}一致"
    elif rule.kind == "compare":
        text = f"{lab('field')} {p['op']} {lab('other')}"
    elif rule.kind == "age_at":
        at = _bound_text(p["at"], program) if "at" in p else "今天"
        text = f"按{lab('field')}计算,{at}时年龄 " + _range_text(p.get("min"), p.get("max"),
                                                              program)
    elif rule.kind == "age_for_grade":
        text = f"{lab('birth_date')}与{lab('grade')}相符(年龄合理)"
    elif rule.kind == "equals":
        text = f"{lab('field')}须为“{p['value']}”"
    elif rule.kind == "range":
        text = f"{lab('field')} " + _range_text(p.get("min"), p.get("max"), program)
    elif rule.kind == "unique_where":
        fields = "、".join(_label(t, k) for k in p["fields"])
        text = f"{when},{fields}不可重复"
    elif rule.kind == "no_overlap":
        text = f"{when},同一{lab('field')}的{lab('start')}–{lab('end')}不可重叠"
    elif rule.kind == "count_refs":
        text = (f"指向本行{lab('field')}的 {p['counted']} 记录数为 "
                f"{_bound_text(p['target'], program)} ± {p.get('tolerance', 0)}")
    elif rule.kind == "same_via":
        unless = _program_key(p.get("unless"))
        text = (f"{when},{lab('field')}的 {p['via']} 须与{lab('other')}的 {p['other_via']} 一致"
                + (f"({unless} = true 时不检查)" if unless else ""))
    elif rule.kind == "require_all":
        text = _require_all_text(t, p, program)
    elif rule.kind == "covers_dates":
        visits = str(p["visits"]).partition(".")[0]
        text = (f"{lab('field')}在“{_form_label(visits)}”中的每次安排,"
                f"都须在{lab('start')}–{lab('end')}之内")
    elif rule.kind == "min_items":
        text = f"{when},{lab('field')}至少 {p['min']} 项(用顿号分隔)"
    else:
        text = rule.kind
    return text + ("(警告)" if rule.severity == "warning" else "")


def _form_label(key: str) -> str:
    """The label of form ``key`` (the shipped templates), or the key."""
    from .template import default_templates

    form = default_templates().get(key)
    return form.label if form else key


def _via_label(t: FormTemplate, key: str, via: str) -> str:
    """The label of field ``via`` of the form ``key`` references (the shipped templates)."""
    from .template import default_templates

    ref = t.field(key).ref or ""
    target = default_templates().get(ref.split(".", 1)[0])
    try:
        return target.field(via).label if target else via
    except KeyError:
        return via


def _require_all_text(t: FormTemplate, p: dict[str, Any], program: Program) -> str:
    """``场次为电影天堂/外出活动时且状态为到时,接送人必填(离开方式为自行回家时且 …除外)``."""
    def conds(name: str) -> str:
        out = []
        for c in p.get(name) or []:
            cond = Condition(field=str(c["field"]), in_=tuple(c["in"]) if "in" in c else None,
                             not_in=tuple(c["not_in"]) if "not_in" in c else None,
                             not_blank=bool(c.get("not_blank")), blank=bool(c.get("blank")),
                             gte=c.get("gte"), lt=c.get("lt"))
            text = _condition_text(t, cond, program)
            if "via" in c:
                text = f"{_label(t, cond.field)}所指记录的{_via_label(t, cond.field, c['via'])}" \
                    + text.removeprefix(_label(t, cond.field))
            out.append(text.removesuffix("时"))
        return "且".join(out)

    unless = conds("unless")
    return (f"{conds('all')}时,{_label(t, str(p['field']))}必填"
            + (f"({unless}时除外)" if unless else ""))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _heading(t: FormTemplate) -> str:
    prefix = f",编号前缀 {t.id_prefix}" if t.id_prefix else ",无编号"
    whole = ",整表为敏感信息" if t.sensitive else ""
    return f"{t.label}(`{t.key}`{prefix}{whole})"


def template_markdown(templates: Mapping[str, FormTemplate], program: Program) -> str:
    """The README section "表单字段 / Form fields": one heading and table per form."""
    lines = [
        "## 表单字段 / Form fields",
        "",
        "由 `form_templates/*.yaml` 生成;列名可用任一别名,空格、全半角标点、"
        "“(必填)”和“*”不影响识别。",
    ]
    for t in ordered(templates):
        lines += ["", f"### {_heading(t)}", ""]
        if t.description:
            lines += [t.description, ""]
        lines += ["| 列名 | 别名 | 类型 | 必填 | 说明 |", "|---|---|---|---|---|"]
        for f in t.fields:
            notes = ";".join(field_notes(f, program, templates))
            row = [f.label, "、".join(f.aliases), TYPE_LABELS.get(f.type, f.type),
                   "是" if f.required else "", notes]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        if t.rules:
            lines += ["", "规则:", ""]
            lines += [f"- {rule_text(t, r, program)}" for r in t.rules]
    return "\n".join(lines) + "\n"


def template_summary(templates: Mapping[str, FormTemplate]) -> list[tuple[str, str, str, int]]:
    """Rows for ``templates list``: (key, label, id prefix or "", number of fields)."""
    return [(t.key, t.label, t.id_prefix or "", len(t.fields)) for t in ordered(templates)]


def _join(parts: Iterable[str]) -> str:
    return " ".join(p for p in parts if p)


def template_detail(t: FormTemplate, program: Program | None = None,
                    templates: Mapping[str, FormTemplate] | None = None) -> str:
    """Text for ``templates show``: the form, then one line per field, then the rules."""
    program = program or Program()
    head = f"{t.label}({t.key}"
    head += f",编号前缀 {t.id_prefix}" if t.id_prefix else ",无编号"
    head += f",{len(t.fields)} 个字段)"
    lines = [head]
    if t.sensitive:
        lines.append("整表为敏感信息。")
    if t.aliases:
        lines.append("表名也可写作:" + "、".join(t.aliases))
    width = max(len(f.label) for f in t.fields)
    for f in t.fields:
        parts = [
            f"  {f.label.ljust(width, ' ')}",
            f"[{TYPE_LABELS.get(f.type, f.type)}]",
            "必填" if f.required else "",
            ";".join(field_notes(f, program, templates)),
            f"(别名:{'、'.join(f.aliases)})" if f.aliases else "",
        ]
        lines.append(_join(parts))
    if t.rules:
        lines.append("规则:")
        lines += [f"  - {rule_text(t, r, program)}" for r in t.rules]
    return "\n".join(lines)
