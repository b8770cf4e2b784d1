"""Events produced by the review service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.events.contracts.common import ApplicationId, DeclarationId, Program, RoundId, UnitId
from shared.events.registry import REGISTRY, EventData
from shared.facts.graduates import GraduateFacts
from shared.facts.points import PointsFacts

VerificationStatus = Literal[
    "confirmed", "corrected", "not_found", "needs_onsite_review", "pending_department"
]


VerificationTrigger = Literal[
    "verification", "onsite_review", "recheck", "appeal", "department_answer", "department_correction"
]


class IndicatorVerification(EventData):
    indicator: str = Field(max_length=50)
    status: VerificationStatus
    note: str | None = Field(default=None, max_length=500)


def _verification_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 only narrows ``facts`` to the points-facts model: the document is the same."""
    return data


class _Verification(EventData):
    application_id: ApplicationId
    revision: int = Field(ge=1, description="Revision of the verified facts (a recheck makes a new one).")
    round_id: RoundId
    program: Program


@REGISTRY.register(
    "verification.completed",
    1,
    producer="review",
    consumers=("scoring", "intake"),
    upcast_to_next=_verification_v1_to_v2,
)
class VerificationCompletedV1(_Verification):
    """Emitted when every indicator of a declaration is settled; carries the verified facts."""

    facts: dict[str, Any] = Field(
        description="Verified facts; for points exactly contracts/points-facts.schema.json."
    )
    statuses: list[IndicatorVerification]
    declaration_revision: int | None = Field(
        default=None, ge=1, description="The application.submitted revision these facts verify."
    )
    trigger: VerificationTrigger | None = Field(
        default=None,
        description="What produced this revision: the verification itself, an on-site decision, a "
        "recheck (复查), an appeal (申诉) or a partner department's answer or correction.",
    )
    verified_at: datetime | None = Field(default=None, description="When the review service settled it.")


@REGISTRY.register("verification.completed", 2, producer="review", consumers=("scoring", "intake"))
class VerificationCompletedV2(_Verification):
    """Emitted when every indicator of a declaration is settled; carries the verified facts.

    v2: ``facts`` is the points-facts contract (``shared.facts.points.PointsFacts``); a v1 event is
    upcast unchanged and validated against it.
    """

    facts: PointsFacts = Field(description="Verified facts: a contracts/points-facts.schema.json document.")
    statuses: list[IndicatorVerification]
    declaration_revision: int | None = Field(
        default=None, ge=1, description="The application.submitted revision these facts verify."
    )
    trigger: VerificationTrigger | None = Field(
        default=None,
        description="What produced this revision: the verification itself, an on-site decision, a "
        "recheck (复查), an appeal (申诉) or a partner department's answer or correction.",
    )
    verified_at: datetime | None = Field(default=None, description="When the review service settled it.")


# ---- the graduate programme ------------------------------------------------------------------------

GraduateItemStatus = Literal["confirmed", "corrected", "not_found", "pending_department"]


class GraduateItemCheck(EventData):
    item: str = Field(
        max_length=50, description="What was compared, e.g. education, degree, employer_registration."
    )
    status: GraduateItemStatus
    department: str = Field(
        max_length=50, description="education_registry, company_registry, social_insurance."
    )
    note: str | None = Field(default=None, max_length=500)


@REGISTRY.register(
    "graduate.verified", 1, producer="review", consumers=("scoring", "intake"), subject="declaration id"
)
class GraduateVerifiedV1(EventData):
    """Emitted when a graduate declaration has been checked against the education registry (学信网) and the
    company registry; carries the verified facts for the eligibility rules, with a status per item."""

    declaration_id: DeclarationId
    revision: int = Field(ge=1, description="Revision of the verified facts.")
    declaration_revision: int = Field(ge=1)
    round_id: RoundId
    supervising_unit_id: UnitId
    facts: GraduateFacts
    items: list[GraduateItemCheck]
    verified_at: datetime


@REGISTRY.register(
    "graduate.settlement_checked",
    1,
    producer="review",
    consumers=("settlement", "intake"),
    subject="declaration id",
)
class GraduateSettlementCheckedV1(EventData):
    """Emitted when the settlement check of Y+1 (第十七条(七): education, degree, reporting for duty,
    training mode, social insurance) has been run against the registries."""

    declaration_id: DeclarationId
    request_id: str = Field(max_length=64)
    passed: bool
    items: list[GraduateItemCheck]
    checked_at: datetime
