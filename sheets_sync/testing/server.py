"""The local Sheets server: HTTP plumbing, routing, faults and the request log.

``with FakeSheets() as fake: gc = fake.client()`` starts a threaded server on a free
127.0.0.1 port and gives a real ``gspread.Client`` whose session sends
``sheets.googleapis.com`` and ``www.googleapis.com`` requests to it (gspread's own
``session`` seam; nothing is patched). ``GoogleBook(key, endpoint=fake.url)`` talks to it
directly (the book's endpoint seam). ``python -m sheets_sync.testing serve`` runs it as a
process (:mod:`.serve`).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession

from . import batch_update, drive, errors, resource, schema, values
from .a1 import Box
from .faults import Faults
from .grid import read
from .state import Cell, Sheet, Spreadsheet, Store, new_sheet_props

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
_SHEETS = re.compile(r"^/v4/spreadsheets/(?P<key>[^/:]+)(?P<rest>.*)$")
_DRIVE = re.compile(r"^/drive/v3/files(?:/(?P<key>[^/]+)(?P<rest>/[a-z]+)?)?$")
MAX_BODY = 10 * 1024 * 1024  # bytes: Google's limit on a request body (10485760)
MAX_URL = 16_384  # characters of path and query Google's front end accepts
_URL_TOO_LONG = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 414 (Request-URI "
    "Too Large)!!1</title>\n  <p><b>414.</b> <ins>That\u2019s an error.</ins>\n  <p>The "
    "requested URL is too large to process.  <ins>That\u2019s all we know.</ins>\n"
)
_BAD_REQUEST = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 400 (Bad "
    "Request)!!1</title>\n  <p><b>400.</b> <ins>That\u2019s an error.</ins>\n  <p>Your client "
    "has issued a malformed or illegal request.  <ins>That\u2019s all we know.</ins>\n"
)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (``status`` 0: dropped without an answer)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body_size: int
    status: int
    fault: str | None = None

    @property
    def api_method(self) -> str:
        """The API method asked for, as Google's reference names it (``spreadsheets.get``)."""
        return api_method(self.method, self.path)


_VALUES_VERBS = {"append": "append", "clear": "clear"}
_METHOD_NAMES = {
    ("GET", ""): "spreadsheets.get",
    ("POST", ":batchUpdate"): "spreadsheets.batchUpdate",
    ("GET", "/values:batchGet"): "spreadsheets.values.batchGet",
    ("POST", "/values:batchUpdate"): "spreadsheets.values.batchUpdate",
    ("POST", "/values:batchClear"): "spreadsheets.values.batchClear",
}


def api_method(method: str, path: str) -> str:
    """``spreadsheets.get``, ``spreadsheets.values.batchGet``, … for a request; ``?`` if none."""
    if path.rstrip("/") == "/v4/spreadsheets":
        return "spreadsheets.create" if method == "POST" else "?"
    m = _SHEETS.match(path)
    if m:
        rest = m.group("rest")
        name = _METHOD_NAMES.get((method, rest))
        if name is not None:
            return name
        v = re.match(r"^/values/[^/]+?(?::(append|clear))?$", rest)
        if v:
            verb = v.group(1) or {"GET": "get", "PUT": "update"}.get(method, "?")
            return f"spreadsheets.values.{verb}"
        if re.match(r"^/sheets/\d+:copyTo$", rest):
            return "spreadsheets.sheets.copyTo"
        return "?"
    m = _DRIVE.match(path)
    if m:
        if m.group("key") is None:
            return {"GET": "drive.files.list", "POST": "drive.files.create"}.get(method, "?")
        rest = m.group("rest")
        if rest is None:
            return {"GET": "drive.files.get", "PATCH": "drive.files.update",
                    "DELETE": "drive.files.delete"}.get(method, "?")
        return f"drive.files.{rest.lstrip('/')}"
    return "?"


class FakeCredentials(Credentials):
    """Credentials that are always valid and carry a fixed bearer token."""

    def __init__(self, token: str = "fake-token") -> None:
        super().__init__()
        self.token = token

    def refresh(self, request: Any) -> None:
        """Nothing to refresh: the token never expires."""


class LocalSession(AuthorizedSession):
    """An authorized session that sends Google's API hosts to the local server."""

    def __init__(self, base_url: str, credentials: Credentials | None = None) -> None:
        super().__init__(credentials or FakeCredentials())
        self.base_url = base_url

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> Any:
        for host in GOOGLE_HOSTS:
            if url.startswith(host):
                url = self.base_url + url[len(host):]
                break
        return super().request(method, url, *args, **kwargs)


@dataclass
class _Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(obj: Any, status: int = 200) -> _Reply:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return _Reply(status, text.encode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    wbufsize = 1 << 16  # headers and body leave in one write
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is ``FakeSheets.requests``."""

    def _serve(self) -> None:
        text = (self.headers.get("Content-Length") or "0").strip()
        if not text.isdigit():  # Google's front end answers this itself, in HTML
            self.close_connection = True
            reply: _Reply | None = _Reply(400, _BAD_REQUEST.encode(), "text/html; charset=UTF-8")
        else:
            length = int(text)
            body = self.rfile.read(length) if length else b""
            reply = self.server.fake._handle(self.command, self.path, dict(self.headers), body)
        if reply is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSheets, port: int = 0) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", port), _Handler)




class FakeSheets:
    """A stateful local Google Sheets (and Drive files) API server for tests.

    ``port`` 0 (the default) takes a free port on 127.0.0.1. ``on_request`` is called with
    each :class:`RequestRecord` as it is answered (from the server's threads).

    Every Sheets request is first checked against Google's discovery document
    (:mod:`.schema`) and refused as Google refuses it; ``schema_check=False`` turns that
    off. Bodies over 10,485,760 bytes answer 400 and URLs over :data:`MAX_URL` characters
    414, as Google's front end does. A handler that fails answers Google's 500 (never a
    closed connection, never Python's words) and keeps the traceback in :attr:`crashes`;
    leaving ``with FakeSheets() as fake:`` then raises, so the test that caused it fails.
    """

    def __init__(self, *, seed: int = 0, user_email: str = "sheets-sync-test@example.iam"
                 ".gserviceaccount.com", require_auth: bool = True, port: int = 0,
                 on_request: Callable[[RequestRecord], None] | None = None,
                 schema_check: bool = True) -> None:
        self.store = Store(seed=seed, user_email=user_email)
        self.faults = Faults()
        self.require_auth = require_auth
        self.schema_check = schema_check
        self.crashes: list[str] = []
        self.port = port
        self.on_request = on_request
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._forbidden: set[str] = set()
        self._sessions: list[LocalSession] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSheets:
        self._server = _Server(self, self.port)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.01}, daemon=True,
                                        name="fake-sheets")
        self._thread.start()
        return self

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        if self._server is None:
            return
        self._server.shutdown()
        for conn in list(self._server.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        deadline = time.monotonic() + 2
        while self._server.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        self._server = None

    def __enter__(self) -> FakeSheets:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close()
        if self.crashes and exc_type is None:
            raise AssertionError(
                f"the local Sheets server failed on {len(self.crashes)} request(s) (each was "
                f"answered 500); the first:\n{self.crashes[0]}")

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeSheets is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- clients ---------------------------------------------------------------------------

    def session(self) -> LocalSession:
        """A requests session (google-auth authorized) routed to this server."""
        session = LocalSession(self.url)
        self._sessions.append(session)
        return session

    def client(self, http_client: type[gspread.HTTPClient] = gspread.HTTPClient,
               ) -> gspread.Client:
        """A real ``gspread.Client`` talking to this server."""
        credentials = FakeCredentials()
        session = LocalSession(self.url, credentials)
        self._sessions.append(session)
        gc = gspread.Client(credentials, session=session, http_client=http_client)
        gc.http_client.auth = credentials
        return gc

    # -- log and faults --------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def fail_next(self, n: int = 1, status: int = 503, **kwargs: Any) -> None:
        self.faults.fail_next(n, status, **kwargs)

    def drop_next(self, n: int = 1, **kwargs: Any) -> None:
        self.faults.drop_next(n, **kwargs)

    def slow(self, seconds: float, n: int | None = None) -> None:
        self.faults.slow(seconds, n)

    def quota(self, per_minute: int | None = 60, **kwargs: Any) -> None:
        self.faults.quota(per_minute, **kwargs)

    def forbid(self, key: str) -> None:
        """Answer 403 PERMISSION_DENIED for ``key``, as for a file not shared with us."""
        self._forbidden.add(key)

    # -- state -----------------------------------------------------------------------------

    def create_spreadsheet(self, title: str, tabs: dict[str, list[list[str]]] | None = None,
                           *, key: str | None = None) -> str:
        """Seed a spreadsheet directly (values stored as text, like RAW); returns its key.

        ``key`` names it (default: a new random key); an existing one is replaced.
        """
        with self.store.lock:
            book = self.store.create(title, key=key)
            if tabs:
                book.sheets = []
                for i, (name, rows) in enumerate(tabs.items()):
                    width = max([26, *(len(r) for r in rows)])
                    height = max(1000, len(rows))
                    sheet_id = 0 if i == 0 else self.store.new_sheet_id(book)
                    sheet = Sheet(new_sheet_props(sheet_id, name, i, height, width))
                    for r, row in enumerate(rows):
                        for c, text in enumerate(row):
                            if text != "":
                                sheet.cells[(r, c)] = Cell({"stringValue": str(text)})
                    book.sheets.append(sheet)
            return book.id

    def spreadsheet(self, key: str) -> Spreadsheet:
        """The server's state for ``key`` (read it under ``fake.store.lock``)."""
        return self.store.get(key)

    def values(self, key: str, tab: str) -> list[list[str]]:
        """The formatted values of a tab, trailing empties trimmed, rows padded."""
        with self.store.lock:
            book = self.store.get(key)
            sheet = book.by_title(tab)
            if sheet is None:
                raise KeyError(tab)
            rows = read(book, sheet, Box(0, sheet.rows, 0, sheet.cols))
            width = max((len(r) for r in rows), default=0)
            return [[str(v) for v in r] + [""] * (width - len(r)) for r in rows]

    # -- request handling --------------------------------------------------------------------

    def _handle(self, method: str, raw_path: str, headers: dict[str, str],
                body: bytes) -> _Reply | None:
        """The answer to one request (``None``: a drop fault). Never raises: a handler
        that fails answers Google's 500, and the traceback goes to :attr:`crashes`."""
        try:
            return self._answer(method, raw_path, headers, body)
        except Exception:
            self.crashes.append(traceback.format_exc())
            path = urlsplit(raw_path).path
            reply = self._error(errors.ApiError(500), path)
            record = RequestRecord(method, path, {}, len(body), reply.status, "crash")
            with self._log_lock:
                self._log.append(record)
            return reply

    def _answer(self, method: str, raw_path: str, headers: dict[str, str],
                body: bytes) -> _Reply | None:
        split = urlsplit(raw_path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        if len(raw_path) > MAX_URL:  # Google's front end refuses it, in HTML
            reply414 = _Reply(414, _URL_TOO_LONG.encode(), "text/html; charset=UTF-8")
            with self._log_lock:
                self._log.append(RequestRecord(method, path, query, len(body), 414))
            return reply414
        decision = self.faults.decide(method, path)
        if decision.delay:
            time.sleep(decision.delay)
        fault = None
        reply: _Reply | None
        if decision.drop and not decision.commit:
            reply, fault = None, "drop"
        elif decision.error is not None and not decision.commit:
            reply = self._error(decision.error, path)
            fault = "quota" if "Quota exceeded" in decision.error.message else "fail"
        else:
            reply = self._dispatch(method, path, query, headers, body)
            if decision.drop:
                reply, fault = None, "drop"
            elif decision.error is not None:
                reply, fault = self._error(decision.error, path), "fail"
        record = RequestRecord(method, path, query, len(body),
                               reply.status if reply is not None else 0, fault)
        with self._log_lock:
            self._log.append(record)
            if self.on_request is not None:
                self.on_request(record)
        return reply

    def _error(self, error: errors.ApiError, path: str) -> _Reply:
        if path.startswith("/drive/") and error.drive_reason is None:
            error = errors.ApiError(error.code, error.message, headers=error.headers,
                                    drive_reason=_DRIVE_REASONS.get(error.code, "backendError"))
        reply = _json_reply(error.body(), error.code)
        reply.headers.update(error.headers)
        return reply

    def _dispatch(self, method: str, path: str, query: dict[str, list[str]],
                  headers: dict[str, str], body: bytes) -> _Reply:
        try:
            if len(body) > MAX_BODY:
                raise errors.bad_request(
                    f"Request payload size exceeds the limit: {MAX_BODY} bytes.")
            auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
            if self.require_auth and not auth.startswith("Bearer "):
                raise errors.ApiError(401)
            payload = _decode(body)
            if self.schema_check and path.startswith("/v4/"):
                payload = schema.check(api_method(method, path), query, payload)
                query = {schema.camel(k): v for k, v in query.items()}
            with self.store.lock:
                return self._route(method, path, query, payload)
        except errors.ApiError as e:
            return self._error(e, path)

    def _route(self, method: str, path: str, query: dict[str, list[str]],
               payload: dict[str, Any]) -> _Reply:
        one = {k: v[-1] for k, v in query.items()}
        if path.rstrip("/") == "/v4/spreadsheets" and method == "POST":
            return _json_reply(self._create_v4(payload))
        m = _SHEETS.match(path)
        if m:
            key = unquote(m.group("key"))
            if key in self._forbidden:
                raise errors.ApiError(403)
            return self._sheets(method, self.store.get(key), m.group("rest"), query, one,
                                payload)
        m = _DRIVE.match(path)
        if m:
            return self._drive(method, m.group("key"), m.group("rest"), one, payload)
        raise errors.ApiError(404, "Method not found.")

    def _sheets(self, method: str, book: Spreadsheet, rest: str, query: dict[str, list[str]],
                one: dict[str, str], payload: dict[str, Any]) -> _Reply:
        if rest == "" and method == "GET":
            include = one.get("includeGridData", "false").lower() == "true"
            return _json_reply(resource.spreadsheet_json(
                book, query.get("ranges"), include, one.get("fields")))
        if rest == ":batchUpdate" and method == "POST":
            return _json_reply(self._batch_update(book, payload))
        if rest == "/values:batchGet" and method == "GET":
            return _json_reply(values.batch_get(book, query.get("ranges", []), one))
        if rest in ("/values:batchUpdate", "/values:batchClear") and method == "POST":
            work = book.copy()
            fn = values.batch_update if rest.endswith("Update") else values.batch_clear
            result = fn(work, payload)
            self._commit(work)
            return _json_reply(result)
        m = re.match(r"^/values/(?P<range>[^/]+?)(?::(?P<verb>append|clear))?$", rest)
        if m:
            range_text = unquote(m.group("range"))
            verb = m.group("verb")
            if verb is None and method == "GET":
                return _json_reply(values.get(book, range_text, one))
            work = book.copy()
            if verb is None and method == "PUT":
                result = values.update(work, range_text, one, payload)
            elif verb == "append" and method == "POST":
                result = values.append(work, range_text, one, payload)
            elif verb == "clear" and method == "POST":
                result = values.clear(work, range_text)
            else:
                raise errors.ApiError(404, "Method not found.")
            self._commit(work)
            return _json_reply(result)
        m = re.match(r"^/sheets/(?P<sid>\d+):copyTo$", rest)
        if m and method == "POST":
            return _json_reply(self._copy_to(book, int(m.group("sid")), payload))
        raise errors.ApiError(404, "Method not found.")

    def _commit(self, work: Spreadsheet) -> None:
        work.touch()
        self.store.books[work.id] = work

    def _batch_update(self, book: Spreadsheet, payload: dict[str, Any]) -> dict[str, Any]:
        work, replies = batch_update.apply(self.store, book, payload)
        self._commit(work)
        out: dict[str, Any] = {"spreadsheetId": work.id, "replies": replies}
        if payload.get("includeSpreadsheetInResponse"):
            out["updatedSpreadsheet"] = resource.spreadsheet_json(
                work, payload.get("responseRanges"),
                bool(payload.get("responseIncludeGridData")))
        return out

    def _copy_to(self, book: Spreadsheet, sheet_id: int, payload: dict[str, Any],
                 ) -> dict[str, Any]:
        source = book.by_id(sheet_id)
        if source is None:
            raise errors.not_found()
        target = self.store.get(str(payload.get("destinationSpreadsheetId", "")))
        sheet = source.copy()
        sheet.props["sheetId"] = self.store.new_sheet_id(target)
        title, n = f"Copy of {source.title}", 2
        while target.by_title(title) is not None:
            title, n = f"Copy {n} of {source.title}", n + 1
        sheet.props["title"] = title
        sheet.protected = []
        target.sheets.append(sheet)
        target.reindex()
        return resource.sheet_properties(sheet)

    def _create_v4(self, payload: dict[str, Any]) -> dict[str, Any]:
        props = payload.get("properties") or {}
        book = self.store.create(str(props.get("title") or "Untitled spreadsheet"),
                                 locale=props.get("locale", "en_US"),
                                 time_zone=props.get("timeZone", "Etc/GMT"))
        requests = [{"addSheet": {"properties": s.get("properties") or {}}}
                    for s in payload.get("sheets") or []]
        if requests:
            work, _ = batch_update.apply(self.store, book, {"requests": requests})
            work.sheets = work.sheets[1:]
            work.reindex()
            self.store.books[work.id] = work
            book = work
        return resource.spreadsheet_json(book)

    def _drive(self, method: str, key: str | None, rest: str | None, one: dict[str, str],
               payload: dict[str, Any]) -> _Reply:
        store = self.store
        file_id = unquote(key) if key else None
        if file_id is None:
            if method == "POST":
                return _json_reply(drive.create(store, payload, one))
            if method == "GET":
                return _json_reply(drive.list_files(store, one))
        elif file_id in self._forbidden:
            raise errors.ApiError(403, "The user does not have sufficient permissions for "
                                  "this file.", drive_reason="insufficientFilePermissions")
        elif rest is None:
            if method == "GET":
                return _json_reply(drive.get(store, file_id, one))
            if method == "PATCH":
                return _json_reply(drive.update(store, file_id, payload, one))
            if method == "DELETE":
                drive.delete(store, file_id)
                return _Reply(204, b"", "text/html")
        elif rest == "/copy" and method == "POST":
            return _json_reply(drive.copy_file(store, file_id, payload, one))
        elif rest == "/export" and method == "GET":
            mime, data = drive.export(store, file_id, one.get("mimeType", ""))
            return _Reply(200, data, mime)
        elif rest == "/permissions" and method == "GET":
            return _json_reply(drive.permissions(store, file_id))
        elif rest == "/comments" and method == "GET":
            drive.get(store, file_id, one)
            return _json_reply({"kind": "drive#commentList", "comments": []})
        raise errors.ApiError(404, "Method not found.", drive_reason="notFound")


_DRIVE_REASONS = {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound",
                  429: "rateLimitExceeded", 500: "internalError", 503: "backendError"}


def _decode(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise errors.bad_request("Invalid JSON payload received. Unexpected token.") from None
    if not isinstance(payload, dict):
        raise errors.bad_request(
            "Invalid JSON payload received. Root element must be a message.")
    return payload
