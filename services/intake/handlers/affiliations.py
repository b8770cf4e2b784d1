"""Affiliation of an applicant with the employer that pays their social insurance (seed 004 第五条):
"申请人和用人单位应登录系统，确认申请人与单位的隶属关系。确认完成后，申请人可填报提交个人积分指标信息。"

Either side opens it (which confirms their own side); the other side confirms. An applicant has at most
one affiliation that is not ended; to change employer they end it first.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from services.intake.adapters.repository import IntakeRepository, Row
from services.intake.adapters.security import new_id
from services.intake.handlers.common import invalid, not_found
from services.intake.schemas import AffiliationOut, AffiliationPage, AffiliationRequest
from shared.api.auth import Principal, Role
from shared.api.errors import ApiError
from shared.service import ServiceContext


def affiliation_out(row: Row) -> AffiliationOut:
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


def _is_party(principal: Principal, row: Row) -> bool:
    if principal.has(Role.APPLICANT) and row["applicant_id"] == principal.subject:
        return True
    return principal.has(Role.EMPLOYER_ADMIN) and row["employer_id"] == principal.claims.get("employer_id")


async def request_affiliation(
    ctx: ServiceContext, principal: Principal, body: AffiliationRequest
) -> AffiliationOut:
    now = ctx.clock.now()
    try:
        async with ctx.session_factory() as s, s.begin():
            repo = IntakeRepository(s)
            if principal.has(Role.APPLICANT):
                if body.employer_credit_code is None:
                    raise invalid("employer_credit_code", "missing", "Name your employer by its credit code.")
                employer = await repo.employer_by_code(body.employer_credit_code)
                if employer is None:
                    raise ApiError(
                        404,
                        "employer_not_registered",
                        "No employer with this credit code is registered; your employer registers first.",
                    )
                applicant_id, employer_id = principal.subject, employer["id"]
                status, side = "pending_employer", {"applicant_confirmed_at": now}
            else:
                employer_id = str(principal.claims.get("employer_id") or "")
                if not employer_id:
                    raise ApiError(403, "forbidden", "Your account is not linked to an employer.")
                if body.applicant_username is None:
                    raise invalid("applicant_username", "missing", "Name the applicant by their username.")
                applicant = await repo.account_by_username(body.applicant_username)
                if applicant is None or applicant["role"] != Role.APPLICANT.value:
                    raise not_found("applicant", body.applicant_username)
                applicant_id = applicant["id"]
                status, side = "pending_applicant", {"employer_confirmed_at": now}
            live = await repo.live_affiliation(applicant_id)
            if live is not None:
                if live["employer_id"] == employer_id:
                    return affiliation_out(live)  # asked again: the same affiliation
                raise ApiError(
                    409,
                    "affiliation_exists",
                    f"The applicant is already affiliated with {live['employer_name']} ({live['status']}); "
                    "end that affiliation first.",
                )
            affiliation_id = new_id("aff")
            await repo.insert_affiliation(
                {
                    "id": affiliation_id,
                    "applicant_id": applicant_id,
                    "employer_id": employer_id,
                    "status": status,
                    "created_at": now,
                    **side,
                }
            )
            row = await repo.affiliation(affiliation_id)
    except IntegrityError:
        raise ApiError(
            409, "affiliation_exists", "An affiliation was opened meanwhile; list yours."
        ) from None
    assert row is not None
    return affiliation_out(row)


async def confirm_affiliation(
    ctx: ServiceContext, principal: Principal, affiliation_id: str
) -> AffiliationOut:
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row = await repo.affiliation(affiliation_id, for_update=True)
        if row is None or not _is_party(principal, row):
            raise not_found("affiliation", affiliation_id)
        if row["status"] == "ended":
            raise ApiError(409, "affiliation_ended", "This affiliation has ended; open a new one.")
        values = dict(row)
        if principal.has(Role.APPLICANT):
            values["applicant_confirmed_at"] = values["applicant_confirmed_at"] or now
        else:
            values["employer_confirmed_at"] = values["employer_confirmed_at"] or now
        if values["applicant_confirmed_at"] and values["employer_confirmed_at"]:
            status = "confirmed"
        elif values["applicant_confirmed_at"]:
            status = "pending_employer"
        else:
            status = "pending_applicant"
        await repo.update_affiliation(
            affiliation_id,
            status=status,
            applicant_confirmed_at=values["applicant_confirmed_at"],
            employer_confirmed_at=values["employer_confirmed_at"],
        )
        row = await repo.affiliation(affiliation_id)
    assert row is not None
    return affiliation_out(row)


async def end_affiliation(ctx: ServiceContext, principal: Principal, affiliation_id: str) -> AffiliationOut:
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row = await repo.affiliation(affiliation_id, for_update=True)
        if row is None or not _is_party(principal, row):
            raise not_found("affiliation", affiliation_id)
        if row["status"] != "ended":
            await repo.update_affiliation(affiliation_id, status="ended", ended_at=ctx.clock.now())
        row = await repo.affiliation(affiliation_id)
    assert row is not None
    return affiliation_out(row)


async def list_affiliations(
    ctx: ServiceContext, principal: Principal, status: str | None, limit: int, offset: int
) -> AffiliationPage:
    applicant_id = employer_id = None
    if principal.has(Role.APPLICANT):
        applicant_id = principal.subject
    elif principal.has(Role.EMPLOYER_ADMIN):
        employer_id = str(principal.claims.get("employer_id") or "-")
    async with ctx.session_factory() as s:
        rows, total = await IntakeRepository(s).list_affiliations(
            applicant_id=applicant_id, employer_id=employer_id, status=status, limit=limit, offset=offset
        )
    return AffiliationPage(items=[affiliation_out(r) for r in rows], total=total, limit=limit, offset=offset)
