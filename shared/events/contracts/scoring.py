"""Events produced by the scoring service."""

from __future__ import annotations

from pydantic import Field

from shared.events.contracts.common import (
    ApplicationId,
    DeclarationId,
    IndicatorCode,
    Points,
    QuotaTreatment,
    RoundId,
    UnitId,
)
from shared.events.registry import REGISTRY, EventData


class IndicatorPoints(EventData):
    code: IndicatorCode
    points: Points


@REGISTRY.register("score.computed", 1, producer="scoring", consumers=("intake", "publicity"))
class ScoreComputedV1(EventData):
    """Emitted when an application's verified facts (one revision) have been scored."""

    application_id: ApplicationId
    revision: int = Field(ge=1)
    round_id: RoundId
    policy_version: str
    qualified: bool
    failed_conditions: list[str] = Field(default_factory=list)
    total: Points
    indicators: list[IndicatorPoints]


@REGISTRY.register(
    "ranking.finalized", 1, producer="scoring", consumers=("publicity", "intake"), subject="round id"
)
class RankingFinalizedV1(EventData):
    """Emitted once when bureau staff finalize the ranking of a round."""

    round_id: RoundId
    ranking_id: str
    policy_version: str
    quota: int | None = Field(default=None, ge=0)
    score_line: Points | None = None
    cutoff: Points | None = Field(description="Lowest admitted total; null when nobody is admitted.")
    ranked_count: int = Field(ge=0)
    admitted_count: int = Field(ge=0)
    input_digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")


@REGISTRY.register("application.ranked", 1, producer="scoring", consumers=("publicity", "intake"))
class ApplicationRankedV1(EventData):
    """Emitted for every ranked applicant when a round's ranking is finalized."""

    application_id: ApplicationId
    round_id: RoundId
    ranking_id: str
    rank: int = Field(ge=1)
    admitted: bool
    total: Points


@REGISTRY.register(
    "graduate.assessed",
    1,
    producer="scoring",
    consumers=("intake", "settlement"),
    subject="declaration id",
)
class GraduateAssessedV1(EventData):
    """Emitted when a verified graduate declaration (one revision) has been assessed under the eligibility
    rules (graduates-2018): eligible or not, and how the introduction counts against the unit's quota."""

    declaration_id: DeclarationId
    revision: int = Field(ge=1)
    round_id: RoundId
    supervising_unit_id: UnitId
    policy_version: str = Field(max_length=50)
    eligible: bool
    quota: QuotaTreatment | None = Field(description="null when not eligible.")
    age_limit: int | None = None
    failed_checks: list[str] = Field(default_factory=list)
