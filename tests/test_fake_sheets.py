"""The local Sheets server, driven by gspread's own calls over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from gspread.utils import DateTimeOption, ExportFormat, ValueRenderOption

from sheets_sync.testing import FakeSheets
from sheets_sync.testing.a1 import Box, parse_cells, quote_title, split_sheet


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSheets]:
    with FakeSheets() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeSheets) -> Iterator[FakeSheets]:
    server.faults.clear()
    server.reset_log()
    yield server
    server.faults.clear()


@pytest.fixture
def gc(fake: FakeSheets) -> gspread.Client:
    return fake.client()


@pytest.fixture
def sh(gc: gspread.Client) -> gspread.Spreadsheet:
    return gc.create("测试 program")


def api_error(exc: pytest.ExceptionInfo[gspread.exceptions.APIError]) -> dict[str, Any]:
    body: dict[str, Any] = exc.value.response.json()
    return body


# -- creating and reading ---------------------------------------------------------------------


def test_create_gives_one_default_tab(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    assert (ws.title, ws.id, ws.row_count, ws.col_count) == ("Sheet1", 0, 1000, 26)
    assert sh.title == "测试 program"


def test_add_worksheet_returns_google_properties(sh: gspread.Spreadsheet) -> None:
    reply = sh.batch_update({"requests": [{"addSheet": {"properties": {
        "title": "儿童登记表", "gridProperties": {"rowCount": 5, "columnCount": 3}}}}]})
    props = reply["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "儿童登记表"
    assert props["index"] == 1
    assert props["gridProperties"] == {"rowCount": 5, "columnCount": 3}
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "儿童登记表"]


def test_duplicate_tab_title_is_refused_with_googles_message(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.add_worksheet("Sheet1", rows=2, cols=2)
    assert api_error(exc)["error"] == {
        "code": 400,
        "message": 'Invalid requests[0].addSheet: A sheet with the name "Sheet1" already exists.'
                   " Please enter another name.",
        "status": "INVALID_ARGUMENT",
    }


@pytest.mark.parametrize(
    ("raw", "written", "formatted"),
    [
        pytest.param(True, "0042", "0042", id="raw-keeps-leading-zeros"),
        pytest.param(True, "=1+1", "=1+1", id="raw-keeps-formula-text"),
        pytest.param(True, "123456789012345678", "123456789012345678", id="raw-keeps-18-digit-id"),
        pytest.param(False, "0042", "42", id="user-entered-drops-leading-zeros"),
        pytest.param(False, "'0042", "0042", id="user-entered-quote-forces-text"),
        pytest.param(False, "=1+1", "2", id="user-entered-evaluates-formula"),
        pytest.param(False, "=SUM(2,3)*2", "10", id="user-entered-evaluates-sum"),
        pytest.param(False, "2020-01-01", "2020-01-01", id="user-entered-date-keeps-its-look"),
        pytest.param(False, "1,234.5", "1,234.50", id="user-entered-grouped-number"),
        pytest.param(False, "true", "TRUE", id="user-entered-boolean"),
    ],
)
def test_value_input_options(sh: gspread.Spreadsheet, raw: bool, written: str,
                             formatted: str) -> None:
    ws = sh.sheet1
    ws.update([[written]], "B2", raw=raw)
    assert ws.get_all_values() == [["", ""], ["", formatted]]


def test_user_entered_date_is_a_serial_with_a_date_format(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["2020-01-01", "=3/2"]], "A1", raw=False)
    assert ws.get("A1:B1", value_render_option=ValueRenderOption.unformatted) == [[43831, 1.5]]
    assert ws.get("A1:B1", value_render_option=ValueRenderOption.formula) == [[43831, "=3/2"]]
    assert ws.get("A1", value_render_option=ValueRenderOption.unformatted,
                  date_time_render_option=DateTimeOption.formatted_string) == [["2020-01-01"]]


def test_values_get_trims_and_omits_values_of_an_empty_range(sh: gspread.Spreadsheet) -> None:
    sh.sheet1.update([["a", "", ""], ["", "", ""], ["", "b", ""], ["", "", ""]], "A1")
    trimmed = sh.values_get("Sheet1!A1:D5")
    assert trimmed == {"range": "Sheet1!A1:D5", "majorDimension": "ROWS",
                       "values": [["a"], [], ["", "b"]]}
    assert sh.values_get("Sheet1!F1:G9") == {"range": "Sheet1!F1:G9", "majorDimension": "ROWS"}
    assert sh.values_get("Sheet1!A:B", params={"majorDimension": "COLUMNS"})["values"] == [
        ["a"], ["", "", "b"]]


def test_batch_get_reads_several_ranges(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("it's here", rows=10, cols=4)
    ws.update([["x", "y"], ["z"]], "A1")
    ranges = ws.batch_get(["A1:B1", "A2:B3"])
    assert [list(r) for r in ranges] == [[["x", "y"]], [["z"]]]
    assert ranges[0].range == "'it''s here'!A1:B1"


def test_append_row_writes_after_the_table(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    first = ws.append_row(["编号", "姓名"])
    second = ws.append_row(["001", "张三"])
    assert "tableRange" not in first
    assert second["tableRange"] == "Sheet1!A1:B1"
    assert second["updates"]["updatedRange"] == "Sheet1!A2:B2"
    assert ws.get_all_values() == [["编号", "姓名"], ["001", "张三"]]


def test_clear_leaves_no_values(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["a", "b"]], "A1")
    assert ws.clear()["clearedRange"] == "Sheet1!A1:Z1000"
    assert sh.values_get("Sheet1") == {"range": "Sheet1!A1:Z1000", "majorDimension": "ROWS"}


def test_values_batch_update_reports_totals(sh: gspread.Spreadsheet) -> None:
    reply = sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Sheet1!A1:B1", "values": [["1", "2"]]},
        {"range": "Sheet1!A3", "values": [["3"]]},
    ]})
    assert (reply["totalUpdatedRows"], reply["totalUpdatedColumns"],
            reply["totalUpdatedCells"], reply["totalUpdatedSheets"]) == (2, 2, 3, 1)


# -- batchUpdate ------------------------------------------------------------------------------


def test_batch_update_is_all_or_nothing(sh: gspread.Spreadsheet) -> None:
    sh.sheet1.update([["keep"]], "A1")
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [
            {"addSheet": {"properties": {"title": "New"}}},
            {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                                       "startColumnIndex": 0, "endColumnIndex": 1},
                             "rows": [{"values": [{"userEnteredValue": {"stringValue": "lost"}}]}],
                             "fields": "userEnteredValue"}},
            {"deleteSheet": {"sheetId": 999}},
        ]})
    assert api_error(exc)["error"]["message"] == "Invalid requests[2].deleteSheet: No sheet with id: 999"
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
    assert sh.sheet1.get_all_values() == [["keep"]]


def test_update_cells_writes_strings_that_never_become_formulas(sh: gspread.Spreadsheet) -> None:
    sh.batch_update({"requests": [{"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "=1+1"},
                              "userEnteredFormat": {"textFormat": {"bold": True}}},
                             {"userEnteredValue": {"stringValue": "0042"}}]}],
        "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
    }}]})
    assert sh.sheet1.get("A1:B1", value_render_option=ValueRenderOption.formula) == [["=1+1", "0042"]]
    data = sh.fetch_sheet_metadata({"ranges": "Sheet1!A1", "fields": "sheets.data.rowData"})
    cell = data["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["userEnteredFormat"] == {"textFormat": {"bold": True}}


def test_repeat_cell_validation_and_frozen_rows(sh: gspread.Spreadsheet) -> None:
    rule = {"condition": {"type": "ONE_OF_LIST",
                          "values": [{"userEnteredValue": "男"}, {"userEnteredValue": "女"}]},
            "strict": True, "showCustomUi": True}
    sh.batch_update({"requests": [
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3,
                                         "startColumnIndex": 2, "endColumnIndex": 3},
                               "rule": rule}},
        {"updateSheetProperties": {"properties": {"sheetId": 0,
                                                  "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "gridProperties.frozenRowCount"}},
    ]})
    meta = sh.fetch_sheet_metadata({"ranges": "Sheet1!A1:C3",
                                    "fields": "sheets(properties.gridProperties,data.rowData)"})
    sheet = meta["sheets"][0]
    assert sheet["properties"]["gridProperties"]["frozenRowCount"] == 1
    rows = sheet["data"][0]["rowData"]
    assert len(rows[0]["values"]) == 3
    assert rows[1]["values"][2]["dataValidation"] == rule
    assert rows[2]["values"][:2] == [{}, {}]


def test_protected_range_named_range_chart_and_merge(sh: gspread.Spreadsheet,
                                                     fake: FakeSheets) -> None:
    whole = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2,
             "startColumnIndex": 0, "endColumnIndex": 2}
    reply = sh.batch_update({"requests": [
        {"addProtectedRange": {"protectedRange": {"range": whole, "warningOnly": True,
                                                  "description": "generated"}}},
        {"addNamedRange": {"namedRange": {"name": "Header", "range": whole}}},
        {"addChart": {"chart": {"spec": {"title": "人数"}, "position": {"newSheet": False}}}},
        {"mergeCells": {"range": whole, "mergeType": "MERGE_ALL"}},
    ]})
    protected = reply["replies"][0]["addProtectedRange"]["protectedRange"]
    assert protected["warningOnly"] is True and "editors" not in protected
    named = reply["replies"][1]["addNamedRange"]["namedRange"]
    assert named["range"] == {"startRowIndex": 0, "endRowIndex": 2,
                              "startColumnIndex": 0, "endColumnIndex": 2}
    meta = sh.fetch_sheet_metadata()
    sheet = meta["sheets"][0]
    assert sheet["protectedRanges"][0]["description"] == "generated"
    assert sheet["merges"] == [named["range"]]
    assert sheet["charts"][0]["spec"] == {"title": "人数"}
    assert meta["namedRanges"] == [named]
    sh.batch_update({"requests": [{"deleteNamedRange": {"namedRangeId": named["namedRangeId"]}}]})
    assert "namedRanges" not in sh.fetch_sheet_metadata()


def test_insert_and_delete_rows_move_the_cells(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["1"], ["2"], ["3"]], "A1")
    ws.insert_row(["new"], 2)
    assert ws.col_values(1) == ["1", "new", "2", "3"]
    ws.delete_rows(1)
    assert ws.col_values(1) == ["new", "2", "3"]
    assert sh.sheet1.row_count == 1000


# -- limits and errors ------------------------------------------------------------------------


def test_a_cell_over_50000_characters_is_refused(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.sheet1.update([["字" * 50_001]], "A1")
    assert api_error(exc)["error"] == {
        "code": 400,
        "message": "Your input contains more than the maximum of 50000 characters in a single cell.",
        "status": "INVALID_ARGUMENT",
    }


def test_a_write_past_the_grid_is_refused(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.sheet1.update([["x"], ["y"]], "A1000")
    assert api_error(exc)["error"]["message"] == (
        "Range (Sheet1!A1000:A1001) exceeds grid limits. Max rows: 1000, max columns: 26")


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        pytest.param({"rowCount": 400_000, "columnCount": 26},
                     "This action would increase the number of cells in the workbook above "
                     "the limit of 10000000 cells.", id="ten-million-cells"),
        pytest.param({"rowCount": 1, "columnCount": 18_279},
                     "This action would increase the number of columns in the sheet above "
                     "the limit of 18278 columns.", id="18278-columns"),
    ],
)
def test_grid_size_limits(sh: gspread.Spreadsheet, grid: dict[str, int], message: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [{"addSheet": {"properties": {"gridProperties": grid}}}]})
    assert api_error(exc)["error"]["message"] == "Invalid requests[0].addSheet: " + message


def test_unknown_spreadsheet_answers_404(fake: FakeSheets) -> None:
    response = fake.session().get(f"{fake.url}/v4/spreadsheets/no-such-key")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": 404, "message": "Requested entity was not found.",
                                         "status": "NOT_FOUND"}}
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        fake.client().open_by_key("no-such-key")


def test_unknown_tab_cannot_be_parsed(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_get("Nope!A1")
    assert api_error(exc)["error"]["message"] == "Unable to parse range: Nope!A1"


def test_requests_without_a_token_are_unauthenticated(fake: FakeSheets) -> None:
    response = requests.get(f"{fake.url}/v4/spreadsheets/x", timeout=5)
    response.close()
    assert (response.status_code, response.json()["error"]["status"]) == (401, "UNAUTHENTICATED")


def test_forbidden_spreadsheet_answers_403(fake: FakeSheets, sh: gspread.Spreadsheet) -> None:
    fake.forbid(sh.id)
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.fetch_sheet_metadata()
    assert api_error(exc)["error"] == {"code": 403, "message": "The caller does not have permission",
                                       "status": "PERMISSION_DENIED"}


# -- faults -----------------------------------------------------------------------------------


def test_quota_answers_429_like_google(fake: FakeSheets, sh: gspread.Spreadsheet) -> None:
    clock = [0.0]
    fake.quota(per_minute=2, clock=lambda: clock[0])
    sh.values_get("A1")
    sh.values_get("A1")
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_get("A1")
    response = exc.value.response
    error = response.json()["error"]
    assert (response.status_code, error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["message"].startswith(
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user'")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert "Retry-After" not in response.headers
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                     body={"values": [["writes have their own quota"]]})
    clock[0] = 60.0
    assert sh.values_get("A1")["values"] == [["writes have their own quota"]]


def test_quota_can_send_retry_after(fake: FakeSheets, sh: gspread.Spreadsheet) -> None:
    fake.quota(per_minute=0, retry_after=7)
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_get("A1")
    assert exc.value.response.headers["Retry-After"] == "7"


def test_fail_next_answers_503_then_recovers(fake: FakeSheets, sh: gspread.Spreadsheet) -> None:
    fake.fail_next(2, status=503)
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as exc:
            sh.values_get("A1")
        assert api_error(exc)["error"] == {"code": 503,
                                           "message": "The service is currently unavailable.",
                                           "status": "UNAVAILABLE"}
    assert sh.values_get("A1") == {"range": "Sheet1!A1", "majorDimension": "ROWS"}


def test_a_failure_after_commit_loses_only_the_answer(fake: FakeSheets,
                                                     sh: gspread.Spreadsheet) -> None:
    fake.fail_next(1, status=500, method="PUT", commit=True)
    with pytest.raises(gspread.exceptions.APIError):
        sh.sheet1.update([["written"]], "A1")
    assert sh.sheet1.get_all_values() == [["written"]]


def test_dropped_connection_is_visible_to_the_client(fake: FakeSheets,
                                                     sh: gspread.Spreadsheet) -> None:
    fake.drop_next(1)
    with pytest.raises(requests.exceptions.ConnectionError):
        sh.values_get("A1")
    assert sh.values_get("A1")["range"] == "Sheet1!A1"
    assert [r.status for r in fake.requests[-2:]] == [0, 200]


def test_slow_answers_trip_the_client_timeout(fake: FakeSheets, gc: gspread.Client,
                                              sh: gspread.Spreadsheet) -> None:
    fake.slow(0.5, n=1)
    gc.set_timeout(0.05)
    with pytest.raises(requests.exceptions.ReadTimeout):
        gc.open_by_key(sh.id)


# -- log and seeding --------------------------------------------------------------------------


def test_request_log_counts_calls(fake: FakeSheets, sh: gspread.Spreadsheet) -> None:
    fake.reset_log()
    sh.values_batch_get(["Sheet1!A1:B2", "Sheet1!C1"])
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"}, body={"values": [["a"]]})
    log = fake.requests
    assert [(r.method, r.status) for r in log] == [("GET", 200), ("PUT", 200)]
    assert log[0].path.endswith("/values:batchGet")
    assert log[0].query["ranges"] == ["Sheet1!A1:B2", "Sheet1!C1"]
    assert log[1].body_size == len(b'{"values": [["a"]]}')


def test_seeded_spreadsheet_reads_back_as_text(fake: FakeSheets, gc: gspread.Client) -> None:
    key = fake.create_spreadsheet("种子", {"学校": [["编号", "名称"], ["007", "=1+1"]],
                                         "志愿者": []})
    sh = gc.open_by_key(key)
    assert [w.title for w in sh.worksheets()] == ["学校", "志愿者"]
    assert sh.worksheet("学校").get_all_values() == [["编号", "名称"], ["007", "=1+1"]]
    sh.worksheet("学校").update([["x"]], "C3")
    assert fake.values(key, "学校") == [["编号", "名称", ""], ["007", "=1+1", ""], ["", "", "x"]]


def test_drive_lists_copies_exports_and_deletes(fake: FakeSheets, gc: gspread.Client) -> None:
    sh = gc.create("to be listed")
    sh.sheet1.update([["编号", "姓名"], ["007"]], "A1")
    assert any(f["id"] == sh.id for f in gc.list_spreadsheet_files("to be listed"))
    copy = gc.copy(sh.id, "the copy")
    assert copy.sheet1.get_all_values() == [["编号", "姓名"], ["007", ""]]
    assert gc.export(sh.id, ExportFormat.CSV) == "编号,姓名\r\n007,".encode()
    gc.del_spreadsheet(sh.id)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key(sh.id)


# -- A1 notation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "box"),
    [
        pytest.param("A1", Box(0, 1, 0, 1), id="one-cell"),
        pytest.param("B2:C3", Box(1, 3, 1, 3), id="box"),
        pytest.param("D4:A1", Box(0, 4, 0, 4), id="reversed-corners"),
        pytest.param("A:C", Box(0, None, 0, 3), id="whole-columns"),
        pytest.param("2:3", Box(1, 3, 0, None), id="whole-rows"),
        pytest.param("A2:C", Box(1, None, 0, 3), id="open-end-rows"),
        pytest.param("A1:1", Box(0, 1, 0, None), id="open-end-columns"),
    ],
)
def test_parse_cells(text: str, box: Box) -> None:
    assert parse_cells(text) == box


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        pytest.param("Sheet1", "Sheet1", id="plain"),
        pytest.param("D3", "'D3'", id="looks-like-a-cell"),
        pytest.param("儿童 登记", "'儿童 登记'", id="non-ascii-and-space"),
        pytest.param("it's", "'it''s'", id="quote-doubled"),
    ],
)
def test_quote_title(title: str, quoted: str) -> None:
    assert quote_title(title) == quoted
    assert split_sheet(f"{quoted}!A1") == (title, "A1")


def test_each_request_is_named_as_the_api_reference_names_it() -> None:
    seen: list[str] = []
    with FakeSheets(on_request=lambda r: seen.append(f"{r.api_method} {r.status}")) as fake:
        http = fake.session()
        base = f"{fake.url}/v4/spreadsheets"
        key = http.post(base, json={"properties": {"title": "测试"}}).json()["spreadsheetId"]
        http.get(f"{base}/{key}")
        http.put(f"{base}/{key}/values/Sheet1!A1", params={"valueInputOption": "RAW"},
                 json={"values": [["a"]]})
        http.get(f"{base}/{key}/values/Sheet1!A1")
        http.get(f"{base}/{key}/values:batchGet", params={"ranges": "Sheet1"})
        http.post(f"{base}/{key}/values/Sheet1!A1:append", params={"valueInputOption": "RAW"},
                  json={"values": [["b"]]})
        http.post(f"{base}/{key}:batchUpdate",
                  json={"requests": [{"addSheet": {"properties": {"title": "二"}}}]})
        http.get(f"{fake.url}/drive/v3/files/{key}")
        requests.get(f"{base}/{key}/nowhere")
        assert seen == [f"{r.api_method} {r.status}" for r in fake.requests]
    assert seen == ["spreadsheets.create 200", "spreadsheets.get 200",
                    "spreadsheets.values.update 200", "spreadsheets.values.get 200",
                    "spreadsheets.values.batchGet 200", "spreadsheets.values.append 200",
                    "spreadsheets.batchUpdate 200", "drive.files.get 200", "? 401"]
