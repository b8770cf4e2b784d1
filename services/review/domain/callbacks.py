"""Callbacks to partner departments: where they may go and how they are signed (pure, stdlib only).

Signature scheme (version ``v1``), for a department to verify a callback:

* ``X-Hukou-Timestamp``: Unix time in whole seconds (decimal ASCII) when the request was signed.
* ``X-Hukou-Signature``: ``sha256=`` + lowercase hex of
  ``HMAC-SHA256(key=<the department's callback secret, UTF-8>, msg=<timestamp> + "." + <raw body bytes>)``.
* ``X-Hukou-Submission-Id``: the submission id (also ``submission_id`` in the body); identical on every
  retry of the same callback, so the receiver can deduplicate on it.

The receiver recomputes the HMAC over the body bytes exactly as received (before any JSON parsing),
compares in constant time, and refuses a timestamp too far from its own clock (we suggest 5 minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

SIGNATURE_PREFIX = "sha256="
TIMESTAMP_HEADER = "X-Hukou-Timestamp"
SIGNATURE_HEADER = "X-Hukou-Signature"
SUBMISSION_ID_HEADER = "X-Hukou-Submission-Id"
DEPARTMENT_HEADER = "X-Hukou-Department"
MAX_CALLBACK_URL_LENGTH = 500  # department_submissions.callback_url


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Hukou-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    now: int | None = None,
    tolerance_s: int = 300,
) -> bool:
    """What a department does on receipt (reference implementation, also used by our tests)."""
    if not timestamp.isdigit():
        return False
    if now is not None and abs(now - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def callback_url_problem(url: str, allowed_hosts: Iterable[str]) -> str | None:
    """Why ``url`` may not be called back for a department allowed ``allowed_hosts``; None if it may.

    The host must be exactly one of the allowed hosts (case-insensitive, any port); the scheme must be
    https, except plain http to a loopback host (local development); no credentials in the URL."""
    if len(url) > MAX_CALLBACK_URL_LENGTH:
        return f"longer than {MAX_CALLBACK_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on an invalid port
    except ValueError:
        return "not a valid URL"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials"
    if not host:
        return "has no host"
    allowed = {h.strip().lower().strip("[]") for h in allowed_hosts}
    if host not in allowed:
        return f"host {host!r} is not on this department's callback allow-list"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    return "must use https (plain http only to a loopback host)"
