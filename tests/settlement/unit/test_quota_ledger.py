"""The quota ledger's arithmetic (pure): the balance, which treatments use a unit, never below zero, and the
year-end account as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.settlement.domain.quota import (
    AccountLine,
    Balance,
    Movement,
    QuotaExhausted,
    Treatment,
    account_csv,
    uses_quota,
)


def test_only_a_counted_graduate_uses_a_unit() -> None:
    assert uses_quota("counted")
    for t in ("not_counted", "separate_plan", "direct", None):
        assert not uses_quota(t)


def test_the_balance_is_allocated_plus_in_minus_out_minus_used_plus_returned() -> None:
    b = (
        Balance()
        .apply(Movement.ALLOCATION, 10)
        .apply(Movement.REALLOCATION_IN, 3)
        .apply(Movement.REALLOCATION_OUT, 2)
        .apply(Movement.USE, 5)
        .apply(Movement.RETURN, 1)
    )
    assert (b.allocated, b.reallocated_in, b.reallocated_out, b.used, b.returned) == (10, 3, 2, 5, 1)
    assert b.remaining == 10 + 3 - 2 - 5 + 1 == 7


def test_the_last_unit_can_be_used_but_not_one_more() -> None:
    b = Balance().apply(Movement.ALLOCATION, 2).apply(Movement.USE).apply(Movement.USE)
    assert b.remaining == 0
    with pytest.raises(QuotaExhausted) as e:
        b.apply(Movement.USE)
    assert e.value.remaining == 0 and e.value.needed == 1


def test_a_reallocation_cannot_give_away_more_than_is_left() -> None:
    b = Balance().apply(Movement.ALLOCATION, 3).apply(Movement.USE)
    with pytest.raises(QuotaExhausted):
        b.apply(Movement.REALLOCATION_OUT, 3)
    assert b.apply(Movement.REALLOCATION_OUT, 2).remaining == 0


def test_a_return_needs_a_use_and_amounts_are_positive() -> None:
    with pytest.raises(ValueError):
        Balance().apply(Movement.ALLOCATION, 1).apply(Movement.RETURN)
    with pytest.raises(ValueError):
        Balance().apply(Movement.ALLOCATION, 0)


@given(st.lists(st.tuples(st.sampled_from(list(Movement)), st.integers(1, 5)), max_size=40))
def test_whatever_the_movements_the_balance_never_goes_below_zero(moves: list[tuple[Movement, int]]) -> None:
    b = Balance()
    for movement, amount in moves:
        try:
            b = b.apply(movement, amount)
        except ValueError:  # QuotaExhausted included: refused, nothing changes
            continue
        assert b.remaining >= 0 and b.returned <= b.used


def test_the_year_end_account_as_csv_has_a_line_per_unit_and_a_total() -> None:
    lines = [
        AccountLine("unit-a", 2025, Balance(allocated=2, used=2, returned=1), {"direct": 1}),
        AccountLine(
            "unit-b",
            2025,
            Balance(allocated=5, reallocated_out=1),
            {Treatment.NOT_COUNTED.value: 2, "separate_plan": 3},
        ),
    ]
    rows = list(csv.DictReader(io.StringIO(account_csv(lines))))
    assert [r["supervising_unit_id"] for r in rows] == ["unit-a", "unit-b", "TOTAL"]
    assert rows[0]["remaining"] == "1" and rows[0]["direct"] == "1" and rows[0]["not_counted"] == "0"
    assert rows[1]["remaining"] == "4" and rows[1]["separate_plan"] == "3"
    total = rows[2]
    assert (total["allocated"], total["used"], total["remaining"], total["not_counted"]) == (
        "7",
        "2",
        "5",
        "2",
    )
