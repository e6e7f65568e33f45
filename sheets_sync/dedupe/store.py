"""Staff's decisions on suspected duplicates: the words, the pair key, the record.

Decisions are kept in the project's one state database (``dedupe_decisions`` of
:class:`sheets_sync.sync.state.State`), keyed by the form and the two records' stable
ids (编号, smaller first): 是同一人 / 不是同一人 / 待定, when, and where it came from. A
decided pair is never asked again.
"""

from __future__ import annotations

from dataclasses import dataclass

SAME, DIFFERENT, PENDING = "是同一人", "不是同一人", "待定"
DECISIONS = (SAME, DIFFERENT, PENDING)
MERGED = "已合并"


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Decision:
    """Staff's decision on a suspected pair, as read from the 疑似重复 tab."""

    form: str
    a: str
    b: str
    decision: str
    at: str
    source: str = "sheet"
