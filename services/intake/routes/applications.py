"""Declarations, their submission and the applicant's view."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query

from services.intake.handlers import applications as h
from services.intake.handlers import case as c
from services.intake.routes.deps import SECURED, ApplicationId, Caller, Context, Limit, Offset, errors
from services.intake.schemas import (
    ApplicationOut,
    ApplicationPage,
    DeclarationIn,
    DeclarationUpdate,
    EmployerDecision,
    EmployerReturn,
    SubmitOut,
    Timeline,
)

router = APIRouter(dependencies=SECURED)
TAG = "applications 积分申报"
StatusFilter = Literal[
    "draft", "submitted", "verified", "scored", "ranked", "cleared", "disqualified", "held", "letter_issued",
    "letter_revoked", "lapsed", "cancelled",
]  # fmt: skip
DeclarationStatusFilter = Literal["draft", "employer_confirmed", "returned", "submitted"]
PhaseFilter = Literal[
    "declaration", "review_summary", "results_query", "recheck_and_ranking", "publicity", "settlement",
    "not_started", "between_phases", "closed",
]  # fmt: skip


@router.post(
    "/v1/applications",
    tags=[TAG],
    summary="Declare 填报积分申报",
    status_code=201,
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def declare(ctx: Context, caller: Caller, body: DeclarationIn) -> ApplicationOut:
    """The applicant declares for a round: identity (name, ID number, mobile) and the facts in the shape of
    `contracts/points-facts.schema.json`.

    Needs the declaration phase (409 otherwise, naming the phase and its dates), a confirmed affiliation
    with the employer, no live bad-conduct record of the person or the employer (the message says until
    when), and no other application of this person or account in the round. Birth date and sex must
    agree with the ID number; `application_year` is the round's year. Every invalid field is reported
    (422, a code and a message per field). The ID number is stored encrypted and shown masked.
    The declaration starts as a draft (version 1): the employer confirms it, then the applicant submits.
    """
    cmd = h.Declare(caller, body.round_id, body.identity, body.facts)
    return await ctx.run(h.declare, cmd, actor=caller.subject)


@router.get(
    "/v1/applications", tags=[TAG], summary="List applications 申报列表", response_model=ApplicationPage
)
async def list_applications(
    ctx: Context,
    caller: Caller,
    round_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
    phase: Annotated[PhaseFilter | None, Query(description="Rounds currently in this phase.")] = None,
    status: Annotated[StatusFilter | None, Query()] = None,
    declaration_status: Annotated[DeclarationStatusFilter | None, Query()] = None,
    employer: Annotated[
        str | None,
        Query(max_length=18, pattern=r"^[0-9A-Z]+$", description="Employer credit code (staff only)."),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ApplicationPage:
    """Paginated, newest first. Applicants see their own, employer administrators their employer's, bureau
    staff every application, filterable by round, the round's current phase, case status, declaration
    status and employer."""
    cmd = c.ListApplications(
        caller,
        round_id=round_id,
        phase=phase,
        status=status,
        declaration_status=declaration_status,
        employer=employer,
        limit=limit,
        offset=offset,
    )
    return await ctx.run(c.list_applications, cmd, actor=caller.subject)


@router.get(
    "/v1/applications/{application_id}",
    tags=[TAG],
    summary="An application and where it stands 申报详情",
    response_model=ApplicationOut,
    responses=errors(404),
)
async def get_application(ctx: Context, caller: Caller, application_id: ApplicationId) -> ApplicationOut:
    """The declaration with its verification statuses per indicator, score and explanations, rank and
    admission, publicity outcome, letters and materials, as the caller's role may see them: the applicant
    and bureau staff everything (ID number masked), the employer without reviewers' notes, publicity
    reasons or letter serial numbers, and the phone masked."""
    cmd = c.GetApplication(caller, application_id)
    return await ctx.run(c.get_application, cmd, actor=caller.subject)


@router.put(
    "/v1/applications/{application_id}",
    tags=[TAG],
    summary="Edit a declaration 修改申报信息",
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def edit(
    ctx: Context, caller: Caller, application_id: ApplicationId, body: DeclarationUpdate
) -> ApplicationOut:
    """Seed 004 第五条: during the declaration phase the applicant may change what they declared. The whole
    declaration is replaced and its version goes up; the employer must confirm the new version, and a
    declaration already submitted must be submitted again (a new revision)."""
    cmd = h.EditDeclaration(caller, application_id, body.identity, body.facts, body.version)
    return await ctx.run(h.edit, cmd, actor=caller.subject)


@router.post(
    "/v1/applications/{application_id}/employer-confirmation",
    tags=[TAG],
    summary="Employer confirms a declaration 单位确认申报信息",
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def employer_confirm(
    ctx: Context, caller: Caller, application_id: ApplicationId, body: EmployerDecision
) -> ApplicationOut:
    """An administrator of the applicant's employer confirms the declaration version they reviewed
    (409 if it changed meanwhile). Declaration phase only."""
    cmd = h.ConfirmDeclaration(caller, application_id, body.version)
    return await ctx.run(h.employer_confirm, cmd, actor=caller.subject)


@router.post(
    "/v1/applications/{application_id}/employer-return",
    tags=[TAG],
    summary="Employer returns a declaration for correction 单位退回修改",
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def employer_return(
    ctx: Context, caller: Caller, application_id: ApplicationId, body: EmployerReturn
) -> ApplicationOut:
    """The employer sends the declaration back with a reason; the applicant sees it and edits."""
    cmd = h.ReturnDeclaration(caller, application_id, body.version, body.reason)
    return await ctx.run(h.employer_return, cmd, actor=caller.subject)


@router.post(
    "/v1/applications/{application_id}/submit",
    tags=[TAG],
    summary="Submit a declaration 提交申报",
    response_model=SubmitOut,
    responses=errors(404, 409),
)
async def submit(
    ctx: Context,
    caller: Caller,
    application_id: ApplicationId,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="A unique key per submission attempt (e.g. a UUID). Retrying with the same key "
            "returns the first answer and never submits twice.",
            examples=["6f1c2a9e-4b7d-4c1e-9a35-0d2f3b8e7c11"],
        ),
    ],
) -> SubmitOut:
    """Submits the employer-confirmed declaration: revision 1, then 2, … after each edit. Emits
    `application.submitted` (to review and publicity) with the ID number encrypted. Declaration phase
    only; the affiliation must still be confirmed and no bad-conduct record live."""
    cmd = h.Submit(caller, application_id, idempotency_key)
    return await ctx.run(h.submit, cmd, actor=caller.subject)


@router.get(
    "/v1/applications/{application_id}/timeline",
    tags=[TAG],
    summary="What happened when 办理进度",
    response_model=Timeline,
    responses=errors(404),
)
async def timeline(ctx: Context, caller: Caller, application_id: ApplicationId) -> Timeline:
    """Every step of the case in time order: declaration, employer confirmation, submissions, verification
    per indicator, score, ranking, publicity, letters, and the round's phase changes; each as the caller's
    role may see it."""
    cmd = c.GetTimeline(caller, application_id)
    return await ctx.run(c.get_timeline, cmd, actor=caller.subject)
