"""The quota ledger (指标): the bureau allocates and reallocates (调剂) per supervising unit and year, each
movement with who decided, when and why; an approval of a ``counted`` graduate uses one unit in the same
transaction as the decision, a revocation before settlement gives it back; the year-end account
(年终执行情况). The balance never goes below zero (``take_units``: a conditional UPDATE, plus CHECKs)."""

from __future__ import annotations

from dataclasses import dataclass

from services.settlement.adapters.records import QuotaAccountRecord, QuotaMovementRecord
from services.settlement.context import Tx
from services.settlement.domain.quota import AccountLine, Balance, Movement, column_of
from services.settlement.handlers.common import audit
from shared.api.errors import Conflict, Invalid


def balance_of(row: QuotaAccountRecord | None) -> Balance:
    if row is None:
        return Balance()
    return Balance(
        allocated=row["allocated"],
        reallocated_in=row["reallocated_in"],
        reallocated_out=row["reallocated_out"],
        used=row["used"],
        returned=row["returned"],
    )


def quota_exhausted(unit_id: str, year: int, remaining: int, needed: int = 1) -> Conflict:
    return Conflict(
        "quota_exhausted",
        f"Supervising unit {unit_id} has {remaining} quota unit(s) left for {year}; {needed} needed. "
        "The bureau must allocate or reallocate (调剂) units before this can go ahead.",
        [
            {
                "field": "supervising_unit_id",
                "code": "quota_exhausted",
                "message": f"{remaining} left, {needed} needed",
            }
        ],
    )


@dataclass(frozen=True)
class QuotaAccount:
    """A unit's account for a year, with its movements."""

    supervising_unit_id: str
    year: int
    balance: Balance
    movements: list[QuotaMovementRecord]


async def _account(tx: Tx, unit_id: str, year: int) -> QuotaAccount:
    row = await tx.repo.get_account(unit_id, year)
    return QuotaAccount(unit_id, year, balance_of(row), await tx.repo.movements_of(unit_id, year))


async def _movement(
    tx: Tx,
    unit_id: str,
    year: int,
    kind: Movement,
    amount: int,
    *,
    reason: str | None,
    counterpart: str | None = None,
    declaration_id: str | None = None,
) -> None:
    await tx.repo.insert_movement(
        {
            "supervising_unit_id": unit_id,
            "year": year,
            "kind": kind.value,
            "amount": amount,
            "counterpart_unit_id": counterpart,
            "declaration_id": declaration_id,
            "reason": reason,
            "decided_by": tx.actor,
            "decided_at": tx.now,
        }
    )
    await audit(
        tx,
        f"quota.{kind.value}",
        f"quota:{unit_id}:{year}",
        amount=amount,
        counterpart=counterpart,
        declaration_id=declaration_id,
        reason=reason,
    )


# ---- the bureau's decisions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Allocate:
    """The bureau allocates ``amount`` units to a unit for ``year`` (a collective decision, 第六条)."""

    supervising_unit_id: str
    year: int
    amount: int
    reason: str


async def allocate(tx: Tx, cmd: Allocate) -> QuotaAccount:
    """Allocate units to a supervising unit for a year; recorded with who decided, when and why."""
    if cmd.amount < 1:
        raise Invalid("amount_not_positive", "An allocation is of at least one unit.")
    await tx.repo.add_units(cmd.supervising_unit_id, cmd.year, "allocated", cmd.amount, tx.now)
    await _movement(tx, cmd.supervising_unit_id, cmd.year, Movement.ALLOCATION, cmd.amount, reason=cmd.reason)
    return await _account(tx, cmd.supervising_unit_id, cmd.year)


@dataclass(frozen=True)
class Reallocate:
    """调剂: the bureau moves ``amount`` unused units of ``year`` from one unit to another."""

    from_unit_id: str
    to_unit_id: str
    year: int
    amount: int
    reason: str


@dataclass(frozen=True)
class Reallocated:
    source: QuotaAccount
    target: QuotaAccount


async def reallocate(tx: Tx, cmd: Reallocate) -> Reallocated:
    """Move unused units from unit A to unit B (调剂); refused with ``quota_exhausted`` when A has fewer
    left. Both accounts change in this transaction (rows locked in a fixed order: no deadlock)."""
    if cmd.amount < 1:
        raise Invalid("amount_not_positive", "A reallocation is of at least one unit.")
    if cmd.from_unit_id == cmd.to_unit_id:
        raise Invalid("same_unit", "A reallocation moves units between two different units.")
    for unit in sorted((cmd.from_unit_id, cmd.to_unit_id)):
        await tx.repo.get_account(unit, cmd.year, for_update=True)
    taken = await tx.repo.take_units(cmd.from_unit_id, cmd.year, "reallocated_out", cmd.amount, tx.now)
    if taken is None:
        left = balance_of(await tx.repo.get_account(cmd.from_unit_id, cmd.year)).remaining
        raise quota_exhausted(cmd.from_unit_id, cmd.year, left, cmd.amount)
    await tx.repo.add_units(cmd.to_unit_id, cmd.year, "reallocated_in", cmd.amount, tx.now)
    await _movement(
        tx,
        cmd.from_unit_id,
        cmd.year,
        Movement.REALLOCATION_OUT,
        cmd.amount,
        reason=cmd.reason,
        counterpart=cmd.to_unit_id,
    )
    await _movement(
        tx,
        cmd.to_unit_id,
        cmd.year,
        Movement.REALLOCATION_IN,
        cmd.amount,
        reason=cmd.reason,
        counterpart=cmd.from_unit_id,
    )
    return Reallocated(
        await _account(tx, cmd.from_unit_id, cmd.year), await _account(tx, cmd.to_unit_id, cmd.year)
    )


# ---- uses and returns (inside the decision's transaction) ---------------------------------------


async def use_unit(tx: Tx, declaration_id: str, unit: str, year: int) -> None:
    """An approval of a counted graduate takes one unit of the unit's quota for the year, or is refused
    (409 ``quota_exhausted``, nothing changes: the whole approval rolls back)."""
    taken = await tx.repo.take_units(unit, year, column_of(Movement.USE), 1, tx.now)
    if taken is None:
        left = balance_of(await tx.repo.get_account(unit, year)).remaining
        raise quota_exhausted(unit, year, left)
    await _movement(tx, unit, year, Movement.USE, 1, reason="approval", declaration_id=declaration_id)


async def return_unit(tx: Tx, declaration_id: str, unit: str, year: int, reason: str) -> None:
    """A revocation before settlement gives the unit back."""
    if await tx.repo.give_back_units(unit, year, 1, tx.now) is None:
        raise Conflict(
            "nothing_to_return", f"Supervising unit {unit} has no used unit of {year} to give back."
        )
    await _movement(tx, unit, year, Movement.RETURN, 1, reason=reason, declaration_id=declaration_id)


# ---- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetAccount:
    supervising_unit_id: str
    year: int


async def get_account(tx: Tx, cmd: GetAccount) -> QuotaAccount:
    """A unit's account for a year and every movement of it."""
    return await _account(tx, cmd.supervising_unit_id, cmd.year)


@dataclass(frozen=True)
class YearEndAccount:
    year: int


async def year_end_account(tx: Tx, cmd: YearEndAccount) -> list[AccountLine]:
    """年终执行情况: per unit, allocated, reallocated in/out, used, returned, remaining, and the approvals
    outside the quota per treatment (not_counted, separate_plan, direct)."""
    outside = await tx.repo.approvals_outside_quota(cmd.year)
    lines = [
        AccountLine(
            row["supervising_unit_id"], cmd.year, balance_of(row), outside.pop(row["supervising_unit_id"], {})
        )
        for row in await tx.repo.accounts_of_year(cmd.year)
    ]
    # Units with approvals outside the quota but no account (no quota allocated) are listed too.
    lines += [AccountLine(unit, cmd.year, Balance(), counts) for unit, counts in sorted(outside.items())]
    return lines
