"""Authentication and permissions shared by every service.

Access tokens are short-lived JWTs signed by the intake service with an Ed25519 private key;
every service verifies them with the public key alone (``<SVC>_JWT_PUBLIC_KEY``). Each
service declares one permission table, ``{(METHOD, path): roles}``; it is the single source
of who may call what, enforced by one dependency on every route and checked by a test that
every route has an entry. A route missing from the table is refused (fail closed).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import Request
from fastapi.routing import APIRoute

from shared.api.errors import ApiError


class Role(StrEnum):
    APPLICANT = "applicant"
    EMPLOYER_ADMIN = "employer_admin"
    SUPERVISING_UNIT = "supervising_unit"
    BUREAU_STAFF = "bureau_staff"
    DISTRICT_STAFF = "district_staff"
    DEPARTMENT_CLIENT = "department_client"
    OPERATIONS_ADMIN = "operations_admin"
    PUBLIC = "public"  # anyone, no credentials


ISSUER = "bj-hukou-intake"
AUDIENCE = "bj-hukou"


#: The access-token claim naming a supervising-unit account's unit (like ``district`` for district staff).
SUPERVISING_UNIT_CLAIM = "supervising_unit"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    name: str | None = None
    employer: str | None = None  # credit code, for employer administrators
    department: str | None = None  # for department clients
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def supervising_unit(self) -> str | None:
        """The supervising unit (主管单位) a supervising-unit account acts for: the access token's
        ``supervising_unit`` claim, issued by intake; None for anyone else."""
        value = self.claims.get(SUPERVISING_UNIT_CLAIM)
        return value if isinstance(value, str) and value else None


ANONYMOUS = Principal(subject="anonymous", roles=frozenset({Role.PUBLIC.value}))


def issue_token(
    private_key_pem: str,
    *,
    subject: str,
    roles: list[str],
    now: datetime,
    ttl: timedelta = timedelta(minutes=15),
    extra: dict[str, Any] | None = None,
) -> str:
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
    return jwt.encode(claims, private_key_pem, algorithm="EdDSA")


_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


def public_key_id(public_key_pem: str) -> str:
    """The RFC 7638 JWK thumbprint of an Ed25519 public key: the ``kid`` intake puts in its tokens."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def public_keys_by_id(public_keys_pem: str) -> dict[str, str]:
    """Every PEM public key in ``public_keys_pem`` (one, or several concatenated while keys rotate) by kid."""
    return dict(_keys_by_id(public_keys_pem))


@functools.lru_cache(maxsize=16)
def _keys_by_id(public_keys_pem: str) -> tuple[tuple[str, str], ...]:
    # Parsed once per configured key set, not on every request (it was ~45% of a token check).
    blocks = _PEM_BLOCK.findall(public_keys_pem) or [public_keys_pem]
    return tuple((public_key_id(b), b) for b in blocks)


@functools.lru_cache(maxsize=16)
def _loaded_public_key(public_key_pem: str) -> Any:
    return serialization.load_pem_public_key(public_key_pem.encode())


def _key_for(token: str, public_keys_pem: str) -> list[str]:
    """The keys to try: the one the token's ``kid`` names (401 for a kid no configured key has), or all of
    them for a token without a kid (issued before kids, during a rotation)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = public_keys_by_id(public_keys_pem)
    except (jwt.PyJWTError, ValueError, TypeError) as e:
        raise ApiError(
            401,
            "invalid_token",
            f"The access token is not valid: {e}.",
            headers={"WWW-Authenticate": "Bearer"},
        ) from e
    if kid is None:
        return list(keys.values())
    if kid not in keys:
        raise ApiError(
            401,
            "invalid_token",
            "The access token was signed with a key this service does not accept (retired or unknown).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return [keys[kid]]


def verify_token(token: str, public_key_pem: str, now: datetime) -> Principal:
    """Verify an access token against the configured public key(s): several PEM blocks may be configured
    while keys rotate; a token's ``kid`` picks its key."""
    candidates = _key_for(token, public_key_pem)
    claims: dict[str, Any] | None = None
    for i, key in enumerate(candidates):
        try:
            claims = _decode(token, key)
            break
        except ApiError:
            if i == len(candidates) - 1:
                raise
    assert claims is not None
    return _principal(token, claims, now)


def _decode(token: str, public_key_pem: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _loaded_public_key(public_key_pem),
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            issuer=ISSUER,
            # Times are checked below against the project clock (which tests and the demo may move),
            # not against the machine's clock.
            options={
                "require": ["exp", "sub", "iat"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as e:
        raise ApiError(
            401,
            "invalid_token",
            f"The access token is not valid: {e}.",
            headers={"WWW-Authenticate": "Bearer"},
        ) from e
    return claims


def _principal(token: str, claims: dict[str, Any], now: datetime) -> Principal:
    # Expiry is checked against the project clock (which tests and the demo may move).
    if int(claims["exp"]) <= int(now.timestamp()):
        raise ApiError(
            401,
            "token_expired",
            "The access token has expired; refresh it or log in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if int(claims["iat"]) > int(now.timestamp()) + 60:
        raise ApiError(
            401,
            "invalid_token",
            "The access token was issued in the future.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if claims.get("typ") != "access":
        raise ApiError(401, "invalid_token", "Not an access token.", headers={"WWW-Authenticate": "Bearer"})
    return Principal(
        subject=str(claims["sub"]),
        roles=frozenset(claims.get("roles", [])),
        name=claims.get("name"),
        employer=claims.get("employer"),
        department=claims.get("department"),
        claims=claims,
    )


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


PermissionTable = Mapping[tuple[str, str], frozenset[str]]


def roles(*rs: Role) -> frozenset[str]:
    return frozenset(r.value for r in rs)


def api_key_digest(key: str) -> str:
    """How API keys are stored and configured: the SHA-256 hex digest, never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


class Authorizer:
    """The one dependency that enforces a service's permission table on every route.

    Callers authenticate with ``Authorization: Bearer <JWT>`` or, for partner department systems,
    ``X-API-Key: <key>``; ``api_keys`` maps the SHA-256 digest of each key to the principal it stands for
    (role ``department_client`` and the department it is scoped to).
    """

    def __init__(
        self,
        table: PermissionTable,
        public_key_pem: str | None,
        clock: Any,
        api_keys: Mapping[str, Principal] | None = None,
    ) -> None:
        self.table = table
        self.public_key_pem = public_key_pem
        self.clock = clock
        self.api_keys = dict(api_keys or {})

    def allowed(self, method: str, path: str) -> frozenset[str] | None:
        return self.table.get((method.upper(), path))

    async def __call__(self, request: Request) -> Principal:
        route = request.scope.get("route")
        path = route.path if isinstance(route, APIRoute) else request.url.path
        allowed = self.allowed(request.method, path)
        if allowed is None:
            raise ApiError(403, "forbidden", f"{request.method} {path} is not open to any role.")
        principal = ANONYMOUS
        header = request.headers.get("authorization")
        api_key = request.headers.get("x-api-key")
        if api_key:
            found = self.api_keys.get(api_key_digest(api_key))
            if found is None:
                raise ApiError(401, "invalid_api_key", "The API key is not valid.")
            principal = found
        elif header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise ApiError(
                    401,
                    "invalid_token",
                    "Use 'Authorization: Bearer <token>'.",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            if not self.public_key_pem:
                raise ApiError(401, "auth_not_configured", "This service has no token key configured.")
            principal = verify_token(token, self.public_key_pem, self.clock.now())
        if Role.PUBLIC.value in allowed:
            request.state.principal = principal
            return principal
        if principal is ANONYMOUS:
            raise ApiError(
                401,
                "unauthenticated",
                "Log in first: this endpoint needs a bearer token.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.roles.intersection(allowed):
            raise ApiError(
                403,
                "forbidden",
                f"Your role ({', '.join(sorted(principal.roles))}) may not call {request.method} {path}; "
                f"allowed: {', '.join(sorted(allowed))}.",
            )
        request.state.principal = principal
        return principal
