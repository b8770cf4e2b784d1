"""The graduate eligibility contract three ways (../shared/contracts/README.md, "Graduate eligibility"):
the worked examples through the CLI (one run, with bad lines) and over HTTP, byte for byte the same, every
output valid against graduate-result.schema.json; invalid input is a 422 naming each field, never a 500."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import orjson
import pytest

from services.scoring.app import create_app
from services.scoring.config import Settings
from services.scoring.graduates_contract import GraduateFactsInvalid, assess_document
from services.scoring.schemas import EXAMPLE_GRADUATE_RESULT, GraduateResultOut

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
EXAMPLES = sorted((SHARED / "policy" / "examples" / "graduates").glob("*.json"))
RESULT_SCHEMA = json.loads((SHARED / "contracts" / "graduate-result.schema.json").read_text())


def _examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in EXAMPLES]


def _matches(result: dict[str, Any], expected: dict[str, Any]) -> None:
    jsonschema.validate(result, RESULT_SCHEMA)
    assert result["eligible"] == expected["eligible"]
    assert result["quota"] == expected["quota"]
    assert result["age_limit"] == expected["age_limit"]
    assert [(c["code"], c["passed"]) for c in result["checks"]] == [
        (c["code"], c["passed"]) for c in expected["checks"]
    ]


def _cli(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "services.scoring", "graduates"],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def _bad_facts() -> dict[str, Any]:
    bad = copy.deepcopy(_examples()[0]["facts"])
    bad["graduate"]["birth_date"] = "2026-02-30"
    bad["employer"]["registered_on"] = "1899-12-31"
    return bad


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # The calculator needs no database: the settings point nowhere.
    app = create_app(
        Settings(database_url="postgresql+asyncpg://unused@localhost/none", kafka_bootstrap_servers="x:1")
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def test_the_service_carries_the_graduate_contract_schemas_unchanged() -> None:
    for name in ("graduate-facts.schema.json", "graduate-result.schema.json"):
        ours = json.loads((REPO / "services" / "scoring" / "contracts" / name).read_text())
        assert ours == json.loads((SHARED / "contracts" / name).read_text()), f"{name} drifted"


def test_the_cli_assesses_all_worked_examples_in_one_run_in_order_and_goes_on_after_bad_lines() -> None:
    exs = _examples()
    assert len(exs) == 11
    lines = [orjson.dumps(e["facts"]) for e in exs]
    bad = [b"{not json", orjson.dumps(_bad_facts()), b"", b"[1]"]
    done = _cli(b"\xef\xbb\xbf" + b"\n".join(lines[:5] + bad + lines[5:]))  # BOM, no final newline
    assert done.returncode == 0, done.stderr
    out = [orjson.loads(x) for x in done.stdout.splitlines()]
    assert len(out) == 15
    results = out[:5] + out[9:]
    for result, ex in zip(results, exs, strict=True):
        _matches(result, ex["expected"])
        assert result["case_id"] == ex["facts"]["case_id"]
    errors = out[5:9]
    assert [e["line"] for e in errors] == [6, 7, 8, 9]
    assert [e["error"]["code"] for e in errors] == [
        "invalid_json",
        "invalid_facts",
        "invalid_json",
        "invalid_facts",
    ]
    assert all(set(e) == {"line", "error"} and e["error"]["message"] for e in errors)
    assert [(d["field"], d["code"]) for d in errors[1]["error"]["details"]] == [
        ("graduate.birth_date", "date.invalid"),
        ("employer.registered_on", "date.too_early"),
    ]
    assert errors[3]["error"]["details"] == [
        {"field": "$", "code": "type", "message": "must be an object, got array"}
    ]


def test_empty_input_gives_empty_output_and_exit_0() -> None:
    done = _cli(b"")
    assert (done.returncode, done.stdout) == (0, b"")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_every_worked_example_over_http(client: httpx.AsyncClient, path: Path) -> None:
    ex = json.loads(path.read_text())  # noqa: ASYNC240 - a small fixture file
    r = await client.post("/v1/graduates/eligibility", json=ex["facts"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    _matches(r.json(), ex["expected"])


async def test_cli_and_http_give_the_same_bytes_for_the_same_input(client: httpx.AsyncClient) -> None:
    lines = [orjson.dumps(e["facts"]) for e in _examples()]
    done = _cli(b"\n".join(lines) + b"\n")
    cli_lines = done.stdout.splitlines()
    assert len(cli_lines) == len(lines)
    for line, expected in zip(lines, cli_lines, strict=True):
        r = await client.post(
            "/v1/graduates/eligibility", content=line, headers={"content-type": "application/json"}
        )
        assert r.status_code == 200
        assert r.content == expected


async def test_invalid_input_is_a_422_naming_each_field_never_a_500(client: httpx.AsyncClient) -> None:
    bad = _bad_facts()
    bad["graduate"]["founder"] = {
        "initiator_or_main_founder": True,
        "share_percent_at_founding": "100.5",
        "shares_by_transfer_or_later_investment": False,
        "supported_sector": True,
        "outstanding_results": True,
    }
    bad["graduate"]["on_time"] = "yes"
    r = await client.post("/v1/graduates/eligibility", json=bad)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_facts" and error["message"]
    assert [(d["field"], d["code"]) for d in error["details"]] == [
        ("graduate.birth_date", "date.invalid"),
        ("graduate.on_time", "bool_type"),
        ("graduate.founder.share_percent_at_founding", "share.above_100"),
        ("employer.registered_on", "date.too_early"),
    ]
    # The details are those of assess_document, which the CLI writes too.
    cli = orjson.loads(_cli(orjson.dumps(bad)).stdout)
    assert cli["error"]["details"] == error["details"]
    assert "1899-12-31" not in r.text and "2026-02-30" not in r.text  # fields named, values not echoed


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"[]", "invalid_facts"),
        (b"null", "invalid_facts"),
    ],
)
async def test_a_body_that_is_not_graduate_facts_is_a_422(
    client: httpx.AsyncClient, body: bytes, code: str
) -> None:
    r = await client.post(
        "/v1/graduates/eligibility", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == code


async def test_a_body_over_2_mib_is_refused_with_413(client: httpx.AsyncClient) -> None:
    facts = _examples()[0]["facts"]
    big = {**facts, "case_id": "x" * (2 * 1024 * 1024)}
    r = await client.post("/v1/graduates/eligibility", json=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


async def test_the_calculator_is_public_and_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    op = spec["paths"]["/v1/graduates/eligibility"]["post"]
    assert op["summary"] and op["description"]
    assert op["requestBody"]["content"]["application/json"]["example"]["introduction_year"] == 2026
    assert "GraduateResultOut" in json.dumps(op["responses"]["200"])
    staff = spec["paths"]["/v1/graduates/declarations/{declaration_id}/assessment"]["get"]
    assert staff["summary"] and staff["description"]


def test_the_response_model_is_the_result_schema() -> None:
    jsonschema.validate(EXAMPLE_GRADUATE_RESULT, RESULT_SCHEMA)
    for ex in _examples():
        doc = assess_document(ex["facts"])
        assert GraduateResultOut.model_validate(doc).model_dump(mode="json") == doc


FACTS_SCHEMA = json.loads((SHARED / "contracts" / "graduate-facts.schema.json").read_text())


def _variant(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_examples()[0]["facts"])
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "schema_ok", "model_ok"),
    [
        (("graduate", "family"), {}, True, True),
        (("graduate", "founder"), None, True, True),
        (("special_plan",), None, True, True),
        (("special_plan",), "unknown", False, False),
        (("declared_on",), "2026-06-10\n", False, False),
        (("graduate", "school", "kind"), "other", False, False),
        (("employer", "post"), None, False, False),
        # Documented differences of the shared model (shared.facts.graduates) from the schema: a case_id
        # is at most 200 characters, and an integral float is not an integer year.
        (("case_id",), "x" * 201, True, False),
        (("introduction_year",), 2026.0, True, False),
    ],
)
def test_the_validator_agrees_with_the_facts_schema_except_where_documented(
    path: tuple[str, ...], value: Any, schema_ok: bool, model_ok: bool
) -> None:
    doc = _variant(path, value)
    valid = jsonschema.Draft202012Validator(FACTS_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert valid.is_valid(doc) is schema_ok
    try:
        assess_document(doc)
        ok = True
    except GraduateFactsInvalid:
        ok = False
    assert ok is model_ok


def test_the_graduates_command_takes_no_arguments() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.scoring", "graduates", "--fast"],
        input=b"",
        capture_output=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and b"unrecognized arguments: --fast" in done.stderr
