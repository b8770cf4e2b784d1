"""Graduate eligibility (引进毕业生, graduates-2018): the public calculator, the assessment of verified
declarations (``graduate.verified`` → ``graduate.assessed``) and the staff read of an assessment.

The calculator is pure like the points calculator (no database, nothing stored): the endpoint calls
:func:`assess_eligibility` directly. Invalid facts become :class:`~shared.api.errors.Invalid` (422)
``invalid_facts`` with one detail per offending field, the details of
:func:`services.scoring.graduates_contract.assess_document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.scoring.adapters.records import GraduateAssessmentRecord
from services.scoring.context import Tx
from services.scoring.graduates_contract import (
    GraduateFactsInvalid,
    assess,
    parse_document,
    result_to_dict,
)
from shared.api.auth import Principal, Role
from shared.api.errors import Invalid, NotFound
from shared.events.contracts.review import GraduateVerifiedV1
from shared.events.contracts.scoring import GraduateAssessedV1
from shared.facts.graduates import GraduateFacts


def assess_eligibility(doc: object) -> dict[str, Any]:
    """The GraduateResult document of one GraduateFacts document (pure; the public calculator)."""
    try:
        return result_to_dict(assess(parse_document(doc)))
    except GraduateFactsInvalid as e:
        raise Invalid(e.code, e.message, e.details) from None


# ---- graduate.verified → graduate.assessed ---------------------------------------------------------


@dataclass(frozen=True)
class AssessVerifiedGraduate:
    """One revision of a declaration's verified facts, as ``graduate.verified`` carries it."""

    declaration_id: str
    revision: int
    declaration_revision: int
    round_id: str
    supervising_unit_id: str
    facts: GraduateFacts
    verified_at: datetime
    source_event_id: str

    @classmethod
    def from_event(cls, data: GraduateVerifiedV1, event_id: str) -> AssessVerifiedGraduate:
        return cls(
            declaration_id=data.declaration_id,
            revision=data.revision,
            declaration_revision=data.declaration_revision,
            round_id=data.round_id,
            supervising_unit_id=data.supervising_unit_id,
            facts=data.facts,
            verified_at=data.verified_at,
            source_event_id=event_id,
        )


async def assess_verified_graduate(tx: Tx, cmd: AssessVerifiedGraduate) -> bool:
    """Assess one revision of a declaration's verified facts; emit ``graduate.assessed`` if it is current.

    Every revision is kept. A revision already assessed (a redelivery under another event id) or older
    than one already stored (arriving late) is stored at most once and announces nothing: the newest
    revision stays current. The declaration is locked for the transaction, so two revisions assessed at
    once agree on which is current. Returns whether ``graduate.assessed`` was emitted.
    """
    await tx.repo.lock_declaration(cmd.declaration_id)
    result = assess(cmd.facts)
    doc = result_to_dict(result)
    failed: list[str] = [c.code for c in result.checks if c.passed is False]
    latest = await tx.repo.latest_assessed_revision(cmd.declaration_id)
    inserted = await tx.repo.insert_assessment(
        {
            "declaration_id": cmd.declaration_id,
            "revision": cmd.revision,
            "declaration_revision": cmd.declaration_revision,
            "round_id": cmd.round_id,
            "supervising_unit_id": cmd.supervising_unit_id,
            "policy_version": result.policy_version,
            "eligible": result.eligible,
            "quota": result.quota,
            "age_limit": result.age_limit,
            "failed_checks": failed,
            "facts": cmd.facts.as_document(),
            "result": doc,
            "source_event_id": cmd.source_event_id,
            "verified_at": cmd.verified_at,
            "assessed_at": tx.now,
        }
    )
    if not inserted or (latest is not None and latest > cmd.revision):
        return False
    await tx.emit(
        GraduateAssessedV1(
            declaration_id=cmd.declaration_id,
            revision=cmd.revision,
            round_id=cmd.round_id,
            supervising_unit_id=cmd.supervising_unit_id,
            policy_version=result.policy_version,
            eligible=result.eligible,
            quota=result.quota,
            age_limit=result.age_limit,
            failed_checks=failed,
        ),
        cmd.declaration_id,
    )
    return True


# ---- staff: the assessment of a declaration ----------------------------------------------------------


@dataclass(frozen=True)
class GraduateAssessmentOf:
    declaration_id: str
    caller: Principal


async def graduate_assessment(tx: Tx, cmd: GraduateAssessmentOf) -> list[GraduateAssessmentRecord]:
    """Every assessed revision of a declaration, newest (current) first.

    Bureau staff see every declaration; a supervising unit only those of its own unit (the
    ``supervising_unit`` claim of its token). A declaration not assessed, or of another unit, is
    ``assessment_not_found`` (a unit does not learn that another unit's declaration exists).
    """
    rows = await tx.repo.assessments_of(cmd.declaration_id)
    if rows and not _may_read(cmd.caller, rows[0]["supervising_unit_id"]):
        rows = []
    if not rows:
        raise NotFound(
            "assessment_not_found", f"Declaration {cmd.declaration_id} has no eligibility assessment."
        )
    return rows


def _may_read(caller: Principal, unit_id: str) -> bool:
    if caller.has(Role.BUREAU_STAFF):
        return True
    return caller.has(Role.SUPERVISING_UNIT) and caller.supervising_unit == unit_id
