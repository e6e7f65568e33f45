"""Every request checked against Google's published description of the Sheets API v4.

``discovery/sheets.v4.json`` is Google's discovery document (revision in
:data:`REVISION`). Before a request reaches a handler, the server checks it the way
Google's front end parses it into the API's protocol buffers:

* **body** (proto3's JSON mapping): every name must be a field of its message — the JSON
  name (``updateCells``) or the proto name (``update_cells``); ``null`` is the default
  value; strings, booleans, int32 (a number or a decimal string, in range), doubles
  (``"NaN"``/``"Infinity"`` too) and enums (a listed name, or its number) must have their
  type; a repeated field takes a list, a message an object; at most one field of each
  *union field* (the REST reference's "Union field ``kind``", e.g. one kind per
  ``Request``, ``start`` or ``range`` in ``updateCells``);
* **query**: every parameter must be the method's or one of the standard ones (``fields``,
  ``alt``, ``prettyPrint`` …), enums among their values, booleans ``true``/``false``;
* **field masks** (:func:`mask_problem`, called per request by ``batchUpdate``): each
  path in ``fields`` names a real field of the message the request updates.

Errors answer as Google does: 400 ``INVALID_ARGUMENT``, one line per problem, joined by
newlines, and a ``google.rpc.BadRequest`` detail listing each ``fieldViolation``, e.g.
(one per line in the answer)::

    Invalid JSON payload received. Unknown name "x" at 'requests[0].update_cells':
      Cannot find field.
    Invalid value at 'requests[0].merge_cells.merge_type'
      (type.googleapis.com/google.apps.sheets.v4.MergeCellsRequest.MergeType), "ALL"
    Invalid value at 'requests[0].update_cells.start.row_index' (TYPE_INT32), 3000000000
    Invalid value at 'requests[0]' (oneof), oneof field 'kind' is already set.
      Cannot set 'repeatCell'
    Invalid JSON payload received. Unknown name "foo": Cannot bind query parameter.
      Field 'foo' could not be found in request message.
    Invalid value at 'value_input_option'
      (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "RAWW"
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources
from typing import Any

from . import errors, fields

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
PROTO = "type.googleapis.com/google.apps.sheets.v4."

# The union fields of the REST reference ("Union field kind can be only one of …"); the
# discovery document does not mark them.
ONEOFS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "UpdateCellsRequest": (("area", ("start", "range")),),
    "ExtendedValue": (("value", ("numberValue", "stringValue", "boolValue", "formulaValue",
                                 "errorValue")),),
    "ColorStyle": (("kind", ("rgbColor", "themeColor")),),
    "EmbeddedObjectPosition": (("location", ("sheetId", "overlayPosition", "newSheet")),),
    "ChartSpec": (("chart", ("basicChart", "pieChart", "bubbleChart", "candlestickChart",
                             "orgChart", "histogramChart", "waterfallChart", "treemapChart",
                             "scorecardChart")),),
    "ChartData": (("type", ("sourceRange", "columnReference")),),
    "DataFilter": (("filter", ("developerMetadataLookup", "a1Range", "gridRange")),),
    "AutoFillRequest": (("area", ("range", "sourceAndDestination")),),
    "PasteDataRequest": (("kind", ("delimiter", "html")),),
    "FindReplaceRequest": (("scope", ("range", "sheetId", "allSheets")),),
    "ConditionalFormatRule": (("rule", ("booleanRule", "gradientRule")),),
    "PivotTable": (("source_data", ("source", "dataSourceId")),),
    "DeveloperMetadataLocation": (("location", ("spreadsheet", "sheetId", "dimensionRange")),),
}

# The message each ``fields`` mask of a batchUpdate request is rooted at.
MASK_ROOTS = {
    "updateCells": "CellData", "repeatCell": "CellData", "appendCells": "CellData",
    "updateSheetProperties": "SheetProperties",
    "updateSpreadsheetProperties": "SpreadsheetProperties",
    "updateDimensionProperties": "DimensionProperties",
    "updateProtectedRange": "ProtectedRange", "updateNamedRange": "NamedRange",
    "updateBanding": "BandedRange", "updateFilterView": "FilterView",
    "updateEmbeddedObjectPosition": "EmbeddedObjectPosition",
    "updateEmbeddedObjectBorder": "EmbeddedObjectBorder",
    "updateDeveloperMetadata": "DeveloperMetadata", "updateSlicerSpec": "SlicerSpec",
    "updateDimensionGroup": "DimensionGroup", "updateDataSource": "DataSource",
    "updateTable": "Table",
}

# Enums the protos define once and share (the rest are nested: ``Message.FieldName``).
SHARED_ENUMS = {
    "dimension": "Dimension", "majorDimension": "Dimension",
    "valueInputOption": "ValueInputOption", "valueRenderOption": "ValueRenderOption",
    "responseValueRenderOption": "ValueRenderOption",
    "dateTimeRenderOption": "DateTimeRenderOption",
    "responseDateTimeRenderOption": "DateTimeRenderOption",
    "insertDataOption": "AppendValuesRequest.InsertDataOption",
    "sheetType": "SheetType", "sortOrder": "SortOrder", "themeColor": "ThemeColorType",
    "colorType": "ThemeColorType", "horizontalAlignment": "HorizontalAlign",
    "chartType": "BasicChartType", "targetAxis": "BasicChartAxisPosition",
    "pasteType": "PasteType", "pasteOrientation": "PasteOrientation",
    "recalculationInterval": "RecalculationInterval", "autoRecalc": "RecalculationInterval",
}
ENUM_IN_MESSAGE = {("BasicChartSpec", "legendPosition"): "BasicChartLegendPosition",
                   ("BasicChartAxis", "position"): "BasicChartAxisPosition",
                   ("PieChartSpec", "legendPosition"): "PieChartLegendPosition"}


@cache
def document() -> dict[str, Any]:
    """The discovery document (parsed once)."""
    text = resources.files(__package__).joinpath("discovery/sheets.v4.json").read_text("utf-8")
    return dict(json.loads(text))


def revision() -> str:
    return str(document()["revision"])


REVISION = "20261019"


@cache
def snake(name: str) -> str:
    """``updateCells`` -> ``update_cells`` (the proto name Google's paths use)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@cache
def camel(name: str) -> str:
    """``update_cells`` -> ``updateCells`` (the JSON name)."""
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


class Problems:
    """Violations found in one request: ``(field, description)`` in the order found."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, where: str, description: str) -> None:
        self.found.append((where, description))

    def error(self) -> errors.ApiError | None:
        if not self.found:
            return None
        violations = [({"field": f} if f else {}) | {"description": d} for f, d in self.found]
        return errors.ApiError(400, "\n".join(d for _, d in self.found), details=[{
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": violations}])


def _shown(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "[list]" if isinstance(value, list) else "{object}"
    return json.dumps(value, ensure_ascii=False)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _unknown(problems: Problems, name: str, path: str, why: str = "Cannot find field.") -> None:
    where = f" at '{path}'" if path else ""
    problems.add(path, f'Invalid JSON payload received. Unknown name "{name}"{where}: {why}')


def _property(schema: dict[str, Any], name: str) -> tuple[str, dict[str, Any]] | None:
    props = schema.get("properties") or {}
    if name in props:
        return name, props[name]
    if "_" in name and camel(name) in props:
        return camel(name), props[camel(name)]
    return None


def _enum_type(owner: str, name: str) -> str:
    shared = ENUM_IN_MESSAGE.get((owner, name)) or SHARED_ENUMS.get(name)
    return PROTO + (shared or f"{owner}.{name[:1].upper()}{name[1:]}")


def _integer(value: Any, bounds: tuple[int, int]) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        if not re.fullmatch(r"-?\d+", value.strip()):
            return False
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return False
        number = int(value)
    else:
        return False
    return bounds[0] <= number <= bounds[1]


def _double(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return True
        try:
            return math.isfinite(float(value))
        except ValueError:
            return False
    return False


def _scalar(problems: Problems, owner: str, name: str, spec: dict[str, Any], value: Any,
            path: str) -> None:
    """One non-message value against its field's type."""
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "any":
        return
    if "enum" in spec:
        allowed = spec["enum"]
        ok = (isinstance(value, str) and value in allowed) or (
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(allowed))
        if not ok:
            problems.add(path, f"Invalid value at '{path}' ({_enum_type(owner, name)}), "
                               f"{_shown(value)}")
        return
    if kind == "integer":
        ok = _integer(value, INT64 if fmt in ("int64", "uint64") else INT32)
        proto = {"int64": "TYPE_INT64", "uint32": "TYPE_UINT32", "uint64": "TYPE_UINT64"}.get(
            str(fmt), "TYPE_INT32")
    elif kind == "number":
        ok = _double(value)
        proto = "TYPE_FLOAT" if fmt == "float" else "TYPE_DOUBLE"
    elif kind == "boolean":
        ok, proto = isinstance(value, bool), "TYPE_BOOL"
    elif fmt == "google-fieldmask":
        ok, proto = isinstance(value, str), "type.googleapis.com/google.protobuf.FieldMask"
    elif fmt == "google-datetime":
        ok, proto = isinstance(value, str), "type.googleapis.com/google.protobuf.Timestamp"
    else:
        ok, proto = isinstance(value, str), "TYPE_STRING"
    if not ok:
        problems.add(path, f"Invalid value at '{path}' ({proto}), {_shown(value)}")


def _value(problems: Problems, owner: str, name: str, spec: dict[str, Any], value: Any,
           path: str, parent: str, *, item: bool = False) -> Any:
    """Check ``value`` of field ``name`` (of message ``owner``) at ``path``; return it in
    the form the handlers read (see :func:`canonical`)."""
    if value is None:
        return None  # proto3 JSON: null is the field's default
    if spec.get("type") == "array" and not item:
        if not isinstance(value, list):
            ref = spec["items"].get("$ref")
            kind = PROTO + ref if ref else "TYPE_" + str(spec["items"].get("type", "")).upper()
            problems.add(path, f"Invalid value at '{path}' ({kind}), {_shown(value)}")
            return value
        inner = spec["items"]
        if inner.get("type") == "array":  # ListValue of values (ValueRange.values)
            for i, entry in enumerate(value):
                if not isinstance(entry, list) and entry is not None:
                    here = f"{path}[{i}]"
                    problems.add(here, f"Invalid value at '{here}' "
                                       f"(type.googleapis.com/google.protobuf.ListValue), "
                                       f"{_shown(entry)}")
            return value
        return [_value(problems, owner, name, inner, entry, f"{path}[{i}]", parent, item=True)
                for i, entry in enumerate(value)]
    if isinstance(value, list):
        _unknown(problems, name, parent, "Proto field is not repeating, cannot start list.")
        return value
    ref = spec.get("$ref")
    if ref is not None:
        if not isinstance(value, dict):
            problems.add(path, f"Invalid value at '{path}' ({PROTO}{ref}), {_shown(value)}")
            return value
        return message(problems, ref, value, path)
    if spec.get("type") == "object":  # a map
        if not isinstance(value, dict):
            problems.add(path, f"Invalid value at '{path}' (map), {_shown(value)}")
            return value
        sub = spec.get("additionalProperties") or {}
        if "$ref" in sub:
            return {key: message(problems, sub["$ref"], entry, f"{path}[{key}]")
                    if isinstance(entry, dict) else entry for key, entry in value.items()}
        return value
    if isinstance(value, dict):
        _unknown(problems, name, parent, "Starting an object on a scalar field")
        return value
    _scalar(problems, owner, name, spec, value, path)
    return _canonical_scalar(spec, value)


def _canonical_scalar(spec: dict[str, Any], value: Any) -> Any:
    if "enum" in spec and isinstance(value, int) and not isinstance(value, bool):
        return spec["enum"][value] if 0 <= value < len(spec["enum"]) else value
    if spec.get("type") == "integer" and isinstance(value, (str, float)):
        return int(value) if _integer(value, INT64) else value
    if spec.get("format") == "google-fieldmask" and isinstance(value, str) and "_" in value:
        return re.sub(r"[A-Za-z0-9_]+", lambda m: camel(m.group(0)), value)
    return value


def message(problems: Problems, schema_id: str, body: dict[str, Any],
            path: str = "") -> dict[str, Any]:
    """Check ``body`` as a ``schema_id`` message at ``path`` (``""``: the request body);
    return it in canonical form: JSON names (``update_cells`` -> ``updateCells``), enums
    by name, int32 as ``int``, masks in JSON names (unknown names kept as they are)."""
    schema = document()["schemas"][schema_id]
    names: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key, value in body.items():
        found = _property(schema, key)
        if found is None:
            _unknown(problems, key, path)
            out[key] = value
            continue
        name, spec = found
        if value is not None:
            names[name] = key
        out[name] = _value(problems, schema_id, name, spec, value,
                           f"{path}.{snake(name)}" if path else snake(name), path)
    oneofs = ONEOFS.get(schema_id, ())
    if schema_id == "Request":
        oneofs = (("kind", tuple(schema.get("properties") or ())),)
    for union, members in oneofs:
        present = [m for m in members if m in names]
        if len(present) > 1:
            problems.add(path, f"Invalid value at '{path}' (oneof), oneof field '{union}' is "
                               f"already set. Cannot set '{names[present[1]]}'")
    return out


# -- methods and query parameters ---------------------------------------------------------


@cache
def methods() -> dict[str, dict[str, Any]]:
    """Every method of the document by id (``spreadsheets.values.batchGet`` …)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(resource: dict[str, Any]) -> None:
        for method in (resource.get("methods") or {}).values():
            out[method["id"].removeprefix("sheets.")] = method
        for sub in (resource.get("resources") or {}).values():
            walk(sub)

    walk(document())
    return out


def _query_value(problems: Problems, name: str, spec: dict[str, Any], value: str) -> None:
    where = snake(name)
    if "enum" in spec:
        if value not in spec["enum"]:
            kind = SHARED_ENUMS.get(name, name[:1].upper() + name[1:])
            problems.add(where, f"Invalid value at '{where}' ({PROTO}{kind}), {_shown(value)}")
    elif spec.get("type") == "boolean":
        if value.lower() not in ("true", "false", "1", "0"):
            problems.add(where, f"Invalid value at '{where}' (TYPE_BOOL), {_shown(value)}")
    elif spec.get("type") == "integer" and not _integer(value, INT32):
        problems.add(where, f"Invalid value at '{where}' (TYPE_INT32), {_shown(value)}")


def check(method_id: str, query: dict[str, list[str]], body: dict[str, Any],
          ) -> dict[str, Any]:
    """Raise Google's 400 if the query or body of a ``method_id`` call is malformed; else
    return the body in canonical form (:func:`message`).

    Methods the document does not describe (Drive's) are not checked here.
    """
    method = methods().get(method_id)
    if method is None:
        return body
    problems = Problems()
    params = {k: v for k, v in (method.get("parameters") or {}).items()
              if v.get("location") == "query"}
    params.update(document().get("parameters") or {})
    for key, values in query.items():
        spec = params.get(key) or (params.get(camel(key)) if "_" in key else None)
        if spec is None:
            problems.add("", f'Invalid JSON payload received. Unknown name "{key}": Cannot bind '
                             f"query parameter. Field '{key}' could not be found in request "
                             "message.")
            continue
        for value in values:
            _query_value(problems, camel(key) if "_" in key else key, spec, value)
    response = str((method.get("response") or {}).get("$ref") or "")
    for mask in query.get("fields", []) if response else []:
        bad = response_mask_problem(response, mask)
        if bad is not None:
            raise errors.bad_request(f"Error expanding 'fields' parameter. Cannot find "
                                     f"matching fields for path '{bad}'.")
    request = (method.get("request") or {}).get("$ref")
    if request is not None and body:
        body = message(problems, request, body)
    elif request is None and body:
        for key in body:
            _unknown(problems, key, "")
    error = problems.error()
    if error is not None:
        raise error
    return body


# -- field masks --------------------------------------------------------------------------


def _mask_path_ok(schema_id: str, path: tuple[str, ...]) -> bool:
    schemas = document()["schemas"]
    spec: dict[str, Any] = {"$ref": schema_id}
    for name in path:
        if name == "*":
            return True
        while spec.get("type") == "array":
            spec = spec["items"]
        if spec.get("type") == "object":  # a map: its keys are data
            return True
        ref = spec.get("$ref")
        if ref is None:
            return False
        found = _property(schemas[ref], name)
        if found is None:
            return False
        spec = found[1]
    return True


def _top_level_parts(mask: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(mask):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(mask[start:i])
            start = i + 1
    parts.append(mask[start:])
    return parts


def response_mask_problem(schema_id: str, mask: str) -> str | None:
    """The first path of a response field mask (the ``fields`` query parameter) that names
    nothing in a ``schema_id`` answer; None when every path does. Sheets' parser takes no
    spaces: ``"properties, sheets"`` names ``' sheets'``."""
    for part in _top_level_parts(mask):
        if re.search(r"\s", part) or not re.fullmatch(r"[A-Za-z0-9_.,()*/]+", part):
            return part
        for path in fields.leaf_paths(fields.parse(part)):
            if not _mask_path_ok(schema_id, tuple(camel(p) for p in path)):
                return ".".join(path)
    return None


def mask_problem(kind: str, request: dict[str, Any]) -> str | None:
    """What is wrong with the ``fields`` mask of a ``kind`` request, Google's words; or None."""
    root = MASK_ROOTS.get(kind)
    mask = request.get("fields")
    if root is None or not isinstance(mask, str) or not mask.strip():
        return None
    if mask.strip() == "*":
        return None
    if not re.fullmatch(r"[A-Za-z0-9_.,()*/\s]+", mask) or mask.count("(") != mask.count(")"):
        return f"Invalid field mask: '{mask}'"
    for path in fields.leaf_paths(fields.parse(mask)):
        if not _mask_path_ok(root, path):
            return f"Invalid field mask path: '{'.'.join(path)}'"
    return None
