"""Policy versions: which rounds each covers, its parameters as data, and the 2018 differences."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from services.scoring.contract import FactsValidationError, parse_facts
from services.scoring.domain import (
    BJ_POINTS_2018,
    BJ_POINTS_2020,
    POLICY_VERSIONS,
    PointsFacts,
    PolicyVersionMismatch,
    UnknownPolicyRound,
    UnknownPolicyVersion,
    policy_by_code,
    policy_for_round,
    score,
)
from services.scoring.domain.params import _check_registry
from tests.scoring.unit.scoring_factories import award, degree, facts_doc, home, insurance, points, run


@pytest.mark.parametrize(
    ("year", "version"),
    [(2018, "bj-points-2018"), (2019, "bj-points-2018"), (2020, "bj-points-2020"), (2026, "bj-points-2020")],
)
def test_the_round_selects_the_policy_version(year: int, version: str) -> None:
    assert policy_for_round(year).code == version
    assert run(facts_doc(year)).policy_version == version


def test_a_round_before_every_version_is_a_domain_error() -> None:
    with pytest.raises(UnknownPolicyRound):
        policy_for_round(2017)
    facts = parse_facts(facts_doc(2018))
    with pytest.raises(UnknownPolicyRound):
        score(dataclasses.replace(facts, application_year=2017))
    with pytest.raises(UnknownPolicyVersion):
        policy_by_code("bj-points-1999")


def test_a_requested_version_must_cover_the_round() -> None:
    with pytest.raises(FactsValidationError) as caught:
        parse_facts(facts_doc(2022, policy_version="bj-points-2018"))
    assert caught.value.details[0]["field"] == "policy_version"
    assert caught.value.details[0]["code"] == "policy_version_mismatch"
    facts: PointsFacts = dataclasses.replace(parse_facts(facts_doc(2022)), policy_version="bj-points-2018")
    with pytest.raises(PolicyVersionMismatch):
        score(facts)
    assert run(facts_doc(2019, policy_version="bj-points-2018")).policy_version == "bj-points-2018"


def test_parameters_are_data_with_rounds_and_articles() -> None:
    for version in POLICY_VERSIONS:
        assert version.rounds.first >= 2018
        assert version.employment.article and version.housing.article and version.tax.article
    assert BJ_POINTS_2020.housing.lease_cutover.isoformat() == "2017-01-01"
    assert BJ_POINTS_2020.employment.points_per_year == Decimal(3)
    assert BJ_POINTS_2020.job_residence.count_from == 2018 * 12
    assert BJ_POINTS_2018.job_residence.count_from == 2017 * 12
    assert BJ_POINTS_2020.selection.mode == "quota" and BJ_POINTS_2018.selection.mode == "score_line"


def test_a_malformed_parameter_table_fails_at_start_up() -> None:
    broken = dataclasses.replace(
        BJ_POINTS_2020,
        age=dataclasses.replace(BJ_POINTS_2020.age, bands=((46, Decimal(16)), (45, Decimal(20)))),
    )
    with pytest.raises(ValueError, match="age bands"):
        _check_registry((BJ_POINTS_2018, broken))
    with pytest.raises(ValueError, match="consecutive rounds"):
        _check_registry((BJ_POINTS_2020, BJ_POINTS_2018))


def test_a_modified_policy_version_is_applied_as_given() -> None:
    generous = dataclasses.replace(
        BJ_POINTS_2020, employment=dataclasses.replace(BJ_POINTS_2020.employment, points_per_year=Decimal(6))
    )
    result = score(parse_facts(facts_doc(2022)), generous)
    assert result.indicator("employment").points == Decimal("72.00")
    assert "× 0.5 = 72.00" in result.indicator("employment").explanation


# --------------------------------------------------------------------------- bj-points-2018


@pytest.mark.parametrize(
    ("level", "diploma", "with_degree", "expected"),
    [
        ("junior_college", True, False, "10.50"),
        ("bachelor", True, True, "15.00"),
        ("master", True, True, "26.00"),
        ("doctor", True, True, "37.00"),
        ("bachelor", True, False, "10.50"),  # scores as junior college
        ("doctor", True, False, "10.50"),
        ("master", False, True, "0.00"),  # a degree without the diploma
    ],
)
def test_2018_education_needs_both_certificates_above_junior_college(
    level: str, diploma: bool, with_degree: bool, expected: str
) -> None:
    doc = facts_doc(2019, education=[degree(level, "2010-07-01", diploma=diploma, with_degree=with_degree)])
    assert points(doc)["education"] == expected


def test_2018_has_no_education_deduction() -> None:
    result = run(facts_doc(2019, education=[degree("master", "2016-07-01")]))
    assert result.indicator("education").points == Decimal("26.00")
    assert result.indicator("education_deduction").points == Decimal("0.00")


def test_2018_job_residence_counts_from_2017_with_four_and_two_a_year() -> None:
    # Round 2019: 2017-01 … 2018-12 at home in Tongzhou.
    live_and_work = facts_doc(
        2019,
        social_insurance=insurance("2007-01", "2018-12", district="110112"),
        housing=[home("owned", "2016-01", "2018-12", district="110112")],
    )
    assert points(live_and_work)["job_residence"] == "8.00"  # 2 years × 4
    live_only = facts_doc(2019, housing=[home("owned", "2016-01", "2018-12", district="110112")])
    assert points(live_only)["job_residence"] == "4.00"  # 2 years × 2


def test_2018_live_only_points_are_capped_at_6() -> None:
    # Under the 2018 parameters applied to a later round, 4 live-only years would be 8.
    doc = facts_doc(2021, housing=[home("owned", "2016-01", "2020-12", district="110112")])
    result = score(parse_facts(doc), dataclasses.replace(BJ_POINTS_2018, rounds=BJ_POINTS_2020.rounds))
    assert result.indicator("job_residence").points == Decimal("6.00")


def test_2018_tax_needs_an_average_of_100000_over_three_years() -> None:
    taxes = [
        {"year": 2016, "amount": "50000"},
        {"year": 2017, "amount": "100000"},
        {"year": 2018, "amount": "150000"},
    ]
    assert points(facts_doc(2019, income_tax=taxes))["tax"] == "2.00"
    taxes[2]["amount"] = "149999.99"
    assert points(facts_doc(2019, income_tax=taxes))["tax"] == "0.00"
    taxes[0]["amount"] = "0"
    taxes[2]["amount"] = "400000"
    assert points(facts_doc(2019, income_tax=taxes))["tax"] == "0.00"  # not paid in 2016


def test_2018_age_is_20_up_to_45_and_0_above() -> None:
    # Round 2019: A = 2018-01-01.
    assert points(facts_doc(2019, person={"birth_date": "1973-01-01", "sex": "male"}))["age"] == "20.00"
    assert points(facts_doc(2019, person={"birth_date": "1972-01-01", "sex": "male"}))["age"] == "0.00"


def test_2018_penalties_and_detentions_count_from_2017() -> None:
    doc = facts_doc(
        2019,
        tax_penalties=[{"date": "2016-12-31", "fine": "100"}, {"date": "2017-01-01", "fine": "100"}],
        detentions=[{"date": "2016-12-31"}, {"date": "2018-12-31"}, {"date": "2019-01-01"}],
    )
    result = points(doc)
    assert result["tax_violation"] == "-12.00"
    assert result["law_abiding"] == "-30.00"


def test_2018_innovation_lacks_equity_and_the_2020_contests() -> None:
    equity = {
        "type": "equity",
        "share_percent": "20",
        "company_certified": True,
        "financing_3y": "50000000",
        "held_full_year": True,
    }
    for item in (equity, award("china_chuangyi_1", 2018), award("national_skills_1", 2015)):
        result = run(facts_doc(2019, innovation=[item]))
        assert result.indicator("innovation").points == Decimal("0.00")
        assert "不在本版本积分表中" in result.indicator("innovation").explanation
    assert (
        points(facts_doc(2019, innovation=[award("china_innovation_contest_1", 2016, tax="35000")]))[
            "innovation"
        ]
        == "12.00"
    )


def test_2018_high_tech_tenure_scores_two_a_whole_year_up_to_three_years() -> None:
    def tenure(first: str, last: str) -> dict[str, str]:
        return {"type": "high_tech_tenure", "from": first, "to": last}

    assert points(facts_doc(2019, innovation=[tenure("2017-01", "2018-11")]))["innovation"] == "2.00"
    assert points(facts_doc(2019, innovation=[tenure("2012-01", "2019-06")]))["innovation"] == "6.00"


def test_2018_housing_and_employment_follow_the_same_rules() -> None:
    doc = facts_doc(
        2019, social_insurance=insurance("2010-01", "2018-12"), housing=[home("owned", "2012-01", "2013-12")]
    )
    result = points(doc)
    assert result["employment"] == "27.00"
    assert result["housing"] == "4.50"  # own 24 → 2.00; implied rent 84 − 24 = 60 → 2.50
