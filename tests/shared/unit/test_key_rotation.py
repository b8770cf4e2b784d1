"""Keys rotate without a flag day (issue 12, finding 8): a service configured with the new and the old
public key accepts tokens of both; a token's kid picks its key; a retired or unknown key is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.api.auth import generate_keypair, issue_token, public_key_id, public_keys_by_id, verify_token
from shared.api.errors import ApiError

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _with_kid(private_pem: str, public_pem: str) -> str:
    token = issue_token(private_pem, subject="u1", roles=["bureau_staff"], now=NOW)
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, private_pem, algorithm="EdDSA", headers={"kid": public_key_id(public_pem)})


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037, appendix A.3: the thumbprint of the example Ed25519 key.
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    import base64

    raw = base64.urlsafe_b64decode(x + "=")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    pem = (
        Ed25519PublicKey.from_public_bytes(raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert public_key_id(pem) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_during_a_rotation_tokens_of_the_new_and_the_old_key_are_accepted() -> None:
    old_priv, old_pub = generate_keypair()
    new_priv, new_pub = generate_keypair()
    configured = new_pub + "\n" + old_pub
    assert set(public_keys_by_id(configured)) == {public_key_id(new_pub), public_key_id(old_pub)}
    for priv, pub in ((new_priv, new_pub), (old_priv, old_pub)):
        assert verify_token(_with_kid(priv, pub), configured, NOW).subject == "u1"
    # A token from before kids were issued is tried against every configured key.
    assert (
        verify_token(issue_token(old_priv, subject="u2", roles=[], now=NOW), configured, NOW).subject == "u2"
    )


def test_a_token_of_a_retired_or_unknown_key_is_refused() -> None:
    old_priv, old_pub = generate_keypair()
    _, new_pub = generate_keypair()
    with pytest.raises(ApiError) as e:
        verify_token(_with_kid(old_priv, old_pub), new_pub, NOW)
    assert e.value.status == 401 and "does not accept" in e.value.message
    with pytest.raises(ApiError):
        verify_token(issue_token(old_priv, subject="u", roles=[], now=NOW), new_pub, NOW)


def test_a_kid_that_names_one_key_cannot_be_verified_with_another() -> None:
    a_priv, a_pub = generate_keypair()
    _, b_pub = generate_keypair()
    forged = jwt.encode({"sub": "x"}, a_priv, algorithm="EdDSA", headers={"kid": public_key_id(b_pub)})
    with pytest.raises(ApiError):
        verify_token(forged, a_pub + b_pub, NOW)
