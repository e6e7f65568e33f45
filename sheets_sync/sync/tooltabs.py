"""The tool tabs every step shares: 同步冲突, 回收站, 同步日志.

One header each, one clock (the run's time, :func:`~.state.now`), one timestamp format.
They are append-only: a run adds rows below the last one (an existing tab gets only the
new cells, so a year of runs does not rewrite a year of rows), and nothing the tool does
removes a row from them. A record that leaves a form tab — deleted, moved to another
spoke, or merged into another record (是同一人) — is one 回收站 row with every value it
held, whichever step moved it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..books.base import TabContent, WriteBatch
from ..table import Grid

CONFLICT_HEADER = ["时间", "运行", "表单", "编号", "字段", "保留的值", "来自", "未采用的值",
                   "来自", "原值", "说明"]
RECYCLE_HEADER = ["时间", "运行", "表单", "编号", "处理", "原所在工作簿", "原位置",
                  "内容(表头:值)"]
LOG_HEADER = ["时间", "运行", "结果", "新增", "修改单元格", "移出", "删除", "冲突", "新编号",
              "说明"]
NOTES = {
    "conflicts": "两边都改了同一个单元格时,保留的值和未采用的值都记在这里。",
    "recycle": "删除、移走或合并掉的记录,完整保留;需要时可复制回原表。",
    "log": "每次运行一行。",
}


def content_text(cells: Iterable[tuple[str, str]]) -> str:
    """``表头:值;表头:值`` of a record's non-empty cells (the 回收站 内容 column)."""
    return ";".join(f"{h}:{t}" for h, t in cells if t)


def recycle_row(at: str, run_id: int, form: str, record_id: str, action: str, book: str,
                where: str, cells: Iterable[tuple[str, str]]) -> list[str]:
    """One 回收站 row: ``action`` is ``删除于 X``, ``移到 X`` or ``合并到 C0001``."""
    return [at, str(run_id), form, record_id, action, book, where, content_text(cells)]


def recycled_keys(grid: Grid | None) -> set[tuple[str, str, str]]:
    """(表单, 编号, kind) of the rows a 回收站 already holds (kind: ``移到 X`` or ``删除``).

    A re-run after a crash, or a sync after a merge, adds no second row for the same event.
    """
    out: set[tuple[str, str, str]] = set()
    if grid is None:
        return out
    for r in grid.padded()[1:]:
        if len(r) > 4:
            out.add((r[2], r[3], r[4] if r[4].startswith("移到 ") else "删除"))
    return out


def append_rows(batch: WriteBatch, grids: Mapping[str, Grid], tab: str, header: list[str],
                rows: list[list[str]], note: str = "") -> None:
    """Add ``rows`` to the tool tab ``tab`` (as ``grids`` hold it), creating it with ``header``."""
    if not rows:
        return
    if tab in grids and grids[tab].n_rows:
        start = grids[tab].n_rows + 1
        for i, row in enumerate(rows):
            for j, text in enumerate(row, start=1):
                if text:
                    batch.set_cell(tab, start + i, j, text)
        return
    batch.replace_tab(tab, TabContent(rows=[header, *rows], note=note))
