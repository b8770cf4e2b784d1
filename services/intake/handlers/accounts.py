"""Accounts and employers: registration, staff accounts, enabling and disabling, who am I.

Passwords are hashed (argon2, tens of milliseconds of CPU) before the use case's transaction opens:
endpoints build the command with :func:`new_account`, which hashes in a thread; the use case only stores
the hash (issue 12, finding 7: a hash inside a transaction held a pooled connection for its whole length).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.records import AccountView, EmployerRecord
from services.intake.adapters.security import Passwords, new_id
from services.intake.context import Tx
from services.intake.handlers.common import invalid, not_found
from services.intake.schemas import AccountOut, AccountPage, EmployerOut, EmployerRegistered
from shared.api.auth import Principal, Role
from shared.api.errors import ApiError, Conflict, Forbidden
from shared.validation import mask_mobile_number, parse_credit_code


def account_out(row: AccountView) -> AccountOut:
    return AccountOut(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        name=row["name"],
        phone=mask_mobile_number(row["phone"]) if row["phone"] else None,
        employer_credit_code=row["employer_credit_code"],
        department=row["department"],
        district=row["district"],
        supervising_unit_id=row["supervising_unit_id"],
        status=row["status"],
        created_at=row["created_at"],
        locked_until=row["locked_until"],
    )


def employer_out(row: EmployerRecord) -> EmployerOut:
    return EmployerOut(
        id=row["id"],
        name=row["name"],
        credit_code=row["credit_code"],
        tax_registered=row["tax_registered"],
        district=row["district"],
        registered_at=row["registered_at"],
        verified=row["verified_at"] is not None,
        verified_at=row["verified_at"],
    )


def _username_taken(field: str = "username") -> Conflict:
    return Conflict(
        "username_taken",
        "This username is already registered; choose another.",
        [{"field": field, "code": "username_taken", "message": "already registered"}],
    )


@dataclass(frozen=True)
class NewAccount:
    """The person part of every new account; the password already hashed (:func:`new_account`)."""

    username: str
    password_hash: str
    name: str
    phone: str | None = None


async def new_account(
    passwords: Passwords, username: str, password: str, name: str, phone: str | None = None
) -> NewAccount:
    """The person part of a new account, its password hashed off the event loop and outside any
    transaction (call it before ``ctx.run``)."""
    return NewAccount(username, await passwords.hash(password), name, phone)


async def _new_account(
    tx: Tx,
    who: NewAccount,
    *,
    role: str,
    employer_id: str | None = None,
    department: str | None = None,
    district: str | None = None,
    supervising_unit_id: str | None = None,
    created_by: str | None = None,
    field: str = "username",
) -> AccountView:
    if await tx.repo.username_taken(who.username):
        raise _username_taken(field)
    account_id = new_id("acc")
    await tx.repo.insert_account(
        {
            "id": account_id,
            "username": who.username,
            "password_hash": who.password_hash,
            "role": role,
            "name": who.name,
            "phone": who.phone,
            "employer_id": employer_id,
            "department": department,
            "district": district,
            "supervising_unit_id": supervising_unit_id,
            "status": "active",
            "created_at": tx.now,
            "created_by": created_by,
        }
    )
    row = await tx.repo.account(account_id)
    assert row is not None
    return row


# ---- applicants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterApplicant:
    account: NewAccount


async def register_applicant(tx: Tx, cmd: RegisterApplicant) -> AccountOut:
    """An applicant registers themself."""
    try:
        row = await _new_account(tx, cmd.account, role=Role.APPLICANT.value)
    except IntegrityError:
        raise _username_taken() from None
    return account_out(row)


# ---- employers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterEmployer:
    credit_code: str
    name: str
    tax_registered: bool
    district: str | None
    admin: NewAccount


def _check_beijing_employer(credit_code: str, tax_registered: bool) -> None:
    """Seed 004 第五条: the employer is registered in Beijing and registered for tax."""
    code = parse_credit_code(credit_code)
    # Characters 3-8 name the registering authority's division: 11xxxx is Beijing; 100000 is a
    # national-level registration, whose holders are seated in Beijing.
    if not (code.region_code.startswith("11") or code.region_code == "100000"):
        raise invalid(
            "employer.credit_code",
            "credit_code.not_beijing",
            "The employer must be registered in Beijing (credit code characters 3-8 start with 11). "
            "用人单位应在京注册。",
        )
    if not tax_registered:
        raise invalid(
            "employer.tax_registered",
            "employer.tax_registration_required",
            "The employer must be registered for tax in Beijing. 用人单位应在京进行税务登记。",
        )


async def register_employer(tx: Tx, cmd: RegisterEmployer) -> EmployerRegistered:
    """An employer registers itself and its first administrator; it starts unverified (bureau staff
    verify it before its administrators can confirm anything: ``handlers/employers.py``)."""
    _check_beijing_employer(cmd.credit_code, cmd.tax_registered)
    try:
        if await tx.repo.employer_by_code(cmd.credit_code):
            raise Conflict(
                "employer_exists",
                "This employer is already registered; ask its administrator to add you "
                "(POST /v1/employers/me/admins).",
                [
                    {
                        "field": "employer.credit_code",
                        "code": "employer_exists",
                        "message": "already registered",
                    }
                ],
            )
        employer_id = new_id("emp")
        await tx.repo.insert_employer(
            {
                "id": employer_id,
                "credit_code": cmd.credit_code,
                "name": cmd.name,
                "tax_registered": cmd.tax_registered,
                "district": cmd.district,
                "registered_at": tx.now,
                "verified_at": None,  # bureau staff verify it (handlers/employers.py)
                "verified_by": None,
            }
        )
        admin = await _new_account(
            tx, cmd.admin, role=Role.EMPLOYER_ADMIN.value, employer_id=employer_id, field="admin.username"
        )
        employer = await tx.repo.employer(employer_id)
    except IntegrityError:
        raise Conflict("conflict", "The employer or the username was registered meanwhile; retry.") from None
    assert employer is not None
    return EmployerRegistered(employer=employer_out(employer), admin=account_out(admin))


def _not_linked() -> Forbidden:
    return Forbidden("forbidden", "Your account is not linked to an employer.")


async def linked_employer(tx: Tx, caller: Principal) -> EmployerRecord:
    """The employer of the caller's token, if the caller's account still belongs to it and is active: a
    reassigned administrator's access token stays valid for minutes, but acts for nothing (403)."""
    employer_id = str(caller.claims.get("employer_id") or "")
    employer = await tx.repo.employer(employer_id) if employer_id else None
    account = await tx.repo.account(caller.subject) if employer is not None else None
    if employer is None or account is None or account["employer_id"] != employer["id"]:
        raise _not_linked()
    if account["status"] != "active":
        raise Forbidden("forbidden", "Your account is disabled.")
    return employer


@dataclass(frozen=True)
class AddEmployerAdmin:
    caller: Principal
    account: NewAccount


async def add_employer_admin(tx: Tx, cmd: AddEmployerAdmin) -> AccountOut:
    """An employer administrator adds a colleague as a further administrator."""
    employer = await linked_employer(tx, cmd.caller)
    try:
        row = await _new_account(
            tx,
            cmd.account,
            role=Role.EMPLOYER_ADMIN.value,
            employer_id=employer["id"],
            created_by=cmd.caller.subject,
        )
    except IntegrityError:
        raise _username_taken() from None
    return account_out(row)


@dataclass(frozen=True)
class MyEmployer:
    caller: Principal


async def my_employer(tx: Tx, cmd: MyEmployer) -> EmployerOut:
    return employer_out(await linked_employer(tx, cmd.caller))


# ---- staff accounts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateStaffAccount:
    account: NewAccount
    role: str
    department: str | None
    district: str | None
    created_by: str  # the operations administrator, or "bootstrap" (the create-user command)
    supervising_unit_id: str | None = None  # supervising-unit staff: their unit


async def create_staff_account(tx: Tx, cmd: CreateStaffAccount) -> AccountOut:
    if cmd.supervising_unit_id is not None and await tx.repo.unit(cmd.supervising_unit_id) is None:
        raise invalid(
            "supervising_unit_id",
            "supervising_unit_id.unknown",
            f"No supervising unit {cmd.supervising_unit_id}.",
        )
    try:
        row = await _new_account(
            tx,
            cmd.account,
            role=cmd.role,
            department=cmd.department,
            district=cmd.district,
            supervising_unit_id=cmd.supervising_unit_id,
            created_by=cmd.created_by,
        )
    except IntegrityError:
        raise _username_taken() from None
    return account_out(row)


@dataclass(frozen=True)
class ListAccounts:
    role: str | None
    limit: int
    offset: int


async def list_accounts(tx: Tx, cmd: ListAccounts) -> AccountPage:
    rows, total = await tx.repo.list_accounts(cmd.role, cmd.limit, cmd.offset)
    return AccountPage(items=[account_out(r) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset)


@dataclass(frozen=True)
class SetAccountStatus:
    caller: Principal
    account_id: str
    status: str  # "active" or "disabled"


async def set_account_status(tx: Tx, cmd: SetAccountStatus) -> AccountOut:
    if cmd.account_id == cmd.caller.subject and cmd.status == "disabled":
        raise Conflict("cannot_disable_self", "You cannot disable your own account.")
    if await tx.repo.account(cmd.account_id) is None:
        raise not_found("account", cmd.account_id)
    await tx.repo.set_account_status(cmd.account_id, cmd.status)
    if cmd.status == "disabled":
        await tx.repo.revoke_account_refresh_tokens(cmd.account_id, tx.now)
    row = await tx.repo.account(cmd.account_id)
    assert row is not None
    return account_out(row)


@dataclass(frozen=True)
class Me:
    caller: Principal


async def me(tx: Tx, cmd: Me) -> AccountOut:
    """The caller's account; department systems calling with an API key get their key's principal."""
    caller = cmd.caller
    if not caller.subject.startswith("acc_"):
        return AccountOut(
            id=caller.subject,
            username=caller.subject,
            role=sorted(caller.roles)[0],
            name=caller.name or caller.subject,
            department=caller.department,
            status="active",
            created_at=datetime.fromtimestamp(0, tz=tx.now.tzinfo),
        )
    row = await tx.repo.account(caller.subject)
    if row is None:
        raise ApiError(401, "unknown_account", "The account of this token no longer exists.")
    return account_out(row)
