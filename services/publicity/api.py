"""HTTP API of the publicity service.

Public (no credentials): the lists on view as HTML and JSON, and filing a real-name objection during the
period. Bureau staff: the archived copies with outcomes, the objections and their investigation, and —
for the assigned investigator only, with a logged reason — the reporter's identity. Operations
administrators: the lists, readiness and the identity access log (never an identity).

Rate limit of the public objection endpoint: a token bucket per client IP kept **in the database**
(``rate_buckets``, one row per client, keyed by a digest of the IP, locked for the update). Chosen over an
in-process bucket because the API runs as several processes behind a load balancer and restarts: a bucket
in one process's memory would multiply the allowance by the number of processes and reset on every
deploy. A refused request answers 429 with ``Retry-After``. The client IP is the socket peer, or, behind the
proxies listed in ``PUBLICITY_TRUSTED_PROXIES``, the ``X-Forwarded-For`` entry they added
(``shared.api.clients.client_address``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.publicity import handlers, pages
from services.publicity.domain.attachments import ALLOWED_TYPES, safe_filename, sniff
from services.publicity.domain.outcomes import ReasonCode
from services.publicity.schemas import (
    ID_PATTERN,
    SEARCH_PATTERN,
    AccessLogEntry,
    AccessLogOut,
    AssignIn,
    AttachmentMeta,
    DecisionIn,
    DecisionOut,
    ObjectionAction,
    ObjectionDetail,
    ObjectionForm,
    ObjectionPage,
    ObjectionReceipt,
    OutcomeOut,
    PublicEntryPage,
    PublicityPage,
    PublicityStaffOut,
    ReadinessOut,
    StaffEntryPage,
    StaffPublicityPage,
    UnsealIn,
    UnsealOut,
    objection_out,
    public_entry_doc,
    publicity_out,
    staff_entry,
)
from shared.api.auth import PermissionTable, Principal, Role, roles
from shared.api.clients import client_address
from shared.api.errors import ApiError, validation_details
from shared.crypto import Sealer, SealError
from shared.logging import correlation_id_var
from shared.service import ServiceContext, get_context, principal_of
from shared.validation import InvalidIdentifier, parse_mobile_number, parse_resident_id
from shared.validation.identifiers import synthetic_resident_id

router = APIRouter()

PUBLIC = roles(Role.PUBLIC)
INVESTIGATION = roles(Role.BUREAU_STAFF)
STAFF_OR_OPS = roles(Role.BUREAU_STAFF, Role.OPERATIONS_ADMIN)

#: Who may call each route of this service (the operations routes are shared).
PERMISSIONS: PermissionTable = {
    # the public
    ("GET", "/public/publicities"): PUBLIC,
    ("GET", "/public/publicities/{publicity_id}"): PUBLIC,
    ("GET", "/v1/public/publicities"): PUBLIC,
    ("GET", "/v1/public/publicities/{publicity_id}/entries"): PUBLIC,
    ("POST", "/v1/public/publicities/{publicity_id}/objections"): PUBLIC,
    # bureau staff and operations: lists, archived copies, readiness, the access log
    ("GET", "/v1/publicities"): STAFF_OR_OPS,
    ("GET", "/v1/publicities/{publicity_id}"): STAFF_OR_OPS,
    ("GET", "/v1/publicities/{publicity_id}/entries"): STAFF_OR_OPS,
    ("GET", "/v1/rounds/{round_id}/publicity-readiness"): STAFF_OR_OPS,
    ("GET", "/v1/objections/{objection_id}/identity-access-log"): STAFF_OR_OPS,
    # bureau staff: the investigation
    ("GET", "/v1/publicities/{publicity_id}/objections"): INVESTIGATION,
    ("GET", "/v1/objections/{objection_id}"): INVESTIGATION,
    ("GET", "/v1/objections/{objection_id}/attachments/{attachment_id}"): INVESTIGATION,
    ("POST", "/v1/objections/{objection_id}/assign"): INVESTIGATION,
    ("POST", "/v1/objections/{objection_id}/decision"): INVESTIGATION,
    ("POST", "/v1/objections/{objection_id}/reporter-identity"): INVESTIGATION,
}

PublicityId = Annotated[str, Path(max_length=140, pattern=ID_PATTERN, examples=["pts-2022"])]
ObjectionId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN, examples=["OBJ-3F2A9C1B7D4E5F60"])]
SearchText = Annotated[
    str | None,
    Query(max_length=50, pattern=SEARCH_PATTERN, description="Part of a name or an employer name."),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such publicity or objection"}}


def _api_error(e: handlers.UseCaseError) -> ApiError:
    return ApiError(e.status, e.code, e.message, e.details)


async def _run(coro: Any) -> Any:
    try:
        return await coro
    except handlers.UseCaseError as e:
        raise _api_error(e) from None


def sealer_of(ctx: ServiceContext) -> Sealer:
    sealer = ctx.extras.get("sealer")
    if sealer is None:
        key = ctx.settings.data_key
        if key is None:
            raise ApiError(503, "not_configured", "Objections are unavailable: no data key is configured.")
        try:
            sealer = Sealer(key.get_secret_value())
        except SealError as e:
            raise ApiError(503, "not_configured", f"Objections are unavailable: {e}.") from None
        ctx.extras["sealer"] = sealer
    return sealer


def client_ip(request: Request, ctx: ServiceContext) -> str:
    return client_address(request, handlers.settings_of(ctx).trusted_proxy_networks)


# ---- public JSON ------------------------------------------------------------------------------------


@router.get(
    "/v1/public/publicities",
    summary="Public lists 公示一览",
    response_model=PublicityPage,
    tags=["public 公示"],
)
async def public_publicities(
    ctx: ServiceContext = Depends(get_context),
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PublicityPage:
    """The lists that have opened, newest first: on view (``open``) or taken down after their period
    (``closed``), with their period and the supervision contact. 已开始的公示及其公示期。"""
    rows, total = await handlers.public_publicities(ctx, limit, offset)
    return PublicityPage(
        items=[publicity_out(p, p["period"]) for p in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/v1/public/publicities/{publicity_id}/entries",
    summary="A public list 公示名单",
    response_model=PublicEntryPage,
    tags=["public 公示"],
    responses={
        404: {"description": "Not on public view (yet)"},
        410: {"description": "Period over; taken down"},
    },
)
async def public_entries(
    publicity_id: PublicityId,
    ctx: ServiceContext = Depends(get_context),
    q: SearchText = None,
    sort: Annotated[str, Query(pattern="^-?rank$", description="`rank` (ascending) or `-rank`.")] = "rank",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The list on view, the same data as the HTML page: each entry's number (公示编号), rank, name, birth
    year-month, employer, each indicator's points and the total; nothing else about a person. Search by
    part of a name or employer; sort by rank; paginated (``total`` counts the matching rows).

    公示名单（与网页相同的数据）。公示开始前 404，公示期结束后 410（名单已撤下）。
    """
    p, period, rows, total = await _run(
        handlers.public_page(
            ctx,
            publicity_id,
            q=(q or "").strip() or None,
            descending=sort == "-rank",
            limit=limit,
            offset=offset,
        )
    )
    body = {
        "publicity": publicity_out(p, period).model_dump(mode="json"),
        "items": [public_entry_doc(r) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }
    return Response(
        orjson.dumps(body),
        media_type="application/json",
        headers=pages.cache_headers(p["closes_at"], ctx.clock.now()),
    )


# ---- public: objections -----------------------------------------------------------------------------

_FORM_SCHEMA = {
    "type": "object",
    "required": ["entry_no", "reporter_name", "reporter_id_number", "reporter_phone", "text"],
    "properties": {
        **{k: v for k, v in ObjectionForm.model_json_schema()["properties"].items()},
        "attachments": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": f"PDF, JPEG or PNG files (recognised by content: {', '.join(ALLOWED_TYPES)}).",
        },
    },
}


@router.post(
    "/v1/public/publicities/{publicity_id}/objections",
    summary="File a real-name objection 实名举报",
    status_code=201,
    response_model=ObjectionReceipt,
    tags=["public 公示"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": _FORM_SCHEMA,
                    "example": {
                        "entry_no": 12,
                        "reporter_name": "李四",
                        "reporter_id_number": synthetic_resident_id(date(1949, 12, 31), 2, "110105"),
                        "reporter_phone": "13800138000",
                        "text": "该申请人申报的住所信息与实际不符……",
                    },
                },
                "application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA},
            },
        }
    },
    responses={
        404: {"description": "No such publicity"},
        409: {"description": "Outside the publicity period; the message and details give the period"},
        413: {"description": "An attachment or the request is too large"},
        415: {"description": "Not a form submission"},
        429: {"description": "Too many objections from this client; see Retry-After"},
        503: {"description": "No data key configured"},
    },
)
async def file_objection(
    request: Request, publicity_id: PublicityId, ctx: ServiceContext = Depends(get_context)
) -> Response:
    """File a written objection against one entry, with the reporter's real name, ID number (GB 11643)
    and mobile number, the text, and optional PDF/JPEG/PNG attachments. Accepted only during the period;
    outside it the answer is 409 with the period's dates. The reporter's identity is encrypted before it is
    stored and never appears in any response; the receipt carries a reference number.

    实名书面举报：仅在公示期内受理；举报人身份加密保存，严格保密。浏览器表单提交时返回网页回执。
    Rate-limited per client (429 with Retry-After).
    """
    as_html = pages.wants_html(request)
    back = f"/public/publicities/{quote(publicity_id, safe='')}"
    try:
        receipt = await _file_objection(request, publicity_id, ctx)
    except ApiError as e:
        if as_html:
            return pages.render_error(e, back)
        raise
    if as_html:
        return pages.render_receipt(receipt, back)
    return JSONResponse(ObjectionReceipt.model_validate(receipt).model_dump(mode="json"), status_code=201)


async def _file_objection(request: Request, publicity_id: str, ctx: ServiceContext) -> dict[str, Any]:
    cfg = handlers.settings_of(ctx)
    decision = await handlers.take_objection_token(ctx, client_ip(request, ctx))
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"提交过于频繁，请 {decision.retry_after_s} 秒后再试。Too many objections from this client; "
            f"try again in {decision.retry_after_s} s.",
            headers={"Retry-After": str(decision.retry_after_s)},
        )
    sealer = sealer_of(ctx)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the objection as multipart/form-data (with attachments) or a form.",
        )
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > cfg.objection_max_request_bytes:
        raise ApiError(
            413,
            "payload_too_large",
            f"The request is {length} bytes; the limit is {cfg.objection_max_request_bytes}.",
        )
    try:
        form = await request.form(
            max_files=cfg.objection_max_attachments,
            max_fields=20,
            max_part_size=cfg.objection_max_text_chars * 4 + 1024,
        )
    except StarletteHTTPException as e:
        raise ApiError(
            422,
            "invalid_form",
            f"The form could not be read: {e.detail}",
            [{"field": "form", "code": "form.invalid", "message": str(e.detail)}],
        ) from None
    try:
        details: list[dict[str, Any]] = []
        raw: dict[str, Any] = {}
        for name in ObjectionForm.model_fields:
            value = form.get(name)
            if isinstance(value, UploadFile):
                details.append(
                    {"field": name, "code": "string_type", "message": "must be a text field, not a file"}
                )
            elif value is not None:
                raw[name] = value
        fields: ObjectionForm | None = None
        try:
            fields = ObjectionForm.model_validate(raw)
        except ValidationError as e:
            details.extend(validation_details(list(e.errors())))
        if fields is not None:
            if len(fields.text) > cfg.objection_max_text_chars:
                details.append(
                    {
                        "field": "text",
                        "code": "string_too_long",
                        "message": f"at most {cfg.objection_max_text_chars} characters",
                    }
                )
            for name, check in (
                ("reporter_id_number", lambda v: parse_resident_id(v, today=ctx.clock.today()).number),
                ("reporter_phone", parse_mobile_number),
            ):
                try:
                    setattr(fields, name, check(getattr(fields, name)))
                except InvalidIdentifier as e:
                    details.append({"field": name, "code": e.code, "message": f"{e.message} {e.message_zh}"})
        files = []
        for i, item in enumerate(form.getlist("attachments")):
            if isinstance(item, str):
                if item == "":
                    continue  # an empty file input of a browser form
                details.append(
                    {"field": f"attachments[{i}]", "code": "file_type", "message": "must be a file"}
                )
                continue
            content = await item.read(cfg.objection_max_attachment_bytes + 1)
            if not content and not item.filename:
                continue  # a browser form with no file chosen
            if len(content) > cfg.objection_max_attachment_bytes:
                raise ApiError(
                    413,
                    "payload_too_large",
                    f"Attachment {i + 1} is larger than {cfg.objection_max_attachment_bytes} bytes.",
                    [
                        {
                            "field": f"attachments[{i}]",
                            "code": "file.too_large",
                            "message": f"at most {cfg.objection_max_attachment_bytes} bytes",
                        }
                    ],
                )
            media_type = sniff(content)
            if media_type is None:
                details.append(
                    {
                        "field": f"attachments[{i}]",
                        "code": "file.type",
                        "message": "only PDF, JPEG or PNG files are accepted",
                    }
                )
                continue
            files.append(
                handlers.AttachmentIn(safe_filename(item.filename, media_type, i + 1), media_type, content)
            )
        if details or fields is None:
            n = len(details)
            raise ApiError(
                422,
                "validation_failed",
                f"The request has {n} invalid field{'s' if n != 1 else ''}.",
                details,
            )
    finally:
        await form.close()
    obj = handlers.ObjectionIn(
        entry_no=fields.entry_no,
        reporter_name=fields.reporter_name,
        reporter_id_number=fields.reporter_id_number,
        reporter_phone=fields.reporter_phone,
        text=fields.text,
        attachments=files,
    )
    result: dict[str, Any] = await _run(handlers.file_objection(ctx, sealer, publicity_id, obj))
    return result


# ---- staff: lists, archived copies, readiness ------------------------------------------------------


def _staff_publicity(p: dict[str, Any]) -> PublicityStaffOut:
    return PublicityStaffOut(
        **publicity_out(p, p["period"]).model_dump(),
        ranking_id=p["ranking_id"],
        prepared_at=p["prepared_at"],
        closed_at=p["closed_at"],
        close_processed_at=p["close_processed_at"],
        cleared=p["cleared"],
        disqualified=p["disqualified"],
        held=p["held"],
        objections=p["objections"],
    )


@router.get(
    "/v1/publicities",
    summary="All publicities 全部公示",
    response_model=StaffPublicityPage,
    tags=["staff 工作人员"],
)
async def staff_publicities(
    ctx: ServiceContext = Depends(get_context),
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StaffPublicityPage:
    """Every publicity whatever its status (scheduled, open, closed), with counts of outcomes and of
    objections by status. 全部公示（含已准备、公示中、已结束）。"""
    rows, total = await handlers.staff_publicities(ctx, limit, offset)
    return StaffPublicityPage(
        items=[_staff_publicity(p) for p in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/v1/publicities/{publicity_id}",
    summary="One publicity 公示详情",
    response_model=PublicityStaffOut,
    tags=["staff 工作人员"],
    responses=NOT_FOUND,
)
async def staff_publicity(
    publicity_id: PublicityId, ctx: ServiceContext = Depends(get_context)
) -> PublicityStaffOut:
    """A publicity's status, period (with the calendar data version), counts and objections by status."""
    return _staff_publicity(await _run(handlers.staff_publicity(ctx, publicity_id)))


@router.get(
    "/v1/publicities/{publicity_id}/entries",
    summary="Archived copy of a list 公示名单存档",
    response_model=StaffEntryPage,
    tags=["staff 工作人员"],
    responses=NOT_FOUND,
)
async def staff_entries(
    publicity_id: PublicityId,
    ctx: ServiceContext = Depends(get_context),
    q: SearchText = None,
    outcome: Annotated[str | None, Query(pattern="^(cleared|disqualified|held)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> StaffEntryPage:
    """The list as published, kept after the period for staff and audit, with each entry's application
    id and outcome. 公示名单存档（含申请编号与公示结果），供工作人员与审计使用。"""
    p, rows, total = await _run(
        handlers.staff_page(
            ctx, publicity_id, q=(q or "").strip() or None, outcome=outcome, limit=limit, offset=offset
        )
    )
    return StaffEntryPage(
        publicity=publicity_out(p, p["period"]),
        items=[staff_entry(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/rounds/{round_id}/publicity-readiness",
    summary="Is a round's list ready? 公示准备情况",
    response_model=ReadinessOut,
    tags=["staff 工作人员"],
)
async def readiness(
    round_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
    ctx: ServiceContext = Depends(get_context),
) -> ReadinessOut:
    """Whether the round's list has been prepared, and if not, which upstream events are still missing
    (finalized ranking, admitted applicants' ranking, submission or score, the publicity phase dates)."""
    return ReadinessOut(**await handlers.readiness_of(ctx, round_id))


# ---- staff: the investigation --------------------------------------------------------------------


@router.get(
    "/v1/publicities/{publicity_id}/objections",
    summary="Objections to a list 异议列表",
    response_model=ObjectionPage,
    tags=["investigation 异议核查"],
    responses=NOT_FOUND,
)
async def objections(
    publicity_id: PublicityId,
    ctx: ServiceContext = Depends(get_context),
    status: Annotated[str | None, Query(pattern="^(received|assigned|upheld|dismissed)$")] = None,
    entry_no: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ObjectionPage:
    """Objections filed against a list, oldest first, filterable by status and entry. The reporter's
    identity is not part of this view. 异议列表（不含举报人身份）。"""
    rows, total = await _run(
        handlers.list_objections(
            ctx, publicity_id, status=status, entry_no=entry_no, limit=limit, offset=offset
        )
    )
    return ObjectionPage(items=[objection_out(o) for o in rows], total=total, limit=limit, offset=offset)


def _detail(o: dict[str, Any]) -> ObjectionDetail:
    return ObjectionDetail(
        **objection_out(o).model_dump(),
        actions=[ObjectionAction(**{k: a[k] for k in ObjectionAction.model_fields}) for a in o["actions"]],
        attachments=[
            AttachmentMeta(**{k: a[k] for k in AttachmentMeta.model_fields}) for a in o["attachments"]
        ],
    )


@router.get(
    "/v1/objections/{objection_id}",
    summary="One objection 异议详情",
    response_model=ObjectionDetail,
    tags=["investigation 异议核查"],
    responses=NOT_FOUND,
)
async def objection(objection_id: ObjectionId, ctx: ServiceContext = Depends(get_context)) -> ObjectionDetail:
    """An objection with its text, workflow history (who, when, note) and attachments; never the
    reporter's identity. 异议详情（处理记录、附件），不含举报人身份。"""
    return _detail(await _run(handlers.objection_detail(ctx, objection_id)))


@router.get(
    "/v1/objections/{objection_id}/attachments/{attachment_id}",
    summary="Download an attachment 下载附件",
    tags=["investigation 异议核查"],
    response_class=Response,
    responses={200: {"content": {t: {} for t in ALLOWED_TYPES}, "description": "The file"}, **NOT_FOUND},
)
async def attachment(
    objection_id: ObjectionId,
    attachment_id: Annotated[int, Path(ge=1, le=2**62)],
    ctx: ServiceContext = Depends(get_context),
) -> Response:
    """One attachment of an objection, as a download (its type was checked by content when filed)."""
    a = await _run(handlers.attachment_of(ctx, objection_id, attachment_id))
    return Response(
        a["content"],
        media_type=a["media_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(a['filename'])}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/v1/objections/{objection_id}/assign",
    summary="Assign an investigator 指派核查人",
    response_model=ObjectionDetail,
    tags=["investigation 异议核查"],
    responses={**NOT_FOUND, 409: {"description": "Already decided"}},
)
async def assign(
    objection_id: ObjectionId,
    body: AssignIn,
    request: Request,
    ctx: ServiceContext = Depends(get_context),
) -> ObjectionDetail:
    """``received`` → ``assigned``: give the objection to an investigator (reassigning an open objection is
    allowed). Recorded with who assigned and the note. 指派核查人。"""
    actor = principal_of(request).subject[:200]
    await _run(
        handlers.assign_objection(
            ctx, objection_id, investigator=body.investigator, note=body.note, actor=actor
        )
    )
    return _detail(await _run(handlers.objection_detail(ctx, objection_id)))


@router.post(
    "/v1/objections/{objection_id}/decision",
    summary="Decide an objection 核查结论",
    response_model=DecisionOut,
    tags=["investigation 异议核查"],
    responses={
        **NOT_FOUND,
        403: {"description": "Not the assigned investigator"},
        409: {"description": "Not assigned yet, or already decided"},
    },
)
async def decide(
    objection_id: ObjectionId,
    body: DecisionIn,
    request: Request,
    ctx: ServiceContext = Depends(get_context),
) -> DecisionOut:
    """The assigned investigator's decision: ``upheld`` (the applicant is disqualified; ``reason`` and
    ``reason_code`` required) or ``dismissed``, with a note. Final. ``reason_code`` is ``fraud``
    (弄虚作假/材料不实: settlement records the person for five years, seed 004 第十七条), ``ineligible``
    (does not meet the conditions) or ``other``; it travels with ``publicity.outcome`` as ``reason_code``
    (the gravest of an entry's upheld objections), and settlement decides fraud on it, not on the text.
    During the period the entry's outcome is settled at closing; after it, a ``held`` entry whose
    objections are now all decided gets its outcome and ``publicity.outcome`` is emitted again. The place
    is never refilled (不递补).

    核查结论：异议成立（取消资格，须填写原因及原因类别 reason_code：fraud 弄虚作假/材料不实、ineligible
    不符合申报条件、other 其他；弄虚作假的由落户办理记入五年失信记录）或不成立；公示结束后暂缓的人员据此确定结果。
    """
    actor = principal_of(request).subject[:200]
    emitted = await _run(
        handlers.decide_objection(
            ctx,
            objection_id,
            upheld=body.decision == "upheld",
            note=body.note,
            reason=body.reason,
            reason_code=ReasonCode(body.reason_code) if body.reason_code else None,
            actor=actor,
            correlation_id=correlation_id_var.get() or objection_id,
        )
    )
    detail = _detail(await _run(handlers.objection_detail(ctx, objection_id)))
    return DecisionOut(objection=detail, outcome_emitted=OutcomeOut(**emitted) if emitted else None)


@router.post(
    "/v1/objections/{objection_id}/reporter-identity",
    summary="Unseal the reporter's identity 查看举报人身份",
    response_model=UnsealOut,
    tags=["investigation 异议核查"],
    responses={**NOT_FOUND, 403: {"description": "Not the objection's assigned investigator"}},
)
async def reporter_identity(
    objection_id: ObjectionId,
    body: UnsealIn,
    request: Request,
    ctx: ServiceContext = Depends(get_context),
) -> JSONResponse:
    """The reporter's name, ID number and phone, for the investigator assigned to this objection only,
    who must give a reason. Every unsealing is logged (who, when, why) before the identity is returned.

    仅限被指派的核查人员查看，须说明理由；每次查看均记录（谁、何时、为何）。
    """
    principal: Principal = principal_of(request)
    out = await _run(
        handlers.unseal_reporter_identity(
            ctx,
            sealer_of(ctx),
            objection_id,
            actor=principal.subject[:200],
            roles=principal.roles,
            reason=body.reason,
            correlation_id=correlation_id_var.get(),
        )
    )
    return JSONResponse(
        UnsealOut.model_validate(out).model_dump(mode="json"), headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/v1/objections/{objection_id}/identity-access-log",
    summary="Who saw the reporter's identity 举报人身份查看记录",
    response_model=AccessLogOut,
    tags=["investigation 异议核查"],
    responses=NOT_FOUND,
)
async def identity_access_log(
    objection_id: ObjectionId, ctx: ServiceContext = Depends(get_context)
) -> AccessLogOut:
    """Every unsealing of the objection's reporter identity: who, when, why (for audit). It never
    contains the identity. 举报人身份查看记录（审计用）。"""
    rows = await _run(handlers.access_log_of(ctx, objection_id))
    return AccessLogOut(
        objection_id=objection_id,
        items=[AccessLogEntry(**{k: r[k] for k in AccessLogEntry.model_fields}) for r in rows],
    )


router.include_router(pages.router)
