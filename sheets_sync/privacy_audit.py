"""The privacy audit: which sensitive fields each book of a project holds in full.

Tables in, data out (the books are read by the pipeline's ``privacy`` step,
:mod:`sheets_sync.sync.privacy_step`): :func:`scan_grids` counts, per sensitive template
field (:func:`~sheets_sync.privacy.field_mask_type`), the cells of a book that hold a full
value — non-empty and without the ``*`` every mask leaves (``130607********123X``,
``138****5678``, ``张**``, ``满城县龙泉镇郭庄村***``). It never keeps a value, only counts.

Where the values are found:

* a form tab (found as every step finds it, :func:`~sheets_sync.forms.headers.detect_form`):
  the columns of its sensitive fields — every field of a whole-sensitive form (谈心记录);
* ``校验问题`` and ``同步冲突``: a value per row, in the 内容 / 保留的值 / 未采用的值 / 原值
  columns, whose field the row names (工作表 + 列, 表单 + 字段);
* any other tab (rosters, 回收站, a list staff pasted): the columns headed like a field that
  is itself sensitive (身份证号, 监护人电话 …).

:func:`assess` then judges a book by its role: the hub may hold everything in full. Outside
it (spokes, the per-school roster books) a full 身份证号 (any ``cn_id`` field) or
心理状况, or a full guardian phone of a child of another county, must be fixed — also under
``sensitive = "full"``, whose message says so and how to change it; other full values are
said (a field a spoke's ``reveal`` lets through, a whole-sensitive form) but fail nothing. A
book that cannot be read fails too: the audit vouches only for what it saw.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .books.base import TabContent
from .config import Program
from .forms.headers import HEADER_SCAN_ROWS, detect_form, header_key, is_tool_tab, tab_data, tab_key
from .forms.template import Field, FormTemplate
from .privacy import ADDRESS, field_mask_type, mask, reveal_key
from .table import Grid

__all__ = ["TAB", "BookAudit", "FieldCount", "PrivacyReport", "assess", "privacy_tab",
           "scan_grids"]

TAB = "隐私检查"
ROLE_ZH = {"hub": "总表", "spoke": "分表", "school": "学校工作簿"}
POLICY_ZH = {"mask": "遮挡(mask)", "omit": "不放(omit)", "full": "完整显示(full)"}
FIX = "需处理"
UNREADABLE = "无法检查"
NOTE = "注意"
OK = "正常"
HEADERS = ["工作簿", "角色", "敏感字段设置", "加密", "最后写入", "未遮挡的敏感字段(单元格数)",
           "结论", "说明"]
_PSYCHOLOGY = "child.psychology"

# tool tabs holding one value per row, the row naming its field: (tab column, field column,
# value columns); the tab column names the form tab (校验问题) or the form (同步冲突)
_KEYED = {"校验问题": ("工作表", "列", ("内容",)),
          "同步冲突": ("表单", "字段", ("保留的值", "未采用的值", "原值"))}


@dataclass
class FieldCount:
    """One sensitive field in one book: how many cells hold it in full, how many masked."""

    label: str
    """As the audit shows it: the field's label (谈心记录·主要内容 for a whole-sensitive form)."""
    keys: set[str] = field(default_factory=set)
    """The ``form.field`` keys counted under this label (reveal keys)."""
    fatal: bool = False
    """A 身份证号 or 心理状况: never in full outside the hub."""
    full: int = 0
    masked: int = 0
    tabs: dict[str, int] = field(default_factory=dict)
    """The tabs holding a full value -> how many."""
    tool: dict[str, int] = field(default_factory=dict)
    """Those of :attr:`tabs` the tool writes (同步冲突, 回收站, 校验问题, rosters …)."""

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "keys": sorted(self.keys), "fatal": self.fatal,
                "full": self.full, "masked": self.masked, "tabs": self.tabs}

    def where(self) -> str:
        return "、".join(self.tabs)


@dataclass
class BookAudit:
    """One book: its role and settings, what it holds unmasked, and the verdict."""

    name: str
    role: str                          # hub | spoke | school
    policy: str = ""                   # a spoke's sensitive: mask | omit | full
    reveal: frozenset[str] = frozenset()
    encrypted: bool | None = None      # None: no file (a Google spreadsheet) or not known
    encrypt_asked: bool = False
    google: bool = False
    written: str = ""                  # local time of the last write, "" when not known
    county: str = ""                   # a spoke's partition county (other-county phones)
    folder: str = ""                   # a school book's folder (for the fix)
    fields: list[FieldCount] = field(default_factory=list)
    other_county_phones: int = 0
    error: str = ""                    # why the book could not be read
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.error:
            return UNREADABLE
        if self.problems:
            return FIX
        return NOTE if self.notes else OK

    def full_fields(self) -> list[FieldCount]:
        return [f for f in self.fields if f.full]

    def fields_text(self) -> str:
        if self.error:
            return "(未能读取)"
        full = self.full_fields()
        return "、".join(f"{f.label} {f.full}" for f in full) if full else "无"

    def policy_text(self) -> str:
        if self.role == "hub":
            return "完整保存"
        if self.role == "school":
            return "遮挡(花名册)"
        text = POLICY_ZH.get(self.policy, self.policy)
        if self.reveal:
            text += ";放行 " + "、".join(sorted(self.reveal))
        return text

    def encrypted_text(self) -> str:
        if self.google:
            return "不适用(Google 表格)"
        if self.encrypted is None:
            return "未知"
        if self.encrypted:
            return "是"
        return "否(配置要求加密)" if self.encrypt_asked else "否"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "role_zh": ROLE_ZH[self.role],
                "policy": self.policy, "reveal": sorted(self.reveal),
                "encrypted": self.encrypted, "encrypt": self.encrypt_asked,
                "last_written": self.written, "status": self.status, "error": self.error,
                "unmasked": [f.as_json() for f in self.full_fields()],
                "masked": {f.label: f.masked for f in self.fields if f.masked},
                "other_county_phones": self.other_county_phones,
                "problems": self.problems, "notes": self.notes}


@dataclass
class PrivacyReport:
    """Every book of the project, audited."""

    books: list[BookAudit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """About the audit itself (a per-school folder recorded but gone …)."""

    @property
    def ok(self) -> bool:
        return not any(b.status in {FIX, UNREADABLE} for b in self.books)

    def failing(self) -> list[BookAudit]:
        return [b for b in self.books if b.status in {FIX, UNREADABLE}]

    def summary(self) -> str:
        bad = self.failing()
        line = f"隐私检查:共 {len(self.books)} 个工作簿"
        if not bad:
            return line + ",分表和各校花名册中没有完整的身份证号或心理状况。"
        return line + f",{len(bad)} 个需要处理:" + "、".join(b.name for b in bad) + "。"

    def rows(self, *, tab: bool = False) -> list[list[str]]:
        """The table (header first): one row per book; only counts, never a value.

        ``tab``: as the hub's 隐私检查 tab shows it — the hub's own last write is not shown
        there (writing the tab would change it, and every run would write again).
        """
        out = [list(HEADERS)]
        for b in self.books:
            written = "(本工作簿)" if tab and b.role == "hub" else (b.written or "未知")
            out.append([b.name, ROLE_ZH[b.role], b.policy_text(), b.encrypted_text(), written,
                        b.fields_text(), b.status, "\n".join([*b.problems, *b.notes])])
        return out

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "books": [b.as_json() for b in self.books],
                "notes": self.notes, "summary": self.summary()}


# --------------------------------------------------------------------------- scanning

class _Fields:
    """Which sensitive template field a header is, in a tab (both normalised the way form
    detection normalises them: :func:`header_key`, :func:`tab_key`)."""

    def __init__(self, templates: Mapping[str, FormTemplate]) -> None:
        self.forms = {form.key: form for form in templates.values()}
        self.by_tab: dict[str, FormTemplate] = {}
        self.named: dict[tuple[str, str], Field | None] = {}
        self.any: dict[str, tuple[FormTemplate, Field]] = {}
        for form in templates.values():
            for n in form.tab_names:
                self.by_tab.setdefault(tab_key(n), form)
            for fld in form.fields:
                for h in fld.headers:
                    self.named.setdefault((form.key, header_key(h)), fld)
                    if fld.sensitive and _kind(form, fld) is not None:
                        self.any.setdefault(header_key(h), (form, fld))
        self._cache: dict[tuple[str, str], tuple[FormTemplate, Field] | None] = {}

    def find(self, tab: str, header: str) -> tuple[FormTemplate, Field] | None:
        """The sensitive field ``header`` is in ``tab`` (a form tab's own field first; else a
        field sensitive in itself, of any form), or None."""
        if (tab, header) in self._cache:
            return self._cache[(tab, header)]
        key = header_key(header)
        form = self.by_tab.get(tab_key(tab))
        found: tuple[FormTemplate, Field] | None = None
        fld = self.named.get((form.key, key)) if form is not None else None
        if form is not None and fld is not None:
            found = (form, fld) if _kind(form, fld) is not None else None
        elif key:
            found = self.any.get(key)
        self._cache[(tab, header)] = found
        return found


def _kind(form: FormTemplate, fld: Field) -> str | None:
    kind = field_mask_type(form, fld)
    return None if kind == "record_id" else kind


def _label(form: FormTemplate, fld: Field) -> str:
    return fld.label if fld.sensitive else f"{form.label}·{fld.label}"


def _full(value: str) -> bool:
    return bool(value) and "*" not in value and not value.isspace()


class _Counts:
    by_label: dict[str, FieldCount]

    def __init__(self, tool_tabs: Collection[str]) -> None:
        self.by_label = {}
        self.tool_tabs = tool_tabs

    def add(self, form: FormTemplate, fld: Field, tab: str, full: int, masked: int) -> None:
        label = _label(form, fld)
        fc = self.by_label.setdefault(label, FieldCount(label))
        key = reveal_key(form, fld)
        fc.keys.add(key)
        fc.fatal = fc.fatal or fld.type == "cn_id" or key == _PSYCHOLOGY
        fc.full += full
        fc.masked += masked
        if full:
            fc.tabs[tab] = fc.tabs.get(tab, 0) + full
            if tab in self.tool_tabs or is_tool_tab(tab):
                fc.tool[tab] = fc.tabs[tab]


def _count(values: Iterable[str], kind: str | None) -> tuple[int, int]:
    """(full, masked) among ``values``: a mask leaves a ``*``, except an address that ends
    at its village, which is its own mask (it shows no more than the masked form)."""
    full = masked = 0
    address = kind == ADDRESS
    for v in values:
        if not v or v.isspace():
            continue
        if "*" in v or (address and mask(v, ADDRESS) == v.strip()):
            masked += 1
        else:
            full += 1
    return full, masked


def scan_grids(grids: Mapping[str, Grid], templates: dict[str, FormTemplate],
               program: Program | None = None, *, county: str = "",
               keyed: Mapping[str, str] | None = None, tool_tabs: Collection[str] = ()
               ) -> tuple[list[FieldCount], int]:
    """(the sensitive fields ``grids`` hold, the full guardian phones of children not of
    ``county``). ``keyed`` renames the keyed tool tabs (``{"同步冲突": "冲突"}`` when the
    project names its conflicts tab otherwise); ``tool_tabs`` are the project's tool tabs
    (besides the fixed names of :func:`is_tool_tab`), never read as forms. The 隐私检查 tab
    itself holds only counts."""
    names = {(keyed or {}).get(k, k): k for k in _KEYED}
    fields = _Fields(templates)
    tool = {*tool_tabs, *names}
    counts = _Counts(tool)
    others = 0
    canon = _counties(program) if county else {}
    for tab, grid in grids.items():
        if tab == TAB or not grid.n_rows:
            continue
        if tab in names:
            _scan_keyed(tab, grid, _KEYED[names[tab]], fields, counts)
            continue
        lay = None if is_tool_tab(tab) or tab in tool else detect_form(tab, grid, templates)
        if lay is None:
            _scan_headers(tab, grid, fields, counts)
            continue
        data = tab_data(grid, lay)
        for fkey, series in data.columns.items():
            fld = lay.form.field(fkey)
            kind = _kind(lay.form, fld)
            if kind is None:
                continue
            full, masked = _count(series.tolist(), kind)
            if full or masked:
                counts.add(lay.form, fld, tab, full, masked)
        if (county and lay.form.key == "child" and "county" in data.columns
                and "guardian_phone" in data.columns):
            home = canon.get(county, county)
            for c, phone in zip(data.columns["county"].tolist(),
                                data.columns["guardian_phone"].tolist(), strict=True):
                c = c.strip()
                if c and canon.get(c, c) != home and _full(phone):
                    others += 1
    return list(counts.by_label.values()), others


def _counties(program: Program | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, synonyms in (program or Program()).county_choices():
        out[canonical] = canonical
        out.update(dict.fromkeys(synonyms, canonical))
    return out


def _header_row(grid: Grid, wanted: Collection[str]) -> tuple[int, list[str]] | None:
    """(sheet row, its cells) of the first of the first rows naming every ``wanted`` header."""
    for r, cells in enumerate(grid.head(HEADER_SCAN_ROWS), start=1):
        if all(w in cells for w in wanted):
            return r, cells
    return None


def _scan_keyed(tab: str, grid: Grid, spec: tuple[str, str, tuple[str, ...]], fields: _Fields,
                counts: _Counts) -> None:
    tab_col, field_col, value_cols = spec
    found = _header_row(grid, (tab_col, field_col))
    if found is None:
        _scan_headers(tab, grid, fields, counts)
        return
    r, head = found
    t, f = head.index(tab_col), head.index(field_col)
    vs = [head.index(v) for v in value_cols if v in head]
    per: dict[tuple[str, str], list[int]] = {}
    for row in grid.rows[r:]:
        values = [row[j] for j in vs if j < len(row) and row[j]]
        if not values:
            continue
        hit = fields.find(row[t] if t < len(row) else "", row[f] if f < len(row) else "")
        if hit is None:
            continue
        full, masked = _count(values, _kind(*hit))
        tally = per.setdefault((hit[0].key, hit[1].key), [0, 0])
        tally[0] += full
        tally[1] += masked
    _add_tallies(tab, per, fields, counts)


def _add_tallies(tab: str, per: Mapping[tuple[str, str], Sequence[int]], fields: _Fields,
                 counts: _Counts) -> None:
    for (fk, key), (full, masked) in per.items():
        form = fields.forms[fk]
        counts.add(form, form.field(key), tab, full, masked)


def _scan_headers(tab: str, grid: Grid, fields: _Fields, counts: _Counts) -> None:
    """A tab no form claims: the columns under the first-rows header naming the most
    sensitive fields (none: nothing to count)."""
    best: tuple[int, dict[int, tuple[FormTemplate, Field]]] | None = None
    for r, cells in enumerate(grid.head(HEADER_SCAN_ROWS), start=1):
        cols = {j: hit for j, h in enumerate(cells)
                if h.strip() and (hit := fields.find(tab, h)) is not None}
        if cols and (best is None or len(cols) > len(best[1])):
            best = (r, cols)
    if best is None:
        return
    r, cols = best
    arrays = grid.column_arrays(r + 1)
    for j, (form, fld) in cols.items():
        if j >= len(arrays):
            continue
        full, masked = _count(arrays[j].tolist(), _kind(form, fld))
        if full or masked:
            counts.add(form, fld, tab, full, masked)


# --------------------------------------------------------------------------- verdict

def assess(book: BookAudit) -> BookAudit:
    """Fill in ``book.problems`` (what must be fixed) and ``book.notes`` (what is said)."""
    book.problems, book.notes = [], []
    if book.error:
        book.problems.append(f"无法检查 {book.name}:{book.error}")
        return book
    if book.role == "hub":
        for f in book.full_fields():
            for tab, n in f.tool.items():
                book.notes.append(f"{book.name} 的“{tab}”中有 {n} 个完整的{f.label}:共享的总表"
                                  "每位协调人都能看到,工具表中的敏感信息宜遮挡显示。")
        return book
    for f in book.full_fields():
        where = f"{book.name} 有 {f.full} 个完整的{f.label}({f.where()})"
        revealed = sorted(f.keys & book.reveal)
        if f.fatal:
            book.problems.append(f"{where}:{_fix(book, revealed)}")
        else:
            book.notes.append(f"{where}:{_why(book, revealed)}")
    if book.other_county_phones:
        book.problems.append(
            f"{book.name} 有 {book.other_county_phones} 名不属于{book.county}的儿童的完整监护人"
            "电话:分表只应有本县儿童的信息。请在总表中核对这些儿童的“县”,"
            "再运行 sheets-sync sync。")
    if book.encrypt_asked and book.encrypted is False:
        book.notes.append(f"{book.name} 在 sheets-sync.toml 中要求加密(encrypt),但文件还没有"
                          "加密:下次运行 sheets-sync sync 时会加上打开密码。")
    elif (book.role == "spoke" and book.encrypted is False and not book.encrypt_asked
          and book.full_fields()):
        book.notes.append(f"{book.name} 没有打开密码,却有完整的敏感信息:建议在 sheets-sync.toml "
                          "中给这个分表写 encrypt = true(密码放在环境变量 SHEETS_SYNC_PASSWORD)。")
    return book


def _rosters(book: BookAudit) -> str:
    return f"sheets-sync report --only rosters --per-school-books {book.folder or '文件夹'}"


def _why(book: BookAudit, revealed: list[str]) -> str:
    """What a full value that fails nothing (a phone, an address, a 谈心记录 field) means."""
    if book.role == "school":
        return (f"各校花名册默认遮挡这一列;如不是有意用 --reveal 放行的,请删除这个文件后重新运行 "
                f"{_rosters(book)}。")
    if revealed:
        return "sheets-sync.toml 中这个分表的 reveal 放行了它。"
    if book.policy == "full":
        return "这个分表写了 sensitive = \"full\"(完整显示)。"
    if book.policy == "omit":
        return ("这个分表写了 sensitive = \"omit\"(不放敏感字段),本不该有这一列:"
                "请运行 sheets-sync sync。")
    return "按设置应为遮挡后的值;运行 sheets-sync sync 后会改为遮挡显示。"


def _fix(book: BookAudit, revealed: list[str]) -> str:
    """How to fix a full 身份证号 or 心理状况 outside the hub."""
    if book.role == "school":
        return f"各校花名册只应有遮挡后的值。请删除这个文件,再不带 --reveal 运行 {_rosters(book)}。"
    if book.policy == "full":
        return ("这个分表在 sheets-sync.toml 中写了 sensitive = \"full\"(完整显示)。分表会随队带到"
                "村里:请把它改成 sensitive = \"mask\"(遮挡显示)或 \"omit\"(不放敏感字段),"
                "再运行 sheets-sync sync。")
    if revealed:
        return (f"sheets-sync.toml 中这个分表的 reveal 放行了它({'、'.join(revealed)}):"
                "请从 reveal 中去掉它,再运行 sheets-sync sync。")
    if book.policy == "omit":
        return ("这个分表写了 sensitive = \"omit\"(不放敏感字段),本不该有这一列:"
                "请运行 sheets-sync sync(分表里新填的值会先完整地同步到总表)。")
    return ("分表中只应有遮挡后的值。请运行 sheets-sync sync,把它改为遮挡显示"
            "(分表里新填的值会先完整地同步到总表)。")


def privacy_tab(report: PrivacyReport) -> TabContent:
    """The hub's 隐私检查 tab: :meth:`PrivacyReport.rows`, counts only."""
    return TabContent(rows=report.rows(tab=True), header_rows=1,
                      widths={1: 24, 2: 10, 3: 18, 4: 12, 5: 17, 6: 36, 7: 8, 8: 70},
                      wrap={6, 8},
                      note="此表由 sheets-sync privacy 生成,每次运行都会重写;只列各工作簿中未遮挡"
                           "的敏感字段有多少个单元格,不含任何敏感信息本身。")
