"""The fixed scoring HTTP contract, against the shared worked examples."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from services.scoring.app import create_app
from services.scoring.config import Settings
from services.scoring.context import build_service_context
from shared.api.auth import generate_keypair, issue_token
from shared.clock import BEIJING, ManualClock

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
EXAMPLES = sorted((SHARED / "policy" / "examples" / "points").glob("*.json"))
RESULT_SCHEMA = json.loads((SHARED / "contracts" / "points-result.schema.json").read_text())


def _compare(result: dict[str, Any], expected: dict[str, Any]) -> None:
    assert result["qualified"] == expected["qualified"]
    assert {c["code"]: c["passed"] for c in result["qualification"]} == expected["qualification"]
    assert {i["code"]: i["points"] for i in result["indicators"]} == expected["indicators"]
    assert result["total"] == expected["total"]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(database_url="postgresql+asyncpg://unused@localhost/none", kafka_bootstrap_servers="x:1")
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def test_the_service_carries_the_fixed_contract_schemas_unchanged() -> None:
    for name in ("points-facts.schema.json", "points-result.schema.json"):
        ours = json.loads((REPO / "services" / "scoring" / "contracts" / name).read_text())
        assert ours == json.loads((SHARED / "contracts" / name).read_text()), (
            f"{name} drifted from the contract"
        )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
async def test_every_shared_example_scores_as_expected_over_http(
    client: httpx.AsyncClient, path: Path
) -> None:
    ex = json.loads(path.read_text())  # noqa: ASYNC240 - a small fixture file
    r = await client.post("/v1/points/score", json=ex["facts"])
    assert r.status_code == 200, r.text
    body = r.json()
    jsonschema.validate(body, RESULT_SCHEMA)
    _compare(body, ex["expected"])
    assert body["application_id"] == ex["facts"].get("application_id")


async def test_batch_scores_every_example_in_order(client: httpx.AsyncClient) -> None:
    exs = [json.loads(p.read_text()) for p in EXAMPLES]
    r = await client.post("/v1/points/score/batch", json={"items": [e["facts"] for e in exs]})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == len(exs)
    for res, ex in zip(results, exs, strict=True):
        _compare(res, ex["expected"])


async def test_invalid_facts_get_422_naming_each_offending_field(client: httpx.AsyncClient) -> None:
    facts = json.loads(EXAMPLES[0].read_text())["facts"]
    bad = {**facts, "criminal_record": "no", "person": {**facts["person"], "birth_date": "1981-02-30"}}
    bad["social_insurance"] = [{**facts["social_insurance"][0], "district": "999999"}]
    r = await client.post("/v1/points/score", json=bad)
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert {"criminal_record", "person.birth_date", "social_insurance[0].district"} <= fields
    assert r.json()["error"]["code"]


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"x"', b"null", b"{}"])
async def test_anything_that_is_not_facts_is_a_422_never_a_500(
    client: httpx.AsyncClient, body: bytes
) -> None:
    r = await client.post("/v1/points/score", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] in {"invalid_json", "invalid_facts"}


async def test_batch_names_the_item_of_each_offending_field_and_limits_its_size(
    client: httpx.AsyncClient,
) -> None:
    facts = json.loads(EXAMPLES[0].read_text())["facts"]
    r = await client.post(
        "/v1/points/score/batch", json={"items": [facts, {**facts, "application_year": "2022"}]}
    )
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["error"]["details"]] == ["items[1].application_year"]
    r = await client.post("/v1/points/score/batch", json={"items": [{}] * 10_001})
    assert r.status_code == 422 and r.json()["error"]["code"] == "batch_too_large"
    r = await client.post("/v1/points/score/batch", json=[facts])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_batch"


async def test_openapi_documents_the_contract_with_an_example(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    op = spec["paths"]["/v1/points/score"]["post"]
    content = op["requestBody"]["content"]["application/json"]
    assert content["schema"]["title"] == "PointsFacts" and content["example"]["application_year"] == 2022


@pytest.fixture
async def staff_client() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database is never reached: only requests the edge must refuse are sent."""
    priv, pub = generate_keypair()
    settings = Settings(
        database_url="postgresql+asyncpg://unused@localhost/none",
        kafka_bootstrap_servers="x:1",
        jwt_public_key=pub,
    )
    clock = ManualClock(datetime(2022, 6, 1, 9, 0, tzinfo=BEIJING))
    app = create_app(settings, clock)
    app.state.ctx = build_service_context(settings, clock)
    token = issue_token(
        priv, subject="staff-1", roles=["bureau_staff"], now=clock.now(), ttl=timedelta(days=1)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c
    await app.state.ctx.close()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        # An offset PostgreSQL cannot bind (BIGINT) was a 500.
        ("GET", "/v1/rounds/points-2022/rankings/rk-1/entries?offset=1332790425874581428371456"),
        # A NUL character in an id was sent to PostgreSQL, which refuses it (a 500).
        ("GET", "/v1/rounds/a%00b/rankings"),
        ("GET", "/v1/rounds/points-2022/rankings/a%00b"),
        ("GET", "/v1/rounds/points-2022/rankings/a%00b/entries"),
        ("POST", "/v1/rounds/points-2022/rankings/a%00b/finalize"),
        ("GET", "/v1/applications/a%00b/scores"),
        ("GET", f"/v1/applications/{'P' * 65}/scores"),
    ],
)
async def test_ids_and_offsets_the_database_cannot_take_are_a_422_never_a_500(
    staff_client: httpx.AsyncClient, method: str, url: str
) -> None:
    r = await staff_client.request(method, url)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_failed"
