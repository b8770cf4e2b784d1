"""Application-level encryption of personal data (ID numbers, reporter identities).

AES-256-GCM with a 32-byte key from settings (``<P>DATA_KEY``, base64). The key id travels with the
ciphertext so keys can be rotated: a :class:`Sealer` may hold old keys for opening. ``digest`` gives a
keyed HMAC-SHA256 of a value, for equality lookups (one application per person per round, bad-conduct
records) without storing the value in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SealError(ValueError):
    pass


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: str  # base64
    ciphertext: str  # base64
    alg: str = "AES-256-GCM"

    def as_dict(self) -> dict[str, str]:
        return {"alg": self.alg, "key_id": self.key_id, "nonce": self.nonce, "ciphertext": self.ciphertext}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Sealed:
        return cls(
            key_id=d["key_id"], nonce=d["nonce"], ciphertext=d["ciphertext"], alg=d.get("alg", "AES-256-GCM")
        )


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"key-id:" + key).hexdigest()[:12]


def decode_key(b64: str) -> bytes:
    try:
        key = base64.b64decode(b64, validate=True)
    except ValueError as e:
        raise SealError("the data key is not valid base64") from e
    if len(key) != 32:
        raise SealError(f"the data key must be 32 bytes, got {len(key)}")
    return key


class Sealer:
    """Seals with the current key; opens with the current or any older key given."""

    def __init__(self, current_key_b64: str, old_keys_b64: tuple[str, ...] = ()) -> None:
        self._current = decode_key(current_key_b64)
        self._keys = {_key_id(k): k for k in (self._current, *map(decode_key, old_keys_b64))}
        self.key_id = _key_id(self._current)

    def seal(self, plaintext: str, *, context: str) -> Sealed:
        """Encrypt ``plaintext``; ``context`` (e.g. "id_number") is bound as associated data."""
        nonce = os.urandom(12)
        ct = AESGCM(self._current).encrypt(nonce, plaintext.encode(), context.encode())
        return Sealed(self.key_id, base64.b64encode(nonce).decode(), base64.b64encode(ct).decode())

    def open(self, sealed: Sealed, *, context: str) -> str:
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise SealError(f"unknown data key {sealed.key_id}")
        try:
            pt = AESGCM(key).decrypt(
                base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), context.encode()
            )
        except (InvalidTag, ValueError) as e:
            raise SealError("the sealed value is corrupt or was sealed for another context") from e
        return pt.decode()

    def digest(self, value: str, *, context: str) -> str:
        """Keyed, deterministic digest for lookups (hex); the value cannot be recovered from it."""
        return hmac.new(self._current, f"{context}:{value}".encode(), hashlib.sha256).hexdigest()
