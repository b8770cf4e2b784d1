"""The bureau's decision on an introduction (第十七条(五)): the supervising unit submits a cleared case, the
bureau decides by 24:00 of the 10th working day after receipt (shared.calendar.approval_deadline, calendar
version stored), and an approval uses the quota unit and issues the 《接收函》 in exchange for the approval form
(《<Y>年非北京生源毕业生进京审批表》, 3 copies), recorded on the case, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from services.settlement.adapters.page import Page
from services.settlement.adapters.records import GraduateCaseRecord, LetterFacts, LetterRecord
from services.settlement.context import Tx
from services.settlement.domain import chinese_date
from services.settlement.domain.graduates import CaseStatus, submission_readiness
from services.settlement.domain.letters import (
    APPROVAL_FORM_COPIES,
    RECEIVING_LETTER,
    LetterKind,
    approval_form_number,
    approval_form_title,
)
from services.settlement.domain.quota import uses_quota
from services.settlement.handlers.common import audit
from services.settlement.handlers.graduate_cases import (
    CaseView,
    calendar_unknown,
    load_case,
    move,
    require_status,
    require_unit,
    view_of,
)
from services.settlement.handlers.letters import LetterHolder, store_letter
from services.settlement.handlers.quota import use_unit
from shared.api.errors import Conflict, NotFound
from shared.calendar import CalendarYearUnknown, approval_deadline
from shared.events.contracts.settlement import GraduateDecidedV1, LetterRevokedV1

EDUCATION_CN = {"doctor": "博士研究生", "master": "硕士研究生", "bachelor": "本科", "junior_college": "专科"}
TREATMENT_CN = {
    "counted": "占用主管单位引进指标",
    "not_counted": "不占用引进指标（第十一条）",
    "separate_plan": "计划单列（第九条）",
    "direct": "直接引进（第十六条）",
}


def case_year(case: GraduateCaseRecord) -> int:
    year = case["year"]
    if year is None:
        raise Conflict("declaration_missing", f"The declaration of {case['declaration_id']} has not arrived.")
    return year


# ---- submission ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitCase:
    """The supervising unit ``unit_id`` submits a cleared case to the bureau."""

    declaration_id: str
    unit_id: str
    note: str | None = None


async def submit_case(tx: Tx, cmd: SubmitCase) -> CaseView:
    """Submit to the bureau: received today; the bureau's deadline is 24:00 of the 10th working day after
    (stored with the rule and the calendar version). Needs the declaration, an eligible assessment and a
    cleared publicity (409 ``not_ready`` naming what is missing)."""
    case = await load_case(tx, cmd.declaration_id)
    require_unit(case, cmd.unit_id)
    require_status(case, CaseStatus.OPEN, action="submit to the bureau")
    ready = submission_readiness(
        declared=case["declared_revision"] is not None,
        eligible=case["eligible"],
        treatment=case["quota_treatment"],
        publicity_outcome=case["publicity_outcome"],
    )
    if not ready.ready:
        raise Conflict(
            "not_ready",
            "The case cannot go to the bureau yet: " + "; ".join(ready.missing) + ".",
            [{"code": "missing", "message": m} for m in ready.missing],
        )
    try:
        deadline = approval_deadline(tx.today)
    except CalendarYearUnknown as e:
        raise calendar_unknown(e) from e
    case = await move(
        tx,
        case,
        CaseStatus.SUBMITTED,
        {
            "submitted_at": tx.now,
            "submitted_by": tx.actor,
            "received_on": tx.today,
            "due_date": deadline.due_date,
            "due_at": deadline.due_at,
            "deadline_rule": deadline.rule,
            "calendar_version": deadline.calendar_version,
        },
        note=cmd.note,
    )
    return await view_of(tx, case)


# ---- the bureau's decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class ApproveCase:
    declaration_id: str
    note: str | None = None


async def approve_case(tx: Tx, cmd: ApproveCase) -> CaseView:
    """Approve: a ``counted`` graduate takes one unit of the unit's quota for the year (409
    ``quota_exhausted`` when none is left: nothing changes); the 《接收函》 is issued in exchange for the
    approval form, which the case records (title with Y, 3 copies, number after the letter's serial, when,
    by whom); ``graduate.decided`` and ``letter.issued`` are emitted — all in this transaction."""
    case = await load_case(tx, cmd.declaration_id)
    require_status(case, CaseStatus.SUBMITTED, action="approve")
    if not case["eligible"] or case["quota_treatment"] is None:
        raise Conflict(
            "not_eligible",
            f"The latest assessment of {case['declaration_id']} (revision {case['assessed_revision']}) found "
            "the graduate not eligible: the introduction can only be refused.",
        )
    year = case_year(case)
    unit = case["supervising_unit_id"]
    assert unit is not None  # the declaration (which names the unit) arrived before submission
    counted = uses_quota(case["quota_treatment"])
    if counted:
        await use_unit(tx, case["declaration_id"], unit, year)
    case = await move(
        tx,
        case,
        CaseStatus.APPROVED,
        {
            "decided_at": tx.now,
            "decided_by": tx.actor,
            "decision_reason": cmd.note,
            "quota_unit_held": counted,
        },
    )
    await _decided(tx, case, "approved", cmd.note)
    letter = await issue_graduate_letter(tx, RECEIVING_LETTER, case)
    case = await exchange_approval_form(tx, case, year, letter)
    return await view_of(tx, case)


async def exchange_approval_form(
    tx: Tx, case: GraduateCaseRecord, year: int, letter: LetterRecord
) -> GraduateCaseRecord:
    """Record the approval form (《<Y>年非北京生源毕业生进京审批表》, 3 copies) the unit hands in for the
    《接收函》 ``letter`` (第十七条(五)): numbered after the letter (``GRD-2025-JS-000001`` →
    ``GRD-2025-SP-000001``), exchanged now by the approver; audited."""
    number = approval_form_number(letter["serial_number"])
    title = approval_form_title(year)
    case = await tx.repo.update_case(
        case["declaration_id"],
        {
            "approval_form_title": title,
            "approval_form_copies": APPROVAL_FORM_COPIES,
            "approval_form_number": number,
            "approval_form_exchanged_at": tx.now,
            "approval_form_exchanged_by": tx.actor,
            "updated_at": tx.now,
        },
    )
    await audit(
        tx,
        "graduate.approval_form_exchanged",
        case["declaration_id"],
        title=title,
        copies=APPROVAL_FORM_COPIES,
        number=number,
        receiving_letter=letter["serial_number"],
    )
    return case


@dataclass(frozen=True)
class RefuseCase:
    declaration_id: str
    reason: str


async def refuse_case(tx: Tx, cmd: RefuseCase) -> CaseView:
    """Refuse with a reason: the introduction stops (第十七条(五)); no quota is used."""
    case = await load_case(tx, cmd.declaration_id)
    require_status(case, CaseStatus.SUBMITTED, action="refuse")
    case = await move(
        tx,
        case,
        CaseStatus.REFUSED,
        {
            "decided_at": tx.now,
            "decided_by": tx.actor,
            "decision_reason": cmd.reason,
            "ended_on": tx.today,
            "end_reason_code": "refused",
        },
    )
    await _decided(tx, case, "refused", cmd.reason)
    return await view_of(tx, case)


async def _decided(tx: Tx, case: GraduateCaseRecord, decision: str, reason: str | None) -> None:
    due = case["due_date"]
    unit = case["supervising_unit_id"]
    assert due is not None and unit is not None
    await tx.emit(
        GraduateDecidedV1(
            declaration_id=case["declaration_id"],
            round_id=case["round_id"],
            supervising_unit_id=unit,
            decision="approved" if decision == "approved" else "refused",
            quota=case["quota_treatment"],
            reason=reason,
            decided_on=tx.today,
            deadline_on=due,
        ),
        case["declaration_id"],
    )


# ---- letters ------------------------------------------------------------------------------------


async def issue_graduate_letter(
    tx: Tx, kind: LetterKind, case: GraduateCaseRecord, receiving_serial: str | None = None
) -> LetterRecord:
    """Issue the 《接收函》 or the 《报户口介绍信》 of a case (one per declaration and type, ever)."""
    existing = await tx.repo.letter_of(case["declaration_id"], kind.code)
    if existing is not None:
        return existing
    name, birth, employer = case["name"], case["birth_date"], case["employer_name"]
    if name is None or birth is None or employer is None:
        raise Conflict("declaration_missing", f"The declaration of {case['declaration_id']} has not arrived.")
    year = case_year(case)
    sealed = case["id_number_sealed"]
    id_masked = tx.rt.masked_id(sealed) if sealed else None
    education_cn = EDUCATION_CN.get(case["education"] or "", case["education"] or "")
    quota_cn = TREATMENT_CN.get(case["quota_treatment"] or "", "")
    body = (
        tx.rt.templates.get_template(f"letters/{kind.template}")
        .render(
            name=name,
            id_masked=id_masked,
            employer=employer,
            university=case["university"] or "",
            major=case["major"],
            education_cn=education_cn,
            year=year,
            quota_cn=quota_cn,
            receiving_serial=receiving_serial or "",
        )
        .strip()
    )
    lines: list[list[str]] = [["姓名", name], ["出生年月", birth.strftime("%Y年%m月")]]
    if id_masked:
        lines.append(["身份证号码", id_masked])
    lines += [
        ["毕业院校", case["university"] or ""],
        ["学历", education_cn],
        ["用人单位", employer],
        ["引进年度", f"{year}年"],
        ["核准日期", chinese_date(tx.today)],
    ]
    facts: LetterFacts = {"year": year, "holder_lines": lines, "valid_until": None}
    holder = LetterHolder(
        application_id=case["declaration_id"],
        round_id=case["round_id"],
        name=name,
        birth_year_month=birth.strftime("%Y-%m"),
        id_masked=id_masked,
        employer_name=employer,
    )
    return await store_letter(tx, kind, holder, body, facts)


async def revoke_graduate_letters(
    tx: Tx, case: GraduateCaseRecord, reason_code: str, reason: str
) -> list[LetterRecord]:
    """Revoke every letter of the case still in force (``letter.revoked`` each)."""
    out = []
    for letter in await tx.repo.letters_of(case["declaration_id"], for_update=True):
        done = await tx.repo.revoke_letter(
            letter["id"],
            revoked_at=tx.now,
            revoked_on=tx.today,
            revoked_by=tx.actor,
            revoke_reason_code=reason_code,
            revoke_reason=reason[:500],
        )
        if done is None:
            continue
        out.append(done)
        await tx.emit(
            LetterRevokedV1(
                application_id=case["declaration_id"],
                serial_number=done["serial_number"],
                reason=reason[:500],
                revoked_on=tx.today,
                letter_type=done["letter_type"],
                reason_code=reason_code,
            ),
            case["declaration_id"],
        )
    return out


# ---- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GetCase:
    declaration_id: str
    unit_id: str | None = None  # a supervising unit reads only its own cases


async def get_case(tx: Tx, cmd: GetCase) -> CaseView:
    case = await tx.repo.get_case(cmd.declaration_id)
    if case is None:
        raise NotFound("case_not_found", f"No graduate case for declaration {cmd.declaration_id}.")
    if cmd.unit_id is not None:
        require_unit(case, cmd.unit_id)
    return await view_of(tx, case)


@dataclass(frozen=True)
class ListCases:
    unit_id: str | None
    status: str | None
    year: int | None
    overdue: bool
    limit: int
    offset: int


async def list_cases(tx: Tx, cmd: ListCases) -> Page[CaseView]:
    """Cases (paginated), or with ``overdue`` those whose decision or settlement check is past its
    deadline, oldest deadline first."""
    page = await tx.repo.list_cases(
        unit_id=cmd.unit_id,
        status=cmd.status,
        year=cmd.year,
        overdue_at=tx.now if cmd.overdue else None,
        limit=cmd.limit,
        offset=cmd.offset,
    )
    return Page([await view_of(tx, c) for c in page.items], page.total)
