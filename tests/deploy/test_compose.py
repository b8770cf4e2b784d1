"""docker-compose.yml: the Compose Specification's schema, health checks, restart policies, no literal secret,
keys per purpose, the production profile; each check shown to fail when a mistake is put back."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from shared.events.registry import ALL_TOPICS
from shared.settings import SERVICES
from tests.deploy.checks import (
    COMPOSE_FILE,
    REPO,
    MissingVariable,
    active_services,
    compose_findings,
    environment,
    load_compose,
    one_shot_services,
    read_env_file,
    resolve,
    schema_errors,
)

#: What an operator sets (deploy/README.md); values are placeholders for the checks only.
OPERATOR_ENV = {
    "POSTGRES_SUPERUSER_PASSWORD": "x",
    "HUKOU_DOMAIN": "hukou.example.gov.cn",
    "HUKOU_ACME_EMAIL": "ops@example.gov.cn",
    "HUKOU_SECRETS_DIR": "/etc/hukou/secrets",
    **{f"{s.upper()}_DB_PASSWORD": "x" for s in SERVICES},
    **{f"{s.upper()}_DB_OWNER_PASSWORD": "x" for s in SERVICES},
}
PROD_ENV = read_env_file(REPO / "deploy" / "env" / "prod.env")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture()
def mutable(compose: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(compose)


def test_the_compose_file_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []
    assert schema_errors(resolve(compose, OPERATOR_ENV)) == []
    assert schema_errors(resolve(compose, {**OPERATOR_ENV, **PROD_ENV})) == []


def test_the_schema_check_fails_on_an_invalid_file(mutable: dict[str, Any]) -> None:
    mutable["services"]["intake-api"]["restart"] = ["always"]
    mutable["services"]["scoring-api"]["healthcheck"]["intervall"] = "5s"
    errors = schema_errors(mutable)
    assert any("intake-api/restart" in e for e in errors)
    assert any("scoring-api/healthcheck" in e and "intervall" in e for e in errors)


def test_every_long_running_service_is_checked_and_passes(compose: dict[str, Any]) -> None:
    assert compose_findings(compose) == []
    long_running = set(compose["services"]) - one_shot_services(compose)
    for svc in SERVICES:
        assert {f"{svc}-api", f"{svc}-worker"} <= long_running
        assert f"{svc}-migrate" in one_shot_services(compose)
    assert {"postgres", "kafka", "caddy"} <= long_running
    assert "kafka-topics" in one_shot_services(compose)


def test_a_literal_password_is_reported(mutable: dict[str, Any]) -> None:
    mutable["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] = "hukou"
    assert compose_findings(mutable) == [
        "compose: service postgres: POSTGRES_PASSWORD holds a literal secret or a default; use "
        "${POSTGRES_PASSWORD:?…} (compose then refuses to start without it) or a *_FILE path"
    ]


def test_a_password_in_a_database_url_is_reported(mutable: dict[str, Any]) -> None:
    env = mutable["services"]["intake-worker"]["environment"]
    env["INTAKE_DATABASE_URL"] = "postgresql+asyncpg://postgres:hukou@postgres:5432/hukou_intake"
    assert compose_findings(mutable) == [
        "compose: service intake-worker: INTAKE_DATABASE_URL carries a literal password in its URL; use ${…:?…}"
    ]


@pytest.mark.parametrize(
    "value",
    ["${HUKOU_DATA_KEY:-c2VjcmV0}", "${HUKOU_DATA_KEY}", "prefix-${HUKOU_DATA_KEY:?x}", "c2VjcmV0"],
)
def test_a_secret_with_a_default_or_without_a_required_reference_is_reported(
    mutable: dict[str, Any], value: str
) -> None:
    mutable["services"]["review-worker"]["environment"]["REVIEW_DATA_KEY"] = value
    assert compose_findings(mutable) == [
        "compose: service review-worker: REVIEW_DATA_KEY holds a literal secret or a default; use "
        "${REVIEW_DATA_KEY:?…} (compose then refuses to start without it) or a *_FILE path"
    ]


def test_a_secret_file_setting_must_name_a_path(mutable: dict[str, Any]) -> None:
    mutable["services"]["intake-api"]["environment"]["INTAKE_JWT_PRIVATE_KEY_FILE"] = (
        "-----BEGIN PRIVATE KEY-----"
    )
    assert compose_findings(mutable) == [
        "compose: service intake-api: INTAKE_JWT_PRIVATE_KEY_FILE must be the path of a secret file, "
        "not '-----BEGIN PRIVATE KEY-----'"
    ]


def test_a_list_style_environment_is_checked_too(mutable: dict[str, Any]) -> None:
    mutable["services"]["scoring-worker"]["environment"] = ["SCORING_LOG_JSON=true", "SCORING_API_TOKEN=abc"]
    assert environment(mutable["services"]["scoring-worker"])["SCORING_API_TOKEN"] == "abc"
    assert [f for f in compose_findings(mutable) if "SCORING_API_TOKEN" in f]


def test_a_missing_or_disabled_health_check_is_reported(mutable: dict[str, Any]) -> None:
    del mutable["services"]["settlement-worker"]["healthcheck"]
    mutable["services"]["kafka"]["healthcheck"] = {"disable": True}
    assert compose_findings(mutable) == [
        "compose: service kafka: no health check",
        "compose: service settlement-worker: no health check",
    ]


def test_a_missing_restart_policy_is_reported(mutable: dict[str, Any]) -> None:
    del mutable["services"]["publicity-worker"]["restart"]
    mutable["services"]["intake-migrate"]["restart"] = "always"
    assert compose_findings(mutable) == [
        "compose: service intake-migrate: a one-shot job must not restart ('always')",
        "compose: service publicity-worker: restart must be 'unless-stopped', not None",
    ]


def test_only_the_reverse_proxy_publishes_ports(compose: dict[str, Any], mutable: dict[str, Any]) -> None:
    published = {n for n, s in compose["services"].items() if s.get("ports")}
    assert published == {"caddy"}
    assert sorted(str(p) for p in compose["services"]["caddy"]["ports"]) == [
        "443:443",
        "443:443/udp",
        "80:80",
    ]
    mutable["services"]["intake-api"]["ports"] = ["8101:8101"]
    assert compose_findings(mutable) == [
        "compose: service intake-api: publishes ports; only the reverse proxy (caddy) may"
    ]


def test_compose_refuses_to_start_without_the_secrets(compose: dict[str, Any]) -> None:
    with pytest.raises(MissingVariable) as e:
        resolve(compose, {})
    for name in OPERATOR_ENV:
        assert name in str(e.value)
    for name in OPERATOR_ENV:  # each one alone is enough to refuse
        with pytest.raises(MissingVariable, match=name):
            resolve(compose, {k: v for k, v in OPERATOR_ENV.items() if k != name})
    with pytest.raises(MissingVariable, match="INTAKE_DB_PASSWORD"):
        resolve(compose, {**OPERATOR_ENV, "INTAKE_DB_PASSWORD": ""})  # `:?` refuses an empty value too


def test_migrations_and_topics_come_before_the_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for svc in SERVICES:
        migrate = services[f"{svc}-migrate"]
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert migrate["command"] == [svc, "migrate"]
        for process in ("api", "worker"):
            deps = services[f"{svc}-{process}"]["depends_on"]
            assert deps[f"{svc}-migrate"]["condition"] == "service_completed_successfully"
            assert deps["kafka-topics"]["condition"] == "service_completed_successfully"
            assert services[f"{svc}-{process}"]["command"] == [svc, process]
    topics = services["kafka-topics"]["depends_on"]
    assert topics["kafka"]["condition"] == "service_healthy"
    assert topics["kafka-2"] == {"condition": "service_healthy", "required": False}


def _secrets_of(compose: dict[str, Any], name: str) -> set[str]:
    return set(compose["services"][name].get("secrets") or [])


def test_keys_per_purpose(compose: dict[str, Any]) -> None:
    holders = {
        key: {n for n in compose["services"] if key in _secrets_of(compose, n)}
        for key in ("jwt_private_key", "jwt_public_key", "data_key", "publicity_data_key")
    }
    assert holders["jwt_private_key"] == {"intake-api"}
    assert holders["jwt_public_key"] == {f"{s}-api" for s in SERVICES}
    assert holders["data_key"] == {
        f"{s}-{p}" for s in ("intake", "review", "settlement") for p in ("api", "worker")
    }
    assert holders["publicity_data_key"] == {"publicity-api"}
    for name, svc in compose["services"].items():
        env = environment(svc)
        assert not any(k.endswith("DATA_KEY_FILE") for k in env) or _secrets_of(compose, name) & {
            "data_key",
            "publicity_data_key",
        }
        if name.startswith("scoring"):
            assert not [k for k in env if "DATA_KEY" in k], name  # scoring stores no sealed data
        if name.endswith(("-migrate", "-worker")):
            assert not [k for k in env if "JWT" in k], name  # only APIs verify tokens
        if name.endswith("-migrate"):
            assert not [k for k in env if "DATA_KEY" in k], name


def test_each_service_connects_as_its_own_role_to_its_own_database(compose: dict[str, Any]) -> None:
    resolved = resolve(compose, OPERATOR_ENV)
    for name, svc in resolved["services"].items():
        for key, value in environment(svc).items():
            if key.endswith("_DATABASE_URL"):
                service = key.removesuffix("_DATABASE_URL").lower()
                assert name.startswith(f"{service}-")
                m = re.fullmatch(
                    rf"postgresql\+asyncpg://(hukou_{service}(_owner)?):x@postgres:5432/hukou_{service}",
                    value or "",
                )
                assert m, (name, value)
                assert bool(m.group(2)) == name.endswith("-migrate"), "only migrations run as the owner"
        if name.endswith("-migrate"):
            assert (
                environment(svc)[f"{name.split('-')[0].upper()}_DB_RUNTIME_ROLE"]
                == f"hukou_{name.split('-')[0]}"
            )


def test_the_default_profile_has_one_broker_and_the_mock_registries(compose: dict[str, Any]) -> None:
    resolved = resolve(compose, OPERATOR_ENV)
    active = active_services(resolved, set())
    assert {n for n in active if n.startswith("kafka")} == {"kafka", "kafka-topics"}
    registries = {n for n in active if n.startswith("registry-")}
    assert len(registries) == 6
    review = environment(active["review-worker"])
    for dept in ("SOCIAL_INSURANCE", "TAX", "POLICE", "HOUSING", "EDUCATION", "COMPANY"):
        host = review[f"REVIEW_REGISTRY_{dept}_URL"]
        assert host is not None and host.split("//")[1].split(":")[0] in registries


def test_the_prod_profile_runs_three_brokers_rf3_min_isr2_and_idempotent_producers(
    compose: dict[str, Any],
) -> None:
    resolved = resolve(compose, {**OPERATOR_ENV, **PROD_ENV})
    active = active_services(resolved, set(PROD_ENV["COMPOSE_PROFILES"].split(",")))
    brokers = {n: environment(s) for n, s in active.items() if re.fullmatch(r"kafka(-\d)?", n)}
    assert sorted(brokers) == ["kafka", "kafka-2", "kafka-3"]
    for env in brokers.values():
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert env["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"
    for name, svc in resolved["services"].items():
        if re.fullmatch(r"kafka(-\d)?", name):
            assert svc["volumes"] == [f"{name}-data:/var/lib/kafka/data"]  # the data survives a restart
    topics = environment(active["kafka-topics"])
    # Half the production settings start nothing: brokers 2 and 3 are no voters without the env file.
    half = resolve(compose, OPERATOR_ENV)["services"]
    for name in ("kafka-2", "kafka-3"):
        voters = environment(half[name])["KAFKA_CONTROLLER_QUORUM_VOTERS"] or ""
        assert f"{name[-1]}@" not in voters
    assert (topics["REPLICATION_FACTOR"], topics["MIN_INSYNC_REPLICAS"]) == ("3", "2")
    assert topics["BOOTSTRAP_SERVERS"] == "kafka:9092,kafka-2:9092,kafka-3:9092"
    assert not [n for n in active if n.startswith("registry-")]  # the real registries, by setting
    for svc in SERVICES:
        for process in ("api", "worker"):
            env = environment(active[f"{svc}-{process}"])
            p = svc.upper()
            assert env[f"{p}_KAFKA_ENABLE_IDEMPOTENCE"] == "true"
            assert env[f"{p}_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092,kafka-2:9092,kafka-3:9092"


def test_letters_carry_the_public_https_address(compose: dict[str, Any]) -> None:
    resolved = resolve(compose, OPERATOR_ENV)
    for process in ("api", "worker"):
        env = environment(resolved["services"][f"settlement-{process}"])
        assert env["SETTLEMENT_PUBLIC_BASE_URL"] == "https://settlement.hukou.example.gov.cn"


def test_the_services_run_unprivileged_on_a_read_only_root_with_writable_volumes(
    compose: dict[str, Any],
) -> None:
    for svc in SERVICES:
        for process in ("migrate", "api", "worker"):
            s = compose["services"][f"{svc}-{process}"]
            assert s["read_only"] is True and s["user"] == "10001:10001" and s["cap_drop"] == ["ALL"]
            assert "/tmp" in s["tmpfs"]
    for process in ("api", "worker"):
        assert "materials:/data/materials" in compose["services"][f"intake-{process}"]["volumes"]


def test_the_topic_job_creates_every_topic_of_the_project() -> None:
    rows = [
        line.split()
        for line in (REPO / "deploy" / "kafka" / "topics.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(r[0] for r in rows) == sorted(ALL_TOPICS)
    counts = {r[0]: int(r[1]) for r in rows}
    compose = load_compose(COMPOSE_FILE)
    for svc in SERVICES:  # a relay that re-creates a lost topic uses <P>KAFKA_PARTITIONS
        env = environment(compose["services"][f"{svc}-worker"])
        assert int(env[f"{svc.upper()}_KAFKA_PARTITIONS"] or 0) == counts[f"{svc}.events"]
    for name in ("create-topics.sh", "topics.txt"):  # kustomize may read only files below its root: a copy
        original = (REPO / "deploy" / "kafka" / name).read_bytes()
        assert (REPO / "deploy" / "k8s" / "base" / "kafka" / name).read_bytes() == original, name
