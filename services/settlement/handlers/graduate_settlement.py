"""After the approval: reporting for duty (第十七条(六)), the settlement of Y+1 (第十七条(七)): the unit
applies, review checks within 10 working days, passed → 《非北京生源毕业生报户口介绍信》, failed → the
receiving letter is revoked; revocation during probation on the employer's request (第二十六条: the unit
reviews and forwards, the bureau approves); fraud (第二十七条): five-year bad-conduct records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.settlement.adapters.records import GraduateCaseRecord
from services.settlement.context import Tx
from services.settlement.domain.graduates import HOLDS_UNIT, CaseStatus
from services.settlement.domain.letters import HUKOU_LETTER, RECEIVING_LETTER
from services.settlement.handlers.common import audit, log
from services.settlement.handlers.graduate_cases import (
    CaseView,
    calendar_unknown,
    load_case,
    move,
    record_fraud_conduct,
    require_status,
    require_unit,
    view_of,
)
from services.settlement.handlers.graduate_decisions import (
    case_year,
    issue_graduate_letter,
    revoke_graduate_letters,
)
from services.settlement.handlers.quota import return_unit
from shared.api.errors import Conflict, Invalid
from shared.calendar import CalendarYearUnknown, approval_deadline
from shared.events.contracts.intake import EncryptedValue
from shared.events.contracts.review import GraduateSettlementCheckedV1
from shared.events.contracts.settlement import GraduateSettlementCheckRequestedV1


async def give_back_unit(tx: Tx, case: GraduateCaseRecord, reason: str) -> GraduateCaseRecord:
    """A revocation before settlement gives the quota unit back (第十九条), once."""
    if not case["quota_unit_held"] or case["status"] not in HOLDS_UNIT:
        return case
    unit = case["supervising_unit_id"]
    assert unit is not None
    await return_unit(tx, case["declaration_id"], unit, case_year(case), reason)
    return await tx.repo.update_case(case["declaration_id"], {"quota_unit_held": False, "updated_at": tx.now})


# ---- reporting for duty -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportDuty:
    """The unit forwards the employer's report: the diploma and degree certificate numbers."""

    declaration_id: str
    unit_id: str
    diploma_number: str
    degree_number: str | None
    reported_on: date | None


async def report_duty(tx: Tx, cmd: ReportDuty) -> CaseView:
    """Record reporting for duty (报到) with the certificate numbers, reviewed by the supervising unit. A
    junior-college graduate has no degree; every other education needs its number."""
    case = await load_case(tx, cmd.declaration_id)
    require_unit(case, cmd.unit_id)
    require_status(case, CaseStatus.APPROVED, action="record reporting for duty")
    if cmd.degree_number is None and case["education"] != "junior_college":
        raise Invalid(
            "degree_number_missing",
            "The degree certificate number is required (only junior-college graduates have none).",
            [{"field": "degree_number", "code": "missing", "message": "required for this education"}],
        )
    reported_on = cmd.reported_on or tx.today
    if reported_on > tx.today:
        raise Invalid("reported_on_future", "The reporting day cannot be in the future.")
    case = await move(
        tx,
        case,
        CaseStatus.REPORTED,
        {
            "diploma_number": cmd.diploma_number,
            "degree_number": cmd.degree_number,
            "reported_on": reported_on,
            "reported_by": tx.actor,
        },
    )
    return await view_of(tx, case)


# ---- the settlement of Y+1 ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestSettlement:
    declaration_id: str
    unit_id: str


async def request_settlement(tx: Tx, cmd: RequestSettlement) -> CaseView:
    """The unit applies for settlement in Y+1 (January–December): ``graduate.settlement_check_requested``
    goes to review; the check is due within 10 working days (deadline and calendar version stored)."""
    case = await load_case(tx, cmd.declaration_id)
    require_unit(case, cmd.unit_id)
    require_status(case, CaseStatus.REPORTED, action="apply for settlement")
    year = case_year(case)
    if tx.today.year != year + 1:
        raise Conflict(
            "not_settlement_year",
            f"Graduates introduced in {year} settle in {year + 1} (当年引进、次年落户, 第四条); "
            f"today is {tx.today.isoformat()}.",
        )
    sealed, diploma, reported_on = case["id_number_sealed"], case["diploma_number"], case["reported_on"]
    assert sealed is not None and diploma is not None and reported_on is not None
    try:
        deadline = approval_deadline(tx.today)
    except CalendarYearUnknown as e:
        raise calendar_unknown(e) from e
    request_id = "SCR-" + uuid.uuid4().hex[:20].upper()
    case = await move(
        tx,
        case,
        CaseStatus.SETTLEMENT_REQUESTED,
        {
            "settlement_request_id": request_id,
            "settlement_requested_at": tx.now,
            "settlement_received_on": tx.today,
            "settlement_due_date": deadline.due_date,
            "settlement_due_at": deadline.due_at,
            "settlement_calendar_version": deadline.calendar_version,
        },
    )
    await tx.emit(
        GraduateSettlementCheckRequestedV1(
            declaration_id=case["declaration_id"],
            request_id=request_id,
            round_id=case["round_id"],
            year=year,
            id_number=EncryptedValue(**sealed),
            university=case["university"] or "",
            education=case["education"] or "",
            diploma_number=diploma,
            degree_number=case["degree_number"],
            training_mode=case["training_mode"] or "",
            employer_credit_code=case["employer_credit_code"] or "",
            reported_for_duty_on=reported_on,
            requested_at=tx.now,
        ),
        case["declaration_id"],
    )
    return await view_of(tx, case)


@dataclass(frozen=True)
class ApplySettlementCheck:
    data: GraduateSettlementCheckedV1


async def apply_settlement_check(tx: Tx, cmd: ApplySettlementCheck) -> None:
    """Review's answer: passed → the 《报户口介绍信》; failed → the receiving letter is revoked, the case
    stops and the quota unit comes back (a revocation before settlement). An answer to another request
    (or a repeated one) changes nothing."""
    d = cmd.data
    case = await load_case(tx, d.declaration_id)
    if case["status"] != CaseStatus.SETTLEMENT_REQUESTED or case["settlement_request_id"] != d.request_id:
        log.info("graduate.settlement_checked for %s ignored (case %s)", d.declaration_id, case["status"])
        return
    items: list[dict[str, Any]] = [i.model_dump(mode="json") for i in d.items]
    if d.passed:
        receiving = await tx.repo.letter_of(d.declaration_id, RECEIVING_LETTER.code)
        case = await move(
            tx,
            case,
            CaseStatus.SETTLED,
            {
                "settlement_checked_at": d.checked_at,
                "settlement_passed": True,
                "settlement_items": items,
                "quota_unit_held": False,
            },
        )
        await issue_graduate_letter(tx, HUKOU_LETTER, case, receiving["serial_number"] if receiving else None)
        return
    failed = [i.item for i in d.items if i.status in ("not_found", "corrected")]
    reason = "落户审核未通过：" + ("、".join(failed) if failed else "不符合落户条件")
    await revoke_graduate_letters(tx, case, "settlement_check_failed", reason)
    case = await give_back_unit(tx, case, "settlement check failed")
    await move(
        tx,
        case,
        CaseStatus.SETTLEMENT_FAILED,
        {
            "settlement_checked_at": d.checked_at,
            "settlement_passed": False,
            "settlement_items": items,
            "ended_on": tx.today,
            "end_reason_code": "settlement_check_failed",
            "end_note": reason,
        },
    )


# ---- revocation during probation ----------------------------------------------------------------


@dataclass(frozen=True)
class RequestRevocation:
    """The unit forwards (having reviewed it) the employer's request to revoke during probation."""

    declaration_id: str
    unit_id: str
    reason: str


async def request_revocation(tx: Tx, cmd: RequestRevocation) -> CaseView:
    case = await load_case(tx, cmd.declaration_id)
    require_unit(case, cmd.unit_id)
    require_status(
        case,
        CaseStatus.APPROVED,
        CaseStatus.REPORTED,
        CaseStatus.SETTLEMENT_REQUESTED,
        action="request a revocation",
    )
    case = await move(
        tx,
        case,
        CaseStatus.REVOCATION_REQUESTED,
        {
            "revocation_reason": cmd.reason,
            "revocation_requested_at": tx.now,
            "revocation_requested_by": tx.actor,
        },
    )
    return await view_of(tx, case)


@dataclass(frozen=True)
class ApproveRevocation:
    declaration_id: str
    note: str | None = None


async def approve_revocation(tx: Tx, cmd: ApproveRevocation) -> CaseView:
    """The bureau approves: the receiving letter is revoked (``letter.revoked``, ``on_request``), the
    quota unit comes back (not yet settled), the case stops."""
    case = await load_case(tx, cmd.declaration_id)
    require_status(case, CaseStatus.REVOCATION_REQUESTED, action="approve a revocation")
    reason = case["revocation_reason"] or "用人单位申请撤销"
    await revoke_graduate_letters(tx, case, "on_request", reason)
    case = await give_back_unit(tx, case, "revoked on the employer's request")
    case = await move(
        tx,
        case,
        CaseStatus.REVOKED,
        {"ended_on": tx.today, "end_reason_code": "on_request", "end_note": cmd.note or reason},
    )
    return await view_of(tx, case)


# ---- fraud --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordGraduateFraud:
    """Bureau staff find fraud (弄虚作假) or bribery: the case is cancelled, its letters revoked, the
    graduate (and the employer when ``employer_involved``) recorded for five years."""

    declaration_id: str
    reason: str
    employer_involved: bool


@dataclass(frozen=True)
class FraudRecorded:
    view: CaseView
    conduct_records: int


async def record_graduate_fraud(tx: Tx, cmd: RecordGraduateFraud) -> FraudRecorded:
    case = await load_case(tx, cmd.declaration_id)
    if case["status"] in (CaseStatus.CANCELLED, CaseStatus.REFUSED, CaseStatus.DISQUALIFIED):
        raise Conflict(
            "wrong_state", f"The case of {cmd.declaration_id} has already ended ({case['status']})."
        )
    settled = case["status"] == CaseStatus.SETTLED
    await revoke_graduate_letters(tx, case, "fraud", cmd.reason)
    case = await give_back_unit(tx, case, "cancelled for fraud")
    case = await move(
        tx,
        case,
        CaseStatus.CANCELLED,
        {"ended_on": tx.today, "end_reason_code": "fraud", "end_note": cmd.reason},
    )
    made = await record_fraud_conduct(
        tx, case, reason=cmd.reason, source="staff", employer=cmd.employer_involved, decided_on=tx.today
    )
    if settled:
        # The hukou already registered is cancelled with the police (第二十七条): outside this system.
        await audit(tx, "graduate.hukou_cancellation_needed", case["declaration_id"])
    return FraudRecorded(await view_of(tx, case), made)
