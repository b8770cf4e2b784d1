"""A text with a NUL character passes pydantic's ``str`` but PostgreSQL cannot compare or store it: the
request is refused with 422 ``validation_failed`` (``text_invalid``), never a 500. Found by schemathesis:
``GET /v1/ops/audit?actor=%122…%00…`` raised ``CharacterNotInRepertoireError`` out of the app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.scoring.app import create_app
from services.scoring.config import Settings
from shared.api.auth import generate_keypair, issue_token
from shared.clock import ManualClock
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

NOW = datetime(2024, 5, 10, 1, 0, tzinfo=UTC)


async def test_a_nul_character_in_a_query_is_a_422_not_a_500(infra: Infra, topic_prefix: str) -> None:
    url = await infra.fresh_database("scoring")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, **infra.settings_kwargs(topic_prefix))
    app = create_app(settings, ManualClock(NOW))
    token = issue_token(priv, subject="ops-1", roles=["operations_admin"], now=NOW, ttl=timedelta(hours=1))
    transport = httpx.ASGITransport(app=app)  # raises what the app lets through
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                headers = {"Authorization": f"Bearer {token}"}
                r = await c.get("/v1/ops/audit", params={"actor": "staff\x00-1"}, headers=headers)
                assert r.status_code == 422, r.text
                error = r.json()["error"]
                assert error["code"] == "validation_failed"
                assert [d["code"] for d in error["details"]] == ["text_invalid"]
                ok = await c.get("/v1/ops/audit", params={"actor": "staff-1"}, headers=headers)
                assert ok.status_code == 200, ok.text
    finally:
        await infra.drop(url)
