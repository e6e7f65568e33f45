"""The Drive v3 ``files`` calls gspread makes: create, get, list, copy, rename, delete,
export (CSV/TSV) and the owner's permission list."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from . import errors, fields
from .a1 import Box
from .grid import read
from .state import Spreadsheet, Store, now_stamp

SHEET_MIME = "application/vnd.google-apps.spreadsheet"
_DEFAULT_FIELDS = "kind,id,name,mimeType"


def file_json(book: Spreadsheet) -> dict[str, Any]:
    return {
        "kind": "drive#file",
        "id": book.id,
        "name": book.title,
        "mimeType": SHEET_MIME,
        "createdTime": book.created,
        "modifiedTime": book.modified,
    }


def _masked(obj: dict[str, Any], mask_text: str | None) -> dict[str, Any]:
    result: dict[str, Any] = fields.select(obj, fields.parse(mask_text or _DEFAULT_FIELDS))
    return result


def _book(store: Store, file_id: str) -> Spreadsheet:
    book = store.books.get(file_id)
    if book is None:
        raise errors.drive_not_found(file_id)
    return book


def create(store: Store, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    mime = body.get("mimeType", SHEET_MIME)
    if mime != SHEET_MIME:
        raise errors.ApiError(400, f"The local server only creates spreadsheets, not {mime}.",
                              drive_reason="badRequest")
    book = store.create(str(body.get("name") or "Untitled spreadsheet"))
    return _masked(file_json(book), query.get("fields"))


def get(store: Store, file_id: str, query: dict[str, str]) -> dict[str, Any]:
    return _masked(file_json(_book(store, file_id)), query.get("fields"))


def update(store: Store, file_id: str, body: dict[str, Any],
           query: dict[str, str]) -> dict[str, Any]:
    book = _book(store, file_id)
    if "name" in body:
        book.props["title"] = str(body["name"])
        book.modified = now_stamp()
    return _masked(file_json(book), query.get("fields"))


def delete(store: Store, file_id: str) -> None:
    _book(store, file_id)
    del store.books[file_id]


def copy_file(store: Store, file_id: str, body: dict[str, Any],
              query: dict[str, str]) -> dict[str, Any]:
    source = _book(store, file_id)
    clone = source.copy()
    clone.id = store.new_key()
    clone.props["title"] = str(body.get("name") or f"Copy of {source.title}")
    clone.created = clone.modified = now_stamp()
    store.books[clone.id] = clone
    return _masked(file_json(clone), query.get("fields"))


def _matches(book: Spreadsheet, q: str) -> bool:
    for m in re.finditer(r"(\w+)\s*(=|!=|contains)\s*(['\"])(.*?)\3", q):
        key, op, value = m.group(1), m.group(2), m.group(4)
        actual = {"name": book.title, "mimeType": SHEET_MIME}.get(key)
        if actual is None:
            continue
        ok = value in actual if op == "contains" else (actual == value) == (op == "=")
        if not ok:
            return False
    return True


def list_files(store: Store, query: dict[str, str]) -> dict[str, Any]:
    q = query.get("q", "")
    files = [file_json(b) for b in store.books.values() if _matches(b, q)]
    files.sort(key=lambda f: f["modifiedTime"], reverse=True)
    body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
    mask = query.get("fields") or "kind,incompleteSearch,files(kind,id,name,mimeType)"
    return _masked(body, mask)


def permissions(store: Store, file_id: str) -> dict[str, Any]:
    _book(store, file_id)
    owner = {
        "kind": "drive#permission",
        "id": "00000000000000000000",
        "type": "user",
        "emailAddress": store.user_email,
        "role": "owner",
    }
    return {"kind": "drive#permissionList", "permissions": [owner]}


def export(store: Store, file_id: str, mime: str) -> tuple[str, bytes]:
    """CSV or TSV of the first tab's formatted values, as Drive exports them."""
    book = _book(store, file_id)
    if mime not in ("text/csv", "text/tab-separated-values"):
        raise errors.ApiError(400, "The requested conversion is not supported.",
                              drive_reason="badRequest")
    sheet = book.first_sheet()
    rows = read(book, sheet, Box(0, sheet.rows, 0, sheet.cols))
    width = max((len(r) for r in rows), default=0)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if mime == "text/csv" else "\t",
                        lineterminator="\r\n")
    for row in rows:
        writer.writerow([*row, *[""] * (width - len(row))])
    return mime, out.getvalue().removesuffix("\r\n").encode("utf-8")
