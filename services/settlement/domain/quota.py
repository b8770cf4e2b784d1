"""The quota ledger (指标, seed 000 第六条–第九条、第十一条、第十六条、第十九条): pure arithmetic.

Each supervising unit has one account per year: what the bureau allocated, what it moved in from or out to
other units (调剂), what approvals used and what revocations before settlement gave back. ``remaining`` is
``allocated + reallocated_in − reallocated_out − used + returned`` and never goes below zero. Only a
``counted`` introduction uses a unit; ``not_counted`` (第十一条), ``separate_plan`` (计划单列, 第九条) and
``direct`` (第十六条) use none and are reported separately in the year-end account (年终执行情况).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Treatment(StrEnum):
    COUNTED = "counted"
    NOT_COUNTED = "not_counted"
    SEPARATE_PLAN = "separate_plan"
    DIRECT = "direct"


#: The treatments outside the quota, in the order the year-end account lists them.
OUTSIDE_QUOTA: tuple[Treatment, ...] = (Treatment.NOT_COUNTED, Treatment.SEPARATE_PLAN, Treatment.DIRECT)


def uses_quota(treatment: str | None) -> bool:
    """Only a ``counted`` introduction uses one unit of its supervising unit's quota."""
    return treatment == Treatment.COUNTED


class Movement(StrEnum):
    """One line of the ledger."""

    ALLOCATION = "allocation"  # the bureau's yearly allocation (by the end of February)
    REALLOCATION_IN = "reallocation_in"  # 调剂: received from another unit
    REALLOCATION_OUT = "reallocation_out"  # 调剂: given to another unit
    USE = "use"  # an approval of a counted graduate
    RETURN = "return"  # a revocation before settlement


class QuotaExhausted(ValueError):
    """The account has fewer units left than the movement takes."""

    def __init__(self, remaining: int, needed: int) -> None:
        super().__init__(f"{remaining} unit(s) left, {needed} needed")
        self.remaining = remaining
        self.needed = needed


@dataclass(frozen=True)
class Balance:
    """One unit's account for one year."""

    allocated: int = 0
    reallocated_in: int = 0
    reallocated_out: int = 0
    used: int = 0
    returned: int = 0

    @property
    def remaining(self) -> int:
        return self.allocated + self.reallocated_in - self.reallocated_out - self.used + self.returned

    def apply(self, movement: Movement, amount: int = 1) -> Balance:
        """The account after ``movement`` of ``amount`` units (≥ 1); ``QuotaExhausted`` when it would take
        the balance below zero (a use or a reallocation out), ``ValueError`` for a return of more units than
        were used."""
        if amount < 1:
            raise ValueError(f"a movement is of at least one unit, got {amount}")
        if movement in (Movement.USE, Movement.REALLOCATION_OUT) and amount > self.remaining:
            raise QuotaExhausted(self.remaining, amount)
        if movement is Movement.RETURN and self.returned + amount > self.used:
            raise ValueError("cannot return more units than were used")
        column = _COLUMN[movement]
        return replace(self, **{column: getattr(self, column) + amount})


_COLUMN: Mapping[Movement, str] = {
    Movement.ALLOCATION: "allocated",
    Movement.REALLOCATION_IN: "reallocated_in",
    Movement.REALLOCATION_OUT: "reallocated_out",
    Movement.USE: "used",
    Movement.RETURN: "returned",
}


def column_of(movement: Movement) -> str:
    """The account column a movement adds to."""
    return _COLUMN[movement]


@dataclass(frozen=True)
class AccountLine:
    """One unit's line of the year-end account (年终执行情况)."""

    supervising_unit_id: str
    year: int
    balance: Balance
    #: Approved introductions outside the quota, by treatment (not_counted, separate_plan, direct).
    outside_quota: Mapping[str, int] = field(default_factory=dict)

    def outside(self, treatment: Treatment) -> int:
        return int(self.outside_quota.get(treatment.value, 0))


CSV_COLUMNS = (
    "supervising_unit_id",
    "year",
    "allocated",
    "reallocated_in",
    "reallocated_out",
    "used",
    "returned",
    "remaining",
    "not_counted",
    "separate_plan",
    "direct",
)


def account_csv(lines: Iterable[AccountLine]) -> str:
    """The year-end account as CSV (UTF-8, header row, one line per unit, then a total line)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    total = [0] * 9
    for line in lines:
        b = line.balance
        values = [
            b.allocated,
            b.reallocated_in,
            b.reallocated_out,
            b.used,
            b.returned,
            b.remaining,
            *(line.outside(t) for t in OUTSIDE_QUOTA),
        ]
        total = [a + v for a, v in zip(total, values, strict=True)]
        w.writerow([line.supervising_unit_id, line.year, *values])
    w.writerow(["TOTAL", "", *total])
    return buf.getvalue()
