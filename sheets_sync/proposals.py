"""A proposal tab (``结对建议``, ``排班建议``): what the tool proposes, what staff decided.

Both tabs have one header row (found in the first rows, by a few labels), one row per
proposal, a ``确认`` column with the dropdown 接受 / 拒绝, then titled sections the tool
writes (what could not be done, and why). Reading one back:

* the header is found by the labels the tab must have; a tab that holds something but no
  such header is an error (the tool will not overwrite decisions it cannot read);
* columns are matched by :func:`~sheets_sync.forms.headers.header_key` to the tab's own
  headers; any other column staff added is kept, in order, as an *extra header*;
* rows are read down to the first section title; a row whose 确认 is filled in is a
  :class:`Marked` row (接受, 拒绝 or ``?`` when the word is not understood: 同意, √, 不 …
  are understood too); rows with an empty 确认 belong to the tool and are rewritten.

A decided row the tool cannot act on yet is written back as it was, with why in its 理由
(:func:`kept_cells`). Writing: the tab is replaced only when it changed
(:func:`replace_if_changed`); accepted rows are appended to their form's tab under new ids
(:func:`next_ids`, :func:`append_rows`). The modules of each tab (:mod:`sheets_sync.pairing.sheet`,
:mod:`sheets_sync.schedule.sheet`) build their own decisions from the marked rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .books.base import TabContent, WriteBatch
from .errors import SheetsSyncError
from .forms.headers import header_key
from .table import Grid, trim

CONFIRM = "确认"
REASONS = "理由"
ACCEPT, REJECT, UNCLEAR = "接受", "拒绝", "?"
HEADER_SCAN = 10
"""The header is looked for in this many first rows."""

_ACCEPT_WORDS = frozenset({"接受", "同意", "确认", "采纳", "可以", "是", "好", "√", "✓", "✔",
                           "yes", "y", "ok"})
_REJECT_WORDS = frozenset({"拒绝", "不同意", "不接受", "不采纳", "否", "不", "×", "✗", "✘",
                           "no", "n"})


def mark_of(text: str) -> str:
    """接受, 拒绝, ``?`` (not understood) or ``""`` (blank) for a 确认 cell."""
    s = unicodedata.normalize("NFKC", text).strip().lower()
    if not s:
        return ""
    if s in _ACCEPT_WORDS:
        return ACCEPT
    if s in _REJECT_WORDS:
        return REJECT
    return UNCLEAR


@dataclass
class Marked:
    """A proposal row whose 确认 staff filled in."""

    row: int                    # sheet row
    mark: str                   # ACCEPT, REJECT or UNCLEAR
    confirm: str                # 确认 as written, stripped
    cells: dict[str, str]       # header -> text, every column of the row as written


@dataclass
class Decided:
    """What an existing proposal tab holds."""

    marked: list[Marked] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)
    confirm_column: int = 0


def header_row(grid: Grid, labels: Iterable[str]) -> int | None:
    """The first of the top rows that has every one of ``labels`` (1-based)."""
    want = {header_key(x) for x in labels}
    for r, cells in enumerate(grid.head(HEADER_SCAN), start=1):
        if want <= {header_key(c) for c in cells if c.strip()}:
            return r
    return None


def read_decided(grid: Grid | None, headers: Sequence[str], *, find: Iterable[str],
                 titles: tuple[str, ...], title_columns: int, error: type[SheetsSyncError],
                 no_header: str, no_confirm: str = "") -> Decided:
    """The decided rows of an existing tab (none when there is no tab).

    ``headers``: the tab's own columns; ``find``: the labels that identify the header row;
    ``titles``: the section titles where the proposal rows end (looked for in the first
    non-blank of the first ``title_columns`` cells of a row). Raises ``error(no_header)``
    when the tab holds something but no header, ``error(no_confirm.format(row=…))`` when
    the header row has no 确认 column.
    """
    out = Decided(confirm_column=len(headers))
    if grid is None or not grid.n_rows:
        return out
    header = header_row(grid, find)
    if header is None:
        raise error(no_header)
    known = {header_key(h): h for h in headers}
    cols: dict[str, int] = {}
    for j, text in enumerate(grid.rows[header - 1], start=1):
        if not text.strip():
            continue
        name = known.get(header_key(text), text.strip())
        if name not in cols:
            cols[name] = j
            if name not in headers:
                out.extra_headers.append(name)
    if CONFIRM not in cols:
        raise error(no_confirm.format(row=header))
    out.confirm_column = cols[CONFIRM]
    for r in range(header + 1, grid.n_rows + 1):
        first = next((grid.cell(r, j).strip() for j in range(1, title_columns + 1)
                      if grid.cell(r, j).strip()), "")
        if first.startswith(titles):
            break
        cells = {name: grid.cell(r, j) for name, j in cols.items()}
        mark = mark_of(cells[CONFIRM])
        if mark:
            out.marked.append(Marked(r, mark, cells[CONFIRM].strip(), cells))
    return out


def kept_cells(cells: Mapping[str, str], blocked: str, header: Sequence[str],
               prefix: str) -> list[str]:
    """A decided row written back as it was; when it ``blocked`` (could not be acted on),
    its 理由 starts with ``prefix`` and why (replacing an earlier such note)."""
    row = dict(cells)
    if blocked:
        old = row.get(REASONS, "")
        if old.startswith(prefix):
            old = old.split("；", 1)[1] if "；" in old else ""
        row[REASONS] = f"{prefix}{blocked}" + (f"；{old}" if old else "")
    return [row.get(h, "") for h in header]


def replace_if_changed(batch: WriteBatch, grids: Mapping[str, Grid], tab: str,
                       content: TabContent) -> None:
    """Replace ``tab`` with ``content`` unless it already shows exactly that."""
    old = grids.get(tab)
    if old is None or old.rows != trim([list(r) for r in content.rows]):
        batch.replace_tab(tab, content)


def next_ids(existing: Iterable[str], prefix: str, n: int) -> list[str]:
    """``n`` new ids after the highest ``prefix`` + digits in ``existing`` (at least 4 digits,
    as wide as the widest there)."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    nums = [m.group(1) for s in existing if (m := pattern.fullmatch(s.strip().upper()))]
    top = max((int(x) for x in nums), default=0)
    width = max([4, *(len(x) for x in nums)])
    return [f"{prefix}{top + k:0{width}d}" for k in range(1, n + 1)]


def append_rows(batch: WriteBatch, grids: Mapping[str, Grid], values: Sequence[dict[str, str]],
                *, tab: str | None, columns: Mapping[str, int], next_row: int, label: str,
                labels: Mapping[str, str], required: Mapping[str, str], what: str,
                error: type[SheetsSyncError]) -> None:
    """Accepted rows (field key -> text) appended to their form's tab.

    ``tab``/``columns``/``next_row``: where the form's tab is (``tab`` None: the book has no
    such tab yet, and ``label`` is created with the ``labels`` of the template as header —
    unless a tab of that name holds rows without a header it knows, an error). ``required``:
    key -> column name that must be in the header for the rows to be written; ``what``
    (结对, 排班) names what is being written in the message."""
    if tab is None:
        if label in grids and grids[label].n_rows:
            raise error(f"“{label}”表中找不到表头:请在第 1 行写上 "
                        + "、".join(labels.values()) + " 后重新运行。")
        keys = [k for k in labels if any(k in v for v in values)]
        rows = [[labels[k] for k in keys]] + [[v.get(k, "") for k in keys] for v in values]
        batch.replace_tab(label, TabContent(rows=rows, header_rows=1))
        return
    missing = [name for k, name in required.items() if k in values[0] and k not in columns]
    if missing:
        raise error(f"“{tab}”表缺少" + "、".join(f"“{m}”" for m in missing)
                    + f"列:请在表头行加上后重新运行,确认的{what}才能写入。")
    for i, v in enumerate(values):
        for k, col in columns.items():
            if v.get(k):
                batch.set_cell(tab, next_row + i, col, v[k])


__all__ = ["ACCEPT", "CONFIRM", "HEADER_SCAN", "REASONS", "REJECT", "UNCLEAR", "Decided",
           "Marked", "append_rows", "header_row", "kept_cells", "mark_of", "next_ids",
           "read_decided", "replace_if_changed"]
