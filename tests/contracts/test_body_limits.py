"""Finding 2 of issue 12 (unbounded request bodies, high): every service counts the streamed bytes of a
request body and answers 413 as soon as the route's limit is passed — also for chunked bodies without a
Content-Length, which bypassed the checks before (scoring read a 300 MiB chunked body into memory; intake's
and publicity's multipart limits were bypassed and 62 MB spooled)."""

from __future__ import annotations

import base64
import importlib
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.api.auth import generate_keypair
from tests.support.infra import Infra

MIB = 1024 * 1024


def _app(service: str) -> Any:
    settings_cls = importlib.import_module(f"services.{service}.config").Settings
    settings = settings_cls(
        database_url="postgresql://nobody@127.0.0.1:1/none", jwt_public_key=generate_keypair()[1]
    )
    return importlib.import_module(f"services.{service}.app").create_app(settings), settings


class Counting:
    """A chunked body (no Content-Length) that remembers how much of it was taken."""

    def __init__(self, total: int, chunk: int = 256 * 1024, prefix: bytes = b"") -> None:
        self.total, self.chunk, self.prefix, self.sent = total, chunk, prefix, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.prefix:
            self.sent += len(self.prefix)
            yield self.prefix
        while self.sent < self.total:
            n = min(self.chunk, self.total - self.sent)
            self.sent += n
            yield b" " * n


async def _post(app: Any, path: str, body: Counting, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.post(path, content=body, headers=headers or {})


@pytest.mark.parametrize(
    ("service", "path", "limit"),
    [
        ("scoring", "/v1/points/score", 2 * MIB),
        ("scoring", "/v1/graduates/eligibility", 2 * MIB),
        ("scoring", "/v1/points/score/batch", 64 * MIB),
    ],
)
async def test_an_anonymous_chunked_body_is_stopped_just_past_the_limit(
    service: str, path: str, limit: int
) -> None:
    app, _ = _app(service)
    body = Counting(limit * 5, prefix=b'{"items": [')
    r = await _post(app, path, body, {"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "payload_too_large"
    assert body.sent <= limit + body.chunk + 64, "the body was read beyond the limit"


async def test_a_chunked_multipart_upload_to_intake_is_stopped_past_the_material_limit() -> None:
    app, settings = _app("intake")
    limit = settings.materials_max_bytes + 64 * 1024
    boundary = "xyz"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    body = Counting(limit * 6, prefix=head)
    r = await _post(
        app,
        "/v1/applications/A-1/materials",
        body,
        {"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert body.sent <= limit + body.chunk + len(head)


@pytest.mark.integration
async def test_a_chunked_objection_form_to_publicity_is_stopped_past_its_limit(infra: Infra) -> None:
    """The objection form takes a rate-limit token and checks the data key before it reads the body, so
    this one runs against a real database."""
    from services.publicity.config import Settings
    from services.publicity.context import build_service_context

    url = await infra.fresh_database("publicity")
    settings = Settings(
        database_url=url,
        jwt_public_key=generate_keypair()[1],
        data_key=base64.b64encode(os.urandom(32)).decode(),
        **infra.settings_kwargs("t."),
    )
    app = importlib.import_module("services.publicity.app").create_app(settings)
    app.state.ctx = build_service_context(settings)
    limit = settings.objection_max_request_bytes
    boundary = "xyz"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    body = Counting(limit * 3, prefix=head)
    r = await _post(
        app,
        "/v1/public/publicities/P-1/objections",
        body,
        {"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        assert body.sent <= limit + body.chunk + len(head)
    finally:
        await app.state.ctx.close()
        await infra.drop(url)


@pytest.mark.parametrize("service", ["intake", "review", "scoring", "publicity", "settlement"])
async def test_every_other_route_takes_at_most_the_default(service: str) -> None:
    app, settings = _app(service)
    body = Counting(settings.max_request_bytes * 4)
    r = await _post(app, "/v1/ops/clock/advance", body, {"content-type": "application/json"})
    assert r.status_code == 413
    assert body.sent <= settings.max_request_bytes + body.chunk
