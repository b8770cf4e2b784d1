"""落户办理 (seed 004 第十一条–第十二条): the materials checklist, the materials handed in to the district
office, the district check by that district's staff, and the bureau's approval, which issues the
settlement letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.settlement.adapters.records import LetterRecord
from services.settlement.context import Tx
from services.settlement.domain import (
    Child,
    MaterialItem,
    MaterialsError,
    MaterialsRequest,
    ProvidedItem,
    Status,
    missing_items,
    required_materials,
)
from services.settlement.domain.letters import SETTLEMENT_LETTER
from services.settlement.domain.materials import check_provided
from services.settlement.handlers.common import (
    DistrictScope,
    QualificationView,
    load_for_action,
    log,
    require,
    require_own_district,
    require_owner,
    require_valid,
    set_status,
    view_after,
)
from services.settlement.handlers.letters import issue_letter
from shared.api.errors import Conflict, Forbidden, Invalid
from shared.validation import district_label


def _materials_error(e: MaterialsError) -> Invalid:
    return Invalid(e.code, e.message, [{"field": e.field, "code": e.code, "message": e.message}])


def checklist(req: MaterialsRequest) -> list[MaterialItem]:
    """The materials required for the situation (422 with the offending field when it is impossible)."""
    try:
        return required_materials(req)
    except MaterialsError as e:
        raise _materials_error(e) from e


def _check_provided(provided: tuple[ProvidedItem, ...], children: int) -> None:
    try:
        check_provided(provided, children)
    except MaterialsError as e:
        raise _materials_error(e) from e


@dataclass(frozen=True)
class CheckMaterials:
    """The public checklist: the applicant's situation, what they have, and the day (None: today)."""

    has_archive: bool
    children: tuple[Child, ...]
    provided: tuple[ProvidedItem, ...]
    as_of: date | None


@dataclass(frozen=True)
class Checklist:
    items: list[MaterialItem]
    missing: list[MaterialItem]


async def materials_checklist(tx: Tx, cmd: CheckMaterials) -> Checklist:
    """What an applicant must hand in (第十一条, 附件1), and what is still missing from ``provided``."""
    req = MaterialsRequest(has_archive=cmd.has_archive, children=cmd.children, as_of=cmd.as_of or tx.today)
    items = checklist(req)
    _check_provided(cmd.provided, len(req.children))
    return Checklist(items, missing_items(items, cmd.provided))


@dataclass(frozen=True)
class SubmitMaterials:
    """The materials handed in, naming the settlement district (落户区). ``applicant``: the caller's account
    when an applicant (only their own application); ``scope``: the caller acts as district staff."""

    application_id: str
    settlement_district: str
    has_archive: bool
    children: tuple[Child, ...]
    provided: tuple[ProvidedItem, ...]
    applicant: str | None = None
    scope: DistrictScope | None = None


async def submit_materials(tx: Tx, cmd: SubmitMaterials) -> QualificationView:
    """Record the materials handed in to the district office (第十一条); every required item must be there.

    The materials name the settlement district (落户区), stored on the qualification; a re-submission after
    they were returned may name another. District staff (``scope``) take in materials only for their own
    district (403 ``other_district``; ``no_district`` when their account has none)."""
    await require_owner(tx, cmd.application_id, cmd.applicant)
    district = cmd.settlement_district
    if cmd.scope is not None:
        clerk = cmd.scope.require()
        if district != clerk:
            raise Forbidden(
                "other_district",
                f"The materials name {district_label(district)} as the settlement district; your account "
                f"is for {district_label(clerk)}. Only the district where the holder settles takes them in.",
                [{"field": "settlement_district", "code": "other_district", "message": f"not {clerk}"}],
            )
    qual = await load_for_action(tx, cmd.application_id)
    require(qual, Status.CONFIRMED, Status.MATERIALS_RETURNED, action="submit materials")
    require_valid(tx, qual)
    req = MaterialsRequest(has_archive=cmd.has_archive, children=cmd.children, as_of=tx.today)
    items = checklist(req)
    _check_provided(cmd.provided, len(req.children))
    missing = missing_items(items, cmd.provided)
    if missing:
        raise Invalid(
            "materials_incomplete",
            f"{len(missing)} required material(s) missing; the checklist lists them.",
            [
                {
                    "field": "provided",
                    "code": "missing",
                    "message": f"{m.code}{'' if m.child is None else f' (child {m.child})'}: {m.label_zh}",
                }
                for m in missing
            ],
        )
    stored: dict[str, Any] = {
        "has_archive": req.has_archive,
        "children": [
            {"birth_date": c.birth_date.isoformat(), "birth_order": c.birth_order, "name": c.name}
            for c in req.children
        ],
        "provided": [{"item": p.code, "child": p.child} for p in cmd.provided],
        "checklist": [
            {"item": i.code, "child": i.child, "label": i.label_zh, "article": i.article} for i in items
        ],
    }
    await set_status(
        tx,
        qual,
        Status.MATERIALS_SUBMITTED,
        {
            "materials": stored,
            "settlement_district": district,
            "materials_submitted_at": tx.now,
            "materials_submitted_by": tx.actor,
        },
    )
    return await view_after(tx, cmd.application_id)


@dataclass(frozen=True)
class DistrictCheck:
    """The district office's check: ``passed`` (reported to the bureau) or returned with ``note``."""

    application_id: str
    passed: bool
    note: str | None
    scope: DistrictScope


async def district_check(tx: Tx, cmd: DistrictCheck) -> QualificationView:
    """The district office's check of the materials: passed (reported to the bureau) or returned.

    Only staff of the qualification's settlement district may record it (403 ``other_district``, or
    ``no_district`` for an account without a district); nothing changes when refused."""
    cmd.scope.require()
    qual = await load_for_action(tx, cmd.application_id)
    try:
        require_own_district(cmd.scope, qual)
    except Forbidden as e:
        log.warning("district check of %s refused to %s: %s", cmd.application_id, tx.actor, e.code)
        raise
    require(qual, Status.MATERIALS_SUBMITTED, action="record the district check")
    require_valid(tx, qual)
    status = Status.DISTRICT_CHECKED if cmd.passed else Status.MATERIALS_RETURNED
    await set_status(
        tx,
        qual,
        status,
        {"district_checked_at": tx.now, "district_checked_by": tx.actor, "district_note": cmd.note},
        note=cmd.note,
    )
    return await view_after(tx, cmd.application_id)


@dataclass(frozen=True)
class Approve:
    application_id: str
    note: str | None


async def approve(tx: Tx, cmd: Approve) -> LetterRecord:
    """The bureau approves (核准, 第十一条) and issues the settlement letter (第十二条) in one transaction.
    The approver must not be the one who recorded the district check (four eyes)."""
    qual = await load_for_action(tx, cmd.application_id)
    require(qual, Status.DISTRICT_CHECKED, action="approve")
    if qual["district_checked_by"] == tx.actor:
        raise Conflict(
            "four_eyes", "The district check and the bureau approval must be made by different people."
        )
    require_valid(tx, qual)
    holder = await tx.repo.get_holder(cmd.application_id)
    if holder is None:  # cannot happen after a confirmation letter; guard anyway
        raise Conflict("holder_unknown", "The applicant's data has not arrived from intake yet.")
    qual = await set_status(
        tx, qual, Status.APPROVED, {"approved_at": tx.now, "approved_by": tx.actor}, note=cmd.note
    )
    return await issue_letter(tx, SETTLEMENT_LETTER, qual, holder)
