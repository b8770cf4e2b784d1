"""The graduate programme: verification of graduate declarations (``graduate.declared`` →
``graduate.verified``) and the settlement check of Y+1 (``graduate.settlement_check_requested`` →
``graduate.settlement_checked``).

Like the points verification: the consumer only records the work (its inbox transaction makes no HTTP
call); the graduate job (:mod:`services.review.jobs`) claims due work (:func:`claim_graduate_work`), asks
the registries outside any transaction, then stores the evidence and settles each item of work in its
own transaction (:func:`finish_graduate_verification`, :func:`finish_settlement_check`) with the pure
rules of :mod:`services.review.domain.graduates`. A registry that has not answered leaves the work
``pending_department``, due again after a growing jittered wait.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.review.adapters.graduate_registries import RegistryResult
from services.review.adapters.http_lookup import DepartmentUnavailable
from services.review.adapters.records import (
    GraduateSettlementCheckChanges,
    GraduateSettlementCheckRecord,
    GraduateSubject,
    GraduateVerificationChanges,
    NewGraduateEvidence,
)
from services.review.adapters.resilience import backoff_delay
from services.review.context import Tx
from services.review.domain.graduates import (
    SETTLEMENT_REGISTRIES,
    VERIFICATION_REGISTRIES,
    DeclaredGraduate,
    Registry,
    SettlementRequest,
    check_settlement,
    settlement_valid_until,
    verify_graduate,
)
from services.review.handlers.common import open_id_number
from shared.api.errors import Invalid
from shared.events.contracts.intake import EncryptedValue, GraduateDeclaredV1
from shared.events.contracts.review import (
    GraduateItemCheck,
    GraduateSettlementCheckedV1,
    GraduateVerifiedV1,
)
from shared.events.contracts.settlement import GraduateSettlementCheckRequestedV1
from shared.events.envelope import Envelope
from shared.facts.graduates import GraduateFacts
from shared.validation import InvalidIdentifier, parse_resident_id

log = logging.getLogger(__name__)


def _valid_id_number(tx: Tx, sealed: EncryptedValue) -> tuple[dict[str, Any], str]:
    """The sealed ID number as stored, and its digest; refused (``Invalid``) when it cannot be opened
    or is not a valid ID number."""
    stored = sealed.model_dump()
    number = open_id_number(tx.rt.sealer, stored)
    assert tx.rt.sealer is not None  # open_id_number refuses without it
    try:
        rid = parse_resident_id(number)
    except InvalidIdentifier as e:
        raise Invalid("invalid_id_number", f"the sealed ID number is not valid: {e.code}") from e
    return stored, tx.rt.sealer.digest(rid.number, context="id_number")


def _item_events(items: list[dict[str, Any]]) -> list[GraduateItemCheck]:
    return [
        GraduateItemCheck(item=i["item"], status=i["status"], department=i["department"], note=i["note"])
        for i in items
    ]


# ---- from the events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordGraduateDeclaration:
    data: GraduateDeclaredV1
    correlation_id: str
    causation_id: str

    @classmethod
    def from_event(cls, data: GraduateDeclaredV1, envelope: Envelope) -> RecordGraduateDeclaration:
        return cls(data, envelope.correlation_id, str(envelope.id))


async def record_graduate_declaration(tx: Tx, cmd: RecordGraduateDeclaration) -> bool:
    """``graduate.declared``: record the declaration revision and make its check due (the registry
    calls happen in the graduate job). An older or known revision changes nothing (False)."""
    d = cmd.data
    sealed, digest = _valid_id_number(tx, d.id_number)
    existing = await tx.repo.get_graduate(d.declaration_id, for_update=True)
    if existing is not None and existing["declaration_revision"] >= d.revision:
        log.info("declaration %s: revision %d already known; ignored", d.declaration_id, d.revision)
        return False
    now = tx.now
    facts = d.facts.as_document()
    pending = verify_graduate(DeclaredGraduate(facts, d.university, d.major), {}).checks
    await tx.repo.upsert_graduate(
        {
            "declaration_id": d.declaration_id,
            "declaration_revision": d.revision,
            "round_id": d.round_id,
            "year": d.year,
            "supervising_unit_id": d.supervising_unit_id,
            "employer_credit_code": d.employer_credit_code,
            "employer_name": d.employer_name,
            "name": d.name,
            "id_number_sealed": sealed,
            "id_number_digest": digest,
            "university": d.university,
            "major": d.major,
            "diploma_number": d.diploma_number,
            "degree_number": d.degree_number,
            "declared_facts": facts,
            "status": "pending",
            "items": [c.as_dict() for c in pending],
            "verified_facts": None,
            "event_id": None,
            "attempts": 0,
            "next_attempt_at": now,
            "claim_token": None,
            "claimed_until": None,
            "waiting_registries": list(VERIFICATION_REGISTRIES),
            "last_error": None,
            "correlation_id": cmd.correlation_id,
            "causation_id": cmd.causation_id,
            "declared_at": d.declared_at,
            "updated_at": now,
            "completed_at": None,
        }
    )
    return True


@dataclass(frozen=True)
class RecordSettlementRequest:
    data: GraduateSettlementCheckRequestedV1
    correlation_id: str
    causation_id: str

    @classmethod
    def from_event(
        cls, data: GraduateSettlementCheckRequestedV1, envelope: Envelope
    ) -> RecordSettlementRequest:
        return cls(data, envelope.correlation_id, str(envelope.id))


async def record_settlement_request(tx: Tx, cmd: RecordSettlementRequest) -> bool:
    """``graduate.settlement_check_requested``: record the check and make it due; a request already
    known (a redelivery) changes nothing (False)."""
    d = cmd.data
    sealed, _ = _valid_id_number(tx, d.id_number)
    now = tx.now
    return await tx.repo.insert_settlement_check(
        {
            "request_id": d.request_id,
            "declaration_id": d.declaration_id,
            "round_id": d.round_id,
            "year": d.year,
            "id_number_sealed": sealed,
            "university": d.university,
            "education": d.education,
            "diploma_number": d.diploma_number,
            "degree_number": d.degree_number,
            "training_mode": d.training_mode,
            "employer_credit_code": d.employer_credit_code,
            "reported_for_duty_on": d.reported_for_duty_on,
            "requested_at": d.requested_at,
            "status": "pending",
            "passed": None,
            "items": [],
            "valid_until": None,
            "checked_at": None,
            "event_id": None,
            "attempts": 0,
            "next_attempt_at": now,
            "claim_token": None,
            "claimed_until": None,
            "waiting_registries": list(SETTLEMENT_REGISTRIES),
            "last_error": None,
            "correlation_id": cmd.correlation_id,
            "causation_id": cmd.causation_id,
            "created_at": now,
            "updated_at": now,
        }
    )


# ---- the graduate job's steps ------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """A registry to ask, and under which key (an ID number, sealed, or a credit code)."""

    registry: Registry
    key: str
    sealed: bool


@dataclass(frozen=True)
class GraduateWork:
    subject: GraduateSubject
    subject_id: str
    revision: int  # the declaration revision (0 for a settlement check)
    correlation_id: str
    sealed_id_number: dict[str, Any]
    lookups: list[Lookup]


@dataclass(frozen=True)
class ClaimGraduateWork:
    token: uuid.UUID


async def claim_graduate_work(tx: Tx, cmd: ClaimGraduateWork) -> list[GraduateWork]:
    """Claim due verifications and settlement checks (a lease each) and say which registries to ask."""
    settings = tx.rt.settings
    lease = tx.now + timedelta(seconds=settings.verify_lease_s)
    work: list[GraduateWork] = []
    for g in await tx.repo.claim_due_graduates(
        now=tx.now, lease_until=lease, token=cmd.token, limit=settings.verify_batch_size
    ):
        answered = await tx.repo.graduate_registry_data(
            "verification", g["declaration_id"], g["declaration_revision"]
        )
        lookups = [
            Lookup(r, g["employer_credit_code"], False) if r == "company_registry" else Lookup(r, "", True)
            for r in VERIFICATION_REGISTRIES
            if r not in answered
        ]
        work.append(
            GraduateWork(
                "verification",
                g["declaration_id"],
                g["declaration_revision"],
                g["correlation_id"],
                g["id_number_sealed"],
                lookups,
            )
        )
    for c in await tx.repo.claim_due_settlement_checks(
        now=tx.now, lease_until=lease, token=cmd.token, limit=settings.verify_batch_size
    ):
        answered = await tx.repo.graduate_registry_data("settlement_check", c["request_id"], 0)
        lookups = [Lookup(r, "", True) for r in SETTLEMENT_REGISTRIES if r not in answered]
        work.append(
            GraduateWork(
                "settlement_check", c["request_id"], 0, c["correlation_id"], c["id_number_sealed"], lookups
            )
        )
    return work


def graduate_evidence_row(
    work: GraduateWork, result: RegistryResult | DepartmentUnavailable
) -> NewGraduateEvidence:
    ev = result.evidence
    return {
        "subject": work.subject,
        "subject_id": work.subject_id,
        "revision": work.revision,
        "registry": ev.department,
        "outcome": result.outcome if isinstance(result, RegistryResult) else "unavailable",
        "data": result.data if isinstance(result, RegistryResult) else None,
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
    }


@dataclass(frozen=True)
class FinishGraduateWork:
    work: GraduateWork
    token: uuid.UUID
    results: list[RegistryResult | DepartmentUnavailable]
    error: str | None  # why the registries could not all be asked


def _retry_at(tx: Tx, attempts: int) -> datetime:
    s = tx.rt.settings
    delay = backoff_delay(
        max(1, attempts), initial_s=s.pending_retry_initial_s, max_s=s.pending_retry_max_s, rng=tx.rt.rng
    )
    return tx.now + timedelta(seconds=delay)


def _last_error(cmd: FinishGraduateWork) -> str | None:
    reasons = [f"{r.department}: {r.reason}" for r in cmd.results if isinstance(r, DepartmentUnavailable)]
    return "; ".join([*reasons, *([cmd.error] if cmd.error else [])])[:2000] or None


async def finish_graduate_work(tx: Tx, cmd: FinishGraduateWork) -> bool:
    """Store the evidence of every check; then, unless the claim was superseded, settle the work.
    True when an event was emitted."""
    for r in cmd.results:
        await tx.repo.insert_graduate_evidence(graduate_evidence_row(cmd.work, r))
    if cmd.work.subject == "verification":
        return await _finish_verification(tx, cmd)
    return await _finish_settlement_check(tx, cmd)


async def _finish_verification(tx: Tx, cmd: FinishGraduateWork) -> bool:
    w = cmd.work
    g = await tx.repo.get_graduate(w.subject_id, for_update=True)
    if g is None or g["claim_token"] != cmd.token or g["declaration_revision"] != w.revision:
        log.info("%s: claim superseded; the registries' answers are kept as evidence", w.subject_id)
        return False
    registries = await tx.repo.graduate_registry_data("verification", w.subject_id, w.revision)
    outcome = verify_graduate(
        DeclaredGraduate(
            facts=g["declared_facts"],
            university=g["university"],
            major=g["major"],
            diploma_number=g["diploma_number"],
            degree_number=g["degree_number"],
        ),
        registries,
    )
    now = tx.now
    items = [c.as_dict() for c in outcome.checks]
    values: GraduateVerificationChanges = {
        "items": items,
        "waiting_registries": list(outcome.waiting),
        "claim_token": None,
        "claimed_until": None,
        "updated_at": now,
    }
    emitted = False
    if outcome.facts is None:
        values["status"] = "pending_department"
        values["next_attempt_at"] = _retry_at(tx, g["attempts"])
        values["last_error"] = _last_error(cmd)
    else:
        facts = GraduateFacts.model_validate(outcome.facts)
        revision = g["facts_revision"] + 1
        # Caused by the declaration (graduate.declared) whatever run of the job settled it.
        env = await tx.rt.outbox.emit(
            tx.session,
            GraduateVerifiedV1(
                declaration_id=g["declaration_id"],
                revision=revision,
                declaration_revision=g["declaration_revision"],
                round_id=g["round_id"],
                supervising_unit_id=g["supervising_unit_id"],
                facts=facts,
                items=_item_events(items),
                verified_at=now,
            ),
            subject=g["declaration_id"],
            correlation_id=g["correlation_id"],
            causation_id=g["causation_id"],
        )
        values["status"] = "completed"
        values["verified_facts"] = facts.as_document()
        values["facts_revision"] = revision
        values["event_id"] = env.id
        values["next_attempt_at"] = None
        values["last_error"] = None
        values["completed_at"] = now
        emitted = True
    await tx.repo.update_graduate(w.subject_id, values)
    return emitted


def settlement_request_of(c: GraduateSettlementCheckRecord) -> SettlementRequest:
    return SettlementRequest(
        year=c["year"],
        university=c["university"],
        education=c["education"],
        diploma_number=c["diploma_number"],
        degree_number=c["degree_number"],
        training_mode=c["training_mode"],
        employer_credit_code=c["employer_credit_code"],
        reported_for_duty_on=c["reported_for_duty_on"],
    )


async def _finish_settlement_check(tx: Tx, cmd: FinishGraduateWork) -> bool:
    w = cmd.work
    c = await tx.repo.get_settlement_check(w.subject_id, for_update=True)
    if c is None or c["claim_token"] != cmd.token:
        log.info("%s: claim superseded; the registries' answers are kept as evidence", w.subject_id)
        return False
    registries = await tx.repo.graduate_registry_data("settlement_check", w.subject_id, 0)
    today: date = tx.today
    outcome = check_settlement(
        settlement_request_of(c),
        registries,
        today=today,
        min_insurance_months=tx.rt.settings.graduate_settlement_min_insurance_months,
    )
    now = tx.now
    items = [x.as_dict() for x in outcome.checks]
    values: GraduateSettlementCheckChanges = {
        "items": items,
        "waiting_registries": list(outcome.waiting),
        "claim_token": None,
        "claimed_until": None,
        "updated_at": now,
    }
    passed = outcome.passed
    if passed is None:
        values["status"] = "pending_department"
        values["next_attempt_at"] = _retry_at(tx, c["attempts"])
        values["last_error"] = _last_error(cmd)
        await tx.repo.update_settlement_check(w.subject_id, values)
        return False
    valid_until = settlement_valid_until(c["year"])
    env = await tx.rt.outbox.emit(
        tx.session,
        GraduateSettlementCheckedV1(
            declaration_id=c["declaration_id"],
            request_id=c["request_id"],
            passed=passed,
            items=_item_events(items),
            checked_at=now,
        ),
        subject=c["declaration_id"],
        correlation_id=c["correlation_id"],
        causation_id=c["causation_id"],
    )
    values["status"] = "completed"
    values["passed"] = passed
    values["valid_until"] = valid_until
    values["checked_at"] = now
    values["event_id"] = env.id
    values["next_attempt_at"] = None
    values["last_error"] = None
    await tx.repo.update_settlement_check(w.subject_id, values)
    return True


@dataclass(frozen=True)
class ReleaseGraduateClaims:
    token: uuid.UUID


async def release_graduate_claims(tx: Tx, cmd: ReleaseGraduateClaims) -> int:
    """Give back the claims of a stopping worker at once rather than when their lease runs out."""
    return await tx.repo.release_graduate_claims(cmd.token)
