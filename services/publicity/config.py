"""Settings of the publicity service (environment prefix ``PUBLICITY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import DEFAULT_PORTS, ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PUBLICITY_", extra="ignore")

    service_name: str = "publicity"
    port: int = DEFAULT_PORTS["publicity"]

    supervision_contact: str = Field(
        default="北京市人力资源和社会保障局 监督举报电话：010-12333（工作日 9:00–17:00）",
        max_length=500,
        description="The bureau's supervision contact printed on every public list (公示监督电话). "
        "It is copied into a publicity when it is prepared, so the archived copy shows what was published.",
    )
    job_interval_s: float = Field(
        default=1.0,
        gt=0,
        description="How often the worker's scheduled job looks for publicities to prepare, open and close.",
    )
    public_page_size: int = Field(default=50, ge=10, le=200, description="Rows per page of the public list.")

    objection_max_text_chars: int = Field(default=5000, ge=100)
    objection_max_attachments: int = Field(default=5, ge=0, le=20)
    objection_max_attachment_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest attachment (PDF, JPEG or PNG) of an objection."
    )
    objection_rate_capacity: int = Field(
        default=5, ge=1, description="Token bucket per client IP: objections that may be filed in a burst."
    )
    objection_rate_per_hour: float = Field(
        default=10.0, gt=0, description="Token bucket per client IP: tokens added back per hour."
    )

    @property
    def objection_max_request_bytes(self) -> int:
        """The whole multipart body: every attachment at its limit plus the text fields."""
        return self.objection_max_attachments * self.objection_max_attachment_bytes + 256 * 1024


def load_settings() -> Settings:
    return Settings()
