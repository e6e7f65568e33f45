"""propose_schedule() and schedule_batch(): one scheduling run over one book.

A run, in order:

1. read the validated book (:func:`.model.read_book`) and the visit weeks of the program;
   what staff fixed stays as it is: every 支队 with its members, every 进驻安排 row not
   取消 (its team is busy that week, its school is visited);
2. read the staff decisions in ``排班建议``: an accepted 支队 row becomes a 支队 record and
   fills its members' 所属支队, an accepted 进驻 row a 进驻安排 record (状态 计划), each
   once and only if it still holds (otherwise the row stays with the reason); a rejected
   row stays, and that member set (支队) or that team at that school (进驻) is never
   proposed again;
3. propose teams from the admitted, trained volunteers of each brigade not yet in a team
   (:mod:`.teams`), then a visit for every agreed school not yet visited (:mod:`.rotation`),
   and say, with the arithmetic, what could not be scheduled.

:func:`schedule_batch` writes the tab and the accepted records in one batch; the pipeline's
``schedule`` step runs both (``sheets_sync.sync.slices.schedule_book`` on one book).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from ..books.base import TabContent, WriteBatch
from ..config import Program
from ..forms.template import FormTemplate
from ..forms.validate import Report, TabResult, validate_grids
from ..proposals import append_rows, next_ids, replace_if_changed
from ..table import Grid, a1
from .model import (
    PLANNED,
    Book,
    ScheduleError,
    School,
    Team,
    Visit,
    Volunteer,
    Week,
    key,
    read_book,
    weeks,
)
from .rotation import Slots, plan_rotation
from .sheet import (
    ACCEPT,
    KIND_TEAM,
    KIND_VISIT,
    REJECT,
    TAB,
    Decision,
    Line,
    read_suggestions,
    suggestions_tab,
)
from .teams import balance_text, draft, sizes, team_name

NOTE_TEAM = "由排班建议确认"


@dataclass(frozen=True)
class NewTeam:
    """A proposed or accepted team."""

    name: str
    brigade: str
    leader: Volunteer
    members: tuple[Volunteer, ...]
    reasons: str = ""
    source_row: int = 0     # its row in 排班建议 (accepted ones)


@dataclass(frozen=True)
class NewVisit:
    """A proposed or accepted visit."""

    team: str
    brigade: str
    school: School
    start: dt.date
    end: dt.date
    reasons: str = ""
    source_row: int = 0


@dataclass(frozen=True)
class Unscheduled:
    kind: str           # 学校 / 志愿者 / 大队
    name: str
    where: str          # county or brigade
    reason: str


@dataclass
class ScheduleResult:
    """Everything one run found and decided."""

    teams: list[NewTeam]
    visits: list[NewVisit]
    accepted_teams: list[NewTeam]
    accepted_visits: list[NewVisit]
    kept: list[Decision]
    unscheduled: list[Unscheduled]
    arithmetic: list[str]
    weeks: list[Week]
    extra_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: dict[str, tuple[str | None, dict[str, int], int, int]] = field(default_factory=dict)
    """form -> (tab or None, field -> column, first free row, header row)."""
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """form -> field -> label (for a tab made anew)."""

    @property
    def proposed(self) -> int:
        return len(self.teams) + len(self.visits)

    @property
    def accepted(self) -> int:
        return len(self.accepted_teams) + len(self.accepted_visits)

    @property
    def rejected(self) -> int:
        return sum(1 for d in self.kept if d.mark == REJECT)

    @property
    def scheduled_schools(self) -> int:
        return len(self.visits)

    def counts(self) -> dict[str, int]:
        return {"proposed": self.proposed, "proposed_teams": len(self.teams),
                "proposed_visits": len(self.visits), "accepted": self.accepted,
                "accepted_teams": len(self.accepted_teams),
                "accepted_visits": len(self.accepted_visits), "kept": len(self.kept),
                "rejected": self.rejected, "unscheduled": len(self.unscheduled)}

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` shape."""
        return {
            **self.counts(),
            "teams": [{"name": t.name, "brigade": t.brigade, "leader": t.leader.id,
                       "members": [m.id for m in t.members]} for t in self.teams],
            "visits": [{"team": v.team, "school": v.school.name, "start": v.start.isoformat(),
                        "end": v.end.isoformat()} for v in self.visits],
            "accepted_teams": [t.name for t in self.accepted_teams],
            "accepted_visits": [{"team": v.team, "school": v.school.name,
                                 "start": v.start.isoformat()} for v in self.accepted_visits],
            "unscheduled": [{"kind": u.kind, "name": u.name, "where": u.where,
                             "reason": u.reason} for u in self.unscheduled],
            "arithmetic": list(self.arithmetic),
            "notes": list(self.notes),
        }

    def tab(self) -> TabContent:
        """The 排班建议 tab for this result."""
        lines = [Line((KIND_TEAM, t.name, t.brigade, "", "", "", "", t.leader.label,
                       "、".join(m.label for m in t.members), t.reasons)) for t in self.teams]
        lines += [Line((KIND_VISIT, v.team, v.brigade, v.school.name, v.school.town,
                        v.start.isoformat(), v.end.isoformat(), "", "", v.reasons))
                  for v in self.visits]
        left = [(u.kind, u.name, u.where, u.reason) for u in self.unscheduled]
        return suggestions_tab(lines, self.kept, self.arithmetic, left, self.extra_headers)


# --------------------------------------------------------------------------- helpers

def _tab(report: Report, form: str) -> TabResult | None:
    return next((t for t in report.tabs.values() if t.layout.form.key == form), None)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


class _State:
    """What the run knows while it decides: teams, members, busy weeks, visited schools."""

    def __init__(self, book: Book, wks: list[Week]) -> None:
        self.weeks = wks
        self.vols = {v.id: v for v in reversed(book.volunteers) if v.id}
        self.teams: dict[str, Team] = {}
        for t in book.teams:
            self.teams.setdefault(key(t.name), t)
        self.in_team = {v.id for v in book.volunteers if v.id and v.team}
        self.visits: list[Visit] = list(book.visits)
        self.visited = {key(v.school) for v in self.visits}
        self.schools = {key(s.name): s for s in reversed(book.schools)}

    def busy(self, team: str, start: dt.date, end: dt.date) -> Visit | None:
        return next((v for v in self.visits if key(v.team) == key(team)
                     and v.start <= end and start <= v.end), None)

    def busy_weeks(self, team: str) -> dict[int, str]:
        out: dict[int, str] = {}
        for v in self.visits:
            if key(v.team) == key(team):
                s = self.schools.get(key(v.school))
                for w in self.weeks:
                    if w.overlaps(v.start, v.end):
                        out[w.index] = f"{s.county}\x1f{s.town or s.name}" if s else v.school
        return out


def _accept_team(d: Decision, st: _State, accepted: list[NewTeam]) -> str:
    """Why the accepted 支队 row ``d`` cannot be written ("" when it can: recorded)."""
    name, brigade = d.get("支队"), d.get("所属大队")
    if not name:
        return "缺少支队名称"
    if key(name) in st.teams:
        return f"“支队”表中已有“{name}”"
    members = d.members
    if not members:
        return "“队员”一栏没有志愿者编号"
    bad = []
    for m in members:
        v = st.vols.get(m)
        if v is None:
            bad.append(f"{m} 不在志愿者报名表中")
        elif m in st.in_team:
            bad.append(f"{m} 已属于其他支队")
        elif not v.eligible:
            bad.append(f"{m} 不是已录取并完成培训的志愿者")
        elif v.brigade != brigade:
            bad.append(f"{m} 属于{v.brigade or '(未填)'}大队")
    if bad:
        return ";".join(bad)
    leader = d.leader or members[0]
    if leader not in members:
        return f"队长 {leader} 不在队员中"
    team_members = tuple(st.vols[m] for m in members)
    accepted.append(NewTeam(name, brigade, st.vols[leader], team_members, source_row=d.row))
    st.teams[key(name)] = Team(name, 0, brigade, leader)
    st.in_team.update(members)
    return ""


def _accept_visit(d: Decision, st: _State, accepted: list[NewVisit]) -> str:
    team, school = d.get("支队"), d.get("学校")
    start, end = _date(d.get("开始日期")), _date(d.get("结束日期"))
    if key(team) not in st.teams:
        return f"支队“{team}”还不在“支队”表中:请先接受它的“支队”行"
    s = st.schools.get(key(school))
    if s is None:
        return f"学校“{school}”不在“学校”表中"
    if start is None or end is None or end < start:
        return "开始日期、结束日期须为日期(如 2026-07-07),且结束不早于开始"
    if key(school) in st.visited:
        return f"“{school}”已有进驻安排"
    other = st.busy(team, start, end)
    if other is not None:
        return (f"{team} 在 {other.start} 至 {other.end} 已进驻 {other.school}"
                f"(进驻安排第 {other.row} 行)" if other.row else
                f"{team} 在 {other.start} 至 {other.end} 已确认进驻 {other.school}")
    t = st.teams[key(team)]
    accepted.append(NewVisit(t.name, t.brigade, s, start, end, source_row=d.row))
    st.visits.append(Visit(0, t.name, s.name, start, end))
    st.visited.add(key(school))
    return ""


# --------------------------------------------------------------------------- the run

def propose_schedule(grids: dict[str, Grid], templates: dict[str, FormTemplate],
                     program: Program, *, report: Report | None = None) -> ScheduleResult:
    """Teams and visits to propose, and the accepted ones to record (see the module doc).

    ``report``: the run's validation of ``grids`` (validated here when not given).
    """
    if report is None:
        report = validate_grids(grids, templates, program)
    program = report.program or program
    book = read_book(report)
    wks = weeks(program)
    st = _State(book, wks)
    sugg = read_suggestions(grids.get(TAB))
    notes: list[str] = []
    kept: list[Decision] = []
    accepted_teams: list[NewTeam] = []
    accepted_visits: list[NewVisit] = []
    rejected_sets: dict[str, set[frozenset[str]]] = {}
    rejected_pairs: set[tuple[str, str]] = set()
    # teams first: an accepted 进驻 row may name a team accepted in the same run
    order = sorted(sugg.decisions, key=lambda d: (d.kind != KIND_TEAM, d.row))
    for d in order:
        where = f"{TAB}!{a1(d.row, sugg.confirm_column)}"
        if d.mark == ACCEPT and d.kind in (KIND_TEAM, KIND_VISIT):
            d.blocked = (_accept_team(d, st, accepted_teams) if d.kind == KIND_TEAM
                         else _accept_visit(d, st, accepted_visits))
            if d.blocked:
                kept.append(d)
                notes.append(f"{where}:确认的{d.kind}“{d.get('支队')}"
                             f"{' → ' + d.get('学校') if d.kind == KIND_VISIT else ''}”"
                             f"没有写入:{d.blocked}。")
            continue
        kept.append(d)
        if d.kind == KIND_TEAM:
            rejected_sets.setdefault(d.get("所属大队"), set()).add(frozenset(d.members))
        elif d.kind == KIND_VISIT:
            rejected_pairs.add((key(d.get("支队")), key(d.get("学校"))))
        if d.mark != REJECT or d.kind not in (KIND_TEAM, KIND_VISIT):
            notes.append(f"{where}:确认“{d.confirm}”(类型“{d.kind}”)无法识别,请在“类型”为"
                         "支队或进驻的行填写“接受”或“拒绝”;这一行先保留,不再重复建议。")
    kept.sort(key=lambda d: d.row)

    size = program.team_size
    unscheduled: list[Unscheduled] = []
    proposed: list[NewTeam] = []
    pools: dict[str, list[Volunteer]] = {}
    for v in book.volunteers:
        if v.eligible and st.vols.get(v.id) is v and v.id not in st.in_team:
            pools.setdefault(v.brigade, []).append(v)
    taken_names = set(st.teams)
    for brigade in [*program.counties, *(b for b in pools if b not in program.counties)]:
        pool = pools.get(brigade, [])
        if not pool:
            continue
        drafted = draft(pool, sizes(len(pool), size), rejected_sets.get(brigade, set()))
        n = sum(1 for t in st.teams.values() if t.brigade == brigade)
        for dr in drafted:
            n += 1
            while key(team_name(brigade, n)) in taken_names:
                n += 1
            name = team_name(brigade, n)
            taken_names.add(key(name))
            proposed.append(NewTeam(name, brigade, dr.leader, dr.members, balance_text(dr)))
        placed_ids = {m.id for dr in drafted for m in dr.members}
        for v in pool:
            if v.id not in placed_ids:
                low = max(size - 2, 1)
                why = (f"{brigade}大队已录取并完成培训、未分队的志愿者 {len(pool)} 人,"
                       f"不足 {low} 人,组不成 1 个支队(每队 {size} ± 2 人)" if not drafted else
                       f"{brigade}大队 {len(pool)} 人分成 {len(drafted)} 个支队后多出(每队最多 "
                       f"{size + 2} 人)")
                unscheduled.append(Unscheduled("志愿者", v.label, brigade, why))

    # the rotation
    slots: list[Slots] = []
    for t in st.teams.values():
        if t.brigade:
            busy = st.busy_weeks(t.name)
            slots.append(Slots(t.name, t.brigade, [w.index for w in wks if w.index not in busy],
                               busy))
    slots += [Slots(t.name, t.brigade, [w.index for w in wks]) for t in proposed]
    todo: list[School] = []
    for s in book.schools:
        if not s.agreed or key(s.name) in st.visited or st.schools.get(key(s.name)) is not s:
            continue
        if not s.county:
            unscheduled.append(Unscheduled("学校", s.name, "", "“学校”表中没有填县,"
                                           "不知道由哪个大队进驻:请补上县"))
            continue
        todo.append(s)
    placed, left = plan_rotation(todo, slots, wks, rejected=rejected_pairs,
                                 cross_county=program.cross_county, notes=notes)
    brigade_of = {key(t.team): t.brigade for t in slots}
    visits = [NewVisit(p.team, brigade_of.get(key(p.team), ""), p.school, p.week.start,
                       p.week.end, "；".join(p.reasons)) for p in placed]
    arithmetic = _arithmetic(program, book, todo, slots, wks, pools, proposed)
    for s in left:
        unscheduled.append(Unscheduled("学校", s.name, s.county,
                                       _why_left(s, slots, rejected_pairs, todo, program)))
    return ScheduleResult(proposed, visits, accepted_teams, accepted_visits, kept, unscheduled,
                          arithmetic, wks, list(sugg.extra_headers), notes,
                          _targets(grids, report), _labels(templates))


def _arithmetic(program: Program, book: Book, todo: list[School], slots: list[Slots],
                wks: list[Week], pools: dict[str, list[Volunteer]],
                proposed: list[NewTeam]) -> list[str]:
    """One line per county: schools, team-weeks, and whether they suffice."""
    out: list[str] = []
    n_weeks = len(wks)
    counties = [*program.counties, *sorted({s.county for s in todo} - set(program.counties))]
    for c in counties:
        schools = sum(1 for s in todo if s.county == c)
        teams = [t for t in slots if t.brigade == c]
        if not schools and not teams and not pools.get(c):
            continue
        total = len(teams) * n_weeks
        free = sum(len(t.free) for t in teams)
        line = f"{c}:{schools} 所学校待排,{len(teams)} 个支队 × {n_weeks} 周 = {total} 个支队周"
        if total != free:
            line += f"(已排进驻 {total - free} 个,空余 {free} 个)"
        if free >= schools:
            out.append(line + ",够用")
            continue
        short = schools - free
        line += f",还差 {short} 个支队周"
        if not program.cross_county:
            need = math.ceil(short / n_weeks) if n_weeks else 0
            pool = len(pools.get(c, []))
            made = sum(1 for t in proposed if t.brigade == c)
            line += (f";已录取并完成培训、未分队的志愿者 {pool} 人(组成 {made} 个支队),"
                     f"组不成还需要的 {need} 个 {program.team_size} 人支队"
                     f"(还需约 {need * program.team_size} 名志愿者)")
        out.append(line)
    if not n_weeks:
        out.append(f"进驻期间 {program.visit_first} 至 {program.visit_last} 不足 6 天,"
                   "排不下一周进驻:请检查 visit_start、visit_end。")
    return out


def _why_left(s: School, slots: list[Slots], rejected: set[tuple[str, str]],
              todo: list[School], program: Program) -> str:
    own = [t for t in slots if t.brigade == s.county]
    if not own and not program.cross_county:
        return (f"{s.county}大队没有支队(也没有可组队的已培训志愿者),"
                "不能跨县进驻(cross_county = false)")
    open_ = [t for t in own if (key(t.team), key(s.name)) not in rejected]
    if own and not open_:
        return f"{s.county}大队的支队去该校的建议都已被拒绝(" + "、".join(t.team for t in own) + ")"
    schools = sum(1 for x in todo if x.county == s.county)
    free = sum(len(t.free) for t in own)
    return f"{s.county}县支队周不够:待排 {schools} 所学校,空余支队周 {free} 个"


def _targets(grids: dict[str, Grid], report: Report
             ) -> dict[str, tuple[str | None, dict[str, int], int, int]]:
    out: dict[str, tuple[str | None, dict[str, int], int, int]] = {}
    for form in ("team", "rotation", "volunteer"):
        tr = _tab(report, form)
        if tr is None:
            out[form] = (None, {}, 2, 1)
        else:
            lay = tr.layout
            out[form] = (lay.tab, dict(lay.columns), grids[lay.tab].n_rows + 1, lay.header_row)
    return out


def _labels(templates: dict[str, FormTemplate]) -> dict[str, dict[str, str]]:
    return {form: {f.key: f.label for f in templates[form].fields}
            for form in ("team", "rotation") if form in templates}


# --------------------------------------------------------------------------- the writes

def _append(batch: WriteBatch, grids: dict[str, Grid], result: ScheduleResult, form: str,
            label: str, values: list[dict[str, str]]) -> None:
    tab, cols, next_row, _ = result.targets.get(form, (None, {}, 2, 1))
    labels = result.labels.get(form, {})
    append_rows(batch, grids, values, tab=tab, columns=cols, next_row=next_row, label=label,
                labels=labels, required={k: labels.get(k, k) for k in ("name", "team", "school")},
                what="排班", error=ScheduleError)


def schedule_batch(result: ScheduleResult, grids: dict[str, Grid],
                   batch: WriteBatch | None = None) -> WriteBatch:
    """The writes for ``result``: the 排班建议 tab (if it changed), the accepted 支队 and
    进驻安排 rows, and the 所属支队 of the accepted teams' members."""
    batch = batch if batch is not None else WriteBatch()
    replace_if_changed(batch, grids, TAB, result.tab())
    if result.accepted_teams:
        tab, cols, _, head = result.targets["team"]
        existing = [grids[tab].cell(r, cols["id"]) for r in range(head + 1, grids[tab].n_rows + 1)
                    ] if tab and "id" in cols else []
        ids = next_ids(existing, "G", len(result.accepted_teams))
        _append(batch, grids, result, "team", "支队",
                [{"id": i, "name": t.name, "brigade": t.brigade, "leader_id": t.leader.id,
                  "note": NOTE_TEAM} for i, t in zip(ids, result.accepted_teams, strict=True)])
        vtab, vcols, _, vhead = result.targets["volunteer"]
        if vtab is None:
            raise ScheduleError("工作簿中没有“志愿者报名表”,确认的支队无法填写队员的所属支队。")
        col = vcols.get("team")
        if col is None:  # the 所属支队 column is added after the last header
            col = max([len(grids[vtab].rows[vhead - 1]) if grids[vtab].n_rows >= vhead else 0,
                       *vcols.values()]) + 1
            batch.set_cell(vtab, vhead, col, "所属支队")
        for t in result.accepted_teams:
            for m in t.members:
                batch.set_cell(vtab, m.row, col, t.name)
    if result.accepted_visits:
        tab, cols, _, head = result.targets["rotation"]
        existing = [grids[tab].cell(r, cols["id"]) for r in range(head + 1, grids[tab].n_rows + 1)
                    ] if tab and "id" in cols else []
        ids = next_ids(existing, "R", len(result.accepted_visits))
        _append(batch, grids, result, "rotation", "进驻安排",
                [{"id": i, "team": v.team, "school": v.school.name,
                  "start_date": v.start.isoformat(), "end_date": v.end.isoformat(),
                  "lodging": v.school.lodging, "status": PLANNED}
                 for i, v in zip(ids, result.accepted_visits, strict=True)])
    return batch



__all__ = ["NewTeam", "NewVisit", "ScheduleResult", "Unscheduled", "propose_schedule",
           "schedule_batch"]
