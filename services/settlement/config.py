"""Settings of the settlement service (environment prefix ``SETTLEMENT_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import DEFAULT_PORTS, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SETTLEMENT_", extra="ignore")

    service_name: str = "settlement"
    port: int = DEFAULT_PORTS["settlement"]

    public_base_url: str = Field(
        default=f"http://127.0.0.1:{DEFAULT_PORTS['settlement']}",
        description="Public address of this service; the QR code of every letter opens "
        "`<public_base_url>/verify/<token>`.",
    )
    issuing_authority: str = Field(
        default="北京市人力资源和社会保障局", description="The authority printed on letters (第十二条)."
    )
    letter_font_path: Path | None = Field(
        default=None,
        description="A TrueType/OpenType font (or .ttc collection) with CJK glyphs for letters. Unset: Noto "
        "Serif/Sans CJK from Debian's fonts-noto-cjk (installed by `make install`), simplified-Chinese face.",
    )
    letter_font_index: int | None = Field(
        default=None, ge=0, description="Face index inside a .ttc collection; unset: the 'SC' face."
    )
    job_interval_s: float = Field(
        default=30.0,
        gt=0,
        description="How often the worker lapses expired qualifications and ends "
        "expired bad-conduct records.",
    )
    verify_rate_per_minute: int = Field(
        default=60, ge=1, description="Public verification checks per client address and minute (sustained)."
    )
    verify_burst: int = Field(
        default=20, ge=1, description="Checks a client may make at once before the rate applies."
    )


def load_settings() -> Settings:
    return Settings()
