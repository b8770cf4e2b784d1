"""The bureau's 10-working-day deadline as a case shows it: due date through the calendar (with its
version), the warning from two working days before, overdue from 24:00 of the due date; and the case's
states."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.settlement.domain.graduates import (
    CaseStatus,
    DeadlineState,
    IllegalCaseTransition,
    deadline_state,
    require_case_transition,
    submission_readiness,
    warning_day,
)
from shared.calendar import BEIJING, approval_deadline, default_calendar

CAL = default_calendar()


def at(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=BEIJING)


def test_a_submission_before_national_day_2025_is_due_after_the_holiday_counting_make_up_days() -> None:
    # Received Fri 2025-09-26: Sun 09-28 (make-up) 1, 09-29 2, 09-30 3, 10-01..08 holiday, 10-09 4, 10-10 5,
    # Sat 10-11 (make-up) 6, 10-13 7, 10-14 8, 10-15 9, 10-16 10.
    d = approval_deadline(date(2025, 9, 26))
    assert d.due_date == date(2025, 10, 16)
    assert d.due_at == datetime(2025, 10, 17, 0, 0, tzinfo=BEIJING)
    assert d.calendar_version and d.rule == "approval.10_working_days"


def test_the_warning_starts_two_working_days_before_the_deadline() -> None:
    assert warning_day(date(2025, 10, 16), CAL) == date(2025, 10, 14)
    # Due Tue 2025-07-15: two working days before is Fri 07-11 (the weekend in between stays warned).
    assert warning_day(date(2025, 7, 15), CAL) == date(2025, 7, 11)


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        (date(2025, 9, 26), DeadlineState.ON_TIME, 10),
        (date(2025, 10, 13), DeadlineState.ON_TIME, 3),
        (date(2025, 10, 14), DeadlineState.WARNING, 2),
        (date(2025, 10, 15), DeadlineState.WARNING, 1),
        (date(2025, 10, 16), DeadlineState.WARNING, 0),
        (date(2025, 10, 17), DeadlineState.OVERDUE, -1),
    ],
)
def test_each_day_of_a_deadline_has_its_state(today: date, state: DeadlineState, left: int) -> None:
    d = approval_deadline(date(2025, 9, 26))
    v = deadline_state(d.due_date, d.due_at, today=today, now=at(today), calendar=CAL)
    assert v.state is state and v.working_days_left == left and v.warn_from == date(2025, 10, 14)


def test_overdue_from_midnight_and_done_once_decided() -> None:
    d = approval_deadline(date(2025, 9, 26))
    just_before = d.due_at - timedelta(microseconds=1)
    v = deadline_state(d.due_date, d.due_at, today=d.due_date, now=just_before, calendar=CAL)
    assert v.state is DeadlineState.WARNING
    v = deadline_state(d.due_date, d.due_at, today=date(2025, 10, 17), now=d.due_at, calendar=CAL)
    assert v.state is DeadlineState.OVERDUE
    v = deadline_state(d.due_date, d.due_at, today=date(2025, 10, 20), now=at(date(2025, 10, 20)),
                       calendar=CAL, decided=True)  # fmt: skip
    assert v.state is DeadlineState.DONE


def test_a_case_goes_to_the_bureau_only_when_declared_eligible_and_cleared() -> None:
    ok = submission_readiness(declared=True, eligible=True, treatment="counted", publicity_outcome="cleared")
    assert ok.ready and not ok.missing
    r = submission_readiness(declared=False, eligible=None, treatment=None, publicity_outcome="held")
    assert not r.ready and len(r.missing) == 3
    r = submission_readiness(declared=True, eligible=False, treatment=None, publicity_outcome="cleared")
    assert r.missing == ("the graduate was assessed not eligible",)


def test_case_transitions() -> None:
    require_case_transition("open", CaseStatus.SUBMITTED)
    require_case_transition("approved", CaseStatus.REVOCATION_REQUESTED)
    for current, target in [("open", CaseStatus.APPROVED), ("refused", CaseStatus.APPROVED),
                            ("settled", CaseStatus.REVOKED), ("revoked", CaseStatus.SUBMITTED)]:  # fmt: skip
        with pytest.raises(IllegalCaseTransition):
            require_case_transition(current, target)
