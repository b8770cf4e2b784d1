"""Graduate cases (引进毕业生) through the API. Supervising units (role ``supervising_unit``) act under
``/v1/supervising-units/{unit_id}/…``: submit a cleared case to the bureau, record reporting for duty, apply
for settlement in Y+1, forward an employer's request to revoke. Bureau staff read every case, list the
overdue ones, approve (using the quota) or refuse, approve revocations and record fraud.

The unit is taken from the path and must be the one named by the token's ``supervising_unit`` claim (issued by
intake); a unit token without the claim, or for another unit, is refused (403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.settlement import handlers
from services.settlement.adapters.page import Page
from services.settlement.domain.graduates import DeadlineState, DeadlineView
from services.settlement.domain.letters import RECEIVING_LETTER
from services.settlement.graduate_schemas import (
    UNIT_ID_PATTERN,
    ApprovalFormOut,
    CaseOut,
    CasePage,
    CaseStatus,
    DeadlineOut,
    DutyIn,
    FraudIn,
    FraudOut,
    RefuseIn,
    RevocationIn,
    SubmitIn,
)
from services.settlement.routes.deps import (
    CONFLICT,
    NOT_FOUND,
    ApplicationIdPath,
    Limit,
    Offset,
    Responses,
    actor,
    context,
    letter_summary,
)
from services.settlement.schemas import ApproveIn
from shared.api.errors import ErrorResponse, Forbidden
from shared.service import principal_of

router = APIRouter(tags=["graduates 引进毕业生"])

UnitPath = Annotated[str, Path(pattern=UNIT_ID_PATTERN, examples=["unit-haidian"])]
OTHER_UNIT: Responses = {
    403: {"model": ErrorResponse, "description": "`other_unit`: the case belongs to another supervising unit"}
}
EXHAUSTED: Responses = {
    409: {
        "model": ErrorResponse,
        "description": "`quota_exhausted` (no quota unit left), `wrong_state`, `not_ready`",
    }
}


def acting_unit(request: Request, unit_id: str) -> str:
    """The unit the caller acts for: the path's, which the token's ``supervising_unit`` claim (issued by
    intake) must name."""
    claim = principal_of(request).supervising_unit
    if claim is None:
        raise Forbidden("unit_claim_missing", "Your account is not linked to a supervising unit.")
    if claim != unit_id:
        raise Forbidden("other_unit", f"Your account is for supervising unit {claim}, not {unit_id}.")
    return unit_id


def _deadline(
    view: DeadlineView | None,
    received_on: object,
    due_at: object,
    rule: object,
    calendar_version: object,
    due_date: object,
) -> DeadlineOut | None:
    if view is None:
        return None
    return DeadlineOut.model_validate(
        {
            "received_on": received_on,
            "due_date": due_date,
            "due_at": due_at,
            "rule": rule,
            "calendar_version": calendar_version,
            "state": view.state.value,
            "warning": view.state is DeadlineState.WARNING,
            "overdue": view.state is DeadlineState.OVERDUE,
            "working_days_left": view.working_days_left,
            "warn_from": view.warn_from,
        }
    )


def _approval_form(v: handlers.CaseView) -> ApprovalFormOut | None:
    c = v.case
    number, title, copies = c["approval_form_number"], c["approval_form_title"], c["approval_form_copies"]
    at, by = c["approval_form_exchanged_at"], c["approval_form_exchanged_by"]
    if number is None or title is None or copies is None or at is None or by is None:
        return None
    letter = next((x for x in v.letters if x["letter_type"] == RECEIVING_LETTER.code), None)
    return ApprovalFormOut(
        title=title,
        copies=copies,
        number=number,
        receiving_letter_serial=letter["serial_number"] if letter else None,
        exchanged_at=at,
        exchanged_by=by,
    )


def case_out(v: handlers.CaseView) -> CaseOut:
    c = v.case
    return CaseOut.model_validate(
        {
            **c,
            "approval_form": _approval_form(v),
            "approval_deadline": _deadline(
                v.deadline,
                c["received_on"],
                c["due_at"],
                c["deadline_rule"],
                c["calendar_version"],
                c["due_date"],
            ),
            "settlement_deadline": _deadline(
                v.settlement_deadline,
                c["settlement_received_on"],
                c["settlement_due_at"],
                "approval.10_working_days",
                c["settlement_calendar_version"],
                c["settlement_due_date"],
            ),
            "letters": [letter_summary(x) for x in v.letters],
        }
    )


def _page(page: handlers.ListCases, result: Page[handlers.CaseView]) -> CasePage:
    return CasePage(
        items=[case_out(x) for x in result.items], total=result.total, limit=page.limit, offset=page.offset
    )


# ---- bureau staff -------------------------------------------------------------------------------


@router.get("/v1/graduate-cases", summary="Graduate cases 引进毕业生案件", response_model=CasePage)
async def list_cases(
    request: Request,
    supervising_unit_id: Annotated[str | None, Query(pattern=UNIT_ID_PATTERN)] = None,
    status: CaseStatus | None = None,
    year: Annotated[int | None, Query(ge=2018, le=2100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    """Graduate cases, filterable by supervising unit, status and year (paginated); each shows its
    deadlines (due date, calendar version, warning, overdue).

    引进毕业生案件列表（含审批期限、预警、超期）。
    """
    cmd = handlers.ListCases(supervising_unit_id, status, year, False, limit, offset)
    return _page(cmd, await context(request).run(handlers.list_cases, cmd, actor=actor(request)))


@router.get("/v1/graduate-cases/overdue", summary="Overdue cases 超期未办结案件", response_model=CasePage)
async def overdue_cases(request: Request, limit: Limit = 50, offset: Offset = 0) -> CasePage:
    """Cases at the bureau past their 10-working-day deadline (a decision not taken by 24:00 of the due
    date, or a settlement check not answered), oldest deadline first.

    超过10个工作日未办结的案件。
    """
    cmd = handlers.ListCases(None, None, None, True, limit, offset)
    return _page(cmd, await context(request).run(handlers.list_cases, cmd, actor=actor(request)))


@router.get(
    "/v1/graduate-cases/{declaration_id}",
    summary="One graduate case 案件详情",
    response_model=CaseOut,
    responses=NOT_FOUND,
)
async def get_case(request: Request, declaration_id: ApplicationIdPath) -> CaseOut:
    """A case: the graduate, the assessment, the publicity outcome, the bureau's deadline and decision,
    the approval form exchanged for the 《接收函》 (`approval_form`: 《<Y>年非北京生源毕业生进京审批表》, 3 copies,
    its number `GRD-<year>-SP-<n>` after the letter's serial, when and by whom; null if never approved),
    reporting for duty, the settlement check and the letters.

    案件详情（含以《进京审批表》一式三份换取《接收函》的记录）。
    """
    cmd = handlers.GetCase(declaration_id)
    return case_out(await context(request).run(handlers.get_case, cmd, actor=actor(request)))


@router.post(
    "/v1/graduate-cases/{declaration_id}/approve",
    summary="Approve an introduction 核准引进",
    response_model=CaseOut,
    responses={**NOT_FOUND, **EXHAUSTED},
)
async def approve_case(request: Request, declaration_id: ApplicationIdPath, body: ApproveIn) -> CaseOut:
    """Approve a submitted case (第十七条(五)). A `counted` graduate uses one unit of the supervising unit's
    quota for the year, in the same transaction (`409 quota_exhausted` with the units left when none is:
    nothing changes); `not_counted`, `separate_plan` and `direct` use none. Issues the 《接收函》
    (`GRD-<year>-JS-<n>`, PDF with QR code at `/v1/letters/{serial}/pdf`) in exchange for the approval form
    (《<Y>年非北京生源毕业生进京审批表》, 3 copies), recorded on the case as `approval_form` (number
    `GRD-<year>-SP-<n>`, the letter's sequence; exchanged now, by the approver); emits `graduate.decided` and
    `letter.issued` (`receiving_letter`).

    核准引进：占用指标（如适用），以《进京审批表》一式三份换取《接收函》。
    """
    cmd = handlers.ApproveCase(declaration_id, body.note)
    return case_out(await context(request).run(handlers.approve_case, cmd, actor=actor(request)))


@router.post(
    "/v1/graduate-cases/{declaration_id}/refuse",
    summary="Refuse an introduction 不予引进",
    response_model=CaseOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def refuse_case(request: Request, declaration_id: ApplicationIdPath, body: RefuseIn) -> CaseOut:
    """Refuse a submitted case with a reason: the introduction stops; `graduate.decided` (refused).

    不予引进并说明理由。
    """
    cmd = handlers.RefuseCase(declaration_id, body.reason)
    return case_out(await context(request).run(handlers.refuse_case, cmd, actor=actor(request)))


@router.post(
    "/v1/graduate-cases/{declaration_id}/revocation/approve",
    summary="Approve a revocation 批准撤销接收函",
    response_model=CaseOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def approve_revocation(request: Request, declaration_id: ApplicationIdPath, body: ApproveIn) -> CaseOut:
    """Approve the revocation the supervising unit forwarded (第二十六条): the 《接收函》 is revoked
    (`letter.revoked`, `on_request`), the quota unit comes back (not yet settled), the case stops.

    批准撤销接收函，未落户的退回指标。
    """
    cmd = handlers.ApproveRevocation(declaration_id, body.note)
    return case_out(await context(request).run(handlers.approve_revocation, cmd, actor=actor(request)))


@router.post(
    "/v1/graduate-cases/{declaration_id}/fraud",
    summary="Record fraud 弄虚作假处理",
    response_model=FraudOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def record_fraud(request: Request, declaration_id: ApplicationIdPath, body: FraudIn) -> FraudOut:
    """Fraud or bribery (第二十七条): the case is cancelled, its letters revoked, a quota unit not yet
    settled comes back, and the graduate (and the employer, when `employer_involved`) is recorded for five
    years (`conduct.recorded`). A hukou already registered must be cancelled with the police.

    弄虚作假：取消资格、撤销函件、记录失信5年。
    """
    cmd = handlers.RecordGraduateFraud(declaration_id, body.reason, body.employer_involved)
    done = await context(request).run(handlers.record_graduate_fraud, cmd, actor=actor(request))
    return FraudOut(case=case_out(done.view), conduct_records=done.conduct_records)


# ---- supervising units --------------------------------------------------------------------------


@router.get(
    "/v1/supervising-units/{unit_id}/graduate-cases",
    summary="A unit's graduate cases 本单位案件",
    response_model=CasePage,
    responses=OTHER_UNIT,
)
async def unit_cases(
    request: Request,
    unit_id: UnitPath,
    status: CaseStatus | None = None,
    year: Annotated[int | None, Query(ge=2018, le=2100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    """The supervising unit's own cases with their deadlines (paginated).

    主管单位查看本单位案件。
    """
    cmd = handlers.ListCases(acting_unit(request, unit_id), status, year, False, limit, offset)
    return _page(cmd, await context(request).run(handlers.list_cases, cmd, actor=actor(request)))


@router.post(
    "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/submit",
    summary="Submit to the bureau 报送审批",
    response_model=CaseOut,
    responses={**NOT_FOUND, **OTHER_UNIT, **CONFLICT},
)
async def submit_case(
    request: Request, unit_id: UnitPath, declaration_id: ApplicationIdPath, body: SubmitIn
) -> CaseOut:
    """Submit a case cleared by publicity (and assessed eligible) to the bureau (第十七条(五)). The bureau
    must decide by 24:00 of the 10th working day after today (shown as `approval_deadline` with its calendar
    version; a warning from two working days before). `409 not_ready` names what is missing.

    公示无异议后报送市人力社保局审批（10个工作日内办结）。
    """
    cmd = handlers.SubmitCase(declaration_id, acting_unit(request, unit_id), body.note)
    return case_out(await context(request).run(handlers.submit_case, cmd, actor=actor(request)))


@router.post(
    "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/report-duty",
    summary="Reporting for duty 报到",
    response_model=CaseOut,
    responses={**NOT_FOUND, **OTHER_UNIT, **CONFLICT},
)
async def report_duty(
    request: Request, unit_id: UnitPath, declaration_id: ApplicationIdPath, body: DutyIn
) -> CaseOut:
    """The employer's report, reviewed and forwarded by the unit (第十七条(六)): the diploma and degree
    certificate numbers and the reporting day.

    报到：用人单位报送学历、学位证书编号，主管单位审核。
    """
    cmd = handlers.ReportDuty(
        declaration_id,
        acting_unit(request, unit_id),
        body.diploma_number,
        body.degree_number,
        body.reported_on,
    )
    return case_out(await context(request).run(handlers.report_duty, cmd, actor=actor(request)))


@router.post(
    "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/settlement",
    summary="Apply for settlement 申请落户",
    response_model=CaseOut,
    responses={**NOT_FOUND, **OTHER_UNIT, **CONFLICT},
)
async def request_settlement(
    request: Request, unit_id: UnitPath, declaration_id: ApplicationIdPath
) -> CaseOut:
    """In Y+1 the unit applies for settlement (第十七条(七)): `graduate.settlement_check_requested` goes to
    review (education, degree, reporting for duty, training mode, social insurance); the check is due within
    10 working days (`settlement_deadline`). Passed: 《非北京生源毕业生报户口介绍信》; failed: the 《接收函》 is
    revoked. `409 not_settlement_year` before Y+1.

    次年申请落户，10个工作日内审核。
    """
    cmd = handlers.RequestSettlement(declaration_id, acting_unit(request, unit_id))
    return case_out(await context(request).run(handlers.request_settlement, cmd, actor=actor(request)))


@router.post(
    "/v1/supervising-units/{unit_id}/graduate-cases/{declaration_id}/revocation",
    summary="Forward a revocation request 报送撤销申请",
    response_model=CaseOut,
    responses={**NOT_FOUND, **OTHER_UNIT, **CONFLICT},
)
async def request_revocation(
    request: Request, unit_id: UnitPath, declaration_id: ApplicationIdPath, body: RevocationIn
) -> CaseOut:
    """The employer asks to revoke during probation (left, or failed the probation assessment twice); the
    unit, having reviewed it, forwards it to the bureau (第二十六条), which approves.

    试用期内用人单位申请撤销，主管单位审核后报送。
    """
    cmd = handlers.RequestRevocation(declaration_id, acting_unit(request, unit_id), body.reason)
    return case_out(await context(request).run(handlers.request_revocation, cmd, actor=actor(request)))
