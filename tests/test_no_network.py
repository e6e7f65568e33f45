"""No network is one clear message within seconds, never five minutes of retries (issue 13)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import requests

from sheets_sync.books.google import GoogleBook, NoNetwork

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"


class Failing(requests.Session):
    """A session whose every request fails the way ``error`` says, counting the tries."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
        self.tries = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.tries += 1
        raise self.error


def test_a_closed_port_is_said_at_once() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    started = time.monotonic()
    with pytest.raises(NoNetwork) as e:
        GoogleBook(f"gsheet:{KEY}", endpoint=f"http://127.0.0.1:{port}").read()
    assert time.monotonic() - started < 10
    assert str(e.value) == ("连不上 127.0.0.1:对方拒绝连接(地址或端口不对,或服务没有运行)。"
                            "请检查这台电脑的网络连接(或代理设置)后重新运行;"
                            "这不是 Google 的配额问题,数据没有改动。")


def test_a_failed_name_lookup_is_not_retried() -> None:
    session = Failing(requests.exceptions.ConnectionError(
        socket.gaierror(socket.EAI_NONAME, "Name or service not known")))
    book = GoogleBook(f"gsheet:{KEY}", session=session,
                      endpoint="https://sheets.googleapis.com")
    with pytest.raises(NoNetwork, match="域名解析失败"):
        book.read()
    assert session.tries == 1


def test_a_dropped_connection_is_still_retried() -> None:
    """A connection that started and broke is transient: it is tried again."""
    from sheets_sync.books.retry import RetryPolicy

    session = Failing(requests.exceptions.ConnectionError(ConnectionResetError(104, "reset")))
    clock = [0.0]
    policy = RetryPolicy(budget=30, sleep=lambda s: clock.__setitem__(0, clock[0] + s),
                         clock=lambda: clock[0], jitter=lambda: 1.0)
    book = GoogleBook(f"gsheet:{KEY}", session=session, endpoint="https://sheets.googleapis.com",
                      retry=policy)
    with pytest.raises(Exception, match=r"网络连接中断|Google"):
        book.read()
    assert session.tries > 1
