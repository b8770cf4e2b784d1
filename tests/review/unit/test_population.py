"""The synthetic population: deterministic, valid ID numbers, facts in the contract's shape."""

from __future__ import annotations

import pytest

from services.review.mock_registries.population import (
    DIFFERENCES,
    declaration_for,
    generate_population,
    truth_facts,
)
from shared.validation import parse_resident_id
from tests.review.support import schema_errors


def test_the_same_seed_gives_the_same_people_and_a_longer_population_extends_a_shorter_one() -> None:
    a = generate_population(150, seed=42)
    b = generate_population(150, seed=42)
    assert a == b
    assert generate_population(60, seed=42) == a[:60]
    assert generate_population(150, seed=43) != a


def test_id_numbers_are_valid_gb11643_unique_and_encode_birth_date_and_sex() -> None:
    people = generate_population(2000, seed=1)
    assert len({p.id_number for p in people}) == len(people)
    for p in people:
        rid = parse_resident_id(p.id_number)
        assert rid.birth_date == p.birth_date
        assert rid.sex == p.sex


def test_truth_and_declarations_are_valid_points_facts() -> None:
    for p in generate_population(300, seed=5):
        for facts in (
            truth_facts(p),
            truth_facts(p, onsite=False),
            declaration_for(p, differences=list(DIFFERENCES)),
        ):
            assert schema_errors(facts) == []


def test_a_declaration_without_differences_is_the_truth() -> None:
    for p in generate_population(50, seed=9):
        assert declaration_for(p, application_id="A-1") == truth_facts(p, application_id="A-1")
        assert declaration_for(p, onsite=False) == truth_facts(p, onsite=False)


@pytest.mark.parametrize("difference", sorted(DIFFERENCES))
def test_every_deliberate_difference_changes_the_declaration_of_everyone(difference: str) -> None:
    for p in generate_population(40, seed=11):
        assert declaration_for(p, differences=[difference]) != truth_facts(p)


def test_without_onsite_facts_nothing_needs_an_onsite_review() -> None:
    for p in generate_population(200, seed=3):
        facts = truth_facts(p, onsite=False)
        assert not facts["education"] and not facts["innovation"] and not facts["honours"]
        assert all(h["kind"] != "spouse_owned" for h in facts["housing"])
        assert "female_job_category" not in facts["person"]


def test_unknown_differences_are_refused() -> None:
    with pytest.raises(ValueError):
        declaration_for(generate_population(1)[0], differences=["nonsense"])
