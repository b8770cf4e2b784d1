"""Fixtures of the scoring tests: where the shared contracts and worked examples live.

``shared/`` sits beside the repository root (CI clones the repository with
``../shared`` next to it), so it is found relative to this file, never by an absolute path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The ``shared`` folder beside the repository root."""
    return (REPO_ROOT / ".." / "shared").resolve()


def points_example_files() -> list[Path]:
    return sorted((shared_dir() / "policy" / "examples" / "points").glob("*.json"))


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``points_example`` over every worked example (id = file name)."""
    if "points_example" in metafunc.fixturenames:
        files = points_example_files()
        metafunc.parametrize("points_example", [load_json(f) for f in files], ids=[f.stem for f in files])


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def points_examples() -> dict[str, Any]:
    """Every worked example, by file stem."""
    return {f.stem: load_json(f) for f in points_example_files()}


@pytest.fixture(scope="session")
def facts_schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_json(shared_dir() / "contracts" / "points-facts.schema.json")
    return schema


@pytest.fixture(scope="session")
def result_schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_json(shared_dir() / "contracts" / "points-result.schema.json")
    return schema
