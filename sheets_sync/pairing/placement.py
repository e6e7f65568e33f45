"""Who may be paired with whom, and how many children each volunteer takes.

Two placements, chosen by what the book keeps (:func:`placement_for`):

* :class:`TeamPlacement` — the book has a 支队 and a 进驻安排 tab (the plan's rotation): a
  child of a visited school (a 进驻安排 row whose 状态 is not 取消) goes to a volunteer of
  the team that visits it (志愿者报名表 所属支队). The load is counted per school: a team
  that visits five schools pairs at each of them, and at each a member takes at most
  ⌈children of the school ÷ eligible members of its visiting team⌉, capped by
  ``[program] pair_capacity_max`` (default 5); a configured ``pair_capacity`` holds instead.
  Children of a school no team visits stay unpaired, with the reason.
* :class:`BrigadePlacement` — no such tabs (the behaviour before teams): a volunteer of the
  child's school, or a volunteer without a school whose 所属大队 is the child's county;
  ``pair_capacity`` (default 3) children per volunteer over the whole program.

Each placement splits the work into independent :class:`Group` problems (one cost matrix
each, :mod:`.solve`); inside a group every volunteer has one load *bucket*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .model import Child, Settings, Visit, Volunteer

TEAM, BRIGADE = "team", "brigade"


@dataclass
class Group:
    """One independent assignment problem."""

    children: list[Child]
    volunteers: list[Volunteer]
    capacity: int                       # per volunteer, inside this group
    label: str = ""                     # 顺平·东王庄小学 / 满城县 (for the shortfall line)
    teams: tuple[str, ...] = ()         # the visiting teams, as shown


def _union(children: Sequence[Child], volunteers: Sequence[Volunteer]
           ) -> list[tuple[list[Child], list[Volunteer]]]:
    """Children and volunteers split into independent problems (a school, or a county
    when volunteers without a school serve it), in sheet order."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    county_served = {v.brigade for v in volunteers if not v.school_key and v.brigade}
    for c in children:
        if c.county in county_served:
            parent[find("s:" + c.school_key)] = find("c:" + c.county)
    kids: dict[str, list[Child]] = {}
    for c in children:
        kids.setdefault(find("s:" + c.school_key), []).append(c)
    vols: dict[str, list[Volunteer]] = {}
    for v in volunteers:
        node = "s:" + v.school_key if v.school_key else "c:" + v.brigade
        vols.setdefault(find(node), []).append(v)
    return [(cs, vols.get(root, [])) for root, cs in kids.items()]


def _codes(values: list[str], table: dict[str, int]) -> np.ndarray:
    return np.array([table.setdefault(x, len(table)) if x else -1 for x in values],
                    dtype=np.int64)


@dataclass
class BrigadePlacement:
    """Same school, or (a volunteer without a school) the county of their brigade."""

    settings: Settings
    mode: str = BRIGADE

    def allowed(self, c: Child, v: Volunteer) -> bool:
        if v.school_key:
            return v.school_key == c.school_key
        return bool(v.brigade) and v.brigade == c.county

    def bucket(self, c: Child, v: Volunteer) -> str:
        return v.id

    def capacity(self, c: Child, v: Volunteer) -> int:
        return self.settings.capacity

    def where(self, c: Child, v: Volunteer) -> tuple[str, bool]:
        """The placement reason shown to staff, and whether it is only by county."""
        return ("同校", False) if v.school_key else ("同县", True)

    def groups(self, children: Sequence[Child], volunteers: Sequence[Volunteer]
               ) -> list[Group]:
        out: list[Group] = []
        for cs, vs in _union(children, volunteers):
            schools = {c.school_key for c in cs}
            label = (cs[0].school if len(schools) == 1 and all(v.school_key for v in vs)
                     else f"{cs[0].county}县" if cs[0].county else cs[0].school)
            out.append(Group(cs, vs, self.settings.capacity, label))
        return out

    def matrix(self, group: Group) -> tuple[np.ndarray, np.ndarray]:
        """(allowed, only-by-county) for every child × volunteer of ``group``."""
        children, volunteers = group.children, group.volunteers
        place: dict[str, int] = {}
        c_school = _codes([c.school_key for c in children], place)
        v_school = _codes([v.school_key for v in volunteers], place)
        area: dict[str, int] = {}
        c_county = _codes([c.county for c in children], area)
        v_brigade = _codes([v.brigade for v in volunteers], area)
        ok = np.where(v_school[None, :] >= 0, v_school[None, :] == c_school[:, None],
                      (v_brigade[None, :] >= 0) & (v_brigade[None, :] == c_county[:, None]))
        county_only = np.broadcast_to((v_school < 0)[None, :], ok.shape)
        return ok, county_only


@dataclass
class TeamPlacement:
    """A child of a visited school goes to a volunteer of a team visiting it."""

    settings: Settings
    visits: list[Visit]
    counties: dict[str, str]                         # school key -> 县 (from 学校)
    children_at: dict[str, int] = field(default_factory=dict)
    """School key -> the children of the school who count (a usable id): what a team needs."""
    members: dict[str, list[Volunteer]] = field(default_factory=dict)
    """Team key -> its eligible volunteers (filled by :meth:`groups`)."""
    mode: str = TEAM

    def __post_init__(self) -> None:
        self.visitors: dict[str, list[str]] = {}
        self.team_names: dict[str, str] = {}
        self.school_names: dict[str, str] = {}
        for v in sorted(self.visits, key=lambda v: (v.start is None, v.start or 0, v.row)):
            teams = self.visitors.setdefault(v.school_key, [])
            if v.team_key not in teams:
                teams.append(v.team_key)
            self.team_names.setdefault(v.team_key, v.team)
            self.school_names.setdefault(v.school_key, v.school)

    def visited(self, school_key: str) -> bool:
        return bool(self.visitors.get(school_key))

    def visiting(self, school_key: str) -> list[str]:
        """The teams visiting the school, as shown."""
        return [self.team_names[t] for t in self.visitors.get(school_key, [])]

    def label(self, school_key: str, school: str) -> str:
        county = self.counties.get(school_key, "")
        return f"{county}·{school}" if county else school

    def known(self, school_key: str) -> bool:
        """Whether the school is in the 学校 tab (with its county)."""
        return school_key in self.counties

    def allowed(self, c: Child, v: Volunteer) -> bool:
        return bool(v.team_key) and v.team_key in self.visitors.get(c.school_key, ())

    def bucket(self, c: Child, v: Volunteer) -> str:
        return f"{v.id}@{c.school_key}"

    def team_size(self, school_key: str) -> int:
        return sum(len(self.members.get(t, [])) for t in self.visitors.get(school_key, ()))

    def capacity(self, c: Child, v: Volunteer) -> int:
        return self.settings.school_capacity(self.children_at.get(c.school_key, 0),
                                             self.team_size(c.school_key))

    def where(self, c: Child, v: Volunteer) -> tuple[str, bool]:
        return f"进驻支队:{v.team}", False

    def groups(self, children: Sequence[Child], volunteers: Sequence[Volunteer]
               ) -> list[Group]:
        self.members = {}
        for v in volunteers:
            if v.team_key:
                self.members.setdefault(v.team_key, []).append(v)
        kids: dict[str, list[Child]] = {}
        for c in children:
            if self.visited(c.school_key):
                kids.setdefault(c.school_key, []).append(c)
        out: list[Group] = []
        for key, cs in kids.items():
            vs = [v for t in self.visitors[key] for v in self.members.get(t, [])]
            vs.sort(key=lambda v: v.row)
            cap = self.settings.school_capacity(self.children_at.get(key, len(cs)), len(vs))
            out.append(Group(cs, vs, cap, self.label(key, cs[0].school),
                             tuple(self.visiting(key))))
        return out

    def matrix(self, group: Group) -> tuple[np.ndarray, np.ndarray]:
        shape = (len(group.children), len(group.volunteers))
        return np.ones(shape, dtype=bool), np.zeros(shape, dtype=bool)


Placement = BrigadePlacement | TeamPlacement

__all__ = ["BRIGADE", "TEAM", "BrigadePlacement", "Group", "Placement", "TeamPlacement"]
