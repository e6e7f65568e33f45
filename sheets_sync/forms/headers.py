"""Finding a form in a tab: which form, which row holds the headers, which column is which.

Staff type headers many ways: ``监护人 电话``, ``监护人电话(必填)``, ``*监护人电话:``,
``监护人电话号码``. :func:`header_key` reduces each to one comparable key; a form's labels
and aliases are reduced the same way. The header row may sit under a title row (or a
merged title); the first rows are scanned and the one naming the most fields wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..table import Grid
from .template import Field, FormTemplate

RESULT_COLUMN = "校验结果"

#: Tabs the tool writes itself; never read as forms (a roster has a child form's headers).
TOOL_TABS = frozenset({"校验问题", "疑似重复", "同步冲突", "回收站", "同步日志", "结对建议",
                       "年级统计", "建档完整率", "预算汇总", "经费结算表", "排班建议", "排班表",
                       "导入映射", "问卷统计", "出勤统计", "联系情况", "待办", "安全日志"})
#: Columns ``sheets-sync import`` adds to a form tab (where each answer came from): kept
#: with the row, never a field, never reported as an unknown column.
PROVENANCE_COLUMNS = frozenset({"导入来源", "提交编号", "提交时间"})
TOOL_TAB_PREFIXES = ("花名册-", "签到表-")
HEADER_SCAN_ROWS = 10
TOTAL_MARKERS = frozenset({"合计", "总计", "小计", "合 计", "总 计"})
_TOTALS = frozenset({"合计", "总计", "小计", "总合计", "本页合计", "本页小计", "累计", "共计",
                     "合计金额", "合计(元)", "总计(元)", "小计(元)"})
_TOTAL_NOISE = re.compile(r"[\s:]+")

_REQUIRED_MARK = re.compile(r"[((]\s*(必填|必须填写|必填项|选填|可选)\s*[))]")
_NOISE = re.compile(r"[\s*:：＊★·\-_—]+")


def is_tool_tab(name: str) -> bool:
    """Whether ``name`` is a tab the tool generates (problems, reports, rosters …)."""
    return name in TOOL_TABS or name.startswith(TOOL_TAB_PREFIXES)


def header_key(text: str) -> str:
    """A header reduced for matching.

    NFKC; no spaces, ``*`` or colons; no ``(必填)``; 号码→号 and 电话号→电话.
    """
    s = unicodedata.normalize("NFKC", text)
    s = _REQUIRED_MARK.sub("", s)
    s = _NOISE.sub("", s)
    s = s.replace("号码", "号").replace("电话号", "电话")
    return s.lower()


def tab_key(text: str) -> str:
    """A tab name reduced for matching (as header_key, and ``表`` suffix optional)."""
    return header_key(text).removesuffix("表")


@dataclass
class TabLayout:
    """Where a form sits in a tab."""

    tab: str
    form: FormTemplate
    header_row: int                              # sheet row of the headers (1-based)
    columns: dict[str, int]                      # field key -> sheet column (1-based)
    headers: dict[int, str]                      # sheet column -> header as written
    unknown: list[int] = field(default_factory=list)      # columns no field knows
    duplicates: list[int] = field(default_factory=list)   # a second column for one field
    result_column: int | None = None             # existing 校验结果 column

    @property
    def n_matched(self) -> int:
        return len(self.columns)

    def missing_required(self) -> list[Field]:
        return [f for f in self.form.fields if f.required and f.key not in self.columns]


def _index(form: FormTemplate) -> dict[str, str]:
    idx: dict[str, str] = {}
    for f in form.fields:
        for h in f.headers:
            idx.setdefault(header_key(h), f.key)
    return idx


def layout_from_header(tab: str, form: FormTemplate, header_row: int,
                       cells: list[str]) -> TabLayout:
    idx = _index(form)
    lay = TabLayout(tab=tab, form=form, header_row=header_row, columns={}, headers={})
    for j, raw in enumerate(cells, start=1):
        if not raw.strip():
            continue
        lay.headers[j] = raw
        key = header_key(raw)
        if key == header_key(RESULT_COLUMN):
            lay.result_column = j
            continue
        if raw.strip() in PROVENANCE_COLUMNS:
            continue
        fkey = idx.get(key)
        if fkey is None:
            lay.unknown.append(j)
        elif fkey in lay.columns:
            lay.duplicates.append(j)
        else:
            lay.columns[fkey] = j
    return lay


def find_layout(tab: str, grid: Grid, form: FormTemplate) -> TabLayout | None:
    """The best header row for ``form`` among the first rows of ``grid`` (None: no match)."""
    best: TabLayout | None = None
    for r, cells in enumerate(grid.head(HEADER_SCAN_ROWS), start=1):
        lay = layout_from_header(tab, form, r, cells)
        if best is None or lay.n_matched > best.n_matched:
            best = lay
    if best is None or best.n_matched == 0:
        return None
    return best


def detect_form(tab: str, grid: Grid, templates: dict[str, FormTemplate]) -> TabLayout | None:
    """Which form a tab holds: by tab name first, else by the headers it carries.

    A tab named after a form (label or alias, ``表`` optional) is that form. Otherwise the
    form whose fields name the most header cells wins, if it names at least three and at
    least half of the row's headers.
    """
    key = tab_key(tab)
    for form in templates.values():
        if key in {tab_key(n) for n in form.tab_names}:
            return find_layout(tab, grid, form)
    best: TabLayout | None = None
    for form in templates.values():
        lay = find_layout(tab, grid, form)
        if lay and (best is None or lay.n_matched > best.n_matched):
            best = lay
    if best is None or best.n_matched < 3:
        return None
    if best.n_matched * 2 < len(best.headers) - (1 if best.result_column else 0):
        return None
    return best


@dataclass
class TabData:
    """The records of one form tab: raw text columns keyed by field, with sheet rows."""

    layout: TabLayout
    rows: np.ndarray                 # sheet row number of each record (int64)
    columns: dict[str, pd.Series]    # field key -> raw text (object dtype), 0..n-1 index
    results: list[str]               # current 校验结果 text of each record ("" if none)

    @property
    def n(self) -> int:
        return len(self.rows)


def _total_key(text: str) -> str:
    return _TOTAL_NOISE.sub("", unicodedata.normalize("NFKC", text))


def _total_rows(cols: list[np.ndarray]) -> np.ndarray:
    """Rows where one of ``cols`` says 合计/小计/总计 (spaces and a trailing colon ignored).

    A column without any 计 is skipped after one search of its joined text.
    """
    out = np.zeros(len(cols[0]) if cols else 0, dtype=bool)
    for c in cols:
        cells = c.tolist()
        try:
            joined = "".join(cells)
        except TypeError:  # a cell that is not text
            cells = [str(v) for v in cells]
            joined = "".join(cells)
        if "计" not in joined:
            continue
        for i, text in enumerate(cells):
            if "计" in text and _total_key(text) in _TOTALS:
                out[i] = True
    return out


def tab_data(grid: Grid, layout: TabLayout) -> TabData:
    """Cut the records out of a grid: rows under the header, blank rows and total rows skipped.

    A total row (合计, 小计, 总计 … in one of the first three columns, :func:`_total_rows`)
    is no record, at the end or between the records (a 小计 per brigade).

    A copy of the header row further down (pasted with a block of rows) is no record either.
    Column-wise on the grid's column arrays: no Python work per cell.
    """
    first = layout.header_row + 1
    cols = grid.column_arrays(first)
    n_body = len(cols[0]) if cols else 0
    if n_body:
        filled = np.logical_or.reduce([c != "" for c in cols])
        mapped = [(col, layout.headers.get(col, "")) for col in layout.columns.values()
                  if col <= len(cols) and layout.headers.get(col, "")]
        if len(mapped) >= 2:
            filled &= ~np.logical_and.reduce([cols[col - 1] == text for col, text in mapped])
        keep = np.nonzero(filled)[0]
    else:
        keep = np.zeros(0, dtype=np.int64)
    if len(keep):
        keep = keep[~_total_rows([c[keep] for c in cols[:3]])]
    n = len(keep)
    blank = np.full(n, "", dtype=object)
    whole = n == n_body

    def column(col: int) -> pd.Series:
        if col > len(cols):
            return pd.Series(blank, dtype=object, copy=False)
        c = cols[col - 1]
        return pd.Series(c if whole else c[keep], dtype=object, copy=False)

    columns = {fkey: column(col) for fkey, col in layout.columns.items()}
    rc = layout.result_column
    results = column(rc).tolist() if rc else [""] * n
    return TabData(layout=layout, rows=(keep + first).astype(np.int64), columns=columns,
                   results=results)


class Parsed:
    """The form tabs one run has parsed, by the grid they were parsed from.

    The pipeline reads each book once and hands every step the same :class:`Grid` objects
    for the tabs no step has changed; with one ``Parsed`` for the run, a tab's form and
    header row (:func:`detect_form`) and its records (:func:`tab_data`) are worked out once
    and shared by the sync step, the validation and everything that reads the validation
    (duplicates, reports, pairing). A tab a step changed is a new grid, parsed again.
    """

    def __init__(self) -> None:
        self._forms: dict[tuple[str, int], tuple[Grid, TabLayout | None]] = {}
        self._data: dict[tuple[int, int], tuple[Grid, TabLayout, TabData]] = {}
        self.parsed = 0   # tabs parsed (the cache's misses), for tests

    def detect(self, tab: str, grid: Grid, templates: dict[str, FormTemplate]
               ) -> TabLayout | None:
        hit = self._forms.get((tab, id(grid)))
        if hit is not None and hit[0] is grid:
            return hit[1]
        lay = detect_form(tab, grid, templates)
        self._forms[(tab, id(grid))] = (grid, lay)
        return lay

    def data(self, grid: Grid, layout: TabLayout) -> TabData:
        hit = self._data.get((id(grid), id(layout)))
        if hit is not None and hit[0] is grid and hit[1] is layout:
            return hit[2]
        data = tab_data(grid, layout)
        self.parsed += 1
        self._data[(id(grid), id(layout))] = (grid, layout, data)
        return data

