"""Token bucket for the public objection endpoint (pure arithmetic; the state lives in the database).

Each client key holds up to ``capacity`` tokens, refilled continuously at ``refill_per_second``; a request
takes one token or is refused with the seconds until one is back (``Retry-After``). A clock that goes
backwards refills nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    capacity: int
    refill_per_second: float

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.refill_per_second <= 0:
            raise ValueError("a bucket needs capacity >= 1 and a positive refill rate")


@dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    bucket: Bucket
    retry_after_s: int  # 0 when allowed


def take(policy: BucketPolicy, bucket: Bucket | None, now: datetime) -> Decision:
    """Take one token from ``bucket`` (a new key starts full) at ``now``."""
    if bucket is None:
        tokens = float(policy.capacity)
    else:
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(float(policy.capacity), bucket.tokens + elapsed * policy.refill_per_second)
    if tokens >= 1.0:
        return Decision(True, Bucket(tokens - 1.0, now), 0)
    wait = (1.0 - tokens) / policy.refill_per_second
    return Decision(False, Bucket(tokens, now), max(1, math.ceil(wait)))
