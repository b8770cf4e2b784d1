"""The synthetic population: deterministic, valid ID numbers, facts in the contract's shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.population import (
    DIFFERENCES,
    declaration_for,
    generate_person,
    generate_population,
    identity_of,
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


def test_the_first_k_people_of_a_population_of_n_are_the_population_of_k() -> None:
    # The demo relies on it: APPLICANTS=k declares the first k people the registries know.
    big = generate_population(3000, seed=2024)
    for k in (0, 1, 2, 17, 499, 1234, 3000):
        small = generate_population(k, seed=2024)
        assert len(small) == k
        assert small.id_numbers == big.id_numbers[:k]
        assert list(small) == big[:k]
    assert generate_population(3000, seed=2024) == big  # deterministic
    assert len(set(big.id_numbers)) == len(big)


def test_a_population_derives_each_person_from_their_index_and_finds_them_by_id_number() -> None:
    people = generate_population(400, seed=12)
    for i in (0, 1, 199, 399):
        p = people[i]
        assert p.index == i
        assert p == generate_person(i, seed=12)  # no collision re-draw among these
        assert people.find(p.id_number) == p
        assert identity_of(i, seed=12).id_number == p.id_number
    assert people[-1] == people[399] and people[10:13] == [people[10], people[11], people[12]]
    assert people.find(generate_population(1, seed=13)[0].id_number) is None
    with pytest.raises(IndexError):
        people[400]


def test_an_id_collision_is_re_drawn_with_a_salt_in_index_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.review.mock_registries import population as pop

    real = pop.identity_of

    def colliding(index: int, **kw: Any) -> pop.Identity:
        # Person 5 is first drawn with person 2's identity: the generator must draw it again.
        if index == 5 and not kw.get("salt"):
            return real(2, **kw)
        return real(index, **kw)

    monkeypatch.setattr(pop, "identity_of", colliding)
    people = pop.Population(8, seed=77)
    assert len(set(people.id_numbers)) == 8
    assert people[5] == pop.generate_person(5, seed=77, salt=1)
    assert people.id_numbers[:5] == pop.Population(5, seed=77).id_numbers


async def test_a_registry_over_a_population_answers_as_over_the_list_of_its_people() -> None:
    people = generate_population(120, seed=31)
    apps = {
        "lazy": create_registry_app("housing", people),
        "list": create_registry_app("housing", list(people)),
    }
    answers: dict[str, list[Any]] = {"lazy": [], "list": []}
    for kind, app in apps.items():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
            for p in people[::7]:
                r = await c.post("/api/v1/housing/query", json={"id_number": p.id_number, "request_id": "x"})
                assert r.status_code == 200
                answers[kind].append(r.json())
    assert answers["lazy"] == answers["list"]
