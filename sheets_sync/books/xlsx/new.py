"""New workbooks: the one module that creates ``.xlsx`` files from the tool's data.

* :func:`write_tabs` — generated tabs (rosters for a school's teachers …), drawn by
  XlsxWriter through :mod:`.render`: text cells whatever their first character, numbers with
  their formats, formulas only where a tab asks, merges, print setup, charts, dropdowns.
* :func:`write_workbook` — plain grids of text (the demo, tests): XlsxWriter too, every
  value a string cell (``write_string``), a bold frozen header, widths, whole columns
  formatted as Text, a merged title row where asked.
* :func:`new_workbook` — the XlsxWriter workbook both use (and the blank ``.xlsm`` forms,
  :mod:`sheets_sync.blank`): strings are never turned into numbers, formulas or links.

Both refuse a tab name Excel cannot hold and a workbook open in Excel, and save atomically
(:mod:`.safety`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO

import xlsxwriter  # type: ignore[import-untyped]

from ...errors import BookError
from ..base import TabContent
from .graft import ask_recalc, without_formula_results
from .package import Edit, sheet_entries, workbook_part
from .patch import MAX_CELL_CHARS, stored
from .render import Formats, estimate_widths, render_tab
from .safety import atomic_save, check_tab_name, refuse_if_locked

__all__ = ["new_workbook", "write_tabs", "write_workbook"]


def write_tabs(path: Path | str, tabs: Mapping[str, TabContent]) -> None:
    """Create a new ``.xlsx`` at ``path`` holding ``tabs`` (tool-owned layout), atomically.

    For generated workbooks (a school's roster): drawn by XlsxWriter (:mod:`.xlsx.render`),
    so number formats, merges, print settings and charts are kept. An existing file is
    replaced, unless it is open in Excel or LibreOffice.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    refuse_if_locked(path)
    seen: set[str] = set()
    for name in tabs:
        check_tab_name(name, seen)

    def save(target: Path) -> None:
        wb = new_workbook(str(target))
        formats = Formats(wb)
        for name, content in tabs.items():
            render_tab(wb.add_worksheet(name), name, content, formats)
        if not tabs:
            wb.add_worksheet("Sheet1")
        wb.set_calc_mode("auto")
        wb.close()
        _ask_full_calc(target)

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save(save, path)


def _ask_full_calc(target: Path) -> None:
    """Mark the new file for a full recalculation on open (its formulas have no results)."""
    with zipfile.ZipFile(target) as z:
        edit = Edit(z)
        wb_part = workbook_part(edit)
        ask_recalc(edit, wb_part)
        for entry in sheet_entries(edit, wb_part):
            if entry.kind == "worksheet":
                edit.put(entry.part, without_formula_results(edit.read(entry.part)))
        scratch = target.with_name(target.name + ".calc")
        edit.save(scratch)
    scratch.replace(target)


def write_workbook(
    path: Path | str,
    tabs: Mapping[str, list[list[str]]],
    *,
    text_columns: Mapping[str, Iterable[int]] | None = None,
    titles: Mapping[str, int] | None = None,
) -> None:
    """Create a new ``.xlsx`` at ``path`` from grids of text, atomically (XlsxWriter).

    Every cell is a string cell (``write_string``: ``=…`` stays text); row 1 of each tab
    is a bold, frozen header; columns are sized to their content. ``text_columns`` maps a
    tab to 1-based columns formatted as Text (``@``), the whole column, so that what staff
    type there later (ID and phone numbers) stays text. ``titles`` maps a tab whose row 1
    is a title to the number of columns it spans: the title is merged across them and the
    panes are frozen below the header in row 2. An existing file at ``path`` is replaced,
    unless it is open in Excel or LibreOffice.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"只能新建 .xlsx 工作簿,而 {path.name} 不是。请把文件名改为以 .xlsx 结尾。")
    refuse_if_locked(path)
    tabs = tabs or {"Sheet1": []}
    seen: set[str] = set()
    for name in tabs:
        check_tab_name(name, seen)
    for name, rows in tabs.items():
        for i, row in enumerate(rows, start=1):
            for j, text in enumerate(row, start=1):
                if text and len(text) > MAX_CELL_CHARS:
                    stored(text, name, i, j)  # raises, naming the cell
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_save(lambda tmp: _write_grids(tmp, tabs, text_columns or {}, titles or {}), path)


HEADER_FILL = "#DDEBF7"


def new_workbook(target: Path | str | IO[bytes]) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that never turns a string into a number, formula or link."""
    return xlsxwriter.Workbook(target, {"strings_to_numbers": False,
                                        "strings_to_formulas": False,
                                        "strings_to_urls": False})


def _write_grids(path: Path, tabs: Mapping[str, list[list[str]]],
                 text_columns: Mapping[str, Iterable[int]], titles: Mapping[str, int]) -> None:
    wb = new_workbook(str(path))
    header = wb.add_format({"bold": True, "bg_color": HEADER_FILL})
    text = wb.add_format({"num_format": "@"})
    for name, rows in tabs.items():
        ws = wb.add_worksheet(name)
        text_cols = {j - 1 for j in text_columns.get(name, ())}
        widths = estimate_widths(rows)
        for j in sorted({j - 1 for j in widths} | text_cols):
            ws.set_column(j, j, widths.get(j + 1, 9.0), text if j in text_cols else None)
        head_rows = 2 if name in titles else 1
        write = ws.write_string
        for i, row in enumerate(rows):
            if i < head_rows:
                for j, value in enumerate(row):
                    if value:
                        write(i, j, value, header)
                continue
            for j, value in enumerate(row):
                if value:
                    write(i, j, value, text if j in text_cols else None)
        span = titles.get(name, 0)
        if span > 1 and rows:
            title = rows[0][0] if rows[0] else ""
            ws.merge_range(0, 0, 0, span - 1, title, header)
        if rows:
            ws.freeze_panes(head_rows if len(rows) >= head_rows else 1, 0)
    wb.close()
