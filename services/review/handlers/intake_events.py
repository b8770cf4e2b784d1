"""What arrives from intake: ``application.submitted`` (a declaration to verify) and
``round.phase_changed`` (the round's current phase, for the phase gating of rechecks and appeals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.review.adapters.records import Program
from services.review.context import Tx
from services.review.domain.model import DEPARTMENTS, ITEMS, ItemResult
from services.review.handlers.common import open_id_number
from shared.api.errors import Invalid
from shared.events.contracts.intake import ApplicationSubmittedV2, EncryptedValue, RoundPhaseChangedV1
from shared.events.envelope import Envelope
from shared.facts.points import PointsFacts
from shared.validation import InvalidIdentifier, parse_resident_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordSubmission:
    application_id: str
    revision: int
    round_id: str
    program: Program
    name: str
    employer_name: str
    id_number: EncryptedValue
    declared_facts: PointsFacts
    applicant_id: str | None
    correlation_id: str
    causation_id: str

    @classmethod
    def from_event(cls, data: ApplicationSubmittedV2, envelope: Envelope) -> RecordSubmission:
        return cls(
            application_id=data.application_id,
            revision=data.revision,
            round_id=data.round_id,
            program=data.program,
            name=data.name,
            employer_name=data.employer_name,
            id_number=data.id_number,
            declared_facts=data.declared_facts,
            applicant_id=data.applicant_id,
            correlation_id=envelope.correlation_id,
            causation_id=str(envelope.id),
        )


async def record_submission(tx: Tx, cmd: RecordSubmission) -> None:
    """``application.submitted``: record the declaration and make its verification due (quickly: the
    department calls happen later, in the verification job, outside this inbox transaction). Its
    ``declared_facts`` were validated against the points facts by the event registry (v2)."""
    if cmd.program != "points":
        log.info("application %s: program %s is not verified here", cmd.application_id, cmd.program)
        return
    sealed = cmd.id_number.model_dump()
    number = open_id_number(tx.rt.sealer, sealed)
    assert tx.rt.sealer is not None  # open_id_number refuses without it
    try:
        rid = parse_resident_id(number)
    except InvalidIdentifier as e:
        raise Invalid("invalid_id_number", f"the sealed ID number is not valid: {e.code}") from e
    existing = await tx.repo.get_application(cmd.application_id, for_update=True)
    if existing is not None and existing["declaration_revision"] >= cmd.revision:
        log.info("application %s: revision %d already known; ignored", cmd.application_id, cmd.revision)
        return
    now = tx.now
    await tx.repo.upsert_application(
        {
            "application_id": cmd.application_id,
            "round_id": cmd.round_id,
            "program": cmd.program,
            "name": cmd.name,
            "employer_name": cmd.employer_name,
            "id_number_sealed": sealed,
            "id_number_digest": tx.rt.sealer.digest(rid.number, context="id_number"),
            "applicant_id": cmd.applicant_id,
            "id_birth_date": rid.birth_date,
            "id_sex": rid.sex,
            "declaration_revision": cmd.revision,
            "declared_facts": cmd.declared_facts.as_document(),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "claim_token": None,
            "claimed_until": None,
            "waiting_departments": list(DEPARTMENTS),
            "last_error": None,
            "correlation_id": cmd.correlation_id,
            "causation_id": cmd.causation_id,
            "submitted_at": now,
            "updated_at": now,
            "completed_at": None,
        }
    )
    await tx.repo.supersede_tasks(cmd.application_id, cmd.revision)
    await tx.repo.save_item_results(
        cmd.application_id,
        cmd.revision,
        [ItemResult(i, "pending_department", "waiting for the departments 等待部门核验") for i in ITEMS],
        now,
    )


@dataclass(frozen=True)
class RecordRoundPhase:
    phase: RoundPhaseChangedV1
    event_at: datetime  # the envelope's time: the newest phase event wins


async def record_round_phase(tx: Tx, cmd: RecordRoundPhase) -> bool:
    """``round.phase_changed``: keep the round's current phase; an older event (redelivered, replayed)
    than the one stored changes nothing. True when the row was written."""
    return await tx.repo.apply_round_phase(cmd.phase, cmd.event_at, tx.now)
