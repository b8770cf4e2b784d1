"""What staff and applicants read: qualifications, letters, bad-conduct records, the audit trail and the
log of verification checks. Object-level rules (an applicant's own application, a district clerk's own
district) are checked here; which roles may call at all is the permission table's."""

from __future__ import annotations

from dataclasses import dataclass

from services.settlement.adapters.records import AuditRecord, LetterRecord, VerificationCheckRecord
from services.settlement.adapters.repository import Page
from services.settlement.context import Tx
from services.settlement.handlers.common import (
    DistrictScope,
    QualificationView,
    may_read,
    require_owner,
    view_of,
)
from services.settlement.handlers.conduct import ConductView, view
from shared.api.errors import NotFound


@dataclass(frozen=True)
class ListQualifications:
    status: str | None
    round_id: str | None
    limit: int
    offset: int
    scope: DistrictScope | None = None


async def list_qualifications(tx: Tx, cmd: ListQualifications) -> Page[QualificationView]:
    """District staff (``scope``) list only the qualifications that settle in their district."""
    district = cmd.scope.require() if cmd.scope is not None else None
    page = await tx.repo.list_qualifications(
        status=cmd.status,
        round_id=cmd.round_id,
        limit=cmd.limit,
        offset=cmd.offset,
        settlement_district=district,
    )
    return Page([await view_of(tx, q) for q in page.items], page.total)


@dataclass(frozen=True)
class GetQualification:
    application_id: str
    applicant: str | None = None
    scope: DistrictScope | None = None


async def get_qualification(tx: Tx, cmd: GetQualification) -> QualificationView:
    """One qualification: applicants their own, district staff their district's (or one with no district)."""
    await require_owner(tx, cmd.application_id, cmd.applicant)
    qual = await tx.repo.get_qualification(cmd.application_id)
    if qual is None:
        raise NotFound("qualification_not_found", f"Application {cmd.application_id} has no qualification.")
    may_read(cmd.scope, qual)
    return await view_of(tx, qual)


@dataclass(frozen=True)
class ListLetters:
    application_id: str | None
    letter_type: str | None
    status: str | None
    limit: int
    offset: int


async def list_letters(tx: Tx, cmd: ListLetters) -> Page[LetterRecord]:
    return await tx.repo.list_letters(
        application_id=cmd.application_id,
        letter_type=cmd.letter_type,
        status=cmd.status,
        limit=cmd.limit,
        offset=cmd.offset,
    )


@dataclass(frozen=True)
class GetLetter:
    serial_number: str
    applicant: str | None = None


async def get_letter(tx: Tx, cmd: GetLetter) -> LetterRecord:
    """One letter (404 ``letter_not_found``); applicants only their own."""
    letter = await tx.repo.get_letter(cmd.serial_number)
    if letter is None:
        raise NotFound("letter_not_found", f"No letter {cmd.serial_number}.")
    await require_owner(tx, letter["application_id"], cmd.applicant)
    return letter


@dataclass(frozen=True)
class ListConduct:
    status: str | None
    kind: str | None
    limit: int
    offset: int


async def list_conduct(tx: Tx, cmd: ListConduct) -> Page[ConductView]:
    page = await tx.repo.list_conduct_records(
        status=cmd.status, kind=cmd.kind, limit=cmd.limit, offset=cmd.offset
    )
    return Page([view(tx, r) for r in page.items], page.total)


@dataclass(frozen=True)
class GetConduct:
    record_id: str


async def get_conduct(tx: Tx, cmd: GetConduct) -> ConductView:
    row = await tx.repo.get_conduct_record(cmd.record_id)
    if row is None:
        raise NotFound("conduct_record_not_found", f"No bad-conduct record {cmd.record_id}.")
    return view(tx, row)


@dataclass(frozen=True)
class ListAudit:
    subject: str | None
    limit: int
    offset: int


async def list_audit(tx: Tx, cmd: ListAudit) -> Page[AuditRecord]:
    return await tx.repo.list_audit(subject=cmd.subject, limit=cmd.limit, offset=cmd.offset)


@dataclass(frozen=True)
class ListChecks:
    serial_number: str | None
    limit: int
    offset: int


async def list_checks(tx: Tx, cmd: ListChecks) -> Page[VerificationCheckRecord]:
    return await tx.repo.list_checks(serial_number=cmd.serial_number, limit=cmd.limit, offset=cmd.offset)
