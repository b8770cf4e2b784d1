"""Identity assertions of the city's identity service (issue 13, item 7): what intake's verifier accepts and
refuses, with which code, and the development stand-in that mints them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from services.intake.adapters.idp import AssertionRefused, AssertionVerifier, parse_public_keys, thumbprint
from services.intake.config import Settings
from shared.api.auth import generate_keypair, public_key_id
from shared.devstack.idp import DEV_IDP_ISSUER, IDP_AUDIENCE, idp_keys, mint_identity_assertion
from shared.validation import synthetic_resident_id

NOW = datetime(2024, 5, 10, 1, 0, tzinfo=UTC)
PERSON = synthetic_resident_id(date(1988, 2, 3), 17)


def _verifier(public_pem: str, **kw: Any) -> AssertionVerifier:
    args: dict[str, Any] = {
        "issuer": DEV_IDP_ISSUER,
        "audience": IDP_AUDIENCE,
        "public_keys_pem": public_pem,
        "leeway": timedelta(seconds=30),
        "max_lifetime": timedelta(minutes=10),
    }
    return AssertionVerifier(**(args | kw))


def _mint(private: str, **kw: Any) -> str:
    args: dict[str, Any] = {"sub": "u-1", "name": "张三", "id_number": PERSON, "now": NOW}
    return mint_identity_assertion(private, **(args | kw))


def _refusal(verifier: AssertionVerifier, assertion: str, now: datetime = NOW) -> AssertionRefused:
    with pytest.raises(AssertionRefused) as e:
        verifier.verify(assertion, now)
    return e.value


def _pems(key: Any) -> tuple[Any, str]:
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public.decode()


def _sign(key: Any, alg: str, claims: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid} if kid else None)


def _claims(**over: Any) -> dict[str, Any]:
    iat = int(NOW.timestamp())
    base = {
        "iss": DEV_IDP_ISSUER,
        "aud": IDP_AUDIENCE,
        "sub": "u-1",
        "name": "张三",
        "id_number": PERSON,
        "iat": iat,
        "exp": iat + 300,
    }
    return {k: v for k, v in (base | over).items() if v is not None}


def test_a_minted_assertion_verifies_with_the_stand_ins_public_key() -> None:
    private, public = generate_keypair()
    who = _verifier(public).verify(_mint(private, phone="13800138000"), NOW)
    assert (who.issuer, who.subject, who.name, who.id_number, who.phone) == (
        DEV_IDP_ISSUER,
        "u-1",
        "张三",
        PERSON,
        "13800138000",
    )
    assert who.jti and who.expires_at == NOW + timedelta(minutes=5)
    assert PERSON not in repr(who)  # the ID number never reaches a log line through repr


def test_the_kid_is_the_rfc7638_thumbprint_shared_auth_computes() -> None:
    private, public = generate_keypair()
    assert jwt.get_unverified_header(_mint(private))["kid"] == public_key_id(public)
    assert parse_public_keys(public)[0].kid == public_key_id(public)


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
    ],
    ids=["RS256", "ES256"],
)
def test_rsa_and_ec_keys_of_real_identity_providers_verify_with_any_kid(key: Any, alg: str) -> None:
    key, public = _pems(key)
    verifier = _verifier(public)
    assert verifier.keys[0].algorithm == alg
    # A real provider's kid is its own name: unknown to PEM text, so each key is tried.
    assert verifier.verify(_sign(key, alg, _claims(), kid="provider-key-2024"), NOW).subject == "u-1"
    assert verifier.keys[0].kid == thumbprint(verifier.keys[0].key)


def test_during_a_rotation_either_key_verifies_and_the_kid_picks_its_key() -> None:
    old_priv, old_pub = generate_keypair()
    new_priv, new_pub = generate_keypair()
    verifier = _verifier(old_pub + "\n" + new_pub)
    assert len(verifier.keys) == 2
    assert verifier.verify(_mint(old_priv), NOW).subject == "u-1"
    assert verifier.verify(_mint(new_priv), NOW).subject == "u-1"


def test_refusals_each_with_its_code() -> None:
    private, public = generate_keypair()
    other, _ = generate_keypair()
    v = _verifier(public)
    cases = {
        "wrong key": (_mint(other), 401, "assertion_invalid"),
        "wrong issuer": (_mint(private, issuer="https://evil.example"), 401, "assertion_invalid"),
        "wrong audience": (_mint(private, audience="another-service"), 401, "assertion_invalid"),
        "expired": (_mint(private, now=NOW - timedelta(minutes=6)), 401, "assertion_expired"),
        "issued in the future": (_mint(private, now=NOW + timedelta(minutes=2)), 401, "assertion_invalid"),
        "too long": (_mint(private, ttl=timedelta(hours=2)), 401, "assertion_invalid"),
        "not a JWT": ("not-a-jwt", 401, "assertion_invalid"),
        "no sub": (_sign_ed(private, _claims(sub=None)), 401, "assertion_invalid"),
        "no exp": (_sign_ed(private, _claims(exp=None)), 401, "assertion_invalid"),
        "no name": (_sign_ed(private, _claims(name=None)), 400, "assertion_claims_invalid"),
        "no ID number": (_sign_ed(private, _claims(id_number=None)), 400, "assertion_claims_invalid"),
        "invalid ID number": (
            _sign_ed(private, _claims(id_number=PERSON[:17] + ("0" if PERSON[17] != "0" else "1"))),
            400,
            "assertion_claims_invalid",
        ),
    }
    for what, (assertion, status, code) in cases.items():
        refused = _refusal(v, assertion)
        assert (refused.status, refused.code) == (status, code), what
    invalid_id = _refusal(v, cases["invalid ID number"][0])
    assert (invalid_id.claim, invalid_id.claim_code) == ("id_number", "id_number.check_digit")


def _sign_ed(private: str, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, private, algorithm="EdDSA")


def test_a_tampered_payload_fails_the_signature() -> None:
    private, public = generate_keypair()
    header, _payload, signature = _mint(private).split(".")
    forged_claims = jwt.decode(_mint(private), options={"verify_signature": False}) | {"sub": "someone-else"}
    forged = jwt.encode(forged_claims, "x" * 32, algorithm="HS256").split(".")[1]
    refused = _refusal(_verifier(public), f"{header}.{forged}.{signature}")
    assert refused.code == "assertion_invalid" and "signature" in refused.message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_algorithm_comes_from_the_key_never_from_the_header() -> None:
    """HS256 with the public key as the shared secret (the classic confusion) is refused."""
    _, public = generate_keypair()
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(_claims()).encode())
    mac = hmac.new(public.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{head}.{body}.{_b64(mac)}"
    assert _refusal(_verifier(public), forged).code == "assertion_invalid"
    unsigned = _b64(json.dumps({"alg": "none"}).encode()) + "." + body + "."
    assert _refusal(_verifier(public), unsigned).code == "assertion_invalid"


def test_the_leeway_tolerates_a_small_clock_difference_only() -> None:
    private, public = generate_keypair()
    v = _verifier(public)
    just_expired = _mint(private, now=NOW - timedelta(minutes=5, seconds=10))
    assert v.verify(just_expired, NOW).subject == "u-1"
    assert _refusal(v, just_expired, NOW + timedelta(seconds=25)).code == "assertion_expired"


def test_jti_may_be_required() -> None:
    private, public = generate_keypair()
    v = _verifier(public, require_jti=True)
    assert _refusal(v, _sign_ed(private, _claims())).code == "assertion_invalid"
    assert v.verify(_mint(private), NOW).jti


def test_unusable_keys_and_half_configured_settings_fail_at_start_up() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValueError, match="2048"):
        parse_public_keys(_pems(small)[1])
    with pytest.raises(ValueError, match="no '-----BEGIN PUBLIC KEY-----'"):
        parse_public_keys("not a key")
    _, public = generate_keypair()
    with pytest.raises(ValueError, match="EXTERNAL_IDP_PUBLIC_KEYS"):
        Settings(external_idp_issuer=DEV_IDP_ISSUER)
    with pytest.raises(ValueError, match="EXTERNAL_IDP_ISSUER"):
        Settings(external_idp_public_keys=public)
    assert Settings(external_idp_issuer=DEV_IDP_ISSUER, external_idp_public_keys=public).external_idp_issuer


def test_the_stand_in_keeps_its_keys_under_var_keys_private_key_owner_only(tmp_path: Path) -> None:
    private, public = idp_keys(tmp_path)
    mode = stat.S_IMODE((tmp_path / "keys" / "idp_private.pem").stat().st_mode)
    assert mode == 0o600
    assert idp_keys(tmp_path) == (private, public)  # created once
    assert _verifier(public).verify(_mint(private), NOW).subject == "u-1"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "a.b",
        "a.b.c",
        "eyJhbGciOiJFZERTQSJ9.e30.",
        "eyJhbGciOiJFZERTQSIsImtpZCI6WzFdfQ.eyJpc3MiOjF9.AAAA",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "!!!.???.###",
    ],
)
def test_malformed_assertions_are_refused_never_an_unexpected_error(garbage: str) -> None:
    _, public = generate_keypair()
    assert _refusal(_verifier(public), garbage).status == 401


def test_claims_of_the_wrong_type_are_refused() -> None:
    private, public = generate_keypair()
    v = _verifier(public)
    for bad in ({"exp": "tomorrow"}, {"sub": 42}, {"name": ["张三"]}, {"id_number": 110105}, {"aud": 7}):
        refused = _refusal(v, _sign_ed(private, _claims(**bad)))
        assert refused.status in (400, 401), bad
