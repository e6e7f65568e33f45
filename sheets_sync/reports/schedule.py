"""排班表: the weekly rotation as staff print it — week × team → school.

Made from the 进驻安排 rows that are not 取消, with each team's 队长 (from 支队) and the
队长's phone (志愿者报名表.手机号: sensitive, masked unless the report's reveal lets it
through, ``--reveal 手机号``). Two parts on an A4 landscape page:

* the grid: one row per team (its brigade, 队长 and phone), one column per visit week
  (``第 1 周 07-07–07-12``), the school in each cell;
* the list: every visit by week, with its dates, 住宿安排, 餐饮安排, 交通 and 状态.

:func:`visits_by_school` is what the rosters use for their header line (the team that
visits the school, its dates, its leader and phone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from ..books.base import PrintSetup, TabContent
from ..config import Program
from .model import Builder, Forms, Record, generated_note, records, same

TAB = "排班表"
CANCELLED = "取消"
LIST_HEADERS = ["周次", "开始日期", "结束日期", "支队", "学校", "乡镇", "住宿安排", "餐饮安排",
                "交通", "队长", "队长电话", "状态"]


@dataclass(frozen=True)
class VisitInfo:
    team: str
    brigade: str
    school: str
    town: str
    start: str
    end: str
    lodging: str
    meals: str
    transport: str
    status: str
    leader: str
    phone: str       # as the tab may show it (masked unless revealed)


def _leader(team: Record | None, forms: Forms, reveal: Collection[str]) -> tuple[str, str]:
    from ..privacy import shown_value

    if team is None or not team.t("leader_id"):
        return "", team.t("phone") if team is not None else ""
    vid = team.t("leader_id").replace(" ", "").upper()
    vol = next((v for v in records(forms, "volunteer")
                if v.t("id").replace(" ", "").upper() == vid), None)
    if vol is None:
        return team.t("leader_id"), team.t("phone")
    phone = vol.t("phone") or team.t("phone")
    if vol.t("phone") and "volunteer" in forms:
        form = forms["volunteer"].form
        phone = shown_value(phone, form, form.field("phone"), reveal)
    return vol.t("name") or team.t("leader_id"), phone


def visits(forms: Forms, reveal: Collection[str] = ()) -> list[VisitInfo]:
    """Every visit not 取消, by start date then team."""
    teams = [t for t in records(forms, "team") if t.t("name")]
    schools = [s for s in records(forms, "school") if s.t("name")]
    out: list[VisitInfo] = []
    for r in records(forms, "rotation"):
        if r.t("status") == CANCELLED or not r.t("school"):
            continue
        team = next((t for t in teams if same(t.t("name"), r.t("team"))), None)
        school = next((s for s in schools if same(s.t("name"), r.t("school"))), None)
        leader, phone = _leader(team, forms, reveal)
        out.append(VisitInfo(r.t("team"), team.t("brigade") if team else "", r.t("school"),
                             school.t("town") if school else "", r.t("start_date"),
                             r.t("end_date"), r.t("lodging") or (school.t("lodging") if school
                                                                 else ""),
                             r.t("meals"), r.t("transport"), r.t("status"), leader, phone))
    out.sort(key=lambda v: (v.start, v.team))
    return out


def visits_by_school(forms: Forms, reveal: Collection[str] = ()) -> dict[str, list[VisitInfo]]:
    """School name (as references compare) -> its visits."""
    from ..forms.validate import ref_key

    out: dict[str, list[VisitInfo]] = {}
    for v in visits(forms, reveal):
        out.setdefault(ref_key(v.school), []).append(v)
    return out


def _weeks(program: Program, found: list[VisitInfo]) -> list[tuple[str, dt.date | None]]:
    """(column title, first day) of each week: the program's visit weeks, else the starts."""
    from ..schedule.model import ScheduleError, weeks

    try:
        ws = weeks(program)
    except ScheduleError:  # no visit dates configured: one column per start date
        ws = []
    if ws:
        return [(f"{w.label} {w.start:%m-%d}–{w.end:%m-%d}", w.start) for w in ws]
    starts = sorted({v.start for v in found if v.start})
    return [(s, dt.date.fromisoformat(s)) for s in starts]


def _week_of(v: VisitInfo, cols: list[tuple[str, dt.date | None]]) -> int | None:
    try:
        start = dt.date.fromisoformat(v.start)
    except ValueError:
        return None
    for i, (_, first) in enumerate(cols):
        if first is not None and first <= start < first + dt.timedelta(days=7):
            return i
    return None


def schedule_table(forms: Forms, program: Program, reveal: Collection[str] = ()) -> TabContent:
    """The 排班表 tab."""
    found = visits(forms, reveal)
    cols = _weeks(program, found)
    b = Builder()
    width = max(4 + len(cols), len(LIST_HEADERS))
    b.add(["排班表"], bold=True)
    b.merge(1, 1, width)
    b.add(["每周六天在校(周一至周六),周日了解下一所学校、安排住宿和吃饭。"])
    b.merge(2, 1, width)
    b.add(["支队", "所属大队", "队长", "队长电话", *(c for c, _ in cols)], section=True)
    by_team: dict[str, list[VisitInfo]] = {}
    for v in found:
        by_team.setdefault(v.team, []).append(v)
    team_rows = [t for t in records(forms, "team") if t.t("name")]
    names = [t.t("name") for t in team_rows] + [n for n in by_team
                                                if not any(same(n, t.t("name")) for t in team_rows)]
    for name in names:
        mine = next((vs for n, vs in by_team.items() if same(n, name)), [])
        team = next((t for t in team_rows if same(t.t("name"), name)), None)
        leader, phone = _leader(team, forms, reveal)
        cells = [""] * len(cols)
        for v in mine:
            w = _week_of(v, cols)
            if w is not None:
                cells[w] = f"{cells[w]}、{v.school}" if cells[w] else v.school
        b.add([name, team.t("brigade") if team else "", leader, phone, *cells])
    b.add([])
    b.add([f"进驻明细({len(found)} 次)"], bold=True)
    b.add(LIST_HEADERS, section=True)
    for v in found:
        w = _week_of(v, cols)
        b.add([f"第 {w + 1} 周" if w is not None else "", v.start, v.end, v.team, v.school, v.town,
               v.lodging, v.meals, v.transport, v.leader, v.phone, v.status])
    widths = {1: 14, 2: 9, 3: 10, 4: 14, **{5 + i: 18 for i in range(max(len(cols), 8))}}
    return b.content(header_rows=3, widths=widths,
                     note=generated_note("进驻安排中未取消的各次进驻:每周每个支队去哪所学校"),
                     print_setup=PrintSetup(landscape=True, repeat_rows=(3, 3)))


__all__ = ["TAB", "VisitInfo", "schedule_table", "visits", "visits_by_school"]
