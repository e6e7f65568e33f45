"""Where the Sheets API lives: Google's by default, or another base URL (a local server).

``[google] endpoint = "http://127.0.0.1:8765"`` in ``sheets-sync.toml`` (or ``endpoint=``
to :func:`~sheets_sync.books.open_book`) sends every Sheets request there instead of to
``https://sheets.googleapis.com``. A local endpoint (``127.0.0.1``, ``localhost``, ``::1``)
needs no credentials; any other must be ``https``, since a bearer token goes with each
request. Kept free of HTTP and Google imports: the config loader checks it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["GOOGLE_ENDPOINT", "endpoint_problem", "is_local", "normalize_endpoint"]

GOOGLE_ENDPOINT = "https://sheets.googleapis.com"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
EXAMPLE = 'endpoint = "http://127.0.0.1:8765"'


def endpoint_problem(value: object) -> str | None:
    """What is wrong with ``value`` as an endpoint, in Chinese; ``None`` when it is fine."""
    if not isinstance(value, str) or not value.strip():
        return f"应为 Sheets API 的网址,例如 {EXAMPLE}。"
    text = value.strip()
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        return f"= {text!r} 不是有效的 http(s) 网址;请写成例如 {EXAMPLE}。"
    if parts.query or parts.fragment or parts.username or parts.password:
        return f"= {text!r} 只能是网址本身,不能带“?”“#”或用户名;请写成例如 {EXAMPLE}。"
    if parts.scheme == "http" and parts.hostname.lower() not in LOCAL_HOSTS:
        return (f"= {text!r} 不安全:只有本机地址(127.0.0.1、localhost)可以用 http;"
                "其他地址请用 https,否则凭据会以明文发送。")
    return None


def normalize_endpoint(value: str) -> str:
    """``value`` without a trailing ``/`` (or ``/v4/spreadsheets``); assumes it is valid."""
    text = value.strip().rstrip("/")
    for tail in ("/v4/spreadsheets", "/v4"):
        if text.endswith(tail):
            text = text[: -len(tail)]
    return text


def is_local(endpoint: str) -> bool:
    """Whether ``endpoint`` is on this machine (no credentials needed)."""
    host = urlsplit(endpoint.strip()).hostname
    return host is not None and host.lower() in LOCAL_HOSTS
