"""A JSON body that is not UTF-8 is invalid JSON like any other: 422 ``validation_failed`` with a
``json_invalid`` detail on the body, never FastAPI's bare, undocumented 400 (found by schemathesis:
``-d $'\\x07Dq>\\xff'`` to any JSON route)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from services.scoring.app import create_app
from services.scoring.config import Settings
from shared.api.errors import install_error_handlers

NOT_UTF8 = b"\x07Dq>\xff\xfe"


class Thing(BaseModel):
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def create(thing: Thing) -> Thing:
        return thing

    return app


async def _post(app: FastAPI, path: str, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.post(path, content=body, headers={"content-type": "application/json"})


async def test_a_body_that_is_not_utf8_is_a_422_json_invalid_on_the_body() -> None:
    r = await _post(_app(), "/things", NOT_UTF8)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"] == [
        {"field": "body", "code": "json_invalid", "message": "The body is not UTF-8 JSON."}
    ]


async def test_malformed_utf8_json_keeps_fastapis_own_json_invalid() -> None:
    r = await _post(_app(), "/things", b'{"name": ')
    assert r.status_code == 422
    assert [d["code"] for d in r.json()["error"]["details"]] == ["json_invalid"]


async def test_a_service_route_answers_the_same_and_documents_it() -> None:
    settings = Settings(database_url="postgresql+asyncpg://x@127.0.0.1:1/none", kafka_bootstrap_servers="x:1")
    app = create_app(settings)
    # the body is read before the caller is authenticated: no token needed to reach the parser
    r = await _post(app, "/v1/rounds/pts-2024/rankings", NOT_UTF8)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "json_invalid"
    assert "422" in app.openapi()["paths"]["/v1/rounds/{round_id}/rankings"]["post"]["responses"]
