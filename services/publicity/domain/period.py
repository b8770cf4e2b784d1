"""When a publicity opens and closes.

- Points publicity (seed 004 第十条, policy/calendar.md "Periods"): 7 days; opened at a moment on day D
  (Beijing), it closes at 24:00 of the 7th calendar day after D.
- Graduate publicity (policy/graduates.md): at least 5 working days, closing at 24:00 of the 5th working
  day after D, D itself not counted; that is the graduate issue's, the rule is here so both share one place.

A publicity opens when the round's publicity phase begins (00:00 Beijing of its first day), or at once if
the phase has already begun when the list is ready. Every deadline records the calendar data version.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from shared.calendar import (
    BEIJING,
    Calendar,
    Deadline,
    graduate_publicity_period,
    points_publicity_period,
)
from shared.calendar.deadlines import GRADUATE_PUBLICITY_MIN_WORKING_DAYS


class PeriodState(StrEnum):
    BEFORE = "before"
    OPEN = "open"
    AFTER = "after"


def publicity_deadline(
    program: str,
    opened_at: datetime,
    *,
    working_days: int = GRADUATE_PUBLICITY_MIN_WORKING_DAYS,
    calendar: Calendar | None = None,
) -> Deadline:
    """The closing deadline of a publicity of ``program`` opened at ``opened_at`` (timezone-aware)."""
    if opened_at.utcoffset() is None:
        raise ValueError("opened_at must be timezone-aware")
    if program == "points":
        return points_publicity_period(opened_at, calendar=calendar)
    if program == "graduates":
        return graduate_publicity_period(
            opened_at.astimezone(BEIJING).date(), working_days, calendar=calendar
        )
    raise ValueError(f"unknown programme {program!r}")


def phase_start(starts_on: date) -> datetime:
    """00:00 Beijing time of a phase's first day."""
    return datetime.combine(starts_on, time.min, tzinfo=BEIJING)


def due_to_open(now: datetime, publicity_starts_on: date | None) -> bool:
    """True once the round's publicity phase has begun; never without known phase dates."""
    return publicity_starts_on is not None and now >= phase_start(publicity_starts_on)


def period_state(now: datetime, opened_at: datetime | None, closes_at: datetime | None) -> PeriodState:
    """Where ``now`` stands relative to the period ``[opened_at, closes_at)``."""
    if opened_at is None or now < opened_at:
        return PeriodState.BEFORE
    if closes_at is not None and now >= closes_at:
        return PeriodState.AFTER
    return PeriodState.OPEN
