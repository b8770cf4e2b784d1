"""yamllint over the deployment files, and the image's Dockerfile: non-root, read-only friendly, dependencies
exactly from uv.lock without development tools."""

from __future__ import annotations

import re
from pathlib import Path

from yamllint import linter
from yamllint.config import YamlLintConfig

from shared.settings import DEFAULT_PORTS
from tests.deploy.checks import REPO, load_compose

YAML_FILES = [REPO / "docker-compose.yml", REPO / ".yamllint", *sorted((REPO / "deploy").rglob("*.yaml"))]


def _lint(text: str, path: Path) -> list[str]:
    config = YamlLintConfig(file=str(REPO / ".yamllint"))
    return [
        f"{path.relative_to(REPO)}:{p.line}: {p.desc} ({p.rule})" for p in linter.run(text, config, str(path))
    ]


def test_yamllint_passes_on_compose_and_the_manifests() -> None:
    assert len(YAML_FILES) > 10
    problems = [p for path in YAML_FILES for p in _lint(path.read_text(encoding="utf-8"), path)]
    assert problems == []


def test_yamllint_reports_a_broken_file() -> None:
    path = REPO / "docker-compose.yml"
    broken = path.read_text(encoding="utf-8").replace("  postgres:\n", "  postgres:\n   image: x\n", 1)
    assert any("indentation" in p or "syntax" in p for p in _lint(broken, path))
    duplicated = path.read_text(encoding="utf-8") + "services: {}\n"
    assert any("duplication of key" in p for p in _lint(duplicated, path))


def test_the_image_runs_unprivileged_from_the_locked_dependencies() -> None:
    text = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    final_stage = text[text.rindex("\nFROM ") :]
    assert re.search(r"^USER 10001:10001$", final_stage, re.MULTILINE)
    assert "uv sync --frozen --no-dev --no-install-project" in text
    assert re.search(r"^RUN uv sync --frozen --no-dev \\$", text, re.MULTILINE)
    assert "PYTHONDONTWRITEBYTECODE=1" in final_stage  # nothing written next to the code (read-only root)
    assert 'VOLUME ["/data"]' in final_stage and "INTAKE_MATERIALS_DIR=/data/materials" in final_stage
    assert not re.search(r"(PASSWORD|SECRET|_KEY)=", text), "no secret baked into the image"
    ignore = (REPO / "deploy" / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignore  # only what the image needs is sent to the builder
    for needed in ("!pyproject.toml", "!uv.lock", "!services/", "!shared/", "!deploy/entrypoint.py"):
        assert needed in ignore


def test_caddy_proxies_every_api_to_its_compose_service_and_port() -> None:
    text = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert text.count("{") == text.count("}")
    sites = dict(
        re.findall(r"^(\w+)\.\{\$HUKOU_DOMAIN\} \{.*?dynamic a (\S+ \d+)", text, re.MULTILINE | re.DOTALL)
    )
    assert sites == {svc: f"{svc}-api {port}" for svc, port in DEFAULT_PORTS.items()}
    services = load_compose()["services"]
    for svc in DEFAULT_PORTS:
        assert "frontend" in services[f"{svc}-api"]["networks"]
    assert set(services["caddy"]["networks"]) == {"public", "frontend"}
