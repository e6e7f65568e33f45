"""Pinyin, loaded when first needed, without pypinyin's phrase dictionary, one character
at a time with a cache.

Names are read character by character (with the surname readings of
:mod:`sheets_sync.dedupe.features`), so the ~400,000-entry phrase dictionary that
``import pypinyin`` loads by default only costs time (about 0.3 s of CPU per run). It is
skipped unless the environment already says otherwise (``PYPINYIN_NO_PHRASES``). Without
phrases pypinyin reads each character on its own anyway, so caching per character gives
the same result as converting the whole text, at a fraction of the cost.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


def _is_han(ch: str) -> bool:
    return ("\u3400" <= ch <= "\u9fff" or ch == "\u3007" or "\uf900" <= ch <= "\ufaff"
            or "\U00020000" <= ch <= "\U0002ebef")


@lru_cache(maxsize=65536)
def _char(ch: str, tone3: bool) -> str:
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin

    style: Any = Style.TONE3 if tone3 else Style.NORMAL
    out = lazy_pinyin(ch, style=style, errors="default")
    return out[0] if out else ch


def lazy_pinyin(text: str, *, tone3: bool = False) -> list[str]:
    """Pinyin per Chinese character (toneless, or ``tone3``: ``zhang1``); other runs as is."""
    out: list[str] = []
    other = ""
    for ch in text:
        if _is_han(ch):
            if other:
                out.append(other)
                other = ""
            out.append(_char(ch, tone3))
        else:
            other += ch
    if other:
        out.append(other)
    return out
