"""Retry delays and the circuit breaker of the department adapters."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.review.adapters.resilience import CircuitBreaker, backoff_delay, retry_after_seconds


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_backoff_grows_exponentially_within_its_jittered_ceiling_and_is_capped() -> None:
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(2.0, 0.1 * 2 ** (attempt - 1))
        for _ in range(200):
            d = backoff_delay(attempt, initial_s=0.1, max_s=2.0, rng=rng)
            assert ceiling / 2 <= d <= ceiling
    assert backoff_delay(30, initial_s=0.1, max_s=2.0, rng=rng) <= 2.0


def test_backoff_is_jittered_so_callers_spread_out() -> None:
    rng = random.Random(2)
    delays = {round(backoff_delay(3, initial_s=1, max_s=60, rng=rng), 6) for _ in range(50)}
    assert len(delays) > 40


def test_backoff_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        backoff_delay(0, initial_s=1, max_s=1)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.25") == 0.25
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    now = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Fri, 01 Mar 2024 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Fri, 01 Mar 2024 11:00:00 GMT", now=now) == 0.0


def test_breaker_opens_after_consecutive_failures_and_a_success_resets_the_count() -> None:
    b = CircuitBreaker("tax", failure_threshold=3, open_s=10, clock=FakeTime())
    b.record_failure()
    b.record_failure()
    b.record_success()
    b.record_failure()
    b.record_failure()
    assert b.allow() and b.current_state() == "closed"
    b.record_failure()
    assert b.current_state() == "open"
    assert not b.allow()
    assert b.times_opened == 1


def test_open_breaker_lets_one_trial_through_after_the_pause_and_closes_on_success() -> None:
    t = FakeTime()
    b = CircuitBreaker("police", failure_threshold=1, open_s=10, clock=t)
    b.record_failure()
    assert not b.allow()
    assert b.retry_in() == pytest.approx(10)
    t.t += 10
    assert b.current_state() == "half_open"
    assert b.allow()  # the trial call
    assert not b.allow()  # only one at a time
    b.record_success()
    assert b.current_state() == "closed" and b.allow() and b.allow()


def test_a_failed_trial_opens_the_breaker_again_for_another_pause() -> None:
    t = FakeTime()
    b = CircuitBreaker("housing", failure_threshold=2, open_s=5, clock=t)
    b.record_failure()
    b.record_failure()
    t.t += 5
    assert b.allow()
    b.record_failure()
    assert b.current_state() == "open" and not b.allow()
    t.t += 4.9
    assert not b.allow()
    t.t += 0.1
    assert b.allow()
    assert b.times_opened == 2
