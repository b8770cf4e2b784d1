"""The PointsFacts validator and the PointsResult document, against the fixed JSON schemas."""

from __future__ import annotations

import copy
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scoring.contract import (
    FactsValidationError,
    decode_facts,
    parse_facts,
    result_to_dict,
    result_to_json,
    score_document,
)
from services.scoring.domain import score
from tests.scoring.unit.scoring_factories import ARRAY_FIELDS, facts_doc, facts_documents, home, insurance

SEMANTIC_CODES = {"month_range", "policy_version_mismatch"}
"""Checks beyond the JSON schema: a month range ending before it starts, a version not covering the round."""


def _details(doc: Any) -> list[dict[str, str]]:
    with pytest.raises(FactsValidationError) as caught:
        parse_facts(doc)
    return caught.value.details


def _fields(doc: Any) -> dict[str, str]:
    return {d["field"]: d["code"] for d in _details(doc)}


def _ecma_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with ECMA-262 ``$`` (end of input) in its patterns, as JSON Schema means them.

    Python's ``re.search`` lets ``$`` match before a final newline, so jsonschema would
    accept ``"2020-01\\n"`` as a month; the contract does not.
    """
    patched = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str) and value.endswith("$"):
                    node[key] = value[:-1] + r"\Z"
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(patched)
    return patched


@pytest.fixture(scope="module")
def schema_validator(facts_schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        _ecma_schema(facts_schema), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


# --------------------------------------------------------------------------- valid input


def test_every_example_is_valid(points_examples: dict[str, Any], schema_validator: Any) -> None:
    for example in points_examples.values():
        schema_validator.validate(example["facts"])
        facts = parse_facts(example["facts"])
        assert facts.application_year == example["facts"]["application_year"]


def test_optional_fields_may_be_absent_or_null() -> None:
    doc = facts_doc(
        residence_permit_issued_on=None,
        innovation=[{"type": "award", "code": "five_ones_project", "year": 2015}],
        honours=[{"title": "bj_model_worker"}, {"title": "bj_model_worker", "awarded_on": None}],
        housing=[home("rented", "2018-01", "2018-12")],
    )
    del doc["application_id"]
    facts = parse_facts(doc)
    assert facts.application_id is None and facts.residence_permit_issued_on is None
    assert facts.housing[0].lease_registered is False
    assert result_to_dict(score(facts))["application_id"] is None


def test_an_integral_number_is_an_integer() -> None:
    assert parse_facts(facts_doc(application_year=2022.0)).application_year == 2022


def test_leap_day_is_a_date_in_leap_years_only() -> None:
    parse_facts(facts_doc(person={"birth_date": "1976-02-29", "sex": "female"}))
    assert _fields(facts_doc(person={"birth_date": "1977-02-29", "sex": "female"})) == {
        "person.birth_date": "format"
    }


# --------------------------------------------------------------------------- invalid input


def test_missing_required_fields_are_each_named() -> None:
    doc = facts_doc()
    for key in ("person", "criminal_record", "detentions"):
        del doc[key]
    del doc["social_insurance"][2]["district"]
    assert _fields(doc) == {
        "person": "required",
        "criminal_record": "required",
        "detentions": "required",
        "social_insurance[2].district": "required",
    }


def test_unknown_properties_are_rejected_at_every_level() -> None:
    doc = facts_doc(extra=1, person={"birth_date": "1985-06-15", "sex": "male", "name": "x"})
    doc["social_insurance"][0]["note"] = "x"
    doc["education"] = [{**facts_doc()["social_insurance"][0]}]
    fields = _fields(doc)
    assert fields["extra"] == "additional_property"
    assert fields["person.name"] == "additional_property"
    assert fields["social_insurance[0].note"] == "additional_property"
    assert fields["education[0].insurance"] == "additional_property"
    assert fields["education[0].level"] == "required"


@pytest.mark.parametrize("value", [0, 1, "true", None, 1.0])
def test_booleans_must_be_json_booleans(value: Any) -> None:
    doc = facts_doc(criminal_record=value)
    doc["social_insurance"][1]["back_paid"] = value
    assert _fields(doc) == {"criminal_record": "type", "social_insurance[1].back_paid": "type"}


@pytest.mark.parametrize("value", [True, False, "2022", 2022.5, None])
def test_integers_must_be_numbers_without_a_fraction_never_booleans(value: Any) -> None:
    doc = facts_doc(income_tax=[{"year": value, "amount": "1"}])
    doc["application_year"] = value
    assert _fields(doc) == {"application_year": "type", "income_tax[0].year": "type"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2020-13", "pattern"),
        ("2020-00", "pattern"),
        ("1899-12", "pattern"),
        ("2200-01", "pattern"),
        ("2020-1", "pattern"),
        ("2020-01\n", "pattern"),
        (" 2020-01", "pattern"),
        ("2020-01-01", "pattern"),
        (202001, "type"),
    ],
)
def test_months_are_yyyy_mm_between_1900_and_2199(value: Any, code: str) -> None:
    doc = facts_doc()
    doc["social_insurance"][0]["from"] = value
    assert _fields(doc) == {"social_insurance[0].from": code}


def test_a_month_range_ending_before_it_starts_names_its_to_field() -> None:
    doc = facts_doc(
        housing=[home("owned", "2020-01", "2019-12")],
        innovation=[{"type": "high_tech_tenure", "from": "2019-02", "to": "2019-01"}],
    )
    doc["social_insurance"].append(insurance("2021-12", "2021-11")[0])
    assert _fields(doc) == {
        "social_insurance[5].to": "month_range",
        "housing[0].to": "month_range",
        "innovation[0].to": "month_range",
    }
    parse_facts(facts_doc(housing=[home("owned", "2020-01", "2020-01")]))  # one month is fine


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2021-02-29", "format"),
        ("2021-04-31", "format"),
        ("2021-4-30", "format"),
        ("0000-01-01", "format"),
        ("2021-01-01T00:00:00", "format"),
        ("20210101", "format"),
        ("2021-01-01\n", "format"),
        (20210101, "type"),
    ],
)
def test_dates_must_be_real_calendar_dates(value: Any, code: str) -> None:
    doc = facts_doc(detentions=[{"date": value}], residence_permit_issued_on=value)
    assert _fields(doc) == {"detentions[0].date": code, "residence_permit_issued_on": code}


def test_arrays_have_maximum_sizes() -> None:
    doc = facts_doc(education=[], honours=[{"title": "bj_model_worker"}] * 21)
    doc["social_insurance"] = insurance("2010-01", "2021-12") * 401
    assert _fields(doc) == {"honours": "max_items", "social_insurance": "max_items"}


def test_enumerations() -> None:
    doc = facts_doc(person={"birth_date": "1985-06-15", "sex": "M"}, policy_version="bj-points-2021")
    doc["social_insurance"][0]["insurance"] = "pensions"
    doc["social_insurance"][1]["district"] = "110103"
    assert _fields(doc) == {
        "person.sex": "enum",
        "policy_version": "enum",
        "social_insurance[0].insurance": "enum",
        "social_insurance[1].district": "enum",
    }


def test_money_must_be_a_decimal_string_with_at_most_two_places() -> None:
    doc = facts_doc(
        income_tax=[
            {"year": 2021, "amount": "100.123"},
            {"year": 2020, "amount": 100},
            {"year": 2019, "amount": "-1"},
            {"year": 2018, "amount": "1e5"},
        ],
        tax_penalties=[{"date": "2020-01-01", "fine": "1234567890123"}],
    )
    assert _fields(doc) == {
        "income_tax[0].amount": "pattern",
        "income_tax[1].amount": "type",
        "income_tax[2].amount": "pattern",
        "income_tax[3].amount": "pattern",
        "tax_penalties[0].fine": "pattern",
    }


def test_innovation_items_are_one_of_award_equity_or_tenure() -> None:
    doc = facts_doc(
        innovation=[
            {"type": "patent", "code": "x", "year": 2020},
            {"code": "x", "year": 2020},
            {"type": "award", "code": "x" * 65, "year": 1949, "rank": 0, "prior_year_income_tax": "1.234"},
            {"type": "equity", "share_percent": "10", "company_certified": True, "financing_3y": "1"},
            {"type": "award", "code": "x", "year": 2020, "share_percent": "10"},
            "award",
        ]
    )
    assert _fields(doc) == {
        "innovation[0].type": "one_of",
        "innovation[1].type": "required",
        "innovation[2].code": "max_length",
        "innovation[2].year": "minimum",
        "innovation[2].rank": "minimum",
        "innovation[2].prior_year_income_tax": "pattern",
        "innovation[3].held_full_year": "required",
        "innovation[4].share_percent": "additional_property",
        "innovation[5]": "type",
    }


def test_every_offending_field_is_reported_not_just_the_first() -> None:
    doc = facts_doc(application_id="x" * 65, application_year=2101)
    doc["person"]["birth_date"] = "1985-02-30"
    doc["social_insurance"][0]["to"] = "2008-01"
    doc["social_insurance"][3]["back_paid"] = "no"
    doc["housing"] = [home("palace", "2010-01", "2011-01")]
    details = _details(doc)
    assert [d["field"] for d in details] == [
        "application_id",
        "application_year",
        "person.birth_date",
        "social_insurance[0].to",
        "social_insurance[3].back_paid",
        "housing[0].kind",
    ]
    assert all(d["message"] for d in details)


@pytest.mark.parametrize("doc", [None, [], "facts", 3, True, [facts_doc()]])
def test_a_document_that_is_not_an_object_is_rejected(doc: Any) -> None:
    assert _fields(doc) == {"$": "type"}


def test_undecodable_text_is_invalid_json() -> None:
    with pytest.raises(FactsValidationError) as caught:
        decode_facts(b'{"application_year": ')
    assert caught.value.code == "invalid_json"
    with pytest.raises(FactsValidationError) as caught:
        decode_facts(b'{"a": "\\ud800"}')
    assert caught.value.code == "invalid_json"


def test_validation_error_renders_as_the_api_error_body() -> None:
    with pytest.raises(FactsValidationError) as caught:
        parse_facts(facts_doc(criminal_record=0))
    body = caught.value.to_dict()
    assert body["error"]["code"] == "invalid_facts"
    assert body["error"]["details"] == [
        {"field": "criminal_record", "code": "type", "message": "must be a boolean, got number"}
    ]
    assert "criminal_record" in body["error"]["message"]


# --------------------------------------------------------------------------- result documents


def test_results_follow_the_result_schema(
    points_examples: dict[str, Any], result_schema: dict[str, Any]
) -> None:
    for example in points_examples.values():
        document = result_to_dict(score(parse_facts(example["facts"])))
        jsonschema.validate(document, result_schema)
        assert re.fullmatch(r"-?\d{1,4}\.\d{2}", document["total"])


def test_json_and_dict_renderings_agree(points_examples: dict[str, Any]) -> None:
    facts = parse_facts(points_examples["official-01"]["facts"])
    assert orjson.loads(result_to_json(score(facts))) == result_to_dict(score(facts))
    assert score_document(points_examples["official-01"]["facts"]) == result_to_dict(score(facts))


# --------------------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["2020-01", "2020-01-01", "2020-02-30", "10.5", "award", "pension", "110108", "owned"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

tricky_values = st.one_of(
    json_values,
    st.sampled_from(
        [
            True,
            0,
            1,
            1.0,
            2020.0,
            -1,
            "",
            "x" * 65,
            "2020-13",
            "2020-01\n",
            "1899-12",
            "2021-02-29",
            "2020-02-29",
            "0000-01-01",
            "1.234",
            "100",
            "city",
            "BDA",
            "equity",
            "high_tech_tenure",
            "bj-points-2018",
            [],
            {},
        ]
    ),
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """Valid documents with a few values replaced, keys removed or keys added, anywhere."""
    doc: Any = draw(facts_documents())
    for _ in range(draw(st.integers(1, 3))):
        node = doc
        path: list[Any] = []
        # Walk down a random path, then change something there.
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        if not path:
            action = draw(st.sampled_from(("add", "drop", "replace_child")))
        else:
            action = draw(st.sampled_from(("replace", "replace", "add", "drop")))
        if isinstance(node, dict) and action in ("add", "drop", "replace_child"):
            if action == "add" or not node:
                node[draw(st.text(min_size=1, max_size=8))] = draw(tricky_values)
            elif action == "drop":
                del node[draw(st.sampled_from(sorted(node)))]
            else:
                node[draw(st.sampled_from(sorted(node)))] = draw(tricky_values)
        elif path:
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = draw(tricky_values)
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_the_validator_never_raises_anything_else_on_arbitrary_json(doc: Any) -> None:
    try:
        parse_facts(doc)
    except FactsValidationError as exc:
        assert exc.details and all(set(d) == {"field", "code", "message"} for d in exc.details)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated_documents())
def test_the_validator_agrees_with_the_json_schema(doc: Any, schema_validator: Any) -> None:
    schema_errors = list(schema_validator.iter_errors(doc))
    try:
        parse_facts(doc)
        details: list[dict[str, str]] = []
    except FactsValidationError as exc:
        details = exc.details
    if not schema_errors:
        # Valid for the schema: only the checks beyond it may refuse the document.
        assert {d["code"] for d in details} <= SEMANTIC_CODES, details
        return
    assert details, [e.message for e in schema_errors]
    fields = [d["field"] for d in details]
    for error in schema_errors:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        assert any(
            f == where or f.startswith(where + ".") or f.startswith(where + "[") or not where for f in fields
        ), (
            where,
            error.message,
            fields,
        )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=facts_documents())
def test_generated_documents_are_valid_for_both(doc: dict[str, Any], schema_validator: Any) -> None:
    schema_validator.validate(doc)
    parse_facts(doc)


def test_arrays_of_the_wrong_type_are_named() -> None:
    doc = facts_doc()
    for i, name in enumerate(ARRAY_FIELDS):
        doc[name] = [None, {}, "x", 1][i % 4]
    assert set(_fields(doc)) == set(ARRAY_FIELDS)


def test_a_result_sent_to_another_process_words_its_explanations_the_same(
    points_examples: dict[str, Any], repo_root: Path
) -> None:
    result = score(parse_facts(points_examples["synthetic-05"]["facts"]))
    child = (
        "import pickle, sys, orjson\n"
        "from services.scoring.contract import result_to_dict\n"
        "sys.stdout.buffer.write(orjson.dumps(result_to_dict(pickle.loads(sys.stdin.buffer.read()))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child],
        input=pickle.dumps(result),
        capture_output=True,
        cwd=repo_root,
        check=True,
    )
    assert orjson.loads(done.stdout) == result_to_dict(result)
