"""Declared facts are validated strictly against contracts/points-facts.schema.json, and identifiers with
their check characters. The pydantic model and the JSON Schema agree on every case here."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.schemas import (
    FACTS_EXAMPLE,
    ApplicantRegistration,
    EmployerIn,
    Identity,
    PointsFacts,
    RoundIn,
)
from shared.validation.identifiers import synthetic_resident_id

SHARED = Path(__file__).resolve().parents[4] / "shared"
SCHEMA_PATH = SHARED / "contracts" / "points-facts.schema.json"
EXAMPLES = sorted((SHARED / "policy" / "examples" / "points").glob("*.json"))


def schema_validator() -> Any:
    assert SCHEMA_PATH.exists(), "../shared/contracts must sit beside the repository (as in CI)"
    import jsonschema

    return jsonschema.Draft202012Validator(
        json.loads(SCHEMA_PATH.read_text()), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors_of(doc: Any) -> list[tuple[str, str]]:
    try:
        PointsFacts.model_validate(doc)
    except ValidationError as e:
        return [(".".join(str(p) for p in err["loc"]), err["type"]) for err in e.errors()]
    return []


def test_the_example_on_the_model_is_valid_facts() -> None:
    assert errors_of(FACTS_EXAMPLE) == []
    assert not list(schema_validator().iter_errors(FACTS_EXAMPLE))


def _without_null_optionals(doc: Any) -> Any:
    """The shared model leaves optional fields without a value out of its documents (an explicit null
    and an absent field mean the same); the one required nullable field stays."""
    if isinstance(doc, dict):
        return {
            k: _without_null_optionals(v)
            for k, v in doc.items()
            if v is not None or k == "residence_permit_issued_on"
        }
    if isinstance(doc, list):
        return [_without_null_optionals(v) for v in doc]
    return doc


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_policy_example_is_accepted_and_kept_exactly(path: Path) -> None:
    facts = json.loads(path.read_text())["facts"]
    assert PointsFacts.model_validate(facts).as_document() == _without_null_optionals(facts)


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    target: Any = out
    parts = path.split(".")
    for p in parts[:-1]:
        target = target[int(p)] if p.isdigit() else target[p]
    last = parts[-1]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return out


_DELETE = object()

INVALID: list[tuple[str, Any, str, str]] = [
    # path, value, expected error location, expected code
    ("criminal_record", 0, "criminal_record", "bool_type"),
    ("criminal_record", "false", "criminal_record", "bool_type"),
    ("application_year", "2024", "application_year", "int_type"),
    ("application_year", True, "application_year", "int_type"),
    ("application_year", 2024.5, "application_year", "int_type"),
    ("application_year", 2017, "application_year", "greater_than_equal"),
    ("person.sex", "M", "person.sex", "literal_error"),
    ("person.birth_date", "1985-02-30", "person.birth_date", "date.invalid"),
    ("person.birth_date", "1985-3-7", "person.birth_date", "string_pattern_mismatch"),
    ("person.birth_date", _DELETE, "person.birth_date", "missing"),
    ("person.nickname", "x", "person.nickname", "extra_forbidden"),
    ("residence_permit_issued_on", _DELETE, "residence_permit_issued_on", "missing"),
    ("social_insurance.0.from", "2010-13", "social_insurance.0.from", "string_pattern_mismatch"),
    ("social_insurance.0.district", "110100", "social_insurance.0.district", "literal_error"),
    ("social_insurance.0.back_paid", None, "social_insurance.0.back_paid", "bool_type"),
    ("housing.0.kind", "castle", "housing.0.kind", "literal_error"),
    ("education.0.level", "phd", "education.0.level", "literal_error"),
    ("income_tax.0.amount", 18000, "income_tax.0.amount", "string_type"),
    ("income_tax.0.amount", "18000.123", "income_tax.0.amount", "string_pattern_mismatch"),
    ("honours", [{"title": "hero"}], "honours.0.title", "literal_error"),
    ("innovation", [{"type": "award", "code": "x", "year": "2020"}], "innovation.0.award.year", "int_type"),
    ("innovation", [{"type": "lottery"}], "innovation.0", "union_tag_invalid"),
    ("detentions", [{"date": "2023-01-01", "days": 3}], "detentions.0.days", "extra_forbidden"),
    ("detentions", [{"date": "2023-01-01"}] * 201, "detentions", "too_long"),
    ("unknown", 1, "unknown", "extra_forbidden"),
]


@pytest.mark.parametrize(
    ("path", "value", "loc", "code"), INVALID, ids=[f"{c[0]}={c[1]!r}"[:40] for c in INVALID]
)
def test_invalid_facts_are_refused_naming_the_field_and_the_schema_agrees(
    path: str, value: Any, loc: str, code: str
) -> None:
    doc = _set(FACTS_EXAMPLE, path, value)
    assert (loc, code) in errors_of(doc)
    assert list(schema_validator().iter_errors(doc)), "the JSON Schema must refuse it too"


def test_a_pattern_matches_the_whole_string_even_where_a_python_regex_would_not() -> None:
    # Python's ``$`` matches before a final newline (so jsonschema's check lets "2010-07\n" through); the
    # schema's intent, and the scoring service's reading, is the whole string.
    doc = _set(FACTS_EXAMPLE, "social_insurance.0.from", "2010-07\n")
    assert ("social_insurance.0.from", "string_pattern_mismatch") in errors_of(doc)


def test_a_month_range_must_not_run_backwards() -> None:
    doc = _set(FACTS_EXAMPLE, "social_insurance.0.from", "2024-01")
    assert ("social_insurance.0", "month_range") in errors_of(doc)


def test_every_invalid_field_is_reported_at_once() -> None:
    doc = _set(_set(_set(FACTS_EXAMPLE, "criminal_record", 1), "person.sex", "x"), "housing.0.to", "2020")
    assert len(errors_of(doc)) == 3


# ---- identifiers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        synthetic_resident_id(date(1949, 12, 31), 2, "110105"),
        synthetic_resident_id(date(1949, 12, 31), 2, "110105").lower(),
        synthetic_resident_id(date(1985, 3, 7), 1, "110105"),
    ],
)
def test_valid_id_numbers_are_accepted_and_normalised(number: str) -> None:
    assert Identity(name="张三", id_number=number, phone="13800138000").id_number == number.upper()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (synthetic_resident_id(date(1949, 12, 31), 2, "110105")[:-1] + "1", "id_number.check_digit"),
        ("11010519491231002", "id_number.format"),
        ("1101051949123100AX", "id_number.format"),
        (synthetic_resident_id(date(1949, 12, 31), 2, "991105")[:-1] + "0", "id_number.check_digit"),
    ],
)
def test_invalid_id_numbers_are_refused_with_their_code_and_never_echoed(number: str, code: str) -> None:
    with pytest.raises(ValidationError) as e:
        Identity(name="张三", id_number=number, phone="13800138000")
    err = e.value.errors(include_input=False)[0]
    assert err["type"] == code and number not in err["msg"]


def test_an_id_number_with_an_unknown_region_or_impossible_date_is_refused() -> None:
    from shared.validation import resident_id_check_character as c

    bad_region = "99010519491231002"
    bad_date = "11010519490230002"
    for first, code in ((bad_region, "id_number.region"), (bad_date, "id_number.birth_date")):
        with pytest.raises(ValidationError) as e:
            Identity(name="张三", id_number=first + c(first), phone="13800138000")
        assert e.value.errors()[0]["type"] == code


@pytest.mark.parametrize("code", ["91110000600037341L", "914403001922038216", "9144030071526726XG"])
def test_valid_credit_codes_are_accepted(code: str) -> None:
    assert EmployerIn(name="某某公司", credit_code=code, tax_registered=True).credit_code == code


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91110000600037341M", "credit_code.check_character"),
        ("91110000600037341", "credit_code.format"),
        ("9111000060003734IL", "credit_code.format"),
        ("Z1110000600037341L", "credit_code.format"),
    ],
)
def test_invalid_credit_codes_are_refused(code: str, error: str) -> None:
    with pytest.raises(ValidationError) as e:
        EmployerIn(name="某某公司", credit_code=code, tax_registered=True)
    assert e.value.errors()[0]["type"] == error


def test_phone_and_password_rules() -> None:
    with pytest.raises(ValidationError) as e:
        ApplicantRegistration(username="zhangsan", password="onlyletters", name="张三", phone="12345678901")
    types = {err["loc"][0]: err["type"] for err in e.value.errors()}
    assert types == {"password": "password.weak", "phone": "mobile_number.format"}


def test_round_phase_dates_are_strict_dates() -> None:
    with pytest.raises(ValidationError) as e:
        RoundIn.model_validate(
            {
                "year": 2024,
                "phases": [{"phase": "declaration", "starts_on": 20240506, "ends_on": "2024-05-20"}] * 6,
            }
        )
    assert {err["type"] for err in e.value.errors()} == {"string_type"}
