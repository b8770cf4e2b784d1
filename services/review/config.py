"""Settings of the review service (environment prefix ``REVIEW_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from services.review.domain.graduates import Registry
from shared.settings import DEFAULT_PORTS, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REVIEW_", extra="ignore")

    service_name: str = "review"
    port: int = DEFAULT_PORTS["review"]

    # Department registries (the mock registries of `make run` listen on 8201–8204).
    registry_social_insurance_url: str = Field(default="http://127.0.0.1:8201", description="社保 registry")
    registry_tax_url: str = Field(default="http://127.0.0.1:8202", description="税务 registry")
    registry_police_url: str = Field(default="http://127.0.0.1:8203", description="公安 registry")
    registry_housing_url: str = Field(default="http://127.0.0.1:8204", description="住建 registry")
    # The graduate programme's registries (mock: 8205, 8206); the adapters use the settings below.
    registry_education_url: str = Field(
        default="http://127.0.0.1:8205", description="学信 education registry"
    )
    registry_company_url: str = Field(
        default="http://127.0.0.1:8206", description="市场监管 company registry"
    )

    # Adapters: timeouts, retries, circuit breaker, concurrency (per department).
    department_timeout_s: float = Field(default=5.0, gt=0, description="Read timeout of one call")
    department_connect_timeout_s: float = Field(default=2.0, gt=0)
    department_max_attempts: int = Field(
        default=4, ge=1, le=20, description="Calls per lookup, retries included"
    )
    department_backoff_initial_s: float = Field(default=0.2, ge=0)
    department_backoff_max_s: float = Field(default=5.0, ge=0)
    department_retry_after_max_s: float = Field(
        default=30.0, ge=0, description="A longer Retry-After ends the lookup; the job comes back later"
    )
    department_deadline_s: float = Field(default=60.0, gt=0, description="Overall limit of one lookup")
    department_concurrency: int = Field(default=8, ge=1, le=256, description="Calls in flight per department")
    breaker_failure_threshold: int = Field(default=5, ge=1, description="Consecutive failures that open it")
    breaker_open_s: float = Field(default=30.0, ge=0, description="How long an open breaker refuses calls")

    # Batch data exchange (批量数据交换) with the four departments of the points verification.
    department_batch: bool = Field(
        default=True,
        description="Ask a department about the applications claimed together in batch requests (false: "
        "one request per application and department)",
    )
    department_batch_size: int = Field(default=100, ge=1, le=500, description="People per batch request")
    department_batch_concurrency: int = Field(
        default=2, ge=1, le=32, description="Batch requests in flight per department"
    )
    department_batch_timeout_s: float = Field(default=30.0, gt=0, description="Read timeout of one batch")

    # The verification job.
    verify_poll_interval_s: float = Field(default=0.5, gt=0)
    verify_batch_size: int = Field(default=200, ge=1, le=500, description="Applications claimed at once")
    verify_commit_size: int = Field(
        default=50, ge=1, le=500, description="Applications stored per transaction (a savepoint each)"
    )
    verify_lease_s: float = Field(
        default=180.0, gt=0, description="A claim expires after this (a crashed worker's work is taken over)"
    )
    pending_retry_initial_s: float = Field(
        default=30.0, ge=0, description="First wait before asking a department that did not answer again"
    )
    pending_retry_max_s: float = Field(default=900.0, ge=0, description="Longest wait between such retries")

    # The graduate checks (the job shares verify_poll_interval_s, batch size, lease and pending retries).
    graduate_settlement_min_insurance_months: int = Field(
        default=1,
        ge=1,
        le=12,
        description="Months of pension insurance the employer must have paid since the graduate reported "
        "for duty for the settlement check to pass",
    )

    # Partner department pushes (202, then a callback).
    department_api_keys: dict[str, str] = Field(
        default_factory=dict,
        description="SHA-256 digest of each department client's API key (shared.api.auth.api_key_digest) → "
        "its department (social_insurance, tax, police, housing). JSON in the environment.",
    )
    department_callback_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Department → the secret its callbacks are signed with (HMAC-SHA256, see "
        "services/review/domain/callbacks.py). A department without one may not give a callback_url. "
        "Use at least 32 random bytes (e.g. `openssl rand -hex 32`). JSON in the environment; never logged.",
    )
    department_callback_hosts: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Department → the hosts its callback_url may point at (exact host names or IP "
        "addresses, any port). https only, except http to a loopback host. JSON in the environment.",
    )
    callback_timeout_s: float = Field(default=5.0, gt=0)
    callback_max_attempts: int = Field(default=8, ge=1)
    callback_retry_initial_s: float = Field(default=5.0, ge=0)
    callback_retry_max_s: float = Field(default=600.0, ge=0)
    submissions_poll_interval_s: float = Field(default=0.5, gt=0)

    # Phase gating (phase names as round.phase_changed carries them).
    recheck_phases: list[str] = Field(
        default_factory=lambda: ["declaration", "申报"], description="Phases in which 复查 may be requested"
    )
    appeal_phases: list[str] = Field(
        default_factory=lambda: ["results_query", "审核结果查询"],
        description="Phases in which 申诉 may be filed",
    )

    @field_validator("department_callback_hosts")
    @classmethod
    def _hosts_normalised(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return {d: [h.strip().lower().strip("[]") for h in hosts if h.strip()] for d, hosts in v.items()}

    def callback_secret(self, department: str) -> str | None:
        secret = self.department_callback_secrets.get(department)
        return secret.get_secret_value() if secret is not None else None

    def registry_urls(self) -> dict[str, str]:
        return {
            "social_insurance": self.registry_social_insurance_url,
            "tax": self.registry_tax_url,
            "police": self.registry_police_url,
            "housing": self.registry_housing_url,
        }

    def graduate_registry_urls(self) -> dict[Registry, str]:
        return {
            "education_registry": self.registry_education_url,
            "company_registry": self.registry_company_url,
            "social_insurance": self.registry_social_insurance_url,
        }


def load_settings() -> Settings:
    return Settings()
