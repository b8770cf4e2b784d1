"""Request and response models of the scoring API, and the fixed contract's schemas and example.

The points calculator's request and response bodies are the fixed JSON Schemas in ``contracts/`` (copied
unchanged from ``../shared/contracts``); they are documented as such, not as pydantic models. The
graduate calculator's request body is the fixed GraduateFacts schema too; its response is documented by
:class:`GraduateResultOut`, a model of ``graduate-result.schema.json`` (tests hold the two together).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.scoring.adapters.records import (
    GraduateAssessmentRecord,
    RankingEntryRecord,
    RankingRecord,
    ScoreResultRecord,
)
from services.scoring.graduates_contract import assess_document
from shared.facts.graduates import GRADUATE_FACTS_EXAMPLE

_CONTRACTS = Path(__file__).parent / "contracts"
FACTS_SCHEMA: dict[str, Any] = json.loads((_CONTRACTS / "points-facts.schema.json").read_text())
RESULT_SCHEMA: dict[str, Any] = json.loads((_CONTRACTS / "points-result.schema.json").read_text())
GRADUATE_FACTS_SCHEMA: dict[str, Any] = json.loads((_CONTRACTS / "graduate-facts.schema.json").read_text())
GRADUATE_RESULT_SCHEMA: dict[str, Any] = json.loads((_CONTRACTS / "graduate-result.schema.json").read_text())

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
    """A contract's JSON Schema as an OpenAPI schema object: without ``$schema`` and ``$id``, and with its
    local definitions written in place. Without its ``$id`` a ``#/$defs/month`` would point at the root of
    the OpenAPI document, where there is none (ReDoc rendered nothing for the service)."""
    defs: dict[str, Any] = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(v) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**inline(defs[ref.removeprefix("#/$defs/")]), **inline(rest)}
        return {k: inline(v) for k, v in node.items()}

    return {k: inline(v) for k, v in schema.items() if k not in ("$schema", "$id", "$defs")}


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


# ---- graduate eligibility (引进毕业生) -------------------------------------------------------------

EXAMPLE_GRADUATE_FACTS: dict[str, Any] = GRADUATE_FACTS_EXAMPLE
#: The GraduateResult of :data:`EXAMPLE_GRADUATE_FACTS`, computed by the rules (never out of date).
EXAMPLE_GRADUATE_RESULT: dict[str, Any] = assess_document(GRADUATE_FACTS_EXAMPLE)

CheckCode = Literal[
    "fresh_graduate",
    "national_plan_non_directed",
    "no_labour_relation",
    "non_beijing_hukou",
    "education_level",
    "age",
    "school",
    "major_match",
    "employer_registered_one_year",
    "employer_good_standing",
    "founder",
]
QuotaTreatment = Literal["counted", "not_counted", "separate_plan", "direct"]


class GraduateCheckOut(BaseModel):
    """One of the eleven checks, with its article and its explanation in Chinese."""

    code: CheckCode
    passed: bool | None = Field(description="null when the check does not apply or is waived.")
    article: str = Field(examples=["第二条"])
    explanation: str


class GraduateResultOut(BaseModel):
    """GraduateResult (``contracts/graduate-result.schema.json``): eligibility, quota treatment, the age
    limit that applied and the eleven checks in the contract's order."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_GRADUATE_RESULT]})

    case_id: str | None = None
    policy_version: str = Field(examples=["graduates-2018"])
    eligible: bool
    quota: QuotaTreatment | None = Field(description="null when not eligible.")
    age_limit: int | None = Field(
        description="L of 第十三条/第十四条 that applied; null when waived (direct introduction) or no "
        "level applies."
    )
    checks: list[GraduateCheckOut] = Field(min_length=11, max_length=11)


class GraduateRevisionOut(BaseModel):
    """An assessed revision of a declaration's verified facts (the history under the current one)."""

    revision: int
    declaration_revision: int
    eligible: bool
    quota: QuotaTreatment | None
    failed_checks: list[str]
    assessed_at: datetime

    @classmethod
    def from_record(cls, r: GraduateAssessmentRecord) -> GraduateRevisionOut:
        return cls(
            revision=r["revision"],
            declaration_revision=r["declaration_revision"],
            eligible=r["eligible"],
            quota=_quota(r["quota"]),
            failed_checks=r["failed_checks"],
            assessed_at=r["assessed_at"],
        )


class GraduateAssessmentOut(BaseModel):
    """The current eligibility assessment of a graduate declaration (its highest revision), with every
    check, and the earlier revisions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "declaration_id": "GRD-2026-000001",
                    "revision": 2,
                    "declaration_revision": 1,
                    "round_id": "grd-2026",
                    "supervising_unit_id": "unit-haidian",
                    "policy_version": "graduates-2018",
                    "eligible": True,
                    "quota": "counted",
                    "age_limit": EXAMPLE_GRADUATE_RESULT["age_limit"],
                    "failed_checks": [],
                    "checks": EXAMPLE_GRADUATE_RESULT["checks"],
                    "verified_at": "2026-06-12T10:00:00+08:00",
                    "assessed_at": "2026-06-12T10:00:01+08:00",
                    "earlier_revisions": [
                        {
                            "revision": 1,
                            "declaration_revision": 1,
                            "eligible": False,
                            "quota": None,
                            "failed_checks": ["employer_registered_one_year"],
                            "assessed_at": "2026-06-11T09:00:00+08:00",
                        }
                    ],
                }
            ]
        }
    )

    declaration_id: str
    revision: int = Field(description="Revision of the verified facts; the highest is current.")
    declaration_revision: int
    round_id: str
    supervising_unit_id: str
    policy_version: str
    eligible: bool
    quota: QuotaTreatment | None = Field(description="null when not eligible.")
    age_limit: int | None
    failed_checks: list[str]
    checks: list[GraduateCheckOut]
    verified_at: datetime
    assessed_at: datetime
    earlier_revisions: list[GraduateRevisionOut] = Field(description="Older revisions, newest first.")

    @classmethod
    def from_records(cls, rows: list[GraduateAssessmentRecord]) -> GraduateAssessmentOut:
        current, *earlier = rows
        return cls(
            declaration_id=current["declaration_id"],
            revision=current["revision"],
            declaration_revision=current["declaration_revision"],
            round_id=current["round_id"],
            supervising_unit_id=current["supervising_unit_id"],
            policy_version=current["policy_version"],
            eligible=current["eligible"],
            quota=_quota(current["quota"]),
            age_limit=current["age_limit"],
            failed_checks=current["failed_checks"],
            checks=[GraduateCheckOut.model_validate(c) for c in current["result"]["checks"]],
            verified_at=current["verified_at"],
            assessed_at=current["assessed_at"],
            earlier_revisions=[GraduateRevisionOut.from_record(r) for r in earlier],
        )


def _quota(value: str | None) -> QuotaTreatment | None:
    if value is None:
        return None
    for q in ("counted", "not_counted", "separate_plan", "direct"):
        if value == q:
            return q
    raise ValueError(f"unknown quota treatment {value!r}")
