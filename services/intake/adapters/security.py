"""Passwords (argon2id) and refresh tokens (random, stored only as their SHA-256)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    """argon2id hashing off the event loop (a hash takes tens of milliseconds of CPU)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._ph = hasher or PasswordHasher()
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._ph.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True if ``password`` matches. With no stored hash (unknown user) a dummy hash is checked, so
        that the answer takes as long whether or not the user exists."""
        if stored_hash is None:
            if self._dummy is None:
                self._dummy = await self.hash(secrets.token_urlsafe(16))
            stored_hash = self._dummy
            password = password + "\x00never"
        try:
            return await asyncio.to_thread(self._ph.verify, stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def new_refresh_token() -> tuple[str, str]:
    """A new refresh token and the digest under which it is stored."""
    token = "rt_" + secrets.token_urlsafe(32)
    return token, refresh_token_digest(token)


def refresh_token_digest(token: str) -> str:
    # The token has 256 bits of entropy: a plain SHA-256 cannot be reversed or guessed.
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def new_consent_token() -> tuple[str, str]:
    """A one-time consent link's token (256 bits) and the SHA-256 under which it is stored."""
    token = "gc_" + secrets.token_urlsafe(32)
    return token, refresh_token_digest(token)
