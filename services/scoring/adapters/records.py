"""One TypedDict per table of the scoring database: what the repository reads and writes.

Total and exact: every column, with its Python type as SQLAlchemy returns it (``Numeric`` → ``Decimal``,
``JSONB`` → the decoded JSON, timezone-aware ``DateTime`` → ``datetime``). Handlers read checked keys.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypedDict


class RoundRecord(TypedDict):
    """``rounds``: a round as announced by intake (``round.phase_changed``)."""

    round_id: str
    program: str
    year: int
    policy_version: str | None
    quota: int | None
    phase: str
    phases: list[dict[str, Any]]
    updated_at: datetime
    phase_event_at: datetime | None


class NewScoreResult(TypedDict):
    """A row of ``score_results`` before the database gives it its id."""

    application_id: str
    revision: int
    round_id: str
    policy_version: str
    qualified: bool
    total: Decimal
    facts: dict[str, Any]
    result: dict[str, Any]
    source_event_id: str
    computed_at: datetime


class ScoreResultRecord(NewScoreResult):
    """``score_results``: one result per application and revision; the highest revision is current."""

    id: int


class RankingRecord(TypedDict):
    """``rankings``: one ranking run of a round (draft or finalized)."""

    ranking_id: str
    round_id: str
    policy_version: str
    selection: str
    quota: int | None
    score_line: Decimal | None
    cutoff: Decimal | None
    ranked_count: int
    admitted_count: int
    input_digest: str
    status: str
    created_at: datetime
    created_by: str
    finalized_at: datetime | None
    finalized_by: str | None


class RankingEntryRecord(TypedDict):
    """``ranking_entries``: one ranked applicant of a ranking, in display order."""

    ranking_id: str
    position: int
    application_id: str
    rank: int
    admitted: bool
    total: Decimal


class CurrentTotal(NamedTuple):
    """The current (highest-revision) result of one application of a round, as ranking reads it."""

    application_id: str
    total: Decimal
    qualified: bool
    policy_version: str


class NewGraduateAssessment(TypedDict):
    """A row of ``graduate_assessments`` before the database gives it its id."""

    declaration_id: str
    revision: int
    declaration_revision: int
    round_id: str
    supervising_unit_id: str
    policy_version: str
    eligible: bool
    quota: str | None
    age_limit: int | None
    failed_checks: list[str]
    facts: dict[str, Any]
    result: dict[str, Any]
    """The GraduateResult document (``contracts/graduate-result.schema.json``)."""
    source_event_id: str
    verified_at: datetime
    assessed_at: datetime


class GraduateAssessmentRecord(NewGraduateAssessment):
    """``graduate_assessments``: one eligibility assessment per declaration and revision; the highest
    revision is current."""

    id: int
