"""Graduate declarations (引进毕业生): declare, correct, submit, consent, the unit's decision, reading."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query

from services.intake.handlers import graduate_review as r
from services.intake.handlers import graduates as h
from services.intake.routes.deps import SECURED, Caller, Context, Limit, Offset, errors
from services.intake.schemas.graduates import (
    ConsentLinkOut,
    ConsentOut,
    GraduateCorrectionIn,
    GraduateDeclarationIn,
    GraduateDeclarationOut,
    GraduateDeclarationPage,
    GraduateSubmitOut,
    GraduateTimeline,
    UnitApprovalIn,
    UnitReturnIn,
)

router = APIRouter(tags=["graduates 引进毕业生"])
DeclarationId = Annotated[
    str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["GD2025-3F9C1B2D7E"])
]
ConsentToken = Annotated[str, Path(min_length=10, max_length=100, pattern=r"^gc_[A-Za-z0-9_-]+$")]
Status = Literal["draft", "submitted", "returned", "approved_for_publicity", "approved", "refused"]


@router.post(
    "/v1/graduate-declarations",
    summary="Declare a graduate 申报引进毕业生",
    status_code=201,
    response_model=GraduateDeclarationOut,
    responses=errors(403, 404, 409),
    dependencies=SECURED,
)
async def declare(ctx: Context, caller: Caller, body: GraduateDeclarationIn) -> GraduateDeclarationOut:
    """An employer administrator declares a graduate to the employer's supervising unit (seed 000
    第十七条(三)): identity (name, ID number: valid, stored encrypted, shown masked), university, major,
    education, diploma and degree (obtained or expected, numbers when known), graduation date, enrolment
    plan, training mode, labour relation during study, the post and the employer's system and kind,
    start-up founder data, family grounds, special plan.

    Refused: outside the round's declaration stage (409 `out_of_phase`, naming the stage and its dates);
    to a unit whose jurisdiction the employer is not in (403 `outside_jurisdiction`, 第五条); a graduate
    already declared in the round, or with a live bad-conduct record, or an employer with one (409). The
    declaration must make a valid graduate-facts document (422 naming each field). It starts as a draft
    (version 1); submit it with `POST /v1/graduate-declarations/{id}/submit`.
    """
    cmd = h.DeclareGraduate(
        caller,
        body.round_id,
        body.supervising_unit_id,
        h.DeclaredContent(body.graduate, body.employment, body.special_plan),
    )
    return await ctx.run(h.declare_graduate, cmd, actor=caller.subject)


@router.get(
    "/v1/graduate-declarations",
    summary="List graduate declarations 毕业生申报列表",
    response_model=GraduateDeclarationPage,
    dependencies=SECURED,
)
async def list_declarations(
    ctx: Context,
    caller: Caller,
    round_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
    status: Annotated[Status | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> GraduateDeclarationPage:
    """Newest first: an employer's administrators see its declarations, a unit's staff their unit's, a
    graduate with an account their own, bureau staff every one."""
    cmd = r.ListDeclarations(caller, round_id, status, limit, offset)
    return await ctx.run(r.list_declarations, cmd, actor=caller.subject)


@router.get(
    "/v1/graduate-declarations/{declaration_id}",
    summary="A graduate declaration 毕业生申报详情",
    response_model=GraduateDeclarationOut,
    responses=errors(404),
    dependencies=SECURED,
)
async def get_declaration(
    ctx: Context, caller: Caller, declaration_id: DeclarationId
) -> GraduateDeclarationOut:
    """The declaration and where it stands (status, consent, the unit's decision, verification, assessment,
    the bureau's decision), for the employer, its supervising unit, the graduate and bureau staff; anyone
    else gets 404."""
    return await ctx.run(r.get_declaration, r.GetDeclaration(caller, declaration_id), actor=caller.subject)


@router.put(
    "/v1/graduate-declarations/{declaration_id}",
    summary="Correct a graduate declaration 修改毕业生申报",
    response_model=GraduateDeclarationOut,
    responses=errors(403, 404, 409),
    dependencies=SECURED,
)
async def correct(
    ctx: Context, caller: Caller, declaration_id: DeclarationId, body: GraduateCorrectionIn
) -> GraduateDeclarationOut:
    """The employer replaces a draft, or a declaration its supervising unit returned, with a corrected one
    (version + 1, a draft again); submitting it makes a new revision. Declaration stage only."""
    cmd = h.CorrectDeclaration(
        caller,
        declaration_id,
        body.version,
        h.DeclaredContent(body.graduate, body.employment, body.special_plan),
    )
    return await ctx.run(h.correct_declaration, cmd, actor=caller.subject)


@router.post(
    "/v1/graduate-declarations/{declaration_id}/submit",
    summary="Submit a graduate declaration 提交毕业生申报",
    response_model=GraduateSubmitOut,
    responses=errors(403, 404, 409),
    dependencies=SECURED,
)
async def submit(
    ctx: Context,
    caller: Caller,
    declaration_id: DeclarationId,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="A unique key per submission attempt; a retry with it returns the first answer.",
            examples=["6f1c2a9e-4b7d-4c1e-9a35-0d2f3b8e7c11"],
        ),
    ],
) -> GraduateSubmitOut:
    """The employer submits the draft to its supervising unit: `graduate.declared` (revision 1, 2, … after
    each return and correction) with the ID number encrypted and the graduate-facts document. Declaration
    stage only; the employer must still be in the unit's jurisdiction."""
    cmd = h.SubmitDeclaration(caller, declaration_id, idempotency_key)
    return await ctx.run(h.submit_declaration, cmd, actor=caller.subject)


@router.post(
    "/v1/graduate-declarations/{declaration_id}/consent-link",
    summary="A one-time consent link for the graduate 生成公示同意链接",
    status_code=201,
    response_model=ConsentLinkOut,
    responses=errors(403, 404, 409),
    dependencies=SECURED,
)
async def create_consent_link(ctx: Context, caller: Caller, declaration_id: DeclarationId) -> ConsentLinkOut:
    """For a graduate without an account: the employer gets a one-time link to send them. The token is
    shown only here (intake keeps its SHA-256); it works once and expires
    (`INTAKE_GRADUATE_CONSENT_LINK_TTL_S`, 14 days by default)."""
    cmd = r.CreateConsentLink(caller, declaration_id)
    return await ctx.run(r.create_consent_link, cmd, actor=caller.subject)


@router.post(
    "/v1/graduate-consents/{token}",
    summary="The graduate consents to publication (link) 毕业生同意公示",
    response_model=ConsentOut,
    responses=errors(404, 410),
)
async def consent_by_link(ctx: Context, caller: Caller, token: ConsentToken) -> ConsentOut:
    """Public: with the one-time link, the graduate consents to the publication of their name, age,
    university and education with the unit's supervision phone and address (第十七条(四)). A used link
    answers 410 `consent_link_used`, an expired one 410 `consent_link_expired`."""
    return await ctx.run(r.consent_by_link, r.ConsentByLink(token), actor=caller.subject)


@router.post(
    "/v1/graduate-declarations/{declaration_id}/consent",
    summary="The graduate consents to publication (account) 毕业生同意公示",
    response_model=ConsentOut,
    responses=errors(403, 404),
    dependencies=SECURED,
)
async def consent_by_account(ctx: Context, caller: Caller, declaration_id: DeclarationId) -> ConsentOut:
    """The graduate, logged in with the account the employer named in the declaration, consents to the
    publication of their name, age, university and education (第十七条(四))."""
    return await ctx.run(
        r.consent_by_account, r.ConsentByAccount(caller, declaration_id), actor=caller.subject
    )


@router.post(
    "/v1/graduate-declarations/{declaration_id}/unit-approval",
    summary="Supervising unit approves for publicity 主管单位审核通过",
    response_model=GraduateDeclarationOut,
    responses=errors(403, 404, 409),
    dependencies=SECURED,
)
async def unit_approve(
    ctx: Context, caller: Caller, declaration_id: DeclarationId, body: UnitApprovalIn
) -> GraduateDeclarationOut:
    """Staff of the declaration's supervising unit approve the submitted revision for publicity (第十七条
    (四)); it needs the graduate's consent (409 `consent_required`). Emits `graduate.unit_decided` with
    what the publicity shows: name, age (Y − birth year), university, education, the unit's phone and
    address, and when the graduate consented. Other units' staff get 404."""
    cmd = r.UnitDecision(caller, declaration_id, body.revision, "approved_for_publicity")
    return await ctx.run(r.unit_decide, cmd, actor=caller.subject)


@router.post(
    "/v1/graduate-declarations/{declaration_id}/unit-return",
    summary="Supervising unit returns a declaration 主管单位退回",
    response_model=GraduateDeclarationOut,
    responses=errors(403, 404, 409),
    dependencies=SECURED,
)
async def unit_return(
    ctx: Context, caller: Caller, declaration_id: DeclarationId, body: UnitReturnIn
) -> GraduateDeclarationOut:
    """Staff of the declaration's supervising unit return the submitted revision to the employer with a
    reason (`graduate.unit_decided`, decision `returned`); the employer corrects and submits again."""
    cmd = r.UnitDecision(caller, declaration_id, body.revision, "returned", body.reason)
    return await ctx.run(r.unit_decide, cmd, actor=caller.subject)


@router.get(
    "/v1/graduate-declarations/{declaration_id}/timeline",
    summary="What happened when 毕业生申报进度",
    response_model=GraduateTimeline,
    responses=errors(404),
    dependencies=SECURED,
)
async def timeline(ctx: Context, caller: Caller, declaration_id: DeclarationId) -> GraduateTimeline:
    """Every step in time order: declared, corrected, submitted (revisions), consent, the unit's decision,
    and from the other services the verification, the eligibility assessment and the bureau's decision."""
    cmd = r.GetDeclarationTimeline(caller, declaration_id)
    return await ctx.run(r.get_declaration_timeline, cmd, actor=caller.subject)
