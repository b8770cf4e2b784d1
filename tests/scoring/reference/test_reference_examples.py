"""The reference scorer reproduces every worked example of ``shared/policy/examples/points``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.scoring.reference.reference_scorer import reference_score

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "policy" / "examples" / "points"
EXAMPLE_FILES = sorted(EXAMPLES_DIR.resolve().glob("*.json"))


def test_examples_are_found() -> None:
    assert len(EXAMPLE_FILES) >= 13


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_reference_matches_worked_example(path: Path) -> None:
    example: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    expected = example["expected"]
    got = reference_score(example["facts"])

    assert got["qualified"] is expected["qualified"]
    assert got["qualification"] == expected["qualification"]
    assert {code: str(points) for code, points in got["indicators"].items()} == expected["indicators"]
    assert got["total"] == Decimal(expected["total"])
    assert str(got["total"]) == expected["total"]
