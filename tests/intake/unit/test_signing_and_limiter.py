"""Issue 12, finding 8: access tokens name their signing key (``kid``, the RFC 7638 thumbprint) and intake
publishes the public keys of the current and earlier signing keys; findings 7/8: the token endpoint's
limiter keys IPv6 clients by their /64."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.intake.adapters.ratelimit import FailureLimiter, client_network
from services.intake.adapters.signing import key_id, public_jwk, public_pem, sign_access_token
from services.intake.config import Settings
from services.intake.context import Runtime
from shared.api.auth import generate_keypair, issue_token, verify_token

NOW = datetime(2024, 5, 10, 1, 0, tzinfo=UTC)


def test_tokens_carry_the_kid_of_their_key_and_the_claims_of_the_shared_issuer() -> None:
    private, public = generate_keypair()
    kid = key_id(private)
    token = sign_access_token(
        private,
        kid,
        subject="acc_1",
        roles=["applicant"],
        now=NOW,
        ttl=timedelta(minutes=15),
        extra={"name": "张三"},
    )
    assert jwt.get_unverified_header(token)["kid"] == kid
    shared = issue_token(private, subject="acc_1", roles=["applicant"], now=NOW, extra={"name": "张三"})
    assert jwt.decode(token, options={"verify_signature": False}) == jwt.decode(
        shared, options={"verify_signature": False}
    )
    assert verify_token(token, public, NOW).subject == "acc_1"  # today's verifiers accept it unchanged
    assert public_pem(private).strip() == public.strip()


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    d = base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = (
        Ed25519PrivateKey.from_private_bytes(d)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    jwk = public_jwk(pem)
    assert jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert jwk["kid"] == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_the_runtime_publishes_the_current_key_first_then_the_previous_ones() -> None:
    current, _ = generate_keypair()
    old, old_public = generate_keypair()
    rt = Runtime(Settings(jwt_private_key=current, jwt_previous_private_keys=[old, current]))
    keys = rt.public_keys()
    assert [k["kid"] for k in keys] == [key_id(current), key_id(old)]
    assert rt.signing_kid == key_id(current)
    # A token signed by the previous key before the rotation still verifies with its public key.
    token = sign_access_token(
        old, key_id(old), subject="acc_2", roles=["bureau_staff"], now=NOW, ttl=timedelta(minutes=15)
    )
    assert verify_token(token, old_public, NOW).subject == "acc_2"


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("unknown", "unknown"),
    ],
)
def test_clients_are_keyed_by_ipv4_address_or_ipv6_slash_64(address: str, key: str) -> None:
    assert client_network(address) == key


def test_the_limiter_counts_failures_only_and_refills() -> None:
    t = [0.0]
    limiter = FailureLimiter(per_minute=6, burst=3, now=lambda: t[0])
    assert limiter.wait("a") == 0.0
    for _ in range(3):
        limiter.failed("a")
    assert limiter.wait("a") == pytest.approx(10.0)
    assert limiter.wait("b") == 0.0
    t[0] = 10.0
    assert limiter.wait("a") == 0.0
    assert FailureLimiter.retry_after_header(0.2) == "1"
