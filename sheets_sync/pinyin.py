"""Pinyin, loaded when first needed and without pypinyin's phrase dictionary.

Names are read character by character (with the surname readings of
:mod:`sheets_sync.dedupe.features`), so the ~400,000-entry phrase dictionary that
``import pypinyin`` loads by default only costs time (about 0.3 s of CPU per run). It is
skipped unless the environment already says otherwise (``PYPINYIN_NO_PHRASES``).
"""

from __future__ import annotations

import os
from typing import Any


def lazy_pinyin(text: str, *, tone3: bool = False) -> list[str]:
    """Toneless pinyin per character (``tone3``: with the tone number, ``zhang1``)."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style
    from pypinyin import lazy_pinyin as convert

    style: Any = Style.TONE3 if tone3 else Style.NORMAL
    return list(convert(text, style=style, errors="default"))
