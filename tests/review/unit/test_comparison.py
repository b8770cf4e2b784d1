"""Comparison rules: declared facts against the departments' data, item by item."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.review.domain.compare import verify
from services.review.domain.model import ITEMS, Identity, OnsiteDecision, Override
from tests.review.support import schema_errors

IDENTITY = Identity("1985-03-12", "male")
INSURED = [
    {"insurance": t, "from": "2015-01", "to": "2023-12", "back_paid": False, "district": "110112"}
    for t in ("pension", "medical", "unemployment", "injury", "maternity")
]
HOME = {
    "kind": "owned",
    "from": "2019-05",
    "to": "2023-12",
    "district": "110112",
    "residential": True,
    "certified": True,
}
LEASE = {
    "kind": "rented",
    "from": "2017-01",
    "to": "2019-04",
    "district": "110105",
    "residential": True,
    "certified": True,
    "lease_registered": True,
}


def declared(**changes: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "application_year": 2024,
        "person": {"birth_date": "1985-03-12", "sex": "male"},
        "residence_permit_issued_on": "2016-04-01",
        "criminal_record": False,
        "social_insurance": copy.deepcopy(INSURED),
        "housing": [dict(LEASE), dict(HOME)],
        "education": [],
        "innovation": [],
        "income_tax": [{"year": 2022, "amount": "120000.00"}, {"year": 2023, "amount": "8000"}],
        "tax_penalties": [],
        "honours": [],
        "detentions": [],
    }
    facts.update(changes)
    return facts


def registries(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "social_insurance": {"found": True, "social_insurance": copy.deepcopy(INSURED)},
        "tax": {
            "found": True,
            "income_tax": [{"year": 2022, "amount": "120000"}, {"year": 2023, "amount": "8000.00"}],
            "tax_penalties": [],
        },
        "police": {
            "found": True,
            "identity": {"name": "张伟", "birth_date": "1985-03-12", "sex": "male"},
            "residence_permit_issued_on": "2016-04-01",
            "criminal_record": False,
            "detentions": [],
        },
        "housing": {"found": True, "housing": [dict(LEASE), dict(HOME)], "spouse_owned": []},
    }
    for dept, value in changes.items():
        data[dept] = value if value is None else {**data[dept], **value}
    return data


def statuses(outcome: Any) -> dict[str, str]:
    return {k: v.status for k, v in outcome.items.items()}


def test_a_declaration_matching_every_registry_is_confirmed_item_by_item() -> None:
    out = verify(declared=declared(), departments=registries(), identity=IDENTITY, application_id="A-1")
    assert set(out.items) == set(ITEMS)
    assert set(statuses(out).values()) == {"confirmed"}
    assert out.facts is not None and out.onsite == [] and out.waiting == []
    assert schema_errors(out.facts) == []
    assert out.facts["application_id"] == "A-1"
    assert out.facts["income_tax"] == [
        {"year": 2022, "amount": "120000.00"},
        {"year": 2023, "amount": "8000.00"},
    ]


def test_the_same_months_split_differently_are_the_same_declaration() -> None:
    split = []
    for r in INSURED:
        split += [{**r, "to": "2018-06"}, {**r, "from": "2018-07"}]
    tax = [
        {"year": 2022, "amount": "100000"},
        {"year": 2022, "amount": "20000"},
        {"year": 2023, "amount": "8000"},
    ]
    out = verify(
        declared=declared(social_insurance=split[::-1], income_tax=tax),
        departments=registries(),
        identity=IDENTITY,
    )
    assert statuses(out)["employment"] == "confirmed"
    assert statuses(out)["tax"] == "confirmed"


def test_registry_data_replaces_a_differing_declaration() -> None:
    more = [*INSURED, *({**r, "from": "2013-01", "to": "2014-12"} for r in INSURED)]
    out = verify(
        declared=declared(
            social_insurance=more,
            person={"birth_date": "1986-03-12", "sex": "male"},
            income_tax=[{"year": 2023, "amount": "900000"}],
        ),
        departments=registries(),
        identity=IDENTITY,
    )
    s = statuses(out)
    assert s["employment"] == "corrected" and s["age"] == "corrected" and s["tax"] == "corrected"
    assert s["job_residence"] == "corrected" and s["education_deduction"] == "corrected"
    assert s["housing"] == "confirmed" and s["law_abiding"] == "confirmed"
    assert out.facts is not None
    assert out.facts["person"]["birth_date"] == "1985-03-12"
    assert [r["from"] for r in out.facts["social_insurance"]] == ["2015-01"] * 5
    assert "declared 132 insured months, registry 108" in (out.items["employment"].note or "")


def test_what_the_registry_has_no_record_of_is_not_found_and_dropped() -> None:
    out = verify(
        declared=declared(),
        departments=registries(
            tax={"found": False, "income_tax": [], "tax_penalties": []},
            police={"residence_permit_issued_on": None},
        ),
        identity=IDENTITY,
    )
    s = statuses(out)
    assert s["tax"] == "not_found" and s["residence_permit"] == "not_found"
    assert s["tax_violation"] == "confirmed"  # nothing declared, nothing on record
    assert out.facts is not None
    assert out.facts["income_tax"] == [] and out.facts["residence_permit_issued_on"] is None


def test_records_against_the_applicant_are_added_even_if_not_declared() -> None:
    out = verify(
        declared=declared(),
        departments=registries(
            tax={"tax_penalties": [{"date": "2021-05-03", "fine": "200"}]},
            police={"detentions": [{"date": "2020-03-01"}], "criminal_record": True},
        ),
        identity=IDENTITY,
    )
    s = statuses(out)
    assert (
        s["tax_violation"] == "corrected"
        and s["law_abiding"] == "corrected"
        and s["criminal_record"] == "corrected"
    )
    assert out.facts is not None
    assert out.facts["tax_penalties"] == [{"date": "2021-05-03", "fine": "200.00"}]
    assert out.facts["detentions"] == [{"date": "2020-03-01"}] and out.facts["criminal_record"] is True


def test_a_person_unknown_to_the_police_gets_birth_date_and_sex_from_the_id_number() -> None:
    police = {
        "found": False,
        "identity": None,
        "residence_permit_issued_on": None,
        "criminal_record": False,
        "detentions": [],
    }
    out = verify(
        declared=declared(),
        departments={**registries(), "police": police},
        identity=Identity("1985-03-12", "male"),
    )
    assert statuses(out)["age"] == "not_found"
    assert out.facts is not None and out.facts["person"] == {"birth_date": "1985-03-12", "sex": "male"}


@pytest.mark.parametrize("department", ["social_insurance", "tax", "police", "housing"])
def test_a_department_that_has_not_answered_leaves_its_items_pending(department: str) -> None:
    out = verify(declared=declared(), departments=registries(**{department: None}), identity=IDENTITY)
    assert out.waiting == [department]
    assert out.facts is None
    pending = {k for k, v in statuses(out).items() if v == "pending_department"}
    expected = {
        "social_insurance": {"employment", "job_residence", "education_deduction"},
        "tax": {"tax", "tax_violation"},
        "police": {"age", "residence_permit", "criminal_record", "law_abiding"},
        "housing": {"housing", "job_residence", "education_deduction"},
    }[department]
    assert pending == expected


EDUCATION = [
    {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2007-07-01", "recognized": True}
]


def test_education_needs_an_onsite_review_and_the_decision_settles_it() -> None:
    d = declared(education=EDUCATION)
    out = verify(declared=d, departments=registries(), identity=IDENTITY)
    assert statuses(out)["education"] == "needs_onsite_review"
    assert statuses(out)["education_deduction"] == "needs_onsite_review"
    assert [n.topic for n in out.onsite] == ["education"] and out.onsite[0].declared == EDUCATION
    assert out.facts is None

    ok = verify(
        declared=d,
        departments=registries(),
        identity=IDENTITY,
        decisions={"education": OnsiteDecision("education", "confirmed", reviewer="王审核")},
    )
    assert statuses(ok)["education"] == "confirmed" and ok.facts is not None
    assert ok.facts["education"] == EDUCATION and "王审核" in (ok.items["education"].note or "")

    no = verify(
        declared=d,
        departments=registries(),
        identity=IDENTITY,
        decisions={"education": OnsiteDecision("education", "rejected")},
    )
    assert statuses(no)["education"] == "not_found" and no.facts is not None and no.facts["education"] == []

    fixed = [{**EDUCATION[0], "degree": False}]
    co = verify(
        declared=d,
        departments=registries(),
        identity=IDENTITY,
        decisions={"education": OnsiteDecision("education", "corrected", fixed)},
    )
    assert (
        statuses(co)["education"] == "corrected" and co.facts is not None and co.facts["education"] == fixed
    )


def test_a_spouse_owned_home_needs_the_spouse_relationship_proven_on_site() -> None:
    spouse_home = {**HOME, "kind": "spouse_owned"}
    d = declared(housing=[dict(LEASE), spouse_home])
    reg = registries(housing={"housing": [dict(LEASE)], "spouse_owned": [spouse_home]})
    out = verify(declared=d, departments=reg, identity=IDENTITY)
    assert statuses(out)["housing"] == "needs_onsite_review"
    assert out.onsite[0].topic == "spouse_relationship" and out.onsite[0].registry_hint == [spouse_home]
    done = verify(
        declared=d,
        departments=reg,
        identity=IDENTITY,
        decisions={"spouse_relationship": OnsiteDecision("spouse_relationship", "confirmed")},
    )
    assert statuses(done)["housing"] == "confirmed"
    assert done.facts is not None and spouse_home in done.facts["housing"]


def test_a_female_cadre_needs_the_employer_certificate_and_a_rejection_makes_her_a_worker() -> None:
    woman = Identity("1985-03-12", "female")
    d = declared(person={"birth_date": "1985-03-12", "sex": "female", "female_job_category": "cadre"})
    reg = registries(police={"identity": {"name": "李娜", "birth_date": "1985-03-12", "sex": "female"}})
    out = verify(declared=d, departments=reg, identity=woman)
    assert [n.topic for n in out.onsite] == ["female_job_category"]
    no = verify(
        declared=d,
        departments=reg,
        identity=woman,
        decisions={"female_job_category": OnsiteDecision("female_job_category", "rejected")},
    )
    assert no.facts is not None and no.facts["person"]["female_job_category"] == "worker"
    assert statuses(no)["female_job_category"] == "not_found"
    worker = verify(
        declared=declared(person={"birth_date": "1985-03-12", "sex": "female"}),
        departments=reg,
        identity=woman,
    )
    assert (
        worker.onsite == []
        and worker.facts is not None
        and "female_job_category" not in worker.facts["person"]
    )


def test_a_changed_recheck_replaces_only_the_own_home_records() -> None:
    new_home = {**HOME, "from": "2018-01"}
    out = verify(
        declared=declared(),
        departments=registries(),
        identity=IDENTITY,
        overrides={"housing": Override("housing", [new_home], "复查 recheck #1 changed the result")},
    )
    assert statuses(out)["housing"] == "corrected" and statuses(out)["job_residence"] == "corrected"
    assert out.facts is not None
    assert [h["kind"] for h in out.facts["housing"]] == ["owned", "rented"]
    assert out.facts["housing"][0]["from"] == "2018-01"
    assert out.items["housing"].note == "复查 recheck #1 changed the result"


def test_verified_facts_carry_the_round_year_and_a_known_policy_version() -> None:
    out = verify(
        declared=declared(),
        departments=registries(),
        identity=IDENTITY,
        application_year=2025,
        policy_version="bj-points-2020",
    )
    assert out.facts is not None
    assert out.facts["application_year"] == 2025 and out.facts["policy_version"] == "bj-points-2020"
    odd = verify(declared=declared(), departments=registries(), identity=IDENTITY, policy_version="draft-x")
    assert odd.facts is not None and "policy_version" not in odd.facts
