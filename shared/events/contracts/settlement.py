"""Events produced by the settlement service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shared.events.contracts.common import ApplicationId, DeclarationId, QuotaTreatment, RoundId, UnitId
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


# ---- the graduate programme ------------------------------------------------------------------------


@REGISTRY.register(
    "graduate.decided", 1, producer="settlement", consumers=("intake",), subject="declaration id"
)
class GraduateDecidedV1(EventData):
    """Emitted when the bureau decides on an introduction the supervising unit submitted (第十七条(五)):
    approved (a receiving letter follows as ``letter.issued``) or refused with a reason."""

    declaration_id: DeclarationId
    round_id: RoundId
    supervising_unit_id: UnitId
    decision: Literal["approved", "refused"]
    quota: QuotaTreatment | None = None
    reason: str | None = Field(default=None, max_length=1000)
    decided_on: date
    deadline_on: date = Field(description="The 10-working-day deadline the decision was due by.")


@REGISTRY.register(
    "graduate.settlement_check_requested",
    1,
    producer="settlement",
    consumers=("review",),
    subject="declaration id",
)
class GraduateSettlementCheckRequestedV1(EventData):
    """Emitted when the supervising unit applies for settlement in Y+1 (第十七条(七)): review checks the
    education, degree, training mode and social-insurance payment against the registries."""

    declaration_id: DeclarationId
    request_id: str = Field(max_length=64)
    round_id: RoundId
    year: int = Field(ge=2018, le=2100, description="Y, the year of introduction.")
    id_number: EncryptedValue
    university: str = Field(max_length=200)
    education: str = Field(max_length=20)
    diploma_number: str = Field(max_length=64)
    degree_number: str | None = Field(default=None, max_length=64)
    training_mode: str = Field(max_length=20)
    employer_credit_code: str = Field(max_length=18)
    reported_for_duty_on: date
    requested_at: datetime
