"""Partner departments push answers and corrections of their data with their own API key (scoped to
their department): answered 202, applied by the submissions job, then called back with the outcome."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from services.review.handlers import departments as h
from services.review.routes.common import NOT_FOUND, context
from services.review.schemas import (
    HousingSubmission,
    PoliceSubmission,
    SocialInsuranceSubmission,
    SubmissionAccepted,
    SubmissionOut,
    TaxSubmission,
    submission_out,
)
from shared.api.errors import ErrorResponse
from shared.service import principal_of

router = APIRouter(tags=["partner departments 合作部门"])

#: Partner departments: URL slug, department, body model.
DEPARTMENT_ROUTES: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("social-insurance", "social_insurance", SocialInsuranceSubmission),
    ("tax", "tax", TaxSubmission),
    ("police", "police", PoliceSubmission),
    ("housing", "housing", HousingSubmission),
)
Submission = SocialInsuranceSubmission | TaxSubmission | PoliceSubmission | HousingSubmission


def _department_routes(slug: str, department: str, model: type[BaseModel]) -> None:
    async def submit(request: Request, body: Submission) -> SubmissionAccepted:
        principal = principal_of(request)
        cmd = h.AcceptSubmission(
            department=department,
            caller_department=principal.department,
            client=principal.subject,
            application_id=body.application_id,
            kind=body.kind,
            reference=body.reference,
            data=body.data,
            callback_url=str(body.callback_url) if body.callback_url else None,
        )
        row = await context(request).run(h.accept_submission, cmd, actor=principal.subject)
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

    async def get_submission(request: Request, submission_id: Annotated[uuid.UUID, Path()]) -> SubmissionOut:
        principal = principal_of(request)
        row = await context(request).run(
            h.get_submission,
            h.GetSubmission(department, principal.department, submission_id),
            actor=principal.subject,
        )
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
        responses=NOT_FOUND,
        name=f"get_{department}_submission",
    )


for _slug, _dept, _model in DEPARTMENT_ROUTES:
    _department_routes(_slug, _dept, _model)
