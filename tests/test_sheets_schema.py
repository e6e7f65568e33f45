"""The local Sheets server refuses what Google's published API description refuses.

Each case is a request Google's discovery document (``sheets_sync/testing/discovery``)
says is malformed, sent over real HTTP; the answer must be Google's: the status, the
``INVALID_ARGUMENT`` envelope and the message. Then: no request, however malformed, makes
a handler fail or close the connection without an answer, and no answer carries Python's
words.
"""

from __future__ import annotations

import http.client
import json
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.testing import FakeSheets, schema

KEY = "SCHEMAKEY0001"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSheets]:
    with FakeSheets() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeSheets) -> FakeSheets:
    server.create_spreadsheet("校验", {"学校": [["学校名称", "县"], ["城关小学", "满城"]]},
                              key=KEY)
    return server


def send(fake: FakeSheets, method: str, target: str, body: Any = None, *,
         raw: bytes | None = None) -> tuple[int, str, str]:
    """(status, content type, body text) of one request on a fresh connection."""
    parts = urlsplit(fake.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    try:
        conn.request(method, target, body=data,
                     headers={"Authorization": "Bearer t", "Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, answer.getheader("Content-Type") or "", answer.read().decode()
    finally:
        conn.close()


def batch(*requests: dict[str, Any]) -> dict[str, Any]:
    return {"requests": list(requests)}


BU = f"/v4/spreadsheets/{KEY}:batchUpdate"
START = {"sheetId": 0, "rowIndex": 0, "columnIndex": 0}
ROWS = [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}]
V = "type.googleapis.com/google.apps.sheets.v4."

# (method, target, body, the message Google answers with)
MALFORMED = [
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "rows": ROWS,
                                                    "fields": "*", "x": 1}}),
                 "Invalid JSON payload received. Unknown name \"x\" at "
                 "'requests[0].update_cells': Cannot find field.", id="unknown-field"),
    pytest.param("POST", BU, batch({"updateCell": {"start": START}}),
                 "Invalid JSON payload received. Unknown name \"updateCell\" at 'requests[0]': "
                 "Cannot find field.", id="unknown-request-kind"),
    pytest.param("POST", BU, {"requests": [], "data": []},
                 "Invalid JSON payload received. Unknown name \"data\": Cannot find field.",
                 id="unknown-top-level-field"),
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "rows": [
        {"values": [{"userEnteredValue": {"stringValue": "x", "text": "y"}}]}],
        "fields": "userEnteredValue"}}),
                 "Invalid JSON payload received. Unknown name \"text\" at "
                 "'requests[0].update_cells.rows[0].values[0].user_entered_value': "
                 "Cannot find field.", id="unknown-field-deep-in-rows"),
    pytest.param("POST", BU, batch({"mergeCells": {"range": {"sheetId": 0}, "mergeType": "ALL"}}),
                 f"Invalid value at 'requests[0].merge_cells.merge_type' "
                 f"({V}MergeCellsRequest.MergeType), \"ALL\"", id="bad-enum"),
    pytest.param("POST", BU, batch({"appendDimension": {"sheetId": 0, "dimension": "ROW",
                                                        "length": 1}}),
                 f"Invalid value at 'requests[0].append_dimension.dimension' ({V}Dimension), "
                 "\"ROW\"", id="bad-shared-enum"),
    pytest.param("POST", BU, batch({"updateCells": {"start": {"sheetId": 0,
                                                              "rowIndex": 3_000_000_000},
                                                    "rows": ROWS, "fields": "*"}}),
                 "Invalid value at 'requests[0].update_cells.start.row_index' (TYPE_INT32), "
                 "3000000000", id="int32-overflow"),
    pytest.param("POST", BU, batch({"updateCells": {"start": {"sheetId": "abc"}, "rows": ROWS,
                                                    "fields": "*"}}),
                 "Invalid value at 'requests[0].update_cells.start.sheet_id' (TYPE_INT32), "
                 "\"abc\"", id="int-as-word"),
    pytest.param("POST", BU, batch({"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                        "length": 1.5}}),
                 "Invalid value at 'requests[0].append_dimension.length' (TYPE_INT32), 1.5",
                 id="int-with-a-fraction"),
    pytest.param("POST", BU, batch({"updateSheetProperties": {
        "properties": {"sheetId": 0, "title": 5}, "fields": "title"}}),
                 "Invalid value at 'requests[0].update_sheet_properties.properties.title' "
                 "(TYPE_STRING), 5", id="number-for-string"),
    pytest.param("POST", BU, batch({"updateSheetProperties": {
        "properties": {"sheetId": 0, "hidden": "yes"}, "fields": "hidden"}}),
                 "Invalid value at 'requests[0].update_sheet_properties.properties.hidden' "
                 "(TYPE_BOOL), \"yes\"", id="word-for-bool"),
    pytest.param("POST", BU, batch({"updateDimensionProperties": {
        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
        "properties": {"pixelSize": "wide"}, "fields": "pixelSize"}}),
                 "Invalid value at 'requests[0].update_dimension_properties.properties."
                 "pixel_size' (TYPE_INT32), \"wide\"", id="word-for-int"),
    pytest.param("POST", BU, batch({"updateSheetProperties": {"properties": [1],
                                                              "fields": "title"}}),
                 "Invalid JSON payload received. Unknown name \"properties\" at "
                 "'requests[0].update_sheet_properties': Proto field is not repeating, cannot "
                 "start list.", id="list-for-message"),
    pytest.param("POST", BU, batch({"updateSheetProperties": {"properties": "Sheet1",
                                                              "fields": "title"}}),
                 f"Invalid value at 'requests[0].update_sheet_properties.properties' "
                 f"({V}SheetProperties), \"Sheet1\"", id="string-for-message"),
    pytest.param("POST", BU, {"requests": {"addSheet": {}}},
                 f"Invalid value at 'requests' ({V}Request), {{object}}",
                 id="object-for-list"),
    pytest.param("POST", BU, batch({"addSheet": {"properties": {"title": {"zh": "表"}}}}),
                 "Invalid JSON payload received. Unknown name \"title\" at "
                 "'requests[0].add_sheet.properties': Starting an object on a scalar field",
                 id="object-for-string"),
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "range": {"sheetId": 0},
                                                    "rows": ROWS, "fields": "*"}}),
                 "Invalid value at 'requests[0].update_cells' (oneof), oneof field 'area' is "
                 "already set. Cannot set 'range'", id="start-and-range"),
    pytest.param("POST", BU, batch({"updateCells": {"rows": ROWS, "fields": "*"}}),
                 "Invalid requests[0].updateCells: Either 'start' or 'range' must be set.",
                 id="neither-start-nor-range"),
    pytest.param("POST", BU, batch({"addSheet": {}, "deleteSheet": {"sheetId": 0}}),
                 "Invalid value at 'requests[0]' (oneof), oneof field 'kind' is already set. "
                 "Cannot set 'deleteSheet'", id="two-kinds-in-one-request"),
    pytest.param("POST", BU, batch({}), "Invalid requests[0]: No request set.",
                 id="no-kind"),
    pytest.param("POST", BU, {"requests": []}, "Must specify at least one request.",
                 id="no-requests"),
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "rows": [{"values": [
        {"userEnteredValue": {"stringValue": "a", "numberValue": 1}}]}],
        "fields": "userEnteredValue"}}),
                 "Invalid value at 'requests[0].update_cells.rows[0].values[0]."
                 "user_entered_value' (oneof), oneof field 'value' is already set. Cannot set "
                 "'stringValue'", id="two-value-kinds"),
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "rows": ROWS,
                                                    "fields": "userEnteredValue.text"}}),
                 "Invalid requests[0].updateCells: Invalid field mask path: "
                 "'userEnteredValue.text'", id="mask-names-no-field"),
    pytest.param("POST", BU, batch({"repeatCell": {"range": {"sheetId": 0},
                                                   "cell": {"note": "x"}, "fields": "notes"}}),
                 "Invalid requests[0].repeatCell: Invalid field mask path: 'notes'",
                 id="repeat-cell-mask"),
    pytest.param("POST", BU, batch({"updateSheetProperties": {
        "properties": {"sheetId": 0, "title": "x"},
        "fields": "title,gridProperties.rowCounts"}}),
                 "Invalid requests[0].updateSheetProperties: Invalid field mask path: "
                 "'gridProperties.rowCounts'", id="sheet-properties-mask"),
    pytest.param("POST", BU, batch({"updateDimensionProperties": {
        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
        "properties": {"pixelSize": 80}, "fields": "pixelSize;hidden"}}),
                 "Invalid requests[0].updateDimensionProperties: Invalid field mask: "
                 "'pixelSize;hidden'", id="mask-that-does-not-parse"),
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "rows": ROWS,
                                                    "fields": ""}}),
                 "Invalid requests[0].updateCells: At least one field must be updated, but "
                 "'fields' is empty.", id="empty-mask"),
    pytest.param("POST", BU, batch(
        {"updateCells": {"start": START, "rows": ROWS, "fields": "userEnteredValue"}},
        {"mergeCells": {"range": {"sheetId": 0}, "mergeType": "MERGE"}},
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": "many"}}),
                 f"Invalid value at 'requests[1].merge_cells.merge_type' "
                 f"({V}MergeCellsRequest.MergeType), \"MERGE\"\n"
                 "Invalid value at 'requests[2].append_dimension.length' (TYPE_INT32), \"many\"",
                 id="every-problem-one-line-each"),
    pytest.param("POST", BU, batch({"repeatCell": {"range": {"sheetId": 0, "startRowIndex": -1},
                                                   "cell": {"note": "x"}, "fields": "note"}}),
                 "Invalid requests[0].repeatCell: startRowIndex must be greater than or equal "
                 "to 0, but was -1.", id="negative-index"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}/values/A1?valueRenderOption=TEXT", None,
                 f"Invalid value at 'value_render_option' ({V}ValueRenderOption), \"TEXT\"",
                 id="query-enum"),
    pytest.param("PUT", f"/v4/spreadsheets/{KEY}/values/A1?valueInputOption=RAWW",
                 {"values": [["a"]]},
                 f"Invalid value at 'value_input_option' ({V}ValueInputOption), \"RAWW\"",
                 id="value-input-option"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}?fields=properties,%20sheets.properties", None,
                 "Error expanding 'fields' parameter. Cannot find matching fields for path "
                 "' sheets.properties'.", id="response-mask-with-a-space"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}?fields=sheets(properties(sheetId,titel))",
                 None, "Error expanding 'fields' parameter. Cannot find matching fields for "
                 "path 'sheets.properties.titel'.", id="response-mask-names-no-field"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}/values/A1?renderOption=FORMULA", None,
                 "Invalid JSON payload received. Unknown name \"renderOption\": Cannot bind "
                 "query parameter. Field 'renderOption' could not be found in request message.",
                 id="unknown-query-parameter"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}?includeGridData=yes", None,
                 "Invalid value at 'include_grid_data' (TYPE_BOOL), \"yes\"",
                 id="query-bool"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}/values:batchGet?ranges=A1&majorDimension=ROW",
                 None, f"Invalid value at 'major_dimension' ({V}Dimension), \"ROW\"",
                 id="batch-get-major-dimension"),
    pytest.param("POST", f"/v4/spreadsheets/{KEY}/values:batchUpdate",
                 {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [["a"]],
                                                       "majorDimension": "ROWS"}],
                  "includeValuesInResponse": "yes"},
                 "Invalid value at 'include_values_in_response' (TYPE_BOOL), \"yes\"",
                 id="values-batch-update-bool"),
    pytest.param("POST", f"/v4/spreadsheets/{KEY}/values:batchUpdate",
                 {"valueInputOption": "RAW", "data": {"range": "A1", "values": [["a"]]}},
                 f"Invalid value at 'data' ({V}ValueRange), {{object}}",
                 id="values-data-not-a-list"),
    pytest.param("PUT", f"/v4/spreadsheets/{KEY}/values/A1?valueInputOption=RAW",
                 {"values": ["a", "b"]},
                 "Invalid value at 'values[0]' (type.googleapis.com/google.protobuf.ListValue), "
                 "\"a\"\nInvalid value at 'values[1]' "
                 "(type.googleapis.com/google.protobuf.ListValue), \"b\"",
                 id="values-not-rows"),
    pytest.param("PUT", f"/v4/spreadsheets/{KEY}/values/A1?valueInputOption=RAW",
                 {"values": [["a"]], "majorDimension": "DIAGONAL"},
                 f"Invalid value at 'major_dimension' ({V}Dimension), \"DIAGONAL\"",
                 id="values-major-dimension"),
    pytest.param("POST", f"/v4/spreadsheets/{KEY}/values:batchClear", {"ranges": "A1"},
                 "Invalid value at 'ranges' (TYPE_STRING), \"A1\"", id="ranges-not-a-list"),
    pytest.param("GET", f"/v4/spreadsheets/{KEY}", {"includeGridData": True},
                 "Invalid JSON payload received. Unknown name \"includeGridData\": Cannot find "
                 "field.", id="body-on-a-get"),
    pytest.param("PUT", f"/v4/spreadsheets/{KEY}/values/A1?valueInputOption=RAW",
                 {"values": [["x" * 50_001]]},
                 "Your input contains more than the maximum of 50000 characters in a single "
                 "cell.", id="cell-over-50000-characters"),
    pytest.param("POST", BU, batch({"updateCells": {"start": START, "rows": [{"values": [
        {"userEnteredValue": {"stringValue": "x" * 50_001}}]}], "fields": "userEnteredValue"}}),
                 "Invalid requests[0].updateCells: Your input contains more than the maximum of "
                 "50000 characters in a single cell.", id="update-cells-over-50000-characters"),
    pytest.param("POST", BU, batch({"appendDimension": {"sheetId": 0, "dimension": "COLUMNS",
                                                        "length": 18_253}}),
                 "Invalid requests[0].appendDimension: This action would increase the number of "
                 "columns in the sheet above the limit of 18278 columns.", id="over-18278-columns"),
    pytest.param("POST", BU, batch({"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                        "length": 400_000}}),
                 "Invalid requests[0].appendDimension: This action would increase the number of "
                 "cells in the workbook above the limit of 10000000 cells.",
                 id="over-10-million-cells"),
]


@pytest.mark.parametrize(("method", "target", "body", "message"), MALFORMED)
def test_google_refuses_it_and_so_does_the_server(fake: FakeSheets, method: str, target: str,
                                                  body: Any, message: str) -> None:
    before = fake.values(KEY, "学校")
    status, kind, text = send(fake, method, target, body)
    assert status == 400, text
    assert kind.startswith("application/json")
    error = json.loads(text)["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"] == message
    assert fake.values(KEY, "学校") == before  # nothing of a refused request applies


def test_json_problems_list_each_field_violation_as_google_does(fake: FakeSheets) -> None:
    status, _, text = send(fake, "POST", BU, batch({"updateCells": {
        "start": START, "rows": ROWS, "fields": "*", "x": 1, "y": 2}}))
    assert status == 400
    assert json.loads(text)["error"]["details"] == [{
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [
            {"field": "requests[0].update_cells",
             "description": "Invalid JSON payload received. Unknown name \"x\" at "
                            "'requests[0].update_cells': Cannot find field."},
            {"field": "requests[0].update_cells",
             "description": "Invalid JSON payload received. Unknown name \"y\" at "
                            "'requests[0].update_cells': Cannot find field."}]}]


def test_an_11_mb_body_is_refused_whole(fake: FakeSheets) -> None:
    cells = [{"userEnteredValue": {"stringValue": "八" * 1000}}] * 3700  # ~11 MB of JSON
    body = json.dumps(batch({"updateCells": {"start": START, "rows": [{"values": cells}],
                                             "fields": "userEnteredValue"}})).encode()
    assert len(body) > 11_000_000
    status, _, text = send(fake, "POST", BU, raw=body)
    assert status == 400
    assert json.loads(text) == {"error": {
        "code": 400, "message": "Request payload size exceeds the limit: 10485760 bytes.",
        "status": "INVALID_ARGUMENT"}}


def test_a_42000_character_url_is_414_from_the_front_end(fake: FakeSheets) -> None:
    ranges = "&".join(f"ranges={quote(f'学校!A{i}')}" for i in range(1, 1300))
    target = f"/v4/spreadsheets/{KEY}/values:batchGet?{ranges}"
    assert len(target) > 42_000
    status, kind, text = send(fake, "GET", target)
    assert status == 414
    assert kind.startswith("text/html")
    assert "The requested URL is too large to process." in text


def test_a_bad_content_length_is_answered(fake: FakeSheets) -> None:
    parts = urlsplit(fake.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    conn.putrequest("POST", BU)
    conn.putheader("Content-Length", "ten")
    conn.endheaders()
    answer = conn.getresponse()
    assert answer.status == 400
    assert b"malformed or illegal request" in answer.read()
    conn.close()


def test_snake_case_names_are_accepted_as_google_does(fake: FakeSheets) -> None:
    status, _, text = send(fake, "POST", BU, batch({"update_cells": {
        "start": {"sheet_id": 0, "row_index": 2, "column_index": 0},
        "rows": [{"values": [{"user_entered_value": {"string_value": "东街小学"}}]}],
        "fields": "user_entered_value"}}))
    assert status == 200, text
    status, _, text = send(fake, "PUT", f"/v4/spreadsheets/{KEY}/values/"
                                        f"{quote('学校!B3')}?value_input_option=RAW",
                           {"values": [["满城"]], "major_dimension": "ROWS"})
    assert status == 200, text
    assert fake.values(KEY, "学校")[2] == ["东街小学", "满城"]


def test_proto3_json_forms_are_accepted(fake: FakeSheets) -> None:
    """int32 as a decimal string, 2.0 as 2, enums by number, NaN as a string, null."""
    status, _, text = send(fake, "POST", BU, batch(
        {"appendDimension": {"sheetId": "0", "dimension": 2, "length": 2.0}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": "3"}, "rows": [{"values": [
            {"userEnteredValue": {"numberValue": "NaN"}}, None]}],
            "fields": "userEnteredValue", "range": None}}))
    assert status == 200, text
    with fake.store.lock:
        sheet = fake.spreadsheet(KEY).by_title("学校")
        assert sheet is not None
        assert sheet.cols == 28  # dimension 2 is COLUMNS (0 is DIMENSION_UNSPECIFIED)


def test_the_discovery_document_is_the_noted_revision() -> None:
    doc = schema.document()
    assert (doc["name"], doc["version"], schema.revision()) == ("sheets", "v4", schema.REVISION)
    assert "UpdateCellsRequest" in doc["schemas"]


# -- never a closed connection, never Python's words ------------------------------------------

PYTHON_WORDS = ("Traceback", "invalid literal", "object has no attribute", "NoneType",
                "KeyError", "TypeError", "ValueError", "not subscriptable", "unhashable",
                "is not iterable", "argument must be")

json_leaf = (st.none() | st.booleans() | st.integers(-(2**40), 2**40)
             | st.floats(allow_nan=False, allow_infinity=False)
             | st.text(string.ascii_letters + "学!:'", max_size=6))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["sheetId", "rowIndex", "range", "start", "fields", "rows", "values",
                     "properties", "title", "x", "dimension", "length", "userEnteredValue",
                     "stringValue", "mergeType", "gridProperties", "rowCount"]),
    inner, max_size=4), max_leaves=12)
KINDS = ["updateCells", "repeatCell", "addSheet", "deleteSheet", "updateSheetProperties",
         "appendDimension", "insertDimension", "deleteDimension", "mergeCells", "unmergeCells",
         "updateDimensionProperties", "setDataValidation", "addProtectedRange",
         "updateProtectedRange", "addChart", "deleteEmbeddedObject", "sortRange",
         "setBasicFilter", "addNamedRange", "duplicateSheet", "autoResizeDimensions"]
requests_ = st.lists(st.dictionaries(st.sampled_from(KINDS), json_value, min_size=1,
                                     max_size=1), min_size=1, max_size=3)


def _answered_cleanly(fake: FakeSheets, method: str, target: str, body: Any) -> None:
    status, kind, text = send(fake, method, target, body)
    assert status in (200, 400, 404), (status, text)
    if kind.startswith("application/json") and status != 200:
        message = json.loads(text)["error"]["message"]
        assert not any(word in message for word in PYTHON_WORDS), message
    assert fake.crashes == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests_)
def test_no_batch_update_makes_a_handler_fail(fake: FakeSheets, reqs: list[Any]) -> None:
    fake.create_spreadsheet("校验", {"学校": [["学校名称"]]}, key=KEY)
    _answered_cleanly(fake, "POST", BU, {"requests": reqs})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["A1", "学校!A1:B2", "'学校'!A:A", "学校", "Z", "!", "学校!1:2"]),
       st.sampled_from(["PUT", "POST-append", "POST-batch"]), json_value)
def test_no_values_write_makes_a_handler_fail(fake: FakeSheets, rng: str, how: str,
                                              values: Any) -> None:
    fake.create_spreadsheet("校验", {"学校": [["学校名称"]]}, key=KEY)
    base = f"/v4/spreadsheets/{KEY}/values"
    body = {"values": values}
    if how == "PUT":
        _answered_cleanly(fake, "PUT", f"{base}/{quote(rng)}?valueInputOption=USER_ENTERED",
                          body)
    elif how == "POST-append":
        _answered_cleanly(fake, "POST", f"{base}/{quote(rng)}:append?valueInputOption=RAW",
                          body)
    else:
        _answered_cleanly(fake, "POST", f"{base}:batchUpdate",
                          {"valueInputOption": "RAW", "data": [{"range": rng, **body}]})


def test_a_failing_handler_answers_500_and_the_server_says_so() -> None:
    fake = FakeSheets()
    with pytest.raises(AssertionError, match="failed on 1 request"), fake:
        key = fake.create_spreadsheet("x")
        with fake.store.lock:
            fake.spreadsheet(key).sheets[0].props["gridProperties"] = None  # corrupt state
        status, _, text = send(fake, "GET", f"/v4/spreadsheets/{key}/values/A1")
        assert (status, json.loads(text)) == (500, {"error": {
            "code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}})
        assert fake.requests[-1].status == 500


VALID = [
    {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0},
                     "rows": [{"values": [{"userEnteredValue": {"stringValue": "a"}}]}],
                     "fields": "userEnteredValue"}},
    {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2,
                               "startColumnIndex": 0, "endColumnIndex": 2},
                     "fields": "userEnteredValue,userEnteredFormat,note,dataValidation"}},
    {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                              "startColumnIndex": 0, "endColumnIndex": 2},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold"}},
    {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "学校", "gridProperties": {
        "rowCount": 10, "columnCount": 3, "frozenRowCount": 1}},
        "fields": "title,gridProperties.rowCount,gridProperties.columnCount,"
                  "gridProperties.frozenRowCount"}},
    {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
    {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                   "endIndex": 2}, "inheritFromBefore": True}},
    {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                   "endIndex": 2}}},
    {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                              "startColumnIndex": 0, "endColumnIndex": 2},
                    "mergeType": "MERGE_ALL"}},
    {"unmergeCells": {"range": {"sheetId": 0}}},
    {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                             "startIndex": 0, "endIndex": 1},
                                   "properties": {"pixelSize": 120}, "fields": "pixelSize"}},
    {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3,
                                     "startColumnIndex": 1, "endColumnIndex": 2},
                           "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                               {"userEnteredValue": "满城"}]}, "strict": False}}},
    {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0}, "warningOnly": True,
                                              "description": "x"}}},
    {"addSheet": {"properties": {"sheetId": 77, "title": "新表", "gridProperties": {
        "rowCount": 5, "columnCount": 5, "frozenRowCount": 1}}}},
    {"deleteSheet": {"sheetId": 77}},
    {"addChart": {"chart": {"spec": {"title": "t", "basicChart": {
        "chartType": "COLUMN", "domains": [{"domain": {"sourceRange": {"sources": [
            {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0,
             "endColumnIndex": 1}]}}}]}},
        "position": {"overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 0,
                                                        "columnIndex": 3}}}}}},
    {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3},
                   "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}},
    {"duplicateSheet": {"sourceSheetId": 0, "newSheetName": "副本", "insertSheetIndex": 1}},
    {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS",
                                             "startIndex": 0, "endIndex": 2}}},
]

WEIRD = {int: st.sampled_from([-1, 0, 1, 3, 2**31 - 1, -(2**31), 18_278, 5_000]),
         str: st.sampled_from(["", " ", "学校", "Sheet1", "A1", "'", "*", "userEnteredValue"]),
         bool: st.booleans()}


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(obj, dict):
        return [leaf for k, v in obj.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [leaf for i, v in enumerate(obj) for leaf in _leaves(v, (*path, i))]
    return [(path, obj)]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request with one leaf changed to a value of the same type: it passes the
    schema check and reaches the handler."""
    request = json.loads(json.dumps(draw(st.sampled_from(VALID))))
    leaves = [(p, v) for p, v in _leaves(request) if type(v) in WEIRD and p[-1] != "fields"]
    path, old = draw(st.sampled_from(leaves))
    node = request
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = draw(WEIRD[type(old)])
    return request


def test_every_valid_request_kind_applies(fake: FakeSheets) -> None:
    status, _, text = send(fake, "POST", BU, {"requests": VALID})
    assert status == 200, text


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutated(), min_size=1, max_size=3))
def test_no_valid_looking_request_makes_a_handler_fail(fake: FakeSheets,
                                                       reqs: list[Any]) -> None:
    fake.create_spreadsheet("校验", {"学校": [["学校名称", "县"], ["城关小学", "满城"],
                                            ["东街小学", "清苑"]]}, key=KEY)
    _answered_cleanly(fake, "POST", BU, {"requests": reqs})
