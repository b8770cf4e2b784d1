"""Rounds (年度申报) and their phases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.intake.domain.phases import PHASE_NAMES_ZH, Phase
from services.intake.schemas.common import IsoDate, Strict
from shared.policy import PointsPolicyVersion


class PhaseDatesIn(Strict):
    phase: Phase
    starts_on: IsoDate
    ends_on: IsoDate


ROUND_EXAMPLE: dict[str, Any] = {
    "year": 2024,
    "program": "points",
    "quota": 6000,
    "phases": [
        {"phase": "declaration", "starts_on": "2024-05-06", "ends_on": "2024-05-20"},
        {"phase": "review_summary", "starts_on": "2024-05-21", "ends_on": "2024-06-30"},
        {"phase": "results_query", "starts_on": "2024-07-01", "ends_on": "2024-07-10"},
        {"phase": "recheck_and_ranking", "starts_on": "2024-07-11", "ends_on": "2024-08-10"},
        {"phase": "publicity", "starts_on": "2024-08-11", "ends_on": "2024-08-18"},
        {"phase": "settlement", "starts_on": "2024-08-19", "ends_on": "2026-08-18"},
    ],
}


class RoundIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ROUND_EXAMPLE]})

    year: StrictInt = Field(ge=2018, le=2100, description="The round's year Y (申报年度).")
    program: Literal["points"] = "points"
    policy_version: PointsPolicyVersion | None = Field(
        default=None, description="Default: bj-points-2018 for 2018–2019, bj-points-2020 from 2020."
    )
    quota: StrictInt | None = Field(default=None, ge=1, le=1_000_000, description="Yearly settlement quota.")
    phases: list[PhaseDatesIn] = Field(
        min_length=6,
        max_length=6,
        description="The six phases of seed 004 第三条, in order, without overlap.",
    )


class PhaseDatesOut(BaseModel):
    phase: str
    name_zh: str
    starts_on: date
    ends_on: date


class RoundOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "points-2024",
                    "program": "points",
                    "year": 2024,
                    "policy_version": "bj-points-2020",
                    "quota": 6000,
                    "current_phase": "declaration",
                    "current_phase_zh": "申报",
                    "phases": [
                        {
                            "phase": "declaration",
                            "name_zh": "申报",
                            "starts_on": "2024-05-06",
                            "ends_on": "2024-05-20",
                        }
                    ],
                    "ranking": None,
                    "created_at": "2024-04-01T09:00:00+08:00",
                }
            ]
        }
    )

    id: str
    program: str
    year: int
    policy_version: str
    quota: int | None
    current_phase: str = Field(
        description="A phase, or not_started / between_phases / closed (by the service clock)."
    )
    current_phase_zh: str
    phases: list[PhaseDatesOut]
    ranking: dict[str, Any] | None = Field(
        default=None, description="Cut-off and admitted count once scoring finalizes the ranking."
    )
    publicity: dict[str, Any] | None = Field(default=None, description="Counts once publicity closes.")
    created_at: datetime


class RoundPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[RoundOut]
    total: int
    limit: int
    offset: int


def phase_out(phase: str, starts_on: date, ends_on: date) -> PhaseDatesOut:
    return PhaseDatesOut(
        phase=phase, name_zh=PHASE_NAMES_ZH.get(phase, phase), starts_on=starts_on, ends_on=ends_on
    )


# ---- graduate rounds (seed 000 第十七条) ---------------------------------------------------------

GraduateStageName = Literal["demand_survey", "quota_allocation", "declaration", "settlement"]


class StageDatesIn(Strict):
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = None


class GraduateRoundIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"year": 2025},
                {
                    "year": 2025,
                    "stages": {"declaration": {"starts_on": "2025-03-03", "ends_on": "2025-09-26"}},
                },
            ]
        },
    )

    year: StrictInt = Field(ge=2018, le=2100, description="Y: the year of introduction (当年引进).")
    quota: StrictInt | None = Field(
        default=None, ge=1, le=1_000_000, description="The year's total quota, if known (allocated per unit)."
    )
    stages: dict[GraduateStageName, StageDatesIn] = Field(
        default_factory=dict,
        description="Dates that differ from the defaults computed from Y: demand_survey Y−1-10-01 – "
        "Y−1-11-30; quota_allocation Y−1-12-01 – end of February Y; declaration Y-03-01 – Y-09-30; "
        "settlement Y+1-01-01 – Y+1-12-31.",
    )
