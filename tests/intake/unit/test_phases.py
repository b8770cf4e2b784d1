"""Phase rules of a round (seed 004 第三条): order, dates, the current phase, gating, announcements."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.phases import (
    BETWEEN_PHASES,
    CLOSED,
    NOT_STARTED,
    OutOfPhase,
    Phase,
    PhaseDates,
    Schedule,
    ScheduleError,
    require_phase,
    transitions_due,
)

DATES = [
    ("declaration", "2024-05-06", "2024-05-20"),
    ("review_summary", "2024-05-21", "2024-06-30"),
    ("results_query", "2024-07-02", "2024-07-10"),  # a one-day gap before it
    ("recheck_and_ranking", "2024-07-11", "2024-08-10"),
    ("publicity", "2024-08-11", "2024-08-18"),
    ("settlement", "2024-08-19", "2026-08-18"),
]


def schedule(dates: list[tuple[str, str, str]] = DATES, year: int | None = 2024) -> Schedule:
    return Schedule.build(
        [PhaseDates(p, date.fromisoformat(a), date.fromisoformat(b)) for p, a, b in dates], year=year
    )


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        ("2024-05-05", NOT_STARTED),
        ("2024-05-06", "declaration"),
        ("2024-05-20", "declaration"),
        ("2024-05-21", "review_summary"),
        ("2024-07-01", BETWEEN_PHASES),
        ("2024-07-02", "results_query"),
        ("2024-08-18", "publicity"),
        ("2026-08-18", "settlement"),
        ("2026-08-19", CLOSED),
    ],
)
def test_the_current_phase_follows_the_dates_both_ends_inclusive(day: str, phase: str) -> None:
    assert schedule().current(date.fromisoformat(day)).phase == phase


def test_a_round_has_the_six_phases_in_order() -> None:
    swapped = [DATES[1], DATES[0], *DATES[2:]]
    with pytest.raises(ScheduleError) as e:
        schedule(swapped)
    assert e.value.code == "phases.order"
    with pytest.raises(ScheduleError) as e:
        schedule(DATES[:5])
    assert e.value.code == "phases.order"


def test_phases_may_not_overlap_or_end_before_they_start() -> None:
    overlapping = [DATES[0], ("review_summary", "2024-05-20", "2024-06-30"), *DATES[2:]]
    with pytest.raises(ScheduleError) as e:
        schedule(overlapping)
    assert (e.value.field, e.value.code) == ("phases[1].starts_on", "phases.overlap")
    backwards = [("declaration", "2024-05-20", "2024-05-06"), *DATES[1:]]
    with pytest.raises(ScheduleError) as e:
        schedule(backwards)
    assert (e.value.field, e.value.code) == ("phases[0].ends_on", "phases.ends_before_start")


def test_the_declaration_phase_of_round_y_starts_in_year_y() -> None:
    with pytest.raises(ScheduleError) as e:
        schedule(year=2025)
    assert e.value.code == "phases.declaration_year"


def test_declaring_is_only_allowed_in_the_declaration_phase_and_the_refusal_names_phase_and_dates() -> None:
    s = schedule()
    assert require_phase("declare", "points-2024", s, date(2024, 5, 20)).phase == Phase.DECLARATION
    with pytest.raises(OutOfPhase) as e:
        require_phase("submit", "points-2024", s, date(2024, 5, 21))
    assert e.value.message == (
        "Submitting 提交申报 is only possible in the declaration (申报, 2024-05-06 – 2024-05-20) phase; "
        "round points-2024 is in the review_summary (部门审核结果汇总, 2024-05-21 – 2024-06-30) phase."
    )
    with pytest.raises(OutOfPhase) as e:
        require_phase("declare", "points-2024", s, date(2024, 1, 1))
    assert "has not started; it opens with declaration (申报, 2024-05-06 – 2024-05-20)" in e.value.message
    with pytest.raises(OutOfPhase) as e:
        require_phase("upload_material", "points-2024", s, date(2024, 7, 1))
    assert "between phases; next is results_query" in e.value.message
    with pytest.raises(OutOfPhase) as e:
        require_phase("declare", "points-2024", s, date(2027, 1, 1))
    assert "is closed" in e.value.message


def test_materials_may_be_uploaded_until_the_results_query_ends() -> None:
    s = schedule()
    for day in (date(2024, 5, 6), date(2024, 6, 1), date(2024, 7, 10)):
        require_phase("upload_material", "r", s, day)
    with pytest.raises(OutOfPhase):
        require_phase("upload_material", "r", s, date(2024, 7, 11))


def test_each_boundary_is_due_once_and_a_jump_announces_every_phase_in_between() -> None:
    s = schedule()
    assert transitions_due(s, -1, date(2024, 5, 1)) == []
    first = transitions_due(s, -1, date(2024, 5, 6))
    assert [(t.phase, t.previous, t.index) for t in first] == [("declaration", None, 0)]
    assert transitions_due(s, 0, date(2024, 5, 20)) == []
    jump = transitions_due(s, 0, date(2024, 8, 12))
    assert [t.phase for t in jump] == ["review_summary", "results_query", "recheck_and_ranking", "publicity"]
    assert [t.previous for t in jump] == [
        "declaration",
        "review_summary",
        "results_query",
        "recheck_and_ranking",
    ]
    # A gap between phases announces nothing until the next phase starts.
    assert transitions_due(s, 1, date(2024, 7, 1)) == []
    end = transitions_due(s, 4, date(2030, 1, 1))
    assert [(t.phase, t.index) for t in end] == [("settlement", 5), (CLOSED, 6)]
    assert transitions_due(s, 6, date(2030, 1, 1)) == []
