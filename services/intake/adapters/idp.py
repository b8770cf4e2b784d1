"""Identity assertions of the city's identity service (统一身份认证), checked for the token endpoint's
``urn:ietf:params:oauth:grant-type:jwt-bearer`` grant (RFC 7523).

The identity service signs a short-lived JWT about the person it authenticated (``sub``, ``name``,
``id_number``, optionally ``phone``); intake holds only its public keys. :class:`AssertionVerifier` checks,
in this order: the JWT's form; the signature, with the key whose RFC 7638 thumbprint is the header's ``kid``,
or else with each configured key in turn (a real provider's ``kid`` is its own name, which PEM text does not
carry); issuer and audience; ``exp``, ``iat`` and ``nbf`` against the service clock with a small leeway; the
lifetime ``exp - iat``; and the person claims. The algorithm follows from the key, never from the header
(Ed25519: EdDSA; RSA ≥ 2048 bits: RS256; EC P-256: ES256; EC P-384: ES384), so a token cannot pick a weaker
one. Pure CPU, no I/O: the endpoint runs it before any transaction opens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from shared.api.errors import ApiError
from shared.clock import BEIJING
from shared.validation import InvalidIdentifier, parse_resident_id

_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey
_MIN_RSA_BITS = 2048
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384"}


class AssertionRefused(ApiError):
    """An assertion intake does not accept: ``code`` is the API's machine code, ``status`` 401 (not
    authentic, expired, replayed) or 400 (authentic but its person claims are unusable). One of the error
    family, so that it answers as such wherever it surfaces; the login handler words the answer
    (``services.intake.handlers.identity.refusal``)."""

    def __init__(
        self, status: int, code: str, message: str, claim: str | None = None, claim_code: str | None = None
    ) -> None:
        super().__init__(status, code, message)
        #: The person claim at fault (400 only) and a machine code for it, e.g. ``id_number.check_digit``.
        self.claim = claim
        self.claim_code = claim_code


@dataclass(frozen=True)
class VerifiedIdentity:
    """What an accepted assertion says about its person (``repr`` hides the ID number)."""

    issuer: str
    subject: str
    name: str
    id_number: str
    phone: str | None
    jti: str | None
    expires_at: datetime

    def __repr__(self) -> str:
        return f"VerifiedIdentity(issuer={self.issuer!r}, subject={self.subject!r})"


@dataclass(frozen=True)
class IdpKey:
    kid: str
    key: PublicKey
    algorithm: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(n: int, size: int | None = None) -> str:
    return _b64url(n.to_bytes(size or (n.bit_length() + 7) // 8, "big"))


def thumbprint(key: PublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256) of a public key: the ``kid`` a key is found by. For Ed25519 it
    is ``shared.api.auth.public_key_id``'s."""
    members: dict[str, str]
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    elif isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        members = {"e": _int_b64(nums.e), "kty": "RSA", "n": _int_b64(nums.n)}
    else:
        pts = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384"}[key.curve.name]
        members = {"crv": crv, "kty": "EC", "x": _int_b64(pts.x, size), "y": _int_b64(pts.y, size)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def _algorithm(key: Any) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise ValueError(f"an RSA key has {key.key_size} bits; at least {_MIN_RSA_BITS} are required")
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[key.curve.name]
    raise ValueError("a public key must be Ed25519, RSA (2048 bits or more) or EC P-256 / P-384")


def parse_public_keys(pem_text: str) -> list[IdpKey]:
    """Every ``-----BEGIN PUBLIC KEY-----`` block of ``pem_text`` (one, or several while keys rotate).
    ValueError names what is wrong (settings validation shows it at start-up)."""
    blocks = _PEM_BLOCK.findall(pem_text)
    if not blocks:
        raise ValueError("no '-----BEGIN PUBLIC KEY-----' block found")
    keys: list[IdpKey] = []
    for i, block in enumerate(blocks, 1):
        try:
            key = serialization.load_pem_public_key(block.encode())
        except ValueError as e:
            raise ValueError(f"public key {i} cannot be read: {e}") from e
        algorithm = _algorithm(key)
        assert isinstance(key, PublicKey)
        keys.append(IdpKey(thumbprint(key), key, algorithm))
    return keys


def _invalid(message: str) -> AssertionRefused:
    return AssertionRefused(401, "assertion_invalid", message)


def _claims_invalid(claim: str, message: str, claim_code: str = "invalid") -> AssertionRefused:
    return AssertionRefused(400, "assertion_claims_invalid", message, claim, claim_code)


class AssertionVerifier:
    """Checks identity assertions of one issuer for one audience (see the module docstring)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_keys_pem: str,
        leeway: timedelta,
        max_lifetime: timedelta,
        require_jti: bool = False,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = parse_public_keys(public_keys_pem)
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.require_jti = require_jti

    def _candidates(self, assertion: str) -> list[IdpKey]:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as e:
            raise _invalid(f"The assertion is not a signed JWT ({e}).") from None
        kid = header.get("kid")
        named = [k for k in self.keys if k.kid == kid] if isinstance(kid, str) else []
        return named or self.keys

    def _decode(self, assertion: str) -> dict[str, Any]:
        required = ["iss", "aud", "exp", "iat", "sub"] + (["jti"] if self.require_jti else [])
        last: jwt.PyJWTError | None = None
        for candidate in self._candidates(assertion):
            try:
                claims: dict[str, Any] = jwt.decode(
                    assertion,
                    candidate.key,
                    algorithms=[candidate.algorithm],
                    audience=self.audience,
                    issuer=self.issuer,
                    # Times are checked against the service clock (tests and the demo move it), below.
                    options={
                        "require": required,
                        "verify_exp": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                    },
                )
                return claims
            except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as e:
                last = e  # not this key: try the next one
            except jwt.InvalidIssuerError:
                raise _invalid("The assertion's issuer is not the identity service intake trusts.") from None
            except jwt.InvalidAudienceError:
                raise _invalid(
                    f"The assertion is not addressed to intake (audience {self.audience!r})."
                ) from None
            except jwt.MissingRequiredClaimError as e:
                raise _invalid(f"The assertion lacks the {e.claim!r} claim.") from None
            except jwt.PyJWTError as e:
                raise _invalid(f"The assertion is not valid ({e}).") from None
            except (
                ValueError,
                TypeError,
                KeyError,
                OverflowError,
            ) as e:  # a malformed token past PyJWT's checks
                raise _invalid(f"The assertion is not valid ({type(e).__name__}).") from None
        raise _invalid(
            "The assertion's signature does not verify with any key of the identity service intake trusts "
            f"({type(last).__name__ if last else 'no key'})."
        )

    def _check_times(self, claims: dict[str, Any], now: datetime) -> datetime:
        def instant(name: str) -> datetime | None:
            value = claims.get(name)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _invalid(f"The assertion's {name!r} claim is not a NumericDate.")
            try:
                return datetime.fromtimestamp(value, tz=UTC)
            except (OverflowError, OSError, ValueError):
                raise _invalid(f"The assertion's {name!r} claim is out of range.") from None

        exp, iat, nbf = instant("exp"), instant("iat"), instant("nbf")
        assert exp is not None and iat is not None  # required by _decode
        if exp <= now - self.leeway:
            raise AssertionRefused(
                401,
                "assertion_expired",
                "The identity assertion has expired; sign in again at the identity service.",
            )
        if iat > now + self.leeway or (nbf is not None and nbf > now + self.leeway):
            raise _invalid("The identity assertion is not valid yet (issued in the future).")
        if exp - iat > self.max_lifetime:
            raise _invalid(
                f"The identity assertion lives {int((exp - iat).total_seconds())} s; at most "
                f"{int(self.max_lifetime.total_seconds())} s are accepted."
            )
        return exp

    def verify(self, assertion: str, now: datetime) -> VerifiedIdentity:
        """The person an assertion vouches for, or :class:`AssertionRefused`. ``now`` is the service clock."""
        claims = self._decode(assertion)
        expires_at = self._check_times(claims, now)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not 1 <= len(sub) <= 255:
            raise _invalid("The assertion's 'sub' claim must be a string of 1-255 characters.")
        jti = claims.get("jti")
        if jti is not None and (not isinstance(jti, str) or not 1 <= len(jti) <= 255):
            raise _invalid("The assertion's 'jti' claim must be a string of 1-255 characters.")
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 50:
            raise _claims_invalid(
                "name", "The assertion carries no usable 'name' claim (1-50 characters).", "missing"
            )
        if any(ord(c) < 0x20 or c in "<>" for c in name):
            raise _claims_invalid("name", "The assertion's 'name' claim holds characters a name cannot.")
        raw_id = claims.get("id_number")
        if not isinstance(raw_id, str):
            raise _claims_invalid("id_number", "The assertion carries no 'id_number' claim.", "missing")
        try:
            rid = parse_resident_id(raw_id, today=now.astimezone(BEIJING).date())
        except InvalidIdentifier as e:
            raise _claims_invalid(
                "id_number", f"The assertion's ID number is not valid: {e.message}", e.code
            ) from None
        phone = claims.get("phone")
        return VerifiedIdentity(
            issuer=self.issuer,
            subject=sub,
            name=name.strip(),
            id_number=rid.number,
            phone=phone if isinstance(phone, str) else None,
            jti=jti,
            expires_at=expires_at,
        )
