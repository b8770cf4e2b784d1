"""Every service's API: every route has a permission entry (the single role × endpoint table),
a description, and the OpenAPI document builds."""

from __future__ import annotations

import importlib

import pytest

from shared.settings import SERVICES


def _app(service: str):  # type: ignore[no-untyped-def]
    cfg = importlib.import_module(f"services.{service}.config")
    app_mod = importlib.import_module(f"services.{service}.app")
    return app_mod.create_app(
        cfg.Settings(
            database_url="postgresql+asyncpg://x@localhost/none", kafka_bootstrap_servers="localhost:1"
        )
    )


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_has_an_entry_in_the_permission_table(service: str) -> None:
    app = _app(service)
    table = app.state.permissions
    # FastAPI includes routers lazily; the OpenAPI document is the public list of routes.
    routes = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    missing = sorted(routes - set(table))
    assert not missing, f"routes without a permission entry: {missing}"
    stale = sorted(set(table) - routes)
    assert not stale, f"permission entries without a route: {stale}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_endpoint_is_documented(service: str) -> None:
    spec = _app(service).openapi()
    assert spec["info"]["description"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), f"{method.upper()} {path} has no description"


def test_docker_compose_runs_every_service_api_worker_and_migration_against_real_kafka() -> None:
    from pathlib import Path

    import yaml

    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
    names = set(doc["services"])
    for service in SERVICES:
        assert {f"{service}-api", f"{service}-worker", f"{service}-migrate"} <= names
        env = doc["services"][f"{service}-api"]["environment"]
        assert env[f"{service.upper()}_DATABASE_URL"].endswith(f"/hukou_{service}")
        assert env[f"{service.upper()}_KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert {"postgres", "kafka"} <= names
