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
from ..forms.template import Field
from ..table import Grid
from .columns import CHECKED, ColumnMap, choice_for

SKIPPED = frozenset({"(跳过)", "(空)", "跳过", "N/A"})
_OTHER_TEXT = re.compile(r"〖(.*?)〗")
_SPLIT = re.compile(r"\s*[┋|]\s*")
_UNCHECKED = frozenset({"0", "0.0", "否", "未选中", "False", "FALSE"})


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
    rows = grid.rows
    width = max((len(r) for r in rows), default=0)
    pad = [""] * width
    return [list(col) for col in zip(*(r if len(r) == width else [*r, *pad[len(r):]]
                                       for r in rows[1:]), strict=True)] \
        if rows[1:] else [[] for _ in range(width)]


def _parts(text: str, sep: str) -> list[str]:
    if sep.strip():
        pieces = [p for chunk in _SPLIT.split(text) for p in chunk.split(sep.strip())]
    else:
        pieces = [p for chunk in _SPLIT.split(text) for p in chunk.split()]
    return [p.strip() for p in pieces if p.strip()]


def answer_text(cmap: ColumnMap, key: str, raw: str) -> str:
    """One cell of the export as the field's text (see the module doc)."""
    return _field_text(cmap, cmap.form.field(key), raw)


def _field_text(cmap: ColumnMap, fld: Field, raw: str) -> str:
    s = raw.strip()
    if s in SKIPPED:
        return ""
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
    if "〖" not in s:
        return s
    m = _OTHER_TEXT.search(s)
    if m is not None:  # a text field answered by "其他〖…〗": the words written in
        return m.group(1).strip() or _OTHER_TEXT.sub("", s).strip()
    return s


def submissions(cmap: ColumnMap, grid: Grid,
                columns: list[list[str]] | None = None) -> list[Submission]:
    """Every non-empty answer row of ``grid`` (header in row 1); ``columns``: its
    :func:`column_values`, when the caller has them already.

    Column by column, each distinct cell read once (:func:`answer_text` per distinct
    text, not per cell: answers repeat — choices, the same college, the empty cell).
    """
    cols = columns if columns is not None else column_values(grid)
    n_rows = grid.n_rows - 1
    blank = [""] * n_rows

    def column(c: int | None) -> list[str]:
        return cols[c - 1] if c and c - 1 < len(cols) else blank

    keys: list[str] = []
    texts: list[list[str]] = []
    seps: dict[str, str] = {}
    for c in cmap.mapped:
        if c.option is None and c.field:
            fld = cmap.form.field(c.field)
            raw = column(c.col)
            seen = {v: _field_text(cmap, fld, v) for v in set(raw)}
            texts.append(list(map(seen.__getitem__, raw)))
            keys.append(c.field)
            seps[c.field] = "、" if fld.type == "multi_choice" else ";"
    twice = len(set(keys)) < len(keys)   # two columns of one field: their texts joined
    options = [(column(c.col), c.field or "", c.option or "") for c in cmap.mapped
               if c.option is not None]
    orders = {key: [ch.value for ch in cmap.form.field(key).choices] for _, key, _ in options}
    ids, times = column(cmap.id_col), column(cmap.time_col)
    out: list[Submission] = []
    for i, row_texts in enumerate(zip(*texts, strict=True) if texts else ((),) * n_rows):
        if not twice:
            values = {k: t for k, t in zip(keys, row_texts, strict=True) if t}
        else:
            values = {}
            for key, text in zip(keys, row_texts, strict=True):
                if not text:
                    continue
                old = values.get(key)
                if old is None:
                    values[key] = text
                elif text not in old.split("、"):
                    values[key] = f"{old}{seps[key]}{text}"
        if options:
            chosen: dict[str, list[str]] = {}
            for raw, key, option in options:
                v = raw[i].strip()
                if v in CHECKED or (v and v not in _UNCHECKED and v not in SKIPPED):
                    chosen.setdefault(key, []).append(option)
            for key, picked in chosen.items():
                order = orders[key]
                picked = sorted(dict.fromkeys(picked),
                                key=lambda p: order.index(p) if p in order else len(order))
                have = [p for p in values.get(key, "").split("、") if p]
                values[key] = "、".join(dict.fromkeys([*picked, *have]))
        if not any(values.values()):
            continue
        sid = ids[i].strip()
        sub = Submission(sid, i + 2, times[i].strip(), values)
        if not sid:
            sub.sid = "#" + hashlib.blake2b(json.dumps(sorted(values.items()), ensure_ascii=False)
                                            .encode("utf-8"), digest_size=6).hexdigest()
            sub.fingerprinted = True
        out.append(sub)
    return out
