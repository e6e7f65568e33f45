"""Rehearsing a project against a local Google hub, from the command line, as a user would.

``python -m sheets_sync.testing serve`` runs as its own process, pre-loaded with the hub
workbook's tabs; the project names the hub ``gsheet:KEY`` and ``[google] endpoint`` points
at the server; the real ``sheets-sync`` CLI runs in another process with no Google
credentials at all. The server's JSON log shows every request it answered.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.books.excel import write_workbook
from sheets_sync.books.google import GoogleBook

KEY = "LOCALHUB0001"
TAB = "留守儿童家庭情况登记表"
HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]
HUB_ROWS = [HEAD, ["C0001", "王小红", "女", "满城", "一小", "3"],
            ["C0002", "李明", "男", "顺平", "二小", "4"]]
HANG_GUARD = 180  # seconds a process may take before the test fails instead of hanging
POSIX = sys.platform != "win32"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_APPLICATION_CREDENTIALS"}
    return {**env, "PYTHONIOENCODING": "utf-8"}


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str
    log: Path
    banner: str

    def entries(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def book(self) -> GoogleBook:
        return GoogleBook(KEY, endpoint=self.url)

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM) if POSIX else self.proc.terminate()
        out, _ = self.proc.communicate(timeout=HANG_GUARD)
        return self.proc.returncode, out


def start_server(tmp_path: Path, *args: str) -> Server:
    proc = subprocess.Popen([sys.executable, "-m", "sheets_sync.testing", "serve", *args],
                            cwd=tmp_path, env=_env(), text=True, encoding="utf-8",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    banner = ""
    while not banner.endswith("按 Ctrl-C 停止。\n"):
        line = proc.stdout.readline()
        if not line:  # it exited instead of starting
            raise AssertionError(banner + proc.communicate(timeout=HANG_GUARD)[0])
        banner += line
    m = re.match(r"本地 Google 表格服务已启动:(http://127\.0\.0\.1:\d+)\n", banner)
    assert m is not None, banner
    return Server(proc, m.group(1), tmp_path / "log.jsonl", banner)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    write_workbook(tmp_path / "hub.xlsx", {TAB: HUB_ROWS, "说明": [["本表为演练用"]]})
    srv = start_server(tmp_path, "--port", "0", "--load", "hub.xlsx", "--key", KEY,
                       "--log", "log.jsonl")
    yield srv
    code, out = srv.stop()
    assert code == (0 if POSIX else code), out
    if POSIX:
        assert out.rstrip().endswith("本地 Google 表格服务已停止。"), out


def cli(root: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "sheets_sync", *args], cwd=root, env=_env(),
                          text=True, encoding="utf-8", capture_output=True, timeout=HANG_GUARD)
    return proc.returncode, proc.stdout + proc.stderr


def project(root: Path, url: str) -> Path:
    root.mkdir()
    write_workbook(root / "满城.xlsx", {TAB: [HEAD, ["C0001", "王小红", "女", "满城", "一小", "3"]]})
    (root / "sheets-sync.toml").write_text(
        f'[project]\nforms = ["child"]\n\n[hub]\nbook = "gsheet:{KEY}"\n\n'
        f'[google]\nendpoint = "{url}"\n\n'
        '[[spokes]]\nbook = "满城.xlsx"\npartition = {county = "满城"}\n', encoding="utf-8")
    return root


def set_cell(path: Path, record_id: str, column: str, value: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[TAB]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[headers.index("编号")].value == record_id:
            row[headers.index(column)].value = value
            wb.save(path)
            return
    raise AssertionError(record_id)


def hub_value(server: Server, record_id: str, column: str) -> str:
    rows = server.book().read()[TAB].rows
    i, j = rows[0].index("编号"), rows[0].index(column)
    return next(r[j] for r in rows[1:] if r[i] == record_id)


def api_calls(entries: list[dict[str, object]]) -> Counter[str]:
    return Counter(str(e["api"]) for e in entries)


def test_the_server_answers_with_the_loaded_workbook_and_logs_each_request(
        server: Server) -> None:
    assert server.banner.splitlines()[1:] == [
        f"  表格 gsheet:{KEY}(“hub”,2 个工作表:{TAB}、说明)",
        f'  在 sheets-sync.toml 中写:[google] endpoint = "{server.url}"',
        "  请求记录追加到 log.jsonl", "按 Ctrl-C 停止。"]
    tabs = server.book().read()
    assert tabs[TAB].rows == HUB_ROWS and tabs["说明"].rows == [["本表为演练用"]]
    entries = server.entries()
    assert [(e["method"], e["path"], e["status"], e["api"]) for e in entries] == [
        ("GET", f"/v4/spreadsheets/{KEY}", 200, "spreadsheets.get"),
        ("GET", f"/v4/spreadsheets/{KEY}/values:batchGet", 200, "spreadsheets.values.batchGet"),
    ]


def test_sync_against_the_local_hub_from_the_cli(server: Server, tmp_path: Path) -> None:
    root = project(tmp_path / "proj", server.url)
    code, out = cli(root, "sync")
    assert code == 0, out
    first = len(server.entries())

    set_cell(root / "满城.xlsx", "C0001", "年级", "4")
    code, out = cli(root, "sync")
    assert code == 0, out
    calls = api_calls(server.entries()[first:])
    assert calls == Counter({"spreadsheets.get": 1, "spreadsheets.values.batchGet": 1,
                             "spreadsheets.batchUpdate": 1}), calls
    assert hub_value(server, "C0001", "年级") == "4"  # the spoke's edit reached the hub

    second = len(server.entries())
    code, out = cli(root, "sync")
    assert code == 0, out
    assert api_calls(server.entries()[second:])["spreadsheets.batchUpdate"] == 0  # nothing to do


def test_run_against_the_local_hub_from_the_cli(server: Server, tmp_path: Path) -> None:
    root = project(tmp_path / "proj", server.url)
    code, out = cli(root, "sync")
    assert code == 0, out
    before = len(server.entries())

    set_cell(root / "满城.xlsx", "C0001", "学校", "三小")
    code, out = cli(root, "run")
    assert code in (0, 1) and "Traceback" not in out, out  # 1: the hub has validation errors
    calls = api_calls(server.entries()[before:])
    assert hub_value(server, "C0001", "学校") == "三小", out
    # one read, one write: sync, validation, duplicates and reports go in one batch
    assert calls == Counter({"spreadsheets.get": 1, "spreadsheets.values.batchGet": 1,
                             "spreadsheets.batchUpdate": 1}), calls


def test_a_project_with_a_plain_http_endpoint_elsewhere_is_a_config_error(
        tmp_path: Path) -> None:
    root = project(tmp_path / "proj", "http://sheets.example.org")
    code, out = cli(root, "sync")
    assert code == 1
    assert ("[google] endpoint = 'http://sheets.example.org' 不安全:只有本机地址"
            "(127.0.0.1、localhost)可以用 http;其他地址请用 https,否则凭据会以明文发送。") in out


@pytest.mark.skipif(not POSIX, reason="Ctrl-C is a console event on Windows")
def test_ctrl_c_stops_the_server_cleanly(tmp_path: Path) -> None:
    srv = start_server(tmp_path, "--port", "0", "--key", KEY)
    assert [(name, grid.rows) for name, grid in srv.book().read().items()] == [("Sheet1", [])]
    srv.proc.send_signal(signal.SIGINT)
    out, _ = srv.proc.communicate(timeout=HANG_GUARD)
    assert srv.proc.returncode == 0, out
    assert out.rstrip().endswith("本地 Google 表格服务已停止。")


def test_a_port_in_use_is_said_in_chinese(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "sheets_sync.testing", "serve",
                               "--port", str(port)], env=_env(), text=True, encoding="utf-8",
                              capture_output=True, timeout=HANG_GUARD)
    assert proc.returncode == 1
    assert f"错误:无法在 127.0.0.1:{port} 上启动服务" in proc.stderr
    assert "端口可能已被占用,请换一个端口,或用 --port 0 任选一个。" in proc.stderr


def test_a_bad_key_is_refused_before_starting(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sheets_sync.testing", "serve",
                           "--key", "short"], env=_env(), text=True, encoding="utf-8",
                          capture_output=True, timeout=HANG_GUARD)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "错误:表格ID“short”无效:应至少 10 个字符,只含字母、数字、_ 和 -。"
