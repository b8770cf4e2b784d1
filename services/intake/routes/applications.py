"""Declarations, their submission, the applicant's view and the materials."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from services.intake.config import Settings
from services.intake.handlers import applications as h
from services.intake.handlers import materials as m
from services.intake.routes.deps import SECURED, ApplicationId, Caller, Ctx, Limit, Offset, Runtime, errors
from services.intake.schemas import (
    ApplicationOut,
    ApplicationPage,
    DeclarationIn,
    DeclarationUpdate,
    EmployerDecision,
    EmployerReturn,
    MaterialOut,
    SubmitOut,
    Timeline,
)
from shared.api.errors import ApiError

router = APIRouter(dependencies=SECURED)
TAG = "applications 积分申报"
MAT = "materials 材料"
MaterialId = Annotated[
    str, Path(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["mat_0a1b2c3d4e5f6a7b"])
]
StatusFilter = Literal[
    "draft", "submitted", "verified", "scored", "ranked", "cleared", "disqualified", "held", "letter_issued",
    "letter_revoked", "lapsed", "cancelled",
]  # fmt: skip
DeclarationStatusFilter = Literal["draft", "employer_confirmed", "returned", "submitted"]
PhaseFilter = Literal[
    "declaration", "review_summary", "results_query", "recheck_and_ranking", "publicity", "settlement",
    "not_started", "between_phases", "closed",
]  # fmt: skip
Indicator = Literal[
    "employment", "housing", "education", "education_deduction", "job_residence", "innovation", "tax",
    "tax_violation", "age", "honours", "law_abiding", "identity", "other",
]  # fmt: skip


@router.post(
    "/v1/applications",
    tags=[TAG],
    summary="Declare 填报积分申报",
    status_code=201,
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def declare(ctx: Ctx, rt: Runtime, caller: Caller, body: DeclarationIn) -> ApplicationOut:
    """The applicant declares for a round: identity (name, ID number, mobile) and the facts in the shape of
    `contracts/points-facts.schema.json`.

    Needs the declaration phase (409 otherwise, naming the phase and its dates), a confirmed affiliation
    with the employer, no live bad-conduct record of the person or the employer (the message says until
    when), and no other application of this person or account in the round. Birth date and sex must
    agree with the ID number; `application_year` is the round's year. Every invalid field is reported
    (422, a code and a message per field). The ID number is stored encrypted and shown masked.
    The declaration starts as a draft (version 1): the employer confirms it, then the applicant submits.
    """
    return await h.declare(ctx, rt, caller, body)


@router.get(
    "/v1/applications", tags=[TAG], summary="List applications 申报列表", response_model=ApplicationPage
)
async def list_applications(
    ctx: Ctx,
    caller: Caller,
    round_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
    phase: Annotated[PhaseFilter | None, Query(description="Rounds currently in this phase.")] = None,
    status: Annotated[StatusFilter | None, Query()] = None,
    declaration_status: Annotated[DeclarationStatusFilter | None, Query()] = None,
    employer: Annotated[
        str | None,
        Query(max_length=18, pattern=r"^[0-9A-Z]+$", description="Employer credit code (staff only)."),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ApplicationPage:
    """Paginated, newest first. Applicants see their own, employer administrators their employer's, bureau
    staff every application, filterable by round, the round's current phase, case status, declaration
    status and employer."""
    return await h.list_applications(
        ctx,
        caller,
        round_id=round_id,
        phase=phase,
        status=status,
        declaration_status=declaration_status,
        employer=employer,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/v1/applications/{application_id}",
    tags=[TAG],
    summary="An application and where it stands 申报详情",
    response_model=ApplicationOut,
    responses=errors(404),
)
async def get_application(ctx: Ctx, caller: Caller, application_id: ApplicationId) -> ApplicationOut:
    """The declaration with its verification statuses per indicator, score and explanations, rank and
    admission, publicity outcome, letters and materials, as the caller's role may see them: the applicant
    and bureau staff everything (ID number masked), the employer without reviewers' notes, publicity
    reasons or letter serial numbers, and the phone masked."""
    return await h.get_application(ctx, caller, application_id)


@router.put(
    "/v1/applications/{application_id}",
    tags=[TAG],
    summary="Edit a declaration 修改申报信息",
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def edit(
    ctx: Ctx, rt: Runtime, caller: Caller, application_id: ApplicationId, body: DeclarationUpdate
) -> ApplicationOut:
    """Seed 004 第五条: during the declaration phase the applicant may change what they declared. The whole
    declaration is replaced and its version goes up; the employer must confirm the new version, and a
    declaration already submitted must be submitted again (a new revision)."""
    return await h.edit(ctx, rt, caller, application_id, body)


@router.post(
    "/v1/applications/{application_id}/employer-confirmation",
    tags=[TAG],
    summary="Employer confirms a declaration 单位确认申报信息",
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def employer_confirm(
    ctx: Ctx, caller: Caller, application_id: ApplicationId, body: EmployerDecision
) -> ApplicationOut:
    """An administrator of the applicant's employer confirms the declaration version they reviewed
    (409 if it changed meanwhile). Declaration phase only."""
    return await h.employer_confirm(ctx, caller, application_id, body)


@router.post(
    "/v1/applications/{application_id}/employer-return",
    tags=[TAG],
    summary="Employer returns a declaration for correction 单位退回修改",
    response_model=ApplicationOut,
    responses=errors(404, 409),
)
async def employer_return(
    ctx: Ctx, caller: Caller, application_id: ApplicationId, body: EmployerReturn
) -> ApplicationOut:
    """The employer sends the declaration back with a reason; the applicant sees it and edits."""
    return await h.employer_return(ctx, caller, application_id, body)


@router.post(
    "/v1/applications/{application_id}/submit",
    tags=[TAG],
    summary="Submit a declaration 提交申报",
    response_model=SubmitOut,
    responses=errors(404, 409),
)
async def submit(
    ctx: Ctx,
    rt: Runtime,
    caller: Caller,
    application_id: ApplicationId,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="A unique key per submission attempt (e.g. a UUID). Retrying with the same key "
            "returns the first answer and never submits twice.",
            examples=["6f1c2a9e-4b7d-4c1e-9a35-0d2f3b8e7c11"],
        ),
    ],
) -> SubmitOut:
    """Submits the employer-confirmed declaration: revision 1, then 2, … after each edit. Emits
    `application.submitted` (to review and publicity) with the ID number encrypted. Declaration phase
    only; the affiliation must still be confirmed and no bad-conduct record live."""
    return await h.submit(ctx, rt, caller, application_id, idempotency_key)


@router.get(
    "/v1/applications/{application_id}/timeline",
    tags=[TAG],
    summary="What happened when 办理进度",
    response_model=Timeline,
    responses=errors(404),
)
async def timeline(ctx: Ctx, caller: Caller, application_id: ApplicationId) -> Timeline:
    """Every step of the case in time order: declaration, employer confirmation, submissions, verification
    per indicator, score, ranking, publicity, letters, and the round's phase changes; each as the caller's
    role may see it."""
    return await h.get_timeline(ctx, caller, application_id)


@router.post(
    "/v1/applications/{application_id}/materials",
    tags=[MAT],
    summary="Upload a material 上传证明材料",
    status_code=201,
    response_model=MaterialOut,
    responses={
        200: {"model": MaterialOut, "description": "This file was already uploaded"},
        **errors(404, 409, 413, 415),
    },
)
async def upload_material(
    request: Request,
    ctx: Ctx,
    rt: Runtime,
    caller: Caller,
    application_id: ApplicationId,
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG (checked from the content).")],
    indicator: Annotated[Indicator | None, Form(description="The indicator it supports.")] = None,
) -> Response:
    """Seed 004 第七条: evidence for indicators that data exchange cannot verify, or for a recheck. PDF,
    JPEG or PNG only, recognised from the file's content; at most `INTAKE_MATERIALS_MAX_BYTES` (10 MB by
    default). Stored content-addressed (SHA-256); the same file twice is one material (200).
    Declaration, review-summary and results-query phases."""
    settings = ctx.settings
    assert isinstance(settings, Settings)
    limit = settings.materials_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    out, created = await m.upload(ctx, rt, caller, application_id, data, file.filename, indicator)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"A material may be at most {limit} bytes.")


@router.get(
    "/v1/applications/{application_id}/materials",
    tags=[MAT],
    summary="List materials 材料列表",
    response_model=list[MaterialOut],
    responses=errors(404),
)
async def list_materials(ctx: Ctx, caller: Caller, application_id: ApplicationId) -> list[MaterialOut]:
    """The materials linked to the application, oldest first."""
    return await m.list_materials(ctx, caller, application_id)


@router.get(
    "/v1/applications/{application_id}/materials/{material_id}",
    tags=[MAT],
    summary="Download a material 下载材料",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
            "description": "The file",
        },
        **errors(404, 410),
    },
)
async def download_material(
    ctx: Ctx, rt: Runtime, caller: Caller, application_id: ApplicationId, material_id: MaterialId
) -> Response:
    """The stored file, with its media type."""
    data, media_type, filename = await m.download(ctx, rt, caller, application_id, material_id)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete(
    "/v1/applications/{application_id}/materials/{material_id}",
    tags=[MAT],
    summary="Remove a material 删除材料",
    status_code=204,
    response_class=Response,
    responses=errors(404, 409),
)
async def delete_material(
    ctx: Ctx, caller: Caller, application_id: ApplicationId, material_id: MaterialId
) -> Response:
    """The applicant unlinks a material during the declaration phase."""
    await m.delete(ctx, caller, application_id, material_id)
    return Response(status_code=204)
