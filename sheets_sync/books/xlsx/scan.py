"""Find rows in a worksheet's XML bytes without parsing the sheet, and splice them back.

A small edit of a big sheet (one answer changed in a 30,000-row tab) should cost what it
touches. :func:`scan` reads the bytes once with regular expressions (C speed, no Python
per row): where ``<sheetData>`` begins and ends, that the rows are numbered in order, and
the areas of multi-cell array formulas and data tables; :meth:`SheetScan.row_span` then
finds one row by a binary search over the bytes (rows are in order), and :func:`splice`
puts new bytes in, copying every other byte as it was.

:func:`scan` answers ``None`` — parse the whole sheet instead — for any XML it cannot be
sure of by scanning: an encoding other than UTF-8; a DOCTYPE, comment, CDATA section or
processing instruction; a root other than ``<worksheet>`` in the main namespace as the
default one; the main namespace bound a second time; a namespace declared inside
``<sheetData>``; an empty ``<sheetData/>``; a row without a number; rows out of order.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from .package import MAIN

__all__ = ["SheetScan", "scan", "splice"]

_ATTRS = rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml\b([^>]*)\?>)?\s*")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"']*)[\"']")
_ROOT = re.compile(rb"<worksheet" + _ATTRS)
_ATTR = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SHEET_DATA = re.compile(rb"<sheetData(?=[\s/>])")
_ROW_TAG = re.compile(rb"<row" + _ATTRS)
# a row's start and its number ("" when it has none, or one that is not digits)
_ROW_R = re.compile(rb"<row(?=[\s/>])[^>]*?(?:(?<=\s)r\s*=\s*[\"']([0-9]+)[\"']|(?=>))")
_BLOCK_F = re.compile(
    rb"<f(?=[\s/>])[^>]*?(?<=\s)t\s*=\s*[\"'](?:array|dataTable)[\"'][^>]*>")
_ROW_END = re.compile(rb"</row\s*>")
_REF_ATTR = re.compile(rb"(?<=\s)ref\s*=\s*[\"']([^\"']*)[\"']")


@dataclass(frozen=True)
class SheetScan:
    """Where a worksheet's rows are in its bytes.

    ``head`` ends with the ``<sheetData>`` start tag, ``body`` runs from there to
    ``</sheetData>``; ``numbers`` are the rows' numbers in order (strictly increasing);
    ``blocks`` the ``ref``\\ s of array formulas and data tables (one cell or more).
    """

    data: bytes
    body_start: int
    body_end: int
    numbers: list[int]
    blocks: list[str]

    def row_start(self, number: int) -> int | None:
        """The offset of ``<row r="number">``: a binary search over the body's bytes."""
        data, lo, hi = self.data, self.body_start, self.body_end
        while lo < hi:
            mid = (lo + hi) // 2
            m = _ROW_R.search(data, mid, self.body_end)
            if m is None or m.start() >= hi:
                hi = mid
                continue
            found = int(m.group(1) or -1)
            if found == number:
                return m.start()
            if found < number:
                lo = m.end()
            else:
                hi = mid
        return None

    def row_span(self, number: int) -> tuple[int, int] | None:
        """Where ``<row r="number">…</row>`` is, or ``None`` if it cannot be told."""
        start = self.row_start(number)
        if start is None:
            return None
        tag = _ROW_TAG.match(self.data, start, self.body_end)
        if tag is None:
            return None
        if tag.group(2):
            return start, tag.end()
        close = _ROW_END.search(self.data, tag.end(), self.body_end)
        if close is None or self.data.find(b"<row", tag.end(), close.start()) >= 0:
            return None
        return start, close.end()


def scan(data: bytes) -> SheetScan | None:
    """The rows of a worksheet's XML, found by scanning; ``None``: parse it instead."""
    prolog = _PROLOG.match(data)
    assert prolog is not None  # every part of the pattern may be empty
    declaration = prolog.group(1) or b""
    encoding = _ENCODING.search(declaration)
    if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    start = prolog.end()
    if _holds(data, b"<!", start) or _holds(data, b"<?", start):
        return None
    root = _ROOT.match(data, start)
    main = MAIN.encode()
    if root is None or root.group(2) or data.count(main) != 1:
        return None
    attrs = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
             for m in _ATTR.finditer(root.group(1))}
    if attrs.get(b"xmlns") != main:
        return None
    opening = _SHEET_DATA.search(data, root.end())
    tag = None if opening is None else _tag(data, opening.start())
    if tag is None or tag[1]:
        return None
    body_start = tag[0]
    body_end = data.rfind(b"</sheetData>")  # the tail is short; there is one sheetData
    if body_end < body_start or data.find(b"xmlns", body_start, body_end) >= 0:
        return None
    found = _ROW_R.findall(data, body_start, body_end)
    if b"" in found:
        return None
    numbers = list(map(int, found))
    if not all(map(operator.lt, numbers, numbers[1:])):
        return None
    blocks: list[str] = []
    if (data.find(b"array", body_start, body_end) >= 0
            or data.find(b"dataTable", body_start, body_end) >= 0):
        for f in _BLOCK_F.finditer(data, body_start, body_end):
            ref = _REF_ATTR.search(f.group())
            if ref is not None:
                blocks.append(ref.group(1).decode("ascii", "replace"))
    return SheetScan(data, body_start, body_end, numbers, blocks)


def _holds(data: bytes, pair: bytes, start: int) -> bool:
    """Whether ``pair`` (``<`` and a rarer byte) occurs from ``start``: the rare byte is
    looked for first, ``<`` being everywhere in XML."""
    at = data.find(pair[1:], start)
    return at >= 0 and data.find(pair, max(start, at - 1)) >= 0


_SHEET_DATA_TAG = re.compile(rb"<sheetData" + _ATTRS)


def _tag(data: bytes, at: int) -> tuple[int, bool] | None:
    """The end of the ``<sheetData>`` start tag at ``at``, and whether it is empty."""
    m = _SHEET_DATA_TAG.match(data, at)
    return None if m is None else (m.end(), bool(m.group(2)))


def splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each ``(start, end, new)`` range replaced; the ranges do not overlap
    and are sorted (an insertion, ``start == end``, before a replacement at the same
    offset)."""
    out, at = [], 0
    for start, end, new in edits:
        out.append(data[at:start])
        out.append(new)
        at = end
    out.append(data[at:])
    return b"".join(out)
