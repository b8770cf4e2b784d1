"""A development stand-in for the city's identity service (统一身份认证).

The declaration frontends authenticate people at the city's identity service, which hands them a short-lived
signed identity assertion; intake exchanges it for its own tokens (``grant_type=urn:ietf:params:oauth:
grant-type:jwt-bearer``, RFC 7523) and needs no password login per applicant. Locally nobody runs that
service: the stack keeps a key pair under ``var/keys`` (:func:`idp_keys`), gives intake its public half
(``INTAKE_EXTERNAL_IDP_ISSUER``, ``…_AUDIENCE``, ``…_PUBLIC_KEYS``) and the demo, the bench and the tests
mint assertions with :func:`mint_identity_assertion`.

``now`` is the stack's clock (the demo moves it): intake checks ``exp``/``iat`` against its own clock.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.api.auth import generate_keypair, public_key_id

DEV_IDP_ISSUER = "https://id.beijing.example/dev"
IDP_AUDIENCE = "hukou-intake"


def idp_keys(var_dir: Path) -> tuple[str, str]:
    """The stand-in's Ed25519 key pair (private PEM, public PEM), created once under ``var_dir/keys``
    (``idp_private.pem`` readable by its owner only, ``idp_public.pem``)."""
    kdir = var_dir / "keys"
    kdir.mkdir(parents=True, exist_ok=True)
    priv, pub = kdir / "idp_private.pem", kdir / "idp_public.pem"
    if not priv.exists() or not pub.exists():
        p, q = generate_keypair()
        # Created with mode 0600 from the start: no moment in which another user could read it.
        fd = os.open(priv, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(p)
        priv.chmod(0o600)
        pub.write_text(q)
    return priv.read_text(), pub.read_text()


@lru_cache(maxsize=8)
def _signing_key(private_pem: str) -> tuple[Ed25519PrivateKey, str]:
    """The private key parsed once, and its ``kid``."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the development identity service signs with an Ed25519 key")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public_key_id(public.decode())


def mint_identity_assertion(
    private_pem: str,
    *,
    sub: str,
    name: str,
    id_number: str,
    now: datetime,
    ttl: timedelta = timedelta(minutes=5),
    issuer: str = DEV_IDP_ISSUER,
    audience: str = IDP_AUDIENCE,
    phone: str | None = None,
) -> str:
    """A signed identity assertion (EdDSA, header ``kid`` = the RFC 7638 thumbprint of the public key) about
    the person ``sub``: ``iss``, ``aud``, ``sub``, ``name``, ``id_number``, ``iat``, ``nbf``, ``exp``
    (``now + ttl``), a random ``jti`` (intake accepts each assertion once) and ``phone`` when given."""
    iat = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "name": name,
        "id_number": id_number,
        "iat": iat,
        "nbf": iat,
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_urlsafe(16),
    }
    if phone is not None:
        claims["phone"] = phone
    key, kid = _signing_key(private_pem)
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})
