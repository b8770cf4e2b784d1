"""Graduate cases (引进毕业生) from events, and what they show: ``graduate.declared`` (the graduate, latest
revision), ``graduate.assessed`` (eligible and the quota treatment, latest revision), ``publicity.outcome``
of programme ``graduates`` (cleared, held, disqualified). The three travel on different topics and arrive in
any order: the first opens the case, each takes the per-declaration advisory lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.settlement.adapters.records import (
    GraduateCaseChanges,
    GraduateCaseRecord,
    LetterRecord,
)
from services.settlement.context import Tx
from services.settlement.domain import ConductSubject, is_fraud_disqualification
from services.settlement.domain.graduates import (
    CaseStatus,
    DeadlineView,
    IllegalCaseTransition,
    deadline_state,
    require_case_transition,
)
from services.settlement.domain.qualification import BEIJING
from services.settlement.handlers.common import audit, log
from services.settlement.handlers.conduct import Identity, emit_conduct, insert_conduct
from shared.api.errors import Conflict, Forbidden, NotFound, Unavailable
from shared.calendar import CalendarYearUnknown, default_calendar
from shared.events.contracts.intake import GraduateDeclaredV1
from shared.events.contracts.publicity import PublicityOutcomeV1
from shared.events.contracts.scoring import GraduateAssessedV1
from shared.events.envelope import Envelope

# ---- loading and changing a case ----------------------------------------------------------------


async def open_case(tx: Tx, declaration_id: str, round_id: str, unit_id: str | None) -> GraduateCaseRecord:
    """The case, locked; opened (``open``) by the first event about the declaration."""
    await tx.repo.lock_application(declaration_id)
    case = await tx.repo.get_case(declaration_id, for_update=True)
    if case is not None:
        return case
    return await tx.repo.insert_case(
        {
            "declaration_id": declaration_id,
            "status": CaseStatus.OPEN.value,
            "round_id": round_id,
            "supervising_unit_id": unit_id,
            "created_at": tx.now,
            "updated_at": tx.now,
        }
    )


async def load_case(tx: Tx, declaration_id: str) -> GraduateCaseRecord:
    """The case, locked for a change (404 ``case_not_found``)."""
    await tx.repo.lock_application(declaration_id)
    case = await tx.repo.get_case(declaration_id, for_update=True)
    if case is None:
        raise NotFound("case_not_found", f"No graduate case for declaration {declaration_id}.")
    return case


def require_status(case: GraduateCaseRecord, *allowed: CaseStatus, action: str) -> None:
    if case["status"] not in {s.value for s in allowed}:
        raise Conflict(
            "wrong_state",
            f"Cannot {action}: the case of {case['declaration_id']} is {case['status']!r} "
            f"(needs {' or '.join(repr(s.value) for s in allowed)}).",
        )


def require_unit(case: GraduateCaseRecord, unit_id: str) -> None:
    """A supervising unit acts only on its own cases (第五条)."""
    if case["supervising_unit_id"] != unit_id:
        raise Forbidden(
            "other_unit",
            f"Declaration {case['declaration_id']} belongs to supervising unit "
            f"{case['supervising_unit_id'] or '(not yet known)'}, not {unit_id}.",
        )


async def move(
    tx: Tx,
    case: GraduateCaseRecord,
    status: CaseStatus,
    changes: GraduateCaseChanges | None = None,
    note: str | None = None,
) -> GraduateCaseRecord:
    """Move a case to ``status`` (409 ``wrong_state`` when the rules do not allow it), audited."""
    try:
        require_case_transition(case["status"], status)
    except IllegalCaseTransition as e:
        raise Conflict("wrong_state", str(e)) from e
    values: GraduateCaseChanges = {"status": status.value, "updated_at": tx.now}
    values.update(changes or {})
    updated = await tx.repo.update_case(case["declaration_id"], values)
    detail = {k: v for k, v in (changes or {}).items() if k not in ("settlement_items", "id_number_sealed")}
    await audit(
        tx, f"graduate.{status.value}", case["declaration_id"], previous=case["status"], note=note, **detail
    )
    return updated


def calendar_unknown(e: CalendarYearUnknown) -> Unavailable:
    return Unavailable("calendar_year_unknown", str(e))


# ---- what the API shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    """A case, how its deadlines stand now, and its letters."""

    case: GraduateCaseRecord
    deadline: DeadlineView | None
    settlement_deadline: DeadlineView | None
    letters: list[LetterRecord]


def deadlines(tx: Tx, case: GraduateCaseRecord) -> tuple[DeadlineView | None, DeadlineView | None]:
    cal = default_calendar()
    approval = settlement = None
    try:
        if case["due_date"] is not None and case["due_at"] is not None:
            approval = deadline_state(
                case["due_date"],
                case["due_at"],
                today=tx.today,
                now=tx.now,
                calendar=cal,
                decided=case["decided_at"] is not None,
            )
        if case["settlement_due_date"] is not None and case["settlement_due_at"] is not None:
            settlement = deadline_state(
                case["settlement_due_date"],
                case["settlement_due_at"],
                today=tx.today,
                now=tx.now,
                calendar=cal,
                decided=case["settlement_checked_at"] is not None,
            )
    except CalendarYearUnknown as e:
        raise calendar_unknown(e) from e
    return approval, settlement


async def view_of(tx: Tx, case: GraduateCaseRecord) -> CaseView:
    approval, settlement = deadlines(tx, case)
    return CaseView(case, approval, settlement, await tx.repo.letters_of(case["declaration_id"]))


# ---- events in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordDeclaration:
    data: GraduateDeclaredV1


async def record_declaration(tx: Tx, cmd: RecordDeclaration) -> None:
    """Keep the graduate's data of the latest revision (an older revision changes nothing)."""
    d = cmd.data
    case = await open_case(tx, d.declaration_id, d.round_id, d.supervising_unit_id)
    if case["declared_revision"] is not None and case["declared_revision"] > d.revision:
        log.info("graduate.declared %s revision %s is older: ignored", d.declaration_id, d.revision)
        return
    g = d.facts.graduate
    await tx.repo.update_case(
        d.declaration_id,
        {
            "round_id": d.round_id,
            "supervising_unit_id": d.supervising_unit_id,
            "year": d.year,
            "declared_revision": d.revision,
            "name": d.name,
            "birth_date": d.birth_date,
            "id_number_sealed": d.id_number.model_dump(mode="json"),
            "id_number_digest": d.id_number_digest,
            "employer_credit_code": d.employer_credit_code,
            "employer_name": d.employer_name,
            "university": d.university,
            "major": d.major,
            "education": g.education,
            "training_mode": g.training_mode,
            "diploma_number": d.diploma_number or case["diploma_number"],
            "degree_number": d.degree_number or case["degree_number"],
            "graduate_account_id": d.graduate_account_id,
            "updated_at": tx.now,
        },
    )
    await audit(tx, "graduate.declared", d.declaration_id, revision=d.revision)
    # A fraud found in publicity before the declaration arrived: the graduate's record gets its subject.
    for row in await tx.repo.pending_conduct_records(d.declaration_id):
        done = await tx.repo.activate_conduct_record(
            row["record_id"],
            subject_key=d.id_number_digest,
            person_id_sealed=d.id_number.model_dump(mode="json"),
            person_id_digest=d.id_number_digest,
            employer_credit_code=None,
        )
        await emit_conduct(tx, done)


@dataclass(frozen=True)
class RecordAssessment:
    data: GraduateAssessedV1


async def record_assessment(tx: Tx, cmd: RecordAssessment) -> None:
    """Keep the latest assessment (eligible, quota treatment). Once the bureau has decided, a later
    assessment no longer changes the case (it is audited)."""
    d = cmd.data
    case = await open_case(tx, d.declaration_id, d.round_id, d.supervising_unit_id)
    if case["assessed_revision"] is not None and case["assessed_revision"] > d.revision:
        log.info("graduate.assessed %s revision %s is older: ignored", d.declaration_id, d.revision)
        return
    if case["status"] not in (CaseStatus.OPEN, CaseStatus.SUBMITTED):
        await audit(tx, "graduate.assessed_after_decision", d.declaration_id, revision=d.revision)
        return
    await tx.repo.update_case(
        d.declaration_id,
        {
            "supervising_unit_id": case["supervising_unit_id"] or d.supervising_unit_id,
            "assessed_revision": d.revision,
            "eligible": d.eligible,
            "quota_treatment": d.quota if d.eligible else None,
            "policy_version": d.policy_version,
            "updated_at": tx.now,
        },
    )
    await audit(tx, "graduate.assessed", d.declaration_id, eligible=d.eligible, quota=d.quota)


@dataclass(frozen=True)
class ApplyGraduateOutcome:
    """A ``publicity.outcome`` of programme ``graduates``."""

    data: PublicityOutcomeV1
    decided_at: datetime

    @classmethod
    def from_event(cls, data: PublicityOutcomeV1, envelope: Envelope) -> ApplyGraduateOutcome:
        return cls(data, data.decided_at or envelope.time)


async def apply_graduate_outcome(tx: Tx, cmd: ApplyGraduateOutcome) -> None:
    """``cleared``: the case may go to the bureau. ``held``: waits. ``disqualified``: the case ends; a
    fraud (the structured code, or the text of older producers) records the graduate for five years."""
    d = cmd.data
    case = await open_case(tx, d.application_id, d.round_id, None)
    if case["status"] != CaseStatus.OPEN:
        log.info("publicity.outcome for %s ignored: the case is %s", d.application_id, case["status"])
        return
    await tx.repo.update_case(
        d.application_id,
        {
            "publicity_outcome": d.outcome,
            "publicity_reason": d.reason,
            "publicity_id": d.publicity_id,
            "publicity_closed_at": d.publicity_closed_at,
            "updated_at": tx.now,
        },
    )
    await audit(tx, "publicity.outcome", d.application_id, outcome=d.outcome, reason_code=d.reason_code)
    if d.outcome != "disqualified":
        return
    case = await move(
        tx,
        case,
        CaseStatus.DISQUALIFIED,
        {"ended_on": cmd.decided_at.astimezone(BEIJING).date(), "end_reason_code": "disqualified"},
        note=d.reason,
    )
    if is_fraud_disqualification(d.reason_code, d.reason):
        await record_fraud_conduct(
            tx,
            case,
            reason=d.reason or "弄虚作假",
            source="publicity",
            employer=False,
            decided_on=cmd.decided_at.astimezone(BEIJING).date(),
        )


async def record_fraud_conduct(
    tx: Tx,
    case: GraduateCaseRecord,
    *,
    reason: str,
    source: str,
    employer: bool,
    decided_on: date,
) -> int:
    """Five-year bad-conduct records (第二十七条) for the graduate and, where named, the employer; the
    graduate waits (``pending_holder``) when the declaration has not arrived. Returns how many were made."""
    made = 0
    digest, sealed = case["id_number_digest"], case["id_number_sealed"]
    person = (
        Identity(subject_key=digest, person_id_sealed=dict(sealed), person_id_digest=digest)
        if digest and sealed
        else None
    )
    kinds = [(ConductSubject.PERSON, person)]
    if employer and case["employer_credit_code"]:
        code = case["employer_credit_code"]
        kinds.append((ConductSubject.EMPLOYER, Identity(subject_key=code, employer_credit_code=code)))
    for kind, identity in kinds:
        if await tx.repo.conduct_for_application(case["declaration_id"], kind.value) is not None:
            continue
        row = await insert_conduct(
            tx,
            kind,
            identity,
            application_id=case["declaration_id"],
            reason=reason,
            source=source,
            valid_from=decided_on,
        )
        made += row is not None
    return made
