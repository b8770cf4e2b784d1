"""The working-day calendar and the programme deadlines (policy: calendar.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.calendar import (
    BEIJING,
    Calendar,
    CalendarDataError,
    CalendarYearUnknown,
    Deadline,
    add_years,
    approval_deadline,
    conduct_record_until,
    default_calendar,
    end_of_day,
    graduate_publicity_period,
    load_calendar,
    points_publicity_period,
    qualification_valid_until,
)

# Make-up working days (调休上班) as listed in calendar.md, copied independently of the package data.
MAKE_UP_WORKING_DAYS: dict[int, list[str]] = {
    2018: ["02-11", "02-24", "04-08", "04-28", "09-29", "09-30", "12-29"],
    2019: ["02-02", "02-03", "04-28", "05-05", "09-29", "10-12"],
    2020: ["01-19", "04-26", "05-09", "06-28", "09-27", "10-10"],
    2021: ["02-07", "02-20", "04-25", "05-08", "09-18", "09-26", "10-09"],
    2022: ["01-29", "01-30", "04-02", "04-24", "05-07", "10-08", "10-09"],
    2023: ["01-28", "01-29", "04-23", "05-06", "06-25", "10-07", "10-08"],
    2024: ["02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"],
    2025: ["01-26", "02-08", "04-27", "09-28", "10-11"],
    2026: ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"],
}
MAKE_UP_DATES = [date.fromisoformat(f"{y}-{md}") for y, mds in MAKE_UP_WORKING_DAYS.items() for md in mds]

# Statutory holidays falling on Monday-Friday.
WEEKDAY_HOLIDAYS = [
    date(2024, 2, 12),  # Spring Festival, the policy's own example
    date(2018, 10, 1),
    date(2019, 5, 1),
    date(2020, 1, 31),  # Spring Festival extended for the epidemic
    date(2021, 9, 21),  # Mid-Autumn
    date(2022, 10, 3),
    date(2023, 6, 22),  # Dragon Boat
    date(2024, 10, 7),
    date(2025, 1, 1),
    date(2025, 5, 5),
    date(2026, 2, 16),
    date(2026, 10, 7),
]

VERSION_PATTERN = re.compile(r"chinesecalendar-1\.11\.0\+overrides-[0-9a-f]{8}")

# A made-up schedule for a year the package does not know. NOT official data: only for testing the
# override mechanism.
FICTIONAL_2031 = {
    "source": "test fixture, not an official schedule",
    "holidays": ["2031-01-01", "2031-01-02", "2031-01-03"],
    "make_up_working_days": ["2031-01-04"],
}


def overrides(years: dict[str, object], format_version: object = 1) -> bytes:
    return json.dumps({"format_version": format_version, "years": years}).encode()


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return default_calendar()


def count_working_days(calendar: Calendar, after: date, through: date) -> int:
    """Working days in (after, through], counted one day at a time."""
    return sum(
        calendar.is_working_day(after + timedelta(days=k)) for k in range(1, (through - after).days + 1)
    )


# --- Working days -----------------------------------------------------------------------------------


@pytest.mark.parametrize("day", MAKE_UP_DATES, ids=str)
def test_make_up_weekend_day_is_a_working_day(cal: Calendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)


@pytest.mark.parametrize("year", sorted(MAKE_UP_WORKING_DAYS))
def test_the_only_weekend_working_days_of_a_year_are_the_listed_make_up_days(
    cal: Calendar, year: int
) -> None:
    days = [date(year, 1, 1) + timedelta(days=k) for k in range(366)]
    weekend_working = [d for d in days if d.year == year and d.weekday() >= 5 and cal.is_working_day(d)]
    assert weekend_working == [d for d in MAKE_UP_DATES if d.year == year]


def test_make_up_day_cancelled_by_the_extended_2020_spring_festival_is_not_a_working_day(
    cal: Calendar,
) -> None:
    assert not cal.is_working_day(date(2020, 2, 1))


@pytest.mark.parametrize("day", WEEKDAY_HOLIDAYS, ids=str)
def test_statutory_holiday_on_a_weekday_is_not_a_working_day(cal: Calendar, day: date) -> None:
    assert day.weekday() < 5
    assert not cal.is_working_day(day)


def test_ordinary_weekdays_work_and_ordinary_weekends_do_not(cal: Calendar) -> None:
    assert cal.is_working_day(date(2024, 3, 5))
    assert not cal.is_working_day(date(2024, 3, 9))
    assert not cal.is_working_day(date(2024, 3, 10))


@pytest.mark.parametrize("year", [2003, 2027, 2031])
def test_date_in_an_unknown_year_raises_naming_the_year(cal: Calendar, year: int) -> None:
    with pytest.raises(CalendarYearUnknown, match=str(year)) as info:
        cal.is_working_day(date(year, 6, 1))
    assert info.value.year == year
    assert isinstance(info.value, ValueError)
    assert "overrides.json" in str(info.value)


def test_counting_into_an_unknown_year_raises_naming_that_year(cal: Calendar) -> None:
    with pytest.raises(CalendarYearUnknown, match="2027"):
        cal.add_working_days(date(2026, 12, 24), 10)
    with pytest.raises(CalendarYearUnknown, match="2027"):
        cal.working_days_between(date(2026, 12, 1), date(2027, 3, 1))
    with pytest.raises(CalendarYearUnknown, match="2027"):
        graduate_publicity_period(date(2026, 12, 28))
    with pytest.raises(CalendarYearUnknown, match="2027"):
        approval_deadline(date(2026, 12, 24))


def test_calendar_knows_exactly_2004_to_2026_while_the_override_table_is_empty(cal: Calendar) -> None:
    assert cal.known_years == tuple(range(2004, 2027))


def test_data_version_names_the_package_version_and_the_override_file_digest(cal: Calendar) -> None:
    raw = resources.files("shared.calendar").joinpath("overrides.json").read_bytes()
    assert VERSION_PATTERN.fullmatch(cal.data_version)
    assert cal.data_version.endswith(hashlib.sha256(raw).hexdigest()[:8])


def test_shipped_override_table_is_well_formed_and_every_year_cites_its_source() -> None:
    raw = resources.files("shared.calendar").joinpath("overrides.json").read_bytes()
    document = json.loads(raw)
    assert document["format_version"] == 1
    for entry in document["years"].values():
        assert entry["source"].strip()
    load_calendar(overrides_json=raw)


def test_override_table_adds_a_year_and_changes_the_data_version(cal: Calendar) -> None:
    extended = load_calendar(overrides_json=overrides({"2031": FICTIONAL_2031}))
    assert 2031 in extended.known_years
    assert not extended.is_working_day(date(2031, 1, 2))  # Thursday, holiday
    assert extended.is_working_day(date(2031, 1, 4))  # Saturday, make-up day
    assert extended.is_working_day(date(2031, 1, 6))
    assert VERSION_PATTERN.fullmatch(extended.data_version)
    assert extended.data_version != cal.data_version
    with pytest.raises(CalendarYearUnknown, match="2030"):
        extended.is_working_day(date(2030, 6, 3))


def test_override_year_replaces_the_package_year() -> None:
    corrected = load_calendar(
        overrides_json=overrides(
            {"2024": {"source": "test fixture", "holidays": ["2024-01-01"], "make_up_working_days": []}}
        )
    )
    assert corrected.is_working_day(date(2024, 2, 12))
    assert not corrected.is_working_day(date(2024, 2, 4))


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        overrides({}, format_version=2),
        json.dumps({"format_version": 1}).encode(),
        overrides({"31": FICTIONAL_2031}),
        overrides({"2031": {**FICTIONAL_2031, "source": " "}}),
        overrides({"2031": {k: v for k, v in FICTIONAL_2031.items() if k != "source"}}),
        overrides({"2031": {**FICTIONAL_2031, "holidays": []}}),
        overrides({"2031": {**FICTIONAL_2031, "holidays": ["2030-12-31"]}}),
        overrides({"2031": {**FICTIONAL_2031, "holidays": ["2031-02-30"]}}),
        overrides({"2031": {**FICTIONAL_2031, "holidays": ["2031-01-01", "2031-01-01"]}}),
        overrides({"2031": {**FICTIONAL_2031, "make_up_working_days": ["2031-01-06"]}}),  # a Monday
        overrides(
            {"2031": {**FICTIONAL_2031, "make_up_working_days": ["2031-01-04"], "holidays": ["2031-01-04"]}}
        ),
        overrides({"2031": {**FICTIONAL_2031, "note": "typo'd key"}}),
    ],
)
def test_malformed_override_table_is_rejected_at_load(raw: bytes) -> None:
    with pytest.raises(CalendarDataError):
        load_calendar(overrides_json=raw)


def test_add_working_days_skips_holidays_and_counts_make_up_days(cal: Calendar) -> None:
    assert cal.add_working_days(date(2024, 2, 8), 1) == date(2024, 2, 9)
    assert cal.add_working_days(date(2024, 2, 9), 1) == date(2024, 2, 18)  # Sunday make-up day
    assert cal.add_working_days(date(2024, 2, 9), 0) == date(2024, 2, 9)
    assert cal.add_working_days(date(2024, 2, 10), 0) == date(2024, 2, 10)


def test_add_working_days_refuses_negative_counts(cal: Calendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(date(2024, 3, 1), -1)


def test_working_days_between_counts_the_half_open_interval(cal: Calendar) -> None:
    assert cal.working_days_between(date(2024, 3, 1), date(2024, 3, 15)) == 10
    assert cal.working_days_between(date(2024, 3, 15), date(2024, 3, 1)) == -10
    assert cal.working_days_between(date(2024, 3, 1), date(2024, 3, 1)) == 0
    assert cal.working_days_between(date(2024, 2, 9), date(2024, 2, 18)) == 1


def test_datetimes_are_refused_where_dates_are_expected(cal: Calendar) -> None:
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2024, 3, 1, 12, tzinfo=BEIJING))


@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 10, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_add_working_days_lands_on_the_nth_working_day(start: date, n: int) -> None:
    calendar = default_calendar()
    result = calendar.add_working_days(start, n)
    assert result >= start
    if n > 0:
        assert calendar.is_working_day(result)
    assert count_working_days(calendar, start, result) == n
    assert calendar.working_days_between(start, result) == n


# --- Periods ------------------------------------------------------------------------------------------


def test_points_publicity_opened_2022_07_11_closes_at_the_end_of_2022_07_18() -> None:
    deadline = points_publicity_period(datetime(2022, 7, 11, 9, 30, tzinfo=BEIJING))
    assert deadline.due_date == date(2022, 7, 18)
    assert deadline.due_at == datetime(2022, 7, 19, 0, 0, tzinfo=BEIJING)
    assert deadline.rule == "points.publicity.7_calendar_days"


def test_points_publicity_opening_day_is_taken_in_beijing_time() -> None:
    # 2022-07-10 20:00 UTC is 2022-07-11 04:00 in Beijing.
    deadline = points_publicity_period(datetime(2022, 7, 10, 20, 0, tzinfo=UTC))
    assert deadline.due_date == date(2022, 7, 18)


def test_points_publicity_counts_calendar_days_even_over_national_day() -> None:
    assert points_publicity_period(datetime(2024, 9, 30, 10, tzinfo=BEIJING)).due_date == date(2024, 10, 7)


def test_points_publicity_refuses_a_naive_opening_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        points_publicity_period(datetime(2022, 7, 11, 9, 30))  # noqa: DTZ001


def test_graduate_publicity_over_national_day_counts_the_sunday_make_up_day() -> None:
    # Opened Fri 2024-09-27: Sun 09-29 (make-up), Mon 09-30, then 10-01..07 off, 10-08, 10-09, 10-10.
    deadline = graduate_publicity_period(date(2024, 9, 27))
    assert deadline.due_date == date(2024, 10, 10)
    assert deadline.due_at == datetime(2024, 10, 11, tzinfo=BEIJING)
    assert deadline.rule == "graduate.publicity.5_working_days"


def test_graduate_publicity_over_spring_festival_2024() -> None:
    # Opened Thu 2024-02-08: Fri 02-09, 02-10..17 off, Sun 02-18 (make-up), 02-19, 02-20, 02-21.
    assert graduate_publicity_period(date(2024, 2, 8)).due_date == date(2024, 2, 21)


def test_graduate_publicity_over_spring_festival_2026() -> None:
    # Opened Thu 2026-02-12: Fri 02-13, Sat 02-14 (make-up), 02-15..23 off, 02-24, 02-25, 02-26.
    assert graduate_publicity_period(date(2026, 2, 12)).due_date == date(2026, 2, 26)


def test_graduate_publicity_opened_on_a_holiday_starts_counting_after_it() -> None:
    # Opened on 2024-10-01 (holiday): 10-08, 10-09, 10-10, 10-11, Sat 10-12 (make-up).
    assert graduate_publicity_period(date(2024, 10, 1)).due_date == date(2024, 10, 12)


def test_graduate_publicity_may_be_longer_than_five_working_days() -> None:
    deadline = graduate_publicity_period(date(2024, 3, 1), working_days=7)
    assert deadline.due_date == date(2024, 3, 12)
    assert deadline.rule == "graduate.publicity.7_working_days"


@pytest.mark.parametrize("working_days", [4, 0, -5])
def test_graduate_publicity_shorter_than_five_working_days_is_refused(working_days: int) -> None:
    with pytest.raises(ValueError, match="at least 5 working days"):
        graduate_publicity_period(date(2024, 3, 1), working_days=working_days)


@pytest.mark.parametrize(
    ("received_on", "due_date"),
    [
        (date(2024, 3, 1), date(2024, 3, 15)),  # two ordinary weeks
        (date(2024, 3, 2), date(2024, 3, 15)),  # received on a Saturday
        # 09-29 (Sun, make-up), 09-30, 10-08..10-11, Sat 10-12 (make-up), 10-14, 10-15, 10-16
        (date(2024, 9, 27), date(2024, 10, 16)),
        # 09-28, 09-29..10-06 off, Sat 10-07 and Sun 10-08 (make-up), 10-09..10-13, 10-16, 10-17
        (date(2023, 9, 27), date(2023, 10, 17)),
    ],
)
def test_approval_deadline_is_the_end_of_the_tenth_working_day_after_receipt(
    received_on: date, due_date: date
) -> None:
    deadline = approval_deadline(received_on)
    assert deadline.due_date == due_date
    assert deadline.due_at == end_of_day(due_date)
    assert deadline.rule == "approval.10_working_days"


def test_approval_deadline_needs_at_least_one_working_day() -> None:
    with pytest.raises(ValueError):
        approval_deadline(date(2024, 3, 1), working_days=0)


def test_qualification_is_valid_until_the_end_of_the_same_day_two_years_later() -> None:
    deadline = qualification_valid_until(date(2022, 7, 18))
    assert deadline.due_date == date(2024, 7, 18)
    assert deadline.due_at == datetime(2024, 7, 19, tzinfo=BEIJING)
    assert deadline.rule == "points.qualification.2_years"


@pytest.mark.parametrize(
    ("closed_on", "valid_until"),
    [(date(2024, 2, 29), date(2026, 2, 28)), (date(2028, 2, 29), date(2030, 2, 28))],
)
def test_qualification_from_29_february_ends_on_28_february(closed_on: date, valid_until: date) -> None:
    assert qualification_valid_until(closed_on).due_date == valid_until


def test_conduct_record_runs_to_the_same_date_five_years_later() -> None:
    deadline = conduct_record_until(date(2021, 3, 15))
    assert deadline.due_date == date(2026, 3, 15)
    assert deadline.rule == "conduct_record.5_years"


@pytest.mark.parametrize(
    ("decided_on", "until"),
    [(date(2024, 2, 29), date(2029, 2, 28)), (date(2020, 2, 29), date(2025, 2, 28))],
)
def test_conduct_record_from_29_february_ends_on_28_february(decided_on: date, until: date) -> None:
    assert conduct_record_until(decided_on).due_date == until


def test_add_years_keeps_29_february_in_a_leap_target_year() -> None:
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


PERIODS: list[Callable[..., Deadline]] = [
    lambda **kw: points_publicity_period(datetime(2024, 5, 6, 8, tzinfo=BEIJING), **kw),
    lambda **kw: graduate_publicity_period(date(2024, 5, 6), **kw),
    lambda **kw: approval_deadline(date(2024, 5, 6), **kw),
    lambda **kw: qualification_valid_until(date(2024, 5, 6), **kw),
    lambda **kw: conduct_record_until(date(2024, 5, 6), **kw),
]


@pytest.mark.parametrize(
    "period", PERIODS, ids=["points", "graduate", "approval", "qualification", "conduct"]
)
def test_every_deadline_records_the_calendar_version_it_used(period: Callable[..., Deadline]) -> None:
    assert period().calendar_version == default_calendar().data_version
    other = load_calendar(overrides_json=overrides({"2031": FICTIONAL_2031}))
    assert period(calendar=other).calendar_version == other.data_version
    assert VERSION_PATTERN.fullmatch(other.data_version)


@pytest.mark.parametrize(
    "period", PERIODS, ids=["points", "graduate", "approval", "qualification", "conduct"]
)
def test_every_deadline_is_24_00_beijing_time_of_its_due_date(period: Callable[..., Deadline]) -> None:
    deadline = period()
    assert deadline.due_at.tzinfo == BEIJING
    assert deadline.due_at == datetime.combine(
        deadline.due_date + timedelta(days=1), datetime.min.time(), BEIJING
    )


def test_deadline_is_overdue_from_24_00_on() -> None:
    deadline = approval_deadline(date(2024, 3, 1))
    assert not deadline.is_overdue(datetime(2024, 3, 15, 23, 59, 59, 999999, tzinfo=BEIJING))
    assert deadline.is_overdue(datetime(2024, 3, 16, 0, 0, tzinfo=BEIJING))
    assert deadline.is_overdue(datetime(2024, 3, 15, 16, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        deadline.is_overdue(datetime(2024, 3, 16))  # noqa: DTZ001


def test_deadline_refuses_a_due_at_that_is_not_the_end_of_its_due_date() -> None:
    with pytest.raises(ValueError):
        Deadline(
            due_at=datetime(2024, 3, 15, 17, tzinfo=BEIJING),
            due_date=date(2024, 3, 15),
            rule="approval.10_working_days",
            calendar_version="x",
        )
    with pytest.raises(ValueError):
        Deadline(
            due_at=datetime(2024, 3, 16),  # noqa: DTZ001
            due_date=date(2024, 3, 15),
            rule="approval.10_working_days",
            calendar_version="x",
        )
