"""The bureau's side of employers: the verification queue, verifying, reassigning a disputed credit code,
and each employer's audit (issue 12, finding 1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from services.intake.handlers import employers as h
from services.intake.handlers.accounts import new_account
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas import (
    EmployerAudit,
    EmployerOut,
    EmployerPage,
    ReassignmentIn,
    ReassignmentOut,
    VerificationIn,
)

router = APIRouter(tags=["employers 用人单位"], dependencies=SECURED)
CreditCodePath = Annotated[
    str, Path(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$", examples=["91110000600037341L"])
]


@router.get(
    "/v1/employers",
    summary="List employers (the verification queue) 用人单位列表（待核验）",
    response_model=EmployerPage,
)
async def list_employers(
    ctx: Context,
    caller: Caller,
    verified: Annotated[
        bool | None, Query(description="`false`: the employers waiting for verification.")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> EmployerPage:
    """Registered employers, oldest first, paginated; `verified=false` lists those bureau staff have not
    verified yet."""
    return await ctx.run(h.list_employers, h.ListEmployers(verified, limit, offset), actor=caller.subject)


@router.post(
    "/v1/employers/{credit_code}/verification",
    summary="Verify an employer 核验用人单位",
    response_model=EmployerOut,
    responses=errors(404),
)
async def verify_employer(
    ctx: Context,
    caller: Caller,
    credit_code: CreditCodePath,
    body: Annotated[VerificationIn | None, Body(examples=[{"note": "营业执照原件已核验。"}])] = None,
) -> EmployerOut:
    """Bureau staff (or an operations administrator) verify a registered employer after checking its
    documents (business licence, the administrator's authorisation). Until then its administrators cannot
    open or confirm affiliations, confirm or return declarations, or declare graduates (409
    `employer_unverified`). Who verified and when are kept in the employer's audit. Verifying a verified
    employer changes nothing. The body (`note`) is optional.
    用人单位注册后须经市人力社保局核验，方可确认隶属关系和申报。"""
    cmd = h.VerifyEmployer(credit_code, body.note if body else None)
    return await ctx.run(h.verify_employer, cmd, actor=caller.subject)


@router.post(
    "/v1/employers/{credit_code}/reassignment",
    summary="Reassign a disputed credit code 用人单位管理权变更",
    response_model=ReassignmentOut,
    responses=errors(404, 409),
)
async def reassign_employer(
    ctx: Context, caller: Caller, credit_code: CreditCodePath, body: ReassignmentIn
) -> ReassignmentOut:
    """When an employer's credit code was registered by someone else (credit codes are public), bureau
    staff give it to a new administrator account for the person the employer's documents authorise. The
    accounts that administered it are taken off the employer and disabled (their logins revoked); the
    employer is verified by the reassigning staff member; the audit keeps who, when, from whom, to whom and
    why. 统一社会信用代码被他人冒用注册时，由工作人员核验后变更管理员。"""
    a = body.admin
    who = await new_account(ctx.runtime.passwords, a.username, a.password, a.name, a.phone)
    cmd = h.ReassignEmployer(credit_code, body.reason, who)
    return await ctx.run(h.reassign_employer, cmd, actor=caller.subject)


@router.get(
    "/v1/employers/{credit_code}/audit",
    summary="An employer's verification and reassignment record 用人单位核验与变更记录",
    response_model=EmployerAudit,
    responses=errors(404),
)
async def employer_audit(ctx: Context, caller: Caller, credit_code: CreditCodePath) -> EmployerAudit:
    """Every verification and reassignment of the employer, oldest first: who, when, from whom, to whom,
    why."""
    return await ctx.run(h.employer_history, h.EmployerHistory(credit_code), actor=caller.subject)
