"""What staff and supervising units see of the graduate checks: the verifications of declarations with
the differences per item (declared and registry value side by side), the settlement checks, and the
evidence of every registry check. A supervising unit sees only its own declarations (``unit``); bureau
staff see all (``unit`` is ``None``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.review.adapters.paging import Page
from services.review.adapters.records import (
    GraduateEvidenceRecord,
    GraduateSettlementCheckRecord,
    GraduateVerificationRecord,
)
from services.review.context import Tx
from shared.api.errors import NotFound


def _declaration_not_found(declaration_id: str) -> NotFound:
    return NotFound("declaration_not_found", f"No graduate declaration {declaration_id} is known here.")


@dataclass(frozen=True)
class ListGraduateVerifications:
    status: str | None
    round_id: str | None
    unit: str | None
    with_differences: bool
    limit: int
    offset: int


async def list_graduate_verifications(
    tx: Tx, cmd: ListGraduateVerifications
) -> Page[GraduateVerificationRecord]:
    return await tx.repo.list_graduates(
        status=cmd.status,
        round_id=cmd.round_id,
        unit=cmd.unit,
        with_differences=cmd.with_differences,
        limit=cmd.limit,
        offset=cmd.offset,
    )


@dataclass(frozen=True)
class GetGraduateVerification:
    declaration_id: str
    unit: str | None


@dataclass(frozen=True)
class GraduateVerificationView:
    verification: GraduateVerificationRecord
    settlement_checks: list[GraduateSettlementCheckRecord]


async def get_graduate_verification(tx: Tx, cmd: GetGraduateVerification) -> GraduateVerificationView:
    """One declaration's check: every item with both sides, the verified facts, its settlement checks.
    Another unit's declaration answers 404, exactly as an unknown one."""
    g = await tx.repo.get_graduate(cmd.declaration_id)
    if g is None or (cmd.unit is not None and g["supervising_unit_id"] != cmd.unit):
        raise _declaration_not_found(cmd.declaration_id)
    checks = await tx.repo.list_settlement_checks(
        declaration_id=cmd.declaration_id, passed=None, unit=None, limit=100, offset=0
    )
    return GraduateVerificationView(g, checks.items)


@dataclass(frozen=True)
class ListGraduateEvidence:
    subject: Literal["verification", "settlement_check"]
    subject_id: str
    unit: str | None
    limit: int
    offset: int


async def list_graduate_evidence(tx: Tx, cmd: ListGraduateEvidence) -> Page[GraduateEvidenceRecord]:
    """Every registry check of a declaration's verification (or of a settlement check), newest first."""
    declaration_id = cmd.subject_id
    if cmd.subject == "settlement_check":
        check = await tx.repo.get_settlement_check(cmd.subject_id)
        if check is None:
            raise NotFound(
                "settlement_check_not_found", f"No settlement check {cmd.subject_id} is known here."
            )
        declaration_id = check["declaration_id"]
    if cmd.unit is not None:
        g = await tx.repo.get_graduate(declaration_id)
        if g is None or g["supervising_unit_id"] != cmd.unit:
            raise _declaration_not_found(declaration_id)
    elif cmd.subject == "verification" and await tx.repo.get_graduate(declaration_id) is None:
        raise _declaration_not_found(declaration_id)
    return await tx.repo.list_graduate_evidence(cmd.subject, cmd.subject_id, cmd.limit, cmd.offset)


@dataclass(frozen=True)
class ListSettlementChecks:
    declaration_id: str | None
    passed: bool | None
    unit: str | None
    limit: int
    offset: int


async def list_settlement_checks(tx: Tx, cmd: ListSettlementChecks) -> Page[GraduateSettlementCheckRecord]:
    return await tx.repo.list_settlement_checks(
        declaration_id=cmd.declaration_id,
        passed=cmd.passed,
        unit=cmd.unit,
        limit=cmd.limit,
        offset=cmd.offset,
    )


@dataclass(frozen=True)
class GetSettlementCheck:
    request_id: str
    unit: str | None


async def get_settlement_check(tx: Tx, cmd: GetSettlementCheck) -> GraduateSettlementCheckRecord:
    check = await tx.repo.get_settlement_check(cmd.request_id)
    if check is not None and cmd.unit is not None:
        g = await tx.repo.get_graduate(check["declaration_id"])
        if g is None or g["supervising_unit_id"] != cmd.unit:
            check = None
    if check is None:
        raise NotFound("settlement_check_not_found", f"No settlement check {cmd.request_id} is known here.")
    return check
