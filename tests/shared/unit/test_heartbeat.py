"""A worker's heartbeat for its liveness probe (issue 14: a hung worker must be noticed)."""

from __future__ import annotations

from pathlib import Path

from shared.heartbeat import check_heartbeat, write_heartbeat


def test_a_fresh_heartbeat_with_every_loop_turning_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "hb.json"
    write_heartbeat(path, {"outbox-relay": 995.0, "intake.case-view": 990.0}, now=1000.0)
    assert check_heartbeat(path, max_age_s=120, now=1010.0) is None


def test_a_stale_heartbeat_means_the_event_loop_is_stuck(tmp_path: Path) -> None:
    path = tmp_path / "hb.json"
    write_heartbeat(path, {"outbox-relay": 1000.0}, now=1000.0)
    problem = check_heartbeat(path, max_age_s=120, now=1200.0)
    assert problem is not None and "200 s old" in problem


def test_one_silent_consumer_is_named(tmp_path: Path) -> None:
    path = tmp_path / "hb.json"
    write_heartbeat(path, {"outbox-relay": 1195.0, "review.intake": 900.0}, now=1199.0)
    assert check_heartbeat(path, max_age_s=120, now=1200.0) == "no progress for over 120 s in: review.intake"


def test_a_missing_or_garbled_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    missing = check_heartbeat(tmp_path / "none.json", max_age_s=120)
    assert missing is not None and "no heartbeat" in missing
    garbled = tmp_path / "bad.json"
    garbled.write_text("{not json")
    problem = check_heartbeat(garbled, max_age_s=120)
    assert problem is not None and "unreadable" in problem
