"""Checks of the deployment files that need no Docker engine and no cluster.

Each check takes a parsed document and returns findings (one line each, empty when all is well), so that a
test can put a mistake back into a copy and see it reported. ``python -m tests.deploy.checks`` runs them all
on the repository's files and prints the findings (exit status 1 when there are any).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
COMPOSE_SCHEMA = REPO / "deploy" / "schemas" / "compose-spec.json"
K8S_DIR = REPO / "deploy" / "k8s"

#: An environment variable whose name says it holds a secret.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN", re.IGNORECASE)
#: ``${NAME:?message}`` / ``${NAME?message}``: compose refuses to start when NAME is unset.
REQUIRED_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}")
#: Credentials inside a URL: scheme://user:password@host.
URL_PASSWORD = re.compile(r"://[^/\s:@]+:([^@\s]*)@")
#: ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}``, ``${NAME:?message}``, ``${NAME?message}``.
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


# ---- compose ------------------------------------------------------------------------------------------


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path} is not a mapping"
    return doc


def schema_errors(doc: Mapping[str, Any], schema_path: Path = COMPOSE_SCHEMA) -> list[str]:
    """The Compose Specification's JSON Schema (deploy/schemas/compose-spec.json) against ``doc``."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"compose schema: {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def environment(service: Mapping[str, Any]) -> dict[str, str | None]:
    """A service's environment as a mapping (compose allows a list of NAME=value too)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        out: dict[str, str | None] = {}
        for item in env:
            name, sep, value = str(item).partition("=")
            out[name] = value if sep else None
        return out
    return {k: None if v is None else str(v) for k, v in env.items()}


def one_shot_services(doc: Mapping[str, Any]) -> set[str]:
    """Services another waits for to *complete* (migrations, the topic job): they are meant to end."""
    out = set()
    for svc in doc.get("services", {}).values():
        deps = svc.get("depends_on") or {}
        if isinstance(deps, dict):
            out |= {
                n for n, d in deps.items() if (d or {}).get("condition") == "service_completed_successfully"
            }
    return out


def _only_required_refs(value: str) -> bool:
    return bool(value) and REQUIRED_REF.sub("", value) == "" and "$" in value


def secret_findings(where: str, env: Mapping[str, str | None]) -> list[str]:
    """Literal secrets: a secret-named variable must be ``${VAR:?…}`` (nothing else) or a ``*_FILE`` path; a
    URL's password must be such a reference too."""
    found = []
    for name, value in env.items():
        if value is None:
            continue
        if name.endswith("_FILE"):
            if SECRET_NAME.search(name) and not value.startswith("/"):
                found.append(f"{where}: {name} must be the path of a secret file, not {value!r}")
            continue
        if SECRET_NAME.search(name) and not _only_required_refs(value):
            found.append(
                f"{where}: {name} holds a literal secret or a default; use ${{{name}:?…}} "
                "(compose then refuses to start without it) or a *_FILE path"
            )
        for password in URL_PASSWORD.findall(value):
            if not _only_required_refs(password):
                found.append(f"{where}: {name} carries a literal password in its URL; use ${{…:?…}}")
    return found


def compose_findings(doc: Mapping[str, Any]) -> list[str]:
    """Every long-running service has a health check and ``restart: unless-stopped``; one-shot jobs do not
    restart; no service holds a literal secret; only the reverse proxy publishes ports."""
    found: list[str] = []
    one_shot = one_shot_services(doc)
    for name, svc in doc.get("services", {}).items():
        where = f"compose: service {name}"
        found += secret_findings(where, environment(svc))
        if name in one_shot:
            if svc.get("restart", "no") not in ("no", "on-failure"):
                found.append(f"{where}: a one-shot job must not restart ({svc.get('restart')!r})")
            continue
        health = svc.get("healthcheck")
        if not health or health.get("disable") or not health.get("test") or health.get("test") == ["NONE"]:
            found.append(f"{where}: no health check")
        if svc.get("restart") != "unless-stopped":
            found.append(f"{where}: restart must be 'unless-stopped', not {svc.get('restart')!r}")
        if svc.get("ports") and name != "caddy":
            found.append(f"{where}: publishes ports; only the reverse proxy (caddy) may")
    return found


class MissingVariable(Exception):
    """Compose would refuse to start: a ``${VAR:?…}`` is unset."""


def interpolate(value: Any, env: Mapping[str, str], missing: list[str]) -> Any:
    """Compose's variable interpolation of ``value`` (``$$`` is a literal ``$``); unset required variables
    are appended to ``missing``."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, missing) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        current = env.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op in ("?", ":?") and unset:
            missing.append(f"{name}: {arg}" if arg else name)
            return ""
        if op in ("-", ":-") and unset:
            return arg
        return current or ""

    return REFERENCE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def resolve(doc: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The compose document as ``docker compose config`` would see it with ``env`` (raises
    :class:`MissingVariable` naming every required variable that is unset)."""
    missing: list[str] = []
    out = interpolate(dict(doc), env, missing)
    if missing:
        raise MissingVariable("; ".join(sorted(set(missing))))
    assert isinstance(out, dict)
    return out


def active_services(doc: Mapping[str, Any], profiles: set[str]) -> dict[str, Any]:
    """The services ``docker compose up`` starts with these profiles (and a scale above zero)."""
    out = {}
    for name, svc in doc.get("services", {}).items():
        wanted = set(svc.get("profiles") or [])
        if wanted and not wanted & profiles:
            continue
        if str(svc.get("scale", 1)) == "0":
            continue
        out[name] = svc
    return out


def read_env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            out[name.strip()] = value.strip()
    return out


# ---- Kubernetes ---------------------------------------------------------------------------------------


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for d in docs:
        kind, name = d.get("kind"), d.get("metadata", {}).get("name")
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield f"{kind}/{name}", d["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield f"{kind}/{name}", d["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def k8s_findings(docs: list[dict[str, Any]]) -> list[str]:
    """Every container has resources and a non-root, read-only, capability-free security context; every
    long-running container (not a Job's) has readiness and liveness probes; no Secret holds a value."""
    found: list[str] = []
    for where, spec in pod_specs(docs):
        pod_sc = spec.get("securityContext") or {}
        is_job = where.startswith(("Job/", "CronJob/"))
        for kind in ("initContainers", "containers"):
            for c in spec.get(kind) or []:
                w = f"k8s: {where} container {c.get('name')}"
                sc = c.get("securityContext") or {}
                if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
                    found.append(f"{w}: runAsNonRoot is not set")
                if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
                    found.append(f"{w}: runs as root (runAsUser 0)")
                if not sc.get("readOnlyRootFilesystem"):
                    found.append(f"{w}: readOnlyRootFilesystem is not set")
                if sc.get("allowPrivilegeEscalation") is not False:
                    found.append(f"{w}: allowPrivilegeEscalation is not false")
                if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                    found.append(f"{w}: capabilities are not dropped (drop: [ALL])")
                res = c.get("resources") or {}
                for part in ("requests", "limits"):
                    if not all((res.get(part) or {}).get(r) for r in ("cpu", "memory")):
                        found.append(f"{w}: resources.{part} needs cpu and memory")
                if kind == "containers" and not is_job:
                    for probe in ("readinessProbe", "livenessProbe"):
                        if not c.get(probe):
                            found.append(f"{w}: no {probe}")
                for e in c.get("env") or []:
                    if "value" in e:
                        found += secret_findings(f"{w} env", {e["name"]: str(e["value"])})
    for d in docs:
        if d.get("kind") == "Secret":
            for part in ("data", "stringData"):
                for key, value in (d.get(part) or {}).items():
                    if value:
                        found.append(f"k8s: Secret/{d['metadata']['name']}: {part}.{key} holds a value")
    return found


def load_k8s_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from tests.deploy.kustomize import build

    ap = argparse.ArgumentParser(prog="python -m tests.deploy.checks")
    ap.add_argument("--compose", type=Path, default=COMPOSE_FILE, help="the compose file to check")
    args = ap.parse_args(argv)
    doc = load_compose(args.compose)
    findings = schema_errors(doc) + compose_findings(doc)
    findings += k8s_findings(build(K8S_DIR / "overlays" / "production"))
    findings += k8s_findings(load_k8s_docs(K8S_DIR / "secrets.template.yaml"))
    for line in findings:
        print(line)
    print(f"{len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
