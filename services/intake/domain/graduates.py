"""The graduate programme's pure rules at intake (seed 000, ``shared/policy/graduates.md``).

- The stages of a graduate round of year Y (第十七条): 需求调查 demand survey, reported by 30 November of
  Y−1; 指标分配 quota allocation, by the end of February of Y; 申报 declaration, March to September of Y;
  落户办理 settlement, January to December of Y+1 (当年引进、次年落户, 第四条). Review, publicity and
  approval run inside and after the declaration window; they are not stages of the round.
- Jurisdiction (第五条): an employer declares only to the supervising unit it belongs to.
- The publicity's age: Y − birth year (第十三条's count).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.intake.domain.phases import PhaseDates, Schedule, ScheduleError


class GraduateStage(StrEnum):
    DEMAND_SURVEY = "demand_survey"
    QUOTA_ALLOCATION = "quota_allocation"
    DECLARATION = "declaration"
    SETTLEMENT = "settlement"


GRADUATE_STAGES: tuple[GraduateStage, ...] = tuple(GraduateStage)
GRADUATE_POLICY_VERSION = "graduates-2018"


def default_stages(year: int) -> list[PhaseDates]:
    """The stages of round Y with the dates of 第十七条 (the demand survey opens on 1 October of Y−1)."""
    feb_end = calendar.monthrange(year, 2)[1]
    return [
        PhaseDates(GraduateStage.DEMAND_SURVEY, date(year - 1, 10, 1), date(year - 1, 11, 30)),
        PhaseDates(GraduateStage.QUOTA_ALLOCATION, date(year - 1, 12, 1), date(year, 2, feb_end)),
        PhaseDates(GraduateStage.DECLARATION, date(year, 3, 1), date(year, 9, 30)),
        PhaseDates(GraduateStage.SETTLEMENT, date(year + 1, 1, 1), date(year + 1, 12, 31)),
    ]


@dataclass(frozen=True, slots=True)
class StageOverride:
    starts_on: date | None = None
    ends_on: date | None = None


def graduate_schedule(year: int, overrides: Mapping[str, StageOverride] | None = None) -> Schedule:
    """The schedule of round Y: the defaults, with the dates staff override, checked. ``ScheduleError``
    names the offending stage: stages in order without overlap; the demand survey ends by 30 November of
    Y−1; quota allocation ends by the end of February of Y; the declaration window lies in March–September
    of Y; settlement is in Y+1."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - {s.value for s in GRADUATE_STAGES})
    if unknown:
        raise ScheduleError(
            "stages", "stages.unknown", f"A graduate round has no stage {', '.join(unknown)}."
        )
    entries: list[PhaseDates] = []
    for d in default_stages(year):
        o = overrides.get(d.phase, StageOverride())
        entries.append(PhaseDates(d.phase, o.starts_on or d.starts_on, o.ends_on or d.ends_on))
    try:
        schedule = Schedule.build(entries, expected=GRADUATE_STAGES, program="graduates")
    except ScheduleError as e:
        # ``phases[i].x`` → ``stages.<stage>.x``: the request names stages.
        field = e.field
        if field.startswith("phases[") and "]" in field:
            index, rest = field[len("phases[") :].split("]", 1)
            field = f"stages.{entries[int(index)].phase}{rest}"
        raise ScheduleError(field, e.code, e.message) from None
    survey, allocation, declaration, settlement = schedule.phases
    feb_end = date(year, 2, calendar.monthrange(year, 2)[1])
    limits = [
        (survey.ends_on > date(year - 1, 11, 30), "demand_survey.ends_on", "stages.demand_survey_late",
         f"The demand survey ends by 30 November {year - 1} (第十七条(一))."),
        (allocation.ends_on > feb_end, "quota_allocation.ends_on", "stages.quota_allocation_late",
         f"Quotas are allocated by {feb_end} (第十七条(二))."),
        (declaration.starts_on < date(year, 3, 1), "declaration.starts_on", "stages.declaration_window",
         f"Declarations are made from March to September {year} (第十七条(三)); not before {year}-03-01."),
        (declaration.ends_on > date(year, 9, 30), "declaration.ends_on", "stages.declaration_window",
         f"Declarations are made from March to September {year} (第十七条(三)); not after {year}-09-30."),
        (settlement.starts_on.year != year + 1 or settlement.ends_on.year != year + 1,
         "settlement.starts_on", "stages.settlement_year",
         f"Settlement happens in {year + 1} (当年引进、次年落户, 第四条、第十七条(七))."),
    ]  # fmt: skip
    for broken, field, code, message in limits:
        if broken:
            raise ScheduleError(f"stages.{field}", code, message)
    return schedule


# ---- jurisdiction (第五条) ------------------------------------------------------------------------


class OutsideJurisdiction(Exception):
    """第五条: the employer does not belong to the supervising unit it declares to."""

    def __init__(self, employer: str, unit: str, employer_unit: str | None) -> None:
        self.employer_unit = employer_unit
        where = (
            f"it belongs to supervising unit {employer_unit}"
            if employer_unit is not None
            else "the bureau has not assigned it to any supervising unit"
        )
        self.message = (
            f"Employer {employer} is outside the jurisdiction of supervising unit {unit}: {where}. "
            "An employer declares only to its own supervising unit (第五条; introducing outside the "
            "jurisdiction is a violation, 第二十七条). 用人单位不属于该主管单位管辖范围。"
        )
        super().__init__(self.message)


def check_jurisdiction(employer: str, employer_unit: str | None, unit: str) -> None:
    """Raise :class:`OutsideJurisdiction` unless the employer belongs to ``unit``."""
    if employer_unit != unit:
        raise OutsideJurisdiction(employer, unit, employer_unit)


# ---- what the publicity shows ----------------------------------------------------------------------

#: 城六区: the six urban districts; every other Beijing district is suburban (郊区).
URBAN_DISTRICTS = frozenset({"110101", "110102", "110105", "110106", "110107", "110108"})


def is_suburban(district: str | None) -> bool:
    """An employer registered in a Beijing district outside the six urban ones (unknown: not suburban)."""
    return district is not None and district.startswith("110") and district not in URBAN_DISTRICTS


def publicity_age(year: int, birth_date: date) -> int:
    """Y − birth year: the age the rules count (第十三条) and the publicity shows."""
    return year - birth_date.year
