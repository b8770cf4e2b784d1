"""Settings of the scoring service (environment prefix ``SCORING_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import DEFAULT_PORTS, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore")

    service_name: str = "scoring"
    port: int = DEFAULT_PORTS["scoring"]


def load_settings() -> Settings:
    return Settings()
