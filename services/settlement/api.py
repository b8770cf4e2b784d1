"""HTTP API of the settlement service.

Public (no login, rate-limited): the verification page a letter's QR code opens, its JSON twin, and the
materials checklist. Bureau staff: qualifications and the 落户办理 steps (materials, approval), letters
(PDF, revocation), bad-conduct records, the audit trail and the log of verification checks. District staff
(区人力社保局): reading qualifications, recording the materials and the district check, each limited to the
qualifications that settle in their own district (the token's ``district`` claim against the qualification's
``settlement_district``). Applicants may read their own qualification and letters once intake tells who
they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from services.settlement import handlers
from services.settlement.adapters.pdf import FontNotFound, UnsupportedGlyph
from services.settlement.adapters.repository import Row, SettlementRepository
from services.settlement.domain import (
    ConductSubject,
    IllegalTransition,
    MaterialItem,
    RevocationReason,
    chinese_date,
    missing_items,
)
from services.settlement.domain.materials import MaterialsError, check_provided
from services.settlement.handlers import DistrictScope, SettlementError, Tx
from services.settlement.runtime import DataKeyMissing, SettlementRuntime
from services.settlement.schemas import (
    APPLICATION_ID_PATTERN,
    RECORD_ID_PATTERN,
    SERIAL_PATTERN,
    ApproveIn,
    AuditOut,
    AuditPage,
    ChecklistIn,
    ChecklistItem,
    ChecklistOut,
    CheckOut,
    CheckPage,
    ConductIn,
    ConductOut,
    ConductPage,
    DistrictCheckIn,
    EndIn,
    EndOut,
    LetterOut,
    LetterPage,
    LetterSummary,
    LetterType,
    MaterialsIn,
    QualificationOut,
    QualificationPage,
    QualificationStatus,
    VerificationOut,
)
from shared.api.auth import PermissionTable, Principal, Role, roles
from shared.api.clients import client_address
from shared.api.errors import ApiError, ErrorResponse
from shared.logging import correlation_id_var
from shared.service import get_context, principal_of
from shared.validation import district_name, mask_id_number, mask_name

router = APIRouter()

STAFF = roles(Role.BUREAU_STAFF)
DISTRICT = roles(Role.DISTRICT_STAFF)
READERS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)
QUALIFICATION_READERS = roles(Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.OPERATIONS_ADMIN)
PUBLIC = roles(Role.PUBLIC)

#: Who may call each route (role × endpoint). Applicants reach their own records only (checked per call).
#: 落户办理 separates the roles: district staff (区人力社保局) take in and check the materials, bureau staff
#: (市人力社保局) approve; the two-person rule still holds for an account that has both roles. Which
#: qualifications a district clerk may act on (their own district's) is checked per call, not here.
PERMISSIONS: PermissionTable = {
    ("GET", "/verify/{token}"): PUBLIC,
    ("GET", "/v1/verify/{token}"): PUBLIC,
    ("POST", "/v1/materials/checklist"): PUBLIC,
    ("GET", "/v1/qualifications"): QUALIFICATION_READERS,
    ("GET", "/v1/qualifications/{application_id}"): roles(
        Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.OPERATIONS_ADMIN, Role.APPLICANT
    ),
    ("POST", "/v1/qualifications/{application_id}/materials"): roles(
        Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.APPLICANT
    ),
    ("POST", "/v1/qualifications/{application_id}/district-check"): DISTRICT,
    ("POST", "/v1/qualifications/{application_id}/approve"): STAFF,
    ("POST", "/v1/qualifications/{application_id}/cancel"): STAFF,
    ("GET", "/v1/letters"): READERS,
    ("GET", "/v1/letters/{serial_number}"): READERS,
    ("GET", "/v1/letters/{serial_number}/pdf"): roles(
        Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN, Role.APPLICANT
    ),
    ("POST", "/v1/letters/{serial_number}/revoke"): STAFF,
    ("GET", "/v1/conduct-records"): READERS,
    ("POST", "/v1/conduct-records"): STAFF,
    ("GET", "/v1/conduct-records/{record_id}"): READERS,
    ("GET", "/v1/audit-log"): READERS,
    ("GET", "/v1/verification-checks"): READERS,
}

ApplicationIdPath = Annotated[str, Path(pattern=APPLICATION_ID_PATTERN, examples=["PTS-2022-000123"])]
SerialPath = Annotated[str, Path(pattern=SERIAL_PATTERN, examples=["PTS-2022-QC-000001"])]
TokenPath = Annotated[str, Path(max_length=200, description="The token printed in the letter's QR code.")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "Not found"}}
CONFLICT: Responses = {409: {"description": "Not allowed in the qualification's current state"}}
OTHER_DISTRICT: Responses = {
    403: {
        "model": ErrorResponse,
        "description": "Your role may not call this endpoint (`forbidden`), or, for district staff, the "
        "qualification settles in another district (`other_district`) or your account has no district "
        "(`no_district`)",
    }
}
RATE_LIMITED: Responses = {429: {"description": "Too many checks from this address; see Retry-After"}}
VERIFY_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}

T = TypeVar("T")


def runtime(request: Request) -> SettlementRuntime:
    rt: SettlementRuntime = request.app.state.settlement
    return rt


def _is_staff(p: Principal) -> bool:
    return p.has(Role.BUREAU_STAFF.value, Role.DISTRICT_STAFF.value, Role.OPERATIONS_ADMIN.value)


def _district_claim(p: Principal) -> str | None:
    """The district of a district staff token (intake's ``district`` claim); None when absent or not text."""
    value = p.claims.get("district")
    return value if isinstance(value, str) and value else None


def _acting_scope(p: Principal) -> DistrictScope | None:
    """District staff act for their district only; bureau staff are not restricted (an account holding both
    roles acts as bureau staff here, except for the district check, which is always the district's)."""
    if p.has(Role.DISTRICT_STAFF.value) and not p.has(Role.BUREAU_STAFF.value):
        return DistrictScope(_district_claim(p))
    return None


def _reading_scope(p: Principal) -> DistrictScope | None:
    """District staff read their district's qualifications; bureau staff and operations administrators all."""
    if p.has(Role.DISTRICT_STAFF.value) and not p.has(Role.BUREAU_STAFF.value, Role.OPERATIONS_ADMIN.value):
        return DistrictScope(_district_claim(p))
    return None


def _refused(e: SettlementError) -> ApiError:
    """A use case's refusal as the API's error."""
    return ApiError(e.status, e.code, e.message, e.details)


async def _in_tx(request: Request, fn: Callable[[Tx], Awaitable[T]]) -> T:
    """Run a use case in one transaction; its refusals become API errors (nothing is committed then)."""
    ctx = get_context(request)
    principal = principal_of(request)
    cid = correlation_id_var.get() or str(uuid.uuid4())
    try:
        async with ctx.session_factory() as s, s.begin():
            tx = handlers.tx_for_request(
                s, ctx.outbox, runtime(request), ctx.clock.now(), principal.subject, cid
            )
            return await fn(tx)
    except SettlementError as e:
        raise _refused(e) from None
    except IllegalTransition as e:
        raise ApiError(409, "wrong_state", str(e)) from None
    except DataKeyMissing as e:
        raise ApiError(503, "data_key_missing", str(e)) from None


async def _owner_check(request: Request, application_id: str) -> None:
    """Applicants see only their own application (intake's account id arrives with the holder's data)."""
    principal = principal_of(request)
    if _is_staff(principal):
        return
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        holder = await SettlementRepository(s).get_holder(application_id)
    if (
        holder is None
        or not holder.get("applicant_account_id")
        or holder["applicant_account_id"] != principal.subject
    ):
        raise ApiError(403, "not_your_application", "You may only see and act on your own application.")


def _summary(letter: Row) -> LetterSummary:
    return LetterSummary(**{k: letter[k] for k in LetterSummary.model_fields})


def _letter_out(letter: Row) -> LetterOut:
    return LetterOut(**{k: letter[k] for k in LetterOut.model_fields})


async def _qualification_out(repo: SettlementRepository, qual: Row) -> QualificationOut:
    letters = await repo.letters_of(qual["application_id"])
    holder = await repo.get_holder(qual["application_id"])
    computed = ("letters", "holder_name", "settlement_district_name")
    fields = {k: qual.get(k) for k in QualificationOut.model_fields if k not in computed}
    district = qual.get("settlement_district")
    return QualificationOut(
        **fields,
        holder_name=holder["name"] if holder else None,
        settlement_district_name=district_name(district) if district else None,
        letters=[_summary(x) for x in letters],
    )


def _item(i: MaterialItem) -> ChecklistItem:
    return ChecklistItem(
        item=i.code, child=i.child, label_zh=i.label_zh, label_en=i.label_en, article=i.article
    )


# ---- public: verification -----------------------------------------------------------------------


async def _verify(request: Request, token: str, channel: str) -> handlers.Verification:
    rt = runtime(request)
    client = client_address(request, rt.settings.trusted_proxy_networks)
    wait = rt.limiter.take(client)
    if wait > 0:
        handlers.log.warning("verification rate limit hit by %s (%s)", client, channel)
        raise ApiError(
            429,
            "rate_limited",
            "Too many verification checks from this address; try again later.",
            headers={"Retry-After": rt.limiter.retry_after_header(wait)},
        )

    async def run(tx: Tx) -> handlers.Verification:
        return await handlers.verify(
            tx, token, channel=channel, client=client, user_agent=request.headers.get("user-agent")
        )

    return await _in_tx(request, run)


def _verification_out(v: handlers.Verification) -> VerificationOut:
    if v.letter is None:
        return VerificationOut(status="unknown", checked_at=v.checked_at)
    a = v.answer
    return VerificationOut(
        status=a.verdict.value,
        letter_type=v.letter["letter_type"],
        letter_type_name=handlers.letter_type_name(v.letter["letter_type"]),
        serial_number=v.letter["serial_number"],
        issued_on=v.letter["issued_on"],
        holder=mask_name(v.letter["holder_name"]),
        revoked_on=a.on if a.verdict.value == "revoked" else None,
        lapsed_on=a.on if a.verdict.value == "lapsed" else None,
        checked_at=v.checked_at,
    )


@router.get(
    "/v1/verify/{token}",
    summary="Verify a letter 函件核验（接口）",
    tags=["verification 核验"],
    response_model=VerificationOut,
    responses=RATE_LIMITED,
)
async def verify_json(request: Request, token: TokenPath) -> Response:
    """Public, no login: the state of the letter whose QR code carries ``token``.

    公开核验，无需登录。Answers `valid`, `revoked` (with the date), `lapsed` (a qualification confirmation
    whose two years ran out unused, with the day it lapsed) or `unknown`, and shows only the letter type,
    serial number, issue date and the holder's masked name (张*). Every check is logged; each address may
    make `verify_burst` checks at once and `verify_rate_per_minute` a minute (429 with `Retry-After`).
    """
    out = _verification_out(await _verify(request, token, "json"))
    return Response(out.model_dump_json(), media_type="application/json", headers=VERIFY_HEADERS)


@router.get(
    "/verify/{token}",
    summary="Verification page 函件核验页面",
    tags=["verification 核验"],
    response_class=HTMLResponse,
    responses=RATE_LIMITED,
)
async def verify_page(request: Request, token: TokenPath) -> HTMLResponse:
    """The page a letter's QR code opens: a server-rendered HTML page (no JavaScript) saying whether the
    letter is valid, revoked (with the date) or lapsed, or that no such letter exists.

    二维码打开的核验页面：有效 / 已撤销（日期）/ 已失效 / 未找到；仅显示函件类型、编号、出具日期和持有人脱敏姓名。
    """
    out = _verification_out(await _verify(request, token, "html"))
    r: dict[str, Any] = out.model_dump()
    for k in ("issued_on", "revoked_on", "lapsed_on"):
        d: date | None = r.get(k)
        r[f"{k}_cn"] = chinese_date(d) if d else None
    html = runtime(request).templates.get_template("verify.html.j2").render(r=r)
    return HTMLResponse(html, headers=VERIFY_HEADERS)


# ---- public: the materials checklist ------------------------------------------------------------


@router.post(
    "/v1/materials/checklist",
    summary="Materials checklist 落户材料清单",
    tags=["materials 落户材料"],
    response_model=ChecklistOut,
)
async def materials_checklist(request: Request, body: ChecklistIn) -> ChecklistOut:
    """The materials an applicant must hand in to the district office (seed 004 第十一条, 附件1), for their
    situation: archive or not, and each accompanying minor child by birth date and birth order (the
    family-planning certificate is not needed for a first child, nor for a second child born on or after
    2016-01-01). With `provided`, also what is still missing.

    按第十一条生成落户材料清单：有无档案、随迁未成年子女（按出生日期和孩次判断是否需要计划生育证明）。
    """
    ctx = get_context(request)
    req, provided = handlers.materials_request(body.model_dump(), body.as_of or ctx.clock.today())
    try:
        items = handlers.checklist(req)
        check_provided(provided, len(req.children))
    except SettlementError as e:
        raise _refused(e) from None
    except MaterialsError as e:
        raise ApiError(
            422, e.code, e.message, [{"field": e.field, "code": e.code, "message": e.message}]
        ) from None
    missing = missing_items(items, provided)
    return ChecklistOut(
        items=[_item(i) for i in items], missing=[_item(i) for i in missing], complete=not missing
    )


# ---- qualifications -----------------------------------------------------------------------------


@router.get(
    "/v1/qualifications",
    summary="Qualifications 落户资格列表",
    tags=["qualifications 落户资格"],
    response_model=QualificationPage,
    responses=OTHER_DISTRICT,
)
async def list_qualifications(
    request: Request,
    status: QualificationStatus | None = None,
    round_id: Annotated[str | None, Query(pattern=APPLICATION_ID_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QualificationPage:
    """Settlement qualifications by application id, filterable by status and round (paginated).

    District staff (区人力社保局) see only the qualifications that settle in their district (the
    `settlement_district` named with the materials equals their account's district); qualifications whose
    materials have not been handed in yet belong to no district and are not listed for them (look one up by
    its application id). A district staff account without a district gets 403 `no_district`.

    积分落户资格列表（分页，可按状态、年度筛选）；区人力社保局工作人员只能看到落户区为本区的资格。
    """
    ctx = get_context(request)
    scope = _reading_scope(principal_of(request))
    try:
        district = scope.require() if scope is not None else None
    except SettlementError as e:
        raise _refused(e) from None
    async with ctx.session_factory() as s:
        repo = SettlementRepository(s)
        page = await repo.list_qualifications(
            status=status, round_id=round_id, limit=limit, offset=offset, settlement_district=district
        )
        items = [await _qualification_out(repo, q) for q in page.items]
    return QualificationPage(items=items, total=page.total, limit=limit, offset=offset)


@router.get(
    "/v1/qualifications/{application_id}",
    summary="One qualification 落户资格详情",
    tags=["qualifications 落户资格"],
    response_model=QualificationOut,
    responses={**NOT_FOUND, **OTHER_DISTRICT},
)
async def get_qualification(request: Request, application_id: ApplicationIdPath) -> QualificationOut:
    """A qualification with its validity, the settlement district, the materials and their checklist, the
    decisions and the letters.

    落户资格详情：有效期、落户区、材料清单、区审核和市局核准、函件。Applicants see only their own; district staff
    see those of their district and those not yet tied to a district (before the materials name one),
    others are 403 `other_district`.
    """
    await _owner_check(request, application_id)
    scope = _reading_scope(principal_of(request))
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        repo = SettlementRepository(s)
        qual = await repo.get_qualification(application_id)
        if qual is None:
            raise ApiError(
                404, "qualification_not_found", f"Application {application_id} has no qualification."
            )
        try:
            handlers.may_read(scope, qual)
        except SettlementError as e:
            raise _refused(e) from None
        return await _qualification_out(repo, qual)


async def _qual_after(request: Request, application_id: str) -> QualificationOut:
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        repo = SettlementRepository(s)
        qual = await repo.get_qualification(application_id)
        assert qual is not None
        return await _qualification_out(repo, qual)


@router.post(
    "/v1/qualifications/{application_id}/materials",
    summary="Hand in materials 提交落户材料",
    tags=["qualifications 落户资格"],
    response_model=QualificationOut,
    responses={**NOT_FOUND, **CONFLICT, **OTHER_DISTRICT},
)
async def submit_materials(
    request: Request, application_id: ApplicationIdPath, body: MaterialsIn
) -> QualificationOut:
    """Record the materials handed in to the district office (seed 004 第十一条): the settlement district
    (`settlement_district`, 落户区: where the hukou will be registered, a Beijing district code), the
    applicant's situation (archive, accompanying children) and each material provided. Every material of
    the checklist must be there (422 lists what is missing). Allowed after the confirmation letter, or
    after materials were returned (the re-submission may name another district), while the qualification
    is valid.

    District staff (区人力社保局) record materials only for their own district: naming another is 403
    `other_district`, an account without a district 403 `no_district`. Bureau staff and the applicant may
    name any district.

    登记申请人向区指定部门提交的落户材料及拟落户区；缺件时返回缺少的材料（422）。区人力社保局工作人员只能登记落户区为本区的材料。
    """
    await _owner_check(request, application_id)
    doc = body.model_dump()
    scope = _acting_scope(principal_of(request))
    await _in_tx(request, lambda tx: handlers.submit_materials(tx, application_id, doc, scope))
    return await _qual_after(request, application_id)


@router.post(
    "/v1/qualifications/{application_id}/district-check",
    summary="District check 区审核",
    tags=["qualifications 落户资格"],
    response_model=QualificationOut,
    responses={**NOT_FOUND, **CONFLICT, **OTHER_DISTRICT},
)
async def district_check(
    request: Request, application_id: ApplicationIdPath, body: DistrictCheckIn
) -> QualificationOut:
    """The district office's check of the submitted materials: passed (reported to the bureau for approval)
    or returned to the applicant with what is wrong.

    Done by district staff (`district_staff`, 区人力社保局) of the qualification's settlement district only:
    their account's district must equal the `settlement_district` named with the materials. Another
    district's clerk gets 403 `other_district`, an account without a district 403 `no_district`, and the
    qualification does not change. Bureau staff approve afterwards.

    区指定部门审核：仅限落户区所在区的人力社保局工作人员；审核无误报市人力资源社会保障局核准，或退回并一次性告知。
    """
    scope = DistrictScope(_district_claim(principal_of(request)))
    await _in_tx(
        request, lambda tx: handlers.district_check(tx, application_id, body.passed, body.note, scope)
    )
    return await _qual_after(request, application_id)


@router.post(
    "/v1/qualifications/{application_id}/approve",
    summary="Approve and issue the letter 核准并出具函件",
    tags=["qualifications 落户资格"],
    response_model=LetterOut,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
)
async def approve(request: Request, application_id: ApplicationIdPath, body: ApproveIn) -> LetterOut:
    """The bureau approves a district-checked qualification (第十一条 核准) and issues the settlement letter
    for the transfer of archives and hukou (第十二条 函件) in the same transaction; `letter.issued` follows.
    Bureau staff only; the approver must not be the person who recorded the district check.

    市局核准并出具调档及落户函件（与区审核人不得为同一人）。
    """
    letter = await _in_tx(request, lambda tx: handlers.approve(tx, application_id, body.note))
    return _letter_out(letter)


@router.post(
    "/v1/qualifications/{application_id}/cancel",
    summary="End a qualification 取消落户资格",
    tags=["qualifications 落户资格"],
    response_model=EndOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def cancel(request: Request, application_id: ApplicationIdPath, body: EndIn) -> EndOut:
    """End a qualification before settlement: fraud (第十七条; the person is recorded for five years, and
    the employer too when it helped), a criminal record (第十八条) or given up on request (第十三条). Every
    letter of it is revoked (`letter.revoked`), `qualification.cancelled` is emitted; nobody is added.

    取消积分落户资格（弄虚作假、曾被追究刑事责任、本人放弃），撤销其函件，不递补。
    """
    reason = RevocationReason(body.reason)

    async def run(tx: Tx) -> tuple[Row, list[Row]]:
        return await handlers.cancel(tx, application_id, reason, body.note, body.employer_assisted)

    _, revoked = await _in_tx(request, run)
    return EndOut(
        qualification=await _qual_after(request, application_id), revoked=[_summary(x) for x in revoked]
    )


# ---- letters ------------------------------------------------------------------------------------


@router.get("/v1/letters", summary="Letters 函件列表", tags=["letters 函件"], response_model=LetterPage)
async def list_letters(
    request: Request,
    application_id: Annotated[str | None, Query(pattern=APPLICATION_ID_PATTERN)] = None,
    letter_type: LetterType | None = None,
    status: Annotated[str | None, Query(pattern="^(issued|revoked)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> LetterPage:
    """Issued letters, newest first, filterable by application, type and status (paginated).

    已出具函件列表（分页）。
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        page = await SettlementRepository(s).list_letters(
            application_id=application_id, letter_type=letter_type, status=status, limit=limit, offset=offset
        )
    return LetterPage(
        items=[_letter_out(x) for x in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/v1/letters/{serial_number}",
    summary="One letter 函件详情",
    tags=["letters 函件"],
    response_model=LetterOut,
    responses=NOT_FOUND,
)
async def get_letter(request: Request, serial_number: SerialPath) -> LetterOut:
    """A letter: serial number, holder, text, issuing authority, verification address and its state.

    函件详情。
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        letter = await SettlementRepository(s).get_letter(serial_number)
    if letter is None:
        raise ApiError(404, "letter_not_found", f"No letter {serial_number}.")
    return _letter_out(letter)


@router.get(
    "/v1/letters/{serial_number}/pdf",
    summary="Letter as PDF 函件 PDF",
    tags=["letters 函件"],
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The letter, A4"},
        **NOT_FOUND,
        409: {"description": "The letter contains characters the installed font cannot print"},
        503: {"description": "No CJK font installed"},
    },
)
async def letter_pdf(request: Request, serial_number: SerialPath) -> Response:
    """The letter as printed: A4 PDF with a CJK font, the serial number, the holder, the text from its
    template, the issuing authority, the date written in Chinese and the QR code of its verification page.
    A revoked letter is still rendered (as issued); its verification page says revoked.

    函件 PDF（含二维码）。Applicants may download their own letters.
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        letter = await SettlementRepository(s).get_letter(serial_number)
    if letter is None:
        raise ApiError(404, "letter_not_found", f"No letter {serial_number}.")
    await _owner_check(request, letter["application_id"])
    rt = runtime(request)
    try:
        pdf = await run_in_threadpool(rt.renderer.render, handlers.letter_document(letter))
    except UnsupportedGlyph as e:
        raise ApiError(409, "unsupported_glyph", str(e)) from None
    except FontNotFound as e:
        raise ApiError(503, "font_missing", str(e)) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{serial_number}.pdf"'},
    )


@router.post(
    "/v1/letters/{serial_number}/revoke",
    summary="Revoke a letter 撤销函件",
    tags=["letters 函件"],
    response_model=LetterOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def revoke_letter(request: Request, serial_number: SerialPath, body: EndIn) -> LetterOut:
    """Revoke a letter with a reason (fraud, criminal record, on request). The qualification behind it ends
    too (its other letters are revoked with it); `letter.revoked` is emitted and the verification page says
    revoked at once. Fraud also records the person (and the employer, if it helped) for five years.

    撤销函件并说明理由；核验页面立即显示已撤销。
    """
    reason = RevocationReason(body.reason)
    letter = await _in_tx(
        request, lambda tx: handlers.revoke(tx, serial_number, reason, body.note, body.employer_assisted)
    )
    return _letter_out(letter)


# ---- bad-conduct records ------------------------------------------------------------------------


def _conduct_out(rt: SettlementRuntime, row: Row) -> ConductOut:
    masked = None
    if row.get("person_id_sealed"):
        plain = rt.open_id_number(row["person_id_sealed"])
        masked = mask_id_number(plain) if plain else None
    fields = {k: row.get(k) for k in ConductOut.model_fields if k != "id_number_masked"}
    return ConductOut(**fields, id_number_masked=masked)


@router.get(
    "/v1/conduct-records",
    summary="Bad-conduct records 失信记录列表",
    tags=["conduct 失信记录"],
    response_model=ConductPage,
)
async def list_conduct(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(pending_holder|active|expired)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(person|employer)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ConductPage:
    """Bad-conduct records (seed 004 第十七条), newest first, filterable by status and kind (paginated).
    ID numbers are shown masked.

    失信记录列表（分页）；身份证号脱敏显示。
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        page = await SettlementRepository(s).list_conduct_records(
            status=status, kind=kind, limit=limit, offset=offset
        )
    rt = runtime(request)
    return ConductPage(
        items=[_conduct_out(rt, r) for r in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/v1/conduct-records/{record_id}",
    summary="One bad-conduct record 失信记录详情",
    tags=["conduct 失信记录"],
    response_model=ConductOut,
    responses=NOT_FOUND,
)
async def get_conduct(
    request: Request, record_id: Annotated[str, Path(pattern=RECORD_ID_PATTERN)]
) -> ConductOut:
    """One bad-conduct record: subject, reason, from and until, status.

    失信记录详情。
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        row = await SettlementRepository(s).get_conduct_record(record_id)
    if row is None:
        raise ApiError(404, "conduct_record_not_found", f"No bad-conduct record {record_id}.")
    return _conduct_out(runtime(request), row)


@router.post(
    "/v1/conduct-records",
    summary="Record bad conduct 记录失信",
    tags=["conduct 失信记录"],
    response_model=list[ConductOut],
    status_code=201,
    responses={**NOT_FOUND, 409: {"description": "Already recorded"}},
)
async def create_conduct(request: Request, body: ConductIn) -> list[ConductOut]:
    """Record a decision of fraud (seed 004 第十七条) for five years: for an application's applicant and/or
    its employer (`subjects`), or for a person (ID number) and/or an employer (credit code) given directly.
    Each record is emitted as `conduct.recorded` with its end date; intake refuses their declarations.

    记录失信（申请人 5 年；协助提供虚假材料的用人单位 5 年）。
    """
    ctx = get_context(request)
    decided_on = body.decided_on or ctx.clock.today()
    if decided_on > ctx.clock.today():
        raise ApiError(
            422,
            "decided_on_future",
            "The decision date cannot be in the future.",
            [{"field": "decided_on", "code": "future", "message": "not after today"}],
        )
    subjects = [ConductSubject(x) for x in body.subjects]
    rows = await _in_tx(
        request,
        lambda tx: handlers.record_conduct(
            tx,
            application_id=body.application_id,
            subjects=subjects,
            id_number=body.id_number,
            credit_code=body.employer_credit_code,
            reason=body.reason,
            decided_on=decided_on,
        ),
    )
    rt = runtime(request)
    return [_conduct_out(rt, r) for r in rows]


# ---- audit and checks ---------------------------------------------------------------------------


@router.get("/v1/audit-log", summary="Audit trail 操作审计", tags=["audit 审计"], response_model=AuditPage)
async def audit_log(
    request: Request,
    subject: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f]*$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditPage:
    """Who did what and when: staff actions and automatic transitions (actor `system`), newest first;
    `subject` is usually an application id.

    操作审计记录（分页）。
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        page = await SettlementRepository(s).list_audit(subject=subject, limit=limit, offset=offset)
    return AuditPage(items=[AuditOut(**r) for r in page.items], total=page.total, limit=limit, offset=offset)


@router.get(
    "/v1/verification-checks",
    summary="Verification log 核验记录",
    tags=["audit 审计"],
    response_model=CheckPage,
)
async def verification_checks(
    request: Request,
    serial_number: Annotated[str | None, Query(pattern=SERIAL_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CheckPage:
    """Every public verification check, newest first (the token is kept only as a digest).

    公开核验记录（分页）。
    """
    ctx = get_context(request)
    async with ctx.session_factory() as s:
        page = await SettlementRepository(s).list_checks(
            serial_number=serial_number, limit=limit, offset=offset
        )
    return CheckPage(
        items=[CheckOut(**{k: r[k] for k in CheckOut.model_fields}) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )
