"""Form templates: what a valid entry is, loaded from ``form_templates/*.yaml``.

A template is data, checked when loaded. A mistake in a template fails at load with the
file, the field and the reason::

    FormTemplateError: child.yaml: field "grade": unknown type "grad"

The YAML shape (see ``form_templates/child.yaml`` for a full example)::

    form: child                      # key used in code and on the CLI
    label: 留守儿童家庭情况登记表        # the tab name staff use
    aliases: [儿童登记表]              # other tab names that mean this form
    id_prefix: C                     # 编号 prefix; omit for forms without ids
    sensitive: false                 # true: the whole form is sensitive
    survey: false                    # true: a questionnaire, with a 问卷统计 tab
    fields:
      - key: grade
        label: 年级
        aliases: [就读年级]
        type: grade
        required: true
        min: 1
        max: 6
        help: 填 1–6 的数字或“三年级”
        conflict: keep_both          # two books disagree: each keeps its value, the
                                     # roster shows both, until a person decides in 同步冲突
    rules:
      - rule: require_if
        field: father_workplace
        when: {field: left_behind_type, in: [双亲外出, 父亲外出]}

Values written ``$program.<key>`` (``$program.counties``, ``$program.start_date`` …) are
program data from configuration (:class:`sheets_sync.config.Program`), resolved when a
form is validated, never baked into code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..config import PROGRAM_KEYS
from ..errors import FormTemplateError

FIELD_TYPES = frozenset({
    "text",          # free text
    "name_zh",       # a Chinese personal name (CJK, ·)
    "cn_id",         # 18-digit resident ID (15-digit old form recognised)
    "cn_phone",      # mobile or landline
    "cn_mobile",     # mobile only
    "email",
    "date",
    "integer",
    "decimal",
    "money",         # Decimal, yuan
    "choice",        # one of choices (with synonyms)
    "multi_choice",  # several of choices, separated by 、,，/ or spaces
    "grade",         # primary-school grade 1–6 (三年级/3/3年级)
    "bool_zh",       # 是/否
    "record_id",     # the 编号 column the tool assigns
})

RULE_KINDS = frozenset({
    "require_if",      # field required when a condition holds
    "require_one_of",  # at least one group of fields filled: groups: [[a], [b, c]]
    "id_consistent",   # cn_id agrees with birth date and sex fields
    "compare",         # field op other  (op: <, <=, >, >=, ==, !=)
    "age_at",          # age on a date (from a date or an ID field) within min/max
    "age_for_grade",   # age plausible for a primary-school grade
    "equals",          # field must equal value (when filled)
    "range",           # field within min/max, with its own severity (e.g. a warning)
    "unique_where",    # fields unique among rows matching a condition
    "no_overlap",      # rows of one field value: start..end must not overlap (a team's visits)
    "count_refs",      # records of another form naming this row: target ± tolerance of them
    "same_via",        # two references lead to records that agree (team's brigade = county)
    "require_all",     # field required when all conditions hold, unless all of unless hold
    "min_items",       # a list field (、,， or spaces) has at least min items (a 家访's people)
    "covers_dates",    # start..end covers the periods of another form's records naming field
})

SEVERITIES = frozenset({"error", "warning"})
COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})
CONDITION_KEYS = frozenset({"field", "in", "not_in", "not_blank", "blank", "gte", "lt"})

TEMPLATE_PACKAGE_DIR = "form_templates"


@dataclass(frozen=True)
class Choice:
    """One allowed value and the spellings people use for it."""

    value: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None       # "$program.counties"
    min: Any = None                        # number, ISO date or "$program.start_date"
    max: Any = None
    pattern: str | None = None
    pattern_help: str | None = None        # what the pattern means, for messages
    unique: bool = False
    ref: str | None = None                 # "school.name": a value of that form's field
    sensitive: bool = False
    help: str = ""
    conflict: str = "policy"               # "policy" ([sync] conflicts) or "keep_both"

    @property
    def headers(self) -> tuple[str, ...]:
        """Label first, then aliases: every header text that names this field."""
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Condition:
    field: str
    in_: tuple[str, ...] | None = None
    not_in: tuple[str, ...] | None = None
    not_blank: bool = False
    blank: bool = False
    gte: Any = None
    lt: Any = None


@dataclass(frozen=True)
class Rule:
    """A declarative cross-field rule; which keys matter depends on ``kind``."""

    kind: str
    params: dict[str, Any]
    severity: str = "error"
    message: str | None = None
    when: Condition | None = None

    def fields(self) -> list[str]:
        """Every field key this rule mentions (for load-time checks)."""
        keys: list[str] = []
        for name in ("field", "other", "id", "birth_date", "sex", "grade", "start", "end",
                     "place"):
            v = self.params.get(name)
            if isinstance(v, str):
                keys.append(v)
        for name in ("fields",):
            keys.extend(self.params.get(name) or [])
        for group in self.params.get("groups") or []:
            keys.extend(group)
        if self.when:
            keys.append(self.when.field)
        for name in ("all", "unless"):   # require_all: lists of conditions
            keys.extend(str(c.get("field")) for c in self.params.get(name) or []
                        if isinstance(c, dict))
        return keys


@dataclass(frozen=True)
class FormTemplate:
    key: str
    label: str
    fields: tuple[Field, ...]
    aliases: tuple[str, ...] = ()
    id_prefix: str | None = None
    sensitive: bool = False
    description: str = ""
    rules: tuple[Rule, ...] = ()
    source: str = ""
    survey: bool = False
    """``survey: true``: a questionnaire; the report step makes its 问卷统计 tab."""

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def tab_names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)

    @property
    def id_field(self) -> Field | None:
        return next((f for f in self.fields if f.type == "record_id"), None)

    def required_fields(self) -> Iterator[Field]:
        return (f for f in self.fields if f.required)


# --------------------------------------------------------------------------- loading

def _fail(file: str, fld: str | None, reason: str) -> FormTemplateError:
    return FormTemplateError(file, fld, reason)


def _str_tuple(file: str, fld: str | None, name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise _fail(file, fld, f'"{name}" must be a list of strings')
    return tuple(str(v) for v in value)


def _program_ref(file: str, fld: str | None, value: Any) -> None:
    if isinstance(value, str) and value.startswith("$"):
        if not value.startswith("$program."):
            raise _fail(file, fld, f'unknown reference "{value}" (only $program.<key>)')
        key = value.removeprefix("$program.")
        if key not in PROGRAM_KEYS:
            raise _fail(file, fld, f'unknown program data "{value}"; known: '
                        + ", ".join(sorted(PROGRAM_KEYS)))


def _choices(file: str, fld: str, raw: Any) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(file, fld, '"choices" must be a non-empty list')
    out: list[Choice] = []
    for item in raw:
        if isinstance(item, str | int):
            out.append(Choice(str(item)))
        elif isinstance(item, dict) and "value" in item:
            unknown = set(item) - {"value", "synonyms"}
            if unknown:
                raise _fail(file, fld, f"unknown choice keys: {', '.join(sorted(unknown))}")
            out.append(Choice(str(item["value"]),
                              _str_tuple(file, fld, "synonyms", item.get("synonyms"))))
        else:
            raise _fail(file, fld, f"bad choice {item!r}: write a string or {{value, synonyms}}")
    seen: dict[str, str] = {}
    for c in out:
        for spelling in (c.value, *c.synonyms):
            if spelling in seen and seen[spelling] != c.value:
                raise _fail(file, fld, f'"{spelling}" is a synonym of both '
                            f'"{seen[spelling]}" and "{c.value}"')
            seen[spelling] = c.value
    return tuple(out)


FIELD_KEYS = frozenset({
    "key", "label", "type", "aliases", "required", "choices", "choices_from", "min", "max",
    "pattern", "pattern_help", "unique", "ref", "sensitive", "help", "conflict",
})
CONFLICT_POLICIES = ("policy", "keep_both")


def _field(file: str, raw: Any, index: int) -> Field:
    if not isinstance(raw, dict):
        raise _fail(file, None, f"fields[{index}] must be a mapping")
    key = raw.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise _fail(file, str(key) if key else f"#{index}",
                    '"key" must be a lower-case identifier')
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        raise _fail(file, key, f"unknown keys: {', '.join(sorted(unknown))}")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _fail(file, key, '"label" (the Chinese header) is required')
    ftype = raw.get("type", "text")
    if ftype not in FIELD_TYPES:
        raise _fail(file, key, f'unknown type "{ftype}"')
    choices: tuple[Choice, ...] = ()
    if "choices" in raw:
        choices = _choices(file, key, raw["choices"])
    choices_from = raw.get("choices_from")
    if choices_from is not None:
        _program_ref(file, key, choices_from)
        if not str(choices_from).startswith("$"):
            raise _fail(file, key, '"choices_from" must be $program.<key>')
    if ftype in {"choice", "multi_choice"} and not choices and not choices_from:
        raise _fail(file, key, f'type "{ftype}" needs "choices" or "choices_from"')
    for bound in ("min", "max"):
        _program_ref(file, key, raw.get(bound))
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            raise _fail(file, key, f"bad pattern: {e}") from None
    ref = raw.get("ref")
    if ref is not None and not re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", str(ref)):
        raise _fail(file, key, f'"ref" must be form.field, got "{ref}"')
    for flag in ("required", "unique", "sensitive"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise _fail(file, key, f'"{flag}" must be true or false')
    conflict = raw.get("conflict", "policy")
    if conflict not in CONFLICT_POLICIES:
        raise _fail(file, key, f'"conflict" must be one of {", ".join(CONFLICT_POLICIES)}, '
                    f'got "{conflict}"')
    return Field(
        key=key,
        label=label.strip(),
        type=ftype,
        aliases=_str_tuple(file, key, "aliases", raw.get("aliases")),
        required=bool(raw.get("required", False)),
        choices=choices,
        choices_from=choices_from,
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=pattern,
        pattern_help=raw.get("pattern_help"),
        unique=bool(raw.get("unique", False)),
        ref=ref,
        sensitive=bool(raw.get("sensitive", False)),
        help=str(raw.get("help", "")),
        conflict=str(conflict),
    )


def _condition(file: str, where: str, raw: Any) -> Condition:
    if not isinstance(raw, dict) or "field" not in raw:
        raise _fail(file, where, '"when" must be a mapping with "field"')
    unknown = set(raw) - CONDITION_KEYS
    if unknown:
        raise _fail(file, where, f"unknown condition keys: {', '.join(sorted(unknown))}")
    for bound in ("gte", "lt"):
        _program_ref(file, where, raw.get(bound))
    return Condition(
        field=str(raw["field"]),
        in_=_str_tuple(file, where, "in", raw["in"]) if "in" in raw else None,
        not_in=_str_tuple(file, where, "not_in", raw["not_in"]) if "not_in" in raw else None,
        not_blank=bool(raw.get("not_blank", False)),
        blank=bool(raw.get("blank", False)),
        gte=raw.get("gte"),
        lt=raw.get("lt"),
    )


RULE_REQUIRED = {
    "require_if": ("field", "when"),
    "require_one_of": ("groups",),
    "id_consistent": ("id",),
    "compare": ("field", "op", "other"),
    "age_at": ("field",),
    "age_for_grade": ("birth_date", "grade"),
    "equals": ("field", "value"),
    "range": ("field",),
    "unique_where": ("fields", "when"),
    "no_overlap": ("field", "start", "end"),
    "count_refs": ("field", "counted", "target"),
    "same_via": ("field", "via", "other", "other_via"),
    "require_all": ("field", "all"),
    "min_items": ("field", "min"),
    "covers_dates": ("field", "start", "end", "visits", "visit_start", "visit_end"),
}


def _rule(file: str, raw: Any, index: int, keys: set[str]) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(raw, dict) or "rule" not in raw:
        raise _fail(file, where, 'each rule needs "rule: <kind>"')
    kind = raw["rule"]
    if kind not in RULE_KINDS:
        raise _fail(file, where, f'unknown rule "{kind}"; known: {", ".join(sorted(RULE_KINDS))}')
    missing = [k for k in RULE_REQUIRED[kind] if k not in raw]
    if missing:
        raise _fail(file, where, f'rule "{kind}" needs: {", ".join(missing)}')
    severity = raw.get("severity", "error")
    if severity not in SEVERITIES:
        raise _fail(file, where, f'severity must be "error" or "warning", not "{severity}"')
    if kind == "compare" and raw["op"] not in COMPARE_OPS:
        raise _fail(file, where, f'unknown comparison "{raw["op"]}"')
    when = _condition(file, where, raw["when"]) if "when" in raw else None
    for name in ("all", "unless") if kind == "require_all" else ():
        # a list of conditions; ``via: <field>`` reads that field of the record referenced
        if not isinstance(raw.get(name, []), list):
            raise _fail(file, where, f'"{name}" must be a list of conditions')
        for c in raw.get(name) or []:
            _condition(file, where, {k: v for k, v in c.items() if k != "via"}
                       if isinstance(c, dict) else c)
    if kind == "covers_dates" and "visit_when" in raw:  # a condition on the other form's rows
        _condition(file, where, raw["visit_when"])
    params = {k: v for k, v in raw.items() if k not in {"rule", "severity", "message", "when"}}
    for v in params.values():
        _program_ref(file, where, v)
    rule = Rule(kind=kind, params=params, severity=severity,
                message=raw.get("message"), when=when)
    for k in rule.fields():
        if k not in keys:
            raise _fail(file, where, f'rule "{kind}" names unknown field "{k}"')
    return rule


TEMPLATE_KEYS = frozenset({"form", "label", "aliases", "id_prefix", "sensitive", "description",
                           "fields", "rules", "survey"})


def parse_template(data: Any, file: str = "<template>") -> FormTemplate:
    """Check and build a :class:`FormTemplate` from parsed YAML."""
    if not isinstance(data, dict):
        raise _fail(file, None, "a template must be a mapping with form, label and fields")
    unknown = set(data) - TEMPLATE_KEYS
    if unknown:
        raise _fail(file, None, f"unknown keys: {', '.join(sorted(unknown))}")
    for k in ("form", "label", "fields"):
        if k not in data:
            raise _fail(file, None, f'"{k}" is required')
    raw_fields = data["fields"]
    if not isinstance(raw_fields, list) or not raw_fields:
        raise _fail(file, None, '"fields" must be a non-empty list')
    fields = tuple(_field(file, raw, i) for i, raw in enumerate(raw_fields))
    keys: set[str] = set()
    headers: dict[str, str] = {}
    for f in fields:
        if f.key in keys:
            raise _fail(file, f.key, "duplicate key")
        keys.add(f.key)
        for h in f.headers:
            if h in headers:
                raise _fail(file, f.key, f'header "{h}" already names field "{headers[h]}"')
            headers[h] = f.key
    id_prefix = data.get("id_prefix")
    if id_prefix is not None and not re.fullmatch(r"[A-Z]{1,3}", str(id_prefix)):
        raise _fail(file, None, '"id_prefix" must be 1–3 capital letters')
    if id_prefix and not any(f.type == "record_id" for f in fields):
        raise _fail(file, None, 'a form with "id_prefix" needs a field of type record_id (编号)')
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise _fail(file, None, '"rules" must be a list')
    rules = tuple(_rule(file, raw, i, keys) for i, raw in enumerate(raw_rules))
    if not isinstance(data.get("survey", False), bool):
        raise _fail(file, None, '"survey" must be true or false')
    return FormTemplate(
        key=str(data["form"]),
        label=str(data["label"]),
        fields=fields,
        aliases=_str_tuple(file, None, "aliases", data.get("aliases")),
        id_prefix=id_prefix,
        sensitive=bool(data.get("sensitive", False)),
        description=str(data.get("description", "")),
        rules=rules,
        source=file,
        survey=bool(data.get("survey", False)),
    )


def load_template(path: Path) -> FormTemplate:
    try:
        # libyaml's safe loader when PyYAML was built with it (about 10x faster)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as e:
        raise _fail(path.name, None, _yaml_error(e)) from None
    except UnicodeDecodeError:
        raise _fail(path.name, None, "不是 UTF-8 编码的文本:请用记事本“另存为”UTF-8 编码后"
                    "再试。") from None
    return parse_template(data, path.name)


def _yaml_error(e: yaml.YAMLError) -> str:
    """A YAML mistake as one Chinese line: where (line, column), what, and how to look."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列:" if mark is not None else ""
    what = " ".join(str(getattr(e, "problem", "") or e).split())
    return (f"{where}YAML 格式不对({what})。请检查这一行和上一行的缩进"
            "(同一层要对齐,只用空格不用 Tab)、冒号后的空格和括号是否成对。")


def template_dir() -> Path:
    """Where the shipped templates are: inside the installed package, or the source tree."""
    packaged = resources.files("sheets_sync") / TEMPLATE_PACKAGE_DIR
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / TEMPLATE_PACKAGE_DIR


def load_templates(directory: Path | None = None) -> dict[str, FormTemplate]:
    """Every ``*.yaml`` template in ``directory`` (default: the shipped ones), by form key.

    Cross-template references (``ref: school.name``) are checked here too.
    """
    directory = directory or template_dir()
    forms: dict[str, FormTemplate] = {}
    for path in sorted(directory.glob("*.yaml")):
        t = load_template(path)
        if t.key in forms:
            raise _fail(path.name, None, f'form "{t.key}" is also defined in {forms[t.key].source}')
        forms[t.key] = t
    for t in forms.values():
        for f in t.fields:
            if f.ref:
                form_key, field_key = f.ref.split(".", 1)
                if form_key not in forms:
                    raise _fail(t.source, f.key, f'ref "{f.ref}": no form "{form_key}"')
                try:
                    forms[form_key].field(field_key)
                except KeyError:
                    raise _fail(t.source, f.key,
                                f'ref "{f.ref}": form "{form_key}" has no field "{field_key}"'
                                ) from None
        for i, rule in enumerate(t.rules):
            _check_across(t, rule, forms, f"rules[{i}]")
    return forms


def _check_across(t: FormTemplate, rule: Rule, forms: dict[str, FormTemplate],
                  where: str) -> None:
    """A rule across forms names fields that exist there (``counted``, ``via``)."""
    def has(form_key: str, key: str) -> bool:
        return form_key in forms and any(f.key == key for f in forms[form_key].fields)

    if rule.kind == "count_refs":
        target = str(rule.params["counted"])
        form_key, _, key = target.partition(".")
        if not has(form_key, key):
            raise _fail(t.source, where, f'rule "count_refs": counted "{target}" is no '
                        "form.field of the templates")
    for c in rule.params.get("unless", []) + rule.params.get("all", []) \
            if rule.kind == "require_all" else []:
        if "via" in c:  # a condition on the referenced record: its field exists there
            ref = t.field(str(c["field"])).ref
            if not ref or not has(ref.split(".", 1)[0], str(c["via"])):
                raise _fail(t.source, where, f'rule "require_all": "via: {c["via"]}" needs '
                            f'field "{c["field"]}" to be a ref to a form with that field')
    if rule.kind == "covers_dates":
        form_key, _, key = str(rule.params["visits"]).partition(".")
        other = [key, str(rule.params["visit_start"]), str(rule.params["visit_end"])]
        other += [str(rule.params[k]) for k in ("visit_place",) if k in rule.params]
        if "visit_when" in rule.params:
            other.append(str(rule.params["visit_when"]["field"]))
        for k in other:
            if not has(form_key, k):
                raise _fail(t.source, where, f'rule "covers_dates": form "{form_key}" has no '
                            f'field "{k}"')
    if rule.kind == "same_via":
        for side, via in (("field", "via"), ("other", "other_via")):
            ref = t.field(str(rule.params[side])).ref
            if not ref:
                raise _fail(t.source, where, f'rule "same_via": field "{rule.params[side]}" '
                            "has no ref")
            if not has(ref.split(".", 1)[0], str(rule.params[via])):
                raise _fail(t.source, where, f'rule "same_via": form "{ref.split(".", 1)[0]}" '
                            f'has no field "{rule.params[via]}"')


@cache
def default_templates() -> dict[str, FormTemplate]:
    """The shipped templates, loaded once per process."""
    return load_templates()
