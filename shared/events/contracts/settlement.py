"""Events produced by the settlement service."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.events.contracts.common import ApplicationId, RoundId
from shared.events.contracts.intake import EncryptedValue
from shared.events.registry import REGISTRY, EventData


@REGISTRY.register("letter.issued", 1, producer="settlement", consumers=("intake",))
class LetterIssuedV1(EventData):
    """Emitted when a letter (qualification confirmation, settlement letter …) is issued."""

    application_id: ApplicationId
    round_id: RoundId
    letter_type: str = Field(max_length=50)
    serial_number: str = Field(max_length=50)
    issued_on: date


@REGISTRY.register("letter.revoked", 1, producer="settlement", consumers=("intake",))
class LetterRevokedV1(EventData):
    """Emitted when bureau staff revoke a letter."""

    application_id: ApplicationId
    serial_number: str = Field(max_length=50)
    reason: str = Field(max_length=500)
    revoked_on: date
    letter_type: str | None = Field(
        default=None, max_length=50, description="The type of the revoked letter."
    )
    reason_code: str | None = Field(
        default=None,
        max_length=50,
        description="`fraud`, `criminal_record`, `on_request` or `disqualified`; `reason` is the text.",
    )


@REGISTRY.register("qualification.lapsed", 1, producer="settlement", consumers=("intake",))
class QualificationLapsedV1(EventData):
    """Emitted when an unused settlement qualification expires (2 years after publicity)."""

    application_id: ApplicationId
    round_id: RoundId
    lapsed_on: date


@REGISTRY.register("qualification.cancelled", 1, producer="settlement", consumers=("intake",))
class QualificationCancelledV1(EventData):
    """Emitted when a settlement qualification ends before settlement: cancelled (fraud, a criminal record,
    a later disqualification) or given up on request; it is not refilled (seed 004 第十三条, 第十八条)."""

    application_id: ApplicationId
    round_id: RoundId
    reason_code: str = Field(
        max_length=50, description="`fraud`, `criminal_record`, `on_request`, `disqualified`."
    )
    reason: str = Field(max_length=500)
    ended_on: date
    abandoned: bool = Field(description="True when the holder gave the qualification up (自行放弃).")


@REGISTRY.register(
    "conduct.recorded", 1, producer="settlement", consumers=("intake",), subject="person or employer"
)
class ConductRecordedV1(EventData):
    """Emitted when a bad-conduct record (失信记录) is made for a person or an employer."""

    record_id: str = Field(max_length=64)
    person_id_number: EncryptedValue | None = None
    person_id_digest: str | None = Field(default=None, description="HMAC of the ID number for lookups.")
    employer_credit_code: str | None = Field(default=None, max_length=18)
    reason: str = Field(max_length=500)
    valid_from: date
    valid_until: date
