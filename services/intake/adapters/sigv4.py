"""AWS Signature Version 4 for S3 requests (the ``Authorization`` header form), as pure functions.

Follows "Signature Calculations for the Authorization Header" of the Amazon S3 API reference: a canonical
request (method, URI-encoded path, sorted query, lower-cased sorted headers, signed header names, payload
hash) is hashed into a string to sign, which is signed with a key derived from the secret key, the date,
the region and the service. S3 differs from other services in two ways kept here: the path is encoded once
(never normalised or double-encoded) and ``x-amz-content-sha256`` is always sent and signed.

No I/O and no clock: the caller passes the signing time (it must be the real UTC time, S3 refuses a
request more than 15 minutes off), so the published AWS examples can be replayed as tests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
#: SHA-256 of the empty payload (GET, HEAD).
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)  # never in a repr, a log line or an error message


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 percent-encoding of UTF-8, leaving only ``A-Za-z0-9-._~`` (and ``/`` in paths) as is."""
    return quote(value, safe="/~" if keep_slash else "~")


def encode_path(path: str) -> str:
    """The path as it goes on the wire and into the canonical request (S3: encoded once, ``/`` kept)."""
    return uri_encode(path, keep_slash=True)


def amz_date(at: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` in UTC; ``at`` must be timezone-aware."""
    if at.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    pairs = sorted((uri_encode(k), uri_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """(canonical headers block, signed header names): names lower-cased and sorted, values trimmed and
    inner runs of spaces collapsed to one."""
    normalised: dict[str, str] = {}
    for name, value in headers.items():
        key = name.strip().lower()
        if key in normalised:
            raise ValueError(f"header {key!r} given twice")
        normalised[key] = " ".join(value.split())
    names = sorted(normalised)
    block = "".join(f"{n}:{normalised[n]}\n" for n in names)
    return block, ";".join(names)


def canonical_request(
    method: str,
    encoded_path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    payload_sha256: str,
) -> tuple[str, str]:
    """(canonical request, signed header names)."""
    block, signed = canonical_headers(headers)
    text = "\n".join(
        [method.upper(), encoded_path or "/", canonical_query(query), block, signed, payload_sha256]
    )
    return text, signed


def scope(date_stamp: str, region: str, service: str) -> str:
    return f"{date_stamp}/{region}/{service}/aws4_request"


def string_to_sign(request_date: str, credential_scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{request_date}\n{credential_scope}\n{digest}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date_stamp: str, region: str, service: str) -> bytes:
    k_date = _hmac(f"AWS4{secret_key}".encode(), date_stamp)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, "aws4_request")


def sign_request(
    method: str,
    encoded_path: str,
    headers: Mapping[str, str],
    *,
    payload_sha256: str,
    credentials: Credentials,
    region: str,
    at: datetime,
    query: Iterable[tuple[str, str]] = (),
    service: str = "s3",
) -> dict[str, str]:
    """The headers to send: ``headers`` (which must contain ``host``) plus ``x-amz-date``,
    ``x-amz-content-sha256`` and ``authorization``. Every header returned except ``authorization`` is signed,
    so send exactly these (an HTTP client may add unsigned ones such as ``user-agent``)."""
    if not any(k.strip().lower() == "host" for k in headers):
        raise ValueError("the host header must be signed")
    request_date = amz_date(at)
    date_stamp = request_date[:8]
    out = {k: v for k, v in headers.items() if k.lower() not in ("x-amz-date", "x-amz-content-sha256")}
    out["x-amz-date"] = request_date
    out["x-amz-content-sha256"] = payload_sha256
    canonical, signed = canonical_request(method, encoded_path, query, out, payload_sha256)
    credential_scope = scope(date_stamp, region, service)
    signature = hmac.new(
        signing_key(credentials.secret_key, date_stamp, region, service),
        string_to_sign(request_date, credential_scope, canonical).encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()
    out["authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{credential_scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    return out
