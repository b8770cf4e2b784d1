"""Every worked example of policy/examples/points, through the domain and through the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from services.scoring.contract import parse_facts, result_to_dict
from services.scoring.domain import CONDITION_CODES, INDICATOR_CODES, score


def _assert_matches(result: dict[str, Any], expected: dict[str, Any]) -> None:
    assert [c["code"] for c in result["qualification"]] == list(CONDITION_CODES)
    assert [i["code"] for i in result["indicators"]] == list(INDICATOR_CODES)
    for condition in result["qualification"]:
        assert condition["passed"] == expected["qualification"][condition["code"]], condition
    for line in result["indicators"]:
        assert line["points"] == expected["indicators"][line["code"]], line
    assert result["qualified"] == expected["qualified"]
    assert result["total"] == expected["total"]


def test_example_scores_as_published_through_the_domain(points_example: dict[str, Any]) -> None:
    result = result_to_dict(score(parse_facts(points_example["facts"])))
    _assert_matches(result, points_example["expected"])
    assert result["application_id"] == points_example["facts"].get("application_id")


@pytest.fixture(scope="module")
def cli_results(points_examples: dict[str, Any], repo_root: Path) -> dict[str, dict[str, Any]]:
    """All examples scored in one run of ``python -m services.scoring score``."""
    names = sorted(points_examples)
    stdin = b"".join(orjson.dumps(points_examples[n]["facts"]) + b"\n" for n in names)
    done = subprocess.run(
        [sys.executable, "-m", "services.scoring", "score"],
        input=stdin,
        capture_output=True,
        cwd=repo_root,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.splitlines()
    assert len(lines) == len(names)
    return {name: orjson.loads(line) for name, line in zip(names, lines, strict=True)}


def test_example_scores_as_published_through_the_cli(
    points_example: dict[str, Any], cli_results: dict[str, dict[str, Any]]
) -> None:
    result = next(
        r for r in cli_results.values() if r["application_id"] == points_example["facts"]["application_id"]
    )
    _assert_matches(result, points_example["expected"])


def test_cli_results_are_the_domain_results(
    points_examples: dict[str, Any], cli_results: dict[str, dict[str, Any]]
) -> None:
    for name, example in points_examples.items():
        assert cli_results[name] == result_to_dict(score(parse_facts(example["facts"])))
