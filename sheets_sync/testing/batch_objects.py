"""``batchUpdate`` requests on objects anchored to ranges: protected ranges, named
ranges and charts."""

from __future__ import annotations

import copy
import re
from typing import Any

from . import fields
from .a1 import looks_like_cells
from .batch_base import Context, RequestFailed, handles
from .state import Sheet, Spreadsheet

# -- protected and named ranges, charts ----------------------------------------------------


def _stored_range(ctx: Context, gr: dict[str, Any]) -> tuple[Sheet, dict[str, Any]]:
    sheet, _ = ctx.grid(gr)
    out = {k: v for k, v in gr.items() if k != "sheetId"}
    if sheet.sheet_id:
        out = {"sheetId": sheet.sheet_id, **out}
    return sheet, out


def _find_protected(book: Spreadsheet, pid: Any) -> tuple[Sheet, dict[str, Any]]:
    for sheet in book.sheets:
        for pr in sheet.protected:
            if str(pr["protectedRangeId"]) == str(pid):
                return sheet, pr
    raise RequestFailed(f"No protected range with id: {pid}")


@handles("addProtectedRange")
def add_protected_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    given = req.get("protectedRange") or {}
    if given.get("namedRangeId"):
        named = next((n for n in ctx.book.named
                      if n["namedRangeId"] == given["namedRangeId"]), None)
        if named is None:
            raise RequestFailed(f"No named range with id: {given['namedRangeId']}")
        sheet = ctx.sheet(named["range"].get("sheetId"))
        stored_range: dict[str, Any] | None = None
    else:
        sheet, stored_range = _stored_range(ctx, given.get("range") or {})
    pid = int(given.get("protectedRangeId") or ctx.store.new_object_id())
    if any(int(pr["protectedRangeId"]) == pid for s in ctx.book.sheets for pr in s.protected):
        raise RequestFailed(f"A protected range with id {pid} already exists.")
    reply: dict[str, Any] = {"protectedRangeId": pid}
    if stored_range is not None:
        reply["range"] = stored_range
    else:
        reply["namedRangeId"] = given["namedRangeId"]
    if given.get("description"):
        reply["description"] = given["description"]
    warning = bool(given.get("warningOnly"))
    if warning:
        reply["warningOnly"] = True
        if any((given.get("editors") or {}).values()):
            raise RequestFailed("ProtectedRange.editors cannot be set when warningOnly is true.")
    if given.get("unprotectedRanges"):
        reply["unprotectedRanges"] = copy.deepcopy(given["unprotectedRanges"])
    reply["requestingUserCanEdit"] = True
    stored = copy.deepcopy(reply)
    if not warning:
        editors = {k: v for k, v in (given.get("editors") or {}).items() if v}
        reply["editors"] = copy.deepcopy(editors)
        users = list(editors.get("users") or [])
        if ctx.store.user_email not in users:
            users.append(ctx.store.user_email)
        stored["editors"] = {**editors, "users": users}
    sheet.protected.append(stored)
    return {"addProtectedRange": {"protectedRange": reply}}


@handles("updateProtectedRange")
def update_protected_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    given = req.get("protectedRange") or {}
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    _, stored = _find_protected(ctx.book, given.get("protectedRangeId"))
    if "range" in given:
        given = {**given, "range": _stored_range(ctx, given["range"])[1]}
    fields.assign(stored, given, mask, allowed=tuple(k for k in given if k != "protectedRangeId"))
    return {}


@handles("deleteProtectedRange")
def delete_protected_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    sheet, stored = _find_protected(ctx.book, req.get("protectedRangeId"))
    sheet.protected.remove(stored)
    return {}


_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")


@handles("addNamedRange")
def add_named_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    given = req.get("namedRange") or {}
    name = str(given.get("name") or "")
    if not _NAME.match(name) or looks_like_cells(name) or name.upper() in ("TRUE", "FALSE"):
        raise RequestFailed(f"Invalid name for a named range: {name}")
    if any(nr["name"].lower() == name.lower() for nr in ctx.book.named):
        raise RequestFailed(f"Named range with name \"{name}\" already exists.")
    _, stored_range = _stored_range(ctx, given.get("range") or {})
    nid = str(given.get("namedRangeId") or ctx.store.new_object_id())
    if any(nr["namedRangeId"] == nid for nr in ctx.book.named):
        raise RequestFailed(f"A named range with id {nid} already exists.")
    named = {"namedRangeId": nid, "name": name, "range": stored_range}
    ctx.book.named.append(named)
    return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}


@handles("updateNamedRange")
def update_named_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    given = req.get("namedRange") or {}
    mask = req.get("fields")
    if not mask:
        raise RequestFailed("At least one field must be updated, but 'fields' is empty.")
    named = next((n for n in ctx.book.named if n["namedRangeId"] == given.get("namedRangeId")),
                 None)
    if named is None:
        raise RequestFailed(f"No named range with id: {given.get('namedRangeId')}")
    if "range" in given:
        given = {**given, "range": _stored_range(ctx, given["range"])[1]}
    fields.assign(named, given, mask, allowed=("name", "range"))
    return {}


@handles("deleteNamedRange")
def delete_named_range(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    nid = req.get("namedRangeId")
    before = len(ctx.book.named)
    ctx.book.named = [n for n in ctx.book.named if n["namedRangeId"] != nid]
    if len(ctx.book.named) == before:
        raise RequestFailed(f"No named range with id: {nid}")
    return {}


@handles("addChart")
def add_chart(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    chart = copy.deepcopy(req.get("chart") or {})
    if not chart.get("spec"):
        raise RequestFailed("A chart must have a spec.")
    position = chart.get("position") or {}
    anchor = (position.get("overlayPosition") or {}).get("anchorCell") or {}
    sheet_id = anchor.get("sheetId", position.get("sheetId", ctx.book.first_sheet().sheet_id))
    sheet = ctx.sheet(sheet_id, "sheet")
    chart = {"chartId": int(chart.get("chartId") or ctx.store.new_object_id()), **{
        k: v for k, v in chart.items() if k != "chartId"}}
    sheet.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


@handles("deleteEmbeddedObject")
def delete_embedded_object(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    oid = int(req.get("objectId") or 0)
    for sheet in ctx.book.sheets:
        for chart in sheet.charts:
            if chart["chartId"] == oid:
                sheet.charts.remove(chart)
                return {}
    raise RequestFailed(f"No object with id: {oid}")

