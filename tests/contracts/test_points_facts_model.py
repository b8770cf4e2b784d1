"""The one PointsFacts model (``shared.facts.points``) against the fixed contract
``../shared/contracts/points-facts.schema.json``, and the tables of ``shared.policy`` against the contracts.

Structure: every object has the same fields, the same required fields and no others; every enum, pattern
and list limit is the same. Behaviour: every worked example validates under both and dumps back to
itself; a set of single mutations is refused by both. Where the model is knowingly stricter than JSON
Schema can say (``from`` after ``to``; a date that does not exist), the test says so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from shared.facts.points import PointsFacts
from shared.policy import FACT_DISTRICTS, INDICATOR_CODES, POINTS_POLICY_VERSIONS
from shared.policy.districts import BEIJING_DISTRICTS

CONTRACTS = Path(__file__).resolve().parents[2].parent / "shared" / "contracts"
EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "policy" / "examples" / "points"
SCHEMA: dict[str, Any] = json.loads((CONTRACTS / "points-facts.schema.json").read_text())
RESULT_SCHEMA: dict[str, Any] = json.loads((CONTRACTS / "points-result.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        merged = {**root["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
        node = merged
    return node


def _strip_null(node: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The non-null part of a node and whether null is allowed."""
    node = _resolve(node, root)
    if "anyOf" in node:
        branches = [_resolve(b, root) for b in node["anyOf"]]
        rest = [b for b in branches if b.get("type") != "null"]
        if len(rest) == 1 and len(rest) < len(branches):
            return rest[0], True
    t = node.get("type")
    if isinstance(t, list) and "null" in t:
        others = [x for x in t if x != "null"]
        return {**node, "type": others[0] if len(others) == 1 else others}, True
    return node, False


def _shape(node: dict[str, Any], root: dict[str, Any], required: bool = True) -> Any:
    """A canonical description of a schema node, comparable between the contract and the model."""
    node, nullable = _strip_null(node, root)
    variants = node.get("oneOf") or (node.get("anyOf") if "discriminator" in node else None)
    if variants:
        out = {}
        for v in variants:
            v = _resolve(v, root)
            tag = v["properties"]["type"]
            out[tag.get("const", (tag.get("enum") or [None])[0])] = _shape(v, root)
        return {"variants": out}
    if node.get("type") == "object" or "properties" in node:
        req = set(node.get("required", []))
        return {
            "fields": {k: _shape(v, root, k in req) for k, v in node.get("properties", {}).items()},
            "required": sorted(req),
            "closed": node.get("additionalProperties") is False,
        }
    if node.get("type") == "array":
        return {"items": _shape(node["items"], root), "maxItems": node.get("maxItems")}
    leaf: dict[str, Any] = {"type": node.get("type") or ("string" if "const" in node else None)}
    if "enum" in node or "const" in node:
        leaf["enum"] = sorted(node.get("enum", [node.get("const")]))
    for k in ("minimum", "maximum", "maxLength"):
        if k in node:
            leaf[k] = node[k]
    if "pattern" in node and node.get("format") != "date":
        leaf["pattern"] = node["pattern"]
    if node.get("format") == "date" or node.get("pattern") == r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$":
        leaf = {"type": "string", "date": True}
    if required:  # an optional field may take null in the model (absent on output); a required one may not
        leaf["nullable"] = nullable
    return leaf


def _model_schema() -> dict[str, Any]:
    return PointsFacts.model_json_schema(by_alias=True, mode="validation")


def test_the_model_has_the_contract_s_structure() -> None:
    contract = _shape(SCHEMA, SCHEMA)
    model_schema = _model_schema()
    model = _shape(model_schema, model_schema)
    # The model may add only descriptions; a free-text field may be constrained further (no control
    # characters in the award code, which PostgreSQL could not store).
    model["fields"]["innovation"]["items"]["variants"]["award"]["fields"]["code"].pop("pattern", None)
    model["fields"]["application_id"].pop("pattern", None)
    assert model == contract


def _examples() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, json.loads(p.read_text())["facts"]) for p in sorted(EXAMPLES.glob("*.json"))]


def _without_null_optionals(
    doc: Any, required_nullable: frozenset[str] = frozenset({"residence_permit_issued_on"})
) -> Any:
    if isinstance(doc, dict):
        return {
            k: _without_null_optionals(v) for k, v in doc.items() if v is not None or k in required_nullable
        }
    if isinstance(doc, list):
        return [_without_null_optionals(v) for v in doc]
    return doc


@pytest.mark.parametrize(("name", "facts"), _examples())
def test_every_worked_example_is_valid_for_both_and_dumps_back_to_itself(
    name: str, facts: dict[str, Any]
) -> None:
    VALIDATOR.validate(facts)
    model = PointsFacts.model_validate(facts)
    assert model.as_document() == _without_null_optionals(facts)
    VALIDATOR.validate(model.as_document())
    assert PointsFacts.model_validate_json(model.model_dump_json()) == model


def _mutations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []

    def mutate(label: str, fn: Any) -> None:
        d = copy.deepcopy(doc)
        fn(d)
        out.append((label, d))

    mutate("unknown top-level field", lambda d: d.update(nickname="x"))
    mutate("missing required field", lambda d: d.pop("criminal_record"))
    mutate("boolean as string", lambda d: d.update(criminal_record="false"))
    mutate("year as string", lambda d: d.update(application_year="2022"))
    mutate("year out of range", lambda d: d.update(application_year=2017))
    mutate("unknown policy version", lambda d: d.update(policy_version="bj-points-2030"))
    mutate("unknown sex", lambda d: d["person"].update(sex="x"))
    mutate("unknown field in person", lambda d: d["person"].update(age=40))
    mutate("bad month", lambda d: d["social_insurance"][0].update({"from": "2020-13"}))
    mutate("unknown district", lambda d: d["social_insurance"][0].update(district="110103"))
    mutate("back_paid as int", lambda d: d["social_insurance"][0].update(back_paid=0))
    mutate("money as number", lambda d: d.update(income_tax=[{"year": 2021, "amount": 100}]))
    mutate("money with three decimals", lambda d: d.update(income_tax=[{"year": 2021, "amount": "1.005"}]))
    mutate(
        "unknown innovation type",
        lambda d: d.update(innovation=[{"type": "patent", "code": "x", "year": 2020}]),
    )
    mutate("unknown honour", lambda d: d.update(honours=[{"title": "hero"}]))
    mutate("too many education records", lambda d: d.update(education=d["education"][:1] * 21))
    return out


@pytest.mark.parametrize(("label", "doc"), _mutations(_examples()[0][1]))
def test_a_broken_document_is_refused_by_both(label: str, doc: dict[str, Any]) -> None:
    assert list(VALIDATOR.iter_errors(doc)), f"the JSON Schema accepts: {label}"
    with pytest.raises(ValidationError):
        PointsFacts.model_validate(doc)


def test_the_model_is_knowingly_stricter_than_json_schema_on_ranges_and_real_dates() -> None:
    doc = copy.deepcopy(_examples()[0][1])
    doc["social_insurance"][0].update({"from": "2021-12", "to": "2021-01"})
    assert not list(VALIDATOR.iter_errors(doc))  # JSON Schema cannot compare two fields
    with pytest.raises(ValidationError):
        PointsFacts.model_validate(doc)
    doc = copy.deepcopy(_examples()[0][1])
    doc["person"]["birth_date"] = "1990-02-30"
    with pytest.raises(ValidationError):
        PointsFacts.model_validate(doc)


def test_policy_tables_are_the_contract_s() -> None:
    assert list(FACT_DISTRICTS) == SCHEMA["$defs"]["district"]["enum"]
    assert list(BEIJING_DISTRICTS) == [d for d in FACT_DISTRICTS if d.isdigit()]
    assert [v.code for v in POINTS_POLICY_VERSIONS] == SCHEMA["properties"]["policy_version"]["enum"]
    indicator_enum = RESULT_SCHEMA["properties"]["indicators"]["items"]["properties"]["code"]["enum"]
    assert list(INDICATOR_CODES) == indicator_enum
