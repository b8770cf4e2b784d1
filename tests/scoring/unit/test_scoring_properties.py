"""Properties of the rules over generated applicants (hypothesis)."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scoring.contract import parse_facts, result_to_dict
from services.scoring.domain import score
from tests.scoring.unit.scoring_factories import ARRAY_FIELDS, facts_documents, insurance

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CAPS = {
    "education": Decimal("37.00"),
    "job_residence": Decimal("12.00"),
    "innovation": Decimal("12.00"),
    "tax": Decimal("6.00"),
    "age": Decimal("20.00"),
    "honours": Decimal("20.00"),
    "education_deduction": Decimal("0.00"),
    "tax_violation": Decimal("0.00"),
    "law_abiding": Decimal("0.00"),
}


@PROPERTY_SETTINGS
@given(facts_documents())
def test_total_is_the_sum_of_the_rounded_indicator_lines(doc: dict[str, Any]) -> None:
    document = result_to_dict(score(parse_facts(doc)))
    lines = [Decimal(line["points"]) for line in document["indicators"]]
    assert all(line == line.quantize(Decimal("0.01")) for line in lines)
    assert Decimal(document["total"]) == sum(lines, Decimal(0))


@PROPERTY_SETTINGS
@given(facts_documents())
def test_no_indicator_exceeds_its_cap(doc: dict[str, Any]) -> None:
    result = score(parse_facts(doc))
    by_code = result.points_by_code()
    for code, cap in CAPS.items():
        assert by_code[code] <= cap, (code, by_code[code])
    for code in (
        "employment",
        "housing",
        "education",
        "job_residence",
        "innovation",
        "tax",
        "age",
        "honours",
    ):
        assert by_code[code] >= 0, code
    # Residence months never exceed employment months, at most 1 point a year each.
    months = by_code["employment"] * 4
    assert by_code["housing"] <= months / 12 + Decimal("0.02")


@PROPERTY_SETTINGS
@given(facts_documents(), st.data())
def test_adding_a_normal_insurance_month_never_lowers_employment_points(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    before = score(parse_facts(doc)).points_by_code()["employment"]
    year = data.draw(st.integers(1995, doc["application_year"] + 1))
    month = f"{year}-{data.draw(st.integers(1, 12)):02d}"
    kinds = data.draw(
        st.lists(st.sampled_from(("pension", "medical", "unemployment", "injury", "maternity")), min_size=1)
    )
    more = copy.deepcopy(doc)
    more["social_insurance"] += insurance(month, month, district="110112", types=tuple(kinds))
    after = score(parse_facts(more)).points_by_code()["employment"]
    assert after >= before


@PROPERTY_SETTINGS
@given(facts_documents(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_records(doc: dict[str, Any], rnd: random.Random) -> None:
    shuffled = copy.deepcopy(doc)
    for name in ARRAY_FIELDS:
        rnd.shuffle(shuffled[name])
    assert result_to_dict(score(parse_facts(shuffled))) == result_to_dict(score(parse_facts(doc)))


@PROPERTY_SETTINGS
@given(facts_documents())
def test_duplicated_records_change_nothing_but_money_sums(doc: dict[str, Any]) -> None:
    # A month counts at most once per category: repeating insurance and housing records is harmless.
    doubled = copy.deepcopy(doc)
    doubled["social_insurance"] = doc["social_insurance"] * 2
    doubled["housing"] = doc["housing"] * 2
    assert score(parse_facts(doubled)).points == score(parse_facts(doc)).points


@PROPERTY_SETTINGS
@given(facts_documents())
def test_every_result_has_four_conditions_and_eleven_explained_lines(doc: dict[str, Any]) -> None:
    result = score(parse_facts(doc))
    assert result.qualified == all(c.passed for c in result.qualification)
    assert all(c.reason for c in result.qualification)
    assert all(line.explanation and line.explanation[0] == "第" for line in result.indicators)
