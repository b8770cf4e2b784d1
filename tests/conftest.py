"""Session-wide real servers (started once) and per-test isolation helpers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.infra import Infra

os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")

# Property tests judge results, not speed: no per-example deadline (a loaded CI machine must not turn a
# slow example into a failure), and no "too slow" health check. Tests may still set their own settings.
settings.register_profile(
    "project", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("project")


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    inf = Infra.start()
    try:
        yield inf
    finally:
        inf.stop()


@pytest.fixture
def topic_prefix() -> str:
    """Every test gets its own topics, so tests never see each other's events."""
    return f"t{uuid.uuid4().hex[:10]}."
