"""Partner departments' pushes: answers and corrections of their data (answered 202, applied by the
submissions job, then the department is called back with the outcome)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson

from services.review.adapters.departments import (
    Evidence,
    HousingAnswer,
    PoliceAnswer,
    SocialInsuranceAnswer,
    TaxAnswer,
)
from services.review.adapters.records import SubmissionChanges, SubmissionRecord
from services.review.adapters.resilience import backoff_delay
from services.review.config import Settings
from services.review.context import Tx
from services.review.domain.callbacks import callback_url_problem
from services.review.handlers.common import settle
from services.review.handlers.values import has_nul
from services.review.handlers.verification import application_not_found, evidence_row
from shared.api.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.contracts.review import VerificationTrigger

Answer = SocialInsuranceAnswer | TaxAnswer | PoliceAnswer | HousingAnswer


def check_callback_url(settings: Settings, department: str, url: str) -> None:
    """422 unless the department can be called back there: it has a callback secret (every callback is
    signed) and the URL's host is on its allow-list (https; http only to a loopback host)."""
    if settings.callback_secret(department) is None:
        raise Invalid(
            "validation_failed",
            f"No callback secret is configured for {department}, so it cannot be called back: leave "
            "`callback_url` out and poll `status_url`, or ask the bureau to configure one.",
            [{"field": "callback_url", "code": "callback_not_configured", "message": "no callback secret"}],
        )
    problem = callback_url_problem(url, settings.department_callback_hosts.get(department, ()))
    if problem is not None:
        raise Invalid(
            "validation_failed",
            f"`callback_url` is not allowed: {problem}.",
            [{"field": "callback_url", "code": "callback_url_not_allowed", "message": problem}],
        )


@dataclass(frozen=True)
class AcceptSubmission:
    department: str  # the department whose route was called
    caller_department: str | None  # the department of the caller's API key
    client: str
    application_id: str
    kind: str
    reference: str
    data: Answer
    callback_url: str | None


async def accept_submission(tx: Tx, cmd: AcceptSubmission) -> SubmissionRecord:
    """Store a department's push for the submissions job. The same reference twice: the first
    submission is returned (idempotent), unless its content differs (409 ``reference_reused``)."""
    department = cmd.department
    if cmd.caller_department != department:
        mine = cmd.caller_department
        raise Forbidden(
            "other_department",
            f"This key belongs to {mine or 'no department'}; it "
            f"may only submit {mine or 'nothing'}'s data, not {department}'s.",
        )
    if cmd.callback_url is not None:
        check_callback_url(tx.rt.settings, department, cmd.callback_url)
    if has_nul(cmd.data.model_dump()):
        raise Invalid(
            "validation_failed",
            "The data contains a NUL character.",
            [{"field": "data", "code": "string_pattern_mismatch", "message": "NUL character"}],
        )
    try:
        data = cmd.data.normalise()
    except ValueError as e:
        raise Invalid(
            "validation_failed",
            "The data breaks the department's contract.",
            [{"field": "data", "code": "invalid", "message": str(e)[:300]}],
        ) from e
    digest = (
        "sha256:"
        + hashlib.sha256(
            orjson.dumps(cmd.data.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
    )
    if await tx.repo.get_application(cmd.application_id) is None:
        raise application_not_found(cmd.application_id)
    row = await tx.repo.insert_submission(
        {
            "id": uuid.uuid4(),
            "department": department,
            "client": cmd.client,
            "application_id": cmd.application_id,
            "kind": cmd.kind,
            "reference": cmd.reference,
            "data": data,
            "payload_digest": digest,
            "status": "accepted",
            "callback_url": cmd.callback_url,
            "callback_status": "pending" if cmd.callback_url else "none",
            "created_at": tx.now,
        }
    )
    if row is not None:
        return row
    existing = await tx.repo.submission_by_reference(department, cmd.reference)
    assert existing is not None
    if existing["payload_digest"] != digest or existing["application_id"] != cmd.application_id:
        raise Conflict(
            "reference_reused",
            f"Reference {cmd.reference!r} was already used for a different submission.",
        )
    return existing


@dataclass(frozen=True)
class GetSubmission:
    department: str
    caller_department: str | None
    submission_id: uuid.UUID


async def get_submission(tx: Tx, cmd: GetSubmission) -> SubmissionRecord:
    """One of the caller's own department's submissions (404 for any other)."""
    row = await tx.repo.get_submission(cmd.submission_id)
    if row is None or row["department"] != cmd.department or cmd.caller_department != cmd.department:
        raise NotFound("submission_not_found", f"No submission {cmd.submission_id} of yours.")
    return row


# ---- the submissions job's steps ------------------------------------------------------------


@dataclass(frozen=True)
class ApplySubmissions:
    limit: int = 50


async def apply_submissions(tx: Tx, cmd: ApplySubmissions) -> int:
    """Apply a batch of accepted submissions: store each as evidence and settle its application."""
    subs = await tx.repo.claim_accepted_submissions(cmd.limit)
    for sub in subs:
        await _apply(tx, sub)
    return len(subs)


async def _apply(tx: Tx, sub: SubmissionRecord) -> None:
    now = tx.now
    app = await tx.repo.get_application(sub["application_id"], for_update=True)
    result: dict[str, Any]
    if app is None:
        status, result = "rejected", {"reason": "application_not_found"}
    else:
        rev = app["declaration_revision"]
        ev = Evidence(
            department=sub["department"],
            request_id=sub["reference"],
            request_digest=sub["payload_digest"],
            response_digest=None,
            requested_at=sub["created_at"],
            responded_at=sub["created_at"],
            duration_ms=0,
            attempts=1,
            http_status=None,
            adapter_version="push/1",
        )
        await tx.repo.insert_check(
            evidence_row(
                sub["application_id"],
                rev,
                ev,
                outcome="answered",
                data=sub["data"],
                source="push",
                submission_id=sub["id"],
            )
        )
        trigger: VerificationTrigger = (
            "department_answer" if sub["kind"] == "answer" else "department_correction"
        )
        settled = await settle(tx, app, trigger=trigger)
        status = "applied"
        result = {
            "application_status": settled.status,
            "facts_revision": settled.emitted_revision,
            "changed": settled.emitted_revision is not None,
            "declaration_revision": rev,
        }
    await tx.repo.update_submission(
        sub["id"],
        {
            "status": status,
            "result": result,
            "processed_at": now,
            "next_callback_at": now if sub["callback_url"] else None,
        },
    )


@dataclass(frozen=True)
class ClaimCallbacks:
    limit: int = 20


async def claim_callbacks(tx: Tx, cmd: ClaimCallbacks) -> list[SubmissionRecord]:
    """Claim the callbacks due (a lease of three callback timeouts)."""
    lease = timedelta(seconds=tx.rt.settings.callback_timeout_s * 3)
    return await tx.repo.claim_callbacks(now=tx.now, lease_until=tx.now + lease, limit=cmd.limit)


@dataclass(frozen=True)
class RecordCallback:
    submission_id: uuid.UUID
    attempts: int  # this one included
    error: str | None  # None: acknowledged (2xx)
    refused: bool  # it may no longer be sent (secret or allow-list changed): no retry


async def record_callback(tx: Tx, cmd: RecordCallback) -> None:
    """Delivered, failed for good, or due again after a growing, jittered wait."""
    settings = tx.rt.settings
    values: SubmissionChanges = {"callback_claimed_until": None, "callback_error": cmd.error}
    if cmd.error is None:
        values["callback_status"] = "delivered"
        values["callback_delivered_at"] = tx.now
    elif cmd.refused or cmd.attempts >= settings.callback_max_attempts:
        values["callback_status"] = "failed"
    else:
        delay = backoff_delay(
            cmd.attempts,
            initial_s=settings.callback_retry_initial_s,
            max_s=settings.callback_retry_max_s,
            rng=tx.rt.rng,
        )
        values["next_callback_at"] = tx.now + timedelta(seconds=delay)
    await tx.repo.update_submission(cmd.submission_id, values)
