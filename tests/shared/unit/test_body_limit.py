"""The one request-body limit: counted on the streamed bytes, per route, 413 as soon as it is passed —
also for chunked bodies without Content-Length and for multipart forms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request, UploadFile

from shared.api.limits import BodyLimit


def _app(reads: list[int]) -> Any:
    app = FastAPI()

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        body = await request.body()
        reads.append(len(body))
        return {"n": len(body)}

    @app.post("/files/{name}")
    async def upload(name: str, file: UploadFile) -> dict[str, int]:
        data = await file.read()
        reads.append(len(data))
        return {"n": len(data)}

    @app.post("/stream")
    async def stream(request: Request) -> dict[str, int]:
        n = 0
        async for chunk in request.stream():
            n += len(chunk)
        reads.append(n)
        return {"n": n}

    return BodyLimit(app, default=1000, limits={("POST", "/files/{name}"): 50_000}, routes_of=app)


async def _chunks(total: int, size: int = 4096) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"x" * n


async def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_body_within_the_default_limit_passes() -> None:
    reads: list[int] = []
    async with await _client(_app(reads)) as c:
        r = await c.post("/small", content=b"x" * 1000)
    assert r.status_code == 200 and r.json() == {"n": 1000}


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    reads: list[int] = []
    async with await _client(_app(reads)) as c:
        r = await c.post("/small", content=b"x" * 1001)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert reads == []


async def test_a_chunked_body_without_length_is_stopped_as_soon_as_it_passes_the_limit() -> None:
    reads: list[int] = []
    async with await _client(_app(reads)) as c:
        r = await c.post("/stream", content=_chunks(10_000_000))
        r2 = await c.post("/small", content=_chunks(5000, 100))
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert r2.status_code == 413
    assert reads == []  # neither endpoint ever saw the whole body


async def test_a_route_with_its_own_limit_takes_larger_multipart_uploads_but_not_beyond() -> None:
    reads: list[int] = []
    async with await _client(_app(reads)) as c:
        ok = await c.post("/files/a", files={"file": ("a.pdf", b"%PDF" + b"x" * 40_000, "application/pdf")})
        big = await c.post("/files/a", files={"file": ("a.pdf", b"%PDF" + b"x" * 60_000, "application/pdf")})
    assert ok.status_code == 200 and ok.json() == {"n": 40_004}
    assert big.status_code == 413
    assert reads == [40_004]


async def test_reads_are_not_limited() -> None:
    reads: list[int] = []
    async with await _client(_app(reads)) as c:
        r = await c.get("/small")
    assert r.status_code == 405
