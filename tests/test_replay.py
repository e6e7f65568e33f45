"""Fidelity of the local Sheets server, measured on real recorded Google traffic."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_sync.testing.replay import main, replay_dir, split_runs

# gspread's own recorded Google Sheets traffic (MIT, see LICENSE-gspread.txt there), copied
# from the shared folder so that CI measures the local server on a clean clone
CASSETTES = Path(__file__).resolve().parent / "data" / "google-cassettes"
FLOOR = 100.0  # measured: 100.0% of 1511 exchanges


@pytest.fixture(scope="module")
def cassettes() -> Path:
    if not CASSETTES.is_dir():
        pytest.skip(f"recorded Google traffic not found at {CASSETTES}")
    return CASSETTES


def test_replay_matches_google_at_or_above_the_floor(cassettes: Path) -> None:
    report = replay_dir(cassettes)
    mismatches = [f"{e.file} #{e.index}: {e.detail}" for e in report.exchanges if not e.matched]
    assert len(report.exchanges) > 1000
    assert report.rate >= FLOOR, "\n".join(mismatches[:20])


def test_replay_prints_a_total_line(cassettes: Path, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    source = cassettes / "WorksheetTest.test_update_acell.json"
    (one / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert main([str(one)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["WorksheetTest.test_update_acell: 100.0% (22/22)",
                     "total: 100.0% of 22 exchanges"]


def test_runs_start_where_a_spreadsheet_is_created() -> None:
    create = {"request": {"method": "POST",
                          "uri": "https://www.googleapis.com/drive/v3/files?supportsAllDrives=True"}}
    other = {"request": {"method": "GET", "uri": "https://sheets.googleapis.com/v4/spreadsheets/x"}}
    runs = split_runs([create, other, other, create, other])
    assert [len(r) for r in runs] == [3, 2]


def test_every_request_google_accepted_passes_the_schema_check(cassettes: Path) -> None:
    """The check refuses nothing Google took: each recorded Sheets request answered 2xx
    passes it, body and query."""
    import json
    from urllib.parse import parse_qs, urlsplit

    from sheets_sync.testing import schema
    from sheets_sync.testing.server import api_method

    checked = 0
    for path in sorted(cassettes.glob("*.json")):
        for inter in json.loads(path.read_text(encoding="utf-8"))["interactions"]:
            req, status = inter["request"], inter["response"]["status"]["code"]
            parts = urlsplit(req["uri"])
            if not parts.path.startswith("/v4/") or not 200 <= status < 300:
                continue
            body = json.loads(req["body"]) if req["body"] else {}
            query = parse_qs(parts.query, keep_blank_values=True)
            schema.check(api_method(req["method"], parts.path), query, body)
            checked += 1
    assert checked > 900
