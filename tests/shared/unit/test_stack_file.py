"""The running local stack describes itself in var/stack.json; demo.invariants finds the databases there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.invariants import stack_database_urls
from shared.devstack.__main__ import write_stack_file
from shared.settings import DEFAULT_PORTS, SERVICES


def test_the_stack_file_names_each_service_database_and_port(tmp_path: Path) -> None:
    envs = {
        svc: {f"{svc.upper()}_DATABASE_URL": f"postgresql+asyncpg://u@/hukou_{svc}?host=/s"}
        for svc in SERVICES
    }
    path = write_stack_file(
        tmp_path, "postgresql+asyncpg://u@/postgres?host=/s", "127.0.0.1:19400", 300, envs
    )
    doc = json.loads(path.read_text())
    assert doc["kafka_bootstrap_servers"] == "127.0.0.1:19400"
    assert doc["services"]["scoring"]["port"] == DEFAULT_PORTS["scoring"] + 300
    assert doc["pid_dir"] == str(tmp_path / "pids")
    assert oct(path.stat().st_mode & 0o777) == "0o600", "it holds database URLs: the owner's only"
    assert stack_database_urls(tmp_path) == {
        svc: f"postgresql+asyncpg://u@/hukou_{svc}?host=/s" for svc in SERVICES
    }


def test_no_stack_file_says_which_var_dir_has_no_running_stack(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is a local stack running"):
        stack_database_urls(tmp_path)
