"""Verification: where each application stands, its evidence, retries of waiting applications, and
the steps of the verification job (claim due applications, store the departments' answers and settle).

The job (:mod:`services.review.jobs`) claims a batch (:func:`claim_due`), asks the departments outside
any transaction, then stores the evidence and settles each application in its own transaction
(:func:`finish_verification`). A department that does not answer leaves the application
``pending_department``, due again after a growing, jittered wait (``pending_retry_initial_s`` doubling
up to ``pending_retry_max_s``). All of it is in the database: a restarted worker carries on where the
last one stopped.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.review.adapters.departments import CheckResult, DepartmentUnavailable, Evidence
from services.review.adapters.records import (
    ApplicationChanges,
    ApplicationRecord,
    CheckRecord,
    FactsRevisionRecord,
    ItemResultRecord,
    NewCheck,
    OnsiteTaskRecord,
    ReviewRequestRecord,
)
from services.review.adapters.repository import Page
from services.review.adapters.resilience import backoff_delay
from services.review.context import Tx
from services.review.domain.model import DEPARTMENTS, ITEMS, Department
from services.review.handlers.common import settle
from shared.api.errors import Conflict, NotFound

log = logging.getLogger(__name__)


def application_not_found(application_id: str) -> NotFound:
    return NotFound("application_not_found", f"No application {application_id} is known here.")


# ---- staff views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListVerifications:
    status: str | None
    round_id: str | None
    department: str | None
    limit: int
    offset: int


async def list_verifications(tx: Tx, cmd: ListVerifications) -> Page[ApplicationRecord]:
    return await tx.repo.list_applications(
        status=cmd.status,
        round_id=cmd.round_id,
        department=cmd.department,
        limit=cmd.limit,
        offset=cmd.offset,
    )


@dataclass(frozen=True)
class GetVerification:
    application_id: str


@dataclass(frozen=True)
class VerificationView:
    application: ApplicationRecord
    items: list[ItemResultRecord]
    tasks: list[OnsiteTaskRecord]
    requests: list[ReviewRequestRecord]
    history: list[FactsRevisionRecord]
    facts: dict[str, Any] | None


async def get_verification(tx: Tx, cmd: GetVerification) -> VerificationView:
    """The application's verification: every item, on-site tasks, rechecks and appeals, every revision
    of verified facts emitted and the latest verified facts."""
    app_id = cmd.application_id
    app = await tx.repo.get_application(app_id)
    if app is None:
        raise application_not_found(app_id)
    items = sorted(await tx.repo.item_results_of(app_id), key=lambda r: ITEMS.index(r["item"]))
    tasks = await tx.repo.list_tasks(
        status=None, round_id=None, topic=None, application_id=app_id, limit=100, offset=0
    )
    requests = await tx.repo.list_requests(
        status=None, kind=None, round_id=None, application_id=app_id, limit=100, offset=0
    )
    history = await tx.repo.verified_history(app_id)
    latest = await tx.repo.latest_verified(app_id)
    return VerificationView(
        app, items, tasks.items, requests.items, history, latest["facts"] if latest else None
    )


@dataclass(frozen=True)
class ListEvidence:
    application_id: str
    limit: int
    offset: int


async def list_evidence(tx: Tx, cmd: ListEvidence) -> Page[CheckRecord]:
    return await tx.repo.list_checks(cmd.application_id, cmd.limit, cmd.offset)


@dataclass(frozen=True)
class RetryOne:
    application_id: str


async def retry_one(tx: Tx, cmd: RetryOne) -> int:
    """Make one application waiting for a department due now; 409 unless it is waiting."""
    app = await tx.repo.get_application(cmd.application_id, for_update=True)
    if app is None:
        raise application_not_found(cmd.application_id)
    if app["status"] != "pending_department":
        raise Conflict("not_waiting", f"Application {cmd.application_id} is {app['status']}, not waiting.")
    return await tx.repo.retry_waiting(
        now=tx.now, round_id=None, department=None, application_id=cmd.application_id
    )


@dataclass(frozen=True)
class RetryWaiting:
    round_id: str | None
    department: str | None


async def retry_waiting(tx: Tx, cmd: RetryWaiting) -> int:
    """Make every application waiting for a department (optionally one department, one round) due now."""
    return await tx.repo.retry_waiting(now=tx.now, round_id=cmd.round_id, department=cmd.department)


# ---- the verification job's steps -----------------------------------------------------------


@dataclass(frozen=True)
class ClaimDue:
    token: uuid.UUID


@dataclass(frozen=True)
class Claimed:
    application: ApplicationRecord
    departments: list[Department]  # those that have not answered for this declaration yet


async def claim_due(tx: Tx, cmd: ClaimDue) -> list[Claimed]:
    """Claim a batch of due applications (a lease of ``verify_lease_s``) and say whom to ask."""
    settings = tx.rt.settings
    claimed = await tx.repo.claim_due(
        now=tx.now,
        lease_until=tx.now + timedelta(seconds=settings.verify_lease_s),
        token=cmd.token,
        limit=settings.verify_batch_size,
    )
    answered = await tx.repo.departments_answered(
        [(app["application_id"], app["declaration_revision"]) for app in claimed]
    )
    return [
        Claimed(app, [d for d in DEPARTMENTS if (app["application_id"], d) not in answered])
        for app in claimed
    ]


@dataclass(frozen=True)
class ReleaseClaims:
    token: uuid.UUID


async def release_claims(tx: Tx, cmd: ReleaseClaims) -> int:
    """Give back the claims of a stopping worker at once rather than when their lease runs out."""
    return await tx.repo.release_claims(cmd.token)


def evidence_row(
    app_id: str,
    rev: int,
    ev: Evidence,
    *,
    outcome: str,
    data: dict[str, Any] | None,
    source: str = "query",
    submission_id: uuid.UUID | None = None,
) -> NewCheck:
    return {
        "application_id": app_id,
        "declaration_revision": rev,
        "department": ev.department,
        "source": source,
        "outcome": outcome,
        "data": data,
        "request_id": ev.request_id,
        "request_digest": ev.request_digest,
        "response_digest": ev.response_digest,
        "http_status": ev.http_status,
        "attempts": ev.attempts,
        "error": ev.error,
        "adapter_version": ev.adapter_version,
        "requested_at": ev.requested_at,
        "responded_at": ev.responded_at,
        "duration_ms": ev.duration_ms,
        "submission_id": submission_id,
    }


@dataclass(frozen=True)
class FinishVerification:
    application_id: str
    declaration_revision: int
    token: uuid.UUID
    results: list[CheckResult | DepartmentUnavailable]
    error: str | None  # why the departments could not all be asked (key missing, adapter crash)


async def finish_verification(tx: Tx, cmd: FinishVerification) -> int | None:
    """Store the evidence of every check, then — unless the claim was superseded — settle the
    application and schedule the next try of a department that did not answer. Returns the facts
    revision emitted, if any."""
    app_id, rev = cmd.application_id, cmd.declaration_revision
    current = await tx.repo.get_application(app_id, for_update=True)
    reasons = [f"{r.department}: {r.reason}" for r in cmd.results if isinstance(r, DepartmentUnavailable)]
    await tx.repo.insert_checks(  # evidence of every check, whatever happens next
        [
            evidence_row(app_id, rev, r.evidence, outcome=r.outcome, data=r.data)
            if isinstance(r, CheckResult)
            else evidence_row(app_id, rev, r.evidence, outcome="unavailable", data=None)
            for r in cmd.results
        ]
    )
    if current is None or current["claim_token"] != cmd.token or current["declaration_revision"] != rev:
        log.info("%s: claim superseded (new revision or lease taken over); results kept as evidence", app_id)
        return None
    settled = await settle(tx, current, trigger="verification")
    values: ApplicationChanges = {"claim_token": None, "claimed_until": None}
    if settled.status == "pending_department":
        settings = tx.rt.settings
        delay = backoff_delay(
            max(1, current["attempts"]),
            initial_s=settings.pending_retry_initial_s,
            max_s=settings.pending_retry_max_s,
            rng=tx.rt.rng,
        )
        values["next_attempt_at"] = tx.now + timedelta(seconds=delay)
        values["last_error"] = "; ".join([*reasons, *([cmd.error] if cmd.error else [])])[:2000] or None
    await tx.repo.update_application(app_id, values)
    return settled.emitted_revision
