"""HTTP API of the review service: verification status and evidence, retries of waiting applications,
on-site review tasks, rechecks and appeals (filed by the applicant for their own application or by bureau
staff on their behalf, decided by bureau staff), and partner department pushes (API key).

``PERMISSIONS`` is the service's single role × endpoint table; a route missing from it is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, TypeAdapter, ValidationError

from services.review.adapters import repository as repo
from services.review.config import Settings
from services.review.domain.callbacks import callback_url_problem
from services.review.domain.model import ITEMS
from services.review.facts_model import dump
from services.review.handlers import accept_submission, decide_onsite, decide_request, file_request
from services.review.schemas import (
    ONSITE_VALUE,
    REVIEW_VALUE,
    ApplicationIdPath,
    EvidenceOut,
    EvidencePage,
    FactsRevisionOut,
    HousingSubmission,
    ItemOut,
    OnsiteDecisionIn,
    OnsiteTaskOut,
    OnsiteTaskPage,
    PoliceSubmission,
    RetryIn,
    RetryOut,
    ReviewDecisionIn,
    ReviewRequestIn,
    ReviewRequestOut,
    ReviewRequestPage,
    RoundOut,
    RoundPage,
    SocialInsuranceSubmission,
    SubmissionAccepted,
    SubmissionOut,
    TaxSubmission,
    VerificationDetail,
    VerificationPage,
    VerificationSummary,
    submission_out,
)
from shared.api.auth import PermissionTable, Principal, Role, roles
from shared.api.errors import ApiError, ErrorResponse, validation_details
from shared.service import ServiceContext, get_context, principal_of

router = APIRouter()
Ctx = Annotated[ServiceContext, Depends(get_context)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "Not found"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "Not possible in the current state or phase"}
}

ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
MAX_ID = 2**63 - 1  # ids are BIGINT: a larger one is a 422, not a database error
STAFF = roles(Role.BUREAU_STAFF)
STAFF_OR_OPS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
DEPARTMENT = roles(Role.DEPARTMENT_CLIENT)
#: Rechecks and appeals: applicants reach only their own (checked in the handler, 404 otherwise).
STAFF_OR_APPLICANT = roles(Role.BUREAU_STAFF, Role.APPLICANT)

#: Partner departments: URL slug, department, body model.
DEPARTMENT_ROUTES: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("social-insurance", "social_insurance", SocialInsuranceSubmission),
    ("tax", "tax", TaxSubmission),
    ("police", "police", PoliceSubmission),
    ("housing", "housing", HousingSubmission),
)

#: Who may call each route of this service (the operations routes are shared).
PERMISSIONS: PermissionTable = {
    ("GET", "/v1/verifications"): STAFF_OR_OPS,
    ("GET", "/v1/verifications/{application_id}"): STAFF_OR_OPS,
    ("GET", "/v1/verifications/{application_id}/evidence"): STAFF_OR_OPS,
    ("POST", "/v1/verifications/{application_id}/retry"): STAFF_OR_OPS,
    ("POST", "/v1/verifications/retry"): STAFF_OR_OPS,
    ("GET", "/v1/onsite-tasks"): STAFF,
    ("GET", "/v1/onsite-tasks/{task_id}"): STAFF,
    ("POST", "/v1/onsite-tasks/{task_id}/decision"): STAFF,
    ("GET", "/v1/review-requests"): STAFF_OR_APPLICANT,
    ("POST", "/v1/review-requests"): STAFF_OR_APPLICANT,
    ("GET", "/v1/review-requests/{request_id}"): STAFF_OR_APPLICANT,
    ("POST", "/v1/review-requests/{request_id}/decision"): STAFF,
    ("GET", "/v1/rounds"): STAFF_OR_OPS,
    **{("POST", f"/v1/departments/{slug}/submissions"): DEPARTMENT for slug, _, _ in DEPARTMENT_ROUTES},
    **{
        ("GET", f"/v1/departments/{slug}/submissions/{{submission_id}}"): DEPARTMENT
        for slug, _, _ in DEPARTMENT_ROUTES
    },
}


def _settings(ctx: ServiceContext) -> Settings:
    assert isinstance(ctx.settings, Settings)
    return ctx.settings


def _own_only(principal: Principal) -> str | None:
    """The account whose applications alone the caller may reach: an applicant's own id; ``None`` for
    bureau staff (every application)."""
    if principal.has(Role.BUREAU_STAFF):
        return None
    return principal.subject


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _validated(adapter: TypeAdapter[Any], value: Any) -> Any:
    if _has_nul(value):  # PostgreSQL text and JSONB cannot hold NUL characters
        raise ApiError(
            422,
            "validation_failed",
            "`value` contains a NUL character.",
            [{"field": "value", "code": "string_pattern_mismatch", "message": "NUL character"}],
        )
    try:
        parsed = adapter.validate_python(value)
    except ValidationError as e:
        errors = [{**err, "loc": ("value", *err.get("loc", ()))} for err in e.errors(include_input=False)]
        details = validation_details(errors)
        raise ApiError(
            422, "validation_failed", f"`value` has {len(details)} invalid field(s).", details
        ) from e
    if isinstance(parsed, list):
        return [dump(p) if isinstance(p, BaseModel) else p for p in parsed]
    return parsed


# ---- verifications --------------------------------------------------------------------------


@router.get(
    "/v1/verifications",
    response_model=VerificationPage,
    summary="List verifications 核验列表",
    tags=["verification 核验"],
)
async def list_verifications(
    ctx: Ctx,
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
    async with ctx.session_factory() as s:
        rows, total = await repo.list_applications(
            s, status=status, round_id=round_id, department=department, limit=limit, offset=offset
        )
    return VerificationPage(
        items=[VerificationSummary.model_validate(dict(r)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/verifications/{application_id}",
    response_model=VerificationDetail,
    summary="One verification 核验详情",
    tags=["verification 核验"],
    responses=NOT_FOUND,
)
async def get_verification(
    ctx: Ctx, application_id: Annotated[ApplicationIdPath, Path()]
) -> VerificationDetail:
    """The application's verification: the status and note of every item, on-site tasks, rechecks and
    appeals, every revision of verified facts emitted, and the latest verified facts."""
    async with ctx.session_factory() as s:
        app = await repo.get_application(s, application_id)
        if app is None:
            raise ApiError(404, "application_not_found", f"No application {application_id} is known here.")
        items = sorted(await repo.item_results_of(s, application_id), key=lambda r: ITEMS.index(r["item"]))
        tasks, _ = await repo.list_tasks(
            s, status=None, round_id=None, topic=None, application_id=application_id, limit=100, offset=0
        )
        requests, _ = await repo.list_requests(
            s, status=None, kind=None, round_id=None, application_id=application_id, limit=100, offset=0
        )
        history = await repo.verified_history(s, application_id)
        latest = await repo.latest_verified(s, application_id)
    return VerificationDetail(
        **VerificationSummary.model_validate(dict(app)).model_dump(),
        items=[ItemOut.model_validate(dict(r)) for r in items],
        onsite_tasks=[OnsiteTaskOut.model_validate(dict(t)) for t in tasks],
        review_requests=[ReviewRequestOut.model_validate(dict(r)) for r in requests],
        facts_revisions=[FactsRevisionOut.model_validate(dict(h)) for h in history],
        facts=latest["facts"] if latest else None,
    )


@router.get(
    "/v1/verifications/{application_id}/evidence",
    response_model=EvidencePage,
    summary="Evidence of department checks 核验证据",
    tags=["verification 核验"],
)
async def list_evidence(
    ctx: Ctx, application_id: Annotated[ApplicationIdPath, Path()], limit: Limit = 50, offset: Offset = 0
) -> EvidencePage:
    """Every check made with a department for this application, newest first, answered or not: request
    and response digests (HMAC-SHA256), request id, times, attempts, HTTP status and adapter version."""
    async with ctx.session_factory() as s:
        rows, total = await repo.list_checks(s, application_id, limit, offset)
    return EvidencePage(
        items=[EvidenceOut.model_validate(dict(r)) for r in rows], total=total, limit=limit, offset=offset
    )


@router.post(
    "/v1/verifications/{application_id}/retry",
    response_model=RetryOut,
    summary="Retry one waiting application 立即重试",
    tags=["verification 核验"],
    responses={**NOT_FOUND, **CONFLICT},
)
async def retry_one(ctx: Ctx, application_id: Annotated[ApplicationIdPath, Path()]) -> RetryOut:
    """Ask the departments that have not answered again, now, instead of at the next automatic retry."""
    async with ctx.session_factory() as s, s.begin():
        app = await repo.get_application(s, application_id, for_update=True)
        if app is None:
            raise ApiError(404, "application_not_found", f"No application {application_id} is known here.")
        if app["status"] != "pending_department":
            raise ApiError(
                409, "not_waiting", f"Application {application_id} is {app['status']}, not waiting."
            )
        n = await repo.retry_waiting(
            s, now=ctx.clock.now(), round_id=None, department=None, application_id=application_id
        )
    return RetryOut(scheduled=n)


@router.post(
    "/v1/verifications/retry",
    response_model=RetryOut,
    summary="Retry all waiting applications 批量重试",
    tags=["verification 核验"],
)
async def retry_waiting(ctx: Ctx, body: RetryIn) -> RetryOut:
    """Make every application waiting for a department (optionally one department, one round) due now."""
    async with ctx.session_factory() as s, s.begin():
        n = await repo.retry_waiting(
            s, now=ctx.clock.now(), round_id=body.round_id, department=body.department
        )
    return RetryOut(scheduled=n)


@router.get(
    "/v1/rounds", response_model=RoundPage, summary="Rounds and phases 申报年度及阶段", tags=["rounds 年度"]
)
async def list_rounds(ctx: Ctx, limit: Limit = 50, offset: Offset = 0) -> RoundPage:
    """The rounds this service knows from `round.phase_changed`, with their current phase (rechecks are
    possible in the declaration phase, appeals in the results-query phase)."""
    async with ctx.session_factory() as s:
        rows, total = await repo.list_rounds(s, limit, offset)
    return RoundPage(
        items=[RoundOut.model_validate(dict(r)) for r in rows], total=total, limit=limit, offset=offset
    )


# ---- on-site review -------------------------------------------------------------------------


@router.get(
    "/v1/onsite-tasks",
    response_model=OnsiteTaskPage,
    summary="On-site review tasks 现场审核任务",
    tags=["on-site 现场审核"],
)
async def list_onsite_tasks(
    ctx: Ctx,
    limit: Limit = 50,
    offset: Offset = 0,
    status: Annotated[str | None, Query(pattern="^(open|decided|superseded)$")] = "open",
    round_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    topic: Annotated[
        str | None, Query(pattern="^(spouse_relationship|education|innovation|honours|female_job_category)$")
    ] = None,
    application_id: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> OnsiteTaskPage:
    """What data exchange cannot prove, for bureau staff to check on site (open ones by default): the
    spouse relationship of a spouse-owned home, education certificates, awards and equity, honours, and a
    woman's cadre job category."""
    async with ctx.session_factory() as s:
        rows, total = await repo.list_tasks(
            s,
            status=status,
            round_id=round_id,
            topic=topic,
            application_id=application_id,
            limit=limit,
            offset=offset,
        )
    return OnsiteTaskPage(
        items=[OnsiteTaskOut.model_validate(dict(r)) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/v1/onsite-tasks/{task_id}",
    response_model=OnsiteTaskOut,
    summary="One on-site review task 现场审核任务详情",
    tags=["on-site 现场审核"],
    responses=NOT_FOUND,
)
async def get_onsite_task(ctx: Ctx, task_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> OnsiteTaskOut:
    """The task, with what was declared and any registry hint."""
    async with ctx.session_factory() as s:
        row = await repo.get_task(s, task_id)
    if row is None:
        raise ApiError(404, "task_not_found", f"No on-site review task {task_id}.")
    return OnsiteTaskOut.model_validate(dict(row))


@router.post(
    "/v1/onsite-tasks/{task_id}/decision",
    response_model=OnsiteTaskOut,
    summary="Decide an on-site review task 录入现场审核结论",
    tags=["on-site 现场审核"],
    responses={**NOT_FOUND, **CONFLICT},
)
async def decide_onsite_task(
    ctx: Ctx, request: Request, task_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: OnsiteDecisionIn
) -> OnsiteTaskOut:
    """Record the reviewer's decision and note. When it was the last open question and every department
    has answered, verification completes in the same transaction (`verification.completed` is emitted)."""
    who = principal_of(request).subject
    async with ctx.session_factory() as s, s.begin():
        task = await repo.get_task(s, task_id)
        if task is None:
            raise ApiError(404, "task_not_found", f"No on-site review task {task_id}.")
        value = None
        if body.decision == "corrected":
            if body.value is None:
                raise ApiError(
                    422,
                    "validation_failed",
                    "A correction needs `value`.",
                    [{"field": "value", "code": "missing", "message": "required for corrected"}],
                )
            value = _validated(ONSITE_VALUE[task["topic"]], body.value)
        elif body.value is not None:
            raise ApiError(
                422,
                "validation_failed",
                "`value` is only for a correction.",
                [{"field": "value", "code": "unexpected", "message": "only with corrected"}],
            )
        row, _ = await decide_onsite(
            s,
            task_id,
            decision=body.decision,
            value=value,
            reviewer=body.reviewer,
            note=body.note,
            who=who,
            outbox=ctx.outbox,
            now=ctx.clock.now(),
        )
    return OnsiteTaskOut.model_validate(dict(row))


# ---- rechecks and appeals -------------------------------------------------------------------


@router.post(
    "/v1/review-requests",
    response_model=ReviewRequestOut,
    status_code=201,
    summary="File a recheck or appeal 申请复查或申诉",
    tags=["recheck & appeal 复查申诉"],
    responses={**NOT_FOUND, **CONFLICT},
)
async def create_review_request(ctx: Ctx, request: Request, body: ReviewRequestIn) -> ReviewRequestOut:
    """Request a recheck (复查, declaration phase) or an appeal (申诉, results-query phase; points
    policy, seed 004 第八条) of the own-home, innovation or honours result.

    An **applicant** files it for their own application (the account that submitted it); any other
    application answers 404, as an unknown one would. **Bureau staff** file it on an applicant's behalf
    (at the counter, or for an application submitted before intake sent the applicant's account).
    Either way: once per application, kind and item (409 `already_requested`); out of phase: 409
    `out_of_phase` naming the current phase and its dates; before a first verification result: 409
    `not_verified_yet`. Bureau staff then decide it (`POST /v1/review-requests/{id}/decision`)."""
    principal = principal_of(request)
    async with ctx.session_factory() as s, s.begin():
        row = await file_request(
            s,
            application_id=body.application_id,
            kind=body.kind,
            item=body.item,
            reason=body.reason,
            who=principal.subject,
            settings=_settings(ctx),
            now=ctx.clock.now(),
            owner=_own_only(principal),
        )
    return ReviewRequestOut.model_validate(dict(row))


@router.get(
    "/v1/review-requests",
    response_model=ReviewRequestPage,
    summary="Rechecks and appeals 复查申诉列表",
    tags=["recheck & appeal 复查申诉"],
)
async def list_review_requests(
    ctx: Ctx,
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
    async with ctx.session_factory() as s:
        rows, total = await repo.list_requests(
            s,
            status=status,
            kind=kind,
            round_id=round_id,
            application_id=application_id,
            limit=limit,
            offset=offset,
            applicant_id=_own_only(principal_of(request)),
        )
    return ReviewRequestPage(
        items=[ReviewRequestOut.model_validate(dict(r)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/review-requests/{request_id}",
    response_model=ReviewRequestOut,
    summary="One recheck or appeal and its decision 复查申诉详情及结论",
    tags=["recheck & appeal 复查申诉"],
    responses=NOT_FOUND,
)
async def get_review_request(
    ctx: Ctx, request: Request, request_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> ReviewRequestOut:
    """The request and, once bureau staff decided it, the decision: `unchanged` (the result stands) or
    `changed` (the new value, and the `verification.completed` revision that carried it to scoring).
    An applicant reaches only the requests of their own applications (404 otherwise)."""
    owner = _own_only(principal_of(request))
    async with ctx.session_factory() as s:
        row = await repo.get_request(s, request_id)
        app = None if row is None else await repo.get_application(s, row["application_id"])
    if row is None or (owner is not None and (app is None or app["applicant_id"] != owner)):
        raise ApiError(404, "request_not_found", f"No recheck or appeal {request_id}.")
    return ReviewRequestOut.model_validate(dict(row))


@router.post(
    "/v1/review-requests/{request_id}/decision",
    response_model=ReviewRequestOut,
    summary="Decide a recheck or appeal 录入复查申诉结论",
    tags=["recheck & appeal 复查申诉"],
    responses={**NOT_FOUND, **CONFLICT},
)
async def decide_review_request(
    ctx: Ctx, request: Request, request_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: ReviewDecisionIn
) -> ReviewRequestOut:
    """`unchanged` keeps the result; `changed` replaces it with `value` and emits a new
    `verification.completed` revision in the same transaction (the scoring service rescores it)."""
    async with ctx.session_factory() as s, s.begin():
        req = await repo.get_request(s, request_id)
        if req is None:
            raise ApiError(404, "request_not_found", f"No recheck or appeal {request_id}.")
        value = None
        if body.outcome == "changed":
            if body.value is None:
                raise ApiError(
                    422,
                    "validation_failed",
                    "A changed result needs `value`.",
                    [{"field": "value", "code": "missing", "message": "required for changed"}],
                )
            value = _validated(REVIEW_VALUE[req["item"]], body.value)
        row, _ = await decide_request(
            s,
            request_id,
            outcome=body.outcome,
            value=value,
            reviewer=body.reviewer,
            note=body.note,
            who=principal_of(request).subject,
            outbox=ctx.outbox,
            now=ctx.clock.now(),
        )
    return ReviewRequestOut.model_validate(dict(row))


# ---- partner departments --------------------------------------------------------------------


def _check_callback_url(settings: Settings, department: str, url: str) -> None:
    """422 unless the department can be called back there: it has a callback secret (every callback is
    signed) and the URL's host is on its allow-list (https; http only to a loopback host)."""
    if settings.callback_secret(department) is None:
        raise ApiError(
            422,
            "validation_failed",
            f"No callback secret is configured for {department}, so it cannot be called back: leave "
            "`callback_url` out and poll `status_url`, or ask the bureau to configure one.",
            [{"field": "callback_url", "code": "callback_not_configured", "message": "no callback secret"}],
        )
    problem = callback_url_problem(url, settings.department_callback_hosts.get(department, ()))
    if problem is not None:
        raise ApiError(
            422,
            "validation_failed",
            f"`callback_url` is not allowed: {problem}.",
            [{"field": "callback_url", "code": "callback_url_not_allowed", "message": problem}],
        )


def _department_routes(slug: str, department: str, model: type[BaseModel]) -> None:
    async def submit(ctx: Ctx, request: Request, body: model) -> SubmissionAccepted:  # type: ignore[valid-type]
        principal = principal_of(request)
        if principal.department != department:
            raise ApiError(
                403,
                "other_department",
                f"This key belongs to {principal.department or 'no department'}; it "
                f"may only submit {principal.department or 'nothing'}'s data, not {department}'s.",
            )
        b: Any = body
        callback_url = str(b.callback_url) if b.callback_url else None
        if callback_url is not None:
            _check_callback_url(_settings(ctx), department, callback_url)
        if _has_nul(b.data.model_dump()):
            raise ApiError(
                422,
                "validation_failed",
                "The data contains a NUL character.",
                [{"field": "data", "code": "string_pattern_mismatch", "message": "NUL character"}],
            )
        try:
            data = b.data.normalise()
        except ValueError as e:
            raise ApiError(
                422,
                "validation_failed",
                "The data breaks the department's contract.",
                [{"field": "data", "code": "invalid", "message": str(e)[:300]}],
            ) from e
        digest = (
            "sha256:"
            + hashlib.sha256(
                orjson.dumps(b.data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
            ).hexdigest()
        )
        async with ctx.session_factory() as s, s.begin():
            row, _ = await accept_submission(
                s,
                department=department,
                client=principal.subject,
                application_id=b.application_id,
                kind=b.kind,
                reference=b.reference,
                data=data,
                payload_digest=digest,
                callback_url=callback_url,
                now=ctx.clock.now(),
            )
        out = submission_out(row)
        return SubmissionAccepted(
            **out.model_dump(), status_url=f"/v1/departments/{slug}/submissions/{out.submission_id}"
        )

    submit.__annotations__["body"] = model  # a class, not a string: FastAPI reads the body model from it
    submit.__doc__ = (
        f"Push an answer or a correction of {department} data for one application. Answered 202 at once; "
        "the submission is applied asynchronously (the verification is recomputed, and a changed result is "
        "emitted as a new `verification.completed` revision), then the outcome is POSTed to `callback_url`. "
        "The API key is scoped to one department: only its own data is accepted. Re-sending the same "
        "`reference` returns the first submission.\n\n"
        "**Callbacks** (optional; without `callback_url`, poll `status_url`). `callback_url` must be https "
        "(plain http only to a loopback host) on a host of the department's allow-list "
        "(`REVIEW_DEPARTMENT_CALLBACK_HOSTS`), and the department must have a callback secret "
        "(`REVIEW_DEPARTMENT_CALLBACK_SECRETS`); otherwise 422 on `callback_url`. The callback is a POST "
        "of the submission's status (the body of `GET status_url`, `application/json`), retried with "
        "backoff until a 2xx (redirects are not followed), with headers:\n\n"
        "- `X-Hukou-Timestamp`: Unix seconds when signed;\n"
        "- `X-Hukou-Signature`: `sha256=` + hex HMAC-SHA256 with the callback secret (UTF-8) as key over "
        "`<timestamp>.<raw body bytes>`;\n"
        "- `X-Hukou-Submission-Id`: the submission id, the same on every retry (deduplicate on it);\n"
        "- `X-Hukou-Department`: the department.\n\n"
        "Verify over the body bytes exactly as received, compare in constant time, and refuse a timestamp "
        "more than 5 minutes from your clock."
    )
    router.add_api_route(
        f"/v1/departments/{slug}/submissions",
        submit,
        methods=["POST"],
        status_code=202,
        response_model=SubmissionAccepted,
        summary=f"Push {department} data 部门推送数据",
        tags=["partner departments 合作部门"],
        responses={
            **NOT_FOUND,
            409: {"model": ErrorResponse, "description": "Reference reused"},
            422: {
                "model": ErrorResponse,
                "description": "Invalid body, or a `callback_url` that may not be called back",
                "content": {
                    "application/json": {
                        "example": {
                            "error": {
                                "code": "validation_failed",
                                "message": "`callback_url` is not allowed: host 'evil.example.com' is not on "
                                "this department's callback allow-list.",
                                "details": [
                                    {
                                        "field": "callback_url",
                                        "code": "callback_url_not_allowed",
                                        "message": "host 'evil.example.com' is not on this department's "
                                        "callback allow-list",
                                    }
                                ],
                                "correlation_id": "3f2b6c1e9a7d4e58",
                            }
                        }
                    }
                },
            },
        },
        name=f"submit_{department}",
    )

    async def get_submission(
        ctx: Ctx, request: Request, submission_id: Annotated[uuid.UUID, Path()]
    ) -> SubmissionOut:
        principal = principal_of(request)
        async with ctx.session_factory() as s:
            row = await repo.get_submission(s, submission_id)
        if row is None or row["department"] != department or principal.department != department:
            raise ApiError(404, "submission_not_found", f"No submission {submission_id} of yours.")
        return submission_out(row)

    get_submission.__doc__ = (
        f"The status of one of your {department} submissions (the same body as the callback)."
    )
    router.add_api_route(
        f"/v1/departments/{slug}/submissions/{{submission_id}}",
        get_submission,
        methods=["GET"],
        response_model=SubmissionOut,
        summary=f"A {department} submission's status 推送处理状态",
        tags=["partner departments 合作部门"],
        responses=NOT_FOUND,
        name=f"get_{department}_submission",
    )


for _slug, _dept, _model in DEPARTMENT_ROUTES:
    _department_routes(_slug, _dept, _model)
