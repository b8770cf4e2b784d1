"""Affiliation of an applicant with the employer that pays their social insurance (seed 004 第五条):
"申请人和用人单位应登录系统，确认申请人与单位的隶属关系。确认完成后，申请人可填报提交个人积分指标信息。"

Either side opens it (which confirms their own side); the other side confirms. An applicant has at most
one affiliation that is not ended; to change employer they end it first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.records import AffiliationView
from services.intake.adapters.security import new_id
from services.intake.context import Tx
from services.intake.handlers.accounts import linked_employer
from services.intake.handlers.common import invalid, not_found
from services.intake.handlers.employers import acting_employer
from services.intake.schemas import AffiliationOut, AffiliationPage
from shared.api.auth import Principal, Role
from shared.api.errors import Conflict, NotFound


def affiliation_out(row: AffiliationView) -> AffiliationOut:
    return AffiliationOut(
        id=row["id"],
        applicant_id=row["applicant_id"],
        applicant_name=row["applicant_name"],
        employer_id=row["employer_id"],
        employer_name=row["employer_name"],
        employer_credit_code=row["employer_credit_code"],
        status=row["status"],
        applicant_confirmed_at=row["applicant_confirmed_at"],
        employer_confirmed_at=row["employer_confirmed_at"],
        ended_at=row["ended_at"],
    )


def _is_party(principal: Principal, row: AffiliationView) -> bool:
    if principal.has(Role.APPLICANT) and row["applicant_id"] == principal.subject:
        return True
    return principal.has(Role.EMPLOYER_ADMIN) and row["employer_id"] == principal.claims.get("employer_id")


def _already_affiliated(caller: Principal, live: AffiliationView) -> Conflict:
    """The applicant has a live affiliation with another employer. The applicant is told which; an employer
    is not (issue 12, finding 8: the 409 named the other employer to anyone who knew a username)."""
    if caller.has(Role.APPLICANT):
        return Conflict(
            "affiliation_exists",
            f"You are already affiliated with {live['employer_name']} ({live['status']}); "
            "end that affiliation first.",
        )
    return Conflict(
        "affiliation_exists",
        "This applicant already has an affiliation with another employer; the applicant must end it "
        "before your employer can open one. 该申请人已与其他单位存在隶属关系。",
    )


@dataclass(frozen=True)
class RequestAffiliation:
    caller: Principal
    employer_credit_code: str | None  # an applicant names the employer
    applicant_username: str | None  # an employer administrator names the applicant


async def request_affiliation(tx: Tx, cmd: RequestAffiliation) -> AffiliationOut:
    now, caller = tx.now, cmd.caller
    try:
        if caller.has(Role.APPLICANT):
            if cmd.employer_credit_code is None:
                raise invalid("employer_credit_code", "missing", "Name your employer by its credit code.")
            employer = await tx.repo.employer_by_code(cmd.employer_credit_code)
            if employer is None:
                raise NotFound(
                    "employer_not_registered",
                    "No employer with this credit code is registered; your employer registers first.",
                )
            applicant_id, employer_id = caller.subject, employer["id"]
            status = "pending_employer"
            applicant_confirmed_at, employer_confirmed_at = now, None
        else:
            employer_id = (await acting_employer(tx, caller))["id"]  # 403, or 409 employer_unverified
            if cmd.applicant_username is None:
                raise invalid("applicant_username", "missing", "Name the applicant by their username.")
            applicant = await tx.repo.account_by_username(cmd.applicant_username)
            if applicant is None or applicant["role"] != Role.APPLICANT.value:
                raise not_found("applicant", cmd.applicant_username)
            applicant_id = applicant["id"]
            status = "pending_applicant"
            applicant_confirmed_at, employer_confirmed_at = None, now
        live = await tx.repo.live_affiliation(applicant_id)
        if live is not None:
            if live["employer_id"] == employer_id:
                return affiliation_out(live)  # asked again: the same affiliation
            raise _already_affiliated(caller, live)
        affiliation_id = new_id("aff")
        await tx.repo.insert_affiliation(
            {
                "id": affiliation_id,
                "applicant_id": applicant_id,
                "employer_id": employer_id,
                "status": status,
                "applicant_confirmed_at": applicant_confirmed_at,
                "employer_confirmed_at": employer_confirmed_at,
                "ended_at": None,
                "created_at": now,
            }
        )
        row = await tx.repo.affiliation(affiliation_id)
    except IntegrityError:
        raise Conflict("affiliation_exists", "An affiliation was opened meanwhile; list yours.") from None
    assert row is not None
    return affiliation_out(row)


@dataclass(frozen=True)
class ConfirmAffiliation:
    caller: Principal
    affiliation_id: str


async def confirm_affiliation(tx: Tx, cmd: ConfirmAffiliation) -> AffiliationOut:
    row = await tx.repo.affiliation(cmd.affiliation_id, for_update=True)
    if row is None or not _is_party(cmd.caller, row):
        raise not_found("affiliation", cmd.affiliation_id)
    if row["status"] == "ended":
        raise Conflict("affiliation_ended", "This affiliation has ended; open a new one.")
    applicant_at, employer_at = row["applicant_confirmed_at"], row["employer_confirmed_at"]
    if cmd.caller.has(Role.APPLICANT):
        applicant_at = applicant_at or tx.now
    else:
        await acting_employer(tx, cmd.caller)  # 403, or 409 employer_unverified
        employer_at = employer_at or tx.now
    if applicant_at and employer_at:
        status = "confirmed"
    elif applicant_at:
        status = "pending_employer"
    else:
        status = "pending_applicant"
    await tx.repo.update_affiliation(
        cmd.affiliation_id,
        status=status,
        applicant_confirmed_at=applicant_at,
        employer_confirmed_at=employer_at,
    )
    updated = await tx.repo.affiliation(cmd.affiliation_id)
    assert updated is not None
    return affiliation_out(updated)


@dataclass(frozen=True)
class EndAffiliation:
    caller: Principal
    affiliation_id: str


async def end_affiliation(tx: Tx, cmd: EndAffiliation) -> AffiliationOut:
    row = await tx.repo.affiliation(cmd.affiliation_id, for_update=True)
    if row is None or not _is_party(cmd.caller, row):
        raise not_found("affiliation", cmd.affiliation_id)
    if not cmd.caller.has(Role.APPLICANT):
        await linked_employer(tx, cmd.caller)  # 403 for a reassigned administrator
    if row["status"] != "ended":
        await tx.repo.update_affiliation(cmd.affiliation_id, status="ended", ended_at=tx.now)
    updated = await tx.repo.affiliation(cmd.affiliation_id)
    assert updated is not None
    return affiliation_out(updated)


@dataclass(frozen=True)
class ListAffiliations:
    caller: Principal
    status: str | None
    limit: int
    offset: int


async def list_affiliations(tx: Tx, cmd: ListAffiliations) -> AffiliationPage:
    applicant_id = employer_id = None
    if cmd.caller.has(Role.APPLICANT):
        applicant_id = cmd.caller.subject
    elif cmd.caller.has(Role.EMPLOYER_ADMIN):
        # Who asked to be affiliated is not shown to an employer before bureau staff verified it.
        employer_id = (await acting_employer(tx, cmd.caller))["id"]
    rows, total = await tx.repo.list_affiliations(
        applicant_id=applicant_id,
        employer_id=employer_id,
        status=cmd.status,
        limit=cmd.limit,
        offset=cmd.offset,
    )
    return AffiliationPage(
        items=[affiliation_out(r) for r in rows], total=total, limit=cmd.limit, offset=cmd.offset
    )
