"""Validity of a qualification (2 years after publicity, 29 February), its states, fraud reasons, and what
verification answers."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from services.settlement.domain import (
    IllegalTransition,
    Status,
    is_fraud_disqualification,
    is_fraud_reason,
    lapse_date,
    publicity_closed_on,
    require_transition,
)
from services.settlement.domain.qualification import ACTIVE, BEIJING
from services.settlement.domain.verification import Verdict, judge
from shared.calendar import conduct_record_until, end_of_day, qualification_valid_until


def bj(*a: int) -> datetime:
    return datetime(*a, tzinfo=BEIJING)  # type: ignore[misc]


def test_a_publicity_ending_at_24_00_belongs_to_its_last_day() -> None:
    # The 2022 round: opened 2022-07-11, closed at the end of 2022-07-18 (stored as 00:00 on the 19th).
    assert publicity_closed_on(bj(2022, 7, 19, 0, 0)) == date(2022, 7, 18)
    assert publicity_closed_on(bj(2022, 7, 18, 17, 30)) == date(2022, 7, 18)
    assert publicity_closed_on(bj(2022, 7, 19, 0, 0) + timedelta(microseconds=1)) == date(2022, 7, 19)


def test_publicity_closing_instant_is_read_in_beijing_time() -> None:
    from datetime import UTC

    assert publicity_closed_on(datetime(2022, 7, 18, 16, 0, tzinfo=UTC)) == date(
        2022, 7, 18
    )  # 00:00 on the 19th
    with pytest.raises(ValueError):
        publicity_closed_on(datetime(2022, 7, 18, 16, 0))  # noqa: DTZ001 - naive on purpose


def test_qualification_is_valid_until_24_00_of_the_day_two_years_after_publicity_closed() -> None:
    d = qualification_valid_until(date(2022, 7, 18))
    assert d.due_date == date(2024, 7, 18)
    assert d.due_at == end_of_day(date(2024, 7, 18)) == bj(2024, 7, 19)
    assert lapse_date(d.due_date) == date(2024, 7, 19)


def test_validity_from_29_february_ends_on_28_february() -> None:
    assert qualification_valid_until(date(2024, 2, 29)).due_date == date(2026, 2, 28)
    assert qualification_valid_until(date(2022, 2, 28)).due_date == date(2024, 2, 28)  # not the 29th


def test_bad_conduct_is_recorded_for_five_years_29_february_to_28_february() -> None:
    assert conduct_record_until(date(2022, 8, 1)).due_date == date(2027, 8, 1)
    assert conduct_record_until(date(2024, 2, 29)).due_date == date(2029, 2, 28)


def test_the_way_through_settlement() -> None:
    path = [
        Status.HELD,
        Status.CONFIRMED,
        Status.MATERIALS_SUBMITTED,
        Status.MATERIALS_RETURNED,
        Status.MATERIALS_SUBMITTED,
        Status.DISTRICT_CHECKED,
        Status.APPROVED,
    ]
    for a, b in itertools.pairwise(path):
        require_transition(a, b)
    require_transition(Status.PENDING_HOLDER, Status.CONFIRMED)
    require_transition(Status.HELD, Status.DISQUALIFIED)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (Status.CONFIRMED, Status.APPROVED),  # no approval without materials and the district check
        (Status.MATERIALS_SUBMITTED, Status.APPROVED),
        (Status.APPROVED, Status.LAPSED),  # a used qualification does not lapse
        (Status.LAPSED, Status.CONFIRMED),  # no backfill, no revival
        (Status.CANCELLED, Status.CONFIRMED),
        (Status.DISQUALIFIED, Status.CONFIRMED),
        (Status.LAPSED, Status.CANCELLED),
        (Status.HELD, Status.CANCELLED),
    ],
)
def test_transitions_the_rules_do_not_allow(current: Status, wanted: Status) -> None:
    with pytest.raises(IllegalTransition):
        require_transition(current, wanted)


def test_every_unused_state_lapses_and_can_be_cancelled() -> None:
    for s in ACTIVE:
        require_transition(s, Status.LAPSED)
        require_transition(s, Status.CANCELLED)
        require_transition(s, Status.ABANDONED)
    require_transition(Status.APPROVED, Status.CANCELLED)  # 第十八条: before settlement


@pytest.mark.parametrize(
    "reason",
    [
        "举报查实：申报材料弄虚作假",
        "提供虚假社保缴费记录",
        "伪造学历证书",
        "fraud: forged tax records",
        "Falsified housing certificate",
    ],
)
def test_fraud_reasons_are_recognised(reason: str) -> None:
    assert is_fraud_reason(reason)


@pytest.mark.parametrize("reason", [None, "", "不符合居住证条件", "objection upheld: age above limit"])
def test_other_disqualifications_are_not_fraud(reason: str | None) -> None:
    assert not is_fraud_reason(reason)


@pytest.mark.parametrize(
    ("code", "reason", "fraud"),
    [
        ("fraud", "申报住所材料不实", True),  # the code says fraud; the text need not
        ("fraud", None, True),
        ("ineligible", "举报称材料弄虚作假，经查不实；但不符合居住证条件", False),  # the code wins over text
        ("other", "伪造", False),
        (None, "伪造学历证书", True),  # older producers: the words decide
        (None, "不符合居住证条件", False),
    ],
)
def test_the_reason_code_decides_fraud_and_only_its_absence_reads_the_text(
    code: str | None, reason: str | None, fraud: bool
) -> None:
    assert is_fraud_disqualification(code, reason) is fraud


NOW = bj(2024, 7, 18, 23, 59)


def verdict(**kw: object) -> tuple[Verdict, date | None]:
    args: dict[str, object] = dict(
        letter_type="points_qualification_confirmation",
        letter_status="issued",
        revoked_on=None,
        qualification_status="confirmed",
        valid_until=date(2024, 7, 18),
        valid_until_at=bj(2024, 7, 19),
        now=NOW,
    )
    args.update(kw)
    a = judge(**args)  # type: ignore[arg-type]
    return a.verdict, a.on


def test_verification_answers_valid_revoked_and_lapsed() -> None:
    assert verdict() == (Verdict.VALID, None)
    assert verdict(letter_status="revoked", revoked_on=date(2023, 1, 5)) == (
        Verdict.REVOKED,
        date(2023, 1, 5),
    )
    assert verdict(qualification_status="lapsed") == (Verdict.LAPSED, date(2024, 7, 19))
    # At 24:00 the validity is over, even before the worker has recorded the lapse.
    assert verdict(now=bj(2024, 7, 19)) == (Verdict.LAPSED, date(2024, 7, 19))


def test_a_settlement_letter_stays_valid_once_the_qualification_is_used() -> None:
    assert verdict(
        letter_type="points_settlement_letter", qualification_status="approved", now=bj(2030, 1, 1)
    ) == (Verdict.VALID, None)
