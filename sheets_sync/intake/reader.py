"""Read a survey export (.xlsx/.xls/.csv, through :mod:`sheets_sync.books`) into answers.

Every cell arrives as text (the books' invariant), so a phone number or an 18-digit ID
number in the export keeps every digit. Each data row is one :class:`Submission`: its
number in the tool (or, for a plain table without one, a fingerprint of its answers), when
it was submitted, and each mapped field's text, with the tool's ways of writing answers
undone: ``数学┋音乐`` and one 0/1 column per option become ``数学、音乐``; ``其他〖书法〗``
is the choice 其他 (the words in 〖〗 kept for a text field); ``(跳过)`` is empty.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..books import open_book
from ..errors import SheetsSyncError
from ..table import Grid
from .columns import CHECKED, ColumnMap, choice_for

SKIPPED = frozenset({"(跳过)", "(空)", "跳过", "N/A"})
_OTHER_TEXT = re.compile(r"〖(.*?)〗")
_SPLIT = re.compile(r"\s*[┋|]\s*")


@dataclass
class Submission:
    """One answer in the export."""

    sid: str
    row: int                    # the export's sheet row
    submitted: str = ""
    values: dict[str, str] = field(default_factory=dict)
    fingerprinted: bool = False  # no answer number in the export: named by its answers


def read_export(path: Path | str) -> tuple[str, Grid]:
    """The export's answer tab (its first tab with a header and a row): (tab, grid)."""
    p = Path(path)
    if not p.exists():
        raise SheetsSyncError(f"找不到导出文件 {p}:请检查路径"
                              "(从问卷工具下载的 Excel 或 CSV 文件)。")
    grids = open_book(p).read()
    for tab, grid in grids.items():
        if grid.n_rows >= 1 and any(c.strip() for c in grid.rows[0]):
            return tab, grid
    raise SheetsSyncError(f"{p.name} 是空的:没有表头,也没有答卷。请重新从问卷工具导出。")


def column_values(grid: Grid) -> list[list[str]]:
    """Each column's cells below the header (for telling option columns apart)."""
    width = max((len(r) for r in grid.rows), default=0)
    cols: list[list[str]] = [[] for _ in range(width)]
    for r in grid.rows[1:]:
        for j in range(width):
            cols[j].append(r[j] if j < len(r) else "")
    return cols


def _parts(text: str, sep: str) -> list[str]:
    if sep.strip():
        pieces = [p for chunk in _SPLIT.split(text) for p in chunk.split(sep.strip())]
    else:
        pieces = [p for chunk in _SPLIT.split(text) for p in chunk.split()]
    return [p.strip() for p in pieces if p.strip()]


def answer_text(cmap: ColumnMap, key: str, raw: str) -> str:
    """One cell of the export as the field's text (see the module doc)."""
    s = raw.strip()
    if s in SKIPPED:
        return ""
    fld = cmap.form.field(key)
    if cmap.shape.key in {"kobo", "odk"} and fld.choices:  # XML values: the XLSForm's names
        from .xlsform import choice_names

        names = choice_names(fld)
        s = " ".join(names.get(p, p) for p in s.split()) if fld.type == "multi_choice" \
            else names.get(s, s)
    if fld.type == "multi_choice":
        out: list[str] = []
        for part in _parts(s, cmap.shape.multi_sep):
            base = _OTHER_TEXT.sub("", part).strip()
            value = choice_for(fld, base) or base
            if value and value not in out:
                out.append(value)
        return "、".join(out)
    if fld.type in {"choice", "bool_zh"}:
        base = _OTHER_TEXT.sub("", s).strip()
        return choice_for(fld, base) or base
    m = _OTHER_TEXT.search(s)
    if m is not None:  # a text field answered by "其他〖…〗": the words written in
        return m.group(1).strip() or _OTHER_TEXT.sub("", s).strip()
    return s


def submissions(cmap: ColumnMap, grid: Grid) -> list[Submission]:
    """Every non-empty answer row of ``grid`` (header in row 1)."""
    out: list[Submission] = []
    plain = [c for c in cmap.mapped if c.option is None]
    options = [c for c in cmap.mapped if c.option is not None]
    # answers of a choice question repeat: each distinct one is read once
    choosy = {c.field for c in plain if c.field and cmap.form.field(c.field).choices}
    memo: dict[tuple[str, str], str] = {}
    for r, row in enumerate(grid.rows[1:], start=2):
        def cell(col: int, row: list[str] = row) -> str:
            return row[col - 1] if 0 < col <= len(row) else ""

        values: dict[str, str] = {}
        for c in plain:
            raw = cell(c.col)
            if c.field in choosy:
                text = memo.get((c.field or "", raw))
                if text is None:
                    text = memo[(c.field or "", raw)] = answer_text(cmap, c.field or "", raw)
            else:
                text = answer_text(cmap, c.field or "", raw)
            if not text:
                continue
            old = values.get(c.field or "")
            if old and text not in old.split("、"):
                sep = "、" if cmap.form.field(c.field or "").type == "multi_choice" else ";"
                values[c.field or ""] = f"{old}{sep}{text}"
            elif not old:
                values[c.field or ""] = text
        chosen: dict[str, list[str]] = {}
        for c in options:
            v = cell(c.col).strip()
            if v in CHECKED or (v and v not in {"0", "0.0", "否", "未选中", "False", "FALSE"}
                                and v not in SKIPPED):
                chosen.setdefault(c.field or "", []).append(c.option or "")
        for key, picked in chosen.items():
            fld = cmap.form.field(key)
            order = [ch.value for ch in fld.choices]
            picked = sorted(dict.fromkeys(picked),
                            key=lambda p: order.index(p) if p in order else len(order))
            have = [p for p in values.get(key, "").split("、") if p]
            values[key] = "、".join(dict.fromkeys([*picked, *have]))
        if not any(values.values()):
            continue
        sid = cell(cmap.id_col).strip() if cmap.id_col else ""
        sub = Submission(sid, r, cell(cmap.time_col).strip() if cmap.time_col else "", values)
        if not sid:
            sub.sid = "#" + hashlib.blake2b(json.dumps(sorted(values.items()), ensure_ascii=False)
                                            .encode("utf-8"), digest_size=6).hexdigest()
            sub.fingerprinted = True
        out.append(sub)
    return out
