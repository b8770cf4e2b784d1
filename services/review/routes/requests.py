"""复查 rechecks and 申诉 appeals: filed by the applicant for their own application or by bureau staff
on their behalf, decided by bureau staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.review.handlers import requests as h
from services.review.routes.common import (
    CONFLICT,
    ID_PATTERN,
    MAX_ID,
    NOT_FOUND,
    Limit,
    Offset,
    context,
    own_only,
)
from services.review.schemas import ReviewDecisionIn, ReviewRequestIn, ReviewRequestOut, ReviewRequestPage
from shared.service import principal_of

router = APIRouter(tags=["recheck & appeal 复查申诉"])
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "/v1/review-requests",
    response_model=ReviewRequestOut,
    status_code=201,
    summary="File a recheck or appeal 申请复查或申诉",
    responses={**NOT_FOUND, **CONFLICT},
)
async def create_review_request(request: Request, body: ReviewRequestIn) -> ReviewRequestOut:
    """Request a recheck (复查, declaration phase) or an appeal (申诉, results-query phase; points
    policy, seed 004 第八条) of the own-home, innovation or honours result.

    An **applicant** files it for their own application (the account that submitted it); any other
    application answers 404, as an unknown one would. **Bureau staff** file it on an applicant's behalf
    (at the counter, or for an application submitted before intake sent the applicant's account).
    Either way: once per application, kind and item (409 `already_requested`); out of phase: 409
    `out_of_phase` naming the current phase and its dates; before a first verification result: 409
    `not_verified_yet`. Bureau staff then decide it (`POST /v1/review-requests/{id}/decision`)."""
    principal = principal_of(request)
    row = await context(request).run(
        h.file_request,
        h.FileRequest(body.application_id, body.kind, body.item, body.reason, own_only(principal)),
        actor=principal.subject,
    )
    return ReviewRequestOut.model_validate(row)


@router.get(
    "/v1/review-requests", response_model=ReviewRequestPage, summary="Rechecks and appeals 复查申诉列表"
)
async def list_review_requests(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    status: Annotated[str | None, Query(pattern="^(open|decided)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(recheck|appeal)$")] = None,
    round_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    application_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> ReviewRequestPage:
    """Recheck and appeal requests, oldest first, with their decisions once made (`outcome`, `note`,
    `decided_at`, and `facts_revision` when a changed result was emitted). Bureau staff see every request
    (to decide the open ones); an applicant sees only the requests of their own applications."""
    principal = principal_of(request)
    page = await context(request).run(
        h.list_requests,
        h.ListRequests(status, kind, round_id, application_id, limit, offset, own_only(principal)),
        actor=principal.subject,
    )
    return ReviewRequestPage(
        items=[ReviewRequestOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/review-requests/{request_id}",
    response_model=ReviewRequestOut,
    summary="One recheck or appeal and its decision 复查申诉详情及结论",
    responses=NOT_FOUND,
)
async def get_review_request(request: Request, request_id: RequestId) -> ReviewRequestOut:
    """The request and, once bureau staff decided it, the decision: `unchanged` (the result stands) or
    `changed` (the new value, and the `verification.completed` revision that carried it to scoring).
    An applicant reaches only the requests of their own applications (404 otherwise)."""
    principal = principal_of(request)
    row = await context(request).run(
        h.get_request, h.GetRequest(request_id, own_only(principal)), actor=principal.subject
    )
    return ReviewRequestOut.model_validate(row)


@router.post(
    "/v1/review-requests/{request_id}/decision",
    response_model=ReviewRequestOut,
    summary="Decide a recheck or appeal 录入复查申诉结论",
    responses={**NOT_FOUND, **CONFLICT},
)
async def decide_review_request(
    request: Request, request_id: RequestId, body: ReviewDecisionIn
) -> ReviewRequestOut:
    """`unchanged` keeps the result; `changed` replaces it with `value` and emits a new
    `verification.completed` revision in the same transaction (the scoring service rescores it)."""
    row = await context(request).run(
        h.decide_request,
        h.DecideRequest(request_id, body.outcome, body.value, body.reviewer, body.note),
        actor=principal_of(request).subject,
    )
    return ReviewRequestOut.model_validate(row)
