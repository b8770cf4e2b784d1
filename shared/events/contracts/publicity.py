"""Events produced by the publicity service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.events.contracts.common import ApplicationId, Program, RoundId
from shared.events.registry import REGISTRY, EventData

#: Why an upheld objection disqualified an entry: ``fraud`` (弄虚作假/材料不实, seed 004 第十七条: a five-year
#: bad-conduct record), ``ineligible`` (does not meet the conditions), ``other``.
DisqualificationReasonCode = Literal["fraud", "ineligible", "other"]


@REGISTRY.register("publicity.outcome", 1, producer="publicity", consumers=("settlement", "intake"))
class PublicityOutcomeV1(EventData):
    """Emitted for each publicised entry when its outcome is known (at closing, or when a held one is decided)."""

    application_id: ApplicationId
    round_id: RoundId
    program: Program
    outcome: Literal["cleared", "disqualified", "held"]
    reason: str | None = Field(default=None, max_length=1000)
    publicity_closed_at: datetime
    publicity_id: str | None = Field(
        default=None,
        max_length=140,
        description="The public list the entry was on (the round id for points; graduates: one per unit).",
    )
    decided_at: datetime | None = Field(
        default=None,
        description="When this outcome was reached: the closing moment, or the later decision of a held entry.",
    )
    reason_code: DisqualificationReasonCode | None = Field(
        default=None,
        description=(
            "Disqualified only: the structured reason of the upheld objection(s) — fraud (弄虚作假/材料不实, "
            "seed 004 第十七条), ineligible (不符合申报条件) or other; fraud wins over the others. Absent from "
            "older producers and for outcomes decided on objections recorded without a code."
        ),
    )


@REGISTRY.register(
    "publicity.closed", 1, producer="publicity", consumers=("settlement", "intake"), subject="round id"
)
class PublicityClosedV1(EventData):
    """Emitted when a round's publicity period ends."""

    round_id: RoundId
    program: Program
    opened_at: datetime
    closed_at: datetime
    cleared: int = Field(ge=0)
    disqualified: int = Field(ge=0)
    held: int = Field(ge=0)
    calendar_version: str
    publicity_id: str | None = Field(
        default=None,
        max_length=140,
        description="The public list that closed (the round id for points; graduates: one per unit).",
    )
    entry_count: int | None = Field(default=None, ge=0, description="Entries on the list (never refilled).")
