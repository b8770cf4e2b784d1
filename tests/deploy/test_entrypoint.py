"""The image's entry command (deploy/entrypoint.py), run here with the local interpreter: it starts each
service's ``--help``, maps ``<service> <process>`` to ``python -m services.<service> <process>``, reads secrets
from ``*_FILE`` and refuses what it cannot run."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from shared.settings import SERVICES
from tests.deploy.checks import REPO

DOCKERFILE = REPO / "deploy" / "Dockerfile"


def _load_entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hukou_entrypoint", REPO / "deploy" / "entrypoint.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint = _load_entrypoint()


def _image_entry_command() -> list[str]:
    """The Dockerfile's ENTRYPOINT, with the image's paths replaced by this checkout's."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    found = re.findall(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE)
    assert len(found) == 1, "one ENTRYPOINT in exec form"
    command = json.loads(found[-1])
    assert command == ["python", "/app/deploy/entrypoint.py"]
    return [sys.executable, str(REPO / command[1].removeprefix("/app/"))]


def test_the_entry_command_starts_each_services_help() -> None:
    command = _image_entry_command()
    for svc in SERVICES:  # one at a time: the machine's two cores are shared
        done = subprocess.run([*command, svc, "--help"], cwd="/", capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"usage: python -m services.{svc}")
        for process in entrypoint.PROCESSES:
            assert process in done.stdout, (svc, process)


def test_the_entry_command_refuses_an_unknown_service_or_process() -> None:
    command = _image_entry_command()
    bad = subprocess.run([*command, "billing", "api"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown service 'billing'" in bad.stderr
    bad = subprocess.run([*command, "scoring", "serve"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "invalid choice: 'serve'" in bad.stderr  # the service's own command line
    usage = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "usage: entrypoint.py <service> <process>" in usage.stderr


@pytest.mark.parametrize(
    ("argv", "module_args"),
    [
        (["intake", "api"], ["-m", "services.intake", "api"]),
        (["review", "worker"], ["-m", "services.review", "worker"]),
        (["scoring", "migrate"], ["-m", "services.scoring", "migrate"]),
        (["publicity", "republish", "--since", "2026-06-01T08:00:00+08:00"],
         ["-m", "services.publicity", "republish", "--since", "2026-06-01T08:00:00+08:00"]),
        (["settlement", "audit-verify"], ["-m", "services.settlement", "audit-verify"]),
        (["intake", "create-user", "--username", "root"], ["-m", "services.intake", "create-user", "--username", "root"]),
        (["review", "mock-registry", "education"],
         ["-m", "services.review.mock_registries", "education", "--host", "0.0.0.0"]),
    ],
)  # fmt: skip
def test_service_and_process_map_to_the_module(argv: list[str], module_args: list[str]) -> None:
    assert entrypoint.command_for(argv, python="py") == ["py", *module_args]


def test_secrets_are_read_from_files(tmp_path: Path) -> None:
    (tmp_path / "data.key").write_text("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=\n")
    (tmp_path / "url").write_text("postgresql+asyncpg://hukou_intake:pw@db/hukou_intake\n")
    env = {
        "INTAKE_DATA_KEY_FILE": str(tmp_path / "data.key"),
        "INTAKE_DATABASE_URL_FILE": str(tmp_path / "url"),
        "INTAKE_CLOCK_FILE": "/data/clock.json",  # a setting that names a file: left alone
    }
    assert entrypoint.load_secret_files(env) == ["INTAKE_DATABASE_URL", "INTAKE_DATA_KEY"]
    assert env["INTAKE_DATA_KEY"] == "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
    assert env["INTAKE_DATABASE_URL"] == "postgresql+asyncpg://hukou_intake:pw@db/hukou_intake"
    assert "INTAKE_CLOCK" not in env


def test_a_secret_set_twice_or_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "k").write_text("key")
    with pytest.raises(entrypoint.EntrypointError, match="both REVIEW_DATA_KEY and REVIEW_DATA_KEY_FILE"):
        entrypoint.load_secret_files({"REVIEW_DATA_KEY": "x", "REVIEW_DATA_KEY_FILE": str(tmp_path / "k")})
    with pytest.raises(entrypoint.EntrypointError, match="REVIEW_DATA_KEY_FILE: cannot read"):
        entrypoint.load_secret_files({"REVIEW_DATA_KEY_FILE": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(entrypoint.EntrypointError, match="is empty"):
        entrypoint.load_secret_files({"INTAKE_JWT_PRIVATE_KEY_FILE": str(tmp_path / "empty")})


def test_the_entry_command_hands_file_secrets_to_the_service_settings(tmp_path: Path) -> None:
    """End to end: the worker probe loads scoring's settings after the entry command read the URL from its
    file, and tries that database (a closed port here)."""
    (tmp_path / "url").write_text("postgresql://hukou_scoring@127.0.0.1:1/hukou_scoring\n")
    done = subprocess.run(
        [*_image_entry_command(), "probe", "scoring", "worker"],
        env={"PATH": "/usr/bin:/bin", "SCORING_DATABASE_URL_FILE": str(tmp_path / "url")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "probe: scoring database:" in done.stderr
    assert "No database configured" not in done.stderr  # the URL from the file was used


def test_runtime_grants_keep_the_audit_trail_append_only() -> None:
    statements = entrypoint.runtime_grants("hukou_intake", "alembic_version_intake")
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON TABLE audit_chain FROM "hukou_intake"' in statements
    assert (
        'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "alembic_version_intake" FROM "hukou_intake"'
        in statements
    )
    with pytest.raises(entrypoint.EntrypointError, match="not a role name"):
        entrypoint.runtime_grants('x"; DROP TABLE audit_chain; --', "alembic_version_intake")


def test_probe_arguments_are_checked() -> None:
    with pytest.raises(entrypoint.EntrypointError):
        entrypoint.probe(["billing", "api"], {})
    with pytest.raises(entrypoint.EntrypointError, match="--wait needs a number"):
        entrypoint.probe(["intake", "migrated", "--wait", "soon"], {})


def test_an_api_probe_fails_when_nothing_answers() -> None:
    assert entrypoint.probe(["scoring", "api"], {"SCORING_PORT": "1"}) == 1


def test_a_worker_probe_reads_the_heartbeat_when_one_is_configured(tmp_path: Path) -> None:
    import time

    from shared.heartbeat import write_heartbeat

    path = tmp_path / "worker-heartbeat.json"
    env = {"REVIEW_HEARTBEAT_FILE": str(path)}
    assert entrypoint.probe(["review", "worker"], env) == 1  # no heartbeat yet
    now = time.time()
    write_heartbeat(path, {"outbox-relay": now, "review.intake": now - 300}, now=now)
    assert entrypoint.probe(["review", "worker"], env) == 1  # one consumer silent for 5 minutes
    assert entrypoint.probe(["review", "worker", "--max-age", "600"], env) == 0
    write_heartbeat(path, {"outbox-relay": now, "review.intake": now}, now=now)
    assert entrypoint.probe(["review", "worker"], env) == 0
    with pytest.raises(entrypoint.EntrypointError, match="--max-age needs a number"):
        entrypoint.probe(["review", "worker", "--max-age", "soon"], env)
