"""Supporting materials (seed 004 第七条): PDF, JPEG or PNG, typed from their content, size-limited,
stored content-addressed and linked to the application. The same file uploaded twice is one material.

A material store that cannot answer is ``Unavailable`` (503 ``material_store_unavailable``, with
``Retry-After``); content that fails its integrity check is 502 ``material_corrupted``. Either way the use
case's transaction rolls back, and the cause (operation, digest prefix, S3 status; never a credential)
goes to the log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from services.intake.adapters.security import new_id
from services.intake.adapters.storage import MaterialCorrupted, MaterialNotFound, MaterialStoreError
from services.intake.context import Tx
from services.intake.domain.materials import ACCEPTED, safe_filename, sniff_media_type
from services.intake.domain.views import Audience
from services.intake.handlers.case import load_visible, material_out
from services.intake.handlers.common import check_phase, not_found
from services.intake.schemas import MaterialOut
from shared.api.auth import Principal
from shared.api.errors import ApiError, Forbidden, Invalid, Unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _store(call: Awaitable[T], application_id: str) -> T:
    """A material store call, its failures as errors of the family."""
    try:
        return await call
    except MaterialCorrupted as e:
        log.error("material store: %s (application %s)", e, application_id)
        # 502: the storage back end answered with content that is not what was stored.
        raise ApiError(
            502, "material_corrupted", "The stored file failed its integrity check; it has been logged."
        ) from None
    except MaterialStoreError as e:
        log.error("material store: %s (application %s)", e, application_id)
        raise Unavailable(
            "material_store_unavailable",
            "The material store is unavailable; try again later.",
            headers={"Retry-After": "30"},
        ) from None


@dataclass(frozen=True)
class Upload:
    caller: Principal
    application_id: str
    data: bytes
    filename: str | None
    indicator: str | None


@dataclass(frozen=True)
class Uploaded:
    material: MaterialOut
    created: bool  # False: this content was already linked


async def upload(tx: Tx, cmd: Upload) -> Uploaded:
    if not cmd.data:
        raise Invalid(
            "validation_failed",
            "The file is empty.",
            [{"field": "file", "code": "file.empty", "message": "the file is empty"}],
        )
    media_type = sniff_media_type(cmd.data[:16])
    if media_type is None:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Only {', '.join(ACCEPTED)} are accepted (checked from the content, not the name).",
        )
    sha256 = hashlib.sha256(cmd.data).hexdigest()
    application_id = cmd.application_id
    row, audience = await load_visible(tx.repo, cmd.caller, application_id, for_update=True)
    if audience is not Audience.APPLICANT:
        raise Forbidden("forbidden", "Only the applicant uploads materials.")
    round_row = await tx.repo.round(row["round_id"])
    assert round_row is not None
    check_phase("upload_material", round_row, tx.today)
    existing = await tx.repo.material_by_digest(application_id, sha256)
    if existing is not None:
        return Uploaded(material_out(existing), created=False)
    # The blob is written before the row commits: a failed commit leaves an unreferenced blob (harmless,
    # content-addressed), never a row without its file.
    await _store(tx.rt.store.put(sha256, cmd.data), application_id)
    material_id = new_id("mat")
    name = safe_filename(cmd.filename, media_type)
    await tx.repo.insert_material(
        {
            "id": material_id,
            "application_id": application_id,
            "sha256": sha256,
            "size": len(cmd.data),
            "media_type": media_type,
            "filename": name,
            "indicator": cmd.indicator,
            "uploaded_at": tx.now,
            "uploaded_by": cmd.caller.subject,
        }
    )
    await tx.repo.add_timeline(
        application_id,
        at=tx.now,
        kind="material.uploaded",
        data={
            "material_id": material_id,
            "filename": name,
            "media_type": media_type,
            "indicator": cmd.indicator,
        },
    )
    created = await tx.repo.material(application_id, material_id)
    assert created is not None
    return Uploaded(material_out(created), created=True)


@dataclass(frozen=True)
class ListMaterials:
    caller: Principal
    application_id: str


async def list_materials(tx: Tx, cmd: ListMaterials) -> list[MaterialOut]:
    await load_visible(tx.repo, cmd.caller, cmd.application_id)
    return [material_out(m) for m in await tx.repo.materials_of(cmd.application_id)]


@dataclass(frozen=True)
class Download:
    caller: Principal
    application_id: str
    material_id: str


@dataclass(frozen=True)
class MaterialFile:
    data: bytes
    media_type: str
    filename: str


async def download(tx: Tx, cmd: Download) -> MaterialFile:
    await load_visible(tx.repo, cmd.caller, cmd.application_id)
    m = await tx.repo.material(cmd.application_id, cmd.material_id)
    if m is None:
        raise not_found("material", cmd.material_id)
    try:
        data = await _store(tx.rt.store.get(m["sha256"]), cmd.application_id)
    except MaterialNotFound:
        raise ApiError(410, "material_gone", "The stored file is missing; upload it again.") from None
    return MaterialFile(data, m["media_type"], m["filename"])


@dataclass(frozen=True)
class DeleteMaterial:
    caller: Principal
    application_id: str
    material_id: str


async def delete(tx: Tx, cmd: DeleteMaterial) -> None:
    row, audience = await load_visible(tx.repo, cmd.caller, cmd.application_id, for_update=True)
    if audience is not Audience.APPLICANT:
        raise Forbidden("forbidden", "Only the applicant removes materials.")
    if await tx.repo.material(cmd.application_id, cmd.material_id) is None:
        raise not_found("material", cmd.material_id)
    round_row = await tx.repo.round(row["round_id"])
    assert round_row is not None
    check_phase("delete_material", round_row, tx.today)
    # Only the link goes; the blob may be shared with other applications (content-addressed).
    await tx.repo.delete_material(cmd.material_id)
