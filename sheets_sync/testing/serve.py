"""The local Sheets server as a foreground process, for rehearsing a project offline.

    python -m sheets_sync.testing serve --port 8765 --load 总表.xlsx --key LOCALHUB0001 \\
        --log requests.jsonl

then, in the project's ``sheets-sync.toml``::

    [hub]
    book = "gsheet:LOCALHUB0001"

    [google]
    endpoint = "http://127.0.0.1:8765"

and ``sheets-sync sync`` / ``run`` talk to it instead of Google (no credentials needed).
``--load`` seeds spreadsheet KEY with a workbook's tabs (as text); ``--log`` appends one
JSON line per answered request (``time``, ``method``, ``path``, ``api``, ``status``,
``fault``, ``bytes``), flushed as it is written. ``--port 0`` takes a free port; the first
line printed is the server's address. Ctrl-C or SIGTERM stops it (exit 0). The
spreadsheets live in memory only: they are gone when the server stops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path
from typing import IO, Any

from .server import FakeSheets, RequestRecord

EXAMPLE = ("示例:\n  python -m sheets_sync.testing serve --port 8765 --load 总表.xlsx "
           "--key LOCALHUB0001 --log requests.jsonl")


class ServeError(Exception):
    """A reason not to start, said in Chinese (exit 1)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sheets_sync.testing", add_help=False,
        description="离线的本地 Google 表格服务(Sheets API v4),用于在不连接 Google 的情况下"
                    "演练整个项目。",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument_group("选项").add_argument("-h", "--help", action="help",
                                                   help="显示本帮助并退出")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令",
                                title="命令")
    serve = sub.add_parser(
        "serve", add_help=False, help="启动本地 Google 表格服务,直到按 Ctrl-C",
        description="在 127.0.0.1 上启动本地 Google 表格服务,直到按 Ctrl-C(或收到 SIGTERM)。"
                    "在 sheets-sync.toml 中写 [google] endpoint = \"http://127.0.0.1:端口\","
                    "[hub] book = \"gsheet:表格ID\",sheets-sync 就会连接它,不需要凭据。"
                    "表格只保存在内存中,服务停止后即消失。",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    opts = serve.add_argument_group("选项")
    opts.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    opts.add_argument("--port", type=int, default=0, metavar="端口",
                       help="监听的端口(默认 0:任选一个空闲端口,并打印出来)")
    opts.add_argument("--load", type=Path, metavar="工作簿",
                       help="把这个工作簿(.xlsx/.xlsm/.csv)的所有工作表作为表格 --key 预先载入")
    opts.add_argument("--key", metavar="表格ID",
                       help="预先载入的表格的 ID(至少 10 个字母、数字、_ 或 -);"
                            "只给 --key 时建立一个空表格;只给 --load 时随机生成并打印")
    opts.add_argument("--log", type=Path, metavar="文件",
                       help="每个请求在此文件末尾追加一行 JSON(method、path、api、status 等)")
    return parser


def _load(fake: FakeSheets, path: Path | None, key: str | None) -> tuple[str, str, list[str]]:
    """Seed the spreadsheet; (key, title, tab names)."""
    from ..books.google import is_spreadsheet_key

    if key is not None and not is_spreadsheet_key(key):
        raise ServeError(f"表格ID“{key}”无效:应至少 10 个字符,只含字母、数字、_ 和 -。")
    if path is None:
        title = "本地表格"
        return fake.create_spreadsheet(title, key=key), title, ["Sheet1"]
    from ..books import open_book
    from ..errors import SheetsSyncError

    if not path.is_file():
        raise ServeError(f"找不到要载入的工作簿 {path}。")
    try:
        tabs = {name: [list(r) for r in grid.rows] for name, grid in open_book(path).read().items()}
    except SheetsSyncError as e:
        raise ServeError(f"无法读取要载入的工作簿 {path}:{e}") from e
    if not tabs:
        raise ServeError(f"工作簿 {path} 中没有工作表,无法载入。")
    return fake.create_spreadsheet(path.stem, tabs, key=key), path.stem, list(tabs)


class _JsonLog:
    """One JSON line per request, flushed at once (the server answers from several threads;
    :class:`FakeSheets` calls this under its log lock, so lines never interleave)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __call__(self, record: RequestRecord) -> None:
        line: dict[str, Any] = {
            "time": dt.datetime.now().isoformat(timespec="milliseconds"),
            "method": record.method, "path": record.path, "api": record.api_method,
            "status": record.status, "fault": record.fault, "bytes": record.body_size,
        }
        self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.stream.flush()


def serve(port: int, load: Path | None = None, key: str | None = None,
          log: Path | None = None, *, stop: threading.Event | None = None) -> int:
    """Run the server until ``stop`` is set, Ctrl-C or SIGTERM; the exit code."""
    stop = stop or threading.Event()
    stream = open(log, "a", encoding="utf-8") if log is not None else None  # noqa: SIM115
    fake = FakeSheets(port=port, on_request=_JsonLog(stream) if stream else None)
    try:
        if load is not None or key is not None:
            key, title, tabs = _load(fake, load, key)
        try:
            fake.start()
        except OSError as e:
            raise ServeError(f"无法在 127.0.0.1:{port} 上启动服务({e.strerror or e}):"
                             "端口可能已被占用,请换一个端口,或用 --port 0 任选一个。") from e
        print(f"本地 Google 表格服务已启动:{fake.url}", flush=True)
        if key is not None:
            print(f"  表格 gsheet:{key}(“{title}”,{len(tabs)} 个工作表:{'、'.join(tabs)})")
        print(f'  在 sheets-sync.toml 中写:[google] endpoint = "{fake.url}"')
        if log is not None:
            print(f"  请求记录追加到 {log}")
        print("按 Ctrl-C 停止。", flush=True)
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):  # a timeout, so Ctrl-C is seen on Windows too
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        print("本地 Google 表格服务已停止。", flush=True)
        return 0
    except ServeError as e:
        print(f"错误:{e}", file=sys.stderr, flush=True)
        return 1
    finally:
        fake.close()
        if stream is not None:
            stream.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.port < 0 or args.port > 65535:
        print(f"错误:端口 {args.port} 无效,应在 0 到 65535 之间。", file=sys.stderr)
        return 2
    return serve(args.port, args.load, args.key, args.log)
