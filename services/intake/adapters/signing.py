"""Access-token signing with a key id (issue 12, finding 8: keys could not be rotated).

Each access token carries a ``kid`` header: the RFC 7638 JWK thumbprint of the signing key's public half
(base64url SHA-256 of its canonical JWK). It is derived from the key itself, so a verifier holding several
public keys computes the same ids from them and needs no separate table of names. The claims are exactly
those of ``shared.api.auth.issue_token`` (``tests/intake/unit/test_signing.py`` compares them); only the
header differs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.api.auth import AUDIENCE, ISSUER


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the JWT signing key must be an Ed25519 private key")
    return key.public_key()


def public_jwk(private_pem: str) -> dict[str, str]:
    """The public half of a signing key as a JWK (RFC 8037), with its ``kid``."""
    raw = _public_key(private_pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    # RFC 7638: the required members in lexicographic order, no whitespace.
    thumbprint = _b64url(
        hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    )
    return {**jwk, "kid": thumbprint, "use": "sig", "alg": "EdDSA"}


def public_pem(private_pem: str) -> str:
    return (
        _public_key(private_pem)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id(private_pem: str) -> str:
    return public_jwk(private_pem)["kid"]


def sign_access_token(
    private_pem: str,
    kid: str,
    *,
    subject: str,
    roles: list[str],
    now: datetime,
    ttl: timedelta,
    extra: dict[str, Any] | None = None,
) -> str:
    """An access token with the claims of ``shared.api.auth.issue_token`` and a ``kid`` header."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "roles": roles,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "typ": "access",
    }
    if extra:
        claims.update(extra)
    return jwt.encode(claims, private_pem, algorithm="EdDSA", headers={"kid": kid})
