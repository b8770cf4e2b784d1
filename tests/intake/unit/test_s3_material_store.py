"""The S3 material store against a scripted HTTP transport: keys, signing, skip-if-present, integrity,
bounded retries (5xx, 429, connection errors; never other 4xx), errors without secrets; and its settings."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from services.intake.adapters.s3 import S3MaterialStore
from services.intake.adapters.storage import (
    DiskMaterialStore,
    MaterialCorrupted,
    MaterialNotFound,
    MaterialStoreError,
)
from services.intake.config import Settings
from services.intake.context import Runtime

DATA = b"%PDF-1.4\n%%EOF\n"
SHA = hashlib.sha256(DATA).hexdigest()
SECRET = "s3cr3t/Key+VeryPrivate0123456789abcdefgh"
ACCESS = "AKIAINTAKETEST000001"

Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """A transport that answers from a list of responses (or exceptions) and records the requests."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def methods(self) -> list[str]:
        return [r.method for r in self.requests]


def store_on(script: Script, **kw: object) -> S3MaterialStore:
    options: dict[str, object] = {
        "endpoint": "http://s3.test:9000",
        "bucket": "hukou-materials",
        "access_key": ACCESS,
        "secret_key": SECRET,
        "max_attempts": 3,
        "backoff_initial_s": 0.001,
        "backoff_max_s": 0.005,
        **kw,
    }
    return S3MaterialStore(transport=httpx.MockTransport(script), **options)  # type: ignore[arg-type]


def s3_error(status: int, code: str) -> httpx.Response:
    body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>m</Message></Error>"
    return httpx.Response(status, content=body.encode(), headers={"x-amz-request-id": "REQ123"})


def test_objects_are_addressed_path_style_under_the_prefix_like_the_disk_store() -> None:
    store = store_on(Script(), endpoint="https://gw.example.test/s3/", prefix="/intake/materials/")
    assert store.key_of(SHA) == f"intake/materials/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    assert (
        store.url_of(SHA)
        == f"https://gw.example.test/s3/hukou-materials/intake/materials/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    )
    assert store_on(Script()).key_of(SHA) == f"{SHA[:2]}/{SHA[2:4]}/{SHA}"
    assert str(DiskMaterialStore(Path("/m")).path_of(SHA)) == f"/m/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    with pytest.raises(ValueError):
        store.key_of("../../etc/passwd")
    assert SECRET not in repr(store)


async def test_put_uploads_a_signed_object_with_its_payload_digest_when_head_finds_none() -> None:
    script = Script(httpx.Response(404), httpx.Response(200))
    store = store_on(script)
    await store.put(SHA, DATA)
    head, put = script.requests
    assert script.methods() == ["HEAD", "PUT"]
    assert put.url.raw_path.decode() == f"/hukou-materials/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    assert put.content == DATA
    assert put.headers["x-amz-content-sha256"] == SHA
    assert put.headers["content-type"] == "application/octet-stream"
    assert put.headers["host"] == "s3.test:9000"
    auth = put.headers["authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS}/")
    assert "/us-east-1/s3/aws4_request" in auth
    assert "SignedHeaders=accept-encoding;content-type;host;x-amz-content-sha256;x-amz-date," in auth
    assert SECRET not in str(put.headers) and SECRET not in str(head.headers)
    await store.aclose()


async def test_put_is_a_no_op_when_the_object_is_already_there() -> None:
    script = Script(httpx.Response(200, headers={"content-length": str(len(DATA))}))
    store = store_on(script)
    await store.put(SHA, DATA)
    assert script.methods() == ["HEAD"]


async def test_put_replaces_an_object_of_the_wrong_size_under_the_digest() -> None:
    script = Script(httpx.Response(200, headers={"content-length": "3"}), httpx.Response(200))
    await store_on(script).put(SHA, DATA)
    assert script.methods() == ["HEAD", "PUT"]


async def test_get_returns_the_content_and_checks_it_hashes_to_the_requested_digest() -> None:
    store = store_on(Script(httpx.Response(200, content=DATA), httpx.Response(200, content=DATA + b"x")))
    assert await store.get(SHA) == DATA
    with pytest.raises(MaterialCorrupted, match="does not hash to its key"):
        await store.get(SHA)


async def test_get_of_a_missing_object_is_material_not_found_but_a_missing_bucket_is_an_error() -> None:
    with pytest.raises(MaterialNotFound):
        await store_on(Script(s3_error(404, "NoSuchKey"))).get(SHA)
    with pytest.raises(MaterialStoreError, match="HTTP 404 NoSuchBucket"):
        await store_on(Script(s3_error(404, "NoSuchBucket"))).get(SHA)


async def test_server_errors_throttling_and_connection_errors_are_retried() -> None:
    script = Script(
        s3_error(503, "SlowDown"),
        httpx.ConnectError("refused"),
        httpx.Response(200, content=DATA),
    )
    assert await store_on(script).get(SHA) == DATA
    assert script.methods() == ["GET", "GET", "GET"]
    # Each attempt is signed afresh.
    assert all("authorization" in r.headers for r in script.requests)

    script = Script(
        s3_error(429, "SlowDown"), httpx.ReadTimeout("slow"), httpx.Response(404), httpx.Response(200)
    )
    await store_on(script).put(SHA, DATA)
    assert script.methods() == ["HEAD", "HEAD", "HEAD", "PUT"]


async def test_retries_are_bounded_and_end_in_a_material_store_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = Script(
        s3_error(500, "InternalError"), s3_error(502, "BadGateway"), s3_error(500, "InternalError")
    )
    with caplog.at_level(logging.WARNING), pytest.raises(MaterialStoreError) as err:
        await store_on(script).get(SHA)
    assert len(script.requests) == 3
    assert "failed after 3 attempts: HTTP 500 InternalError request id REQ123" in str(err.value)
    assert not isinstance(err.value, MaterialCorrupted)
    assert len([r for r in caplog.records if "retrying" in r.getMessage()]) == 2
    assert SECRET not in caplog.text and SECRET not in str(err.value)


async def test_other_client_errors_fail_at_once_without_leaking_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for status, code in [(403, "SignatureDoesNotMatch"), (400, "InvalidArgument")]:
        script = Script(s3_error(status, code))
        with caplog.at_level(logging.DEBUG), pytest.raises(MaterialStoreError) as err:
            await store_on(script).get(SHA)
        assert len(script.requests) == 1
        assert f"HTTP {status} {code}" in str(err.value)
        for secret in (SECRET, ACCESS, "Signature="):
            assert secret not in str(err.value)
            assert secret not in caplog.text

    script = Script(httpx.Response(404), s3_error(403, "AccessDenied"))
    with pytest.raises(MaterialStoreError, match=r"S3 PUT of material .* HTTP 403 AccessDenied"):
        await store_on(script).put(SHA, DATA)
    assert script.methods() == ["HEAD", "PUT"]


async def test_retry_after_is_honoured_up_to_the_backoff_ceiling() -> None:
    script = Script(httpx.Response(503, headers={"retry-after": "120"}), httpx.Response(200, content=DATA))
    started = time.monotonic()
    await store_on(script, backoff_max_s=0.2).get(SHA)
    assert 0.2 <= time.monotonic() - started < 5


@pytest.mark.parametrize(
    "endpoint", ["ftp://s3.test", "http://user:pw@s3.test", "http://s3.test/?x=1", "s3.test"]
)
def test_the_endpoint_must_be_a_plain_http_url(endpoint: str) -> None:
    with pytest.raises(ValueError):
        store_on(Script(), endpoint=endpoint)


# ---- settings -------------------------------------------------------------------------------------

S3_SETTINGS = {
    "materials_storage": "s3",
    "materials_s3_endpoint": "http://minio.test:9000",
    "materials_s3_bucket": "hukou-materials",
    "materials_s3_access_key": ACCESS,
    "materials_s3_secret_key": SECRET,
}


def test_s3_storage_needs_endpoint_bucket_and_keys_and_names_the_missing_ones() -> None:
    with pytest.raises(ValidationError) as err:
        Settings(
            materials_storage="s3", materials_s3_bucket="hukou-materials", materials_s3_secret_key=SECRET
        )
    message = str(err.value)
    assert "INTAKE_MATERIALS_S3_ENDPOINT, INTAKE_MATERIALS_S3_ACCESS_KEY are not set" in message
    assert SECRET not in message

    with pytest.raises(ValidationError, match="INTAKE_MATERIALS_S3_SECRET_KEY is not set"):
        Settings(**{**S3_SETTINGS, "materials_s3_secret_key": ""})  # type: ignore[arg-type]
    # The disk store needs none of them.
    assert Settings().materials_storage == "disk"


def test_s3_settings_are_checked_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    for field, bad in [
        ("materials_s3_endpoint", "ftp://minio.test"),
        ("materials_s3_endpoint", "http://ak:sk@minio.test"),
        ("materials_s3_bucket", "Hukou_Materials!"),
        ("materials_s3_prefix", "a/../b"),
        ("materials_s3_region", "us-east-1/x"),
    ]:
        with pytest.raises(ValidationError) as err:
            Settings(**{**S3_SETTINGS, field: bad})  # type: ignore[arg-type]
        assert field in str(err.value) and SECRET not in str(err.value)

    monkeypatch.setenv("INTAKE_MATERIALS_STORAGE", "s3")
    monkeypatch.setenv("INTAKE_MATERIALS_S3_ENDPOINT", "https://s3.cn-north-1.amazonaws.com.cn")
    monkeypatch.setenv("INTAKE_MATERIALS_S3_BUCKET", "hukou-materials")
    monkeypatch.setenv("INTAKE_MATERIALS_S3_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("INTAKE_MATERIALS_S3_SECRET_KEY", SECRET)
    monkeypatch.setenv("INTAKE_MATERIALS_S3_PREFIX", "/intake/materials/")
    s = Settings()
    assert s.materials_s3_prefix == "intake/materials" and s.materials_s3_region == "us-east-1"
    assert SECRET not in repr(s)


async def test_the_runtime_picks_the_store_from_the_setting_and_closes_it(tmp_path: Path) -> None:
    assert isinstance(Runtime(Settings(materials_dir=tmp_path)).store, DiskMaterialStore)
    rt = Runtime(Settings(**{**S3_SETTINGS, "materials_s3_prefix": "p"}))  # type: ignore[arg-type]
    store = rt.store
    assert isinstance(store, S3MaterialStore)
    assert store.url_of(SHA) == f"http://minio.test:9000/hukou-materials/p/{SHA[:2]}/{SHA[2:4]}/{SHA}"
    await rt.aclose()
    await rt.aclose()  # twice is harmless
