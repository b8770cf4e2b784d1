"""Supporting materials (seed 004 第七条): PDF, JPEG or PNG, typed from their content, size-limited,
stored content-addressed and linked to the application. The same file uploaded twice is one material."""

from __future__ import annotations

import hashlib

from services.intake.adapters.repository import IntakeRepository
from services.intake.adapters.security import new_id
from services.intake.adapters.storage import MaterialNotFound
from services.intake.domain.materials import ACCEPTED, safe_filename, sniff_media_type
from services.intake.domain.views import Audience
from services.intake.handlers.applications import load_visible, material_out
from services.intake.handlers.common import check_phase, not_found
from services.intake.runtime import IntakeRuntime
from services.intake.schemas import MaterialOut
from shared.api.auth import Principal
from shared.api.errors import ApiError
from shared.service import ServiceContext


async def upload(
    ctx: ServiceContext,
    rt: IntakeRuntime,
    principal: Principal,
    application_id: str,
    data: bytes,
    filename: str | None,
    indicator: str | None,
) -> tuple[MaterialOut, bool]:
    """Returns the material and whether it is new (False: this content was already linked)."""
    if not data:
        raise ApiError(
            422,
            "validation_failed",
            "The file is empty.",
            [{"field": "file", "code": "file.empty", "message": "the file is empty"}],
        )
    media_type = sniff_media_type(data[:16])
    if media_type is None:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Only {', '.join(ACCEPTED)} are accepted (checked from the content, not the name).",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row, audience = await load_visible(repo, principal, application_id, for_update=True)
        if audience is not Audience.APPLICANT:
            raise ApiError(403, "forbidden", "Only the applicant uploads materials.")
        round_row = await repo.round(row["round_id"])
        assert round_row is not None
        check_phase("upload_material", round_row, ctx.clock.today())
        existing = await repo.material_by_digest(application_id, sha256)
        if existing is not None:
            return material_out(existing), False
        # The blob is written before the row commits: a failed commit leaves an unreferenced blob (harmless,
        # content-addressed), never a row without its file.
        await rt.store.put(sha256, data)
        material_id = new_id("mat")
        name = safe_filename(filename, media_type)
        await repo.insert_material(
            {
                "id": material_id,
                "application_id": application_id,
                "sha256": sha256,
                "size": len(data),
                "media_type": media_type,
                "filename": name,
                "indicator": indicator,
                "uploaded_at": now,
                "uploaded_by": principal.subject,
            }
        )
        await repo.add_timeline(
            application_id,
            at=now,
            kind="material.uploaded",
            data={
                "material_id": material_id,
                "filename": name,
                "media_type": media_type,
                "indicator": indicator,
            },
        )
        created = await repo.material(application_id, material_id)
    assert created is not None
    return material_out(created), True


async def list_materials(ctx: ServiceContext, principal: Principal, application_id: str) -> list[MaterialOut]:
    async with ctx.session_factory() as s:
        repo = IntakeRepository(s)
        await load_visible(repo, principal, application_id)
        return [material_out(m) for m in await repo.materials_of(application_id)]


async def download(
    ctx: ServiceContext, rt: IntakeRuntime, principal: Principal, application_id: str, material_id: str
) -> tuple[bytes, str, str]:
    async with ctx.session_factory() as s:
        repo = IntakeRepository(s)
        await load_visible(repo, principal, application_id)
        m = await repo.material(application_id, material_id)
    if m is None:
        raise not_found("material", material_id)
    try:
        data = await rt.store.get(m["sha256"])
    except MaterialNotFound:
        raise ApiError(410, "material_gone", "The stored file is missing; upload it again.") from None
    return data, m["media_type"], m["filename"]


async def delete(ctx: ServiceContext, principal: Principal, application_id: str, material_id: str) -> None:
    async with ctx.session_factory() as s, s.begin():
        repo = IntakeRepository(s)
        row, audience = await load_visible(repo, principal, application_id, for_update=True)
        if audience is not Audience.APPLICANT:
            raise ApiError(403, "forbidden", "Only the applicant removes materials.")
        if await repo.material(application_id, material_id) is None:
            raise not_found("material", material_id)
        round_row = await repo.round(row["round_id"])
        assert round_row is not None
        check_phase("delete_material", round_row, ctx.clock.today())
        # Only the link goes; the blob may be shared with other applications (content-addressed).
        await repo.delete_material(material_id)
