"""Settings of the intake service (environment prefix ``INTAKE_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import DEFAULT_PORTS, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    port: int = DEFAULT_PORTS["intake"]

    jwt_private_key: SecretStr | None = Field(
        default=None,
        description="Ed25519 private key (PEM) that signs access tokens. Only intake holds it; every "
        "service verifies with the public key.",
    )
    access_token_ttl_s: int = Field(default=900, ge=30, le=3600, description="Access token lifetime.")
    refresh_token_ttl_s: int = Field(
        default=14 * 24 * 3600, ge=300, description="Refresh token lifetime (rotated at each use)."
    )
    department_api_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Partner department API keys: SHA-256 hex digest of the key -> department code "
        "(JSON). The key itself is never configured.",
    )
    materials_storage: Literal["disk"] = Field(
        default="disk",
        description="Where uploaded materials are kept. `disk`: content-addressed files under "
        "`materials_dir`. (An S3-compatible store plugs in behind the same MaterialStore protocol.)",
    )
    materials_dir: Path = Field(default=Path("var/materials"), description="Root of the disk store.")
    materials_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="Upload size limit.")
    phase_job_interval_s: float = Field(
        default=5.0, gt=0, description="How often the worker checks rounds for phase boundaries."
    )


def load_settings() -> Settings:
    return Settings()
