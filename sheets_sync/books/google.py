"""Google Sheets: the Book protocol over the Sheets API v4, in as few requests as the API allows.

Requests per spreadsheet (what the quota of ~60 requests/minute/user counts):

* :meth:`GoogleBook.read` — **2**: one ``spreadsheets.get`` for the tab list and grid
  sizes (a field mask, no cell data) and one ``values:batchGet`` of every tab with
  ``FORMATTED_VALUE``: each cell as the text the user sees (``0042``, ``2026-07-01``,
  ``1,200.50``). A spreadsheet with hundreds of tabs splits the batchGet by URL length.
* :meth:`GoogleBook.apply` — **1** ``spreadsheets.batchUpdate`` after a read (the tab
  list is reused; without a read, one ``spreadsheets.get`` first). So a run costs 3.

A write holds only what the batch holds; :mod:`.google_plan` turns the batch into
requests (changed cells, rebuilt tool-owned tabs and their layout, deleted tabs). Google
applies a batchUpdate atomically and refuses a body over 10 MB: cells go in requests of
about 1 MB, and only a batch over ~9 MB is split into several (each atomic; the error then
says a re-run completes it).

Failures: 408/429/5xx, timeouts and dropped connections are retried within a budget
(:mod:`.retry`). A write that may have landed although no answer came (5xx, timeout,
drop) is not blindly re-sent: the tab list is read again and the batch planned anew
against it, so a tab the lost attempt already added is rebuilt, not added twice. A 400
against a tab list taken at read time (someone changed the spreadsheet since) is planned
anew once. Other answers are final: 403 names the service account to share with, 404
the key, 400 Google's reason.

Where the requests go is a seam, not a patch: ``session=`` any ``requests.Session``-like
object (as httpx takes a transport) and ``endpoint=`` the base URL of a Sheets API
(:mod:`.endpoint`; default Google's). A local endpoint (``http://127.0.0.1:PORT``, e.g.
``python -m sheets_sync.testing serve``) needs no credentials.
"""

from __future__ import annotations

import errno
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession

from ..errors import BookError
from ..table import Grid, trim
from .base import WriteBatch
from .credentials import CredentialsRejected, GoogleCredentials, load_credentials
from .endpoint import GOOGLE_ENDPOINT, endpoint_problem, is_local, normalize_endpoint
from .google_plan import (
    MAX_PAYLOAD,
    REQUEST_BYTES,
    SheetInfo,
    SpreadsheetInfo,
    plan_requests,
    split_payload,
)
from .google_plan import PROTECT_NOTE as PROTECT_NOTE
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
    "is_spreadsheet_key",
    "plan_requests",
    "spreadsheet_key",
]

API = f"{GOOGLE_ENDPOINT}/v4/spreadsheets"
LOCAL_TOKEN = "local"  # the bearer a local endpoint gets: the local server checks one is sent
MAX_QUERY = 8_000  # characters of batchGet ranges per request
META_FIELDS = (
    "properties.title,sheets(properties(sheetId,title,index,sheetType,hidden,"
    "gridProperties(rowCount,columnCount,frozenRowCount)),"
    "protectedRanges(protectedRangeId,description,warningOnly,range,unprotectedRanges),"
    "charts(chartId))"
)

_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_URL = re.compile(r"^https?:/+docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")


def is_spreadsheet_key(text: str) -> bool:
    """Whether ``text`` looks like a spreadsheet key (10 or more of ``A-Z a-z 0-9 _ -``)."""
    return bool(_KEY.match(text))


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


# -- reading -----------------------------------------------------------------------------


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


class NoNetwork(BookError):
    """The Sheets API cannot be reached at all: said at once, never retried for minutes."""

    def __init__(self, endpoint: str, why: str) -> None:
        host = urlsplit(endpoint).hostname or endpoint
        super().__init__(f"连不上 {host}:{why}。请检查这台电脑的网络连接(或代理设置)后重新运行;"
                         "这不是 Google 的配额问题,数据没有改动。")


def _no_network(err: BaseException) -> str:
    """Why a connection could not even start (``""``: it started and then broke)."""
    seen: set[int] = set()
    e: BaseException | None = err
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        name = type(e).__name__
        if isinstance(e, socket.gaierror) or name == "NameResolutionError":
            return "找不到这个网址(域名解析失败,可能没有联网)"
        if isinstance(e, ConnectionRefusedError):
            return "对方拒绝连接(地址或端口不对,或服务没有运行)"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "网络不通(没有到达对方的路由)"
        for arg in getattr(e, "args", ()):
            if isinstance(arg, BaseException) and id(arg) not in seen:
                inner = _no_network(arg)
                if inner:
                    return inner
        reason = getattr(e, "reason", None)
        e = e.__cause__ or e.__context__ or (reason if isinstance(reason, BaseException)
                                             else None)
    return ""


class GoogleBook:
    """A Google spreadsheet, read and written through the Sheets API v4.

    Give it a session in one of three ways: ``session=`` any ``requests.Session``-like
    object (a google-auth ``AuthorizedSession`` for Google; anything with
    ``request(method, url, ...)`` in tests), ``client=`` a ``gspread.Client`` (its
    authorized session is used, not its retrying HTTP client), or neither: credentials are
    then loaded from ``credentials`` (a path, or :class:`GoogleCredentials`) or
    ``$GOOGLE_APPLICATION_CREDENTIALS`` — except for a local ``endpoint``, which gets a
    plain session and no credentials are loaded. ``endpoint`` is the base URL of the
    Sheets API (default ``https://sheets.googleapis.com``). ``account_email`` (taken from
    a service-account key when there is one) is named in the 403 message.
    """

    def __init__(self, key: str, *, client: Any = None, session: requests.Session | None = None,
                 credentials: GoogleCredentials | Path | str | None = None,
                 account_email: str | None = None, retry: RetryPolicy | None = None,
                 max_payload: int = MAX_PAYLOAD, endpoint: str | None = None) -> None:
        parsed = spreadsheet_key(key)
        self.key = parsed if parsed is not None else str(key).strip()
        if not _KEY.match(self.key):
            raise BookError(
                f"“{key}”不是有效的 Google 表格地址。请复制浏览器地址栏中的完整链接"
                "(https://docs.google.com/spreadsheets/d/…),或写成 gsheet:表格ID。"
            )
        if endpoint is not None:
            problem = endpoint_problem(endpoint)
            if problem is not None:
                raise BookError(f"Google 表格的 endpoint {problem}")
            endpoint = normalize_endpoint(endpoint)
        self.endpoint = endpoint or GOOGLE_ENDPOINT
        if session is None and client is not None:
            session = client.http_client.session
            account_email = account_email or getattr(
                client.http_client.auth, "service_account_email", None)
        if session is None and is_local(self.endpoint):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {LOCAL_TOKEN}"
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

    writable = True

    def locked_by(self) -> Path | None:
        """Never: a Google spreadsheet takes writes while people have it open."""
        return None

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
        planned = plan_requests(info, batch, self.name,
                                request_bytes=min(REQUEST_BYTES, self.max_payload // 8))
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
        url = f"{self.endpoint}/v4/spreadsheets/{quote(self.key, safe='')}{path}"
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
            offline = _no_network(err)
            if offline:  # no DNS, no route, nobody listening: waiting will not help
                raise NoNetwork(self.endpoint, offline) from err
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
