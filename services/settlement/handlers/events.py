"""Events in (through the inbox, one transaction each): ``application.submitted`` (who the holder is),
``publicity.outcome`` (cleared, held or disqualified), ``publicity.closed`` and ``round.phase_changed``
(round facts). The holder's data and the outcome travel on different topics and may arrive in either
order: whichever comes second issues the confirmation letter. Both take a per-application advisory lock,
so the second always sees what the first committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.settlement.adapters.records import QualificationRecord
from services.settlement.context import Tx
from services.settlement.domain import (
    CANCELLABLE,
    ConductSubject,
    RevocationReason,
    Status,
    is_fraud_disqualification,
    lapse_date,
    publicity_closed_on,
)
from services.settlement.domain.letters import QUALIFICATION_CONFIRMATION
from services.settlement.domain.qualification import BEIJING
from services.settlement.handlers.common import audit, log, set_status
from services.settlement.handlers.conduct import complete_pending_conduct, record_for_application
from services.settlement.handlers.ending import end_qualification
from services.settlement.handlers.letters import issue_letter
from shared.calendar import qualification_valid_until
from shared.events.contracts.intake import ApplicationSubmittedV2, RoundPhaseChangedV1
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.contracts.settlement import QualificationLapsedV1
from shared.events.envelope import Envelope

# ---- round facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyRoundPhase:
    """A ``round.phase_changed`` and the time it was emitted (its envelope's)."""

    data: RoundPhaseChangedV1
    event_at: datetime


async def apply_round_phase(tx: Tx, cmd: ApplyRoundPhase) -> None:
    """Remember the round's programme, year and phases (the year is printed on letters); an older phase
    event than the one stored changes nothing."""
    await tx.repo.apply_round_phase(cmd.data, cmd.event_at)


@dataclass(frozen=True)
class RecordPublicityClosed:
    round_id: str
    program: str
    closed_at: datetime
    event_at: datetime

    @classmethod
    def from_event(cls, data: PublicityClosedV1, event_at: datetime) -> RecordPublicityClosed:
        return cls(data.round_id, data.program, data.closed_at, event_at)


async def record_publicity_closed(tx: Tx, cmd: RecordPublicityClosed) -> None:
    """Remember when the round's publicity closed (each outcome also carries it); the phase is not touched."""
    await tx.repo.record_publicity_closed(cmd.round_id, cmd.program, cmd.closed_at, cmd.event_at)


# ---- the holder ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeepHolder:
    """The holder's data from one revision of ``application.submitted``."""

    application_id: str
    revision: int
    round_id: str
    program: str
    name: str
    birth_year_month: str
    employer_name: str
    employer_credit_code: str
    id_number_sealed: dict[str, str]
    id_number_digest: str | None
    applicant_account_id: str | None
    event_at: datetime

    @classmethod
    def from_event(cls, data: ApplicationSubmittedV2, event_at: datetime) -> KeepHolder:
        return cls(
            application_id=data.application_id,
            revision=data.revision,
            round_id=data.round_id,
            program=data.program,
            name=data.name,
            birth_year_month=data.birth_year_month,
            employer_name=data.employer_name,
            employer_credit_code=data.employer_credit_code,
            id_number_sealed=data.id_number.model_dump(mode="json"),
            id_number_digest=data.id_number_digest,
            applicant_account_id=data.applicant_id,
            event_at=event_at,
        )


async def keep_holder(tx: Tx, cmd: KeepHolder) -> None:
    """Keep the holder's data (latest revision); finish what waited for it: the confirmation letter of a
    cleared outcome that arrived first, and a bad-conduct record of a fraud found first."""
    await tx.repo.lock_application(cmd.application_id)
    await tx.repo.upsert_holder(
        {
            "application_id": cmd.application_id,
            "revision": cmd.revision,
            "round_id": cmd.round_id,
            "program": cmd.program,
            "name": cmd.name,
            "birth_year_month": cmd.birth_year_month,
            "employer_name": cmd.employer_name,
            "employer_credit_code": cmd.employer_credit_code,
            "id_number_sealed": cmd.id_number_sealed,
            "id_number_digest": cmd.id_number_digest,
            "applicant_account_id": cmd.applicant_account_id,
            "updated_at": cmd.event_at,
        }
    )
    holder = await tx.repo.get_holder(cmd.application_id)
    assert holder is not None
    qual = await tx.repo.get_qualification(cmd.application_id, for_update=True)
    if qual is not None and qual["status"] == Status.PENDING_HOLDER:
        if await lapse_if_due(tx, qual):
            return
        await issue_letter(tx, QUALIFICATION_CONFIRMATION, qual, holder)
        await set_status(tx, qual, Status.CONFIRMED)
    await complete_pending_conduct(tx, cmd.application_id, holder)


# ---- the outcome of publicity -------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyOutcome:
    """An entry's ``publicity.outcome``."""

    application_id: str
    round_id: str
    program: str
    outcome: str
    reason: str | None
    reason_code: str | None
    publicity_closed_at: datetime
    decided_at: datetime
    event_id: str

    @classmethod
    def from_event(cls, data: PublicityOutcomeV1, envelope: Envelope) -> ApplyOutcome:
        return cls(
            application_id=data.application_id,
            round_id=data.round_id,
            program=data.program,
            outcome=data.outcome,
            reason=data.reason,
            reason_code=data.reason_code,
            publicity_closed_at=data.publicity_closed_at,
            decided_at=data.decided_at or envelope.time,
            event_id=str(envelope.id),
        )


async def apply_outcome(tx: Tx, cmd: ApplyOutcome) -> None:
    """Act on the end of an entry's publicity (seed 004 第十条, 第十三条, 第十七条).

    ``cleared``: the qualification exists from now, valid two years after the publicity closed; the
    confirmation letter is issued at once if the holder's data is known, else when it arrives.
    ``held``: waits for the decision. ``disqualified``: final; a qualification already granted is
    cancelled and its letters revoked; a fraud reason records the person for five years.
    A repeated outcome (a redelivery, or the same outcome published again) changes nothing.
    """
    if cmd.program != "points":
        log.info(
            "publicity.outcome of programme %s for %s: not a points settlement",
            cmd.program,
            cmd.application_id,
        )
        return
    await tx.repo.lock_application(cmd.application_id)
    qual = await tx.repo.get_qualification(cmd.application_id, for_update=True)
    await audit(
        tx,
        "publicity.outcome",
        cmd.application_id,
        outcome=cmd.outcome,
        reason=cmd.reason,
        reason_code=cmd.reason_code,
        event_id=cmd.event_id,
    )
    if cmd.outcome == "held":
        if qual is None:
            await insert_qualification(tx, cmd, Status.HELD)
        return
    if cmd.outcome == "cleared":
        if qual is None:
            qual = await insert_qualification(tx, cmd, Status.HELD)
        if qual["status"] != Status.HELD:
            log.info(
                "cleared outcome for %s ignored: qualification is %s", cmd.application_id, qual["status"]
            )
            return
        await grant(tx, qual, cmd)
        return
    await disqualify(tx, qual, cmd)


async def disqualify(tx: Tx, qual: QualificationRecord | None, cmd: ApplyOutcome) -> None:
    # The structured code decides; only an outcome without one (older producers) is read as text.
    fraud = is_fraud_disqualification(cmd.reason_code, cmd.reason)
    if qual is None:
        await insert_qualification(tx, cmd, Status.DISQUALIFIED)
        await audit(
            tx,
            "qualification.disqualified",
            cmd.application_id,
            reason=cmd.reason,
            reason_code=cmd.reason_code,
        )
    elif qual["status"] == Status.HELD:
        await set_status(
            tx, qual, Status.DISQUALIFIED, {"end_reason_code": "disqualified", "end_note": cmd.reason}
        )
    elif qual["status"] in CANCELLABLE:
        await end_qualification(
            tx, qual, RevocationReason.FRAUD if fraud else RevocationReason.DISQUALIFIED, cmd.reason
        )
    else:
        log.info(
            "disqualified outcome for %s ignored: qualification is %s", cmd.application_id, qual["status"]
        )
        return
    if fraud:
        await record_for_application(
            tx,
            cmd.application_id,
            ConductSubject.PERSON,
            reason=cmd.reason or "弄虚作假",
            source="publicity",
            decided_on=cmd.decided_at.astimezone(BEIJING).date(),
        )


async def insert_qualification(tx: Tx, cmd: ApplyOutcome, status: Status) -> QualificationRecord:
    return await tx.repo.insert_qualification(
        application_id=cmd.application_id,
        round_id=cmd.round_id,
        program=cmd.program,
        status=status.value,
        outcome_reason=cmd.reason,
        publicity_closed_at=cmd.publicity_closed_at,
        publicity_closed_on=publicity_closed_on(cmd.publicity_closed_at),
        now=tx.now,
    )


async def grant(tx: Tx, qual: QualificationRecord, cmd: ApplyOutcome) -> None:
    """A cleared entry becomes a qualification, valid until 24:00 of the day two years after the publicity
    closed (calendar policy; shared.calendar.qualification_valid_until)."""
    closed_on = publicity_closed_on(cmd.publicity_closed_at)
    deadline = qualification_valid_until(closed_on)
    qual = await tx.repo.update_qualification(
        qual["application_id"],
        {
            "publicity_closed_at": cmd.publicity_closed_at,
            "publicity_closed_on": closed_on,
            "valid_until": deadline.due_date,
            "valid_until_at": deadline.due_at,
            "validity_rule": deadline.rule,
            "calendar_version": deadline.calendar_version,
            "outcome_reason": cmd.reason,
        },
    )
    holder = await tx.repo.get_holder(qual["application_id"])
    if holder is None:
        await set_status(tx, qual, Status.PENDING_HOLDER)
        return
    if await lapse_if_due(tx, qual):
        return
    await issue_letter(tx, QUALIFICATION_CONFIRMATION, qual, holder)
    await set_status(tx, qual, Status.CONFIRMED)


# ---- lapsing ------------------------------------------------------------------------------------


async def lapse_if_due(tx: Tx, qual: QualificationRecord) -> bool:
    """Lapse an unused qualification whose validity is over (late events; the job does the rest)."""
    valid_until_at = qual["valid_until_at"]
    if valid_until_at is None or tx.now < valid_until_at:
        return False
    await lapse(tx, qual)
    return True


async def lapse(tx: Tx, qual: QualificationRecord) -> None:
    valid_until = qual["valid_until"]
    assert valid_until is not None  # a qualification lapses only once granted (valid_until_at is set)
    lapsed_on = lapse_date(valid_until)
    await set_status(tx, qual, Status.LAPSED, {"ended_on": lapsed_on, "end_reason_code": "lapsed"})
    await tx.emit(
        QualificationLapsedV1(
            application_id=qual["application_id"], round_id=qual["round_id"], lapsed_on=lapsed_on
        ),
        qual["application_id"],
    )
