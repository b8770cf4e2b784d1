"""A token-bucket rate limiter per client address, in the API process.

Public verification is open to anyone; the limiter keeps one client from flooding it (429 with
``Retry-After``). Buckets live in memory per API process: with N processes a client gets at most N times
the rate, which is acceptable for a flood guard (a shared limiter would put a database write in front of
every rejected request). Time is monotonic wall time, not the service clock: throttling is about real
seconds, whatever the business date.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
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

    def take(self, client: str) -> float:
        """Take one token for ``client``: 0.0 if allowed, else the seconds to wait before retrying."""
        now = self._now()
        with self._lock:
            b = self._buckets.get(client)
            if b is None:
                if len(self._buckets) >= self._max_clients:
                    self._evict(now)
                b = self._buckets[client] = _Bucket(self.burst, now)
            b.tokens = min(self.burst, b.tokens + (now - b.updated) * self.rate)
            b.updated = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate

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
