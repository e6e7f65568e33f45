"""Which spoke holds a record of a form that has no partition field: routes through references.

A spoke's ``partition = {county = "满城"}`` names a field of the forms that have it (儿童登记表,
学校). Other forms reach a county another way, and a :class:`Route` says how:

* the form has the field itself (``county``): compare it;
* ``county`` and a field that takes the program's brigades (``所属大队``: 满城大队 is 满城's
  brigade, 总队 belongs to no county): compare that;
* a reference (``ref: child.id``, ``ref: school.name``) to a synced form that has a route:
  follow it (谈心记录, 结对 and 儿童参加活动申请书 follow their child; the route to a form with
  the field itself beats one through a brigade, so 结对 follows the child, not the volunteer);
* none of these (预算; 捐赠): the form stays in the hub.

``[partition]`` in ``sheets-sync.toml`` overrides the route of a form: a field of the form
(compared, or followed when it is a reference), or ``"hub"`` (总表) to keep it in the hub.
Pure: templates in, routes out; :mod:`.run` evaluates them on the merged records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..forms.template import Field, FormTemplate

Values = dict[str, str]

HUB_ONLY = frozenset({"hub", "总表", "只在总表"})
_PLACES = frozenset({"$program.brigades", "$program.counties"})  # 所属大队 takes either


@dataclass(frozen=True)
class Hop:
    """One step of a route: read ``field`` of a ``form`` record; with ``target``, that text
    names a record of form ``target`` (by its 编号 when ``by`` is its id field, else by the
    text of field ``by``) and the route goes on there; without, it is the value compared."""

    form: str
    field: str
    target: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class Route:
    hops: tuple[Hop, ...]

    @property
    def last(self) -> Hop:
        return self.hops[-1]

    def text(self, templates: dict[str, FormTemplate]) -> str:
        """The route in the staff's words: ``儿童编号 → 留守儿童家庭情况登记表的县``."""
        parts = []
        for h in self.hops:
            form = templates[h.form]
            parts.append(form.field(h.field).label if h.target else
                         f"{form.label}的{form.field(h.field).label}")
        return " → ".join(parts)

    @property
    def forms(self) -> tuple[str, ...]:
        """The forms it reads, the routed form first."""
        return tuple(h.form for h in self.hops)


def _direct(form: FormTemplate, key: str) -> Field | None:
    """The field that holds partition ``key`` itself (by key or header), or the brigade
    field standing for ``county``."""
    for f in form.fields:
        if f.key == key or key in f.headers:
            return f
    return None


def _brigade(form: FormTemplate, key: str) -> Field | None:
    if key != "county":
        return None
    return next((f for f in form.fields if f.choices_from in _PLACES
                 and (f.key == "brigade" or "大队" in f.label)), None)


def _is_county(form: FormTemplate, key: str) -> bool:
    return _direct(form, key) is not None


def _ref_target(f: Field, templates: dict[str, FormTemplate]) -> tuple[str, str] | None:
    if not f.ref or "." not in f.ref:
        return None
    target, by = f.ref.split(".", 1)
    if target not in templates:
        return None
    t = templates[target]
    if by not in {x.key for x in t.fields}:
        return None
    return target, by


def find_route(form_key: str, key: str, templates: dict[str, FormTemplate],
               synced: tuple[str, ...], *, via: str | None = None,
               _seen: frozenset[str] = frozenset()) -> Route | None:
    """The best route from form ``form_key`` to partition ``key`` (``None``: no route).

    ``synced``: the forms a route may pass through (only synced forms are read and merged
    each run). ``via``: the field to use (the ``[partition]`` override).
    """
    form = templates[form_key]
    seen = _seen | {form_key}
    if via is None:
        d = _direct(form, key)
        if d is not None:
            return Route((Hop(form_key, d.key),))
        best: tuple[tuple[int, int], Route] | None = None
        b = _brigade(form, key)
        if b is not None:
            best = ((0, 1), Route((Hop(form_key, b.key),)))
        for f in form.fields:
            r = _through(form_key, f, key, templates, synced, seen)
            if r is None:
                continue
            rank = (len(r.hops) - 1, 0 if _is_county(templates[r.last.form], key) else 1)
            if best is None or rank < best[0]:
                best = (rank, r)
        return best[1] if best else None
    chosen = next((x for x in form.fields if via in {x.key, *x.headers}), None)
    if chosen is None:
        return None
    if chosen.ref:
        return _through(form_key, chosen, key, templates, synced, seen)
    return Route((Hop(form_key, chosen.key),))


def _through(form_key: str, f: Field, key: str, templates: dict[str, FormTemplate],
             synced: tuple[str, ...], seen: frozenset[str]) -> Route | None:
    target = _ref_target(f, templates)
    if target is None or target[0] in seen or target[0] not in synced:
        return None
    rest = find_route(target[0], key, templates, synced, _seen=seen)
    if rest is None:
        return None
    return Route((Hop(form_key, f.key, target[0], target[1]), *rest.hops))


def why_no_route(form_key: str, key: str, templates: dict[str, FormTemplate],
                 synced: tuple[str, ...]) -> str:
    """Why ``form_key`` has no route to ``key``, in Chinese (for the per-spoke note)."""
    form = templates[form_key]
    blocked = [templates[t[0]].label for f in form.fields
               if (t := _ref_target(f, templates)) is not None and t[0] not in synced
               and find_route(t[0], key, templates, (*synced, t[0])) is not None]
    if blocked:
        return (f"它通过引用的“{blocked[0]}”才能分到分表,而“{blocked[0]}”不在 [project] forms 中")
    return f"它没有 {key} 字段,也没有能通往 {key} 的引用"


def form_order(forms: Iterable[str], routes: Iterable[Route]) -> list[str]:
    """``forms`` with every form after the forms its routes read (stable otherwise)."""
    forms = list(forms)
    needs: dict[str, set[str]] = {fk: set() for fk in forms}
    for r in routes:
        if r.hops[0].form in needs:
            needs[r.hops[0].form] |= {f for f in r.forms[1:] if f in needs}
    out: list[str] = []
    done: set[str] = set()

    def visit(fk: str, path: frozenset[str]) -> None:
        if fk in done or fk in path:
            return
        for dep in sorted(needs[fk], key=forms.index):
            visit(dep, path | {fk})
        done.add(fk)
        out.append(fk)

    for fk in forms:
        visit(fk, frozenset())
    return out


@dataclass
class Router:
    """Follows routes through this run's merged records (set form by form, in
    :func:`form_order`, so a 谈心记录 follows the county its child has after this run)."""

    templates: dict[str, FormTemplate]
    records: dict[str, dict[str, Values]] = field(default_factory=dict)
    _index: dict[tuple[str, str], dict[str, Values | None]] = field(default_factory=dict)

    def set(self, form: str, records: dict[str, Values]) -> None:
        self.records[form] = records
        for key in [k for k in self._index if k[0] == form]:
            del self._index[key]

    def _by(self, form: str, by: str) -> dict[str, Values | None]:
        """text of field ``by`` -> the record with it (``None`` when two records share it)."""
        key = (form, by)
        if key not in self._index:
            index: dict[str, Values | None] = {}
            for v in self.records.get(form, {}).values():
                t = v.get(by, "").strip()
                if t:
                    index[t] = v if t not in index else None
            self._index[key] = index
        return self._index[key]

    def text(self, route: Route, values: Values) -> str:
        """The text ``route`` compares for a record with ``values`` (``""``: no way there:
        a blank or unknown reference)."""
        v: Values | None = values
        for h in route.hops[:-1]:
            assert v is not None and h.target is not None and h.by is not None
            t = v.get(h.field, "").strip()
            if not t:
                return ""
            target = self.templates[h.target]
            id_field = target.id_field
            if id_field is not None and h.by == id_field.key:
                recs = self.records.get(h.target, {})
                v = recs.get(t) or recs.get(t.upper())
            else:
                v = self._by(h.target, h.by).get(t)
            if v is None:
                return ""
        assert v is not None
        return v.get(route.last.field, "")


__all__ = ["HUB_ONLY", "Hop", "Route", "Router", "find_route", "form_order", "why_no_route"]
