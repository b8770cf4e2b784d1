"""The S3-compatible material store: objects in a bucket of AWS S3, MinIO, Ceph RGW or any server that
speaks the S3 REST API, reached over httpx with SigV4-signed requests (``sigv4``; no AWS SDK).

- **Keys** are ``<prefix>/ab/cd/<sha256>``, the disk store's layout, so a migration is a copy.
- **Path-style** addressing, ``{endpoint}/{bucket}/{key}``: it works with every S3-compatible server and
  needs no wildcard DNS (virtual-host style does).
- ``put`` asks ``HEAD`` first and skips the upload when an object of that size is already there (the
  content is its key); otherwise ``PUT`` with ``x-amz-content-sha256`` = the body's SHA-256, which the
  server checks, so a body damaged in transit is refused rather than stored.
- ``get`` hashes what it received and raises :class:`MaterialCorrupted` when it is not the requested digest.
- **Failures**: each request has a timeout; connection errors, timeouts, 5xx and 429 are retried a few
  times with jittered exponential backoff (``Retry-After`` honoured up to the backoff ceiling); any other
  4xx fails at once. Everything but "not found" raises :class:`MaterialStoreError` naming the operation,
  the digest's first characters, the HTTP status and the S3 error code: never a key, a signature or a
  request header.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from services.intake.adapters.sigv4 import EMPTY_SHA256, Credentials, encode_path, sign_request
from services.intake.adapters.storage import (
    MaterialCorrupted,
    MaterialNotFound,
    MaterialStoreError,
    material_key,
)

log = logging.getLogger(__name__)

_ERROR_CODE = re.compile(rb"<Code>([A-Za-z0-9.\-_]{1,64})</Code>")


def _real_utc_now() -> datetime:
    # Signatures need the real time: the service clock may be a test or shared-offset clock moved by days,
    # and S3 refuses a request signed more than 15 minutes off.
    return datetime.now(UTC)


def _s3_error_code(body: bytes) -> str | None:
    m = _ERROR_CODE.search(body[:4096])
    return m.group(1).decode() if m else None


def _describe(resp: httpx.Response) -> str:
    parts = [f"HTTP {resp.status_code}"]
    code = _s3_error_code(resp.content)
    if code:
        parts.append(code)
    request_id = resp.headers.get("x-amz-request-id")
    if request_id and len(request_id) <= 128:
        parts.append(f"request id {request_id}")
    return " ".join(parts)


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date, or nothing: the backoff decides


class S3MaterialStore:
    """A :class:`~services.intake.adapters.storage.MaterialStore` in an S3-compatible bucket.

    ``timeout_s`` bounds each read/write of a request (``connect_timeout_s`` its connection); a request is
    tried at most ``max_attempts`` times. The defaults keep an upload's worst case near half a minute: it
    runs inside the upload's database transaction. The httpx client is created at first use and closed by
    :meth:`aclose`; pass ``transport`` to reach the server some other way (tests)."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        prefix: str = "",
        timeout_s: float = 10.0,
        connect_timeout_s: float = 3.0,
        max_attempts: int = 3,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
        utcnow: Callable[[], datetime] = _real_utc_now,
    ) -> None:
        url = httpx.URL(endpoint)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("the S3 endpoint must be an http(s) URL")
        if url.userinfo or url.query or url.fragment:
            raise ValueError("the S3 endpoint must not carry credentials, a query or a fragment")
        if not bucket or "/" in bucket:
            raise ValueError("not a bucket name")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.bucket = bucket
        self.region = region
        self.prefix = "/".join(p for p in prefix.split("/") if p)
        self._origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        self._host = url.netloc.decode("ascii")  # what httpx sends as Host; signed as such
        self._base_path = url.raw_path.decode("ascii").rstrip("/")
        self._credentials = Credentials(access_key, secret_key)
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._max_attempts = max_attempts
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._transport = transport
        self._utcnow = utcnow
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"S3MaterialStore({self._origin}/{self.bucket}, prefix={self.prefix!r})"

    def key_of(self, sha256: str) -> str:
        """The object key of a digest: ``<prefix>/ab/cd/<sha256>``."""
        key = material_key(sha256)
        return f"{self.prefix}/{key}" if self.prefix else key

    def url_of(self, sha256: str) -> str:
        """The object's path-style URL (without credentials: they go in the signed headers)."""
        return self._origin + self._path_of(sha256)

    def _path_of(self, sha256: str) -> str:
        return f"{self._base_path}/{encode_path(self.bucket)}/{encode_path(self.key_of(sha256))}"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, transport=self._transport, follow_redirects=False
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # ---- the port --------------------------------------------------------------------------------

    async def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its digest; a no-op when an object of the same size is already there."""
        resp = await self._send("HEAD", sha256)
        if resp.status_code == 200:
            size = resp.headers.get("content-length")
            if size is None or size == str(len(data)):
                return
            # Content-addressed: another size under this key is a damaged object, so overwrite it.
            log.warning(
                "material %s… in S3 has %s bytes, not %d: storing it again", sha256[:12], size, len(data)
            )
        elif resp.status_code not in (403, 404):
            # 403: without s3:ListBucket S3 answers a missing key with 403; a PUT that is refused too fails below.
            raise MaterialStoreError(f"S3 HEAD of material {sha256[:12]}… failed: {_describe(resp)}")
        payload_sha256 = hashlib.sha256(data).hexdigest()
        resp = await self._send(
            "PUT",
            sha256,
            body=data,
            payload_sha256=payload_sha256,
            headers={"content-type": "application/octet-stream"},
        )
        if resp.status_code not in (200, 201, 204):
            raise MaterialStoreError(f"S3 PUT of material {sha256[:12]}… failed: {_describe(resp)}")

    async def get(self, sha256: str) -> bytes:
        """The content stored under ``sha256``, checked against it; :class:`MaterialNotFound` if none."""
        resp = await self._send("GET", sha256)
        if resp.status_code == 404 and _s3_error_code(resp.content) != "NoSuchBucket":
            raise MaterialNotFound(sha256)  # a missing bucket is a misconfiguration, not a missing file
        if resp.status_code != 200:
            raise MaterialStoreError(f"S3 GET of material {sha256[:12]}… failed: {_describe(resp)}")
        data = resp.content
        if hashlib.sha256(data).hexdigest() != sha256:
            raise MaterialCorrupted(
                f"S3 object of material {sha256[:12]}… ({len(data)} bytes) does not hash to its key: "
                "storage corruption; restore it from a backup or have the applicant upload it again"
            )
        return data

    # ---- HTTP ------------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        sha256: str,
        *,
        body: bytes = b"",
        payload_sha256: str = EMPTY_SHA256,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request, retried on connection errors, timeouts, 5xx and 429 (idempotent: the key is the
        content); the last answer otherwise, whatever its status."""
        path = self._path_of(sha256)
        url = self._origin + path
        what = f"S3 {method} of material {sha256[:12]}…"
        for attempt in range(1, self._max_attempts + 1):
            # Signed at each attempt: the date is part of the signature.
            signed = sign_request(
                method,
                path,
                {
                    "host": self._host,
                    "accept-encoding": "identity",  # the bytes as stored, or the digest check would fail
                    **(headers or {}),
                },
                payload_sha256=payload_sha256,
                credentials=self._credentials,
                region=self.region,
                at=self._utcnow(),
            )
            retry_after: float | None = None
            try:
                resp = await self._http().request(method, url, content=body or None, headers=signed)
            except httpx.TransportError as e:  # connect/read/write errors and timeouts
                failure = type(e).__name__
            except httpx.HTTPError as e:  # anything else httpx refuses (not worth retrying)
                raise MaterialStoreError(f"{what} failed: {type(e).__name__}") from e
            else:
                if resp.status_code < 500 and resp.status_code != 429:
                    return resp
                failure = _describe(resp)
                retry_after = _retry_after(resp)
            if attempt == self._max_attempts:
                raise MaterialStoreError(f"{what} failed after {attempt} attempts: {failure}")
            ceiling = min(self._backoff_max_s, self._backoff_initial_s * 2 ** (attempt - 1))
            delay = random.uniform(0, ceiling)  # full jitter: retries from many requests spread out
            if retry_after is not None:
                delay = max(delay, min(retry_after, self._backoff_max_s))
            log.warning(
                "%s: %s (attempt %d of %d); retrying in %.2fs",
                what,
                failure,
                attempt,
                self._max_attempts,
                delay,
            )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
