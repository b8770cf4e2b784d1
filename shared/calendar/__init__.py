"""The one calendar for every deadline: working days and periods in Beijing time.

Policy: /work/shared/policy/calendar.md. Data: the pinned ``chinesecalendar`` package plus
``overrides.json`` (see ``shared.calendar.data``). Loading is lazy: nothing is read until the first call
to ``default_calendar()`` or ``load_calendar()``.
"""

from shared.calendar.data import CalendarDataError, YearSchedule
from shared.calendar.deadlines import (
    BEIJING,
    Deadline,
    add_years,
    approval_deadline,
    conduct_record_until,
    end_of_day,
    graduate_publicity_period,
    points_publicity_period,
    qualification_valid_until,
)
from shared.calendar.working_days import Calendar, CalendarYearUnknown, default_calendar, load_calendar

__all__ = [
    "BEIJING",
    "Calendar",
    "CalendarDataError",
    "CalendarYearUnknown",
    "Deadline",
    "YearSchedule",
    "add_years",
    "approval_deadline",
    "conduct_record_until",
    "default_calendar",
    "end_of_day",
    "graduate_publicity_period",
    "load_calendar",
    "points_publicity_period",
    "qualification_valid_until",
]
