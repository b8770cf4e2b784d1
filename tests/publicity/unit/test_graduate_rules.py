"""The graduate publicity's pure rules: at least 5 working days through shared.calendar (around National
Day 2025, with its make-up working days 2025-09-28 and 2025-10-11), list ids, newer decisions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.publicity.domain.graduates import (
    EDUCATION_ZH,
    MAX_WORKING_DAYS,
    decision_is_newer,
    publicity_id_for,
    supervision_contact,
    working_days_refusal,
)
from services.publicity.domain.period import publicity_deadline
from shared.calendar import BEIJING, default_calendar, end_of_day


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=BEIJING)


def test_the_calendar_knows_the_2025_national_day_make_up_working_days() -> None:
    cal = default_calendar()
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday, make-up
    assert cal.is_working_day(date(2025, 10, 11))  # Saturday, make-up
    assert not any(cal.is_working_day(date(2025, 10, d)) for d in range(1, 9))  # 10-01 … 10-08 off
    assert not cal.is_working_day(date(2025, 10, 12))  # an ordinary Sunday


def test_opened_2025_09_29_it_closes_at_24_00_of_2025_10_13() -> None:
    # D = Monday 09-29 (not counted); 09-30 (1), National Day 10-01…10-08 off, 10-09 (2), 10-10 (3),
    # the make-up Saturday 10-11 (4), Sunday 10-12 off, Monday 10-13 (5).
    deadline = publicity_deadline("graduates", at(2025, 9, 29, 15))
    assert deadline.due_date == date(2025, 10, 13)
    assert deadline.due_at == datetime(2025, 10, 14, tzinfo=BEIJING) == end_of_day(date(2025, 10, 13))
    assert deadline.rule == "graduate.publicity.5_working_days"
    assert deadline.calendar_version == default_calendar().data_version


@pytest.mark.parametrize(
    ("opened_on", "closes_on"),
    [
        (date(2025, 9, 27), date(2025, 10, 10)),  # a Saturday: the make-up Sunday 09-28 is day 1
        (
            date(2025, 9, 28),
            date(2025, 10, 11),
        ),  # opened on the make-up Sunday; the make-up Saturday is day 5
        (date(2025, 10, 3), date(2025, 10, 14)),  # opened during the holiday
        (date(2025, 10, 10), date(2025, 10, 16)),  # the make-up Saturday 10-11 is day 1
    ],
)
def test_five_working_days_around_national_day_2025(opened_on: date, closes_on: date) -> None:
    opened = datetime.combine(opened_on, datetime.min.time(), tzinfo=BEIJING) + timedelta(hours=9)
    assert publicity_deadline("graduates", opened).due_date == closes_on


def test_the_opening_hour_does_not_matter_only_the_beijing_day() -> None:
    early = publicity_deadline("graduates", at(2025, 9, 29, 0))
    late = publicity_deadline("graduates", datetime(2025, 9, 29, 15, 59, tzinfo=BEIJING))
    assert early == late


def test_a_longer_period_is_allowed_a_shorter_one_never() -> None:
    assert publicity_deadline("graduates", at(2025, 9, 29), working_days=7).due_date == date(2025, 10, 15)
    assert publicity_deadline("graduates", at(2025, 9, 29), working_days=7).rule == (
        "graduate.publicity.7_working_days"
    )
    with pytest.raises(ValueError, match="at least 5"):
        publicity_deadline("graduates", at(2025, 9, 29), working_days=4)
    assert working_days_refusal(5) is None
    assert working_days_refusal(MAX_WORKING_DAYS) is None
    refusal = working_days_refusal(4)
    assert refusal is not None and "at least 5" in refusal
    assert working_days_refusal(MAX_WORKING_DAYS + 1) is not None


def test_list_ids_and_contact() -> None:
    assert publicity_id_for(2025, "U-HD", 1) == "GRD-2025-U-HD-1"
    assert publicity_id_for(2025, "U-HD", 12) == "GRD-2025-U-HD-12"
    contact = supervision_contact("海淀区人力社保局", "010-82345678", "北京市海淀区长春桥路17号")
    assert "010-82345678" in contact and "长春桥路17号" in contact
    assert set(EDUCATION_ZH) == {"doctor", "master", "bachelor", "junior_college"}


def test_a_newer_revision_or_a_later_decision_of_the_same_revision_replaces() -> None:
    t = at(2025, 6, 1)
    assert decision_is_newer(1, t, 2, t - timedelta(days=1))  # newer revision, whatever the time
    assert decision_is_newer(1, t, 1, t + timedelta(minutes=1))  # a later return withdraws the approval
    assert not decision_is_newer(2, t, 1, t + timedelta(days=1))  # an older revision arriving late
    assert not decision_is_newer(1, t, 1, t - timedelta(minutes=1))  # an older decision arriving late
