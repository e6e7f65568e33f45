"""propose_pairs() and pair_book(): one pairing run over one book.

A run, in order:

1. validate the book's form tabs and read children, volunteers and active pairs (结对 with
   状态 进行中: kept as they are, never moved, counted against each volunteer's capacity);
2. read the staff decisions in ``结对建议``: each accepted row whose child has no active
   pair yet becomes a new 结对 row (if it still meets the rules; otherwise it stays in the
   tab with the reason), rejected rows stay and that (child, volunteer) is never proposed;
3. propose a minimum-cost assignment for every other child without an active pair
   (:mod:`.solve`), and explain the children and volunteers left over.

:func:`pair_book` writes the tab and appends the accepted rows to 结对 in one batch.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..books.base import TabContent, WriteBatch
from ..config import Program
from ..forms.template import FormTemplate
from ..forms.validate import Report, validate_grids
from ..proposals import append_rows, next_ids, replace_if_changed
from ..table import Grid, a1
from .model import (
    ACTIVE,
    Child,
    PairingError,
    Settings,
    Volunteer,
    find_tab,
    has_team_plan,
    read_active_pairs,
    read_children,
    read_visits,
    read_volunteers,
    school_counties,
)
from .placement import BRIGADE, BrigadePlacement, Group, Placement, TeamPlacement
from .sheet import (
    ACCEPT,
    REJECT,
    TAB,
    Decision,
    Line,
    read_suggestions,
    suggestions_tab,
)
from .solve import Assignment, Weights, allowed, assign_group, free_slots

PAIR_TAB = "结对"
PAIR_NOTE = "由结对建议确认"


@dataclass(frozen=True)
class Unpaired:
    child: Child
    reason: str


@dataclass(frozen=True)
class Idle:
    volunteer: Volunteer
    reason: str


@dataclass(frozen=True)
class NewPair:
    """An accepted suggestion, to be appended to 结对."""

    id: str
    volunteer_id: str
    child_id: str
    start_date: dt.date
    source_row: int     # its row in 结对建议


@dataclass
class PairTarget:
    """Where new 结对 rows go: the tab, its columns (field -> col) and the first free row."""

    tab: str | None
    columns: dict[str, int]
    next_row: int
    labels: dict[str, str]   # field -> label of the pair form, for a 结对 tab made anew


@dataclass
class PairingResult:
    """Everything one run found and decided."""

    proposals: list[Assignment]
    unpaired_children: list[Unpaired]
    idle_volunteers: list[Idle]
    accepted: list[NewPair]
    kept: list[Decision]
    settings: Settings
    target: PairTarget
    extra_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mode: str = BRIGADE
    """``team`` (inside the visiting teams) or ``brigade`` (by school / brigade)."""
    shortfalls: list[Shortfall] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    """What the run followed and, per school, why children stay unpaired (Chinese lines)."""

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` shape (rows are sheet rows of the child / volunteer tabs)."""
        return {
            "proposals": [{"child": {"id": a.child.id, "row": a.child.row},
                           "volunteer": {"id": a.volunteer.id, "row": a.volunteer.row},
                           "cost": a.cost, "reasons": list(a.reasons)} for a in self.proposals],
            "unpaired_children": [{"id": u.child.id, "row": u.child.row, "reason": u.reason}
                                  for u in self.unpaired_children],
            "idle_volunteers": [{"id": i.volunteer.id, "row": i.volunteer.row,
                                 "reason": i.reason} for i in self.idle_volunteers],
            "accepted": [{"id": p.id, "volunteer": p.volunteer_id, "child": p.child_id}
                         for p in self.accepted],
            "kept_decisions": len(self.kept),
            "notes": list(self.notes),
            "mode": self.mode,
            "shortfalls": [{"school": f.label, "children": f.children, "unpaired": f.unpaired,
                            "reason": f.reason} for f in self.shortfalls],
            "summary": list(self.summary),
        }

    def tab(self) -> TabContent:
        """The 结对建议 tab for this result."""
        lines = [Line(a.child.id, a.child.name, a.child.school, a.child.grade_text, a.volunteer.id,
                      a.volunteer.name, a.reasons, a.cost) for a in self.proposals]
        unpaired = [(u.child.id, u.child.name, u.child.school, u.child.grade_text, u.reason)
                    for u in self.unpaired_children]
        idle = [(i.volunteer.id, i.volunteer.name, i.volunteer.school, i.volunteer.brigade,
                 i.reason) for i in self.idle_volunteers]
        gaps = [(f.label, f.reason) for f in self.shortfalls]
        return suggestions_tab(lines, self.kept, unpaired, idle, self.extra_headers, gaps)


# --------------------------------------------------------------------------- helpers

def _first_by_id(items: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for x in items:
        if x.id and x.id not in out:
            out[x.id] = x
    return out


def _why_blocked(c: Child | None, v: Volunteer | None, load: Counter[str],
                 place: Placement) -> str:
    if c is None:
        return "找不到这个儿童编号"
    if v is None:
        return "找不到这个志愿者编号"
    if not (v.admitted and v.trained):
        return "志愿者不是已录取并完成培训"
    if isinstance(place, TeamPlacement):
        if not place.visited(c.school_key):
            return f"儿童的学校“{c.school}”没有进驻安排"
        if not place.allowed(c, v):
            teams = "、".join(place.visiting(c.school_key))
            return (f"志愿者的所属支队“{v.team}”不进驻儿童的学校(进驻的是 {teams})"
                    if v.team else f"志愿者没有所属支队(进驻儿童学校的是 {teams})")
    elif not place.allowed(c, v):
        return "志愿者的所属学校(或大队)与儿童的学校(或县)不一致"
    used, cap = load[place.bucket(c, v)], place.capacity(c, v)
    if used >= cap:
        return f"志愿者已满额({used}/{cap})"
    return ""


def _unpaired_reason(c: Child, eligible: list[Volunteer], excluded: set[tuple[str, str]],
                     load: Counter[str], settings: Settings) -> str:
    cands = [v for v in eligible if allowed(c, v)]
    if not cands:
        return "该校没有已录取并完成培训的志愿者"
    open_ = [v for v in cands if (c.id, v.id) not in excluded]
    if not open_:
        return "可选的志愿者都已被拒绝(" + "、".join(v.id for v in cands) + ")"
    where = "该校" if all(v.school_key for v in open_) else f"该校及{c.county}大队"
    used = sum(load[v.id] for v in open_)
    text = f"{where}志愿者已满额({used}/{settings.capacity * len(open_)})"
    if len(open_) < len(cands):
        text += f";另有 {len(cands) - len(open_)} 名志愿者的建议已被拒绝"
    return text


def _team_unpaired_reason(c: Child, group: Group | None, excluded: set[tuple[str, str]],
                          place: TeamPlacement, line: str) -> str:
    if group is None or not place.visited(c.school_key):
        return NO_VISIT if place.known(c.school_key) else NOT_A_SCHOOL
    if not group.volunteers:
        return f"进驻的支队{_names(group.teams)}没有已录取并完成培训的队员"
    if all((c.id, v.id) in excluded for v in group.volunteers):
        return "进驻支队的队员都已被拒绝(" + "、".join(v.id for v in group.volunteers) + ")"
    return line


def _idle_reason(v: Volunteer, children: list[Child], paired: set[str],
                 excluded: set[tuple[str, str]], place: Placement) -> str:
    if not v.trained:
        return "尚未完成培训(培训完成 不是“是”)"
    if isinstance(place, TeamPlacement):
        if not v.team_key:
            return "没有所属支队(按进驻支队结对)"
        if not any(v.team_key in teams for teams in place.visitors.values()):
            return f"所属支队“{v.team}”还没有进驻安排"
    elif not (v.school_key or v.brigade):
        return "缺少所属学校和所属大队"
    kids = [c for c in children if c.id and place.allowed(c, v)]
    if not kids:
        if isinstance(place, TeamPlacement):
            return f"所属支队“{v.team}”进驻的学校没有登记的儿童"
        return (f"所属学校“{v.school}”没有登记的儿童" if v.school_key
                else f"{v.brigade}县没有登记的儿童")
    waiting = [c for c in kids if c.id not in paired]
    if not waiting:
        return "该校儿童都已有进行中的结对"
    if all((c.id, v.id) in excluded for c in waiting):
        return "与该校待结对儿童的建议都已被拒绝"
    return "该校待结对的儿童已分给其他志愿者"


NO_VISIT = "学校没有进驻安排(“进驻安排”中没有该校未取消的进驻),暂不结对"
NOT_A_SCHOOL = "学校不在“学校”表中,没有进驻安排:请核对学校名称"


def _names(teams: tuple[str, ...] | list[str]) -> str:
    return "、".join(f"“{t}”" for t in teams)


@dataclass(frozen=True)
class Shortfall:
    """A school (or, without teams, a group of schools) where children stay unpaired."""

    label: str           # 顺平·东王庄小学
    children: int        # the children who count there
    unpaired: int
    reason: str          # the arithmetic, in Chinese

    @property
    def text(self) -> str:
        return f"{self.label}:{self.reason}"


def _team_shortfall(g: Group, n: int, unpaired: int, outside: int, free: int) -> Shortfall:
    """``n`` children at the school, ``outside`` of them paired outside the team, ``free``
    slots left in the team before this run's proposals."""
    if not g.volunteers:
        why = (f"{n} 名儿童,进驻的支队{_names(g.teams)}没有已录取并完成培训的队员 "
               f"→ {unpaired} 名未结对")
        return Shortfall(g.label, n, unpaired, why)
    team = f"支队 {len(g.volunteers)} 人" if len(g.teams) == 1 else \
        f"{len(g.teams)} 个支队共 {len(g.volunteers)} 人"
    why = f"{n} 名儿童"
    if outside:
        why += f"(其中 {outside} 名已由支队外的志愿者结对)"
    why += f",{team},每人最多 {g.capacity} 名 → {unpaired} 名未结对"
    arithmetic = max(0, len(g.children) - free)
    if unpaired > arithmetic:
        why += f"(其中 {unpaired - arithmetic} 名的可选队员都已被拒绝)"
    return Shortfall(g.label, n, unpaired, why)


def _target(grids: dict[str, Grid], report_tab: Any, templates: dict[str, FormTemplate]
            ) -> PairTarget:
    labels = {f.key: f.label for f in templates["pair"].fields} if "pair" in templates else {}
    if report_tab is None:
        return PairTarget(None, {}, 2, labels)
    lay = report_tab.layout
    return PairTarget(lay.tab, dict(lay.columns), grids[lay.tab].n_rows + 1, labels)


# --------------------------------------------------------------------------- the run

def placement_for(report: Report, settings: Settings, children: list[Child],
                  volunteers: list[Volunteer]) -> Placement:
    """Inside visiting teams when the book keeps 支队 and 进驻安排, else by school/brigade.

    ``children``/``volunteers``: the ones that count (a usable id; eligible volunteers)."""
    if not has_team_plan(report):
        return BrigadePlacement(settings)
    place = TeamPlacement(settings, read_visits(report), school_counties(report),
                          dict(Counter(c.school_key for c in children if c.school_key)))
    place.groups((), volunteers)  # the members of each team
    return place


def propose_pairs(grids: dict[str, Grid], templates: dict[str, FormTemplate], program: Program,
                  *, today: dt.date, weights: Weights | None = None,
                  report: Report | None = None) -> PairingResult:
    """Proposals for every child without an active pair, and the accepted ones to record.

    ``report``: the run's validation of ``grids`` (validated here when not given).
    """
    weights = weights or Weights()
    settings = Settings.from_program(program)
    if report is None:
        report = validate_grids(grids, templates, program)
    children = read_children(report)
    volunteers = read_volunteers(report)
    active = read_active_pairs(report)
    suggestions = read_suggestions(grids.get(TAB))
    kids: dict[str, Child] = _first_by_id(children)
    vols: dict[str, Volunteer] = _first_by_id(volunteers)
    counted = [c for c in children if c.id and kids[c.id] is c]
    eligible = [v for v in volunteers if v.eligible and v.id and vols[v.id] is v]
    place = placement_for(report, settings, counted, eligible)
    team = isinstance(place, TeamPlacement)
    if team:
        eligible = [v for v in eligible if v.team_key]
    pair_tab = find_tab(report, "pair")
    target = _target(grids, pair_tab, templates)
    paired = {p.child_id for p in active}
    partner = {p.child_id: p.volunteer_id for p in active}
    load: Counter[str] = Counter()
    for p in active:
        c, v = kids.get(p.child_id), vols.get(p.volunteer_id)
        if c is not None and v is not None:
            load[place.bucket(c, v)] += 1
        elif not team:
            load[p.volunteer_id] += 1
    notes: list[str] = []
    kept: list[Decision] = []
    excluded: set[tuple[str, str]] = set()
    accepted_pairs: list[tuple[str, str, int]] = []
    for d in suggestions.decisions:
        where = f"{TAB}!{a1(d.row, suggestions.confirm_column)}"
        if d.mark == ACCEPT:
            if d.child_id in paired:
                if partner.get(d.child_id) != d.volunteer_id:
                    notes.append(f"{where}:儿童 {d.child_id} 已有进行中的结对(志愿者 "
                                 f"{partner.get(d.child_id)}),这条确认没有写入“结对”。")
                continue
            c, v = kids.get(d.child_id), vols.get(d.volunteer_id)
            d.blocked = _why_blocked(c, v, load, place)
            if d.blocked:
                kept.append(d)
                notes.append(f"{where}:确认的结对 {d.child_id}–{d.volunteer_id} 没有写入:"
                             f"{d.blocked}。")
                continue
            assert c is not None and v is not None
            paired.add(d.child_id)
            partner[d.child_id] = d.volunteer_id
            load[place.bucket(c, v)] += 1
            accepted_pairs.append((d.volunteer_id, d.child_id, d.row))
        else:
            kept.append(d)
            excluded.add((d.child_id, d.volunteer_id))
            if d.mark != REJECT:
                notes.append(f"{where}:确认“{d.confirm}”无法识别,请填写“接受”或“拒绝”;"
                             "这一行先保留,不再重复建议。")
    existing_ids = [str(v) for v in pair_tab.normalized["id"].text] \
        if pair_tab is not None and "id" in pair_tab.normalized else []
    prefix = (templates["pair"].id_prefix if "pair" in templates else None) or "P"
    new_ids = next_ids(existing_ids, prefix, len(accepted_pairs))
    accepted = [NewPair(pid, vid, cid, today, row)
                for pid, (vid, cid, row) in zip(new_ids, accepted_pairs, strict=True)]

    unpaired: list[Unpaired] = []
    candidates: list[Child] = []
    for c in children:
        if not c.id:
            unpaired.append(Unpaired(c, "缺少儿童编号:请先补上编号(如 C0012)"))
        elif kids[c.id] is not c:
            unpaired.append(Unpaired(c, f"儿童编号与第 {kids[c.id].row} 行重复"))
        elif c.id in paired:
            continue
        elif not c.school_key:
            unpaired.append(Unpaired(c, "缺少学校"))
        else:
            candidates.append(c)
    groups = place.groups(candidates, eligible)
    proposals: list[Assignment] = []
    for g in groups:
        proposals.extend(assign_group(g, load, excluded, settings, weights, place))
    proposals.sort(key=lambda a: a.child.row)
    final = Counter(load)
    final.update(place.bucket(a.child, a.volunteer) for a in proposals)
    chosen = {a.child.id for a in proposals}
    shortfalls = _shortfalls(groups, candidates, chosen, counted, paired, partner, load, place)
    line_of = {s.label: s.text for s in shortfalls}
    group_of = {c.id: g for g in groups for c in g.children}
    for c in candidates:
        if c.id in chosen:
            continue
        if isinstance(place, TeamPlacement):
            line = line_of.get(place.label(c.school_key, c.school), "")
            reason = _team_unpaired_reason(c, group_of.get(c.id), excluded, place, line)
        else:
            reason = _unpaired_reason(c, eligible, excluded, final, settings)
        unpaired.append(Unpaired(c, reason))
    unpaired.sort(key=lambda u: u.child.row)
    taken = paired | chosen
    used_by = Counter(p.volunteer_id for p in active)
    used_by.update(vid for vid, _, _ in accepted_pairs)
    used_by.update(a.volunteer.id for a in proposals)
    idle = [Idle(v, _idle_reason(v, children, taken, excluded, place)) for v in volunteers
            if v.admitted and v.id and vols[v.id] is v and not used_by[v.id]]
    for v in volunteers:
        if v.admitted and not v.id:
            notes.append(f"志愿者报名表第 {v.row} 行({v.name})缺少编号,不能参与结对。")
    summary = [_mode_line(place, settings), *(s.text for s in shortfalls)]
    return PairingResult(proposals, unpaired, idle, accepted, kept, settings, target,
                         list(suggestions.extra_headers), notes, place.mode, shortfalls,
                         summary)


def _mode_line(place: Placement, settings: Settings) -> str:
    if isinstance(place, TeamPlacement):
        cap = (f"每人每校最多 {settings.capacity} 名(pair_capacity)" if settings.capacity_fixed
               else f"每人每校最多 ⌈儿童 ÷ 队员⌉ 名,不超过 {settings.capacity_max} 名"
                    "(pair_capacity_max)")
        return (f"按进驻支队结对:{len(place.visitors)} 所学校有支队进驻,"
                f"每名儿童的志愿者来自进驻该校的支队;{cap}。")
    return ("本工作簿没有“支队”和“进驻安排”表,按所属学校(或所属大队)结对,"
            f"每人最多 {settings.capacity} 名(pair_capacity);"
            "有了进驻安排(sheets-sync schedule)后按进驻支队结对。")


def _shortfalls(groups: list[Group], candidates: list[Child], chosen: set[str],
                counted: list[Child], paired: set[str], partner: dict[str, str],
                load: Counter[str], place: Placement
                ) -> list[Shortfall]:
    """Where children stay unpaired, with the arithmetic; in sheet order of the children."""
    out: list[Shortfall] = []
    left = {c.id for c in candidates} - chosen
    at_school = Counter(c.school_key for c in counted if c.school_key)
    seen: set[str] = set()
    if isinstance(place, TeamPlacement):
        group_at = {g.children[0].school_key: g for g in groups if g.children}
        for c in candidates:
            if c.id not in left or c.school_key in seen:
                continue
            seen.add(c.school_key)
            n = at_school[c.school_key]
            k = sum(1 for x in candidates if x.school_key == c.school_key and x.id in left)
            g = group_at.get(c.school_key)
            if g is None:
                why = "没有进驻安排" if place.known(c.school_key) else "学校不在“学校”表中"
                out.append(Shortfall(place.label(c.school_key, c.school), n, k,
                                     f"{n} 名儿童,{why} → {k} 名未结对"))
                continue
            team_ids = {v.id for v in g.volunteers}
            outside = sum(1 for x in counted if x.school_key == c.school_key
                          and x.id in paired and partner.get(x.id) not in team_ids)
            out.append(_team_shortfall(g, n, k, outside, sum(free_slots(g, load, place))))
        return out
    for g in groups:
        k = sum(1 for x in g.children if x.id in left)
        if not k:
            continue
        free = sum(free_slots(g, load, place))
        why = (f"待结对 {len(g.children)} 名儿童,可结对的志愿者 {len(g.volunteers)} 人,"
               f"每人最多 {g.capacity} 名,剩余名额 {free} 个 → {k} 名未结对")
        out.append(Shortfall(g.label, len(g.children), k, why))
    return out


def pairing_batch(result: PairingResult, grids: dict[str, Grid],
                  batch: WriteBatch | None = None) -> WriteBatch:
    """The writes for ``result``: the 结对建议 tab (if it changed) and the new 结对 rows."""
    batch = batch if batch is not None else WriteBatch()
    replace_if_changed(batch, grids, TAB, result.tab())
    if not result.accepted:
        return batch
    t = result.target
    values = [{"id": p.id, "volunteer_id": p.volunteer_id, "child_id": p.child_id,
               "start_date": p.start_date.isoformat(), "status": ACTIVE, "note": PAIR_NOTE}
              for p in result.accepted]
    append_rows(batch, grids, values, tab=t.tab, columns=t.columns, next_row=t.next_row,
                label=PAIR_TAB, labels=t.labels,
                required={"volunteer_id": "志愿者编号", "child_id": "儿童编号", "status": "状态"},
                what="结对", error=PairingError)
    return batch


__all__ = ["Idle", "NewPair", "PairingResult", "Shortfall", "Unpaired", "pairing_batch",
           "placement_for", "propose_pairs"]
