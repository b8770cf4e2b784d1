"""The calculators' request and response schemas in the OpenAPI document resolve on their own: the
contracts' ``#/$defs/…`` references are written in place (they pointed at the OpenAPI document's root
once the contract's ``$id`` was dropped, and ReDoc rendered a blank page for scoring), and the inlined
schema accepts and refuses exactly what the contract does."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import jsonschema

from services.scoring.app import create_app
from services.scoring.config import Settings
from services.scoring.schemas import (
    EXAMPLE_FACTS,
    FACTS_SCHEMA,
    GRADUATE_FACTS_SCHEMA,
    RESULT_SCHEMA,
    schema_without_meta,
)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_reference_in_scorings_openapi_document_resolves_from_its_root() -> None:
    settings = Settings(database_url="postgresql+asyncpg://x@127.0.0.1:1/none", kafka_bootstrap_servers="x:1")
    spec = create_app(settings).openapi()
    refs = set(_refs(spec))
    assert refs and all(r.startswith("#/components/") for r in refs), sorted(refs)
    for ref in refs:
        _resolve(spec, ref)  # KeyError when it dangles
    assert "$defs" not in str(spec["paths"]["/v1/points/score"])


def test_the_inlined_facts_schema_judges_like_the_contract() -> None:
    inlined = schema_without_meta(FACTS_SCHEMA)
    assert "$defs" not in inlined and not list(_refs(inlined))
    bad_month = copy.deepcopy(EXAMPLE_FACTS)
    bad_month["social_insurance"][0]["from"] = "2002-13"
    bad_district = copy.deepcopy(EXAMPLE_FACTS)
    bad_district["housing"][0]["district"] = "999999"
    for doc, valid in [(EXAMPLE_FACTS, True), (bad_month, False), (bad_district, False)]:
        for schema in (FACTS_SCHEMA, inlined):
            assert jsonschema.Draft202012Validator(schema).is_valid(doc) is valid


def test_every_contract_loses_its_meta_keywords_and_keeps_no_local_reference() -> None:
    for contract in (RESULT_SCHEMA, GRADUATE_FACTS_SCHEMA):
        inlined = schema_without_meta(contract)
        assert "$schema" not in inlined and "$id" not in inlined
        assert not list(_refs(inlined))
