"""The deadlines of both programmes, in Beijing time.

Policy: /work/shared/policy/calendar.md, "Periods". "24:00 of day X" is represented as 00:00 of the
following day in Asia/Shanghai, and every ``Deadline`` records the calendar data version it was computed
with, even when the rule counts calendar days only.

Month-ends: a period counted in years ends on the same month and day; when that day does not exist
(29 February in a non-leap year) it ends on the last day of that month, 28 February (the rule of the
Civil Code, art. 202, and of the policy text).

Calendar-day periods need no holiday data, so they work for any year; working-day periods raise
``CalendarYearUnknown`` if they run into a year the calendar does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.calendar._checks import require_aware, require_date
from shared.calendar.working_days import Calendar, default_calendar

BEIJING = ZoneInfo("Asia/Shanghai")

POINTS_PUBLICITY_DAYS = 7
GRADUATE_PUBLICITY_MIN_WORKING_DAYS = 5
APPROVAL_WORKING_DAYS = 10
QUALIFICATION_YEARS = 2
CONDUCT_RECORD_YEARS = 5

RULE_POINTS_PUBLICITY = "points.publicity.7_calendar_days"
RULE_QUALIFICATION = "points.qualification.2_years"
RULE_CONDUCT_RECORD = "conduct_record.5_years"


def rule_graduate_publicity(working_days: int) -> str:
    return f"graduate.publicity.{working_days}_working_days"


def rule_approval(working_days: int) -> str:
    return f"approval.{working_days}_working_days"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline: the end (24:00, Beijing time) of ``due_date``.

    ``due_at`` is the instant, timezone-aware: 00:00 Asia/Shanghai of the day after ``due_date``.
    ``rule`` names the rule that produced it (e.g. ``points.publicity.7_calendar_days``) and
    ``calendar_version`` the working-day data used (``Calendar.data_version``).
    """

    due_at: datetime
    due_date: date
    rule: str
    calendar_version: str

    def __post_init__(self) -> None:
        if self.due_at.utcoffset() is None:
            raise ValueError("Deadline.due_at must be timezone-aware")
        if self.due_at != end_of_day(self.due_date):
            raise ValueError(
                f"Deadline.due_at {self.due_at.isoformat()} is not 24:00 Beijing time of {self.due_date}"
            )
        if not self.rule or not self.calendar_version:
            raise ValueError("Deadline needs a rule and a calendar version")

    def is_overdue(self, at: datetime) -> bool:
        """True from ``due_at`` on: at 24:00 the day is over."""
        require_aware(at, "at")
        return at >= self.due_at


def end_of_day(d: date) -> datetime:
    """24:00 of ``d`` in Beijing, i.e. 00:00 Asia/Shanghai of the next day."""
    require_date(d, "d")
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=BEIJING)


def add_years(d: date, years: int) -> date:
    """The same month and day ``years`` later; 29 February maps to 28 February in a non-leap year."""
    require_date(d, "d")
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        # Only 29 February can fail; the period ends on the last day of February.
        return d.replace(year=d.year + years, day=28)


def points_publicity_period(opened_at: datetime, *, calendar: Calendar | None = None) -> Deadline:
    """Points publicity, 7 days (points 第十条): opens at a moment on day D (Beijing), closes at 24:00 of
    the 7th calendar day after D.

    Opened 2022-07-11 at any hour: closes at the end of 2022-07-18.
    """
    require_aware(opened_at, "opened_at")
    cal = _resolve(calendar)
    opened_on = opened_at.astimezone(BEIJING).date()
    return _deadline(opened_on + timedelta(days=POINTS_PUBLICITY_DAYS), RULE_POINTS_PUBLICITY, cal)


def graduate_publicity_period(
    opened_on: date,
    working_days: int = GRADUATE_PUBLICITY_MIN_WORKING_DAYS,
    *,
    calendar: Calendar | None = None,
) -> Deadline:
    """Graduate publicity, at least 5 working days: opens on day D, closes at 24:00 of the
    ``working_days``-th working day after D (D itself not counted). Longer is allowed, shorter is not.
    """
    require_date(opened_on, "opened_on")
    if working_days < GRADUATE_PUBLICITY_MIN_WORKING_DAYS:
        raise ValueError(
            f"a graduate publicity lasts at least {GRADUATE_PUBLICITY_MIN_WORKING_DAYS} working days, "
            f"got {working_days}"
        )
    cal = _resolve(calendar)
    return _deadline(
        cal.add_working_days(opened_on, working_days), rule_graduate_publicity(working_days), cal
    )


def approval_deadline(
    received_on: date,
    working_days: int = APPROVAL_WORKING_DAYS,
    *,
    calendar: Calendar | None = None,
) -> Deadline:
    """Approval or settlement check within 10 working days: 24:00 of the ``working_days``-th working day
    after the day the bureau received the submission.
    """
    require_date(received_on, "received_on")
    if working_days < 1:
        raise ValueError(f"working_days must be at least 1, got {working_days}")
    cal = _resolve(calendar)
    return _deadline(cal.add_working_days(received_on, working_days), rule_approval(working_days), cal)


def qualification_valid_until(publicity_closed_on: date, *, calendar: Calendar | None = None) -> Deadline:
    """Settlement qualification, 2 years (points 第十条): valid until 24:00 of the day two years after the
    publicity closed; 29 February maps to 28 February.
    """
    cal = _resolve(calendar)
    return _deadline(add_years(publicity_closed_on, QUALIFICATION_YEARS), RULE_QUALIFICATION, cal)


def conduct_record_until(decided_on: date, *, calendar: Calendar | None = None) -> Deadline:
    """Bad-conduct record, 5 years: from the date of the decision to the same date five years later
    (through 24:00 of that date); 29 February maps to 28 February.
    """
    cal = _resolve(calendar)
    return _deadline(add_years(decided_on, CONDUCT_RECORD_YEARS), RULE_CONDUCT_RECORD, cal)


def _deadline(due_date: date, rule: str, calendar: Calendar) -> Deadline:
    return Deadline(
        due_at=end_of_day(due_date),
        due_date=due_date,
        rule=rule,
        calendar_version=calendar.data_version,
    )


def _resolve(calendar: Calendar | None) -> Calendar:
    return default_calendar() if calendar is None else calendar
