"""Google Sheets: the Book protocol over the Sheets API v4, in as few requests as the API allows.

Requests per spreadsheet (what the quota of ~60 requests/minute/user counts):

* :meth:`GoogleBook.read` — **2**: one ``spreadsheets.get`` for the tab list and grid
  sizes (a field mask, no cell data) and one ``values:batchGet`` of every tab with
  ``FORMATTED_VALUE``: each cell as the text the user sees (``0042``, ``2026-07-01``,
  ``1,200.50``). A spreadsheet with hundreds of tabs splits the batchGet by URL length.
* :meth:`GoogleBook.apply` — **1** ``spreadsheets.batchUpdate`` after a read (the tab
  list is reused; without a read, one ``spreadsheets.get`` first). So a run costs 3.

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
is ignored. Deleted tabs go last. Google applies a batchUpdate atomically. Only a batch
over ~2 MB is split into several (each atomic; the error then says a re-run completes it).

Failures: 408/429/5xx, timeouts and dropped connections are retried within a budget
(:mod:`.retry`). A write that may have landed although no answer came (5xx, timeout,
drop) is not blindly re-sent: the tab list is read again and the batch planned anew
against it, so a tab the lost attempt already added is rebuilt, not added twice. A 400
against a tab list taken at read time (someone changed the spreadsheet since) is planned
anew once. Other answers are final: 403 names the service account to share with, 404
the key, 400 Google's reason.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession

from ..errors import BookError, TabNotFound
from ..table import Grid, a1, col_number, trim
from .base import Chart, Dropdown, TabContent, WriteBatch
from .credentials import CredentialsRejected, GoogleCredentials, load_credentials
from .excel import estimate_widths
from .retry import (
    READING,
    Attempts,
    RetryPolicy,
    Stakes,
    Transient,
    is_retryable_status,
    retry_after_seconds,
)

__all__ = [
    "GoogleBook",
    "GoogleRequestRejected",
    "SheetsApiDisabled",
    "SpreadsheetNotFound",
    "SpreadsheetNotShared",
    "plan_requests",
    "spreadsheet_key",
]

API = "https://sheets.googleapis.com/v4/spreadsheets"
MAX_PAYLOAD = 2_000_000  # bytes of JSON per batchUpdate before splitting
MAX_CELL_CHARS = 50_000  # Google's limit for one cell
ROWS_PER_REQUEST = 500  # rows of a rebuilt tab per updateCells request
MAX_QUERY = 8_000  # characters of batchGet ranges per request
PROTECT_NOTE = "此工作表由 sheets-sync 生成,每次运行都会重写;手工修改会被覆盖。"
HEADER_FORMAT = {"textFormat": {"bold": True},
                 "backgroundColor": {"red": 221 / 255, "green": 235 / 255, "blue": 247 / 255}}
META_FIELDS = (
    "properties.title,sheets(properties(sheetId,title,index,sheetType,hidden,"
    "gridProperties(rowCount,columnCount,frozenRowCount)),"
    "protectedRanges(protectedRangeId,description,warningOnly,range,unprotectedRanges),"
    "charts(chartId))"
)
VALUE_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
CHART_PIXELS = (680, 340)  # about Excel's 18 cm x 9 cm

_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_URL = re.compile(r"^https?:/+docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")


def spreadsheet_key(text: str | Path) -> str | None:
    """The key of ``gsheet:KEY`` or a ``https://docs.google.com/spreadsheets/d/KEY/…`` URL.

    Tolerates the single slash a ``pathlib.Path`` leaves of ``https://``. ``None`` when
    ``text`` is neither.
    """
    s = str(text).strip()
    if s.startswith("gsheet:"):
        return s[len("gsheet:"):].strip()
    m = _URL.match(s)
    return m.group(1) if m else None


# -- errors ------------------------------------------------------------------------------


class SpreadsheetNotShared(BookError):
    """403: the spreadsheet is not shared with the account the tool uses."""

    def __init__(self, key: str, account: str | None) -> None:
        self.key = key
        self.account = account
        who = (f"服务账号 {account}(编辑者)" if account
               else "本工具登录的 Google 账号(编辑者)")
        super().__init__(
            f"没有权限访问 Google 表格 {key}(403)。请在浏览器中打开这个表格,点击右上角"
            f"“共享”,把它共享给{who},然后重新运行。"
        )


class SheetsApiDisabled(BookError):
    """403: the Cloud project of the credentials has not enabled the Sheets API."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "凭据所属的 Google Cloud 项目没有启用 Google Sheets API(403)。请在 Google Cloud "
            f"控制台的“API 和服务”中启用 Google Sheets API,几分钟后重新运行。({detail})"
        )


class SpreadsheetNotFound(BookError):
    """404: no spreadsheet with this key."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"找不到 Google 表格 {key}(404)。请检查表格链接或 ID 是否复制完整、正确,"
            "以及表格是否已被删除或移到回收站。"
        )


class GoogleRequestRejected(BookError):
    """Google refused a request as invalid (400 and other final answers)."""

    def __init__(self, book: str, status: int, detail: str, stakes: Stakes = READING) -> None:
        self.status = status
        self.detail = detail
        super().__init__(
            f"Google 表格“{book}”拒绝了请求(HTTP {status}):{detail}。{stakes.sentence()}"
            "请检查上面提到的工作表或单元格;无法解决时,请把这条消息发给维护人员。"
        )


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


def _row_chunks(rows: list[list[str]], limit: int) -> Iterable[tuple[int, list[list[str]]]]:
    """Rows in slices of at most ROWS_PER_REQUEST rows and about ``limit`` bytes of JSON."""
    start, size = 0, 0
    for i, row in enumerate(rows):
        row_size = 12 + sum(len(t.encode("utf-8")) + 40 for t in row)
        if i > start and (i - start >= ROWS_PER_REQUEST or size + row_size > limit):
            yield start, rows[start:i]
            start, size = i, 0
        size += row_size
    if start < len(rows):
        yield start, rows[start:]


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


def _content_rows(content: TabContent, start: int, rows: list[list[str]],
                  ) -> list[list[dict[str, Any]]]:
    """Cells of ``rows`` (the first is sheet row ``start``): text, or numbers where asked."""
    out = []
    for i, row in enumerate(rows, start=start):
        cells = []
        for j, text in enumerate(row, start=1):
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
    """Rows and columns the tab needs: its cells, merges, dropdowns, charts and sources."""
    cells = [(len(content.rows), max((len(r) for r in content.rows), default=0)),
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
    for start, chunk in _row_chunks(content.rows, request_bytes):
        out.append(_update_cells(sid, start + 1, 1, _content_rows(content, start + 1, chunk),
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


def plan_requests(info: SpreadsheetInfo, batch: WriteBatch, book: str = "", *,
                  request_bytes: int = MAX_PAYLOAD // 8) -> list[dict[str, Any]]:
    """The ``batchUpdate`` requests that apply ``batch`` to the spreadsheet ``info``.

    A tool-owned tab's rows go in ``updateCells`` requests of about ``request_bytes``.
    Checks everything first (tabs exist, cells fit, a visible tab remains) and raises
    before anything is sent. Planning again against a newer ``info`` gives requests with
    the same end state, which is what makes a retried write safe.
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
        for row0, col0, rows in _runs(cells):
            out.append(_update_cells(sheet.sheet_id, row0, col0,
                                     [[_text_cell(t) for t in r] for r in rows]))
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
    out += [{"deleteSheet": {"sheetId": s.sheet_id}} for s in doomed]
    return out


def split_payload(requests_: Sequence[dict[str, Any]], limit: int = MAX_PAYLOAD,
                  ) -> list[bytes]:
    """Request bodies of at most ``limit`` bytes each (a bigger single request goes alone)."""
    bodies: list[bytes] = []
    parts: list[bytes] = []
    size = 0
    for req in requests_:
        part = json.dumps(req, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if parts and size + len(part) + 1 > limit:
            bodies.append(b'{"requests":[' + b",".join(parts) + b"]}")
            parts, size = [], 0
        parts.append(part)
        size += len(part) + 1
    if parts:
        bodies.append(b'{"requests":[' + b",".join(parts) + b"]}")
    return bodies


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _range_chunks(sheets: Sequence[SheetInfo]) -> Iterable[list[SheetInfo]]:
    chunk: list[SheetInfo] = []
    size = 0
    for s in sheets:
        n = len(quote(_quoted(s.title), safe="")) + 8
        if chunk and size + n > MAX_QUERY:
            yield chunk
            chunk, size = [], 0
        chunk.append(s)
        size += n
    if chunk:
        yield chunk


# -- the book ----------------------------------------------------------------------------


class GoogleBook:
    """A Google spreadsheet, read and written through the Sheets API v4.

    Give it a session in one of three ways: ``client=`` a ``gspread.Client`` (its
    authorized session is used, not its retrying HTTP client), ``session=`` any
    google-auth ``AuthorizedSession``, or neither: credentials are then loaded from
    ``credentials`` (a path, or :class:`GoogleCredentials`) or
    ``$GOOGLE_APPLICATION_CREDENTIALS``. ``account_email`` (taken from a service-account
    key when there is one) is named in the 403 message.
    """

    def __init__(self, key: str, *, client: Any = None, session: requests.Session | None = None,
                 credentials: GoogleCredentials | Path | str | None = None,
                 account_email: str | None = None, retry: RetryPolicy | None = None,
                 max_payload: int = MAX_PAYLOAD) -> None:
        parsed = spreadsheet_key(key)
        self.key = parsed if parsed is not None else str(key).strip()
        if not _KEY.match(self.key):
            raise BookError(
                f"“{key}”不是有效的 Google 表格地址。请复制浏览器地址栏中的完整链接"
                "(https://docs.google.com/spreadsheets/d/…),或写成 gsheet:表格ID。"
            )
        if session is None and client is not None:
            session = client.http_client.session
            account_email = account_email or getattr(
                client.http_client.auth, "service_account_email", None)
        if session is None:
            creds = (credentials if isinstance(credentials, GoogleCredentials)
                     else load_credentials(credentials))
            session = AuthorizedSession(creds.credentials)
            account_email = account_email or creds.account_email
        self.session: requests.Session = session
        self.account_email = account_email
        self.retry = retry or RetryPolicy()
        self.max_payload = max_payload
        self._info: SpreadsheetInfo | None = None
        self._title: str | None = None

    def __repr__(self) -> str:
        return f"GoogleBook({self.key!r})"

    @property
    def name(self) -> str:
        return self._title or f"gsheet:{self.key}"

    @property
    def url(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.key}/edit"

    # -- read -----------------------------------------------------------------------------

    def read(self) -> dict[str, Grid]:
        """Every grid tab in order, as the text the user sees (2 requests).

        A tab deleted or renamed between the two requests makes Google refuse the
        batchGet (400): the tab list is then taken again, once.
        """
        attempts = self.retry.start(self.name)
        for again in (True, False):
            info = self._fetch_info(attempts)
            try:
                return self._read_values(info, attempts)
            except GoogleRequestRejected:
                if not again:
                    raise
        raise AssertionError("unreachable")

    def _read_values(self, info: SpreadsheetInfo, attempts: Attempts) -> dict[str, Grid]:
        tabs: dict[str, Grid] = {}
        for chunk in _range_chunks([s for s in info.sheets if s.is_grid]):
            params = [("ranges", _quoted(s.title)) for s in chunk]
            params += [("valueRenderOption", "FORMATTED_VALUE"), ("majorDimension", "ROWS")]
            data = self._retrying(attempts, "GET", "/values:batchGet", params=params)
            ranges = data.get("valueRanges") or []
            for s, vr in zip(chunk, ranges, strict=False):
                rows = [[v if isinstance(v, str) else str(v) for v in row]
                        for row in vr.get("values") or []]
                tabs[s.title] = Grid(trim(rows))
        return tabs

    # -- write ----------------------------------------------------------------------------

    def apply(self, batch: WriteBatch) -> None:
        """Apply ``batch`` in one ``batchUpdate`` (atomic); an empty batch sends nothing."""
        if not batch:
            return
        attempts = self.retry.start(self.name)
        info, fresh = self._info, False
        if info is None:
            info, fresh = self._fetch_info(attempts, Stakes(writing=True)), True
        bodies = self._plan(info, batch)
        done, replanned = 0, 0
        stakes = Stakes(writing=True)
        while done < len(bodies):
            try:
                self._call("POST", ":batchUpdate", attempts, data=bodies[done], stakes=stakes)
                done += 1
                stakes = replace(stakes, partial=True)  # matters only if more parts follow
                continue
            except Transient as failure:
                if failure.ambiguous:
                    stakes = replace(stakes, uncertain=True)
                attempts.failed(failure, stakes)
                if not failure.ambiguous:
                    continue
            except GoogleRequestRejected:
                if (fresh and not stakes.uncertain) or replanned >= 2 or stakes.partial:
                    raise
                replanned += 1
            # the spreadsheet may differ from the plan: look again and plan anew
            info, fresh = self._fetch_info(attempts, stakes), True
            bodies = self._plan(info, batch)
            done = 0
        self._info = None  # sheet ids and sizes changed: the next write looks again

    def _plan(self, info: SpreadsheetInfo, batch: WriteBatch) -> list[bytes]:
        planned = plan_requests(info, batch, self.name, request_bytes=self.max_payload // 8)
        return split_payload(planned, self.max_payload)

    # -- HTTP -----------------------------------------------------------------------------

    def _fetch_info(self, attempts: Attempts, stakes: Stakes = READING) -> SpreadsheetInfo:
        data = self._retrying(attempts, "GET", "", params=[("fields", META_FIELDS)],
                              stakes=stakes)
        info = SpreadsheetInfo.from_json(data)
        self._info, self._title = info, info.title or None
        return info

    def _retrying(self, attempts: Attempts, method: str, path: str, *,
                  params: list[tuple[str, str]] | None = None,
                  stakes: Stakes = READING) -> dict[str, Any]:
        """A safe-to-repeat request (a read), retried within the budget."""
        while True:
            try:
                return self._call(method, path, attempts, params=params, stakes=stakes)
            except Transient as failure:
                attempts.failed(failure, stakes)

    def _call(self, method: str, path: str, attempts: Attempts, *,
              params: list[tuple[str, str]] | None = None, data: bytes | None = None,
              stakes: Stakes = READING) -> dict[str, Any]:
        """One try: the JSON answer, or :class:`Transient`, or a final :class:`BookError`."""
        url = f"{API}/{quote(self.key, safe='')}{path}"
        headers = {"Content-Type": "application/json; charset=utf-8"} if data else None
        try:
            resp = self.session.request(method, url, params=params, data=data, headers=headers,
                                        timeout=attempts.timeout())
        except RefreshError as err:
            raise CredentialsRejected(str(err) or "无法刷新令牌", self.account_email) from err
        except requests.exceptions.ConnectTimeout as err:
            raise Transient("连接 Google 超时", ambiguous=False) from err
        except requests.exceptions.Timeout as err:
            raise Transient("等待 Google 回应超时") from err
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                TransportError) as err:
            raise Transient("网络连接中断") from err
        status = resp.status_code
        if 200 <= status < 300:
            try:
                answer = resp.json()
            except ValueError as err:
                raise Transient("Google 返回的内容不完整") from err
            return answer if isinstance(answer, dict) else {}
        detail = _error_message(resp)
        if is_retryable_status(status):
            reason = ("请求太频繁,超过了 Google 的每分钟配额(HTTP 429)" if status == 429
                      else f"Google 服务器暂时出错(HTTP {status})")
            raise Transient(reason, status=status, ambiguous=status != 429,
                            retry_after=retry_after_seconds(resp.headers.get("Retry-After")))
        if status == 401:
            raise CredentialsRejected(f"HTTP 401:{detail}", self.account_email)
        if status == 403:
            if "has not been used" in detail or "is disabled" in detail:
                raise SheetsApiDisabled(detail)
            raise SpreadsheetNotShared(self.key, self.account_email)
        if status == 404:
            raise SpreadsheetNotFound(self.key)
        raise GoogleRequestRejected(self.name, status, detail, stakes)


def _error_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
        message = body["error"]["message"]
        if isinstance(message, str) and message:
            return message
    except (ValueError, KeyError, TypeError):
        pass
    return (resp.text or resp.reason or "").strip()[:300] or f"HTTP {resp.status_code}"
