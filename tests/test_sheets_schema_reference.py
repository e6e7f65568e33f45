"""The local server does what the Sheets API reference says, for every request kind and
values method GoogleBook or gspread sends.

Each test quotes the sentence of the discovery document (``sheets_sync/testing/discovery``)
it holds the server to; none was written from a recording.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest

from sheets_sync.testing import FakeSheets


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSheets]:
    with FakeSheets() as fake:
        yield fake


@pytest.fixture
def sh(server: FakeSheets) -> gspread.Spreadsheet:
    key = server.create_spreadsheet("参考", {"表": [["a", "b", "c"], ["d", "e", "f"],
                                                   ["g", "h", "i"]]})
    return server.client().open_by_key(key)


def run(sh: gspread.Spreadsheet, *requests: dict[str, Any]) -> dict[str, Any]:
    return dict(sh.batch_update({"requests": list(requests)}))


def refused(sh: gspread.Spreadsheet, *requests: dict[str, Any]) -> str:
    with pytest.raises(gspread.exceptions.APIError) as err:
        run(sh, *requests)
    body: dict[str, Any] = err.value.response.json()
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    return str(body["error"]["message"])


def grid(sh: gspread.Spreadsheet) -> list[list[str]]:
    return sh.sheet1.get_all_values()


def cell_data(sh: gspread.Spreadsheet, a1: str) -> dict[str, Any]:
    data = sh.fetch_sheet_metadata({"ranges": f"表!{a1}", "includeGridData": "true"})
    row = data["sheets"][0]["data"][0].get("rowData") or [{}]
    values = row[0].get("values") or [{}]
    return dict(values[0])


def box(r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    return {"sheetId": 0, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0,
            "endColumnIndex": c1}


def text(value: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": value}}


# -- updateCells ----------------------------------------------------------------------------


def test_update_cells_range_clears_what_rows_do_not_cover(sh: gspread.Spreadsheet) -> None:
    """range: "If the data in rows does not cover the entire requested range, the fields
    matching those set in fields will be cleared." """
    run(sh, {"updateCells": {"range": box(0, 2, 0, 2), "rows": [{"values": [text("新")]}],
                             "fields": "userEnteredValue"}})
    assert grid(sh) == [["新", "", "c"], ["", "", "f"], ["g", "h", "i"]]


def test_update_cells_clears_only_the_fields_named(sh: gspread.Spreadsheet) -> None:
    run(sh, {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 1},
                             "rows": [{"values": [{"note": "备注"}]}], "fields": "note"}})
    run(sh, {"updateCells": {"range": box(1, 2, 1, 2), "fields": "userEnteredValue"}})
    assert grid(sh)[1] == ["d", "", "f"]
    assert cell_data(sh, "B2")["note"] == "备注"  # not named, kept


def test_update_cells_start_takes_rows_of_any_width(sh: gspread.Spreadsheet) -> None:
    """start: "Any number of rows and columns (including a different number of columns per
    row) may be written." """
    run(sh, {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 1},
                             "rows": [{"values": [text("1")]},
                                      {"values": [text("2"), text("3")]}],
                             "fields": "userEnteredValue"}})
    assert grid(sh) == [["a", "1", "c"], ["d", "2", "3"], ["g", "h", "i"]]


def test_a_star_mask_lists_every_field(sh: gspread.Spreadsheet) -> None:
    """fields: "A single "*" can be used as short-hand for listing every field." """
    run(sh, {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                             "rows": [{"values": [{"note": "只有备注"}]}], "fields": "*"}})
    data = cell_data(sh, "A1")
    assert data.get("note") == "只有备注" and "userEnteredValue" not in data


# -- repeatCell, merges, validation, dimensions ----------------------------------------------


def test_repeat_cell_changes_only_the_fields_listed(sh: gspread.Spreadsheet) -> None:
    """"Only the fields listed in the fields field are updated; others are unchanged." """
    run(sh, {"repeatCell": {"range": box(0, 1, 0, 3),
                            "cell": {**text("x"), "userEnteredFormat": {
                                "textFormat": {"bold": True}}},
                            "fields": "userEnteredFormat.textFormat.bold"}})
    assert grid(sh)[0] == ["a", "b", "c"]
    assert cell_data(sh, "C1")["userEnteredFormat"]["textFormat"]["bold"] is True


def test_unmerge_refuses_a_range_that_partly_spans_a_merge(sh: gspread.Spreadsheet) -> None:
    """range: "If the range spans multiple merges, all will be unmerged. The range must not
    partially span any merge." """
    run(sh, {"mergeCells": {"range": box(0, 2, 0, 2), "mergeType": "MERGE_ALL"}},
        {"mergeCells": {"range": box(2, 3, 0, 3), "mergeType": "MERGE_ALL"}})
    assert "partially spans a merge" in refused(sh, {"unmergeCells": {"range": box(0, 1, 0, 2)}})
    run(sh, {"unmergeCells": {"range": {"sheetId": 0}}})
    assert sh.fetch_sheet_metadata()["sheets"][0].get("merges") is None


@pytest.mark.parametrize(("kind", "merges"), [
    pytest.param("MERGE_ALL", 1, id="all"), pytest.param("MERGE_ROWS", 2, id="rows"),
    pytest.param("MERGE_COLUMNS", 2, id="columns")])
def test_merge_types(sh: gspread.Spreadsheet, kind: str, merges: int) -> None:
    """mergeType: MERGE_ALL one merge, MERGE_COLUMNS one per column, MERGE_ROWS one per row."""
    run(sh, {"mergeCells": {"range": box(0, 2, 0, 2), "mergeType": kind}})
    assert len(sh.fetch_sheet_metadata()["sheets"][0]["merges"]) == merges


def test_set_data_validation_without_a_rule_clears_it(sh: gspread.Spreadsheet) -> None:
    """"To clear validation in a range, call this with no rule specified." """
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "满城"}]},
            "strict": False}
    run(sh, {"setDataValidation": {"range": box(1, 3, 1, 2), "rule": rule}})
    assert cell_data(sh, "B3")["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    run(sh, {"setDataValidation": {"range": box(1, 3, 1, 2)}})
    assert "dataValidation" not in cell_data(sh, "B3")


def test_append_dimension_adds_at_the_end(sh: gspread.Spreadsheet) -> None:
    """"Appends rows or columns to the end of a sheet." """
    run(sh, {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 4}})
    props = sh.fetch_sheet_metadata()["sheets"][0]["properties"]["gridProperties"]
    assert (props["rowCount"], props["columnCount"]) == (1000, 30)
    assert grid(sh)[0] == ["a", "b", "c"]


def test_a_mask_naming_the_implied_root_is_refused(sh: gspread.Spreadsheet) -> None:
    """fields: "The root `properties` is implied and should not be specified." """
    message = refused(sh, {"updateDimensionProperties": {
        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
        "properties": {"pixelSize": 80}, "fields": "properties.pixelSize"}})
    assert message == ("Invalid requests[0].updateDimensionProperties: Invalid field mask "
                       "path: 'properties.pixelSize'")


def test_grid_range_start_after_end_is_refused(sh: gspread.Spreadsheet) -> None:
    """GridRange: "The start index must always be less than or equal to the end index." """
    assert refused(sh, {"repeatCell": {"range": box(2, 1, 0, 1), "cell": {"note": "x"},
                                       "fields": "note"}}) == (
        "Invalid requests[0].repeatCell: endRowIndex (1) must not be less than startRowIndex "
        "(2).")


# -- sheets, protection, charts ---------------------------------------------------------------


def test_add_sheet_at_an_index_moves_the_later_ones(sh: gspread.Spreadsheet) -> None:
    """"When a sheet is added at a given index, all subsequent sheets' indexes are
    incremented." """
    run(sh, {"addSheet": {"properties": {"title": "二"}}})
    run(sh, {"addSheet": {"properties": {"title": "一", "index": 1}}})
    assert [(w.title, w.index) for w in sh.worksheets()] == [("表", 0), ("一", 1), ("二", 2)]


def test_add_sheet_with_a_taken_id_is_refused(sh: gspread.Spreadsheet) -> None:
    """properties: "It is an error to specify the ID of a sheet that already exists." """
    assert refused(sh, {"addSheet": {"properties": {"sheetId": 0, "title": "新"}}}) == (
        "Invalid requests[0].addSheet: A sheet with id 0 already exists.")


def test_add_protected_range_with_a_taken_id_is_refused(sh: gspread.Spreadsheet) -> None:
    """protectedRange: "It is an error to specify the ID of a range that already exists." """
    given = {"protectedRangeId": 4242, "range": {"sheetId": 0}, "warningOnly": True}
    reply = run(sh, {"addProtectedRange": {"protectedRange": given}})
    assert reply["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"] == 4242
    assert refused(sh, {"addProtectedRange": {"protectedRange": given}}) == (
        "Invalid requests[0].addProtectedRange: A protected range with id 4242 already exists.")


def test_update_protected_range_changes_the_fields_named(sh: gspread.Spreadsheet) -> None:
    """"Updates an existing protected range with the specified protectedRangeId." """
    reply = run(sh, {"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0}, "warningOnly": True, "description": "旧"}}})
    pid = reply["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    run(sh, {"updateProtectedRange": {"protectedRange": {
        "protectedRangeId": pid, "description": "新", "unprotectedRanges": [box(1, 3, 1, 2)]},
        "fields": "unprotectedRanges"}})
    stored = sh.fetch_sheet_metadata()["sheets"][0]["protectedRanges"][0]
    assert stored["description"] == "旧" and stored["unprotectedRanges"] == [box(1, 3, 1, 2)]


def test_delete_embedded_object_deletes_the_chart(sh: gspread.Spreadsheet) -> None:
    """"Deletes the embedded object with the given ID." """
    reply = run(sh, {"addChart": {"chart": {"spec": {"basicChart": {"chartType": "COLUMN"}},
                                            "position": {"overlayPosition": {"anchorCell": {
                                                "sheetId": 0, "rowIndex": 0,
                                                "columnIndex": 4}}}}}})
    chart = reply["replies"][0]["addChart"]["chart"]["chartId"]
    run(sh, {"deleteEmbeddedObject": {"objectId": chart}})
    assert "charts" not in sh.fetch_sheet_metadata()["sheets"][0]
    assert refused(sh, {"deleteEmbeddedObject": {"objectId": chart}}) == (
        f"Invalid requests[0].deleteEmbeddedObject: No object with id: {chart}")


# -- values and get -----------------------------------------------------------------------------


def test_batch_get_keeps_the_order_and_major_dimension(sh: gspread.Spreadsheet) -> None:
    """valueRanges: "The order of the ValueRanges is the same as the order of the requested
    ranges." majorDimension COLUMNS: "[[1,3],[2,4]]"."""
    got = sh.values_batch_get(["表!B2:C3", "表!A1:B2"], params={"majorDimension": "COLUMNS"})
    assert [vr["values"] for vr in got["valueRanges"]] == [[["e", "h"], ["f", "i"]],
                                                           [["a", "d"], ["b", "e"]]]
    assert [vr["range"] for vr in got["valueRanges"]] == ["'表'!B2:C3", "'表'!A1:B2"]


def test_values_trailing_empties_are_left_out(sh: gspread.Spreadsheet) -> None:
    """values: "For output, empty trailing rows and columns will not be included." range:
    "this range indicates the entire requested range"."""
    got = sh.values_get("表!A1:E6")
    assert got["range"] == "'表'!A1:E6" and got["values"][-1] == ["g", "h", "i"]
    assert len(got["values"]) == 3


def test_null_values_are_skipped_and_empty_strings_clear(sh: gspread.Spreadsheet) -> None:
    """values: "Null values will be skipped. To set a cell to an empty value, set the string
    value to an empty string." """
    sh.values_update("表!A1:C1", params={"valueInputOption": "RAW"},
                     body={"values": [[None, "", "新"]]})
    assert grid(sh)[0] == ["a", "", "新"]


def test_a_field_mask_wins_over_include_grid_data(sh: gspread.Spreadsheet) -> None:
    """includeGridData: "This parameter is ignored if a field mask was set in the request." """
    data = sh.fetch_sheet_metadata({"includeGridData": "true",
                                    "fields": "sheets.properties.title"})
    assert data == {"sheets": [{"properties": {"title": "表"}}]}


# -- more request kinds gspread sends --------------------------------------------------------


def test_insert_dimension_needs_both_ends(sh: gspread.Spreadsheet) -> None:
    """range: "Both the start and end indexes must be bounded." """
    message = refused(sh, {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS",
                                                         "startIndex": 1}}})
    assert message == ("Invalid requests[0].insertDimension: range must have both a start "
                       "and an end index.")


def test_insert_rows_inheriting_from_before_row_zero_is_refused(sh: gspread.Spreadsheet) -> None:
    """inheritFromBefore: "True to inherit from the dimensions before (in which case the start
    index must be greater than 0)" """
    assert "Cannot inherit" in refused(sh, {"insertDimension": {
        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
        "inheritFromBefore": True}})


def test_delete_dimension_removes_the_rows(sh: gspread.Spreadsheet) -> None:
    """"Deletes the dimensions from the sheet." """
    run(sh, {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0,
                                           "endIndex": 1}}})
    assert grid(sh) == [["d", "e", "f"], ["g", "h", "i"]]
    assert sh.sheet1.row_count == 999


def test_sort_uses_later_specs_for_ties(sh: gspread.Spreadsheet) -> None:
    """sortSpecs: "Later specifications are used when values are equal in the earlier
    specifications." """
    sh.values_update("表!A1:B4", params={"valueInputOption": "RAW"},
                     body={"values": [["满城", "2"], ["清苑", "1"], ["满城", "1"], ["清苑", "3"]]})
    run(sh, {"sortRange": {"range": box(0, 4, 0, 2), "sortSpecs": [
        {"dimensionIndex": 0, "sortOrder": "ASCENDING"},
        {"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}})
    assert [r[:2] for r in grid(sh)[:4]] == [["清苑", "3"], ["清苑", "1"], ["满城", "2"],
                                             ["满城", "1"]]


def test_add_named_range_with_a_taken_id_is_refused(sh: gspread.Spreadsheet) -> None:
    """namedRange: "It is an error to specify the ID of a range that already exists." """
    named = {"namedRangeId": "nr1", "name": "school_list", "range": box(0, 3, 0, 1)}
    run(sh, {"addNamedRange": {"namedRange": named}})
    assert refused(sh, {"addNamedRange": {"namedRange": {**named, "name": "other_list"}}}) == (
        "Invalid requests[0].addNamedRange: A named range with id nr1 already exists.")
    run(sh, {"deleteNamedRange": {"namedRangeId": "nr1"}})
    assert "namedRanges" not in sh.fetch_sheet_metadata()


def test_clear_basic_filter_without_one_is_fine(sh: gspread.Spreadsheet) -> None:
    """"Clears the basic filter, if any exists on the sheet." """
    assert run(sh, {"clearBasicFilter": {"sheetId": 0}})["replies"] == [{}]


def test_values_clear_keeps_formats_and_validation(sh: gspread.Spreadsheet) -> None:
    """"Only values are cleared -- all other properties of the cell (such as formatting, data
    validation, etc..) are kept." """
    run(sh, {"repeatCell": {"range": box(0, 1, 0, 1), "cell": {"userEnteredFormat": {
        "textFormat": {"bold": True}}, "note": "注"}, "fields": "userEnteredFormat,note"}})
    sh.values_clear("表!A1:A1")
    data = cell_data(sh, "A1")
    assert "userEnteredValue" not in data and data["note"] == "注"
    assert data["userEnteredFormat"]["textFormat"]["bold"] is True


def test_values_written_by_columns(sh: gspread.Spreadsheet) -> None:
    """majorDimension: "With range=A1:B2,majorDimension=COLUMNS then [[1,2],[3,4]] will set
    A1=1,B1=3,A2=2,B2=4." """
    sh.values_update("表!A1:B2", params={"valueInputOption": "RAW"},
                     body={"values": [["1", "2"], ["3", "4"]], "majorDimension": "COLUMNS"})
    assert [r[:2] for r in grid(sh)[:2]] == [["1", "3"], ["2", "4"]]


@pytest.mark.parametrize(("option", "rows"), [
    pytest.param("OVERWRITE", 1000, id="overwrite"),
    pytest.param("INSERT_ROWS", 1001, id="insert-rows")])
def test_append_overwrites_or_inserts_rows(sh: gspread.Spreadsheet, option: str,
                                           rows: int) -> None:
    """insertDataOption: OVERWRITE "The new data overwrites existing data in the areas it is
    written"; INSERT_ROWS "Rows are inserted for the new data." """
    sh.values_update("表!A5", params={"valueInputOption": "RAW"}, body={"values": [["尾"]]})
    got = sh.values_append("表!A1:C3", params={"valueInputOption": "RAW",
                                               "insertDataOption": option},
                           body={"values": [["j", "k", "l"]]})
    assert got["updates"]["updatedRange"] == "'表'!A4:C4"
    assert sh.sheet1.row_count == rows
    assert grid(sh)[3] == ["j", "k", "l"]


def test_update_response_holds_the_whole_requested_range(sh: gspread.Spreadsheet) -> None:
    """includeValuesInResponse: "If the range to write was larger than the range actually
    written, the response includes all values in the requested range (excluding trailing
    empty row and columns)." """
    got = sh.values_update("表!A2:E9", params={"valueInputOption": "RAW",
                                               "includeValuesInResponse": "true"},
                           body={"values": [["新"]]})
    assert got["updatedRange"] == "'表'!A2"
    assert got["updatedData"] == {"range": "'表'!A2:E9", "majorDimension": "ROWS",
                                  "values": [["新", "e", "f"], ["g", "h", "i"]]}
