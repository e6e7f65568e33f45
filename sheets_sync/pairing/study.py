"""Weak subjects in a child's 学习情况, read with a small keyword table.

Staff write the study situation as free text: ``数学较弱``, ``英语差``, ``语文需辅导``,
``语文较好,数学较弱``, ``需要辅导数学、英语``. :func:`weak_subjects` finds the subjects
named (语文/数学/英语/…, with a few aliases such as 作文 → 语文) and whether each is
described as weak:

* the text is cut into clauses at ``,;。`` and spaces;
* inside a clause, each subject owns the text up to the next subject; a weak marker there
  (``弱``, ``差``, ``不好``, ``需辅导`` …) makes it weak, a strong one (``好``, ``优秀``)
  makes it strong; markers are matched longest first, so ``不好`` is weak, not ``好``;
* a subject with no marker of its own takes the next subject's (``数学英语较弱``), else the
  clause's leading words (``需辅导数学、英语``).
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Canonical subject -> the words that name it (the canonical word first).
SUBJECTS: dict[str, tuple[str, ...]] = {
    "语文": ("语文", "作文", "写作", "阅读", "拼音", "识字"),
    "数学": ("数学", "算术", "计算", "口算", "应用题"),
    "英语": ("英语", "英文", "外语", "单词"),
    "科学": ("科学",),
    "体育": ("体育",),
    "音乐": ("音乐",),
    "美术": ("美术",),
}

WEAK_MARKERS = (
    "较弱", "偏弱", "薄弱", "很弱", "弱", "较差", "很差", "偏差", "差", "不好", "不太好",
    "不理想", "不及格", "跟不上", "吃力", "困难", "落后", "偏低", "较低", "需辅导",
    "需要辅导", "要辅导", "待辅导", "辅导", "需加强", "需要加强", "待提高", "有待提高", "偏科",
)
STRONG_MARKERS = ("不差", "不错", "较好", "很好", "好", "优秀", "优", "强", "擅长", "突出",
                  "拔尖", "满分")

_ALIAS = {word: subject for subject, words in SUBJECTS.items() for word in words}
_SUBJECT_RE = re.compile("|".join(sorted(map(re.escape, _ALIAS), key=len, reverse=True)))
_MARKER_RE = re.compile("|".join(sorted(map(re.escape, WEAK_MARKERS + STRONG_MARKERS),
                                        key=len, reverse=True)))
_WEAK = frozenset(WEAK_MARKERS)
_CLAUSE_SPLIT = re.compile(r"[,，;；。.!！?？\s/]+")


def _sentiment(text: str) -> str:
    """``weak``, ``strong`` or ``""`` for a piece of text (weak wins if both occur)."""
    found = {m.group() for m in _MARKER_RE.finditer(text)}
    if found & _WEAK:
        return "weak"
    return "strong" if found else ""


@lru_cache(maxsize=4096)
def weak_subjects(text: str) -> tuple[tuple[str, str], ...]:
    """Each weak subject in ``text`` with the clause that says so, in order of mention.

    >>> weak_subjects("语文较好,数学较弱")
    (('数学', '数学较弱'),)
    >>> weak_subjects("数学英语较弱")
    (('数学', '数学英语较弱'), ('英语', '数学英语较弱'))
    """
    out: dict[str, str] = {}
    for clause in _CLAUSE_SPLIT.split(text or ""):
        mentions = list(_SUBJECT_RE.finditer(clause))
        if not mentions:
            continue
        lead = _sentiment(clause[: mentions[0].start()])
        feelings: list[str] = []
        for k, m in enumerate(mentions):
            end = mentions[k + 1].start() if k + 1 < len(mentions) else len(clause)
            feelings.append(_sentiment(clause[m.end(): end]))
        following = lead if not feelings[-1] else feelings[-1]
        for k in range(len(mentions) - 1, -1, -1):  # unmarked subjects share the next one's
            if feelings[k]:
                following = feelings[k]
            else:
                feelings[k] = following or lead
        for m, feeling in zip(mentions, feelings, strict=True):
            subject = _ALIAS[m.group()]
            if feeling == "weak" and subject not in out:
                out[subject] = clause
    return tuple(out.items())


__all__ = ["STRONG_MARKERS", "SUBJECTS", "WEAK_MARKERS", "weak_subjects"]
