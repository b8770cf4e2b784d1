"""Verification status and evidence, and retries of applications waiting for a department."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.review.handlers import verification as h
from services.review.routes.common import CONFLICT, ID_PATTERN, NOT_FOUND, Limit, Offset, context
from services.review.schemas import (
    ApplicationIdPath,
    EvidenceOut,
    EvidencePage,
    FactsRevisionOut,
    ItemOut,
    OnsiteTaskOut,
    RetryIn,
    RetryOut,
    ReviewRequestOut,
    VerificationDetail,
    VerificationPage,
    VerificationSummary,
)
from shared.service import principal_of

router = APIRouter(tags=["verification 核验"])


@router.get("/v1/verifications", response_model=VerificationPage, summary="List verifications 核验列表")
async def list_verifications(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    status: Annotated[
        str | None, Query(pattern="^(pending|pending_department|onsite_review|completed)$")
    ] = None,
    round_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    department: Annotated[
        str | None, Query(pattern="^(social_insurance|tax|police|housing)$", description="Waiting for it")
    ] = None,
) -> VerificationPage:
    """Applications and where their verification stands, oldest submission first. Filter
    `status=pending_department` (and `department=`) to see the applications waiting for a department:
    they are retried automatically; `POST /v1/verifications/retry` makes them due at once."""
    page = await context(request).run(
        h.list_verifications,
        h.ListVerifications(status, round_id, department, limit, offset),
        actor=principal_of(request).subject,
    )
    return VerificationPage(
        items=[VerificationSummary.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/verifications/{application_id}",
    response_model=VerificationDetail,
    summary="One verification 核验详情",
    responses=NOT_FOUND,
)
async def get_verification(
    request: Request, application_id: Annotated[ApplicationIdPath, Path()]
) -> VerificationDetail:
    """The application's verification: the status and note of every item, on-site tasks, rechecks and
    appeals, every revision of verified facts emitted, and the latest verified facts."""
    view = await context(request).run(
        h.get_verification, h.GetVerification(application_id), actor=principal_of(request).subject
    )
    return VerificationDetail(
        **VerificationSummary.model_validate(view.application).model_dump(),
        items=[ItemOut.model_validate(r) for r in view.items],
        onsite_tasks=[OnsiteTaskOut.model_validate(t) for t in view.tasks],
        review_requests=[ReviewRequestOut.model_validate(r) for r in view.requests],
        facts_revisions=[FactsRevisionOut.model_validate(r) for r in view.history],
        facts=view.facts,
    )


@router.get(
    "/v1/verifications/{application_id}/evidence",
    response_model=EvidencePage,
    summary="Evidence of department checks 核验证据",
)
async def list_evidence(
    request: Request,
    application_id: Annotated[ApplicationIdPath, Path()],
    limit: Limit = 50,
    offset: Offset = 0,
) -> EvidencePage:
    """Every check made with a department for this application, newest first, answered or not: request
    and response digests (HMAC-SHA256), request id, times, attempts, HTTP status and adapter version."""
    page = await context(request).run(
        h.list_evidence, h.ListEvidence(application_id, limit, offset), actor=principal_of(request).subject
    )
    return EvidencePage(
        items=[EvidenceOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/v1/verifications/{application_id}/retry",
    response_model=RetryOut,
    summary="Retry one waiting application 立即重试",
    responses={**NOT_FOUND, **CONFLICT},
)
async def retry_one(request: Request, application_id: Annotated[ApplicationIdPath, Path()]) -> RetryOut:
    """Ask the departments that have not answered again, now, instead of at the next automatic retry."""
    n = await context(request).run(
        h.retry_one, h.RetryOne(application_id), actor=principal_of(request).subject
    )
    return RetryOut(scheduled=n)


@router.post(
    "/v1/verifications/retry", response_model=RetryOut, summary="Retry all waiting applications 批量重试"
)
async def retry_waiting(request: Request, body: RetryIn) -> RetryOut:
    """Make every application waiting for a department (optionally one department, one round) due now."""
    n = await context(request).run(
        h.retry_waiting, h.RetryWaiting(body.round_id, body.department), actor=principal_of(request).subject
    )
    return RetryOut(scheduled=n)
