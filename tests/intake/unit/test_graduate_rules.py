"""The graduate programme's pure rules at intake: the stages of a graduate round of year Y (seed 000
第十七条), their overrides and limits, the jurisdiction rule (第五条), and the publicity's age."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.graduates import (
    GRADUATE_STAGES,
    OutsideJurisdiction,
    StageOverride,
    check_jurisdiction,
    graduate_schedule,
    is_suburban,
    publicity_age,
)
from services.intake.domain.phases import CLOSED, NOT_STARTED, OutOfPhase, ScheduleError, require_phase


def _dates(year: int) -> list[tuple[str, date, date]]:
    return [(p.phase, p.starts_on, p.ends_on) for p in graduate_schedule(year).phases]


def test_the_default_stages_of_round_2025() -> None:
    assert _dates(2025) == [
        ("demand_survey", date(2024, 10, 1), date(2024, 11, 30)),
        ("quota_allocation", date(2024, 12, 1), date(2025, 2, 28)),
        ("declaration", date(2025, 3, 1), date(2025, 9, 30)),
        ("settlement", date(2026, 1, 1), date(2026, 12, 31)),
    ]
    assert [s.value for s in GRADUATE_STAGES] == [d[0] for d in _dates(2025)]


def test_quota_allocation_ends_on_29_february_in_a_leap_year() -> None:
    assert _dates(2028)[1][2] == date(2028, 2, 29)
    assert _dates(2027)[1][2] == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        ("2024-09-30", NOT_STARTED),
        ("2024-10-01", "demand_survey"),
        ("2024-11-30", "demand_survey"),
        ("2024-12-01", "quota_allocation"),
        ("2025-02-28", "quota_allocation"),
        ("2025-03-01", "declaration"),
        ("2025-09-30", "declaration"),
        ("2025-10-01", "between_phases"),
        ("2026-01-01", "settlement"),
        ("2027-01-01", CLOSED),
    ],
)
def test_the_current_stage_follows_the_dates(day: str, stage: str) -> None:
    assert graduate_schedule(2025).current(date.fromisoformat(day)).phase == stage


def test_declaring_is_allowed_only_in_the_declaration_window() -> None:
    schedule = graduate_schedule(2025)
    require_phase("graduate_declare", "graduates-2025", schedule, date(2025, 3, 1))
    require_phase("graduate_submit", "graduates-2025", schedule, date(2025, 9, 30))
    with pytest.raises(OutOfPhase) as e:
        require_phase("graduate_declare", "graduates-2025", schedule, date(2025, 10, 1))
    assert "declaration (申报, 2025-03-01 – 2025-09-30)" in e.value.message
    assert "Declaring a graduate" in e.value.message
    with pytest.raises(OutOfPhase):
        require_phase("graduate_submit", "graduates-2025", schedule, date(2025, 2, 28))


def test_dates_can_be_overridden_within_the_limits() -> None:
    s = graduate_schedule(
        2025,
        {
            "declaration": StageOverride(date(2025, 3, 3), date(2025, 9, 26)),
            "demand_survey": StageOverride(starts_on=date(2024, 9, 1)),
        },
    )
    assert s.dates_of("declaration") is not None
    assert (s.phases[2].starts_on, s.phases[2].ends_on) == (date(2025, 3, 3), date(2025, 9, 26))
    assert s.phases[0].starts_on == date(2024, 9, 1) and s.phases[0].ends_on == date(2024, 11, 30)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"demand_survey": StageOverride(ends_on=date(2024, 12, 5)),
          "quota_allocation": StageOverride(starts_on=date(2024, 12, 6))}, "stages.demand_survey.ends_on",
         "stages.demand_survey_late"),
        ({"demand_survey": StageOverride(ends_on=date(2024, 12, 1))}, "stages.quota_allocation.starts_on",
         "phases.overlap"),
        ({"quota_allocation": StageOverride(ends_on=date(2025, 3, 1)),
          "declaration": StageOverride(starts_on=date(2025, 3, 2))}, "stages.quota_allocation.ends_on",
         "stages.quota_allocation_late"),
        ({"declaration": StageOverride(ends_on=date(2025, 10, 1))}, "stages.declaration.ends_on",
         "stages.declaration_window"),
        ({"quota_allocation": StageOverride(ends_on=date(2025, 2, 20)),
          "declaration": StageOverride(starts_on=date(2025, 2, 21))}, "stages.declaration.starts_on",
         "stages.declaration_window"),
        ({"settlement": StageOverride(starts_on=date(2025, 11, 1))}, "stages.settlement.starts_on",
         "stages.settlement_year"),
        ({"settlement": StageOverride(ends_on=date(2027, 6, 30))}, "stages.settlement.starts_on",
         "stages.settlement_year"),
        ({"declaration": StageOverride(starts_on=date(2025, 9, 1), ends_on=date(2025, 8, 1))},
         "stages.declaration.ends_on", "phases.ends_before_start"),
        ({"publicity": StageOverride(starts_on=date(2025, 10, 1))}, "stages", "stages.unknown"),
    ],
)  # fmt: skip
def test_overrides_that_break_the_rules_are_refused_naming_the_stage(
    overrides: dict[str, StageOverride], field: str | None, code: str | None
) -> None:
    with pytest.raises(ScheduleError) as e:
        graduate_schedule(2025, overrides)
    if field is not None:
        assert e.value.field == field
    if code is not None:
        assert e.value.code == code


def test_an_employer_declares_only_to_its_own_supervising_unit() -> None:
    check_jurisdiction("北京某某科技有限公司", "su_a", "su_a")
    with pytest.raises(OutsideJurisdiction) as e:
        check_jurisdiction("北京某某科技有限公司", "su_b", "su_a")
    assert "outside the jurisdiction of supervising unit su_a" in e.value.message
    assert "belongs to supervising unit su_b" in e.value.message and "第五条" in e.value.message
    with pytest.raises(OutsideJurisdiction) as e:
        check_jurisdiction("北京某某科技有限公司", None, "su_a")
    assert "has not assigned it to any supervising unit" in e.value.message


def test_suburban_districts_and_the_publicity_age() -> None:
    assert not is_suburban("110108") and not is_suburban("110101") and not is_suburban(None)
    assert is_suburban("110114") and is_suburban("110119")
    assert publicity_age(2025, date(2000, 12, 31)) == 25
    assert publicity_age(2025, date(2000, 1, 1)) == 25
