"""The token bucket of the public objection endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.publicity.domain.ratelimit import Bucket, BucketPolicy, take
from shared.clock import BEIJING

T0 = datetime(2022, 7, 12, 10, 0, tzinfo=BEIJING)
POLICY = BucketPolicy(capacity=3, refill_per_second=1 / 60)  # 3 at once, one more a minute


def test_a_new_client_may_file_a_burst_of_capacity_then_is_refused_with_retry_after() -> None:
    bucket = None
    for _ in range(3):
        d = take(POLICY, bucket, T0)
        assert d.allowed and d.retry_after_s == 0
        bucket = d.bucket
    refused = take(POLICY, bucket, T0)
    assert not refused.allowed and refused.retry_after_s == 60


def test_tokens_come_back_at_the_refill_rate_up_to_the_capacity() -> None:
    empty = Bucket(0.0, T0)
    assert take(POLICY, empty, T0 + timedelta(seconds=30)).retry_after_s == 30
    assert take(POLICY, empty, T0 + timedelta(seconds=60)).allowed
    full = take(POLICY, empty, T0 + timedelta(days=1))
    assert full.allowed and full.bucket.tokens == pytest.approx(2.0)  # capped at 3, one taken


def test_a_clock_going_backwards_refills_nothing() -> None:
    d = take(POLICY, Bucket(0.5, T0), T0 - timedelta(hours=1))
    assert not d.allowed and d.retry_after_s == 30


def test_retry_after_is_a_whole_positive_number_of_seconds() -> None:
    d = take(BucketPolicy(1, 10.0), Bucket(0.99, T0), T0)
    assert not d.allowed and d.retry_after_s == 1


def test_a_policy_needs_a_capacity_and_a_rate() -> None:
    with pytest.raises(ValueError):
        BucketPolicy(0, 1.0)
    with pytest.raises(ValueError):
        BucketPolicy(1, 0.0)
