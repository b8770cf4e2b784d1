"""The S3 material store against a real S3-compatible HTTP server (moto's, in a thread of this process),
which checks every request's SigV4 signature with the access key it issued; then materials through the
intake API with ``INTAKE_MATERIALS_STORAGE=s3``."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from fastapi import FastAPI
from moto.server import ThreadedMotoServer

from services.intake.adapters.s3 import S3MaterialStore
from services.intake.adapters.storage import MaterialCorrupted, MaterialNotFound, MaterialStoreError
from services.intake.app import create_app
from services.intake.config import Settings
from shared.api.auth import generate_keypair
from shared.clock import ManualClock
from shared.devstack.servers import free_port
from tests.intake.support import START, Intake, bearer
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BUCKET = "hukou-materials"


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    s3: Any  # a boto3 S3 client with the same key: the test's own view of the bucket

    def store(self, **kw: Any) -> S3MaterialStore:
        options: dict[str, Any] = {
            "endpoint": self.endpoint,
            "bucket": BUCKET,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.05,
            **kw,
        }
        return S3MaterialStore(**options)

    def object(self, key: str) -> bytes:
        body: bytes = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return body


def _client(service: str, endpoint: str, key: str, secret: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        # Path-style, and plain bodies (no aws-chunked trailing checksums) so objects are the bytes put.
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 on a free port with an IAM user whose key may use S3; from then on moto authenticates
    every request (it recomputes the SigV4 signature and answers 403 SignatureDoesNotMatch if it differs)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        iam = _client("iam", endpoint, "bootstrap", "bootstrap")
        iam.create_user(UserName="intake")
        iam.put_user_policy(
            UserName="intake",
            PolicyName="materials",
            PolicyDocument='{"Version": "2012-10-17", "Statement": '
            '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
        )
        key = iam.create_access_key(UserName="intake")["AccessKey"]
        s3 = _client("s3", endpoint, key["AccessKeyId"], key["SecretAccessKey"])
        s3.create_bucket(Bucket=BUCKET)
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()  # authenticate all
        yield S3Server(endpoint, key["AccessKeyId"], key["SecretAccessKey"], s3)
    finally:
        try:  # back to moto's defaults: no authentication, no state
            httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"inf")
            httpx.post(f"{endpoint}/moto-api/reset")
        finally:
            server.stop()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- the store -----------------------------------------------------------------------------------


async def test_a_material_goes_in_and_comes_out_under_its_content_address(s3_server: S3Server) -> None:
    store = s3_server.store(prefix="store/round-trip")
    data = PDF + secrets.token_bytes(64)
    sha = digest(data)
    try:
        await store.put(sha, data)
        assert await store.get(sha) == data
        assert s3_server.object(f"store/round-trip/{sha[:2]}/{sha[2:4]}/{sha}") == data
        head = s3_server.s3.head_object(Bucket=BUCKET, Key=store.key_of(sha))
        assert head["ContentType"] == "application/octet-stream"
    finally:
        await store.aclose()


async def test_putting_the_same_content_twice_is_a_no_op(s3_server: S3Server) -> None:
    store = s3_server.store(prefix="store/twice")
    data = PDF + secrets.token_bytes(64)
    sha = digest(data)
    try:
        await store.put(sha, data)
        first = s3_server.s3.head_object(Bucket=BUCKET, Key=store.key_of(sha))
        await store.put(sha, data)
        second = s3_server.s3.head_object(Bucket=BUCKET, Key=store.key_of(sha))
        assert second["ETag"] == first["ETag"] and second["LastModified"] == first["LastModified"]
        assert (await store.get(sha)) == data
    finally:
        await store.aclose()


async def test_a_missing_object_is_material_not_found_and_a_missing_bucket_an_error(
    s3_server: S3Server,
) -> None:
    store = s3_server.store()
    no_bucket = s3_server.store(bucket="no-such-bucket")
    try:
        with pytest.raises(MaterialNotFound):
            await store.get(digest(b"never stored"))
        with pytest.raises(MaterialStoreError, match="HTTP 404 NoSuchBucket"):
            await no_bucket.get(digest(b"never stored"))
        with pytest.raises(MaterialStoreError, match=r"S3 PUT .* HTTP 404 NoSuchBucket"):
            await no_bucket.put(digest(PDF), PDF)
    finally:
        await store.aclose()
        await no_bucket.aclose()


async def test_an_object_changed_in_the_bucket_is_reported_as_corrupted_and_repaired_by_a_put(
    s3_server: S3Server,
) -> None:
    store = s3_server.store(prefix="store/corrupt")
    data = PDF + secrets.token_bytes(64)
    sha = digest(data)
    try:
        await store.put(sha, data)
        s3_server.s3.put_object(Bucket=BUCKET, Key=store.key_of(sha), Body=b"something else entirely")
        with pytest.raises(MaterialCorrupted, match="does not hash to its key"):
            await store.get(sha)
        await store.put(sha, data)  # another size under the digest: stored again
        assert await store.get(sha) == data
    finally:
        await store.aclose()


async def test_the_server_refuses_a_wrong_secret_at_once_and_the_error_does_not_show_it(
    s3_server: S3Server,
) -> None:
    wrong = "not-the-secret-" + secrets.token_hex(8)
    store = s3_server.store(secret_key=wrong)
    try:
        with pytest.raises(MaterialStoreError) as err:
            await store.get(digest(b"x"))
        assert "HTTP 403 SignatureDoesNotMatch" in str(err.value)
        assert "attempts" not in str(err.value)  # a 4xx is not retried
        assert wrong not in str(err.value) and s3_server.secret_key not in str(err.value)
    finally:
        await store.aclose()


async def test_an_unreachable_server_fails_after_the_bounded_retries() -> None:
    port = free_port()  # nothing listens there
    store = S3MaterialStore(
        endpoint=f"http://127.0.0.1:{port}",
        bucket=BUCKET,
        access_key="AKIAUNREACHABLE00000",
        secret_key="unreachable-secret",
        max_attempts=3,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
        connect_timeout_s=1.0,
    )
    try:
        with pytest.raises(MaterialStoreError, match="failed after 3 attempts: ConnectError") as err:
            await store.put(digest(PDF), PDF)
        assert "unreachable-secret" not in str(err.value)
    finally:
        await store.aclose()


# ---- through the intake API ----------------------------------------------------------------------


@asynccontextmanager
async def intake_on_s3(
    infra: Infra, topic_prefix: str, tmp: Path, s3: S3Server, prefix: str
) -> AsyncIterator[tuple[Intake, FastAPI]]:
    """The intake app on a fresh database with the S3 store, run through its real lifespan (which closes
    the store's connections at the end)."""
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(
        database_url=url,
        jwt_public_key=pub,
        jwt_private_key=priv,
        data_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        materials_dir=tmp / "materials-unused",
        materials_storage="s3",
        materials_s3_endpoint=s3.endpoint,  # type: ignore[arg-type]
        materials_s3_bucket=BUCKET,
        materials_s3_access_key=s3.access_key,
        materials_s3_secret_key=s3.secret_key,  # type: ignore[arg-type]
        materials_s3_prefix=prefix,
        **infra.settings_kwargs(topic_prefix),
    )
    clock = ManualClock(START)
    app = create_app(settings, clock)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            yield Intake(settings, clock, app.state.ctx, http, priv), app
    finally:
        await infra.drop(url)


async def test_materials_uploaded_through_the_api_live_in_the_bucket(
    infra: Infra, topic_prefix: str, tmp_path: Path, s3_server: S3Server
) -> None:
    prefix = f"intake/{topic_prefix.rstrip('.')}"
    async with intake_on_s3(infra, topic_prefix, tmp_path, s3_server, prefix) as (intake, app):
        app_id, applicant, employer = await intake.submitted_application()
        url = f"/v1/applications/{app_id}/materials"
        h = bearer(applicant)

        r = await intake.http.post(url, headers=h, files={"file": ("学位证书.pdf", PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        pdf = r.json()
        sha = pdf["sha256"]
        assert sha == digest(PDF) and pdf["media_type"] == "application/pdf"
        key = f"{prefix}/{sha[:2]}/{sha[2:4]}/{sha}"
        assert s3_server.object(key) == PDF
        assert not (tmp_path / "materials-unused").exists()

        again = await intake.http.post(url, headers=h, files={"file": ("copy.pdf", PDF, "application/pdf")})
        assert again.status_code == 200 and again.json()["id"] == pdf["id"]

        listed = (await intake.http.get(url, headers=bearer(employer))).json()
        assert [(m["id"], m["sha256"]) for m in listed] == [(pdf["id"], sha)]
        r = await intake.http.get(f"{url}/{pdf['id']}", headers=h)
        assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"

        # Damaged in the bucket: refused with a clear code rather than served.
        s3_server.s3.put_object(Bucket=BUCKET, Key=key, Body=PDF + b"tampered")
        r = await intake.http.get(f"{url}/{pdf['id']}", headers=h)
        assert r.status_code == 502 and r.json()["error"]["code"] == "material_corrupted"
        # Gone from the bucket: 410, as with the disk store.
        s3_server.s3.delete_object(Bucket=BUCKET, Key=key)
        r = await intake.http.get(f"{url}/{pdf['id']}", headers=h)
        assert r.status_code == 410 and r.json()["error"]["code"] == "material_gone"

        store = app.state.ctx.runtime.store
        assert isinstance(store, S3MaterialStore)
    # The lifespan closed the store's HTTP client.
    assert store._client is None


async def test_an_unreachable_store_answers_503_through_the_api(
    infra: Infra, topic_prefix: str, tmp_path: Path, s3_server: S3Server
) -> None:
    dead = S3Server(f"http://127.0.0.1:{free_port()}", s3_server.access_key, s3_server.secret_key, None)
    async with intake_on_s3(infra, topic_prefix, tmp_path, dead, "dead") as (intake, _):
        app_id, applicant, _ = await intake.submitted_application()
        url = f"/v1/applications/{app_id}/materials"
        r = await intake.http.post(url, headers=bearer(applicant), files={"file": ("a.pdf", PDF)})
        assert r.status_code == 503 and r.json()["error"]["code"] == "material_store_unavailable"
        assert s3_server.secret_key not in r.text
        # Nothing was linked: the upload's transaction rolled back.
        assert (await intake.http.get(url, headers=bearer(applicant))).json() == []
