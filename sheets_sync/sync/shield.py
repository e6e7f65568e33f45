"""What a spoke shows of the sensitive fields, and how its cells are read back.

A spoke's ``sensitive`` policy (``[[spokes]] sensitive``, default ``mask``) decides what a
field workbook holds of each sensitive field (``sensitive: true`` in the template; a field
its ``reveal`` list names is shown in full):

* ``mask``: the masked text (``130607********123X``, ``138****5678``;
  :func:`~sheets_sync.privacy.mask`);
* ``omit``: nothing (a tab the sync creates has no such column; an existing column is
  emptied);
* ``full``: the value itself.

Reading a spoke back (:meth:`Shield.read`), a cell that shows what the sync wrote (the mask
of the record's value, or the value itself) is *unchanged*; a masked-looking text that is
not this record's mask (copied from another row) is not an edit either, and is said; any
other text was typed there — a new child, a correction — and flows to the hub in full.
So a masked value never overwrites the hub, and an omitted field never blanks it.

A whole-sensitive form (谈心记录) reaches only a spoke whose ``forms`` names it; there the
form-level flag is lifted (the spoke asked for it) and its own sensitive fields follow the
policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..forms.template import FormTemplate
from ..privacy import field_mask_type, mask, reveal_key
from .project import Spoke

Values = dict[str, str]
OMIT = "omit"


def looks_masked(text: str) -> bool:
    """Whether ``text`` looks like a value the tool masked (it holds ``*``)."""
    return "*" in text


@dataclass(frozen=True)
class _Lifted:
    """A form as a spoke that asked for it sees it: not sensitive as a whole."""

    key: str
    sensitive: bool = False


@dataclass(frozen=True)
class Shield:
    """The sensitive fields of one form in one spoke: field key -> mask kind or ``omit``."""

    fields: Mapping[str, str]
    kinds: Mapping[str, str] = field(default_factory=dict)
    """field key -> its mask kind (for ``omit`` too: a spoke that was masked before)."""

    def show(self, values: Values) -> Values:
        """``values`` (full) as the spoke holds them."""
        out = dict(values)
        for k, kind in self.fields.items():  # a text not taken back (a stray mask) is cleared
            out[k] = "" if kind == OMIT else mask(out.get(k, ""), kind)
        return out

    def shown(self, key: str, text: str) -> str:
        kind = self.fields.get(key)
        if kind is None:
            return text
        return "" if kind == OMIT else mask(text, kind)

    def read(self, current: Mapping[str, Values], *refs: Mapping[str, Values]
             ) -> tuple[dict[str, Values], list[tuple[str, str]]]:
        """The spoke's records with what it shows taken back to the full values.

        ``refs``: where a record's full value is looked up, in order (the spoke's base, the
        hub's base, the hub now). Returns the records and the (id, field) of masked-looking
        cells that were not this record's mask (not taken as edits).
        """
        out: dict[str, Values] = {}
        odd: list[tuple[str, str]] = []
        for rid, values in current.items():
            ref = next((r[rid] for r in refs if rid in r), None)
            v = dict(values)
            for k, kind in self.fields.items():
                text = v.get(k)
                if text is None:
                    continue
                full = ref.get(k) if ref is not None else None
                if full is not None and text == full:
                    continue
                if kind == OMIT and not text.strip():
                    _keep(v, k, full)
                elif full is not None and text == mask(full, self.kinds.get(k, kind)):
                    v[k] = full
                elif looks_masked(text):
                    _keep(v, k, full)
                    odd.append((rid, k))
            out[rid] = v
        return out, odd


def _keep(v: Values, k: str, full: str | None) -> None:
    if full is None:
        del v[k]
    else:
        v[k] = full


def shield_for(form: FormTemplate, spoke: Spoke | None) -> Shield | None:
    """The :class:`Shield` of ``form`` in ``spoke`` (``None``: everything in full)."""
    if spoke is None or spoke.sensitive == "full":
        return None
    lifted = _Lifted(form.key) if form.key in spoke.asked else form
    kinds: dict[str, str] = {}
    for f in form.fields:
        kind = field_mask_type(lifted, f)
        if kind is None or kind == "record_id" or reveal_key(form, f) in spoke.reveal:
            continue
        kinds[f.key] = kind
    if not kinds:
        return None
    return Shield({k: OMIT for k in kinds} if spoke.sensitive == OMIT else kinds, kinds)


__all__ = ["OMIT", "Shield", "looks_masked", "shield_for"]
