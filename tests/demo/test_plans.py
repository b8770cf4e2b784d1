"""Who takes part in the demo round: deterministic plans consistent with the mock registries."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from demo.annual import timeline
from demo.calendar import statutory_days_off, write_demo_calendar
from demo.population import FRAUD_DIFFERENCE, good_employer_codes, plan_applicants, plan_graduates
from services.review.mock_registries.graduates import derive_company, derive_education
from services.review.mock_registries.population import generate_population
from shared.calendar.data import parse_overrides


def test_applicant_plans_have_differences_onsite_items_and_a_few_frauds() -> None:
    plans = plan_applicants(generate_population(400, application_year=2027))
    assert [p.index for p in plans] == list(range(400))
    frauds = [p for p in plans if p.fraud]
    assert 2 <= len(frauds) <= 4 and all(FRAUD_DIFFERENCE in p.differences for p in frauds)
    assert 0.05 < sum(bool(p.differences) for p in plans) / 400 < 0.15
    assert all(p.person.has_onsite_facts for p in plans if p.onsite)
    assert 0.3 < sum(p.onsite for p in plans) / 400 < 0.7
    assert plan_applicants(generate_population(400, application_year=2027)) == plans


def test_graduates_declare_what_the_education_registry_holds() -> None:
    plans = plan_graduates(40, 2027)
    assert len({p.id_number for p in plans}) == 40
    for p in plans:
        assert derive_education(p.id_number, year=2027, seed=20240101)[0] == p.record  # type: ignore[index]
        decl = p.declaration("graduates-2027", "su_x")["graduate"]
        assert decl["university"]["name"] == p.record["school_name"]
        assert decl["graduated_on"].replace("-", "") == p.record["graduated_on"]
    assert {p.level for p in plans} >= {"master", "doctor"}
    assert any(p.direct for p in plans)
    assert plan_graduates(40, 2027) == plans


def test_employers_chosen_operate_normally_and_are_over_a_year_old() -> None:
    for code in good_employer_codes(5, year=2027, start=700_000):
        rec = derive_company(code, year=2027, seed=20240101)
        assert rec is not None and rec["status"] == "存续" and not rec["serious_violations"]
        assert rec["established_on"] < "2026-01-01"


def test_the_timeline_starts_on_a_monday_and_lets_the_graduate_lists_close_first() -> None:
    t = timeline(2027)
    assert t["d0"].weekday() == 0 and t["d0"].year == 2027 and t["d0"].month == 5
    assert t["d0"] < t["results_query"] < t["ranking"] < t["publicity"] < t["settlement"] < t["duty"]
    assert t["next_year"].year == 2028 and t["next_year"].weekday() == 0


def test_the_demo_calendar_holds_statutory_days_for_unknown_years_only(tmp_path: Path) -> None:
    days = statutory_days_off(2027)
    assert "2027-10-01" in days and "2027-02-06" in days and all(d.startswith("2027-") for d in days)
    path = tmp_path / "calendar.json"
    assert write_demo_calendar(path, [2025, 2027, 2028]) == [2027, 2028]
    schedules = parse_overrides(path.read_bytes())
    assert set(schedules) == {2027, 2028}
    assert "NOT an official notice" in json.loads(path.read_text())["years"]["2027"]["source"]
    assert date(2028, 1, 26) in schedules[2028].holidays
