"""Differential test: scoring's fast validator (``services.scoring.contract.parse_facts``) and the one
points-facts model (``shared.facts.points.PointsFacts``) accept and refuse the same documents.

Generated valid documents, and each with one mutation (a value replaced by one of another type, a bad
date or month, an unknown enum value, a number out of range, a malformed amount, an unknown field, a
missing field, ``from`` after ``to``, too many items), must get the same verdict from both.

Where the two legitimately differ, the difference is written down here (``DIFFERENCES``) and tested on
its own; the fuzz asserts that any disagreement it meets is one of them, in the documented direction:

- ``policy_version_mismatch``: a ``policy_version`` that does not govern ``application_year`` is refused
  by the fast validator (a scoring rule beyond the schema); the model checks only the enum.
- ``null_optional``: ``null`` for an optional field the schema types as a string or boolean
  (``application_id``, ``policy_version``, ``person.female_job_category``, ``housing[].lease_registered``)
  is refused by the fast validator (the schema) and read as absent by the model (its dump leaves it out).
- ``integral_float``: ``2020.0`` for an integer is a JSON Schema integer, accepted by the fast validator;
  the model's strict integers refuse it.
- ``control_character``: control characters (NUL …) in ``application_id`` or an award ``code`` are
  refused by the model (PostgreSQL cannot store NUL in text); the schema, hence the fast validator, has
  no pattern there.
- ``python_field_name``: the model also accepts ``from_`` (its Python field name) for ``from``; the fast
  validator follows the schema's names only.

None of them reaches scoring from an event: ``verification.completed`` v2 carries a validated model,
and scoring validates ``facts.as_document()``, which has none of these shapes (checked below).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.scoring.contract import FactsValidationError, parse_facts
from shared.facts.points import PointsFacts
from shared.policy import points_policy_version_for_year
from tests.scoring.unit.scoring_factories import facts_documents

DIFF_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: The documented differences: name → (fast validator accepts, model accepts).
DIFFERENCES: dict[str, tuple[bool, bool]] = {
    "policy_version_mismatch": (False, True),
    "null_optional": (False, True),
    "integral_float": (True, False),
    "control_character": (True, False),
    "python_field_name": (False, True),
}
NULLABLE_IN_MODEL_ONLY = {"application_id", "policy_version", "female_job_category", "lease_registered"}


def fast_accepts(doc: object) -> bool:
    try:
        parse_facts(doc)
    except FactsValidationError:
        return False
    return True


def model_accepts(doc: object) -> bool:
    try:
        PointsFacts.model_validate(doc)
    except ValidationError:
        return False
    return True


# --------------------------------------------------------------------------- valid documents

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=64
)  # no control characters: see ``control_character``


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Valid points-facts documents of every shape: all fields, both versions, optional fields or not."""
    doc = draw(facts_documents())
    doc.pop("application_id", None)
    if draw(st.booleans()):
        doc["application_id"] = draw(TEXT)
    if draw(st.booleans()):
        doc["policy_version"] = points_policy_version_for_year(doc["application_year"])
    return doc


# --------------------------------------------------------------------------- mutations

Path = tuple[str | int, ...]


def nodes(value: Any, path: Path = ()) -> list[Path]:
    """Every path in a document (objects, arrays and leaves)."""
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(nodes(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(nodes(v, (*path, i)))
    return out


def get(doc: Any, path: Path) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def replaced(doc: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(doc)
    parent = get(out, path[:-1])
    parent[path[-1]] = value
    return out


# Values of every JSON type, and strings that are almost dates, months, amounts or enum values.
REPLACEMENTS: tuple[Any, ...] = (
    None, True, False, 0, 1, -1, 7, 1.5, 2017, 2101, 1949, 1989, 10**20,
    "", "x", "unknown", "PENSION", "Owned", "bj-points-2030", "110103", "city ",
    "2021-02-30", "2021-13-01", "2021-00-10", "21-01-01", "2021-1-1", "2021-01-01T00:00", "2021-01-01\n",
    "2021-13", "2021-00", "1899-12", "2200-01", "2021-1", "2021-01-01", "2021-01\n", " 2021-01",
    "1.234", "-1", "1e3", "1,000", "1234567890123", "12000.50", "100.0001",
    "2021-01", "2020-12-31", "bachelor", "110108", "BDA", "pension", "award", "equity", "male", "owned",
    [], [1], {}, {"x": 1},
)  # fmt: skip


def expected_difference(path: Path, value: Any) -> str | None:
    """The documented difference a replacement makes, if any."""
    name = path[-1] if path else None
    if value is None and name in NULLABLE_IN_MODEL_ONLY:
        return "null_optional"
    return None


@DIFF_SETTINGS
@given(valid_documents())
def test_both_accept_every_valid_document_and_read_it_the_same(doc: dict[str, Any]) -> None:
    assert fast_accepts(doc) and model_accepts(doc)
    # What scoring validates from an event is the model's dump: the same facts as the original.
    assert parse_facts(PointsFacts.model_validate(doc).as_document()) == parse_facts(doc)


@DIFF_SETTINGS
@given(valid_documents(), st.data())
def test_one_replaced_value_gets_the_same_verdict(doc: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(nodes(doc)), label="path")
    value = data.draw(st.sampled_from(REPLACEMENTS), label="value")
    mutated = replaced(doc, path, value)
    verdicts = (fast_accepts(mutated), model_accepts(mutated))
    difference = expected_difference(path, value)
    if difference is not None:
        assert verdicts == DIFFERENCES[difference], (path, value, difference)
    else:
        assert verdicts[0] == verdicts[1], (path, value, verdicts)


@DIFF_SETTINGS
@given(valid_documents(), st.data())
def test_an_unknown_or_missing_field_gets_the_same_verdict(doc: dict[str, Any], data: st.DataObject) -> None:
    objects = [p for p in nodes(doc) if isinstance(get(doc, p), dict)]
    path = data.draw(st.sampled_from(objects), label="object")
    target = copy.deepcopy(doc)
    obj = get(target, path)
    if data.draw(st.booleans(), label="add") or not obj:
        obj[data.draw(st.sampled_from(("extra", "From", "notes", "id", "type2")), label="key")] = 1
    else:
        del obj[data.draw(st.sampled_from(sorted(obj)), label="key")]
    assert fast_accepts(target) == model_accepts(target)


@DIFF_SETTINGS
@given(valid_documents(), st.data())
def test_a_range_ending_before_it_starts_is_refused_by_both(doc: dict[str, Any], data: st.DataObject) -> None:
    ranges = [
        p
        for p in nodes(doc)
        if isinstance(get(doc, p), dict)
        and {"from", "to"} <= get(doc, p).keys()
        and get(doc, p)["from"] != get(doc, p)["to"]
    ]
    if not ranges:
        return
    path = data.draw(st.sampled_from(ranges), label="range")
    target = copy.deepcopy(doc)
    rec = get(target, path)
    rec["from"], rec["to"] = rec["to"], rec["from"]
    assert not fast_accepts(target) and not model_accepts(target)


@pytest.mark.parametrize(("field", "limit"), [("education", 20), ("honours", 20), ("innovation", 50)])
def test_too_many_items_are_refused_by_both(field: str, limit: int) -> None:
    doc = valid_example()
    item = {
        "education": {
            "level": "bachelor",
            "diploma": True,
            "degree": True,
            "graduated_on": "2007-07-01",
            "recognized": True,
        },
        "honours": {"title": "bj_model_worker"},
        "innovation": {"type": "award", "code": "x", "year": 2019},
    }[field]
    doc[field] = [item] * limit
    assert fast_accepts(doc) and model_accepts(doc)
    doc[field] = [item] * (limit + 1)
    assert not fast_accepts(doc) and not model_accepts(doc)


# --------------------------------------------------------------------------- the documented differences


def valid_example() -> dict[str, Any]:
    from shared.facts.points import FACTS_EXAMPLE

    return copy.deepcopy(FACTS_EXAMPLE)


def verdicts(doc: Any) -> tuple[bool, bool]:
    return fast_accepts(doc), model_accepts(doc)


def test_difference_policy_version_mismatch() -> None:
    doc = {**valid_example(), "application_year": 2022, "policy_version": "bj-points-2018"}
    assert verdicts(doc) == DIFFERENCES["policy_version_mismatch"]


@pytest.mark.parametrize(
    "path", [("application_id",), ("policy_version",), ("person", "female_job_category")]
)
def test_difference_null_optional(path: tuple[str, ...]) -> None:
    doc = replaced({**valid_example(), "application_id": "A-1"}, path, None)
    assert verdicts(doc) == DIFFERENCES["null_optional"]
    assert model_accepts(doc) and path[-1] not in str(PointsFacts.model_validate(doc).as_document())


def test_difference_null_lease_registered() -> None:
    doc = valid_example()
    doc["housing"][0]["lease_registered"] = None
    assert verdicts(doc) == DIFFERENCES["null_optional"]


@pytest.mark.parametrize("path", [("application_year",), ("income_tax", 0, "year")])
def test_difference_integral_float(path: Path) -> None:
    doc = valid_example()
    doc = replaced(doc, path, float(get(doc, path)))
    assert verdicts(doc) == DIFFERENCES["integral_float"]


def test_difference_control_character() -> None:
    doc = {**valid_example(), "application_id": "A\x00B"}
    assert verdicts(doc) == DIFFERENCES["control_character"]
    doc = valid_example()
    doc["innovation"] = [{"type": "award", "code": "code\x07", "year": 2019}]
    assert verdicts(doc) == DIFFERENCES["control_character"]


def test_difference_python_field_name() -> None:
    doc = valid_example()
    record = doc["housing"][0]
    record["from_"] = record.pop("from")
    assert verdicts(doc) == DIFFERENCES["python_field_name"]
