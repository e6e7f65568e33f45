"""Masking of sensitive values in the tabs the tool writes.

Template fields marked ``sensitive`` (and every field of a form marked ``sensitive``, such
as 谈心记录) never appear in full in a generated tab (problems, duplicates, conflicts,
reports) unless that output's configuration lets them through (its ``reveal`` set of
``"form.field"`` keys, e.g. ``{"child.guardian_phone"}`` for a roster). Only 回收站 keeps
whole records, so that they can be restored. The mask depends on the field type:

* 身份证号 ``130607201503081234`` → ``130607********1234``
* phone ``13812345678`` → ``138****5678``
* address ``满城县龙泉镇郭庄村3组12号`` → ``满城县龙泉镇郭庄村***`` (cut to the village)
* anything else → the first character, then ``*``
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Protocol

__all__ = ["ADDRESS", "field_mask_type", "mask", "reveal_key", "shown_value"]

#: The mask kind for addresses (the templates type them as text; see :func:`field_mask_type`).
ADDRESS = "address"

# The village (or urban community) ends the part of an address that may be shown.
_VILLAGE_END = re.compile(r"(村|社区|居委会|小区)")
_ADDRESS_WORDS = ("住址", "地址")


def _mask_address(v: str) -> str:
    m = _VILLAGE_END.search(v)
    if m is None:
        keep = min(6, len(v) // 2)
        return v[:keep] + "***" if keep < len(v) else "***"
    head = v[: m.end()]
    return head if head == v else head + "***"


def mask(value: str, field_type: str = "text") -> str:
    """``value`` with its identifying part hidden, by field type."""
    v = value.strip()
    if not v:
        return ""
    if field_type == "cn_id":
        if len(v) >= 10:
            return v[:6] + "*" * (len(v) - 10) + v[-4:]
        return v[:2] + "*" * (len(v) - 2)
    if field_type in {"cn_phone", "cn_mobile"}:
        digits = [c for c in v if c.isdigit()]
        if len(digits) >= 7:
            return "".join(digits[:3]) + "****" + "".join(digits[-4:])
        return "*" * len(v)
    if field_type == ADDRESS:
        return _mask_address(v)
    if len(v) <= 1:
        return "*"
    return v[0] + "*" * min(len(v) - 1, 6)


class _Field(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def sensitive(self) -> bool: ...


class _Form(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def sensitive(self) -> bool: ...


def field_mask_type(form: _Form, fld: _Field) -> str | None:
    """The mask kind for ``fld`` of ``form``, or None when it may be shown in full."""
    if not (fld.sensitive or form.sensitive):
        return None
    if fld.type == "text" and (fld.key == "address" or any(w in fld.label for w in _ADDRESS_WORDS)):
        return ADDRESS
    return fld.type


def reveal_key(form: _Form, fld: _Field) -> str:
    """How a field is named in an output's ``reveal`` set: ``"child.guardian_phone"``."""
    return f"{form.key}.{fld.key}"


def shown_value(value: str, form: _Form, fld: _Field, reveal: Collection[str] = ()) -> str:
    """``value`` as a generated tab may show it: masked unless sensitive-free or revealed."""
    kind = field_mask_type(form, fld)
    if kind is None or reveal_key(form, fld) in reveal:
        return value
    return mask(value, kind)
