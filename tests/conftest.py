"""Session-wide real servers (started once) and per-test isolation helpers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.support.infra import Infra

os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")


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
