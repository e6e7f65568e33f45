"""An export's columns -> the form's fields.

A survey tool heads each answer column with the question as it was asked: numbered
(``3、``, ``Q3.``, ``第3题``), worded (``您的``, ``请填写``, ``是什么？``) and marked
(``(必填)``, ``(多选)``). :func:`question_keys` takes that wording off, step by step, and
:func:`map_columns` matches what is left against each field's label, aliases and key (an
XLSForm export heads columns by field key), then, failing that, a field header the question
contains with nothing around it but question wording (``您今年多少岁`` is 年龄? no: only
``年龄`` inside ``您的年龄是多少`` is). A multi-choice question exported one column per option
(``5、特长(数学)``, ``5、特长(音乐)`` holding 0/1; Kobo's ``skills/数学`` beside its
``skills`` column) becomes its field, each column one choice.

A column the person running the import mapped (``[imports.<name>] columns`` in
``sheets-sync.toml``, or the 导入映射 tab) is taken as they said. What nothing maps is left
for a person (:attr:`ColumnMap.unmapped`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..forms.headers import header_key
from ..forms.template import Field, FormTemplate
from .shapes import Shape, find_header

SKIP = "不导入"
"""What a person writes for a column that is not to be imported."""

_NUMBERING = re.compile(r"^\s*(?:第\s*)?[Qq]?\d+(?:[.．]\d+)*\s*题?\s*(?:[、.．:：)）]\s*|\s+)")
_MARKS = re.compile(r"[(（【\[〔]\s*(?:必填|必答|必选|选填|可选|多选|单选|多选题|单选题|可多选|"
                    r"不定项|填空题?|最多选?\s*\d+\s*项|至少选?\s*\d+\s*项|限选\s*\d+\s*项|"
                    r"请选择[^)）】\]〕]*|请填写[^)）】\]〕]*)\s*[)）】\]〕]")
_LEADS = ("请填写", "请输入", "请选择", "请问", "请", "您的", "你的", "您", "你")
_TRAIL_PUNCT = re.compile(r"[\s?？:：*＊。.!！_]+$")
_TRAILS = ("是什么", "是多少", "是哪个", "有哪些", "是", "为")
_WORDING = frozenset("您你的是为多少什么请填写输入选择哪个些吗呢目前现在平时一下")
_OPTION = re.compile(r"^(?P<base>.*?)[(（](?P<opt>[^()（）]+)[)）]\s*$")
_OPTION_SEP = re.compile(r"^(?P<base>.+?)\s*[:：—|]\s*(?P<opt>[^:：—|]+)$")
_FILL_IN = re.compile(r"〖.*?〗|[(（][^()（）]*(?:补充|请注明|请说明|填写)[^()（）]*[)）]"
                      r"|[:：\s]+$")
_QNUM = re.compile(r"^\s*(?:第\s*)?[Qq]?(\d+)")
BINARY = frozenset({"", "0", "1", "0.0", "1.0", "√", "✓", "是", "否", "选中", "未选中", "True",
                    "False", "TRUE", "FALSE", "(跳过)", "(空)", "-2", "-3"})
CHECKED = frozenset({"1", "1.0", "√", "✓", "是", "选中", "True", "TRUE"})


@dataclass
class Column:
    """One column of the export and what it becomes."""

    col: int                     # 1-based
    header: str
    field: str | None = None     # field key
    option: str | None = None    # one column per option: the choice it stands for
    how: str = ""                # 标题 / 包含 / 字段名 / 选项 / 配置 / 导入映射 / 不导入 / 来源信息
    sample: str = ""


@dataclass
class ColumnMap:
    """How an export's columns become one form's fields."""

    shape: Shape
    form: FormTemplate
    columns: list[Column]
    id_col: int | None
    time_col: int | None

    @property
    def mapped(self) -> list[Column]:
        return [c for c in self.columns if c.field is not None]

    @property
    def unmapped(self) -> list[Column]:
        """Question columns nothing maps: a person must say what they are."""
        return [c for c in self.columns if c.field is None and not c.how]

    @property
    def fields(self) -> list[str]:
        """The field keys the export fills, in the form's order."""
        got = {c.field for c in self.mapped}
        return [f.key for f in self.form.fields if f.key in got]


def question_keys(header: str) -> list[str]:
    """The header with its question wording taken off, a step at a time (matching keys)."""
    s = unicodedata.normalize("NFKC", header).strip()
    s = _NUMBERING.sub("", s, count=1)
    s = _MARKS.sub("", s)
    s = _TRAIL_PUNCT.sub("", s)
    out = [s]
    lead = s
    changed = True
    while changed:
        changed = False
        for w in _LEADS:
            if lead.startswith(w) and len(lead) > len(w):
                lead = lead[len(w):]
                changed = True
    out.append(lead)
    trail = lead
    for w in _TRAILS:
        if trail.endswith(w) and len(trail) > len(w) + 1:
            trail = trail[: -len(w)]
            break
    out += [trail, trail.replace("的", "")]
    keys: list[str] = []
    for t in out:
        k = header_key(t)
        if k and k not in keys:
            keys.append(k)
    return keys


def _index(form: FormTemplate) -> dict[str, str]:
    idx: dict[str, str] = {}
    for f in form.fields:
        if f.type == "record_id":
            continue
        for h in (*f.headers, f.key):
            idx.setdefault(header_key(h), f.key)
    return idx


def _contained(form: FormTemplate, keys: list[str]) -> str | None:
    """The field whose header the question holds with only question wording around it."""
    best: tuple[int, set[str]] = (0, set())
    for f in form.fields:
        if f.type == "record_id":
            continue
        for h in f.headers:
            hk = header_key(h)
            if len(hk) < 2:
                continue
            for k in keys:
                i = k.find(hk)
                if i < 0 or not set(k[:i] + k[i + len(hk):]) <= _WORDING:
                    continue
                if len(hk) > best[0]:
                    best = (len(hk), {f.key})
                elif len(hk) == best[0]:
                    best[1].add(f.key)
    return next(iter(best[1])) if len(best[1]) == 1 else None


def field_for(form: FormTemplate, header: str, idx: Mapping[str, str] | None = None
              ) -> tuple[str | None, str]:
    """(field key, how) for a question header; ``(None, "")`` when nothing fits."""
    idx = idx if idx is not None else _index(form)
    raw = header_key(header)
    if raw in idx:
        return idx[raw], "标题"
    keys = question_keys(header)
    for k in keys:
        if k in idx:
            return idx[k], "标题"
    hit = _contained(form, keys)
    return (hit, "包含") if hit else (None, "")


def resolve_field(form: FormTemplate, name: str) -> str | None:
    """A field named by key, label or alias (as a person writes it in a mapping)."""
    n = name.strip()
    for f in form.fields:
        if n == f.key or n in f.headers:
            return f.key
    k = header_key(n)
    return next((f.key for f in form.fields if k in {header_key(h) for h in f.headers}), None)


def choice_for(fld: Field, text: str) -> str | None:
    """The choice ``text`` names (value or synonym, loosely compared), else ``None``."""
    return _choices(fld).get(_loose(text))


@functools.lru_cache(maxsize=256)
def _choices(fld: Field) -> dict[str, str]:
    """Loose spelling -> value of each choice of ``fld`` (the first choice wins a tie)."""
    out: dict[str, str] = {}
    for c in fld.choices:
        for s in (c.value, *c.synonyms):
            out.setdefault(_loose(s), c.value)
    return out


def _loose(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = _FILL_IN.sub("", s)
    return "".join(s.split()).casefold()


def _option_parts(header: str) -> tuple[str, str, str] | None:
    """(group, base question, option) of a one-column-per-option header, else ``None``."""
    h = unicodedata.normalize("NFKC", header).strip()
    num = _QNUM.match(h)
    m = _OPTION.match(h)
    if m is None or not m.group("opt").strip():
        m = _OPTION_SEP.match(h)
    if m is None:
        return None
    base, opt = m.group("base").strip(), m.group("opt").strip()
    group = f"#{num.group(1)}" if num else header_key(base)
    return group, base, opt


def _options_field(form: FormTemplate, options: list[str]) -> str | None:
    """The choice field whose choices name most of ``options`` (at least half)."""
    best, hits = None, 0
    for f in form.fields:
        if f.type not in {"choice", "multi_choice"} or not f.choices:
            continue
        n = sum(choice_for(f, o) is not None for o in options)
        if n > hits:
            best, hits = f.key, n
    return best if hits * 2 >= len(options) else None


def map_columns(form: FormTemplate, headers: Sequence[str], shape: Shape,
                values: Sequence[Sequence[str]] = (),
                saved: Mapping[str, str] | None = None) -> ColumnMap:
    """Map each of ``headers`` (``values``: each column's cells below the header).

    ``saved``: header -> field (key, label or alias) or ``不导入``, as a person confirmed.
    """
    saved = saved or {}
    idx = _index(form)
    id_col = find_header(headers, shape.ids)
    time_col = find_header(headers, shape.times)
    stripped = {h.strip() for h in headers}
    cols: list[Column] = []
    for j, raw in enumerate(headers, start=1):
        h = raw.strip()
        if not h:
            continue
        vals = values[j - 1] if j - 1 < len(values) else ()
        sample = next((v for v in vals if v.strip() and v.strip() not in {"(跳过)", "(空)"}),
                      "")
        c = Column(j, h, sample=sample)
        cols.append(c)
        if h in saved:
            target = saved[h].strip()
            if target == SKIP:
                c.how = SKIP
            elif (fk := resolve_field(form, target)) is not None:
                c.field, c.how = fk, "配置"
            continue
        if j in (id_col, time_col) or shape.is_meta(h):
            c.how = "来源信息"
            continue
        if shape.path_sep and shape.path_sep in h:
            head, _, last = h.rpartition(shape.path_sep)
            if head in stripped and shape.key in {"kobo", "odk"}:
                c.how = "选项明细"   # a select_multiple's detail column: its summary is used
                continue
            h = last
        c.field, c.how = field_for(form, h, idx)
    _option_groups(form, cols, values, idx)
    return ColumnMap(shape, form, cols, id_col, time_col)


def _option_groups(form: FormTemplate, cols: list[Column], values: Sequence[Sequence[str]],
                   idx: Mapping[str, str]) -> None:
    """Columns that are one option each of a choice question (0/1 cells) join its field."""
    groups: dict[str, list[tuple[Column, str, str]]] = {}
    for c in cols:
        if c.how in {"配置", SKIP, "来源信息", "选项明细"}:
            continue
        parts = _option_parts(c.header)
        if parts is not None:
            groups.setdefault(parts[0], []).append((c, parts[1], parts[2]))
    for members in groups.values():
        if len(members) < 2:
            continue
        ok = True
        for c, _, opt in members:
            vals = {v.strip() for v in (values[c.col - 1] if c.col - 1 < len(values) else ())}
            if not vals <= BINARY | {opt} and not opt.startswith(("其他", "其它")):
                ok = False
                break
        if not ok:
            continue
        base = next((b for _, b, _ in members if b), "")
        fk = field_for(form, base, dict(idx))[0] if base else None
        if fk is None or form.field(fk).type not in {"choice", "multi_choice", "bool_zh"}:
            fk = _options_field(form, [o for _, _, o in members])
        if fk is None:
            continue
        fld = form.field(fk)
        for c, _, opt in members:
            c.field, c.how = fk, "选项"
            c.option = choice_for(fld, opt) or _loose(opt) or opt
