"""deploy/k8s: rendered like kustomize, validated with kubernetes-validate, and checked for probes, resources,
non-root security contexts, keys per purpose and NetworkPolicies; each check shown to fail when broken."""

from __future__ import annotations

import copy
import shutil
import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml

from shared.settings import SERVICES
from tests.deploy.checks import K8S_DIR, k8s_findings, load_k8s_docs, pod_specs
from tests.deploy.kustomize import build

KUBERNETES_VERSION = "1.32.0"
PRODUCTION = K8S_DIR / "overlays" / "production"
BASE = K8S_DIR / "base"


def _by_key(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.fixture(scope="module")
def production() -> dict[tuple[str, str], dict[str, Any]]:
    return _by_key(build(PRODUCTION))


@pytest.mark.parametrize("kustomization", [BASE, PRODUCTION], ids=["base", "production"])
def test_every_manifest_validates_against_the_kubernetes_schema(kustomization: Any) -> None:
    docs = build(kustomization) + load_k8s_docs(K8S_DIR / "secrets.template.yaml")
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_schema_validation_fails_on_a_broken_manifest(production: dict[Any, Any]) -> None:
    deployment = copy.deepcopy(production[("Deployment", "intake-api")])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="compares with kubectl kustomize where installed")
def test_the_renderer_renders_what_kubectl_kustomize_renders() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(PRODUCTION)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert _by_key(build(PRODUCTION)) == _by_key([d for d in yaml.safe_load_all(out) if d])


def test_every_container_is_checked_and_passes(production: dict[Any, Any]) -> None:
    docs = list(production.values())
    assert k8s_findings(docs) == []
    assert k8s_findings(load_k8s_docs(K8S_DIR / "secrets.template.yaml")) == []
    checked = {where for where, _ in pod_specs(docs)}
    for svc in SERVICES:
        assert {f"Deployment/{svc}-api", f"Deployment/{svc}-worker", f"Job/{svc}-migrate"} <= checked
    assert "Job/kafka-topics" in checked


def test_a_missing_probe_is_reported(production: dict[Any, Any]) -> None:
    docs = copy.deepcopy(list(production.values()))
    worker = next(d for d in docs if d["metadata"]["name"] == "review-worker" and d["kind"] == "Deployment")
    del worker["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert k8s_findings(docs) == ["k8s: Deployment/review-worker container worker: no livenessProbe"]


def test_a_root_or_unlimited_container_is_reported(production: dict[Any, Any]) -> None:
    docs = copy.deepcopy(list(production.values()))
    api = next(d for d in docs if d["metadata"]["name"] == "scoring-api" and d["kind"] == "Deployment")
    spec = api["spec"]["template"]["spec"]
    del spec["securityContext"]["runAsNonRoot"]
    container = spec["containers"][0]
    container["securityContext"] = {"runAsUser": 0}
    del container["resources"]["limits"]
    assert k8s_findings(docs) == [
        "k8s: Deployment/scoring-api container api: runAsNonRoot is not set",
        "k8s: Deployment/scoring-api container api: runs as root (runAsUser 0)",
        "k8s: Deployment/scoring-api container api: readOnlyRootFilesystem is not set",
        "k8s: Deployment/scoring-api container api: allowPrivilegeEscalation is not false",
        "k8s: Deployment/scoring-api container api: capabilities are not dropped (drop: [ALL])",
        "k8s: Deployment/scoring-api container api: resources.limits needs cpu and memory",
    ]


def test_a_secret_with_a_value_or_a_literal_secret_in_env_is_reported() -> None:
    docs = load_k8s_docs(K8S_DIR / "secrets.template.yaml")
    secret = next(d for d in docs if d["metadata"]["name"] == "hukou-data-key")
    secret["stringData"]["data.key"] = "c2VjcmV0"
    assert k8s_findings(docs) == ["k8s: Secret/hukou-data-key: stringData.data.key holds a value"]
    docs = copy.deepcopy(build(PRODUCTION))
    job = next(d for d in docs if d["metadata"]["name"] == "intake-migrate")
    job["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "PGPASSWORD", "value": "hukou"})
    assert [f for f in k8s_findings(docs) if "PGPASSWORD" in f]


def test_apis_probe_readyz_and_healthz_and_scale_on_cpu(production: dict[Any, Any]) -> None:
    for svc in SERVICES:
        api = production[("Deployment", f"{svc}-api")]["spec"]["template"]["spec"]["containers"][0]
        assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
        hpa = production[("HorizontalPodAutoscaler", f"{svc}-api")]["spec"]
        assert hpa["scaleTargetRef"]["name"] == f"{svc}-api" and hpa["minReplicas"] >= 2
        assert "replicas" not in production[("Deployment", f"{svc}-api")]["spec"]  # the HPA decides
        assert production[("PodDisruptionBudget", f"{svc}-api")]["spec"]["minAvailable"] == 1
        assert production[("PodDisruptionBudget", f"{svc}-worker")]["spec"]["maxUnavailable"] == 1
        assert production[("Service", svc)]["spec"]["selector"] == {"app.kubernetes.io/name": f"{svc}-api"}
        worker = production[("Deployment", f"{svc}-worker")]["spec"]
        assert 1 <= worker["replicas"] <= 12  # never more than the partitions of the topics it reads


def test_pods_wait_for_their_migrations(production: dict[Any, Any]) -> None:
    for svc in SERVICES:
        for process in ("api", "worker"):
            spec = production[("Deployment", f"{svc}-{process}")]["spec"]["template"]["spec"]
            assert spec["initContainers"][0]["args"][:3] == ["probe", svc, "migrated"]
        job = production[("Job", f"{svc}-migrate")]["spec"]["template"]["spec"]["containers"][0]
        assert job["args"] == [svc, "migrate"]
        env = {e["name"]: e["value"] for e in job["env"]}
        assert env[f"{svc.upper()}_DATABASE_URL_FILE"] == "/run/secrets/db-owner/database-url"
        assert env[f"{svc.upper()}_DB_RUNTIME_ROLE"] == f"hukou_{svc}"


def _secret_volumes(production: dict[Any, Any], name: str) -> set[str]:
    spec = production[("Deployment", name)]["spec"]["template"]["spec"]
    return {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}


def test_keys_per_purpose(production: dict[Any, Any]) -> None:
    deployments = [n for k, n in production if k == "Deployment"]
    holders = {
        secret: {n for n in deployments if secret in _secret_volumes(production, n)}
        for secret in ("hukou-jwt-signing", "hukou-jwt-public", "hukou-data-key", "hukou-publicity-data-key")
    }
    assert holders["hukou-jwt-signing"] == {"intake-api"}
    assert holders["hukou-jwt-public"] == {f"{s}-api" for s in SERVICES}
    assert holders["hukou-data-key"] == {
        f"{s}-{p}" for s in ("intake", "review", "settlement") for p in ("api", "worker")
    }
    assert holders["hukou-publicity-data-key"] == {"publicity-api"}
    for name in deployments:
        svc = name.split("-")[0]
        assert {s for s in _secret_volumes(production, name) if s.endswith("-db")} == {f"hukou-{svc}-db"}


def test_network_policies_let_services_reach_only_postgres_kafka_and_the_registries(
    production: dict[Any, Any],
) -> None:
    assert production[("NetworkPolicy", "default-deny")]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    for svc in SERVICES:
        for process in ("api", "worker"):
            spec = production[("NetworkPolicy", f"{svc}-{process}")]["spec"]
            assert spec["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": f"{svc}-{process}"}
            ports = sorted(p["port"] for rule in spec["egress"] for p in rule["ports"])
            expected = [443, 5432, 9092] if (svc, process) == ("review", "worker") else [5432, 9092]
            assert ports == expected, (svc, process)
        assert [
            p["port"]
            for r in production[("NetworkPolicy", f"{svc}-migrate")]["spec"]["egress"]
            for p in r["ports"]
        ] == [5432]


def test_the_ingress_terminates_tls_for_every_api(production: dict[Any, Any]) -> None:
    spec = production[("Ingress", "hukou")]["spec"]
    hosts = {r["host"]: r["http"]["paths"][0]["backend"]["service"]["name"] for r in spec["rules"]}
    assert sorted(hosts.values()) == sorted(SERVICES)
    assert set(spec["tls"][0]["hosts"]) == set(hosts)
    settings = production[("ConfigMap", "hukou-settlement")]["data"]
    assert (
        settings["SETTLEMENT_PUBLIC_BASE_URL"]
        == f"https://{next(h for h, s in hosts.items() if s == 'settlement')}"
    )
