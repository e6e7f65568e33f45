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

What a person reads outside the hub is masked the same way: the terminal, ``history`` (and
its ``--json``), the ``--fix`` list, messages. There a value is known only by its tab and
header, so :func:`field_for_header` finds the template field, and :func:`shown_cell` masks
it unless the reader asked for it (``--reveal 监护人电话`` → :func:`reveal_keys`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import Protocol, TypeVar

__all__ = ["ADDRESS", "field_for_header", "field_mask_type", "mask", "reveal_key", "reveal_keys",
           "shown_cell", "shown_value"]

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


class _HeadedField(_Field, Protocol):
    @property
    def headers(self) -> tuple[str, ...]: ...


class _Template(_Form, Protocol):
    @property
    def label(self) -> str: ...
    @property
    def tab_names(self) -> tuple[str, ...]: ...
    @property
    def fields(self) -> Sequence[_HeadedField]: ...


T = TypeVar("T", bound=_Template)


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


def field_for_header(forms: Iterable[T], tab: str, header: str
                     ) -> list[tuple[T, _HeadedField]]:
    """The template fields ``header`` of ``tab`` may be (for masking a value known by name).

    The form whose tab names include ``tab`` decides; a tab no form is named after (a
    spoke's own tab name) gives every field of any form with that header, so that a value
    is masked when any of them is sensitive.
    """
    forms = list(forms)
    named = [f for f in forms if tab in f.tab_names]
    for group in (named, forms):
        hits = [(f, fld) for f in group for fld in f.fields if header in fld.headers]
        if hits:
            return hits
    return []


def shown_cell(value: str, forms: Iterable[_Template], tab: str, header: str,
               reveal: Collection[str] = ()) -> str:
    """``value`` of the cell under ``header`` in ``tab`` as a terminal or log may show it.

    Masked when the field is sensitive (see :func:`field_mask_type`) and its
    :func:`reveal_key` is not in ``reveal``; a record's 编号 is never masked.
    """
    if not value.strip():
        return value
    for form, fld in field_for_header(forms, tab, header):
        kind = field_mask_type(form, fld)
        if kind is None or kind == "record_id" or reveal_key(form, fld) in reveal:
            continue
        return mask(value, kind)
    return value


def reveal_keys(forms: Iterable[_Template], names: Iterable[str]) -> set[str]:
    """``--reveal`` names (a header such as ``监护人电话``, a key ``guardian_phone`` or
    ``child.guardian_phone``) → the :func:`reveal_key` set; raises ``ValueError`` (in
    Chinese, naming the sensitive fields) for a name no sensitive field has."""
    forms = list(forms)
    out: set[str] = set()
    for name in names:
        n = name.strip()
        hits = {reveal_key(f, fld) for f in forms for fld in f.fields
                if field_mask_type(f, fld) is not None
                and n in {*fld.headers, fld.key, reveal_key(f, fld)}}
        if not hits:
            known = sorted({fld.label for f in forms for fld in f.fields
                            if fld.sensitive and not f.sensitive})
            raise ValueError(f"“{n}”不是需要遮挡的字段。可以写:{'、'.join(known)}"
                             "(谈心记录的内容写作 talk.字段,如 talk.content)。")
        out |= hits
    return out
