"""What scheduling reads from a validated book: volunteers, teams, schools, visits, weeks.

Everything comes from the typed records of the run's validation
(:func:`~sheets_sync.reports.model.forms_from_report`), each with its tab and sheet row.
Names compare as references do (:func:`~sheets_sync.forms.validate.ref_key`), ids by
:func:`id_key`.

The weeks follow the plan's rotation (每周时间安排,一周一循环): week *k* starts on
``[program] visit_start`` (default ``start_date``) + 7·k; a visit is its first six days
(the plan's 周一 to 周六: lessons, the farewell party on the sixth day) and the seventh
(周日) is spent learning about the next school and arranging lodging and meals, so it is
not part of the visit. Only weeks whose six days end by ``visit_end`` (default
``end_date``) count.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..config import Program
from ..errors import SheetsSyncError
from ..forms.validate import Report, ref_key
from ..reports.model import Forms, Record, forms_from_report, records

ADMITTED = "录取"
YES = "是"
CANCELLED = "取消"
PLANNED = "计划"
VISIT_DAYS = 6
WEEK_DAYS = 7


class ScheduleError(SheetsSyncError):
    """The book or the program lacks what scheduling needs; the message names the fix."""


def id_key(text: str) -> str:
    """How record ids compare: ``v 0012`` = ``V0012``."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


@dataclass(frozen=True)
class Week:
    index: int          # 0-based
    start: dt.date
    end: dt.date        # last visit day (the sixth)

    @property
    def label(self) -> str:
        return f"第 {self.index + 1} 周"

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """Whether a visit from ``start`` to ``end`` falls in this week (its 7 days)."""
        return start <= self.start + dt.timedelta(days=WEEK_DAYS - 1) and end >= self.start


def weeks(program: Program) -> list[Week]:
    """The visit weeks of the program; :class:`ScheduleError` when it has no dates."""
    first, last = program.visit_first, program.visit_last
    if first is None or last is None:
        raise ScheduleError(
            "排班需要进驻周的起止日期:请在 sheets-sync.toml 的 [program] 中写 "
            'visit_start = "2026-07-07" 和 visit_end = "2026-08-11"'
            "(或 start_date、end_date;改成本期的日期)。")
    out: list[Week] = []
    while True:
        start = first + dt.timedelta(days=WEEK_DAYS * len(out))
        end = start + dt.timedelta(days=VISIT_DAYS - 1)
        if end > last:
            return out
        out.append(Week(len(out), start, end))


@dataclass(frozen=True)
class Volunteer:
    id: str
    row: int
    name: str
    sex: str
    college: str
    skills: tuple[str, ...]
    brigade: str
    team: str           # as written ("" when in no team)
    admitted: bool
    trained: bool
    score: tuple[float, float]   # (复试成绩, 初试成绩), missing as -1

    @property
    def eligible(self) -> bool:
        """录取, 培训完成 是, a brigade and an id: may be put in a team."""
        return self.admitted and self.trained and bool(self.brigade) and bool(self.id)

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip()


@dataclass(frozen=True)
class Team:
    name: str
    row: int            # 0 for a team proposed this run
    brigade: str
    leader_id: str


@dataclass(frozen=True)
class School:
    name: str
    row: int
    county: str
    town: str
    agreed: bool
    lodging: str


@dataclass(frozen=True)
class Visit:
    """A 进驻安排 row that is not 取消."""

    row: int
    team: str
    school: str
    start: dt.date
    end: dt.date


def _score(v: Any) -> float:
    return float(v) if isinstance(v, int | float | Decimal) else -1.0


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and v:
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


@dataclass
class Book:
    """The records scheduling works with, plus the forms they came from."""

    forms: Forms
    volunteers: list[Volunteer]
    teams: list[Team]
    schools: list[School]
    visits: list[Visit]

    def tab_of(self, form: str) -> str | None:
        fr = self.forms.get(form)
        return fr.records[0].tab if fr is not None and fr.records else None


def _volunteer(r: Record) -> Volunteer:
    skills = r.v("skills")
    return Volunteer(
        id=id_key(r.t("id")), row=r.row, name=r.t("name"), sex=r.t("sex"),
        college=r.t("college").strip(),
        skills=tuple(skills) if isinstance(skills, tuple | list) else (),
        brigade=r.t("brigade"), team=r.t("team").strip(),
        admitted=r.v("admission_status") == ADMITTED,
        trained=r.v("trained") in (YES, True),
        score=(_score(r.v("score_second")), _score(r.v("score_first"))))


def read_book(report: Report) -> Book:
    """The volunteers, teams, schools and active visits of a validated book."""
    forms = forms_from_report(report)
    if "volunteer" not in forms and "school" not in forms:
        raise ScheduleError(f"工作簿 {report.book or ''} 中没有“志愿者报名表”和“学校”:排班需要"
                            "这两张表(还会用到“支队”和“进驻安排”),请放进同一个工作簿后重新运行。")
    vols = [_volunteer(r) for r in records(forms, "volunteer")]
    teams = [Team(r.t("name").strip(), r.row, r.t("brigade"), id_key(r.t("leader_id")))
             for r in records(forms, "team") if r.t("name").strip()]
    schools = [School(r.t("name").strip(), r.row, r.t("county"), r.t("town").strip(),
                      r.v("agreement_signed") in (YES, True), r.t("lodging"))
               for r in records(forms, "school") if r.t("name").strip()]
    visits: list[Visit] = []
    for r in records(forms, "rotation"):
        start, end = _date(r.v("start_date")), _date(r.v("end_date"))
        if r.t("status") == CANCELLED or start is None or not r.t("school").strip():
            continue
        visits.append(Visit(r.row, r.t("team").strip(), r.t("school").strip(), start,
                            end if end is not None and end >= start else start))
    return Book(forms, vols, teams, schools, visits)


def key(name: str) -> str:
    """How team and school names compare."""
    return ref_key(name)


__all__ = ["Book", "ScheduleError", "School", "Team", "Visit", "Volunteer", "Week", "id_key",
           "key", "read_book", "weeks"]
