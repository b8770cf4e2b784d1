"""Affiliation of an applicant with their employer (隶属关系), confirmed by both sides."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from services.intake.handlers import affiliations as h
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas import AffiliationOut, AffiliationPage, AffiliationRequest

router = APIRouter(tags=["affiliations 隶属关系"], dependencies=SECURED)
AffiliationId = Annotated[
    str, Path(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["aff_7d6c5b4a3f2e1d0c"])
]


@router.post(
    "/v1/affiliations",
    summary="Open an affiliation 发起隶属关系确认",
    status_code=201,
    response_model=AffiliationOut,
    responses=errors(404, 409),
)
async def request_affiliation(ctx: Context, caller: Caller, body: AffiliationRequest) -> AffiliationOut:
    """Seed 004 第五条: the applicant and the employer both confirm the applicant belongs to the employer
    before the applicant declares.

    An applicant names the employer (`employer_credit_code`); an employer administrator names the applicant
    (`applicant_username`). Opening it confirms the caller's side; the other side confirms with
    `POST /v1/affiliations/{id}/confirm`. Asking again for the same pair returns the open affiliation.
    An employer acts only once bureau staff verified it (409 `employer_unverified`). An applicant already
    affiliated elsewhere answers 409 `affiliation_exists`; only the applicant is told with which employer.
    """
    cmd = h.RequestAffiliation(caller, body.employer_credit_code, body.applicant_username)
    return await ctx.run(h.request_affiliation, cmd, actor=caller.subject)


@router.get(
    "/v1/affiliations",
    summary="List affiliations 隶属关系列表",
    response_model=AffiliationPage,
    responses=errors(409),
)
async def list_affiliations(
    ctx: Context,
    caller: Caller,
    status: Annotated[
        Literal["pending_employer", "pending_applicant", "confirmed", "ended"] | None, Query()
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AffiliationPage:
    """Applicants see theirs, employer administrators their employer's (once bureau staff verified the
    employer: 409 `employer_unverified` before), bureau staff all; newest first."""
    cmd = h.ListAffiliations(caller, status, limit, offset)
    return await ctx.run(h.list_affiliations, cmd, actor=caller.subject)


@router.post(
    "/v1/affiliations/{affiliation_id}/confirm",
    summary="Confirm an affiliation 确认隶属关系",
    response_model=AffiliationOut,
    responses=errors(404, 409),
)
async def confirm_affiliation(ctx: Context, caller: Caller, affiliation_id: AffiliationId) -> AffiliationOut:
    """Confirms the caller's side; when both sides have confirmed, the status is `confirmed`."""
    cmd = h.ConfirmAffiliation(caller, affiliation_id)
    return await ctx.run(h.confirm_affiliation, cmd, actor=caller.subject)


@router.post(
    "/v1/affiliations/{affiliation_id}/end",
    summary="End an affiliation 解除隶属关系",
    response_model=AffiliationOut,
    responses=errors(404),
)
async def end_affiliation(ctx: Context, caller: Caller, affiliation_id: AffiliationId) -> AffiliationOut:
    """Either side ends the affiliation (for example when the applicant changes employer). A declaration
    made through it can no longer be submitted."""
    return await ctx.run(h.end_affiliation, h.EndAffiliation(caller, affiliation_id), actor=caller.subject)
