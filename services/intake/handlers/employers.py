"""Employer verification and reassignment (issue 12, finding 1: employer squatting).

Credit codes are public, and registering an employer is open to anyone: the first caller would become the
administrator of a real company and read its employees' declarations. So a new employer starts
**unverified**: bureau staff (or an operations administrator) check its documents and verify it
(``POST /v1/employers/{credit_code}/verification``) before its administrators can confirm affiliations,
confirm or return points declarations, or declare and submit graduate declarations (409
``employer_unverified`` until then; :func:`acting_employer`). A disputed code is **reassigned** by bureau
staff to a new administrator account: the accounts that held it are taken off the employer and disabled
(their refresh tokens revoked), and the employer counts as verified by the reassigning staff member. Both
acts are kept in ``employer_audit`` (who, when, from whom, to whom, why), which is only inserted into.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.records import EmployerAuditRecord, EmployerRecord
from services.intake.adapters.security import new_id
from services.intake.context import Tx
from services.intake.handlers.accounts import (
    NewAccount,
    _new_account,
    _username_taken,
    account_out,
    employer_out,
    linked_employer,
)
from services.intake.handlers.common import not_found
from services.intake.schemas import (
    EmployerAudit,
    EmployerAuditEntry,
    EmployerOut,
    EmployerPage,
    ReassignmentOut,
)
from shared.api.auth import Principal, Role
from shared.api.errors import Conflict


def employer_unverified(employer: EmployerRecord) -> Conflict:
    return Conflict(
        "employer_unverified",
        f"Employer {employer['name']} ({employer['credit_code']}) is not verified yet: bureau staff check "
        "a newly registered employer's documents before its administrators can confirm affiliations or "
        "declarations. 用人单位尚未经市人力社保局核验，暂不能确认隶属关系或申报。",
        [{"field": None, "code": "employer_unverified", "message": employer["credit_code"]}],
    )


async def acting_employer(tx: Tx, caller: Principal) -> EmployerRecord:
    """The verified employer an employer administrator acts for: 403 when the token names none or the
    account no longer belongs to it (reassigned: its access token may still be valid for minutes), 409
    ``employer_unverified`` when bureau staff have not verified it yet."""
    employer = await linked_employer(tx, caller)
    if employer["verified_at"] is None:
        raise employer_unverified(employer)
    return employer


def _entry(row: EmployerAuditRecord) -> EmployerAuditEntry:
    return EmployerAuditEntry(
        action=row["action"],
        at=row["at"],
        actor=row["actor"],
        reason=row["reason"],
        from_accounts=row["from_accounts"],
        to_account=row["to_account"],
    )


async def _employer(tx: Tx, credit_code: str, *, for_update: bool = False) -> EmployerRecord:
    row = await tx.repo.employer_by_code(credit_code, for_update=for_update)
    if row is None:
        raise not_found("employer", credit_code)
    return row


@dataclass(frozen=True)
class VerifyEmployer:
    credit_code: str
    note: str | None


async def verify_employer(tx: Tx, cmd: VerifyEmployer) -> EmployerOut:
    """Bureau staff verify an employer (once; verifying again answers the same employer)."""
    employer = await _employer(tx, cmd.credit_code, for_update=True)
    if employer["verified_at"] is None:
        await tx.repo.set_employer_verified(employer["id"], tx.now, tx.actor)
        await tx.repo.insert_employer_audit(
            {
                "id": new_id("eau"),
                "employer_id": employer["id"],
                "action": "verified",
                "at": tx.now,
                "actor": tx.actor,
                "reason": cmd.note,
                "from_accounts": [],
                "to_account": None,
            }
        )
        employer = await _employer(tx, cmd.credit_code)
    return employer_out(employer)


@dataclass(frozen=True)
class ReassignEmployer:
    credit_code: str
    reason: str
    admin: NewAccount


async def reassign_employer(tx: Tx, cmd: ReassignEmployer) -> ReassignmentOut:
    """Bureau staff give a disputed credit code to a new administrator account: the accounts that held it
    lose it and are disabled, their refresh tokens revoked; the employer is verified by the staff member
    (they checked the documents); the audit keeps who, when, from whom, to whom and why."""
    employer = await _employer(tx, cmd.credit_code, for_update=True)
    previous = await tx.repo.employer_admins(employer["id"])
    await tx.repo.detach_employer_admins(employer["id"])
    for account in previous:
        await tx.repo.revoke_account_refresh_tokens(account["id"], tx.now)
    try:
        admin = await _new_account(
            tx,
            cmd.admin,
            role=Role.EMPLOYER_ADMIN.value,
            employer_id=employer["id"],
            created_by=tx.actor,
            field="admin.username",
        )
    except IntegrityError:
        raise _username_taken("admin.username") from None
    if employer["verified_at"] is None:
        await tx.repo.set_employer_verified(employer["id"], tx.now, tx.actor)
    record: EmployerAuditRecord = {
        "id": new_id("eau"),
        "employer_id": employer["id"],
        "action": "reassigned",
        "at": tx.now,
        "actor": tx.actor,
        "reason": cmd.reason,
        "from_accounts": [{"id": a["id"], "username": a["username"]} for a in previous],
        "to_account": admin["id"],
    }
    await tx.repo.insert_employer_audit(record)
    employer = await _employer(tx, cmd.credit_code)
    return ReassignmentOut(employer=employer_out(employer), admin=account_out(admin), entry=_entry(record))


@dataclass(frozen=True)
class EmployerHistory:
    credit_code: str


async def employer_history(tx: Tx, cmd: EmployerHistory) -> EmployerAudit:
    """The employer and its audit: every verification and reassignment, oldest first."""
    employer = await _employer(tx, cmd.credit_code)
    rows = await tx.repo.employer_audit(employer["id"])
    return EmployerAudit(employer=employer_out(employer), entries=[_entry(r) for r in rows])


@dataclass(frozen=True)
class ListEmployers:
    verified: bool | None
    limit: int
    offset: int


async def list_employers(tx: Tx, cmd: ListEmployers) -> EmployerPage:
    """Registered employers, oldest first; ``verified=false`` is the bureau's queue."""
    rows, total = await tx.repo.list_employers(cmd.verified, cmd.limit, cmd.offset)
    return EmployerPage(
        items=[employer_out(r) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset
    )
