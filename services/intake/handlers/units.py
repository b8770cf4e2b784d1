"""Supervising units (主管单位): bureau staff create them, put employers into their jurisdiction (第五条)
and create their staff accounts; a unit's staff read their own unit.

A unit account (role ``supervising_unit``) belongs to one unit; its access tokens carry the unit's id as
the ``supervising_unit`` claim (``handlers/tokens.py``), which the graduate use cases check object by
object.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.records import SupervisingUnitRecord, UnitEmployerView
from services.intake.adapters.security import new_id
from services.intake.context import Tx
from services.intake.handlers.accounts import NewAccount, _new_account, _username_taken, account_out
from services.intake.handlers.common import not_found
from services.intake.schemas import AccountOut
from services.intake.schemas.units import JurisdictionOut, JurisdictionPage, UnitOut, UnitPage
from shared.api.auth import Principal, Role
from shared.api.errors import Conflict, NotFound


def unit_out(row: SupervisingUnitRecord) -> UnitOut:
    return UnitOut(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        address=row["address"],
        created_at=row["created_at"],
    )


def jurisdiction_out(row: UnitEmployerView) -> JurisdictionOut:
    return JurisdictionOut(
        unit_id=row["unit_id"],
        employer_id=row["employer_id"],
        employer_name=row["employer_name"],
        employer_credit_code=row["employer_credit_code"],
        assigned_at=row["assigned_at"],
        assigned_by=row["assigned_by"],
    )


def caller_unit(caller: Principal) -> str | None:
    """The supervising unit of a unit account's token (the ``supervising_unit`` claim)."""
    unit = caller.claims.get("supervising_unit")
    return str(unit) if unit and caller.has(Role.SUPERVISING_UNIT.value) else None


async def _visible_unit(tx: Tx, caller: Principal, unit_id: str) -> SupervisingUnitRecord:
    """Bureau staff see every unit, a unit's staff only their own (others: 404)."""
    row = await tx.repo.unit(unit_id)
    if row is None or (not caller.has(Role.BUREAU_STAFF.value) and caller_unit(caller) != unit_id):
        raise not_found("supervising_unit", unit_id)
    return row


@dataclass(frozen=True)
class CreateUnit:
    name: str
    phone: str
    address: str
    created_by: str


async def create_unit(tx: Tx, cmd: CreateUnit) -> UnitOut:
    """Bureau staff create a supervising unit with its supervision phone and address (shown on its
    publicity, 第十七条(四))."""
    if await tx.repo.unit_name_taken(cmd.name):
        raise Conflict("unit_exists", f"A supervising unit named {cmd.name} already exists.")
    unit_id = new_id("su")
    try:
        await tx.repo.insert_unit(
            {
                "id": unit_id,
                "name": cmd.name,
                "phone": cmd.phone,
                "address": cmd.address,
                "created_at": tx.now,
                "created_by": cmd.created_by,
            }
        )
    except IntegrityError:
        raise Conflict("unit_exists", f"A supervising unit named {cmd.name} was created meanwhile.") from None
    row = await tx.repo.unit(unit_id)
    assert row is not None
    return unit_out(row)


@dataclass(frozen=True)
class ListUnits:
    limit: int
    offset: int


async def list_units(tx: Tx, cmd: ListUnits) -> UnitPage:
    rows, total = await tx.repo.list_units(cmd.limit, cmd.offset)
    return UnitPage(items=[unit_out(r) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset)


@dataclass(frozen=True)
class GetUnit:
    caller: Principal
    unit_id: str


async def get_unit(tx: Tx, cmd: GetUnit) -> UnitOut:
    return unit_out(await _visible_unit(tx, cmd.caller, cmd.unit_id))


@dataclass(frozen=True)
class AssignEmployer:
    unit_id: str
    employer_credit_code: str
    assigned_by: str


async def assign_employer(tx: Tx, cmd: AssignEmployer) -> JurisdictionOut:
    """第五条: bureau staff put an employer into a unit's jurisdiction. An employer belongs to one unit;
    assigning it again moves it (the link records who assigned it and when)."""
    if await tx.repo.unit(cmd.unit_id) is None:
        raise not_found("supervising_unit", cmd.unit_id)
    employer = await tx.repo.employer_by_code(cmd.employer_credit_code)
    if employer is None:
        raise NotFound(
            "employer_not_found", f"No employer with credit code {cmd.employer_credit_code} is registered."
        )
    await tx.repo.assign_employer(
        {
            "employer_id": employer["id"],
            "unit_id": cmd.unit_id,
            "assigned_at": tx.now,
            "assigned_by": cmd.assigned_by,
        }
    )
    row = await tx.repo.unit_employer(employer["id"])
    assert row is not None
    return jurisdiction_out(row)


@dataclass(frozen=True)
class ListJurisdiction:
    caller: Principal
    unit_id: str
    limit: int
    offset: int


async def list_jurisdiction(tx: Tx, cmd: ListJurisdiction) -> JurisdictionPage:
    await _visible_unit(tx, cmd.caller, cmd.unit_id)
    rows, total = await tx.repo.unit_employers(cmd.unit_id, cmd.limit, cmd.offset)
    return JurisdictionPage(
        items=[jurisdiction_out(r) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset
    )


@dataclass(frozen=True)
class CreateUnitAccount:
    unit_id: str
    account: NewAccount
    created_by: str


async def create_unit_account(tx: Tx, cmd: CreateUnitAccount) -> AccountOut:
    """Bureau staff create an account (role ``supervising_unit``) for a unit's staff; it belongs to that
    unit, and its tokens carry the ``supervising_unit`` claim."""
    if await tx.repo.unit(cmd.unit_id) is None:
        raise not_found("supervising_unit", cmd.unit_id)
    try:
        row = await _new_account(
            tx,
            cmd.account,
            role=Role.SUPERVISING_UNIT.value,
            supervising_unit_id=cmd.unit_id,
            created_by=cmd.created_by,
        )
    except IntegrityError:
        raise _username_taken() from None
    return account_out(row)
