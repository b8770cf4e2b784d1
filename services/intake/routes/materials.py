"""Supporting materials of an application: upload, list, download, remove."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from services.intake.handlers import materials as m
from services.intake.routes.deps import SECURED, ApplicationId, Caller, Context, errors
from services.intake.schemas import MaterialOut
from shared.api.errors import ApiError

router = APIRouter(dependencies=SECURED)
MAT = "materials 材料"
MaterialId = Annotated[
    str, Path(max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["mat_0a1b2c3d4e5f6a7b"])
]
Indicator = Literal[
    "employment", "housing", "education", "education_deduction", "job_residence", "innovation", "tax",
    "tax_violation", "age", "honours", "law_abiding", "identity", "other",
]  # fmt: skip


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
    ctx: Context,
    caller: Caller,
    application_id: ApplicationId,
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG (checked from the content).")],
    indicator: Annotated[Indicator | None, Form(description="The indicator it supports.")] = None,
) -> Response:
    """Seed 004 第七条: evidence for indicators that data exchange cannot verify, or for a recheck. PDF,
    JPEG or PNG only, recognised from the file's content; at most `INTAKE_MATERIALS_MAX_BYTES` (10 MB by
    default). Stored content-addressed (SHA-256); the same file twice is one material (200).
    Declaration, review-summary and results-query phases."""
    limit = ctx.settings.materials_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    cmd = m.Upload(caller, application_id, data, file.filename, indicator)
    done = await ctx.run(m.upload, cmd, actor=caller.subject)
    return JSONResponse(done.material.model_dump(mode="json"), status_code=201 if done.created else 200)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"A material may be at most {limit} bytes.")


@router.get(
    "/v1/applications/{application_id}/materials",
    tags=[MAT],
    summary="List materials 材料列表",
    response_model=list[MaterialOut],
    responses=errors(404),
)
async def list_materials(ctx: Context, caller: Caller, application_id: ApplicationId) -> list[MaterialOut]:
    """The materials linked to the application, oldest first."""
    return await ctx.run(m.list_materials, m.ListMaterials(caller, application_id), actor=caller.subject)


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
    ctx: Context, caller: Caller, application_id: ApplicationId, material_id: MaterialId
) -> Response:
    """The stored file, with its media type."""
    cmd = m.Download(caller, application_id, material_id)
    f = await ctx.run(m.download, cmd, actor=caller.subject)
    return Response(
        f.data,
        media_type=f.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.filename)}",
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
    ctx: Context, caller: Caller, application_id: ApplicationId, material_id: MaterialId
) -> Response:
    """The applicant unlinks a material during the declaration phase."""
    await ctx.run(m.delete, m.DeleteMaterial(caller, application_id, material_id), actor=caller.subject)
    return Response(status_code=204)
