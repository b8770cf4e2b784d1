"""The verification rate limiter: a burst, then the sustained rate, per client."""

from __future__ import annotations

from services.settlement.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_client_gets_its_burst_then_waits_for_the_rate() -> None:
    t = FakeTime()
    rl = RateLimiter(per_minute=60, burst=3, now=t)
    assert [rl.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = rl.take("a")
    assert 0.9 < wait <= 1.0 and RateLimiter.retry_after_header(wait) == "1"
    assert rl.take("b") == 0.0  # other clients are not affected
    t.t += 1.0
    assert rl.take("a") == 0.0
    assert rl.take("a") > 0


def test_buckets_are_bounded() -> None:
    t = FakeTime()
    rl = RateLimiter(per_minute=60, burst=2, now=t, max_clients=10)
    for i in range(100):
        rl.take(f"c{i}")
    assert len(rl._buckets) <= 11
