"""One rule at a time (bj-points-2020 unless said otherwise), with its boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.domain import completed_age, month_of
from services.scoring.domain.months import month_label, month_runs, month_span, months_list
from services.scoring.domain.points import round2, round2_fraction
from tests.scoring.unit.scoring_factories import (
    award,
    degree,
    facts_doc,
    home,
    insurance,
    passed,
    points,
    run,
)

# --------------------------------------------------------------------------- dates and age


def test_completed_age_increases_on_the_birthday_itself() -> None:
    assert completed_age(date(1980, 5, 20), date(2020, 5, 19)) == 39
    assert completed_age(date(1980, 5, 20), date(2020, 5, 20)) == 40


def test_29_february_birthday_falls_on_1_march_in_common_years() -> None:
    born = date(1976, 2, 29)
    assert completed_age(born, date(2021, 2, 28)) == 44
    assert completed_age(born, date(2021, 3, 1)) == 45


def test_29_february_birthday_is_29_february_in_leap_years() -> None:
    born = date(1976, 2, 29)
    assert completed_age(born, date(2020, 2, 28)) == 43
    assert completed_age(born, date(2020, 2, 29)) == 44


def test_age_points_are_taken_on_1_january_of_the_year_before_the_round() -> None:
    # Round 2022: A = 2021-01-01. Born 1975-01-01 is 46 that day; born 1975-01-02 still 45.
    assert points(facts_doc(person={"birth_date": "1975-01-01", "sex": "male"}))["age"] == "16.00"
    assert points(facts_doc(person={"birth_date": "1975-01-02", "sex": "male"}))["age"] == "20.00"


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (30, "20.00"),
        (45, "20.00"),
        (46, "16.00"),
        (47, "12.00"),
        (48, "8.00"),
        (49, "4.00"),
        (50, "0.00"),
        (58, "0.00"),
    ],
)
def test_age_table_of_2020(age: int, expected: str) -> None:
    born = f"{2021 - age}-01-01"  # exactly `age` on 2021-01-01
    assert points(facts_doc(person={"birth_date": born, "sex": "male"}))["age"] == expected


def test_29_february_birthday_in_a_full_score() -> None:
    # Round 2021: A = 2020-01-01, E = 2020-12-31; born 1976-02-29 is 43 on A and 44 on E.
    result = run(facts_doc(2021, person={"birth_date": "1976-02-29", "sex": "female"}))
    assert result.indicator("age").points == Decimal("20.00")
    assert "43 周岁" in result.indicator("age").explanation
    assert result.condition("retirement_age").passed  # 44 < 50


# --------------------------------------------------------------------------- qualification


def test_residence_permit_must_be_issued_by_31_december_of_the_previous_year() -> None:
    assert passed(facts_doc(residence_permit_issued_on="2021-12-31"))["residence_permit"]
    assert not passed(facts_doc(residence_permit_issued_on="2022-01-01"))["residence_permit"]
    result = run(facts_doc(residence_permit_issued_on=None))
    assert not result.condition("residence_permit").passed
    assert "第十四条（一）" in result.condition("residence_permit").reason


@pytest.mark.parametrize(
    ("person", "ok"),
    [
        ({"birth_date": "1962-01-01", "sex": "male"}, True),  # 59 on 2021-12-31... born 1962: 59
        ({"birth_date": "1961-12-31", "sex": "male"}, False),  # 60 on 2021-12-31 itself
        ({"birth_date": "1962-01-01", "sex": "female"}, False),  # worker by default: 50
        ({"birth_date": "1972-01-01", "sex": "female"}, True),  # 49
        ({"birth_date": "1971-12-31", "sex": "female", "female_job_category": "worker"}, False),  # 50
        ({"birth_date": "1967-01-01", "sex": "female", "female_job_category": "cadre"}, True),  # 54
        ({"birth_date": "1966-12-31", "sex": "female", "female_job_category": "cadre"}, False),  # 55
    ],
)
def test_retirement_age_is_60_for_men_50_for_women_workers_55_for_women_cadres(
    person: dict[str, str], ok: bool
) -> None:
    result = run(facts_doc(person=person))
    assert result.condition("retirement_age").passed is ok
    assert result.condition("retirement_age").reason.startswith("第十四条（二）")


def test_continuous_insurance_needs_every_one_of_84_months_of_every_type() -> None:
    doc = facts_doc(social_insurance=insurance("2010-01", "2018-05") + insurance("2018-07", "2021-12"))
    result = run(doc)
    assert not result.condition("continuous_insurance").passed
    assert "2018-06" in result.condition("continuous_insurance").reason
    # The window is 2015-01 … 2021-12: a gap before it does not matter.
    doc = facts_doc(social_insurance=insurance("2010-01", "2014-11") + insurance("2015-01", "2021-12"))
    assert passed(doc)["continuous_insurance"]


def test_one_missing_type_in_one_month_fails_continuous_insurance() -> None:
    si = insurance("2010-01", "2021-12", types=("pension", "medical", "unemployment", "injury"))
    si += insurance("2010-01", "2021-11", types=("maternity",))
    result = run(facts_doc(social_insurance=si))
    assert not result.condition("continuous_insurance").passed
    assert "生育保险 2021-12" in result.condition("continuous_insurance").reason


def test_back_paid_months_fill_the_window_but_at_most_five_per_type() -> None:
    def with_back_paid(last: str) -> list[dict[str, object]]:
        # Normal everywhere except 2019-01 … 2019-06, of which 2019-01 … `last` is back-paid
        # and the rest normal.
        si = insurance("2010-01", "2018-12") + insurance("2019-07", "2021-12")
        si += insurance("2019-01", last, back_paid=True)
        if last < "2019-06":
            si += insurance(f"2019-{int(last[-2:]) + 1:02d}", "2019-06")
        return si

    assert passed(facts_doc(social_insurance=with_back_paid("2019-05")))["continuous_insurance"]
    result = run(facts_doc(social_insurance=with_back_paid("2019-06")))
    assert not result.condition("continuous_insurance").passed
    assert "补缴 6 个月" in result.condition("continuous_insurance").reason


def test_a_month_with_a_normal_and_a_back_paid_contribution_is_not_back_paid() -> None:
    si = insurance("2010-01", "2021-12") + insurance("2015-01", "2021-12", back_paid=True)
    assert passed(facts_doc(social_insurance=si))["continuous_insurance"]


def test_criminal_record_disqualifies_but_every_line_is_still_scored() -> None:
    result = run(facts_doc(criminal_record=True))
    assert not result.qualified
    assert not result.condition("criminal_record").passed
    assert [c.code for c in result.qualification] == [
        "residence_permit",
        "retirement_age",
        "continuous_insurance",
        "criminal_record",
    ]
    assert len(result.indicators) == 11
    assert result.indicator("employment").points == Decimal("36.00")


# --------------------------------------------------------------------------- employment


def test_employment_is_a_quarter_point_per_normal_month_of_the_best_type() -> None:
    # Official 2022 case: 282 months from 1998-07 to 2021-12.
    result = run(facts_doc(social_insurance=insurance("1998-07", "2021-12")))
    assert result.indicator("employment").points == Decimal("70.50")
    assert "282 个月 × 0.25 = 70.50" in result.indicator("employment").explanation


def test_employment_counts_from_july_1998_to_december_of_the_previous_year() -> None:
    doc = facts_doc(social_insurance=insurance("1995-01", "2023-06"))
    assert points(doc)["employment"] == "70.50"


def test_employment_ignores_back_paid_months() -> None:
    si = insurance("2010-01", "2018-12") + insurance("2019-01", "2019-05", back_paid=True)
    si += insurance("2019-06", "2021-12")
    assert points(facts_doc(social_insurance=si))["employment"] == f"{(144 - 5) / 4:.2f}"


def test_employment_takes_the_insurance_type_with_the_most_months() -> None:
    si = insurance("2010-01", "2021-12", types=("pension",)) + insurance(
        "2000-01", "2021-12", types=("medical",)
    )
    si += insurance("2015-01", "2021-12", types=("unemployment", "injury", "maternity"))
    assert points(facts_doc(social_insurance=si))["employment"] == "66.00"  # 264 medical months


def test_employment_has_no_cap() -> None:
    assert points(facts_doc(2060, social_insurance=insurance("1998-07", "2059-12")))["employment"] == "184.50"


# --------------------------------------------------------------------------- housing


def _no_implied_rent(year: int = 2022) -> list[dict[str, object]]:
    """Insurance from 2017-01 only, so no month before the lease cut-over implies a rent."""
    return insurance("2017-01", f"{year - 1}-12")


def test_own_home_scores_one_point_a_year() -> None:
    doc = facts_doc(social_insurance=_no_implied_rent(), housing=[home("owned", "2017-01", "2021-12")])
    assert points(doc)["housing"] == "5.00"
    doc = facts_doc(social_insurance=_no_implied_rent(), housing=[home("spouse_owned", "2017-01", "2021-12")])
    assert points(doc)["housing"] == "5.00"


def test_dormitory_and_registered_rent_score_half_a_point_a_year() -> None:
    doc = facts_doc(
        social_insurance=_no_implied_rent(),
        housing=[
            home("unit_dormitory", "2017-01", "2018-12"),
            home("rented", "2019-01", "2021-12", lease_registered=True),
        ],
    )
    assert points(doc)["housing"] == "2.50"


def test_records_count_only_with_residential_use_and_a_certificate() -> None:
    for residential, certified in ((False, True), (True, False)):
        record = home("owned", "2017-01", "2021-12", residential=residential, certified=certified)
        assert points(facts_doc(social_insurance=_no_implied_rent(), housing=[record]))["housing"] == "0.00"


def test_from_the_lease_cutover_2017_01_01_a_rent_needs_a_registered_lease() -> None:
    unregistered = facts_doc(
        social_insurance=_no_implied_rent(),
        housing=[home("rented", "2017-01", "2021-12", lease_registered=False)],
    )
    assert points(unregistered)["housing"] == "0.00"
    absent = facts_doc(social_insurance=_no_implied_rent(), housing=[home("rented", "2017-01", "2021-12")])
    assert points(absent)["housing"] == "0.00"  # lease_registered defaults to false


def test_before_the_cutover_rent_years_are_insurance_months_without_own_home_or_dormitory() -> None:
    # Insurance 2010-01 … 2021-12; own home 2012-01 … 2013-12; nothing else.
    doc = facts_doc(housing=[home("owned", "2012-01", "2013-12")])
    # own 24 → 2.00; rented = 2010-01 … 2016-12 (84) minus 24 own = 60 → 2.50
    assert points(doc)["housing"] == "4.50"
    explanation = run(doc).indicator("housing").explanation
    assert "2017-01 前按同期就业计 60 个月" in explanation


def test_month_before_the_cutover_is_rented_but_from_the_cutover_needs_a_lease() -> None:
    # 2016-12 is implied by insurance; 2017-01 is not, without a registered lease.
    doc = facts_doc(social_insurance=insurance("2016-12", "2021-12"))
    assert points(doc)["housing"] == "0.04"  # 1 month × 0.5 ÷ 12


def test_rented_records_before_the_cutover_add_nothing_beyond_insurance_months() -> None:
    doc = facts_doc(
        social_insurance=_no_implied_rent(),
        housing=[home("rented", "2010-01", "2016-12", lease_registered=True)],
    )
    assert points(doc)["housing"] == "0.00"


def test_a_month_counts_once_as_its_best_kind() -> None:
    doc = facts_doc(
        social_insurance=_no_implied_rent(),
        housing=[
            home("rented", "2017-01", "2021-12", lease_registered=True),
            home("unit_dormitory", "2017-01", "2019-12"),
            home("owned", "2017-01", "2017-12"),
            home("spouse_owned", "2017-06", "2018-05"),
        ],
    )
    # own 2017-01 … 2018-05 = 17 → 1.42; dormitory 2018-06 … 2019-12 = 19 → 0.79; rent 24 → 1.00
    assert points(doc)["housing"] == "3.21"


def test_housing_months_are_capped_at_employment_months_keeping_own_home_first() -> None:
    # Synthetic example 04: own 86, dormitory 106, implied rent 19; employment 198 → rent 6.
    si = insurance("2008-06", "2015-08", district="110112") + insurance("2016-04", "2017-04")
    si += insurance("2017-11", "2025-12")
    doc = facts_doc(
        2026,
        social_insurance=si,
        housing=[home("unit_dormitory", "2010-01", "2018-10"), home("owned", "2018-11", "2026-03")],
    )
    result = run(doc)
    assert result.indicator("employment").points == Decimal("49.50")
    assert result.indicator("housing").points == Decimal("11.84")
    assert "超过合法稳定就业 198 个月" in result.indicator("housing").explanation


def test_housing_cap_can_drop_dormitory_months_entirely() -> None:
    doc = facts_doc(
        social_insurance=insurance("2019-01", "2021-12"),
        housing=[home("owned", "2015-01", "2021-12"), home("unit_dormitory", "2010-01", "2014-12")],
    )
    # employment 36 months; own 84 → capped to 36 → 3.00; dormitory 0.
    assert points(doc)["housing"] == "3.00"


def test_housing_rounds_each_kind_of_dwelling_on_its_own() -> None:
    doc = facts_doc(
        social_insurance=_no_implied_rent(),
        housing=[
            home("owned", "2020-01", "2020-01"),
            home("unit_dormitory", "2020-02", "2020-02"),
            home("rented", "2020-03", "2020-03", lease_registered=True),
        ],
    )
    # 1/12 → 0.08, 0.5/12 → 0.04, 0.5/12 → 0.04: 0.16 (rounding the sum once would give 0.17).
    assert points(doc)["housing"] == "0.16"


def test_residence_after_december_of_the_previous_year_does_not_count() -> None:
    doc = facts_doc(social_insurance=_no_implied_rent(), housing=[home("owned", "2021-07", "2025-12")])
    assert points(doc)["housing"] == "0.50"


# --------------------------------------------------------------------------- education


@pytest.mark.parametrize(
    ("level", "diploma", "with_degree", "expected"),
    [
        ("junior_college", True, False, "10.50"),
        ("junior_college", False, False, "0.00"),
        ("bachelor", True, False, "10.50"),
        ("bachelor", False, True, "10.50"),
        ("bachelor", True, True, "15.00"),
        ("master", True, False, "15.00"),
        ("master", False, True, "15.00"),
        ("master", True, True, "26.00"),
        ("doctor", True, False, "26.00"),
        ("doctor", False, True, "26.00"),
        ("doctor", True, True, "37.00"),
        ("doctor", False, False, "0.00"),
    ],
)
def test_education_table_of_2020(level: str, diploma: bool, with_degree: bool, expected: str) -> None:
    doc = facts_doc(education=[degree(level, "2000-07-01", diploma=diploma, with_degree=with_degree)])
    assert points(doc)["education"] == expected


def test_unrecognised_education_scores_nothing() -> None:
    doc = facts_doc(education=[degree("doctor", "2000-07-01", recognized=False)])
    assert points(doc)["education"] == "0.00"


def test_education_is_the_highest_single_record_not_the_sum() -> None:
    doc = facts_doc(education=[degree("bachelor", "1996-07-01"), degree("master", "1999-07-01")])
    assert points(doc)["education"] == "26.00"


def test_master_degree_deducts_three_years_of_insurance_points() -> None:
    doc = facts_doc(
        social_insurance=insurance("2010-01", "2021-12"), education=[degree("master", "2016-06-30")]
    )
    result = run(doc)
    # Window 2013-07 … 2016-06: 36 insurance months × 0.25 = 9.00, and 36 implied rented
    # months × 0.5 ÷ 12 = 1.50.
    assert result.indicator("education").points == Decimal("26.00")
    assert result.indicator("education_deduction").points == Decimal("-10.50")
    assert "2013-07 至 2016-06" in result.indicator("education_deduction").explanation


def test_bachelor_with_degree_deducts_four_years() -> None:
    doc = facts_doc(
        social_insurance=insurance("2017-01", "2021-12"),
        education=[degree("bachelor", "2020-12-15")],
        housing=[home("owned", "2017-01", "2021-12")],
    )
    # Window 2017-01 … 2020-12: 48 months × 0.25 = 12 and 48 × 0.5 ÷ 12 = 2 → -14.00 (data: −14.00 = 48 months)
    assert points(doc)["education_deduction"] == "-14.00"


def test_deduction_counts_residence_before_the_housing_cap() -> None:
    doc = facts_doc(
        social_insurance=insurance("2019-01", "2021-12"),
        education=[degree("junior_college", "2018-12-31")],
        housing=[home("owned", "2010-01", "2021-12")],
    )
    # Window 2016-01 … 2018-12: no employment, 36 own-home months × 0.5 ÷ 12 = 1.50.
    assert points(doc)["education_deduction"] == "-1.50"


def test_deduction_counts_only_months_counted_in_employment() -> None:
    si = insurance("2010-01", "2015-12") + insurance("2016-01", "2016-05", back_paid=True)
    si += insurance("2016-06", "2021-12")
    doc = facts_doc(social_insurance=si, education=[degree("junior_college", "2016-12-01")])
    # Window 2014-01 … 2016-12: 36 months, 5 back-paid → 31 × 0.25 = 7.75; residence: implied
    # rent needs a normal contribution too → 31 × 0.5 ÷ 12 = 1.2917 → total 9.04
    assert points(doc)["education_deduction"] == "-9.04"


def test_equal_points_records_use_the_one_with_the_smaller_deduction() -> None:
    # Synthetic example 03: two junior college diplomas, deductions 10.50 and 6.42.
    doc = facts_doc(
        social_insurance=insurance("2013-01", "2021-12"),
        education=[degree("junior_college", "2016-06-06"), degree("junior_college", "2014-02-22")],
    )
    first = run(doc)
    doc["education"].reverse()
    second = run(doc)
    assert first.indicator("education_deduction") == second.indicator("education_deduction")
    assert first.indicator("education").points == Decimal("10.50")
    # 2011-03 … 2014-02: 14 months × 0.25 + 14 × 0.5 ÷ 12 = 4.0833 → 4.08 (the 2016 record deducts 10.50)
    assert first.indicator("education_deduction").points == Decimal("-4.08")


def test_education_obtained_after_the_counting_end_does_not_count() -> None:
    doc = facts_doc(education=[degree("doctor", "2022-01-01")])
    assert points(doc)["education"] == "0.00"
    doc = facts_doc(education=[degree("doctor", "2021-12-31")])
    assert points(doc)["education"] == "37.00"


# --------------------------------------------------------------------------- job residence


def _outer_home(year: int = 2022, first: str = "2018-01") -> list[dict[str, object]]:
    return [home("owned", first, f"{year - 1}-12", district="110112")]


def test_living_and_working_outside_the_central_districts_scores_three_a_year() -> None:
    doc = facts_doc(
        social_insurance=insurance("2010-01", "2021-12", district="110113"), housing=_outer_home()
    )
    assert points(doc)["job_residence"] == "12.00"  # 4 years × 3
    doc = facts_doc(
        2021, social_insurance=insurance("2009-01", "2020-12", district="110113"), housing=_outer_home(2021)
    )
    assert points(doc)["job_residence"] == "9.00"


def test_living_outside_only_scores_two_a_year() -> None:
    doc = facts_doc(housing=_outer_home())
    assert points(doc)["job_residence"] == "8.00"


def test_job_residence_counts_whole_years_only() -> None:
    doc = facts_doc(housing=_outer_home(first="2020-02"))  # 23 months
    assert points(doc)["job_residence"] == "2.00"


def test_job_residence_mixes_whole_years_of_each_kind() -> None:
    # 2018-01 … 2021-12 at home in Tongzhou; worked in Shunyi 2018-01 … 2020-12 (36), Haidian after (12).
    si = insurance("2010-01", "2017-12") + insurance("2018-01", "2020-12", district="110113")
    si += insurance("2021-01", "2021-12")
    doc = facts_doc(social_insurance=si, housing=_outer_home())
    assert points(doc)["job_residence"] == "11.00"  # 3 × 3 + 1 × 2 (data: 11 = 3×3 + 2)


def test_job_residence_is_counted_from_2018_under_the_2020_rules() -> None:
    doc = facts_doc(
        2020, social_insurance=insurance("2008-01", "2019-12"), housing=_outer_home(2020, "2017-01")
    )
    assert points(doc)["job_residence"] == "4.00"  # 2018-01 … 2019-12 only


def test_job_residence_is_zero_unless_living_outside_in_december_of_the_previous_year() -> None:
    doc = facts_doc(housing=[home("owned", "2018-01", "2021-11", district="110112")])
    result = run(doc)
    assert result.indicator("job_residence").points == Decimal("0.00")
    assert "2021-12" in result.indicator("job_residence").explanation


def test_a_city_level_insurance_account_counts_as_working_in_the_centre() -> None:
    doc = facts_doc(social_insurance=insurance("2010-01", "2021-12", district="city"), housing=_outer_home())
    assert points(doc)["job_residence"] == "8.00"


def test_the_economic_development_area_is_outside_the_central_districts() -> None:
    doc = facts_doc(
        social_insurance=insurance("2010-01", "2021-12", district="BDA"),
        housing=[home("owned", "2018-01", "2021-12", district="BDA")],
    )
    assert points(doc)["job_residence"] == "12.00"


def test_one_insurance_record_outside_makes_a_working_month_outside() -> None:
    si = insurance("2010-01", "2021-12") + insurance(
        "2018-01", "2021-12", district="110115", types=("injury",)
    )
    assert points(facts_doc(social_insurance=si, housing=_outer_home()))["job_residence"] == "12.00"


def test_back_paid_insurance_districts_count_for_working_outside() -> None:
    si = insurance("2010-01", "2021-12") + insurance("2018-01", "2021-12", district="110115", back_paid=True)
    assert points(facts_doc(social_insurance=si, housing=_outer_home()))["job_residence"] == "12.00"


def test_job_residence_needs_an_owned_home_not_a_spouse_owned_or_rented_one() -> None:
    for kind in ("spouse_owned", "rented", "unit_dormitory"):
        housing = [home(kind, "2018-01", "2021-12", district="110112", lease_registered=True)]
        assert points(facts_doc(housing=housing))["job_residence"] == "0.00", kind


def test_job_residence_is_capped_at_12() -> None:
    doc = facts_doc(
        2030, social_insurance=insurance("2010-01", "2029-12", district="110113"), housing=_outer_home(2030)
    )
    assert points(doc)["job_residence"] == "12.00"


# --------------------------------------------------------------------------- innovation


@pytest.mark.parametrize(
    ("code", "rank", "expected"),
    [
        ("nat_natural_science_1", None, "12.00"),
        ("nat_natural_science_2", 3, "12.00"),
        ("nat_natural_science_2", 5, "10.00"),
        ("nat_natural_science_2", 6, "0.00"),
        ("nat_tech_invention_2", 6, "10.00"),
        ("nat_sci_tech_progress_special", 15, "12.00"),
        ("nat_sci_tech_progress_special", 16, "11.00"),
        ("nat_sci_tech_progress_special", 50, "10.00"),
        ("nat_sci_tech_progress_special", 51, "0.00"),
        ("nat_sci_tech_progress_1", 10, "11.00"),
        ("nat_sci_tech_progress_2", 7, "8.00"),
        ("bj_zgc_young_talent", None, "6.00"),
        ("bj_sci_tech_major_innovation", 20, "5.00"),
        ("bj_sci_tech_special", 12, "6.00"),
        ("bj_sci_tech_1", 7, "5.00"),
        ("bj_sci_tech_2", 7, "5.00"),
        ("bj_sci_tech_3", 4, "4.00"),
        ("bj_sci_tech_3", None, "0.00"),
        ("five_ones_project", None, "12.00"),
        ("changjiang_taofen", None, "12.00"),
        ("china_journalism_3", None, "6.00"),
        ("bj_social_science_2", None, "4.00"),
        ("bj_journalism_3", None, "2.00"),
        ("worldskills_medal", None, "12.00"),
        ("national_skills_4_5", None, "6.00"),
        ("bj_skills_2_3", None, "4.00"),
        ("bj_cultural_creative_3", None, "3.00"),
        ("bj_cultural_creative_single", None, "2.00"),
    ],
)
def test_innovation_table_of_2020(code: str, rank: int | None, expected: str) -> None:
    assert points(facts_doc(innovation=[award(code, 2016, rank)]))["innovation"] == expected


def test_innovation_takes_the_single_highest_item_not_the_sum() -> None:
    doc = facts_doc(innovation=[award("china_journalism_2", 2018), award("bj_journalism_1", 2019)])
    assert points(doc)["innovation"] == "9.00"


def test_an_unknown_award_code_scores_zero_with_a_reason() -> None:
    result = run(facts_doc(innovation=[award("unknown_award", 2015)]))
    assert result.indicator("innovation").points == Decimal("0.00")
    assert "unknown_award" in result.indicator("innovation").explanation


def test_an_award_before_its_from_year_scores_zero() -> None:
    tax = "35000"
    assert (
        points(facts_doc(innovation=[award("china_innovation_contest_1", 2011, tax=tax)]))["innovation"]
        == "0.00"
    )
    assert (
        points(facts_doc(innovation=[award("china_innovation_contest_1", 2012, tax=tax)]))["innovation"]
        == "12.00"
    )
    assert (
        points(facts_doc(innovation=[award("bj_innovation_contest_2", 2014, tax=tax)]))["innovation"]
        == "0.00"
    )
    assert points(facts_doc(innovation=[award("national_skills_1", 2010)]))["innovation"] == "0.00"
    assert points(facts_doc(innovation=[award("china_chuangyi_2", 2019)]))["innovation"] == "0.00"
    assert points(facts_doc(innovation=[award("chuangye_beijing_1", 2020)]))["innovation"] == "6.00"


def test_a_contest_needs_prior_year_income_tax_of_35000() -> None:
    for tax, expected in ((None, "0.00"), ("34999.99", "0.00"), ("35000", "9.00"), ("35000.00", "9.00")):
        doc = facts_doc(innovation=[award("china_innovation_contest_2", 2016, tax=tax)])
        assert points(doc)["innovation"] == expected, tax


def test_an_award_after_the_counting_end_scores_zero() -> None:
    assert points(facts_doc(innovation=[award("five_ones_project", 2022)]))["innovation"] == "0.00"


@pytest.mark.parametrize(
    ("share", "certified", "financing", "full_year", "expected"),
    [
        ("10", True, "40000000", True, "6.00"),
        ("10", True, "39999999.99", True, "4.00"),
        ("10", True, "20000000", True, "4.00"),
        ("10", True, "5000000", True, "2.00"),
        ("10", True, "4999999.99", True, "0.00"),
        ("9.9999", True, "40000000", True, "0.00"),
        ("10", False, "40000000", True, "0.00"),
        ("10", True, "40000000", False, "0.00"),
    ],
)
def test_equity_in_a_certified_tech_company(
    share: str, certified: bool, financing: str, full_year: bool, expected: str
) -> None:
    item = {
        "type": "equity",
        "share_percent": share,
        "company_certified": certified,
        "financing_3y": financing,
        "held_full_year": full_year,
    }
    assert points(facts_doc(innovation=[item]))["innovation"] == expected


def test_high_tech_tenure_scores_zero_under_the_2020_rules_with_a_reason() -> None:
    result = run(facts_doc(innovation=[{"type": "high_tech_tenure", "from": "2015-01", "to": "2021-12"}]))
    assert result.indicator("innovation").points == Decimal("0.00")
    assert "high_tech_tenure" in result.indicator("innovation").explanation


# --------------------------------------------------------------------------- tax


def _taxes(*amounts: tuple[int, str]) -> list[dict[str, object]]:
    return [{"year": y, "amount": a} for y, a in amounts]


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        (("1200.50", "1200.50", "1200.50"), "0.00"),
        (("100000", "1200.50", "1200.50"), "2.00"),
        (("100000", "99999.99", "100000.00"), "4.00"),
        (("100000", "250000", "100000.00"), "6.00"),
        (("0", "250000", "250000"), "0.00"),
    ],
)
def test_tax_two_points_for_each_of_three_years_of_at_least_100000(
    amounts: tuple[str, ...], expected: str
) -> None:
    doc = facts_doc(income_tax=_taxes(*zip((2019, 2020, 2021), amounts, strict=True)))
    assert points(doc)["tax"] == expected


def test_tax_needs_income_tax_paid_in_each_of_the_three_years() -> None:
    doc = facts_doc(income_tax=_taxes((2018, "250000"), (2019, "250000"), (2021, "250000")))
    result = run(doc)
    assert result.indicator("tax").points == Decimal("0.00")
    assert "2020" in result.indicator("tax").explanation


def test_tax_records_of_the_same_year_add_up() -> None:
    doc = facts_doc(income_tax=_taxes((2019, "60000"), (2019, "40000"), (2020, "1"), (2021, "1")))
    assert points(doc)["tax"] == "2.00"


# --------------------------------------------------------------------------- penalties, honours


def test_each_tax_penalty_of_at_least_50_yuan_in_five_years_deducts_12() -> None:
    penalties = [
        {"date": "2016-12-31", "fine": "1000"},  # before 2017-01-01
        {"date": "2017-01-01", "fine": "50"},
        {"date": "2021-12-31", "fine": "50.00"},
        {"date": "2020-06-01", "fine": "49.99"},  # below 50
        {"date": "2022-01-01", "fine": "1000"},  # after the counting end
    ]
    result = run(facts_doc(tax_penalties=penalties))
    assert result.indicator("tax_violation").points == Decimal("-24.00")
    assert "2017-01-01、2021-12-31" in result.indicator("tax_violation").explanation


def test_each_detention_in_five_years_deducts_30() -> None:
    detentions = [
        {"date": "2016-12-31"},
        {"date": "2017-01-01"},
        {"date": "2019-05-05"},
        {"date": "2022-01-02"},
    ]
    assert points(facts_doc(detentions=detentions))["law_abiding"] == "-60.00"


def test_honours_give_20_points_once_whatever_their_number() -> None:
    honours = [
        {"title": "national_model_worker", "awarded_on": "2000-01-01"},
        {"title": "capital_moral_model"},
    ]
    assert points(facts_doc(honours=honours))["honours"] == "20.00"


def test_an_honour_awarded_after_the_counting_end_does_not_count() -> None:
    assert (
        points(facts_doc(honours=[{"title": "bj_model_worker", "awarded_on": "2022-01-01"}]))["honours"]
        == "0.00"
    )
    assert points(facts_doc(honours=[{"title": "bj_model_worker", "awarded_on": None}]))["honours"] == "20.00"


# --------------------------------------------------------------------------- total and explanations


def test_total_is_the_sum_of_the_rounded_lines() -> None:
    result = run(
        facts_doc(housing=[home("owned", "2012-01", "2013-12")], education=[degree("master", "2012-03-01")])
    )
    assert result.total == sum(result.points, Decimal("0.00"))


def test_every_line_and_condition_cites_its_article() -> None:
    result = run(facts_doc())
    for condition in result.qualification:
        assert condition.reason.startswith("第十四条"), condition
    for line in result.indicators:
        assert line.explanation.startswith("第十五条"), line


# --------------------------------------------------------------------------- month arithmetic


def test_month_sets_count_each_month_once_and_report_runs() -> None:
    a, b = month_of(2020, 1), month_of(2020, 12)
    months = month_span(a, b) | month_span(month_of(2020, 6), month_of(2021, 2))
    assert months.bit_count() == 14
    assert month_runs(months) == [(a, month_of(2021, 2))]
    assert [month_label(m) for m in months_list(month_span(month_of(2019, 12), month_of(2020, 1)))] == [
        "2019-12",
        "2020-01",
    ]
    assert month_span(b, a) == 0


def test_round_half_up_on_exact_ties() -> None:
    assert str(round2_fraction(1, 8)) == "0.13"  # 0.125
    assert str(round2_fraction(-1, 8)) == "-0.13"
    assert str(round2_fraction(1, 3)) == "0.33"
    assert str(round2_fraction(0, 7)) == "0.00"


@settings(max_examples=500, deadline=None)
@given(st.integers(-(10**6), 10**6), st.sampled_from([1, 2, 3, 4, 8, 12, 24, 100, 7, 1200]))
def test_exact_rounding_equals_half_up_rounding_of_the_exact_quotient(
    numerator: int, denominator: int
) -> None:
    exact = Fraction(numerator, denominator)
    # Half-up (away from zero) of the exact value, computed independently with Fraction.
    scaled = abs(exact) * 100
    cents = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    expected = Decimal(-cents if exact < 0 else cents).scaleb(-2)
    assert round2_fraction(numerator, denominator) == expected
    assert str(round2_fraction(numerator, denominator)) == f"{expected:.2f}".replace("-0.00", "0.00")
    if 10**6 % denominator == 0:  # a finite decimal: agrees with Decimal.quantize(ROUND_HALF_UP)
        assert round2_fraction(numerator, denominator) == round2(Decimal(numerator) / Decimal(denominator))
