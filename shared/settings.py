"""Settings shared by every service.

Each service subclasses :class:`ServiceSettings` with its own environment prefix
(``INTAKE_``, ``REVIEW_``, ``SCORING_``, ``PUBLICITY_``, ``SETTLEMENT_``). Settings are
loaded once at start-up (``load_settings``) and passed in; nothing reads the environment
at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.api.clients import IPNetwork, parse_networks

SERVICES = ("intake", "review", "scoring", "publicity", "settlement")

#: Fixed local ports (API); documented in the README.
DEFAULT_PORTS = {
    "intake": 8101,
    "review": 8102,
    "scoring": 8103,
    "publicity": 8104,
    "settlement": 8105,
}


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``service_name`` and the env prefix."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL of this service's own database, "
        "e.g. postgresql+asyncpg://user:pw@host:5432/hukou_scoring. "
        "Unset: `make run` / the test fixtures start the embedded PostgreSQL and set it.",
    )
    db_pool_size: int = 5
    db_echo: bool = False

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        description="Comma-separated host:port list. Unset: the local stack starts the tansu broker.",
    )
    kafka_topic_prefix: str = Field(
        default="", description="Prepended to every topic name (isolates environments and tests)."
    )
    kafka_enable_idempotence: bool = Field(
        default=False,
        description="Idempotent producer. On for Apache Kafka; must stay off for the local tansu "
        "broker, which rejects InitProducerId. Correctness never depends on it (outbox + inbox).",
    )
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_request_timeout_ms: int = 15_000
    kafka_max_message_bytes: int = 1_000_000
    kafka_partitions: int = 3
    kafka_replication_factor: int = Field(
        default=1,
        ge=1,
        description="Replication factor of topics this service creates when they are missing (the local "
        "broker has one node; production: 3, with the topic job creating them first).",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="How clients talk to the brokers: production uses SASL_SSL (authenticated, encrypted).",
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = Field(
        default=None, description="The service's own Kafka principal (SASL_*); one per service."
    )
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = Field(
        default=None, description="CA bundle that signed the brokers' certificates (SSL, SASL_SSL)."
    )

    heartbeat_file: Path | None = Field(
        default=None,
        description="The worker writes its heartbeat here (shared/heartbeat.py) for a liveness probe that "
        "notices a stuck loop; unset: none is written.",
    )
    heartbeat_interval_s: float = Field(default=5.0, gt=0, le=300)

    max_request_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body a route accepts unless it declares its own limit (uploads, batches); "
        "counted on the streamed bytes, 413 as soon as it is passed.",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True

    clock: Literal["system", "shared-offset"] = Field(
        default="system",
        description="`system`: the real clock (production). `shared-offset`: the real clock plus "
        "an offset read from `clock_file`, moved forward for all services at once (tests, demo).",
    )
    clock_file: Path | None = None

    outbox_poll_interval_s: float = 0.2
    outbox_batch_size: int = 500
    consumer_max_attempts: int = 5
    consumer_backoff_initial_s: float = 0.2
    consumer_backoff_max_s: float = 5.0
    consumer_batch: bool = Field(
        default=True,
        description="Apply the records of a partition taken by one poll in one transaction (a savepoint "
        "each; a failure other than a refusal falls back to one transaction per record). False: always one "
        "transaction per record.",
    )
    consumer_batch_max_records: int = Field(
        default=50,
        ge=1,
        le=5000,
        description="Most records one poll takes, hence the largest batch. Each record of a batch is a "
        "subtransaction (savepoint): PostgreSQL caches 64 per transaction, beyond which every other session's "
        "visibility checks slow down while the batch is open, so keep it under 64.",
    )

    jwt_public_key: SecretStr | None = Field(
        default=None, description="PEM public key that verifies access tokens (Ed25519)."
    )
    data_key: SecretStr | None = Field(
        default=None,
        description="Base64 32-byte key for application-level encryption of personal data.",
    )

    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDR blocks of the reverse proxies in front of the API "
        "(e.g. `10.0.0.0/8`). Only entries these proxies add to X-Forwarded-For are believed when rate "
        "limiting and auditing by client address; empty: the header is ignored.",
        examples=["10.0.0.0/8,127.0.0.1"],
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, v: str) -> str:
        parse_networks(v)  # a bad entry fails at start-up, naming it
        return v

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.trusted_proxies)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if v.startswith("postgresql://") or v.startswith("postgres://"):
            return "postgresql+asyncpg://" + v.split("://", 1)[1]
        return v

    def require_database_url(self) -> str:
        if not self.database_url:
            prefix = self.model_config.get("env_prefix", "")
            raise RuntimeError(
                f"No database configured: set {prefix}DATABASE_URL, or start the local stack "
                "with `make run`, which starts the embedded PostgreSQL and sets it."
            )
        return self.database_url

    @model_validator(mode="after")
    def _kafka_credentials_complete(self) -> ServiceSettings:
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"kafka_security_protocol {self.kafka_security_protocol} needs kafka_sasl_username and "
                "kafka_sasl_password"
            )
        return self

    def require_kafka(self) -> str:
        if not self.kafka_bootstrap_servers:
            prefix = self.model_config.get("env_prefix", "")
            raise RuntimeError(
                f"No Kafka configured: set {prefix}KAFKA_BOOTSTRAP_SERVERS, or start the local stack "
                "with `make run`, which starts the tansu broker and sets it."
            )
        return self.kafka_bootstrap_servers

    def topic(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"
