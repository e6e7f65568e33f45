"""The project: ``sheets-sync.toml`` -> :class:`Project` (hub, spokes, forms, policies).

.. code-block:: toml

    [project]
    forms = ["child", "school"]        # the forms that sync (need a 编号 column)
    conflict_policy = "hub-wins"       # or "spoke-wins"

    [hub]
    book = "总表.xlsx"                  # or a Google spreadsheet link / "gsheet:KEY"

    [[spokes]]
    book = "满城.xlsx"
    partition = {county = "满城"}       # field key or header label = value
    encrypt = true                     # open-password from $SHEETS_SYNC_PASSWORD (or keyring);
                                       # encrypt = "MANCHENG": $SHEETS_SYNC_PASSWORD_MANCHENG
    sensitive = "mask"                 # sensitive fields masked (default), "omit" or "full"
    reveal = ["监护人电话"]              # … except these, shown in full

    [partition]                        # how a form without the partition field is routed
    expense = "brigade"                # (default: through its references, see .routes)
    budget = "hub"                     # only in the hub

    [imports."问卷星-志愿者报名表"]       # a survey export sheets-sync import brings in
    form = "volunteer"
    columns = {"9、您对活动有什么建议" = "不导入", "3、所在院系" = "学院"}

A spoke carries every synced form with a route to its partition (see :mod:`.routes`);
a whole-sensitive form (谈心记录) only when its ``forms`` names it.

Every mistake is a one-line :class:`~sheets_sync.errors.ConfigError` naming the file, the
key and the fix. Paths are relative to the folder that holds the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..books.endpoint import endpoint_problem, normalize_endpoint
from ..config import CONFIG_NAME, Program, program_from_dict, toml_error
from ..errors import ConfigError
from ..forms.template import FormTemplate, default_templates, load_templates
from .routes import HUB_ONLY, Route, find_route, why_no_route

POLICIES = ("hub-wins", "spoke-wins")
STATE_DIR = ".sheets-sync"
CONFLICT_TAB = "同步冲突"
RECYCLE_TAB = "回收站"
LOG_TAB = "同步日志"

_TOP_KEYS = {"project", "program", "hub", "spokes", "outputs", "google", "sync", "partition",
             "imports"}
_IMPORT_KEYS = {"form", "source", "columns"}
SKIP_COLUMN = "不导入"
_PROJECT_KEYS = {"name", "forms", "conflict_policy", "templates", "state_dir"}
_SPOKE_KEYS = {"book", "partition", "forms", "name", "encrypt", "sensitive", "reveal"}
SENSITIVE_POLICIES = ("mask", "omit", "full")
_OUTPUT_KEYS = {"conflicts_tab", "recycle_tab", "log_tab"}


@dataclass(frozen=True)
class BookSpec:
    """One book the project names: where it is (file path or Google link) and its name.

    ``name`` is the book as the config writes it (``满城.xlsx``, ``县/满城.xlsx``, a link):
    unique in a project, it keys the book's state (bases, pending ids, backups).
    """

    location: str
    name: str
    encrypt: bool = False
    """Written with an Excel open-password (``encrypt = true`` on a spoke)."""
    password_name: str = ""
    """Its password is ``$SHEETS_SYNC_PASSWORD_<name>`` (``""``: ``$SHEETS_SYNC_PASSWORD``)."""

    @property
    def is_google(self) -> bool:
        return self.location.startswith("gsheet:") or "docs.google.com" in self.location


@dataclass(frozen=True)
class Spoke:
    """A spoke book: the forms it holds and its partition (field key -> value)."""

    book: BookSpec
    partition: dict[str, str]
    forms: tuple[str, ...]
    routes: dict[str, dict[str, Route]] = field(default_factory=dict)
    """form -> partition key -> how a record of that form reaches the key (:mod:`.routes`)."""
    left_out: dict[str, str] = field(default_factory=dict)
    """Synced forms this spoke does not carry -> why (said every run)."""
    sensitive: str = "mask"
    """``mask``: sensitive fields are shown masked; ``omit``: not in the spoke; ``full``."""
    reveal: frozenset[str] = frozenset()
    """``"form.field"`` keys shown in full despite ``sensitive``."""
    asked: frozenset[str] = frozenset()
    """The forms its ``forms`` names (a whole-sensitive form is carried only when asked)."""


@dataclass(frozen=True)
class ImportSpec:
    """``[imports.<name>]``: a survey export's confirmed mapping (header -> field key, or
    ``不导入``), used by the next ``sheets-sync import`` without asking again."""

    name: str
    form: str
    columns: dict[str, str] = field(default_factory=dict)
    source: str = ""


@dataclass
class Project:
    """Everything a run needs to know, loaded from ``sheets-sync.toml``."""

    root: Path
    hub: BookSpec
    spokes: list[Spoke]
    forms: tuple[str, ...]
    program: Program = field(default_factory=Program)
    templates: dict[str, FormTemplate] = field(default_factory=default_templates)
    conflict_policy: str = "hub-wins"
    conflict_tab: str = CONFLICT_TAB
    recycle_tab: str = RECYCLE_TAB
    log_tab: str = LOG_TAB
    state_dir: Path | None = None
    credentials: str | None = None
    google_endpoint: str | None = None  # [google] endpoint: base URL of the Sheets API
    memory_state: bool = False
    max_delete: int | None = None
    """``[sync] max_delete``: records one book may lose in one run (default: 5 %, at least 3)."""
    """Keep the run's state in memory only (library calls on one book without a project)."""
    name: str = ""
    as_spoke: Spoke | None = None
    """A one-book project (``validate 满城.xlsx``) on a spoke of the project: that spoke
    (its masked cells are what the sync wrote, not mistakes)."""
    imports: dict[str, ImportSpec] = field(default_factory=dict)
    """``[imports.<name>]``: the survey exports' confirmed mappings."""
    config_file: Path | None = None
    """The ``sheets-sync.toml`` it was loaded from (``import`` saves a mapping there)."""

    @property
    def state_path(self) -> Path:
        """The folder of ``state.db`` and the lock (``.sheets-sync`` by default)."""
        return self.state_dir or self.root / STATE_DIR

    @property
    def books(self) -> list[BookSpec]:
        return [self.hub, *(s.book for s in self.spokes)]

    @property
    def tool_tabs(self) -> frozenset[str]:
        return frozenset({self.conflict_tab, self.recycle_tab, self.log_tab})


def _fail(file: str, key: str, fix: str) -> ConfigError:
    return ConfigError(f"{file}: {key} {fix}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(file: str, key: str, text: str) -> str:
    """``text``, refused when it holds an invisible control character (NUL, a tab …)."""
    found = _CONTROL.search(text)
    if found:
        raise _fail(file, key, f"里有不可见的控制字符 U+{ord(found.group()):04X}"
                    "(常见于从别处复制的文字):请删掉这个值重新输入。")
    return text


def _path_text(file: str, key: str, raw: Any, example: str) -> str | None:
    """A path setting: ``None`` when absent or blank, else a string without control chars."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        raise _fail(file, key, f"= {raw!r} 应为用引号括起来的路径,例如 {example}。")
    return _no_control(file, key, raw.strip())


def _book(file: str, key: str, raw: Any, root: Path) -> BookSpec:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(file, key, '应为工作簿文件名或 Google 表格链接,例如 book = "总表.xlsx"。')
    text = _no_control(file, key, raw.strip())
    spec = BookSpec(text, text)
    if spec.is_google:
        return spec
    path = Path(text)
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        raise _fail(file, key, f"= {text!r}:同步只能写入 .xlsx/.xlsm 工作簿或 Google 表格,"
                    "请在 Excel 中“另存为” .xlsx 后改用新文件。")
    full = path if path.is_absolute() else root / path
    if not _inside(full, root):
        raise _fail(file, key, f"= {text!r} 在项目文件夹 {root} 之外:请把工作簿放进项目文件夹"
                    "(可以放在子文件夹里),再写成相对于它的路径,例如 book = \"满城.xlsx\" 或 "
                    "book = \"分表/满城.xlsx\"。")
    # named (in messages and in the state store) by the path as configured, so two
    # spokes called 满城.xlsx in different folders never share a base
    return BookSpec(str(full), path.as_posix())


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in the project folder ``root`` (after ``..`` and links)."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _forms(file: str, key: str, raw: Any, templates: dict[str, FormTemplate]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) for f in raw):
        raise _fail(file, key, '应为表单列表,例如 forms = ["child", "school"]。')
    out: list[str] = []
    for name in raw:
        form = _find_form(name, templates)
        if form is None:
            raise _fail(file, key, f"中的“{name}”不是已知表单;可用:"
                        + "、".join(sorted(templates)) + "。")
        if form.id_field is None:
            raise _fail(file, key, f"中的“{name}”没有编号列(record_id),不能同步,请去掉它。")
        out.append(form.key)
    return tuple(dict.fromkeys(out))


def _find_form(name: str, templates: dict[str, FormTemplate]) -> FormTemplate | None:
    if name in templates:
        return templates[name]
    return next((t for t in templates.values() if name in t.tab_names), None)


def _partition(file: str, key: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip()
                                            for v in raw.values()):
        raise _fail(file, key, '应写成 partition = {county = "满城"}(字段 = 值)。')
    return {str(k): _no_control(file, f"{key} 的 {k}", v.strip()) for k, v in raw.items()}


def _check_partitions(file: str, spokes: list[Spoke], program: Program) -> None:
    """Each spoke holds a part nobody else holds, named in the program's own words."""
    counties = {c: c for c in program.counties}
    for canonical, synonyms in program.county_choices():
        counties.update(dict.fromkeys(synonyms, canonical))
    seen: dict[tuple[tuple[str, str], ...], str] = {}
    for i, s in enumerate(spokes):
        where = f"[[spokes]] 第 {i + 1} 项 partition"
        if not s.partition:
            raise _fail(file, where, "缺失或为空:分表只放一部分记录,请写明是哪一部分,"
                        '例如 partition = {county = "满城"}。')
        county = s.partition.get("county")
        if county is not None and county not in counties:
            raise _fail(file, where, f"的县“{county}”不是本项目的县(" + "、".join(program.counties)
                        + "):请改成其中之一,或在 [program] counties 中加上它。")
        key = tuple(sorted((k, counties.get(v, v) if k == "county" else v)
                           for k, v in s.partition.items()))
        if key in seen:
            raise _fail(file, where, f"与“{seen[key]}”相同:两个分表会拿到同样的记录,"
                        "请给每个分表写不同的 partition。")
        seen[key] = s.book.name


def _field_key(form: FormTemplate, name: str) -> str | None:
    for f in form.fields:
        if name == f.key or name in f.headers:
            return f.key
    return None


def _encrypt(file: str, key: str, raw: Any, book: BookSpec) -> BookSpec:
    """``encrypt = true`` / ``false`` / ``"NAME"`` (the password's name, not the password)."""
    from ..books.crypt import password_name_problem

    if raw is False:
        return book
    if raw is not True and (not isinstance(raw, str) or password_name_problem(raw)):
        # never echo the value: it may be the password itself
        raise _fail(file, key, password_name_problem("") + "。")
    if book.is_google:
        raise _fail(file, key, "只能用于 Excel 工作簿(.xlsx/.xlsm),Google 表格不能设置打开密码。")
    return replace(book, encrypt=True, password_name="" if raw is True else raw)


def _partition_key(name: str, forms: tuple[str, ...], templates: dict[str, FormTemplate]
                   ) -> str | None:
    """The field key a partition names (``county``, ``县`` …) in the first synced form that
    has it (``None``: no synced form has such a field)."""
    for fk in forms:
        k = _field_key(templates[fk], name)
        if k is not None:
            return k
    return None


def _policy(file: str, where: str, raw: dict[str, Any], forms: tuple[str, ...],
            templates: dict[str, FormTemplate]) -> tuple[str, frozenset[str]]:
    from ..privacy import reveal_keys

    policy = raw.get("sensitive", "mask")
    if policy not in SENSITIVE_POLICIES:
        raise _fail(file, f"{where} sensitive", f"= {policy!r} 不可用;请写 \"mask\""
                    "(敏感字段遮挡显示,默认)、\"omit\"(分表中不放敏感字段)或 \"full\"(完整显示)。")
    names = raw.get("reveal", [])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _fail(file, f"{where} reveal", '应为字段列表,例如 reveal = ["监护人电话"]。')
    try:
        keys = reveal_keys([templates[fk] for fk in forms], names)
    except ValueError as e:
        raise _fail(file, f"{where} reveal", f"中{e}") from None
    return str(policy), frozenset(keys)


def _spoke(file: str, i: int, raw: Any, root: Path, forms: tuple[str, ...],
           templates: dict[str, FormTemplate], overrides: dict[str, str]) -> Spoke:
    where = f"[[spokes]] 第 {i + 1} 项"
    if not isinstance(raw, dict):
        raise _fail(file, where, "应为一个表(table),例如 book = \"满城.xlsx\"。")
    unknown = set(raw) - _SPOKE_KEYS
    if unknown:
        raise _fail(file, f"{where} 的 {sorted(unknown)[0]}", "不是可用的键;可用:"
                    + "、".join(sorted(_SPOKE_KEYS)) + "。")
    book = _book(file, f"{where} book", raw.get("book"), root)
    if "encrypt" in raw:
        book = _encrypt(file, f"{where} encrypt", raw["encrypt"], book)
    partition = _partition(file, f"{where} partition", raw.get("partition"))
    explicit = "forms" in raw
    spoke_forms = _forms(file, f"{where} forms", raw["forms"], templates) if explicit else forms
    outside = [fk for fk in spoke_forms if fk not in forms]
    if outside:
        raise _fail(file, f"{where} forms", f"中的“{templates[outside[0]].label}”不在 [project] "
                    "forms 中:分表只能同步总表同步的表单,请把它也加到 [project] forms。")
    resolved: dict[str, str] = {}
    for name, value in partition.items():
        k = _partition_key(name, forms, templates)
        if k is None:
            raise _fail(file, f"{where} partition", f"的字段“{name}”不在任何同步的表单中;"
                        '请写成 partition = {county = "满城"}。')
        resolved[k] = value
    keep: list[str] = []
    routes: dict[str, dict[str, Route]] = {}
    left_out: dict[str, str] = {}
    for fk in spoke_forms:
        form = templates[fk]
        via = overrides.get(fk)
        if via in HUB_ONLY:
            if explicit:
                raise _fail(file, f"{where} forms", f"中有“{form.label}”,但 [partition] 写明它只在"
                            "总表中:请从这个分表的 forms 中去掉它,或改 [partition]。")
            left_out[fk] = "[partition] 写明它只在总表中"
            continue
        if form.sensitive and not explicit:
            left_out[fk] = "整张表是敏感信息,只发给在 forms 中写明它的分表"
            continue
        found = {k: find_route(fk, k, templates, forms, via=via) for k in resolved}
        missing = [k for k, r in found.items() if r is None]
        if missing:
            why = (f"[partition] {fk} = {via!r} 不能把它分到 {missing[0]}" if via else
                   why_no_route(fk, missing[0], templates, forms))
            if explicit:
                raise _fail(file, f"{where} forms", f"中的“{form.label}”分不到这个分表:{why}。"
                            "请从 forms 中去掉它,或在 [partition] 中写明按哪个字段分"
                            f"(例如 [partition] {fk} = \"所属大队\")。")
            left_out[fk] = why
            continue
        keep.append(fk)
        routes[fk] = {k: r for k, r in found.items() if r is not None}
    if not keep:
        raise _fail(file, f"{where} partition", "的字段不在任何同步的表单中;"
                    '请写成 partition = {county = "满城"}。')
    policy, reveal = _policy(file, where, raw, tuple(keep), templates)
    return Spoke(book, resolved, tuple(keep), routes, left_out, policy, reveal,
                 frozenset(spoke_forms) if explicit else frozenset())


def _overrides(file: str, raw: Any, forms: tuple[str, ...],
               templates: dict[str, FormTemplate]) -> dict[str, str]:
    """``[partition]``: form -> the field its records are routed by, or ``"hub"``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(file, "[partition]", '应为一个表,例如 [partition] 下写 expense = "所属大队"。')
    out: dict[str, str] = {}
    for name, value in raw.items():
        form = _find_form(str(name), templates)
        if form is None or form.key not in forms:
            raise _fail(file, f"[partition] {name}", "不是 [project] forms 中的表单;可用:"
                        + "、".join(forms) + "。")
        if not isinstance(value, str) or not value.strip():
            raise _fail(file, f"[partition] {name}", '应为这个表单的字段名,或 "hub"(只在总表中)。')
        v = value.strip()
        if v not in HUB_ONLY and _field_key(form, v) is None:
            raise _fail(file, f"[partition] {name}", f"= {v!r} 不是“{form.label}”的字段;"
                        "可用:" + "、".join(f.label for f in form.fields) + ",或 \"hub\"。")
        out[form.key] = v
    return out


def _imports(file: str, raw: Any, templates: dict[str, FormTemplate]) -> dict[str, ImportSpec]:
    """``[imports.<name>]`` tables: each a form and its confirmed columns."""
    if raw is None:
        return {}
    example = '例如 [imports."问卷星-志愿者报名表"] 下写 form = "volunteer"'
    if not isinstance(raw, dict):
        raise _fail(file, "[imports]", f"应为若干个表,{example}。")
    out: dict[str, ImportSpec] = {}
    for name, spec in raw.items():
        where = f"[imports.{name}]"
        if not isinstance(spec, dict):
            raise _fail(file, where, f"应为一个表(table),{example}。")
        bad = set(spec) - _IMPORT_KEYS
        if bad:
            raise _fail(file, f"{where} {sorted(bad)[0]}", "不是可用的键;可用:"
                        + "、".join(sorted(_IMPORT_KEYS)) + "。")
        form = _find_form(str(spec.get("form", "")), templates)
        if form is None:
            raise _fail(file, f"{where} form", f"= {spec.get('form')!r} 不是已知表单;可用:"
                        + "、".join(sorted(templates)) + "。")
        cols = spec.get("columns", {})
        if not isinstance(cols, dict) or not all(isinstance(v, str) for v in cols.values()):
            raise _fail(file, f"{where} columns", '应写成 columns = {"导出文件中的列名" = "字段名"}'
                        f"(字段名或“{SKIP_COLUMN}”)。")
        columns: dict[str, str] = {}
        for header, target in cols.items():
            t = target.strip()
            key = t if t == SKIP_COLUMN else _field_key(form, t)
            if key is None:
                labels = "、".join(f.label for f in form.fields)
                raise _fail(file, f"{where} columns 的“{header}”", f"= {t!r} 不是“{form.label}”的"
                            f"字段;可用:{labels},或“{SKIP_COLUMN}”。")
            columns[str(header).strip()] = key
        out[str(name)] = ImportSpec(str(name), form.key, columns, str(spec.get("source", "")))
    return out


def project_from_dict(data: dict[str, Any], root: Path, file: str = CONFIG_NAME, *,
                      templates: dict[str, FormTemplate] | None = None) -> Project:
    """Build a :class:`Project` from parsed TOML, naming the key on any mistake."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(file, f"[{sorted(unknown)[0]}]", "不是可用的部分;可用:"
                    + "、".join(sorted(_TOP_KEYS)) + "。")
    proj = data.get("project", {})
    if not isinstance(proj, dict):
        raise _fail(file, "[project]", "应为一个表(table)。")
    bad = set(proj) - _PROJECT_KEYS
    if bad:
        raise _fail(file, f"[project] {sorted(bad)[0]}", "不是可用的键;可用:"
                    + "、".join(sorted(_PROJECT_KEYS)) + "。")
    if templates is None:
        tdir = _path_text(file, "[project] templates", proj.get("templates"),
                          'templates = "表单模板"')
        templates = load_templates(root / tdir) if tdir else default_templates()
    forms = _forms(file, "[project] forms", proj.get("forms", ["child", "school"]), templates)
    policy = proj.get("conflict_policy", "hub-wins")
    if policy not in POLICIES:
        raise _fail(file, "[project] conflict_policy", f"= {policy!r} 不可用;"
                    "请写 \"hub-wins\"(总表优先)或 \"spoke-wins\"(分表优先)。")
    program_raw = data.get("program", {})
    if not isinstance(program_raw, dict):
        raise _fail(file, "[program]", "应为一个表(table)。")
    hub_raw = data.get("hub")
    if not isinstance(hub_raw, dict) or "book" not in hub_raw:
        raise _fail(file, "[hub] book", '缺失:请写明总表,例如 [hub] book = "总表.xlsx"。')
    hub = _book(file, "[hub] book", hub_raw["book"], root)
    spokes_raw = data.get("spokes", [])
    if not isinstance(spokes_raw, list):
        raise _fail(file, "[[spokes]]", '应写成多个 [[spokes]] 表,每个有 book 和 partition。')
    overrides = _overrides(file, data.get("partition"), forms, templates)
    spokes = [_spoke(file, i, s, root, forms, templates, overrides)
              for i, s in enumerate(spokes_raw)]
    seen = {hub.location}
    for s in spokes:
        if s.book.location in seen:
            raise _fail(file, "[[spokes]] book", f"“{s.book.name}”出现了两次(或与总表相同),"
                        "每个工作簿只能写一次。")
        seen.add(s.book.location)
    program = program_from_dict(program_raw, file)
    _check_partitions(file, spokes, program)
    outputs = data.get("outputs", {})
    if not isinstance(outputs, dict) or set(outputs) - _OUTPUT_KEYS:
        raise _fail(file, "[outputs]", "可用的键:" + "、".join(sorted(_OUTPUT_KEYS)) + "。")
    form_tabs = {name: t.label for t in templates.values() for name in t.tab_names}
    for key, value in outputs.items():
        if str(value) in form_tabs:
            form = form_tabs[str(value)]
            raise _fail(file, f"[outputs] {key}", f"= {str(value)!r} 是表单“{form}”"
                        "的工作表名:工具表不能和表单同名(否则表单会被当作工具表改写),"
                        "请换一个名字。")
    google = data.get("google", {})
    if not isinstance(google, dict) or set(google) - {"credentials", "endpoint"}:
        raise _fail(file, "[google]", "可用的键:credentials、endpoint。")
    credentials = _path_text(file, "[google] credentials", google.get("credentials"),
                             'credentials = "service-account.json"(服务账号密钥文件)')
    endpoint = google.get("endpoint")
    if endpoint is not None and (problem := endpoint_problem(endpoint)) is not None:
        raise _fail(file, "[google] endpoint", problem)
    state_dir = _path_text(file, "[project] state_dir", proj.get("state_dir"),
                           'state_dir = ".sheets-sync"')
    sync_raw = data.get("sync", {})
    if not isinstance(sync_raw, dict) or set(sync_raw) - {"max_delete"}:
        raise _fail(file, "[sync]", "可用的键:max_delete(一次同步每个工作簿最多允许删除的记录数)。")
    max_delete = sync_raw.get("max_delete")
    if max_delete is not None and (not isinstance(max_delete, int) or isinstance(max_delete, bool)
                                   or max_delete < 0):
        raise _fail(file, "[sync] max_delete", f"= {max_delete!r} 应为不小于 0 的整数,例如 10。")
    return Project(
        max_delete=max_delete,
        root=root, hub=hub, spokes=spokes, forms=forms,
        program=program, templates=templates,
        conflict_policy=policy,
        conflict_tab=str(outputs.get("conflicts_tab", CONFLICT_TAB)),
        recycle_tab=str(outputs.get("recycle_tab", RECYCLE_TAB)),
        log_tab=str(outputs.get("log_tab", LOG_TAB)),
        state_dir=root / state_dir if state_dir else None,
        credentials=str(root / credentials) if credentials else None,
        google_endpoint=normalize_endpoint(endpoint) if endpoint is not None else None,
        name=str(proj.get("name", "")),
        imports=_imports(file, data.get("imports"), templates),
    )


def book_project(location: str, *, base: Project | None = None,
                 templates: dict[str, FormTemplate] | None = None,
                 program: Program | None = None, state_dir: Path | None = None,
                 memory_state: bool = False) -> Project:
    """A project for one book: ``location`` as its hub, no spokes, no synced forms.

    The slices (``validate BOOK``, ``dedupe BOOK`` …) run the pipeline on it. Inside a
    project folder (``base``) it keeps the project's templates, program, outputs, Google
    settings and state folder; outside one, the defaults, with the state in a
    ``.sheets-sync`` folder beside the workbook (the current folder for a Google
    spreadsheet). The book is named by its full path (or link), so ``restore`` finds it.
    """
    text = location.strip()
    spec = BookSpec(text, text)
    if not spec.is_google:
        full = Path(text).expanduser().resolve()
        spec = BookSpec(str(full), str(full))
        if base is not None and any(b.location == str(full) for b in base.books):
            spec = next(b for b in base.books if b.location == str(full))
    elif base is not None and any(b.location == text for b in base.books):
        spec = next(b for b in base.books if b.location == text)
    if base is not None:
        spoke = next((s for s in base.spokes if s.book.location == spec.location), None)
        return replace(base, hub=spec, spokes=[], forms=(), as_spoke=spoke,
                       templates=templates if templates is not None else base.templates,
                       program=program or base.program,
                       state_dir=state_dir or base.state_dir, memory_state=memory_state)
    if state_dir is None:
        state_dir = (Path.cwd() if spec.is_google else Path(spec.location).parent) / STATE_DIR
    return Project(root=state_dir.parent, hub=spec, spokes=[], forms=(),
                   program=program or Program(),
                   templates=templates if templates is not None else default_templates(),
                   state_dir=state_dir, memory_state=memory_state)


def load_project(path: Path | str | None = None) -> Project:
    """The project of ``path`` (a ``sheets-sync.toml`` or its folder; default: cwd)."""
    p = Path(path) if path is not None else Path.cwd()
    if p.is_dir():
        p = p / CONFIG_NAME
    try:  # utf-8-sig: Windows Notepad may save "UTF-8 with BOM"
        data = tomllib.loads(p.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {p}。请在项目文件夹中运行,"
                          "或用 sheets-sync init 生成一个。") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise toml_error(p, e) from None
    project = project_from_dict(data, p.parent.resolve(), str(p))
    project.config_file = p.resolve()
    return project
