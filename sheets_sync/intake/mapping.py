"""The 导入映射 tab and ``[imports.<name>]``: what a person says an export's columns are.

An export column that no field's label or alias names is listed once in the hub's
导入映射 tab, one row per column: the import's name, the form, the column as exported, one
answer from it (digits masked) and a dropdown 对应字段 of the form's fields and 不导入.
Staff choose, and the next ``sheets-sync import`` takes their choice, saves it in
``sheets-sync.toml`` under ``[imports.<name>] columns`` (comments and layout of the file
kept, through tomlkit) and says so in the row's 说明. From then on the saved mapping is used
without asking; a column the export gains later is asked about the same way.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..books.base import TabContent, WriteBatch
from ..errors import ConfigError
from ..forms.template import FormTemplate
from ..table import Grid
from .columns import SKIP, Column

TAB = "导入映射"
HEADER = ("导入", "表单", "列", "示例", "对应字段", "说明")
NOTE = ("导入问卷时认不出的列,每列一行。请在“对应字段”中选这一列是表单的哪个字段,"
        "或选“不导入”;再运行一次 sheets-sync import,选好的对应关系会保存到 sheets-sync.toml,"
        "以后导入同一份问卷不再询问。")
ASKING = "待确认:请在“对应字段”中选择"
_DIGITS = re.compile(r"\d")


def masked_sample(text: str) -> str:
    """An answer shown in 导入映射: long digit runs (phones, ID numbers) masked."""
    s = text.strip()[:30]
    if len(_DIGITS.findall(s)) >= 7:
        seen = 0
        out = []
        for ch in s:
            if ch.isdigit():
                seen += 1
                out.append(ch if seen <= 3 else "*")
            else:
                out.append(ch)
        return "".join(out)
    return s


def _rows(grid: Grid | None) -> list[dict[str, str]]:
    if grid is None or not grid.n_rows:
        return []
    head = [h.strip() for h in grid.rows[0]]
    return [{h: (r[j] if j < len(r) else "").strip() for j, h in enumerate(head) if h}
            for r in grid.rows[1:]]


def confirmed(grid: Grid | None, name: str) -> dict[str, str]:
    """Column -> 对应字段 (a field label or 不导入) that staff chose for import ``name``."""
    return {v.get("列", ""): v["对应字段"] for v in _rows(grid)
            if v.get("导入") == name and v.get("对应字段") and v.get("列")}


def plan_tab(batch: WriteBatch, grids: Mapping[str, Grid], name: str, form: FormTemplate,
             asking: list[Column], notes: Mapping[str, str],
             templates: Mapping[str, FormTemplate]) -> None:
    """Add ``asking`` (columns not listed yet) and set 说明 of listed rows (column -> text).

    The tab is written whole (it is small): every row it held kept as it was, the 对应字段
    dropdown listing the fields of every form its rows name, and 不导入.
    """
    grid = grids.get(TAB)
    rows = _rows(grid)
    listed = {(v.get("导入", ""), v.get("列", "")) for v in rows}
    new = [{"导入": name, "表单": form.label, "列": c.header, "示例": masked_sample(c.sample),
            "对应字段": "", "说明": ASKING} for c in asking if (name, c.header) not in listed]
    changed = bool(new)
    for v in rows:
        if v.get("导入") == name and v.get("列") in notes and v.get("说明") != notes[v["列"]]:
            v["说明"] = notes[v["列"]]
            changed = True
    if not changed:
        return
    rows += new
    by_label = {t.label: t for t in templates.values()}
    forms = [by_label[label] for label in dict.fromkeys(v.get("表单", "") for v in rows)
             if label in by_label] or [form]
    choices = list(dict.fromkeys(f.label for t in forms for f in t.fields
                                 if f.type != "record_id"))
    content = TabContent(rows=[list(HEADER), *([v.get(h, "") for h in HEADER] for v in rows)],
                         header_rows=1, note=NOTE,
                         widths={1: 22, 2: 20, 3: 34, 4: 18, 5: 18, 6: 44},
                         choices={5: [*choices, SKIP]}, wrap={3, 6})
    batch.replace_tab(TAB, content)


def save_mapping(config: Path, name: str, form: str, source: str,
                 columns: Mapping[str, str]) -> None:
    """Write ``[imports.<name>]`` into ``config`` (its comments and layout kept), atomically."""
    import tomlkit

    try:
        text = config.read_bytes().decode("utf-8-sig")
        doc = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError) as e:
        raise ConfigError(f"{config}: 无法保存导入映射([imports.{name}]):{e}。"
                          "请检查文件后重新运行 sheets-sync import。") from None
    imports = doc.get("imports")
    if imports is None:
        imports = tomlkit.table(is_super_table=True)
        doc["imports"] = imports
    table = imports.get(name)
    if table is None:
        table = tomlkit.table()
        imports[name] = table
    table["form"] = form
    if source:
        table["source"] = source
    cols = tomlkit.inline_table()
    old = table.get("columns") or {}
    for header, target in {**dict(old), **dict(columns)}.items():
        cols[str(header)] = str(target)
    table["columns"] = cols
    fd, tmp = tempfile.mkstemp(prefix=".sheets-sync-", suffix=".toml", dir=config.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(tomlkit.dumps(doc))
        os.replace(tmp, config)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
