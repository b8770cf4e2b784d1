"""The event envelope: CloudEvents 1.0 attribute names, structured JSON mode on Kafka.

The Kafka record key is ``subject`` (the application id, or the round id for round-level
events), so one application's events stay in one partition and in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class Envelope(BaseModel):
    """One event as it travels on Kafka (structured CloudEvents JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(description="Unique event id; consumers deduplicate on it.")
    type: str = Field(description="`<aggregate>.<past-tense verb>`, e.g. `application.submitted`.")
    version: int = Field(ge=1, description="Schema version of `data` for this type.")
    source: str = Field(description="Producing service, e.g. `/services/intake`.")
    time: AwareDatetime = Field(description="When the fact happened (service clock, Beijing time).")
    subject: str = Field(
        min_length=1, max_length=200, description="Application id (or round id); the Kafka key."
    )
    correlation_id: str = Field(min_length=1, max_length=100)
    causation_id: str | None = Field(default=None, max_length=100)
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


def envelope_time(e: Envelope) -> datetime:
    return e.time
