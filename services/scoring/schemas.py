"""Request and response models of the scoring API, and the fixed contract's schemas and example.

The calculator's request and response bodies are the fixed JSON Schemas in ``contracts/`` (copied
unchanged from ``../shared/contracts``); they are documented as such, not as pydantic models.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.scoring.adapters.records import RankingEntryRecord, RankingRecord, ScoreResultRecord

_CONTRACTS = Path(__file__).parent / "contracts"
FACTS_SCHEMA: dict[str, Any] = json.loads((_CONTRACTS / "points-facts.schema.json").read_text())
RESULT_SCHEMA: dict[str, Any] = json.loads((_CONTRACTS / "points-result.schema.json").read_text())

EXAMPLE_FACTS: dict[str, Any] = {
    "application_id": "PTS-2022-000001",
    "application_year": 2022,
    "person": {"birth_date": "1981-09-15", "sex": "female", "female_job_category": "cadre"},
    "residence_permit_issued_on": "2019-06-01",
    "criminal_record": False,
    "social_insurance": [
        {"insurance": t, "from": "2002-10", "to": "2021-12", "back_paid": False, "district": "110108"}
        for t in ("pension", "medical", "unemployment", "injury", "maternity")
    ],
    "housing": [
        {
            "kind": "owned",
            "from": "2010-01",
            "to": "2021-12",
            "district": "110112",
            "residential": True,
            "certified": True,
        }
    ],
    "education": [
        {
            "level": "bachelor",
            "diploma": True,
            "degree": True,
            "graduated_on": "2002-07-01",
            "recognized": True,
        }
    ],
    "innovation": [],
    "income_tax": [{"year": 2019, "amount": "120000"}],
    "tax_penalties": [],
    "honours": [],
    "detentions": [],
}


def schema_without_meta(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


class ScoreRecord(BaseModel):
    application_id: str
    revision: int
    round_id: str
    policy_version: str
    qualified: bool
    total: Decimal
    computed_at: Any
    result: dict[str, Any] = Field(description="The PointsResult of this revision.")
    current: bool = Field(description="True for the highest revision: the one that counts.")

    @classmethod
    def from_record(cls, r: ScoreResultRecord, *, current: bool) -> ScoreRecord:
        return cls(
            application_id=r["application_id"],
            revision=r["revision"],
            round_id=r["round_id"],
            policy_version=r["policy_version"],
            qualified=r["qualified"],
            total=r["total"],
            computed_at=r["computed_at"],
            result=r["result"],
            current=current,
        )


class ScoreHistory(BaseModel):
    application_id: str
    items: list[ScoreRecord]


class RankingRun(BaseModel):
    """Exactly one of `quota` (bj-points-2020: head count) and `score_line` (bj-points-2018)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quota": 6000}, {"score_line": "90.75"}]}
    )

    quota: StrictInt | None = Field(default=None, ge=1, le=1_000_000, description="Head count (落户指标).")
    score_line: Decimal | None = Field(
        default=None,
        ge=0,
        le=1000,
        max_digits=6,
        decimal_places=2,
        description="Yearly score line (落户分值), decimal string.",
    )


class RankingOut(BaseModel):
    ranking_id: str = Field(examples=["rk-3f2a9c0d1e2b4a5f6c7d"])
    round_id: str
    policy_version: str
    selection: str = Field(examples=["quota"])
    quota: int | None
    score_line: Decimal | None
    cutoff: Decimal | None = Field(description="Lowest admitted total; everyone at or above it is admitted.")
    ranked_count: int
    admitted_count: int
    input_digest: str = Field(
        examples=["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
    )
    status: str = Field(examples=["draft"])
    created_at: Any
    created_by: str
    finalized_at: Any = None
    finalized_by: str | None = None

    @classmethod
    def from_record(cls, r: RankingRecord) -> RankingOut:
        return cls(**r)


class RankingList(BaseModel):
    items: list[RankingOut]


class RankEntryOut(BaseModel):
    position: int
    application_id: str
    rank: int
    admitted: bool
    total: Decimal

    @classmethod
    def from_record(cls, e: RankingEntryRecord) -> RankEntryOut:
        return cls(
            position=e["position"],
            application_id=e["application_id"],
            rank=e["rank"],
            admitted=e["admitted"],
            total=e["total"],
        )


class RankEntryPage(BaseModel):
    items: list[RankEntryOut]
    total: int
    limit: int
    offset: int
