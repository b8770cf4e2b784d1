"""The per-client limiter of failed token requests (issue 12, finding 7), in the API process.

A token bucket per client network: each refused token request (wrong password, unknown user, a locked
account, a bad refresh token) takes a token; when the bucket is empty the token endpoint answers 429
``rate_limited`` with ``Retry-After`` before it reads the database or hashes anything. Good logins take
nothing, so a NAT gateway with many honest users, the demo and the tests are never throttled; guessing and
floods of wrong passwords are (and so is the argon2 CPU they would cost).

Clients are keyed by network, not by address (issue 12, finding 8): an IPv4 address alone, an IPv6
address by its /64 (one subscriber usually holds a whole /64, and could otherwise rotate through 2^64
addresses). Buckets live in memory per API process: with N processes a client gets at most N times the
rate, acceptable for a guard that the per-account lock backs up. Time is monotonic wall time, not the
service clock: throttling is about real seconds, whatever the business date.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


def client_network(address: str) -> str:
    """The rate-limit key of a client address: IPv4 as is, IPv6 by its /64 (an IPv4-mapped IPv6 address
    is its IPv4 address); anything that is not an address is used as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FailureLimiter:
    """``burst`` failures at once per client, then ``per_minute`` a minute."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        now: Callable[[], float] = time.monotonic,
        max_clients: int = 50_000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._now = now
        self._max_clients = max_clients
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> _Bucket | None:
        b = self._buckets.get(key)
        if b is not None:
            b.tokens = min(self.burst, b.tokens + (now - b.updated) * self.rate)
            b.updated = now
        return b

    def wait(self, key: str) -> float:
        """0.0 when ``key`` may try, else the seconds until it may."""
        with self._lock:
            b = self._refilled(key, self._now())
            if b is None or b.tokens >= 1.0:
                return 0.0
            return (1.0 - b.tokens) / self.rate

    def failed(self, key: str) -> None:
        """Count one refused request of ``key``."""
        now = self._now()
        with self._lock:
            b = self._refilled(key, now)
            if b is None:
                if len(self._buckets) >= self._max_clients:
                    self._evict(now)
                b = self._buckets[key] = _Bucket(self.burst, now)
            b.tokens = max(0.0, b.tokens - 1.0)

    def _evict(self, now: float) -> None:
        # Buckets that have refilled completely carry no information: drop them; if none, drop the oldest.
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for k in (
            full
            or sorted(self._buckets, key=lambda k: self._buckets[k].updated)[: len(self._buckets) // 10 + 1]
        ):
            del self._buckets[k]

    @staticmethod
    def retry_after_header(wait_s: float) -> str:
        return str(max(1, math.ceil(wait_s)))
