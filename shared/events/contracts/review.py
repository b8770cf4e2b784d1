"""Events produced by the review service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.events.contracts.common import ApplicationId, Program, RoundId
from shared.events.registry import REGISTRY, EventData

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


@REGISTRY.register("verification.completed", 1, producer="review", consumers=("scoring", "intake"))
class VerificationCompletedV1(EventData):
    """Emitted when every indicator of a declaration is settled; carries the verified facts."""

    application_id: ApplicationId
    revision: int = Field(ge=1, description="Revision of the verified facts (a recheck makes a new one).")
    round_id: RoundId
    program: Program
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
