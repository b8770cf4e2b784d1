"""The publicity period (seed 004 第十条; policy/calendar.md "Periods") computed through shared.calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.publicity.domain.period import (
    PeriodState,
    due_to_open,
    period_state,
    phase_start,
    publicity_deadline,
)
from shared.calendar import BEIJING, CalendarYearUnknown, default_calendar, end_of_day


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=BEIJING)


def test_points_publicity_opened_2022_07_11_closes_at_the_end_of_2022_07_18() -> None:
    deadline = publicity_deadline("points", at(2022, 7, 11, 15, 30))
    assert deadline.due_date == date(2022, 7, 18)
    assert deadline.due_at == datetime(2022, 7, 19, 0, 0, tzinfo=BEIJING)
    assert deadline.rule == "points.publicity.7_calendar_days"
    assert deadline.calendar_version == default_calendar().data_version


@pytest.mark.parametrize(
    ("opened", "closes_on"),
    [
        (at(2024, 9, 30), date(2024, 10, 7)),  # across National Day: calendar days, holidays count
        (at(2024, 2, 9), date(2024, 2, 16)),  # across Spring Festival
        (at(2023, 12, 28, 23, 59), date(2024, 1, 4)),  # across a year end
        (at(2022, 7, 11, 0, 0), date(2022, 7, 18)),  # opened at midnight
    ],
)
def test_points_publicity_counts_seven_calendar_days_whatever_the_holidays(
    opened: datetime, closes_on: date
) -> None:
    assert publicity_deadline("points", opened).due_date == closes_on


def test_the_opening_day_is_the_beijing_day_even_for_an_instant_given_in_utc() -> None:
    from datetime import UTC

    opened = datetime(2022, 7, 10, 17, 0, tzinfo=UTC)  # 2022-07-11 01:00 in Beijing
    assert publicity_deadline("points", opened).due_date == date(2022, 7, 18)


@pytest.mark.parametrize(
    ("opened_on", "closes_on"),
    [
        (date(2024, 9, 27), date(2024, 10, 10)),  # make-up Sunday 09-29 counts, National Day does not
        (date(2024, 2, 2), date(2024, 2, 8)),  # make-up Sunday 02-04 counts
        (date(2024, 2, 8), date(2024, 2, 21)),  # Spring Festival skipped, make-up Sunday 02-18 counts
        (date(2025, 9, 26), date(2025, 10, 10)),  # make-up 09-28 counts; 10-01..10-08 off
        (date(2023, 9, 28), date(2023, 10, 11)),  # make-up weekend 10-07 and 10-08 both count
    ],
)
def test_graduate_publicity_lasts_five_working_days_around_holidays_and_make_up_days(
    opened_on: date, closes_on: date
) -> None:
    deadline = publicity_deadline(
        "graduates", datetime.combine(opened_on, datetime.min.time(), tzinfo=BEIJING)
    )
    assert deadline.due_date == closes_on
    assert deadline.rule == "graduate.publicity.5_working_days"


def test_graduate_publicity_may_be_longer_never_shorter() -> None:
    opened = at(2024, 9, 27)
    assert publicity_deadline("graduates", opened, working_days=7).due_date == date(2024, 10, 12)
    with pytest.raises(ValueError, match="at least 5"):
        publicity_deadline("graduates", opened, working_days=4)


def test_a_year_the_calendar_does_not_know_is_an_error_naming_the_year() -> None:
    with pytest.raises(CalendarYearUnknown, match="2099"):
        publicity_deadline("graduates", at(2099, 6, 1))
    # the points period counts calendar days only: no holiday data needed
    assert publicity_deadline("points", at(2099, 6, 1)).due_date == date(2099, 6, 8)


def test_naive_instants_and_unknown_programmes_are_refused() -> None:
    with pytest.raises(ValueError):
        publicity_deadline("points", datetime(2022, 7, 11, 9, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="programme"):
        publicity_deadline("talents", at(2022, 7, 11))


def test_a_list_opens_at_00_00_beijing_of_the_phase_start_or_at_once_if_the_phase_has_begun() -> None:
    start = date(2022, 7, 11)
    assert phase_start(start) == datetime(2022, 7, 11, tzinfo=BEIJING)
    assert not due_to_open(phase_start(start) - timedelta(microseconds=1), start)
    assert due_to_open(phase_start(start), start)
    assert due_to_open(at(2022, 7, 20), start)
    assert not due_to_open(at(2022, 7, 20), None)  # no phase dates yet: never


def test_the_period_is_half_open_objections_stop_at_24_00_of_the_last_day() -> None:
    opened = at(2022, 7, 11)
    closes = end_of_day(date(2022, 7, 18))
    assert period_state(opened - timedelta(seconds=1), opened, closes) == PeriodState.BEFORE
    assert period_state(opened, opened, closes) == PeriodState.OPEN
    assert period_state(closes - timedelta(microseconds=1), opened, closes) == PeriodState.OPEN
    assert period_state(closes, opened, closes) == PeriodState.AFTER
    assert period_state(opened, None, None) == PeriodState.BEFORE
