"""Real region codes for synthetic IDs: every county-level code of python-stdnum's table.

``region_and_birth(last)`` draws a (code, birth date) pair for which the code existed in
the birth year, so a synthetic ID built from it is valid (:func:`make_id`).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
from functools import cache

from hypothesis import strategies as st

from sheets_sync.forms.ids import PROVINCE_CODES


@cache
def region_table() -> tuple[tuple[str, int, int], ...]:
    """(code, first year, last year) of every county-level code in stdnum's cn/loc.dat."""
    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text("utf-8")
    out: list[tuple[str, int, int]] = []
    province = ""
    for line in text.splitlines():
        top = re.match(r"(\d\d) province=", line)
        if top:
            province = top.group(1)
            continue
        sub = re.match(r"\s+(\d{4}) county=\"(.*)\"", line)
        if sub and province in PROVINCE_CODES:
            for part in sub.group(2).split(","):
                years = re.match(r"\[(\d*)-(\d*)\]", part)
                lo = int(years.group(1) or 1900) if years else 1900
                hi = int(years.group(2) or 9999) if years else 9999
                out.append((province + sub.group(1), max(lo, 1900), hi))
    return tuple(out)


def region_and_birth(last: dt.date) -> st.SearchStrategy[tuple[str, dt.date]]:
    """A real region code and a birth date (1900 … ``last``) in a year the code existed."""
    usable = [r for r in region_table() if r[1] <= min(r[2], last.year)]
    return st.sampled_from(usable).flatmap(lambda r: st.tuples(
        st.just(r[0]), st.dates(min_value=dt.date(r[1], 1, 1),
                                max_value=min(dt.date(min(r[2], 9999), 12, 31), last))))
