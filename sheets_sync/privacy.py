"""Masking of sensitive values in the tabs the tool writes.

Template fields marked ``sensitive`` never appear in full in a generated tab (problems,
duplicates, conflicts, reports) unless that output's configuration lets them through:

* 身份证号 ``130607201503081234`` → ``130607********1234``
* phone ``13812345678`` → ``138****5678``
* anything else → the first character, then ``*``
"""

from __future__ import annotations


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
    if len(v) <= 1:
        return "*"
    return v[0] + "*" * min(len(v) - 1, 6)
