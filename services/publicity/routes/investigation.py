"""Bureau staff: the investigation of objections. The reporter's identity is never part of these views,
except for the assigned investigator who unseals it with a logged reason."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from services.publicity.domain.attachments import ALLOWED_TYPES
from services.publicity.domain.outcomes import ReasonCode
from services.publicity.handlers import objections as uc
from services.publicity.routes.common import NOT_FOUND, CtxDep, ObjectionId, PublicityId, objection_detail_out
from services.publicity.schemas import (
    AccessLogEntry,
    AccessLogOut,
    AssignIn,
    DecisionIn,
    DecisionOut,
    ObjectionDetail,
    ObjectionPage,
    OutcomeOut,
    UnsealIn,
    UnsealOut,
    objection_out,
)
from shared.service import principal_of

router = APIRouter(tags=["investigation 异议核查"])


def _actor(request: Request) -> str:
    return principal_of(request).subject[:200]


@router.get(
    "/v1/publicities/{publicity_id}/objections",
    summary="Objections to a list 异议列表",
    response_model=ObjectionPage,
    responses=NOT_FOUND,
)
async def objections(
    publicity_id: PublicityId,
    request: Request,
    ctx: CtxDep,
    status: Annotated[str | None, Query(pattern="^(received|assigned|upheld|dismissed)$")] = None,
    entry_no: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ObjectionPage:
    """Objections filed against a list, oldest first, filterable by status and entry. The reporter's
    identity is not part of this view. 异议列表（不含举报人身份）。"""
    page = await ctx.run(
        uc.list_objections,
        uc.ListObjections(publicity_id, status, entry_no, limit, offset),
        actor=_actor(request),
    )
    return ObjectionPage(
        items=[objection_out(o) for o in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/v1/objections/{objection_id}",
    summary="One objection 异议详情",
    response_model=ObjectionDetail,
    responses=NOT_FOUND,
)
async def objection(objection_id: ObjectionId, request: Request, ctx: CtxDep) -> ObjectionDetail:
    """An objection with its text, workflow history (who, when, note) and attachments; never the
    reporter's identity. 异议详情（处理记录、附件），不含举报人身份。"""
    o = await ctx.run(uc.objection_detail, uc.ObjectionDetailOf(objection_id), actor=_actor(request))
    return objection_detail_out(o)


@router.get(
    "/v1/objections/{objection_id}/attachments/{attachment_id}",
    summary="Download an attachment 下载附件",
    response_class=Response,
    responses={200: {"content": {t: {} for t in ALLOWED_TYPES}, "description": "The file"}, **NOT_FOUND},
)
async def attachment(
    objection_id: ObjectionId,
    attachment_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    ctx: CtxDep,
) -> Response:
    """One attachment of an objection, as a download (its type was checked by content when filed)."""
    a = await ctx.run(uc.attachment_of, uc.AttachmentOf(objection_id, attachment_id), actor=_actor(request))
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
    responses={
        **NOT_FOUND,
        403: {"description": "Not a supervisor (`not_supervisor`)"},
        409: {
            "description": "Already decided (`objection_decided`), or assigning to oneself (`self_assignment`)"
        },
        422: {"description": "Not a registered investigator account (`unknown_investigator`)"},
    },
)
async def assign(objection_id: ObjectionId, body: AssignIn, request: Request, ctx: CtxDep) -> ObjectionDetail:
    """``received`` → ``assigned``: a supervisor (a bureau-staff account registered as ``supervisor`` at
    ``/v1/objection-staff``) gives the objection to a registered ``investigator``, never to themself;
    reassigning an open objection is allowed. Recorded with who assigned and the note.

    指派核查人：仅限已登记的督办负责人指派给已登记的核查人员，不得指派给本人。
    """
    o = await ctx.run(
        uc.assign_objection,
        uc.AssignObjection(objection_id, body.investigator, body.note),
        actor=_actor(request),
    )
    return objection_detail_out(o)


@router.post(
    "/v1/objections/{objection_id}/decision",
    summary="Decide an objection 核查结论",
    response_model=DecisionOut,
    responses={
        **NOT_FOUND,
        403: {"description": "Not the assigned investigator"},
        409: {"description": "Not assigned yet, or already decided"},
    },
)
async def decide(objection_id: ObjectionId, body: DecisionIn, request: Request, ctx: CtxDep) -> DecisionOut:
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
    result = await ctx.run(
        uc.decide_objection,
        uc.DecideObjection(
            objection_id=objection_id,
            upheld=body.decision == "upheld",
            note=body.note,
            reason=body.reason,
            reason_code=ReasonCode(body.reason_code) if body.reason_code else None,
        ),
        actor=_actor(request),
    )
    emitted = result.outcome_emitted
    return DecisionOut(
        objection=objection_detail_out(result.objection),
        outcome_emitted=OutcomeOut.model_validate(emitted) if emitted else None,
    )


@router.post(
    "/v1/objections/{objection_id}/reporter-identity",
    summary="Unseal the reporter's identity 查看举报人身份",
    response_model=UnsealOut,
    responses={
        **NOT_FOUND,
        403: {"description": "Not the objection's assigned investigator"},
        409: {"description": "The objection is decided (`objection_decided`): the identity stays sealed"},
    },
)
async def reporter_identity(
    objection_id: ObjectionId, body: UnsealIn, request: Request, ctx: CtxDep
) -> JSONResponse:
    """The reporter's name, ID number and phone, for the investigator assigned to this objection only,
    while the objection is open (409 ``objection_decided`` afterwards), who must give a reason. Every
    unsealing is logged (who, when, why) before the identity is returned; supervisors read the log at
    ``/v1/objections/{objection_id}/identity-access-log``.

    仅限被指派的核查人员在异议办结前查看，须说明理由；每次查看均记录（谁、何时、为何），督办负责人可查阅记录。
    """
    principal = principal_of(request)
    out = await ctx.run(
        uc.unseal_reporter_identity,
        uc.UnsealIdentity(objection_id, principal.roles, body.reason),
        actor=principal.subject[:200],
    )
    return JSONResponse(
        UnsealOut.model_validate(out).model_dump(mode="json"), headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/v1/objections/{objection_id}/identity-access-log",
    summary="Who saw the reporter's identity 举报人身份查看记录",
    response_model=AccessLogOut,
    responses=NOT_FOUND,
)
async def identity_access_log(objection_id: ObjectionId, request: Request, ctx: CtxDep) -> AccessLogOut:
    """Every unsealing of the objection's reporter identity: who, when, why (for audit). It never
    contains the identity. 举报人身份查看记录（审计用）。"""
    rows = await ctx.run(uc.access_log_of, uc.AccessLogOf(objection_id), actor=_actor(request))
    return AccessLogOut(objection_id=objection_id, items=[AccessLogEntry.model_validate(r) for r in rows])
