"""Use cases of the review service: record what arrives, verify, decide, emit.

Each use case runs in one transaction given by its caller (the inbox transaction of a consumer, an API
request's, or one of the verification job's). :func:`settle` is the heart: from what is stored for the
application (its declaration, the departments' answers, on-site decisions, recheck and appeal results)
it recomputes every item's status with the pure rules of :mod:`services.review.domain.compare`, opens
the on-site tasks still needed, and — when everything is settled and the facts differ from the last
ones emitted for this declaration — emits ``verification.completed`` through the outbox, in the same
transaction. Recomputing from stored state makes every path idempotent: nothing is verified twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.adapters import repository as repo
from services.review.adapters.departments import CheckResult, DepartmentUnavailable, Evidence
from services.review.adapters.resilience import backoff_delay
from services.review.config import Settings
from services.review.domain.callbacks import (
    DEPARTMENT_HEADER,
    SIGNATURE_HEADER,
    SUBMISSION_ID_HEADER,
    TIMESTAMP_HEADER,
    callback_url_problem,
    signature,
)
from services.review.domain.compare import verify
from services.review.domain.model import DEPARTMENTS, ITEMS, Identity, ItemResult, Outcome
from services.review.facts_model import PointsFactsModel
from services.review.schemas import submission_out
from shared.api.errors import ApiError
from shared.clock import Clock
from shared.crypto import Sealed, Sealer, SealError
from shared.events.contracts.intake import ApplicationSubmittedV1, RoundPhaseChangedV1
from shared.events.contracts.review import IndicatorVerification, VerificationCompletedV1
from shared.messaging.inbox import Delivery, PermanentError
from shared.messaging.outbox import Outbox
from shared.validation import InvalidIdentifier, parse_resident_id

log = logging.getLogger(__name__)

Row = repo.Row


# ---- events in ------------------------------------------------------------------------------


def open_id_number(sealer: Sealer | None, sealed: dict[str, Any]) -> str:
    if sealer is None:
        # A configuration error, not a bad event: retried, then dead-lettered for replay once fixed.
        raise RuntimeError("REVIEW_DATA_KEY is not set: the review service cannot open ID numbers")
    try:
        return sealer.open(Sealed.from_dict(sealed), context="id_number")
    except (SealError, KeyError) as e:
        raise PermanentError("undecryptable_id_number", f"the ID number cannot be opened: {e}") from e


def _validation_summary(e: ValidationError) -> str:
    # Never the input values: they are personal data, and this text ends up in logs and dead letters.
    parts = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors(include_input=False)]
    return "; ".join(parts[:20])


async def record_submission(d: Delivery, *, sealer: Sealer | None, clock: Clock) -> None:
    """``application.submitted``: record the declaration and make its verification due (quickly: the
    department calls happen later, in the verification job, outside this inbox transaction)."""
    data: ApplicationSubmittedV1 = d.data
    if data.program != "points":
        log.info("application %s: program %s is not verified here", data.application_id, data.program)
        return
    sealed = data.id_number.model_dump()
    number = open_id_number(sealer, sealed)
    try:
        rid = parse_resident_id(number)
    except InvalidIdentifier as e:
        raise PermanentError("invalid_id_number", f"the sealed ID number is not valid: {e.code}") from e
    try:
        PointsFactsModel.model_validate(data.declared_facts)
    except ValidationError as e:
        raise PermanentError("invalid_declaration", _validation_summary(e)) from e
    s = d.session
    existing = await repo.get_application(s, data.application_id, for_update=True)
    if existing is not None and existing["declaration_revision"] >= data.revision:
        log.info("application %s: revision %d already known; ignored", data.application_id, data.revision)
        return
    now = clock.now()
    assert sealer is not None
    await repo.upsert_application(
        s,
        {
            "application_id": data.application_id,
            "round_id": data.round_id,
            "program": data.program,
            "name": data.name,
            "employer_name": data.employer_name,
            "id_number_sealed": sealed,
            "id_number_digest": sealer.digest(rid.number, context="id_number"),
            "applicant_id": data.applicant_id,
            "id_birth_date": rid.birth_date,
            "id_sex": rid.sex,
            "declaration_revision": data.revision,
            "declared_facts": data.declared_facts,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "claim_token": None,
            "claimed_until": None,
            "waiting_departments": list(DEPARTMENTS),
            "last_error": None,
            "correlation_id": d.envelope.correlation_id,
            "causation_id": str(d.envelope.id),
            "submitted_at": now,
            "updated_at": now,
            "completed_at": None,
        },
    )
    await repo.supersede_tasks(s, data.application_id, data.revision)
    await repo.save_item_results(
        s,
        data.application_id,
        data.revision,
        [ItemResult(i, "pending_department", "waiting for the departments 等待部门核验") for i in ITEMS],
        now,
    )


async def record_round_phase(d: Delivery, *, clock: Clock) -> None:
    """``round.phase_changed``: keep the round's current phase (phase gating of rechecks and appeals)."""
    data: RoundPhaseChangedV1 = d.data
    await repo.upsert_round(
        d.session,
        {
            "round_id": data.round_id,
            "program": data.program,
            "year": data.year,
            "policy_version": data.policy_version,
            "phase": data.phase,
            "phases": [p.model_dump(mode="json") for p in data.phases],
            "updated_at": clock.now(),
        },
    )


# ---- settling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    status: str
    outcome: Outcome
    emitted_revision: int | None  # the facts revision emitted now, if any


async def settle(session: AsyncSession, app: Row, *, outbox: Outbox, now: datetime, trigger: str) -> Settled:
    """Recompute the application's verification from stored state; emit when settled and changed."""
    app_id, rev = app["application_id"], app["declaration_revision"]
    rnd = await repo.get_round(session, app["round_id"])
    departments = await repo.department_data(session, app_id, rev)
    overrides = await repo.overrides(session, app_id)

    async def compute() -> Outcome:
        return verify(
            declared=app["declared_facts"],
            departments=departments,
            identity=Identity(app["id_birth_date"].isoformat(), app["id_sex"]),
            application_id=app_id,
            application_year=rnd["year"] if rnd else None,
            policy_version=rnd["policy_version"] if rnd else None,
            decisions=await repo.onsite_decisions(session, app_id, rev),
            overrides=overrides,
        )

    outcome = await compute()
    if await repo.create_tasks(session, app, outcome.onsite, now):
        outcome = await compute()  # decisions carried over from an earlier revision
    await repo.save_item_results(session, app_id, rev, outcome.items.values(), now)
    values: dict[str, Any] = {"updated_at": now, "waiting_departments": list(outcome.waiting)}
    emitted: int | None = None
    if outcome.waiting:
        status = "pending_department"
    elif outcome.facts is None:
        status = "onsite_review"
        values["next_attempt_at"] = None
    else:
        status = "completed"
        values["next_attempt_at"] = None
        values["last_error"] = None
        last = await repo.latest_verified(session, app_id, rev)
        if last is None or last["facts"] != outcome.facts:
            emitted = app["facts_revision"] + 1
            statuses = [
                IndicatorVerification(indicator=r.item, status=r.status, note=r.note)
                for r in outcome.items.values()
            ]
            env = await outbox.emit(
                session,
                VerificationCompletedV1(
                    application_id=app_id,
                    revision=emitted,
                    round_id=app["round_id"],
                    program=app["program"],
                    facts=outcome.facts,
                    statuses=statuses,
                    declaration_revision=rev,
                    trigger=trigger,
                    verified_at=now,
                ),
                subject=app_id,
                correlation_id=app["correlation_id"],
                causation_id=app["causation_id"],
            )
            await repo.insert_verified(
                session,
                {
                    "application_id": app_id,
                    "facts_revision": emitted,
                    "declaration_revision": rev,
                    "trigger": trigger,
                    "facts": outcome.facts,
                    "statuses": [s.model_dump(mode="json") for s in statuses],
                    "event_id": env.id,
                    "created_at": now,
                },
            )
            values["facts_revision"] = emitted
            values["completed_at"] = now
    values["status"] = status
    await repo.update_application(session, app_id, **values)
    return Settled(status, outcome, emitted)


# ---- the verification job -------------------------------------------------------------------


def evidence_row(
    app_id: str,
    rev: int,
    ev: Evidence,
    *,
    outcome: str,
    data: Any,
    source: str = "query",
    submission_id: uuid.UUID | None = None,
) -> dict[str, Any]:
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


class VerificationJob:
    """Claims due applications, asks the departments that have not answered yet (concurrently, outside
    any transaction), then stores the evidence and settles each application in its own transaction.

    A department that does not answer leaves the application ``pending_department``, due again after a
    growing, jittered wait (``pending_retry_initial_s`` doubling up to ``pending_retry_max_s``). All of
    it is in the database: a restarted worker carries on where the last one stopped.
    """

    def __init__(self, ctx: Any, settings: Settings, adapters: dict[str, Any], sealer: Sealer | None) -> None:
        self.ctx = ctx
        self.settings = settings
        self.adapters = adapters
        self.sealer = sealer
        self.rng = random.Random()
        self.completed = 0

    async def run_once(self) -> int:
        """One round: claim a batch and verify it. Returns how many applications were claimed."""
        now = self.ctx.clock.now()
        token = uuid.uuid4()
        async with self.ctx.session_factory() as s, s.begin():
            claimed = await repo.claim_due(
                s,
                now=now,
                lease_until=now + timedelta(seconds=self.settings.verify_lease_s),
                token=token,
                limit=self.settings.verify_batch_size,
            )
            asked: list[tuple[Row, list[str]]] = []
            for app in claimed:
                answered = await repo.department_data(s, app["application_id"], app["declaration_revision"])
                asked.append((app, [d for d in DEPARTMENTS if d not in answered]))
        if not asked:
            return 0
        try:
            await asyncio.gather(*(self._verify(app, depts, token) for app, depts in asked))
        except asyncio.CancelledError:
            # Stopping (not crashing): give the unfinished claims back at once rather than when the
            # lease runs out. A crashed worker cannot; its leases expire and others take over.
            await self._release(token)
            raise
        return len(asked)

    async def _release(self, token: uuid.UUID) -> None:
        try:
            async with self.ctx.session_factory() as s, s.begin():
                n = await repo.release_claims(s, token)
            log.info("released %d unfinished claim(s)", n)
        except Exception:
            log.warning("could not release claims; their leases will expire", exc_info=True)

    async def _verify(self, app: Row, departments: list[str], token: uuid.UUID) -> None:
        app_id = app["application_id"]
        results: list[CheckResult | DepartmentUnavailable] = []
        error: str | None = None
        try:
            number = open_id_number(self.sealer, app["id_number_sealed"])
        except Exception as e:  # the key changed or is missing: wait and try again
            number, error = None, f"cannot open the ID number: {type(e).__name__}"
        if number is not None and departments:
            outcomes = await asyncio.gather(
                *(self.adapters[d].lookup(number) for d in departments), return_exceptions=True
            )
            for dept, out in zip(departments, outcomes, strict=True):
                if isinstance(out, CheckResult | DepartmentUnavailable):
                    results.append(out)
                elif isinstance(out, BaseException):
                    log.error("%s: %s adapter failed unexpectedly: %r", app_id, dept, out)
                    error = f"{dept}: {type(out).__name__}"
        try:
            await self._finish(app, token, results, error)
        except Exception:
            log.exception("%s: could not store the verification; the claim expires and it is retried", app_id)

    async def _finish(
        self,
        app: Row,
        token: uuid.UUID,
        results: list[CheckResult | DepartmentUnavailable],
        error: str | None,
    ) -> None:
        app_id, rev = app["application_id"], app["declaration_revision"]
        now = self.ctx.clock.now()
        async with self.ctx.session_factory() as s, s.begin():
            current = await repo.get_application(s, app_id, for_update=True)
            reasons = [f"{r.department}: {r.reason}" for r in results if isinstance(r, DepartmentUnavailable)]
            for r in results:  # evidence of every check, whatever happens next
                if isinstance(r, CheckResult):
                    await repo.insert_check(
                        s, evidence_row(app_id, rev, r.evidence, outcome=r.outcome, data=r.data)
                    )
                else:
                    await repo.insert_check(
                        s, evidence_row(app_id, rev, r.evidence, outcome="unavailable", data=None)
                    )
            if current is None or current["claim_token"] != token or current["declaration_revision"] != rev:
                log.info(
                    "%s: claim superseded (new revision or lease taken over); results kept as evidence",
                    app_id,
                )
                return
            settled = await settle(s, current, outbox=self.ctx.outbox, now=now, trigger="verification")
            values: dict[str, Any] = {"claim_token": None, "claimed_until": None}
            if settled.status == "pending_department":
                delay = backoff_delay(
                    max(1, current["attempts"]),
                    initial_s=self.settings.pending_retry_initial_s,
                    max_s=self.settings.pending_retry_max_s,
                    rng=self.rng,
                )
                values["next_attempt_at"] = now + timedelta(seconds=delay)
                values["last_error"] = "; ".join([*reasons, *([error] if error else [])])[:2000] or None
            await repo.update_application(s, app_id, **values)
        if settled.emitted_revision is not None:
            self.completed += 1

    async def run_forever(self) -> None:
        while True:
            try:
                n = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("verification job round failed; retrying")
                n = 0
            if n < self.settings.verify_batch_size:
                await asyncio.sleep(self.settings.verify_poll_interval_s)


# ---- staff: on-site review, rechecks and appeals, retries -----------------------------------


async def decide_onsite(
    session: AsyncSession,
    task_id: int,
    *,
    decision: str,
    value: Any,
    reviewer: str,
    note: str,
    who: str,
    outbox: Outbox,
    now: datetime,
) -> tuple[Row, Settled | None]:
    task = await repo.get_task(session, task_id)
    if task is None:
        raise ApiError(404, "task_not_found", f"No on-site review task {task_id}.")
    app = await repo.get_application(session, task["application_id"], for_update=True)
    task = await repo.get_task(session, task_id, for_update=True)
    assert task is not None and app is not None
    if task["status"] != "open":
        raise ApiError(
            409,
            "task_not_open",
            f"Task {task_id} is {task['status']}; it cannot be decided again.",
        )
    await repo.decide_task(
        session,
        task_id,
        status="decided",
        decision=decision,
        value=value,
        reviewer=reviewer,
        note=note,
        decided_by=who,
        decided_at=now,
    )
    settled = None
    if app["declaration_revision"] == task["declaration_revision"]:
        settled = await settle(session, app, outbox=outbox, now=now, trigger="onsite_review")
    updated = await repo.get_task(session, task_id)
    assert updated is not None
    return updated, settled


def _phase_text(rnd: Row) -> str:
    for p in rnd["phases"] or []:
        if p.get("phase") == rnd["phase"]:
            return f"{rnd['phase']} ({p.get('starts_on')} – {p.get('ends_on')})"
    return str(rnd["phase"])


async def file_request(
    session: AsyncSession,
    *,
    application_id: str,
    kind: str,
    item: str,
    reason: str,
    who: str,
    settings: Settings,
    now: datetime,
    owner: str | None = None,
) -> Row:
    """File a recheck or appeal. ``owner``: the applicant filing it for themself — the application must
    be theirs (``applicant_id`` from ``application.submitted``), else it is answered as unknown (404), so
    that nobody learns which other applications exist. Bureau staff file without ``owner``."""
    app = await repo.get_application(session, application_id, for_update=True)
    if app is None or (owner is not None and app["applicant_id"] != owner):
        raise ApiError(404, "application_not_found", f"No application {application_id} is known here.")
    if app["facts_revision"] < 1:
        raise ApiError(409, "not_verified_yet", "The application has no verification result yet to recheck.")
    rnd = await repo.get_round(session, app["round_id"])
    if rnd is None:
        raise ApiError(409, "round_phase_unknown", f"The phase of round {app['round_id']} is not known yet.")
    allowed = settings.recheck_phases if kind == "recheck" else settings.appeal_phases
    if rnd["phase"] not in allowed:
        what = (
            "A recheck (复查) is possible only in the declaration phase"
            if kind == "recheck"
            else ("An appeal (申诉) is possible only in the results-query phase")
        )
        raise ApiError(409, "out_of_phase", f"{what}; round {rnd['round_id']} is in {_phase_text(rnd)}.")
    row = await repo.insert_request(
        session,
        {
            "application_id": application_id,
            "round_id": app["round_id"],
            "declaration_revision": app["declaration_revision"],
            "kind": kind,
            "item": item,
            "reason": reason,
            "phase": rnd["phase"],
            "requested_by": who,
            "status": "open",
            "created_at": now,
        },
    )
    if row is None:
        raise ApiError(
            409,
            "already_requested",
            f"A {kind} of {item} was already requested for {application_id} (once only).",
        )
    return row


async def decide_request(
    session: AsyncSession,
    request_id: int,
    *,
    outcome: str,
    value: Any,
    reviewer: str,
    note: str,
    who: str,
    outbox: Outbox,
    now: datetime,
) -> tuple[Row, Settled | None]:
    req = await repo.get_request(session, request_id)
    if req is None:
        raise ApiError(404, "request_not_found", f"No recheck or appeal {request_id}.")
    app = await repo.get_application(session, req["application_id"], for_update=True)
    req = await repo.get_request(session, request_id, for_update=True)
    assert req is not None and app is not None
    if req["status"] != "open":
        raise ApiError(409, "request_not_open", f"Request {request_id} is already decided.")
    await repo.update_request(
        session,
        request_id,
        status="decided",
        outcome=outcome,
        value=value if outcome == "changed" else None,
        reviewer=reviewer,
        note=note,
        decided_by=who,
        decided_at=now,
    )
    settled = None
    if outcome == "changed":
        settled = await settle(session, app, outbox=outbox, now=now, trigger=req["kind"])
        if settled.emitted_revision is not None:
            await repo.update_request(session, request_id, facts_revision=settled.emitted_revision)
    updated = await repo.get_request(session, request_id)
    assert updated is not None
    return updated, settled


# ---- partner departments: pushed answers and corrections (202, then a callback) -------------


async def accept_submission(
    session: AsyncSession,
    *,
    department: str,
    client: str,
    application_id: str,
    kind: str,
    reference: str,
    data: dict[str, Any],
    payload_digest: str,
    callback_url: str | None,
    now: datetime,
) -> tuple[Row, bool]:
    """Store a department's push for the submissions job; ``(row, created)``. Same reference twice: the
    first submission is returned (idempotent), unless its content differs (409)."""
    app = await repo.get_application(session, application_id)
    if app is None:
        raise ApiError(404, "application_not_found", f"No application {application_id} is known here.")
    row = await repo.insert_submission(
        session,
        {
            "id": uuid.uuid4(),
            "department": department,
            "client": client,
            "application_id": application_id,
            "kind": kind,
            "reference": reference,
            "data": data,
            "payload_digest": payload_digest,
            "status": "accepted",
            "callback_url": callback_url,
            "callback_status": "pending" if callback_url else "none",
            "created_at": now,
        },
    )
    if row is not None:
        return row, True
    existing = await repo.submission_by_reference(session, department, reference)
    assert existing is not None
    if existing["payload_digest"] != payload_digest or existing["application_id"] != application_id:
        raise ApiError(
            409, "reference_reused", f"Reference {reference!r} was already used for a different submission."
        )
    return existing, False


class SubmissionsJob:
    """Applies accepted department submissions (each in one transaction with its effect), then calls the
    department back with the outcome, retrying with backoff until it acknowledges (2xx)."""

    def __init__(self, ctx: Any, settings: Settings, http: Any) -> None:
        self.ctx = ctx
        self.settings = settings
        self.http = http  # an httpx.AsyncClient
        self.rng = random.Random()

    async def apply_batch(self, limit: int = 50) -> int:
        now = self.ctx.clock.now()
        async with self.ctx.session_factory() as s, s.begin():
            subs = await repo.claim_accepted_submissions(s, limit)
            for sub in subs:
                await self._apply(s, sub, now)
        return len(subs)

    async def _apply(self, s: AsyncSession, sub: Row, now: datetime) -> None:
        app = await repo.get_application(s, sub["application_id"], for_update=True)
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
            await repo.insert_check(
                s,
                evidence_row(
                    sub["application_id"],
                    rev,
                    ev,
                    outcome="answered",
                    data=sub["data"],
                    source="push",
                    submission_id=sub["id"],
                ),
            )
            trigger = "department_answer" if sub["kind"] == "answer" else "department_correction"
            settled = await settle(s, app, outbox=self.ctx.outbox, now=now, trigger=trigger)
            status = "applied"
            result = {
                "application_status": settled.status,
                "facts_revision": settled.emitted_revision,
                "changed": settled.emitted_revision is not None,
                "declaration_revision": rev,
            }
        await repo.update_submission(
            s,
            sub["id"],
            status=status,
            result=result,
            processed_at=now,
            next_callback_at=now if sub["callback_url"] else None,
        )

    async def deliver_callbacks(self, limit: int = 20) -> int:
        now = self.ctx.clock.now()
        async with self.ctx.session_factory() as s, s.begin():
            rows = await repo.claim_callbacks(
                s,
                now=now,
                lease_until=now + timedelta(seconds=self.settings.callback_timeout_s * 3),
                limit=limit,
            )
        for row in rows:
            await self._deliver(row)
        return len(rows)

    def _signed_request(self, row: Row) -> tuple[bytes, dict[str, str]] | str:
        """The exact body and headers of a callback, or why it may no longer be sent (the department's
        secret or allow-list changed since the submission was accepted)."""
        department = row["department"]
        secret = self.settings.callback_secret(department)
        if secret is None:
            return "no callback secret is configured for the department any more"
        problem = callback_url_problem(
            row["callback_url"], self.settings.department_callback_hosts.get(department, ())
        )
        if problem is not None:
            return f"callback_url no longer allowed: {problem}"
        body = orjson.dumps(submission_out(row).model_dump(mode="json"))
        timestamp = int(self.ctx.clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            SUBMISSION_ID_HEADER: str(row["id"]),
            DEPARTMENT_HEADER: department,
        }
        return body, headers

    async def _deliver(self, row: Row) -> None:
        attempts = row["callback_attempts"] + 1
        error: str | None = None
        refused = False
        request = self._signed_request(row)
        if isinstance(request, str):
            error, refused = request, True
        else:
            body, headers = request
            try:
                resp = await self.http.post(
                    row["callback_url"],
                    content=body,
                    headers=headers,
                    timeout=self.settings.callback_timeout_s,
                    follow_redirects=False,
                )
                if 200 <= resp.status_code < 300:
                    error = None
                else:
                    error = f"callback answered {resp.status_code}"
            except Exception as e:
                error = f"callback failed: {type(e).__name__}"
        now = self.ctx.clock.now()
        values: dict[str, Any] = {"callback_claimed_until": None, "callback_error": error}
        if error is None:
            values.update(callback_status="delivered", callback_delivered_at=now)
        elif refused or attempts >= self.settings.callback_max_attempts:
            values.update(callback_status="failed")
        else:
            delay = backoff_delay(
                attempts,
                initial_s=self.settings.callback_retry_initial_s,
                max_s=self.settings.callback_retry_max_s,
                rng=self.rng,
            )
            values.update(next_callback_at=now + timedelta(seconds=delay))
        async with self.ctx.session_factory() as s, s.begin():
            await repo.update_submission(s, row["id"], **values)

    async def run_forever(self) -> None:
        while True:
            try:
                n = await self.apply_batch() + await self.deliver_callbacks()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("submissions job round failed; retrying")
                n = 0
            if n == 0:
                await asyncio.sleep(self.settings.submissions_poll_interval_s)
