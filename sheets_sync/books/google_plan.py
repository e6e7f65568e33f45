"""Planning a Google write: a :class:`WriteBatch` -> ``spreadsheets.batchUpdate`` requests.

A write holds only what the batch holds: each changed cell as ``updateCells`` with a
``stringValue`` (``=HYPERLINK(…)``, ``+1``, ``0042`` stay text), runs of adjacent cells
merged; ``appendDimension`` first where a cell lies outside the grid. A tool-owned tab is
rebuilt in place (same sheet id, so links to it keep working) or added with ``addSheet``
under a sheet id chosen here, so later requests of the same batch can reference it:
content, ``formulaValue`` only for :attr:`TabContent.formulas`, a bold shaded frozen
header, column widths, the note on A1 and a warning-only protected range; and the report
layout ExcelBook writes: ``numbers`` as ``numberValue`` with a number format (formula
cells too), section rows styled like the header, bold rows, merges (after the values),
dropdowns (``ONE_OF_LIST``, warning only; the protection leaves their cells out, as
staff are meant to fill them) and column charts. A rebuilt tab first loses
its old charts (``deleteEmbeddedObject``; their ids come with the tab list) and merges.
``print_setup`` has no Sheets API equivalent (printing is set in the print dialog) and
is ignored. Deleted tabs go first (the room they free is there for the rest) unless
the batch also writes them or they are the last visible ones. Google applies a
batchUpdate atomically and refuses a body over 10 MB: a dense block of cells is cut
into ``updateCells`` requests of about 1 MB, and only a batch over ~9 MB is split into
several (each atomic; the error then says a re-run completes it). Limits Google would
refuse are refused here first, in Chinese,
before anything is sent: a cell over 50,000 characters, a tab over 18,278 columns, a
spreadsheet over 10,000,000 cells, an empty tab name or two that differ only in case, a
merge across the frozen header. Column widths lie inside the grid (it is grown first).

Planning needs only the tab list (:class:`SpreadsheetInfo`, from ``spreadsheets.get``),
so planning again against a newer one is how :class:`~.google.GoogleBook` retries safely.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import BookError, TabNotFound
from ..table import a1, col_number
from .base import Chart, Dropdown, TabContent, WriteBatch
from .excel import estimate_widths

MAX_PAYLOAD = 9_000_000  # bytes of JSON per batchUpdate body (Google refuses over 10,485,760)
REQUEST_BYTES = 1_000_000  # bytes of JSON per updateCells request (a block is split)
GOOGLE_BODY_LIMIT = 10_485_760  # bytes: Google refuses a bigger request body
MAX_CELL_CHARS = 50_000  # Google's limit for one cell
MAX_CELLS = 10_000_000  # Google's limit for one spreadsheet (every tab's rows x columns)
MAX_COLUMNS = 18_278  # Google's limit for one tab (column ZZZ)
ROWS_PER_REQUEST = 500  # rows of a rebuilt tab per updateCells request
PROTECT_NOTE = "此工作表由 sheets-sync 生成,每次运行都会重写;手工修改会被覆盖。"
HEADER_FORMAT = {"textFormat": {"bold": True},
                 "backgroundColor": {"red": 221 / 255, "green": 235 / 255, "blue": 247 / 255}}
VALUE_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
CHART_PIXELS = (680, 340)  # about Excel's 18 cm x 9 cm


# -- the tab list ------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetInfo:
    """One tab as ``spreadsheets.get`` describes it."""

    sheet_id: int
    title: str
    index: int
    rows: int
    cols: int
    is_grid: bool = True
    hidden: bool = False
    protected: tuple[dict[str, Any], ...] = ()
    charts: tuple[int, ...] = ()


@dataclass(frozen=True)
class SpreadsheetInfo:
    title: str
    sheets: tuple[SheetInfo, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpreadsheetInfo:
        sheets = []
        for s in data.get("sheets") or []:
            p = s.get("properties") or {}
            g = p.get("gridProperties") or {}
            sheets.append(SheetInfo(
                int(p.get("sheetId", 0)), str(p.get("title", "")), int(p.get("index", 0)),
                int(g.get("rowCount", 0)), int(g.get("columnCount", 0)),
                p.get("sheetType", "GRID") == "GRID", bool(p.get("hidden")),
                tuple(s.get("protectedRanges") or ()),
                tuple(int(c["chartId"]) for c in s.get("charts") or () if "chartId" in c)))
        sheets.sort(key=lambda s: s.index)
        return cls(str((data.get("properties") or {}).get("title", "")), tuple(sheets))

    def find(self, title: str) -> SheetInfo | None:
        """The tab named ``title`` (Google's names are unique regardless of case)."""
        for s in self.sheets:
            if s.title == title:
                return s
        folded = title.casefold()
        return next((s for s in self.sheets if s.title.casefold() == folded), None)


# -- planning a batch --------------------------------------------------------------------


def _text_cell(text: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": text}} if text else {}


def _check_length(book: str, tab: str, row: int, col: int, text: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise BookError(
            f"工作表“{tab}”的单元格 {a1(row, col)} 的内容有 {len(text)} 个字符,超过了 Google "
            f"表格单个单元格的上限 {MAX_CELL_CHARS} 个字符。请缩短内容后重新运行。"
            f"(表格 {book} 没有改动)"
        )


def _runs(cells: dict[tuple[int, int], str]) -> list[tuple[int, int, list[list[str]]]]:
    """Changed cells as rectangles (row0, col0, rows): adjacent cells of a row form a
    run, and runs of the same columns in consecutive rows stack into one block."""
    runs: list[tuple[int, int, list[str]]] = []
    for (r, c), text in sorted(cells.items()):
        if runs and runs[-1][0] == r and runs[-1][1] + len(runs[-1][2]) == c:
            runs[-1][2].append(text)
        else:
            runs.append((r, c, [text]))
    blocks: list[tuple[int, int, list[list[str]]]] = []
    open_blocks: dict[tuple[int, int], tuple[int, int, list[list[str]]]] = {}
    for r, c, values in runs:
        key = (c, len(values))
        block = open_blocks.get(key)
        if block is not None and block[0] + len(block[2]) == r:
            block[2].append(values)
        else:
            block = (r, c, [values])
            blocks.append(block)
            open_blocks[key] = block
    return blocks


def _update_cells(sheet_id: int, row0: int, col0: int, rows: list[list[dict[str, Any]]],
                  fields: str = "userEnteredValue") -> dict[str, Any]:
    """``updateCells`` at 1-based (row0, col0)."""
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row0 - 1, "columnIndex": col0 - 1},
        "rows": [{"values": values} if values else {} for values in rows],
        "fields": fields}}


def _grow(sheet: SheetInfo, rows: int, cols: int) -> list[dict[str, Any]]:
    out = []
    if rows > sheet.rows:
        out.append({"appendDimension": {"sheetId": sheet.sheet_id, "dimension": "ROWS",
                                        "length": rows - sheet.rows}})
    if cols > sheet.cols:
        out.append({"appendDimension": {"sheetId": sheet.sheet_id, "dimension": "COLUMNS",
                                        "length": cols - sheet.cols}})
    return out


def _new_sheet_id(title: str, taken: set[int]) -> int:
    """A stable sheet id for a new tab (from its name), unused in the spreadsheet."""
    sid = zlib.crc32(title.encode("utf-8")) % 2_000_000_000 + 1
    while sid in taken:
        sid = sid % 2_000_000_000 + 1
    taken.add(sid)
    return sid


_ESCAPED = re.compile(r'["\\\x00-\x1f\u2028\u2029]')


def _cell_bytes(text: str) -> int:
    """Bytes of one text cell's JSON in an ``updateCells`` (its value exactly)."""
    if not text:
        return 3  # {},
    if _ESCAPED.search(text):
        return 43 + len(json.dumps(text, ensure_ascii=False).encode("utf-8"))
    return 45 + len(text.encode("utf-8"))


def _chunks(rows: list[list[str]], limit: int, max_rows: int = ROWS_PER_REQUEST,
            ) -> Iterable[tuple[int, int, list[list[str]]]]:
    """A block of rows as pieces ``(row offset, column offset, rows)`` of at most
    ``max_rows`` rows and about ``limit`` bytes of JSON each: whole rows while they fit,
    and a row too big on its own cut into runs of columns."""
    start, size = 0, 0
    for i, row in enumerate(rows):
        widths = [_cell_bytes(t) for t in row]
        row_size = 12 + sum(widths)
        if i > start and (i - start >= max_rows or size + row_size > limit):
            yield start, 0, rows[start:i]
            start, size = i, 0
        if row_size > limit:  # alone, in pieces
            c0, part = 0, 12
            for j, width in enumerate(widths):
                if j > c0 and part + width > limit:
                    yield i, c0, [row[c0:j]]
                    c0, part = j, 12
                part += width
            yield i, c0, [row[c0:]]
            start, size = i + 1, 0
            continue
        size += row_size
    if start < len(rows):
        yield start, 0, rows[start:]


def _number_cell(text: str, pattern: str) -> dict[str, Any]:
    """``text`` (a plain decimal) as a number shown with ``pattern``; else as text."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return _text_cell(text)
    if not value.is_finite():
        return _text_cell(text)
    number: int | float = int(value) if value == value.to_integral_value() else float(value)
    return {"userEnteredValue": {"numberValue": number},
            "userEnteredFormat": {"numberFormat": _number_format(pattern)}}


def _number_format(pattern: str) -> dict[str, str]:
    return {"type": "PERCENT" if "%" in pattern else "NUMBER", "pattern": pattern}


def _content_rows(content: TabContent, start: int, rows: list[list[str]], col0: int = 1,
                  ) -> list[list[dict[str, Any]]]:
    """Cells of ``rows`` (the first is sheet row ``start``, its first cell column ``col0``):
    text, or numbers where asked."""
    out = []
    for i, row in enumerate(rows, start=start):
        cells = []
        for j, text in enumerate(row, start=col0):
            pattern = content.numbers.get((i, j)) if text else None
            cells.append(_number_cell(text, pattern) if pattern else _text_cell(text))
        out.append(cells)
    return out


def _spans(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows as runs of consecutive rows ``(first, last)``."""
    spans: list[tuple[int, int]] = []
    for r in sorted(set(rows)):
        if spans and spans[-1][1] == r - 1:
            spans[-1] = (spans[-1][0], r)
        else:
            spans.append((r, r))
    return spans


def _box(sid: int, r1: int, c1: int, r2: int, c2: int) -> dict[str, int]:
    """The GridRange of 1-based rows r1..r2 and columns c1..c2."""
    return {"sheetId": sid, "startRowIndex": r1 - 1, "endRowIndex": r2,
            "startColumnIndex": c1 - 1, "endColumnIndex": c2}


_ANCHOR = re.compile(r"^([A-Za-z]{1,3})([1-9][0-9]*)$")


def _anchor(book: str, tab: str, chart: Chart) -> tuple[int, int]:
    m = _ANCHOR.match(chart.anchor.strip())
    if m is None:
        raise BookError(f"工作表“{tab}”的图表“{chart.title}”的位置“{chart.anchor}”不是单元格地址"
                        f"(应像 H2 这样)。(表格 {book} 没有改动)")
    return int(m.group(2)), col_number(m.group(1).upper())


def _chart_request(sid: int, chart: Chart, anchor: tuple[int, int]) -> dict[str, Any]:
    """``addChart``: clustered columns, the row above each range as its header."""
    ranges = (chart.categories, *chart.series)
    header = 1 if all(first > 1 for _, first, _ in ranges) else 0

    def source(col: int, first: int, last: int) -> dict[str, Any]:
        return {"sources": [_box(sid, first - header, col, last, col)]}

    axes = [{"position": position, "title": text} for position, text in
            (("BOTTOM_AXIS", chart.x_title), ("LEFT_AXIS", chart.y_title)) if text]
    basic: dict[str, Any] = {
        "chartType": "COLUMN", "legendPosition": "BOTTOM_LEGEND",
        **({"axis": axes} if axes else {}),
        "domains": [{"domain": {"sourceRange": source(*chart.categories)}}],
        "series": [{"series": {"sourceRange": source(*s)}, "targetAxis": "LEFT_AXIS"}
                   for s in chart.series],
        "headerCount": header}
    width, height = CHART_PIXELS
    return {"addChart": {"chart": {
        "spec": {"title": chart.title, "basicChart": basic},
        "position": {"overlayPosition": {
            "anchorCell": {"sheetId": sid, "rowIndex": anchor[0] - 1,
                           "columnIndex": anchor[1] - 1},
            "widthPixels": width, "heightPixels": height}}}}}


def _validation_request(sid: int, dropdown: Dropdown) -> dict[str, Any]:
    """``setDataValidation``: a dropdown that flags other values but keeps them."""
    return {"setDataValidation": {
        "range": _box(sid, dropdown.first_row, dropdown.col, dropdown.last_row, dropdown.col),
        "rule": {"condition": {"type": "ONE_OF_LIST",
                               "values": [{"userEnteredValue": v} for v in dropdown.values]},
                 "inputMessage": "请从下拉列表中选择:" + "、".join(dropdown.values),
                 "strict": False, "showCustomUi": True}}}


def _protection(sid: int, old: SheetInfo | None, dropdowns: list[Dropdown],
                ) -> list[dict[str, Any]]:
    """The warning-only protection of a tool-owned tab, minus the dropdown cells staff fill."""
    free = [_box(sid, d.first_row, d.col, d.last_row, d.col) for d in dropdowns]
    mine = [p for p in (old.protected if old else ()) if p.get("description") == PROTECT_NOTE]
    if not mine:
        given: dict[str, Any] = {"range": {"sheetId": sid}, "description": PROTECT_NOTE,
                                 "warningOnly": True}
        return [{"addProtectedRange": {"protectedRange": {
            **given, **({"unprotectedRanges": free} if free else {})}}}]
    if not free and not mine[0].get("unprotectedRanges"):
        return []
    return [{"updateProtectedRange": {
        "protectedRange": {"protectedRangeId": mine[0]["protectedRangeId"],
                           "unprotectedRanges": free},
        "fields": "unprotectedRanges"}}]


def _extent(content: TabContent, dropdowns: list[Dropdown],
            anchors: list[tuple[int, int]]) -> tuple[int, int]:
    """Rows and columns the tab needs: its cells, merges, dropdowns, charts and sources,
    and every column given a width (a width is set on a column of the grid)."""
    cells = [(len(content.rows), max((len(r) for r in content.rows), default=0)),
             *((1, j) for j in content.widths),
             *content.formulas, *((r2, c2) for _, _, r2, c2 in content.merges),
             *((d.last_row, d.col) for d in dropdowns), *anchors]
    for chart in content.charts:
        cells += [(last, col) for col, _, last in (chart.categories, *chart.series)]
    height = max(r for r, _ in cells)
    width = max(c for _, c in cells)
    return max(height, content.header_rows + 1, 1), max(width, 1)


def _tab_requests(book: str, info: SpreadsheetInfo, title: str, content: TabContent,
                  taken: set[int], request_bytes: int) -> list[dict[str, Any]]:
    for i, row in enumerate(content.rows, start=1):
        for j, text in enumerate(row, start=1):
            _check_length(book, title, i, j, text)
    frozen = content.header_rows
    for r1, c1, r2, c2 in content.merges:
        if r1 <= frozen < r2:
            raise BookError(
                f"工作表“{title}”的合并区域 {a1(r1, c1)}:{a1(r2, c2)} 跨过了冻结的表头"
                f"(前 {frozen} 行冻结):Google 表格不允许把冻结行和非冻结行合并在一起。"
                f"(表格 {book} 没有改动)")
    dropdowns = content.dropdowns()
    anchors = [_anchor(book, title, chart) for chart in content.charts]
    n_rows, n_cols = _extent(content, dropdowns, anchors)
    grid = {"rowCount": n_rows, "columnCount": n_cols, "frozenRowCount": content.header_rows}
    old = info.find(title)
    out: list[dict[str, Any]] = []
    if old is None:
        sid = _new_sheet_id(title, taken)
        out.append({"addSheet": {"properties": {"sheetId": sid, "title": title,
                                                "gridProperties": grid}}})
    else:
        sid = old.sheet_id
        whole = {"sheetId": sid}
        out += [{"deleteEmbeddedObject": {"objectId": cid}} for cid in old.charts]
        out += [
            {"unmergeCells": {"range": whole}},
            {"updateSheetProperties": {
                "properties": {"sheetId": sid, "title": title,
                               "gridProperties": {**grid, "frozenColumnCount": 0}},
                "fields": "title,gridProperties.rowCount,gridProperties.columnCount,"
                          "gridProperties.frozenRowCount,gridProperties.frozenColumnCount"}},
            {"updateCells": {"range": whole, "fields": "userEnteredValue,userEnteredFormat,"
                                                       "note,dataValidation"}},
        ]
    for r_off, c_off, chunk in _chunks(content.rows, request_bytes):
        out.append(_update_cells(sid, r_off + 1, c_off + 1,
                                 _content_rows(content, r_off + 1, chunk, c_off + 1),
                                 fields=VALUE_FIELDS))
    for (r, c), formula in sorted(content.formulas.items()):
        text = formula if formula.startswith("=") else "=" + formula
        _check_length(book, title, r, c, text)
        cell: dict[str, Any] = {"userEnteredValue": {"formulaValue": text}}
        if (r, c) in content.numbers:
            cell["userEnteredFormat"] = {"numberFormat": _number_format(content.numbers[(r, c)])}
        out.append(_update_cells(sid, r, c, [[cell]], fields=VALUE_FIELDS))
    width = max((len(r) for r in content.rows), default=0)
    styled = set(range(1, content.header_rows + 1)) | content.section_rows
    for r1, r2 in _spans(styled) if width else ():
        out.append({"repeatCell": {
            "range": _box(sid, r1, 1, r2, width), "cell": {"userEnteredFormat": HEADER_FORMAT},
            "fields": "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor"}})
    for r1, r2 in _spans(content.bold_rows - styled) if width else ():
        out.append({"repeatCell": {
            "range": _box(sid, r1, 1, r2, width),
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
            "fields": "userEnteredFormat.textFormat.bold"}})
    for j in sorted(content.wrap):  # long text wraps in its cell, on the rows below too
        if content.header_rows < n_rows and j <= n_cols:
            out.append({"repeatCell": {
                "range": _box(sid, content.header_rows + 1, j, n_rows, j),
                "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP",
                                               "verticalAlignment": "TOP"}},
                "fields": "userEnteredFormat.wrapStrategy,userEnteredFormat.verticalAlignment"}})
    for r1, c1, r2, c2 in content.merges:
        out.append({"mergeCells": {"range": _box(sid, r1, c1, r2, c2),
                                   "mergeType": "MERGE_ALL"}})
    out += [_validation_request(sid, d) for d in dropdowns]
    for j, chars in sorted((content.widths or estimate_widths(content.rows)).items()):
        out.append({"updateDimensionProperties": {
            "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": j - 1,
                      "endIndex": j},
            "properties": {"pixelSize": round(chars * 7 + 5)}, "fields": "pixelSize"}})
    if content.note:
        out.append(_update_cells(sid, 1, 1, [[{"note": content.note}]], fields="note"))
    out += _protection(sid, old, dropdowns)
    out += [_chart_request(sid, chart, anchor)
            for chart, anchor in zip(content.charts, anchors, strict=True)]
    return out


def _check_titles(book: str, info: SpreadsheetInfo, batch: WriteBatch) -> None:
    """A tab the tool writes has a name, and no other tab has it in another case."""
    seen: dict[str, str] = {}
    for title in batch.tabs:
        if not title.strip():
            raise BookError(f"要写入 Google 表格 {book} 的一个工作表没有名称(名称为空):Google "
                            f"表格的工作表必须有名称。(表格 {book} 没有改动)")
        folded = title.casefold()
        other = seen.get(folded)
        if other is None:
            old = info.find(title)
            other = old.title if old is not None and old.title != title else None
        if other is not None:
            raise BookError(
                f"工作表“{title}”和“{other}”的名称只差大小写:Google 表格把它们看作同一个名称,"
                f"一个表格里不能同时有这两个工作表。请改掉其中一个名称。(表格 {book} 没有改动)")
        seen[folded] = title


def _check_size(book: str, info: SpreadsheetInfo, batch: WriteBatch) -> None:
    """The grid after the batch stays within Google's 18,278 columns per tab and
    10,000,000 cells per spreadsheet; refused before anything is sent."""
    sizes = {s.title: (s.rows, s.cols) for s in info.sheets}
    for tab, cells in batch.cells.items():
        if cells and tab in sizes:
            rows, cols = sizes[tab]
            sizes[tab] = (max(rows, max(r for r, _ in cells)),
                          max(cols, max(c for _, c in cells)))
    for title, content in batch.tabs.items():
        old = info.find(title)
        if old is not None:
            sizes.pop(old.title, None)
        sizes[title] = _extent(content, content.dropdowns(),
                               [_anchor(book, title, chart) for chart in content.charts])
    for title in batch.delete_tabs:
        old = info.find(title)
        if old is not None and old.title not in batch.tabs:
            sizes.pop(old.title, None)
    for title, (_, cols) in sizes.items():
        if cols > MAX_COLUMNS:
            raise BookError(
                f"工作表“{title}”将有 {cols} 列,超过了 Google 表格每个工作表最多 {MAX_COLUMNS} "
                f"列(到 ZZZ 列)的上限。请减少列数后重新运行。(表格 {book} 没有改动)")
    total = sum(rows * cols for rows, cols in sizes.values())
    if total > MAX_CELLS:
        title, (rows, cols) = max(sizes.items(), key=lambda kv: kv[1][0] * kv[1][1])
        raise BookError(
            f"写入后 Google 表格 {book} 将有 {total} 个单元格,超过了 Google 表格每个表格最多 "
            f"{MAX_CELLS} 个单元格的上限(最大的工作表是“{title}”,{rows} 行 × {cols} 列)。"
            f"请删除不用的工作表或空白的行列后重新运行。(表格 {book} 没有改动)")


def plan_requests(info: SpreadsheetInfo, batch: WriteBatch, book: str = "", *,
                  request_bytes: int = REQUEST_BYTES) -> list[dict[str, Any]]:
    """The ``batchUpdate`` requests that apply ``batch`` to the spreadsheet ``info``.

    Edited cells and a tool-owned tab's rows go in ``updateCells`` requests of about
    ``request_bytes`` each (a dense block is cut into several). Checks everything first
    (tabs exist, cells fit, titles are set and unique ignoring case, merges stay clear
    of the frozen header, the grid stays within Google's 18,278 columns and 10,000,000
    cells, a visible tab remains) and raises before anything is sent. Planning again
    against a newer ``info`` gives requests with the same end state, which is what makes
    a retried write safe.
    """
    book = book or info.title
    out: list[dict[str, Any]] = []
    for tab, cells in batch.cells.items():
        if not cells:
            continue
        sheet = info.find(tab)
        if sheet is None or not sheet.is_grid:
            raise TabNotFound(book, tab)
        for (r, c), text in cells.items():
            _check_length(book, tab, r, c, text)
        out += _grow(sheet, max(r for r, _ in cells), max(c for _, c in cells))
        for row0, col0, block in _runs(cells):
            for r_off, c_off, rows in _chunks(block, request_bytes, max_rows=len(block)):
                out.append(_update_cells(sheet.sheet_id, row0 + r_off, col0 + c_off,
                                         [[_text_cell(t) for t in r] for r in rows]))
    _check_titles(book, info, batch)
    _check_size(book, info, batch)
    taken = {s.sheet_id for s in info.sheets}
    for title, content in batch.tabs.items():
        out += _tab_requests(book, info, title, content, taken, request_bytes)
    doomed = [s for s in (info.find(t) for t in sorted(batch.delete_tabs)) if s is not None]
    kept = [s for s in info.sheets if s not in doomed and not s.hidden]
    if doomed and not kept and not batch.tabs:
        raise BookError(
            f"按本次修改删除工作表后,Google 表格 {book} 将没有可见的工作表,因此没有写入。"
            "请检查要删除的工作表。"
        )
    # Google checks its cell limit after each request: a tab nothing else touches goes
    # first, so the room it frees is there for the rest (when a visible tab remains).
    touched = {t.casefold() for t in batch.tabs} | {
        t.casefold() for t, cells in batch.cells.items() if cells}
    first = [s for s in doomed if kept and s.title.casefold() not in touched]
    last = [s for s in doomed if s not in first]
    return ([{"deleteSheet": {"sheetId": s.sheet_id}} for s in first] + out
            + [{"deleteSheet": {"sheetId": s.sheet_id}} for s in last])


def split_payload(requests_: Sequence[dict[str, Any]], limit: int = MAX_PAYLOAD,
                  ) -> list[bytes]:
    """Request bodies of at most ``limit`` bytes each (a bigger single request goes alone)."""
    bodies: list[bytes] = []
    parts: list[bytes] = []
    size = 0
    for req in requests_:
        part = json.dumps(req, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(part) + 15 > GOOGLE_BODY_LIMIT:  # the planner cuts cells; nothing else is this big
            raise BookError(f"一个写入请求({next(iter(req))})有 {len(part)} 字节,超过了 Google "
                            f"表格每个请求 {GOOGLE_BODY_LIMIT} 字节的上限,因此没有写入。"
                            "请把这条消息发给维护人员。")
        if parts and size + len(part) + 1 > limit:
            bodies.append(b'{"requests":[' + b",".join(parts) + b"]}")
            parts, size = [], 0
        parts.append(part)
        size += len(part) + 1
    if parts:
        bodies.append(b'{"requests":[' + b",".join(parts) + b"]}")
    return bodies
