"""Retry delays and the circuit breaker the department adapters use.

Both are small and deterministic when given a random source and a time source, so the unit tests
drive them without sleeping.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


def backoff_delay(attempt: int, *, initial_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempt`` (1 = the first retry): "equal jitter" exponential backoff.

    The ceiling doubles each attempt (``initial_s × 2^(attempt-1)``, capped at ``max_s``); the delay is
    uniformly drawn from the upper half of it, so retries from many callers spread out (no thundering
    herd) while still growing.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(max_s, initial_s * 2.0 ** (attempt - 1))
    r = rng.random() if rng is not None else random.random()
    return ceiling / 2 + r * ceiling / 2


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """The ``Retry-After`` header as seconds (delta-seconds or an HTTP date); ``None`` if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(tz=UTC))).total_seconds())


@dataclass
class CircuitBreaker:
    """Stops calling a department that keeps failing, and tries again after a pause.

    ``closed``: calls go through; ``failure_threshold`` consecutive failures open it. ``open``: calls are
    refused at once for ``open_s`` seconds. Then ``half_open``: one trial call goes through; its success
    closes the breaker, its failure opens it again for another ``open_s``.
    """

    name: str
    failure_threshold: int = 5
    open_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    state: BreakerState = "closed"
    failures: int = 0
    opened_at: float = 0.0
    times_opened: int = 0
    _trial_in_flight: bool = field(default=False, repr=False)

    def current_state(self) -> BreakerState:
        if self.state == "open" and self.clock() - self.opened_at >= self.open_s:
            self.state = "half_open"
            self._trial_in_flight = False
        return self.state

    def allow(self) -> bool:
        """May a call go out now? In ``half_open`` only one trial at a time is allowed."""
        state = self.current_state()
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self.state = "closed"
        self.failures = 0
        self._trial_in_flight = False

    def record_failure(self) -> None:
        if self.state == "half_open":
            self._open()
            return
        self.failures += 1
        if self.state == "closed" and self.failures >= self.failure_threshold:
            self._open()

    def _open(self) -> None:
        self.state = "open"
        self.opened_at = self.clock()
        self.times_opened += 1
        self._trial_in_flight = False

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a trial call through (0 when not open)."""
        if self.current_state() != "open":
            return 0.0
        return max(0.0, self.open_s - (self.clock() - self.opened_at))
