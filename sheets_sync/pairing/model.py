"""What pairing reads from a validated book: children, volunteers, active pairs, settings.

Everything comes from the typed columns of :func:`~sheets_sync.forms.validate.validate_grids`
(``report.tabs[tab].normalized[field].value/.text``), with each record's sheet row. Ids are
compared by :func:`id_key` (NFKC, no spaces, upper case), schools by
:func:`~sheets_sync.forms.validate.ref_key`, the same way ``ref`` checks compare them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..config import CONFIG_NAME, Program
from ..errors import ConfigError, SheetsSyncError
from ..forms.validate import Report, TabResult, ref_key
from .study import weak_subjects

ACTIVE = "进行中"
CANCELLED = "取消"
ADMITTED = "录取"
YES = "是"


class PairingError(SheetsSyncError):
    """The book lacks what pairing needs (a form tab, a column); the message names the fix."""


@dataclass(frozen=True)
class Settings:
    """Pairing settings from ``[program]``.

    ``capacity`` (``pair_capacity``, default 3): children per volunteer when pairing by
    school or brigade. Inside visiting teams a volunteer takes ⌈children of the school ÷
    team members⌉ of each school's children, at most ``capacity_max``
    (``pair_capacity_max``, default 5) — unless ``pair_capacity`` is configured
    (``capacity_fixed``), which then holds per school.
    """

    capacity: int = 3
    same_sex_from_grade: int = 5
    capacity_max: int = 5
    capacity_fixed: bool = False

    @classmethod
    def from_program(cls, program: Program) -> Settings:
        def positive(key: str, default: int) -> int:
            value = program.extra.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{CONFIG_NAME}: [program] {key} 应为正整数,"
                                  f"例如 {key} = {default}。")
            return value

        return cls(positive("pair_capacity", 3), positive("same_sex_from_grade", 5),
                   program.pair_capacity_max, "pair_capacity" in program.extra)

    def school_capacity(self, children: int, members: int) -> int:
        """What each of ``members`` volunteers of a visiting team takes of a school with
        ``children`` children: ⌈children ÷ members⌉, at most :attr:`capacity_max`."""
        if self.capacity_fixed:
            return self.capacity
        if members < 1:
            return 0
        return max(1, min(-(-children // members), self.capacity_max))


@dataclass(frozen=True)
class Child:
    id: str
    row: int
    name: str
    school: str          # as shown (normalised text)
    school_key: str      # ref_key(school); "" when missing
    county: str          # the child's 县, else the school's 县 from 学校; "" when unknown
    grade: int | None
    grade_text: str
    sex: str
    study: str
    weak: tuple[tuple[str, str], ...]   # (subject, clause) from 学习情况


@dataclass(frozen=True)
class Volunteer:
    id: str
    row: int
    name: str
    sex: str
    school: str
    school_key: str
    brigade: str
    skills: tuple[str, ...]
    admitted: bool
    trained: bool
    team: str = ""       # 所属支队 as shown
    team_key: str = ""   # ref_key(team); "" when none

    @property
    def eligible(self) -> bool:
        """录取 and 培训完成 = 是, and placed somewhere (a school, a brigade or a team)."""
        return self.admitted and self.trained and bool(self.school_key or self.brigade
                                                       or self.team_key)


@dataclass(frozen=True)
class Visit:
    """A 进驻安排 row that is not 取消: ``team`` visits ``school``."""

    row: int
    team: str
    team_key: str
    school: str
    school_key: str
    start: dt.date | None


@dataclass(frozen=True)
class ActivePair:
    id: str
    row: int
    volunteer_id: str
    child_id: str


def id_key(text: str) -> str:
    """How record ids compare: ``c 0012`` = ``C0012``."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def find_tab(report: Report, form: str) -> TabResult | None:
    """The first tab of the book holding ``form`` (None if none does)."""
    return next((t for t in report.tabs.values() if t.layout.form.key == form), None)


def require_tab(report: Report, form: str, label: str) -> TabResult:
    tab = find_tab(report, form)
    if tab is None:
        raise PairingError(f"工作簿 {report.book or ''} 中找不到“{label}”:结对需要这张表,"
                           f"请把它放进同一个工作簿(表名为“{label}”)后重新运行。")
    return tab


class _Columns:
    """Typed columns of one tab as plain lists; a missing column reads as empty."""

    def __init__(self, tab: TabResult) -> None:
        self.tab = tab
        self.n = tab.data.n
        self.rows = [int(r) for r in tab.data.rows]

    def text(self, key: str) -> list[str]:
        r = self.tab.normalized.get(key)
        return [""] * self.n if r is None else [str(v) for v in r.text.tolist()]

    def value(self, key: str) -> list[Any]:
        r = self.tab.normalized.get(key)
        if r is None:
            return [None] * self.n
        return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                for v in r.value.tolist()]


def school_counties(report: Report) -> dict[str, str]:
    """ref_key(学校名称) -> 县, from the 学校 tab (empty when there is none)."""
    tab = find_tab(report, "school")
    if tab is None:
        return {}
    c = _Columns(tab)
    return {ref_key(n): str(k) for n, k in zip(c.text("name"), c.value("county"), strict=True)
            if n and k}


def read_children(report: Report) -> list[Child]:
    """Every child row of the child tab, in sheet order (ids may be blank)."""
    c = _Columns(require_tab(report, "child", "留守儿童家庭情况登记表"))
    counties = school_counties(report)
    ids, names, schools = c.text("id"), c.text("name"), c.text("school")
    county, grade, grade_text = c.value("county"), c.value("grade"), c.text("grade")
    sex, study = c.value("sex"), c.text("study")
    out: list[Child] = []
    for i, row in enumerate(c.rows):
        school = schools[i]
        key = ref_key(school) if school else ""
        g = grade[i]
        out.append(Child(
            id=id_key(ids[i]), row=row, name=names[i], school=school, school_key=key,
            county=str(county[i]) if county[i] else counties.get(key, ""),
            grade=int(g) if g is not None else None, grade_text=grade_text[i],
            sex=str(sex[i]) if sex[i] else "", study=study[i], weak=weak_subjects(study[i])))
    return out


def read_volunteers(report: Report) -> list[Volunteer]:
    """Every volunteer row, in sheet order."""
    c = _Columns(require_tab(report, "volunteer", "志愿者报名表"))
    ids, names, sex, schools = c.text("id"), c.text("name"), c.value("sex"), c.text("school")
    brigade, skills = c.value("brigade"), c.value("skills")
    status, trained, teams = c.value("admission_status"), c.value("trained"), c.text("team")
    out: list[Volunteer] = []
    for i, row in enumerate(c.rows):
        sk = skills[i]
        out.append(Volunteer(
            id=id_key(ids[i]), row=row, name=names[i], sex=str(sex[i]) if sex[i] else "",
            school=schools[i], school_key=ref_key(schools[i]) if schools[i] else "",
            brigade=str(brigade[i]) if brigade[i] else "",
            skills=tuple(sk) if isinstance(sk, tuple | list) else (),
            admitted=status[i] == ADMITTED, trained=trained[i] in (YES, True),
            team=teams[i], team_key=ref_key(teams[i]) if teams[i] else ""))
    return out


def has_team_plan(report: Report) -> bool:
    """Whether the book keeps teams and their rotation (a 支队 and a 进驻安排 tab)."""
    return find_tab(report, "team") is not None and find_tab(report, "rotation") is not None


def read_visits(report: Report) -> list[Visit]:
    """The 进驻安排 rows with a team and a school whose 状态 is not 取消, in sheet order."""
    tab = find_tab(report, "rotation")
    if tab is None:
        return []
    c = _Columns(tab)
    teams, schools, status, start = c.text("team"), c.text("school"), c.value("status"), \
        c.value("start_date")
    return [Visit(row, teams[i], ref_key(teams[i]), schools[i], ref_key(schools[i]),
                  start[i] if isinstance(start[i], dt.date) else None)
            for i, row in enumerate(c.rows)
            if teams[i] and schools[i] and status[i] != CANCELLED]


def read_active_pairs(report: Report) -> list[ActivePair]:
    """The 结对 rows with 状态 进行中 (none when the book has no 结对 tab)."""
    tab = find_tab(report, "pair")
    if tab is None:
        return []
    c = _Columns(tab)
    ids, vols, kids, status = c.text("id"), c.text("volunteer_id"), c.text("child_id"), \
        c.value("status")
    return [ActivePair(ids[i], row, id_key(vols[i]), id_key(kids[i]))
            for i, row in enumerate(c.rows) if status[i] == ACTIVE and kids[i]]


__all__ = ["ActivePair", "Child", "PairingError", "Settings", "Visit", "Volunteer", "find_tab",
           "has_team_plan", "id_key", "read_active_pairs", "read_children", "read_visits",
           "read_volunteers"]
