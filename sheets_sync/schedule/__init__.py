"""Teams and the weekly rotation (排班): propose, staff decide, accepted ones are recorded.

``propose_schedule(grids, templates, program)`` reads a validated book and returns a
:class:`ScheduleResult`: teams (支队) proposed from each brigade's admitted, trained
volunteers not yet in a team (balanced by sex, 学院 and 特长, with a 队长), a visit
(进驻安排) for every agreed school not yet visited (one school per team per week, a team
in its brigade's county, one 乡镇 after another), what could not be scheduled with the
arithmetic, and the rows staff accepted in ``排班建议``, to be written to 支队 / 进驻安排.
``propose_schedule`` + ``schedule_batch`` are the pipeline's ``schedule`` step
(``sheets_sync.sync.slices.schedule_book`` runs it on one book).
"""

from __future__ import annotations

from .model import ScheduleError, Week, weeks
from .run import NewTeam, NewVisit, ScheduleResult, Unscheduled, propose_schedule, schedule_batch
from .sheet import TAB

__all__ = [
    "TAB",
    "NewTeam",
    "NewVisit",
    "ScheduleError",
    "ScheduleResult",
    "Unscheduled",
    "Week",
    "propose_schedule",
    "schedule_batch",
    "weeks",
]
