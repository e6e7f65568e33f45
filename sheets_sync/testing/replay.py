"""Replay recorded Google traffic against the local server and measure how alike they are.

    python -m sheets_sync.testing.replay ../shared/google-cassettes [-v]

Each vcrpy cassette is split into recorded runs (a run starts where a spreadsheet is
created); every run is replayed in order against a fresh server. A recorded exchange
matches when the status code is the same and the JSON bodies are equal after these
normalisations, and nothing else:

- ids: spreadsheet, sheet, named-range, protected-range and chart ids are mapped from
  the recorded ones to the local ones (learned where an answer first shows them, and
  substituted into later requests, including inside ``spreadsheetUrl``);
- key order of JSON objects (and ``2`` vs ``2.0``: JSON numbers compare as numbers);
- timestamps: Drive's ``createdTime`` and ``modifiedTime`` (wall-clock values);
- identities: e-mail addresses (the recording's service account vs. the local user);
- non-JSON bodies (CSV export) compare as text, an empty body as empty.

Out of scope, so reported as mismatches when they differ: pixel widths chosen by
``autoResizeDimensions`` (Google measures rendered text; the server estimates Arial
metrics) and anything else not listed above. The last line is
``total: NN.N% of M exchanges``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .server import FakeSheets

ID_KEYS = ("id", "spreadsheetId", "sheetId", "namedRangeId", "protectedRangeId", "chartId",
           "sourceSheetId", "objectId", "destinationSpreadsheetId")
TIME_KEYS = ("createdTime", "modifiedTime")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]+$")


@dataclass
class Exchange:
    file: str
    index: int
    method: str
    uri: str
    matched: bool
    detail: str = ""


@dataclass
class Report:
    exchanges: list[Exchange] = field(default_factory=list)

    def by_file(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for ex in self.exchanges:
            hit, total = out.get(ex.file, (0, 0))
            out[ex.file] = (hit + ex.matched, total + 1)
        return out

    @property
    def matched(self) -> int:
        return sum(ex.matched for ex in self.exchanges)

    @property
    def rate(self) -> float:
        return 100.0 * self.matched / len(self.exchanges) if self.exchanges else 0.0


def split_runs(interactions: list[dict[str, Any]]) -> list[list[tuple[int, dict[str, Any]]]]:
    """A run starts at each spreadsheet creation (Drive ``POST files``)."""
    runs: list[list[tuple[int, dict[str, Any]]]] = []
    for i, inter in enumerate(interactions):
        req = inter["request"]
        creates = req["method"] == "POST" and urlsplit(req["uri"]).path == "/drive/v3/files"
        if creates or not runs:
            runs.append([])
        runs[-1].append((i, inter))
    return runs


class IdMap:
    """Recorded ids <-> local ids, learned from answers seen side by side."""

    def __init__(self) -> None:
        self.to_local: dict[Any, Any] = {}
        self.to_recorded: dict[Any, Any] = {}

    def learn(self, recorded: Any, local: Any) -> None:
        if isinstance(recorded, dict) and isinstance(local, dict):
            for key in recorded.keys() & local.keys():
                rv, lv = recorded[key], local[key]
                if key in ID_KEYS and type(rv) is type(lv) and isinstance(rv, (str, int)):
                    if rv not in self.to_local and lv not in self.to_recorded:
                        self.to_local[rv] = lv
                        self.to_recorded[lv] = rv
                else:
                    self.learn(rv, lv)
        elif isinstance(recorded, list) and isinstance(local, list):
            for rv, lv in zip(recorded, local, strict=False):
                self.learn(rv, lv)

    def request_text(self, text: str) -> str:
        for rec, loc in self.to_local.items():
            if isinstance(rec, str) and len(rec) > 8:
                text = text.replace(rec, str(loc))
        return text

    def request_body(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: (self.to_local.get(v, v) if k in ID_KEYS and isinstance(v, (str, int))
                        and not isinstance(v, bool) else self.request_body(v))
                    for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.request_body(v) for v in obj]
        if isinstance(obj, str):
            return self.request_text(obj)
        return obj

    def answer(self, obj: Any) -> Any:
        """A local answer with local ids put back to the recorded ones."""
        if isinstance(obj, dict):
            return {k: (self.to_recorded.get(v, v) if k in ID_KEYS and isinstance(v, (str, int))
                        and not isinstance(v, bool) else self.answer(v))
                    for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.answer(v) for v in obj]
        if isinstance(obj, str):
            for loc, rec in self.to_recorded.items():
                if isinstance(loc, str) and len(loc) > 8:
                    obj = obj.replace(loc, str(rec))
        return obj


def normalise(obj: Any) -> Any:
    """Drop what is out of scope: timestamps and e-mail identities."""
    if isinstance(obj, dict):
        return {k: "<time>" if k in TIME_KEYS else normalise(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [normalise(v) for v in obj]
    if isinstance(obj, str) and _EMAIL.match(obj):
        return "<email>"
    return obj


def first_difference(a: Any, b: Any, path: str = "$") -> str:
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{path}: {json.dumps(a)[:120]} != {json.dumps(b)[:120]}"
    if isinstance(a, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'recorded' if key in a else 'local'}"
            diff = first_difference(a[key], b[key], f"{path}.{key}")
            if diff:
                return diff
        return ""
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items recorded, {len(b)} local"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = first_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return ""
    return "" if a == b else f"{path}: {json.dumps(a)[:120]} != {json.dumps(b)[:120]}"


def _ascii_uri(target: str) -> str:
    return re.sub(r"[^\x21-\x7e]", lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()),
                  target)


def replay_run(name: str, run: list[tuple[int, dict[str, Any]]]) -> list[Exchange]:
    out = []
    ids = IdMap()
    with FakeSheets() as fake:
        host, port = urlsplit(fake.url).hostname or "127.0.0.1", urlsplit(fake.url).port
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            for index, inter in run:
                req, resp = inter["request"], inter["response"]
                parts = urlsplit(req["uri"])
                target = ids.request_text(parts.path + ("?" + parts.query if parts.query else ""))
                body = req["body"]
                data = None
                headers = {"Authorization": "Bearer replay"}
                if body:
                    try:
                        data = json.dumps(ids.request_body(json.loads(body))).encode()
                    except json.JSONDecodeError:
                        data = ids.request_text(body).encode()
                    headers["Content-Type"] = "application/json"
                conn.request(req["method"], _ascii_uri(target), body=data, headers=headers)
                answer = conn.getresponse()
                text = answer.read().decode("utf-8")
                recorded_text = resp["body"]["string"]
                status_ok = answer.status == resp["status"]["code"]
                detail = "" if status_ok else f"status {resp['status']['code']} != {answer.status}"
                matched = status_ok
                try:
                    recorded = json.loads(recorded_text) if recorded_text.strip() else None
                except json.JSONDecodeError:
                    recorded = None
                    if text != recorded_text:
                        matched, detail = False, detail or "body text differs"
                if recorded is not None:
                    try:
                        local = json.loads(text)
                    except json.JSONDecodeError:
                        local = text
                    ids.learn(recorded, local)
                    a, b = normalise(recorded), normalise(ids.answer(local))
                    if a != b:
                        matched = False
                        detail = detail or first_difference(a, b)
                elif not recorded_text.strip() and text.strip():
                    matched, detail = False, detail or "local body where Google sent none"
                out.append(Exchange(name, index, req["method"], target, matched, detail))
        finally:
            conn.close()
    return out


def replay_file(path: Path) -> list[Exchange]:
    cassette = json.loads(path.read_text(encoding="utf-8"))
    out: list[Exchange] = []
    for run in split_runs(cassette["interactions"]):
        out.extend(replay_run(path.stem, run))
    return out


def replay_dir(directory: Path) -> Report:
    report = Report()
    for path in sorted(directory.glob("*.json")):
        report.exchanges.extend(replay_file(path))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheets_sync.testing.replay",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path, help="folder of vcrpy JSON cassettes")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        print(f"not a folder: {args.directory}", file=sys.stderr)
        return 2
    report = replay_dir(args.directory)
    for name, (hit, total) in report.by_file().items():
        print(f"{name}: {100.0 * hit / total:.1f}% ({hit}/{total})")
        if args.verbose:
            for ex in report.exchanges:
                if ex.file == name and not ex.matched:
                    print(f"    #{ex.index} {ex.method} {ex.uri[:100]}\n        {ex.detail}")
    print(f"total: {report.rate:.1f}% of {len(report.exchanges)} exchanges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
