"""What each role sees of an application: the case, the list, the timeline.

An applicant sees their own application, an employer administrator their employer's, bureau staff
every one; anyone else gets 404 (not a hint that it exists). ``domain/views.py`` decides what each
audience sees of a case.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.adapters.records import ApplicationView, MaterialRecord
from services.intake.adapters.repository import IntakeRepository
from services.intake.context import Tx
from services.intake.domain.views import KIND_TITLES, Audience, case_view, entry_view
from services.intake.handlers.common import not_found, schedule_of
from services.intake.schemas import (
    ApplicantPart,
    ApplicationOut,
    ApplicationPage,
    ApplicationSummary,
    EmployerPart,
    MaterialOut,
    Timeline,
    TimelineEntry,
)
from shared.api.auth import Principal, Role
from shared.validation import mask_mobile_number


def audience_of(principal: Principal, row: ApplicationView) -> Audience | None:
    """How ``principal`` sees application ``row``; None: not at all (answered as 404)."""
    if principal.has(Role.APPLICANT) and row["applicant_id"] == principal.subject:
        return Audience.APPLICANT
    if principal.has(Role.EMPLOYER_ADMIN) and row["employer_id"] == principal.claims.get("employer_id"):
        return Audience.EMPLOYER
    if principal.has(Role.BUREAU_STAFF):
        return Audience.STAFF
    return None


def material_out(row: MaterialRecord) -> MaterialOut:
    return MaterialOut(
        id=row["id"],
        filename=row["filename"],
        media_type=row["media_type"],
        size=row["size"],
        sha256=row["sha256"],
        indicator=row["indicator"],
        uploaded_at=row["uploaded_at"],
    )


def application_out(
    row: ApplicationView, materials: list[MaterialRecord], audience: Audience
) -> ApplicationOut:
    case = case_view(
        {
            "verification": row["verification"],
            "score": row["score"],
            "ranking": row["ranking"],
            "publicity": row["publicity"],
            "letters": row["letters"] or [],
        },
        audience,
    )
    phone = row["phone"] if audience is not Audience.EMPLOYER else mask_mobile_number(row["phone"])
    return ApplicationOut(
        id=row["id"],
        round_id=row["round_id"],
        program=row["program"],
        status=row["status"],
        declaration_status=row["declaration_status"],
        revision=row["revision"],
        version=row["version"],
        applicant=ApplicantPart(
            name=row["name"],
            id_number_masked=row["id_number_masked"],
            phone=phone,
            birth_year_month=row["birth_year_month"],
        ),
        employer=EmployerPart(
            id=row["employer_id"], name=row["employer_name"], credit_code=row["employer_credit_code"]
        ),
        facts=row["facts"],
        employer_confirmed_version=row["employer_confirmed_version"],
        returned_reason=row["returned_reason"],
        submitted_at=row["submitted_at"],
        verification=case["verification"],
        score=case["score"],
        ranking=case["ranking"],
        publicity=case["publicity"],
        letters=case["letters"],
        lapsed_on=row["lapsed_on"],
        materials=[material_out(m) for m in materials],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def load_visible(
    repo: IntakeRepository, principal: Principal, application_id: str, *, for_update: bool = False
) -> tuple[ApplicationView, Audience]:
    row = await repo.application(application_id, for_update=for_update)
    audience = audience_of(principal, row) if row is not None else None
    if row is None or audience is None:
        raise not_found("application", application_id)
    return row, audience


async def view(
    repo: IntakeRepository, application_id: str, audience: Audience, *, new: bool = False
) -> ApplicationOut:
    """The application as ``audience`` sees it; ``new``: just declared, so it has no materials yet (one query
    fewer on the declaring path)."""
    row = await repo.application(application_id)
    assert row is not None
    materials = [] if new else await repo.materials_of(application_id)
    return application_out(row, materials, audience)


@dataclass(frozen=True)
class GetApplication:
    caller: Principal
    application_id: str


async def get_application(tx: Tx, cmd: GetApplication) -> ApplicationOut:
    row, audience = await load_visible(tx.repo, cmd.caller, cmd.application_id)
    return application_out(row, await tx.repo.materials_of(cmd.application_id), audience)


@dataclass(frozen=True)
class ListApplications:
    caller: Principal
    round_id: str | None
    phase: str | None
    status: str | None
    declaration_status: str | None
    employer: str | None  # credit code (staff only)
    limit: int
    offset: int


async def list_applications(tx: Tx, cmd: ListApplications) -> ApplicationPage:
    caller = cmd.caller
    applicant_id = employer_id = employer_credit_code = None
    if caller.has(Role.APPLICANT):
        applicant_id = caller.subject
    elif caller.has(Role.EMPLOYER_ADMIN):
        employer_id = str(caller.claims.get("employer_id") or "-")
    else:
        employer_credit_code = cmd.employer
    round_ids: list[str] | None = [cmd.round_id] if cmd.round_id else None
    if cmd.phase:
        in_phase = [
            r["id"] for r in await tx.repo.all_rounds() if schedule_of(r).current(tx.today).phase == cmd.phase
        ]
        round_ids = [r for r in in_phase if round_ids is None or r in round_ids]
    rows, total = await tx.repo.list_applications(
        applicant_id=applicant_id,
        employer_id=employer_id,
        employer_credit_code=employer_credit_code,
        status=cmd.status,
        declaration_status=cmd.declaration_status,
        round_ids=round_ids,
        limit=cmd.limit,
        offset=cmd.offset,
    )
    items = [
        ApplicationSummary(
            id=r["id"],
            round_id=r["round_id"],
            status=r["status"],
            declaration_status=r["declaration_status"],
            revision=r["revision"],
            version=r["version"],
            applicant_name=r["name"],
            employer_name=r["employer_name"],
            employer_credit_code=r["employer_credit_code"],
            submitted_at=r["submitted_at"],
            score_total=(r["score"] or {}).get("total"),
            rank=(r["ranking"] or {}).get("rank"),
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
    return ApplicationPage(items=items, total=total, limit=cmd.limit, offset=cmd.offset)


@dataclass(frozen=True)
class GetTimeline:
    caller: Principal
    application_id: str


async def get_timeline(tx: Tx, cmd: GetTimeline) -> Timeline:
    row, audience = await load_visible(tx.repo, cmd.caller, cmd.application_id)
    entries = [
        TimelineEntry(
            at=e["at"],
            kind=e["kind"],
            title=KIND_TITLES.get(e["kind"], e["kind"]),
            revision=e["revision"],
            data=entry_view(e["kind"], e["data"], audience),
        )
        for e in await tx.repo.timeline(cmd.application_id)
    ]
    # Round-wide events concern the applicant once they have submitted.
    if row["revision"] >= 1 or row["submitted_at"] is not None:
        entries += [
            TimelineEntry(
                at=e["at"],
                kind=e["kind"],
                title=KIND_TITLES.get(e["kind"], e["kind"]),
                data=entry_view(e["kind"], e["data"], audience),
            )
            for e in await tx.repo.round_events(row["round_id"])
            if e["at"] >= row["created_at"]
        ]
    entries.sort(key=lambda e: e.at)
    return Timeline(application_id=cmd.application_id, entries=entries)
