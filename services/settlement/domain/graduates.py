"""A graduate case (引进毕业生, seed 000 第十七条、第二十六条、第二十七条) in settlement: pure rules.

A case is opened by the first of ``graduate.declared``, ``graduate.assessed`` or ``publicity.outcome``
(programme ``graduates``) to arrive. It can go to the bureau once the graduate is known, assessed eligible
(with a quota treatment) and cleared by publicity. Then:

    open → submitted → approved → reported → settlement_requested → settled
                     ↘ refused              ↘ settlement_failed (the receiving letter is revoked)
    approved / reported / settlement_requested → revocation_requested → revoked (probation, 第二十六条)
    any state before settled → cancelled (fraud, 第二十七条);  open → disqualified (publicity)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.calendar import Calendar

#: The bureau is warned when this many working days (or fewer) are left before a deadline.
WARNING_WORKING_DAYS = 2


class CaseStatus(StrEnum):
    OPEN = "open"
    DISQUALIFIED = "disqualified"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"
    REPORTED = "reported"
    SETTLEMENT_REQUESTED = "settlement_requested"
    SETTLED = "settled"
    SETTLEMENT_FAILED = "settlement_failed"
    REVOCATION_REQUESTED = "revocation_requested"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


S = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.OPEN: frozenset({S.SUBMITTED, S.DISQUALIFIED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REFUSED, S.CANCELLED}),
    S.APPROVED: frozenset({S.REPORTED, S.REVOCATION_REQUESTED, S.CANCELLED}),
    S.REPORTED: frozenset({S.SETTLEMENT_REQUESTED, S.REVOCATION_REQUESTED, S.CANCELLED}),
    S.SETTLEMENT_REQUESTED: frozenset({S.SETTLED, S.SETTLEMENT_FAILED, S.REVOCATION_REQUESTED, S.CANCELLED}),
    S.REVOCATION_REQUESTED: frozenset({S.REVOKED, S.CANCELLED}),
    S.DISQUALIFIED: frozenset(),
    S.REFUSED: frozenset(),
    S.SETTLED: frozenset({S.CANCELLED}),
    S.SETTLEMENT_FAILED: frozenset(),
    S.REVOKED: frozenset(),
    S.CANCELLED: frozenset(),
}
#: The states in which an approved introduction still holds a quota unit that a revocation gives back
#: (before settlement, 第十九条).
HOLDS_UNIT = frozenset({S.APPROVED, S.REPORTED, S.SETTLEMENT_REQUESTED, S.REVOCATION_REQUESTED})
#: The states in which a receiving letter is in force.
LETTER_IN_FORCE = HOLDS_UNIT | {S.SETTLED}


class IllegalCaseTransition(ValueError):
    pass


def require_case_transition(current: str, target: CaseStatus) -> None:
    if target not in TRANSITIONS[CaseStatus(current)]:
        raise IllegalCaseTransition(f"a graduate case cannot go from {current!r} to {target.value!r}")


@dataclass(frozen=True)
class Readiness:
    """Whether a case can be submitted to the bureau, and if not, why (in words)."""

    ready: bool
    missing: tuple[str, ...]


def submission_readiness(
    *, declared: bool, eligible: bool | None, treatment: str | None, publicity_outcome: str | None
) -> Readiness:
    missing = []
    if not declared:
        missing.append("the declaration (graduate.declared) has not arrived")
    if eligible is None:
        missing.append("the eligibility assessment (graduate.assessed) has not arrived")
    elif not eligible or treatment is None:
        missing.append("the graduate was assessed not eligible")
    if publicity_outcome != "cleared":
        missing.append(f"the publicity has not cleared the graduate (outcome: {publicity_outcome or 'none'})")
    return Readiness(not missing, tuple(missing))


class DeadlineState(StrEnum):
    ON_TIME = "on_time"
    WARNING = "warning"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class DeadlineView:
    """How a stored deadline stands at a moment: the working days left after today through the due date,
    the day the warning starts, and the flag."""

    state: DeadlineState
    working_days_left: int
    warn_from: date


def deadline_state(
    due_date: date,
    due_at: datetime,
    *,
    today: date,
    now: datetime,
    calendar: Calendar,
    decided: bool = False,
) -> DeadlineView:
    """``done`` once decided; ``overdue`` from 24:00 of the due date; ``warning`` from two working days
    before it (``WARNING_WORKING_DAYS``: at most two working days left after today, the due day included);
    ``on_time`` before. ``working_days_left`` is negative once the due date has passed."""
    warn_from = warning_day(due_date, calendar)
    left = calendar.working_days_between(today, due_date)
    if decided:
        state = DeadlineState.DONE
    elif now >= due_at:
        state = DeadlineState.OVERDUE
    elif left <= WARNING_WORKING_DAYS:
        state = DeadlineState.WARNING
    else:
        state = DeadlineState.ON_TIME
    return DeadlineView(state, left, warn_from)


def warning_day(due_date: date, calendar: Calendar) -> date:
    """The first day of the warning: the earliest day with at most ``WARNING_WORKING_DAYS`` working days
    left after it through the due date — the working day two working days before the due date. Due on a
    Tuesday of a normal week: the Friday before."""
    day = due_date
    while calendar.working_days_between(day - _DAY, due_date) <= WARNING_WORKING_DAYS:
        day -= _DAY
    return day


_DAY = timedelta(days=1)
