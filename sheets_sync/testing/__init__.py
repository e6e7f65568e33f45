"""Testing helpers: a faithful, stateful local Google Sheets API server.

    with FakeSheets() as fake:
        gc = fake.client()          # a real gspread.Client, routed to the server
        sh = gc.create("Program")
        ...
        fake.requests               # what was asked, for counting calls

Every request is checked against Google's published API description first
(:mod:`.schema`, ``discovery/sheets.v4.json``) and refused as Google refuses it.
``python -m sheets_sync.testing.replay DIR`` measures how closely it answers like Google.
"""

from __future__ import annotations

from .errors import ApiError
from .faults import Faults
from .server import FakeCredentials, FakeSheets, LocalSession, RequestRecord

__all__ = ["ApiError", "FakeCredentials", "FakeSheets", "Faults", "LocalSession", "RequestRecord"]
