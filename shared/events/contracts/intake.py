"""Events produced by the intake service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from shared.events.contracts.common import (
    ApplicationId,
    DeclarationId,
    GraduateEducation,
    Program,
    RoundId,
    UnitId,
    YearMonth,
)
from shared.events.registry import REGISTRY, EventData
from shared.facts.graduates import GraduateFacts
from shared.facts.points import PointsFacts

ALL = ("intake", "review", "scoring", "publicity", "settlement")


class PhaseDates(EventData):
    phase: str
    starts_on: date
    ends_on: date


@REGISTRY.register("round.phase_changed", 1, producer="intake", consumers=ALL, subject="round id")
class RoundPhaseChangedV1(EventData):
    """Emitted when a round enters a new phase (申报, 审核, 排名, 公示, 落户办理 …)."""

    round_id: RoundId
    program: Program
    year: int = Field(ge=2018, le=2100)
    policy_version: str | None = None
    phase: str = Field(max_length=50, description="The phase now current.")
    previous_phase: str | None = None
    phases: list[PhaseDates] = Field(description="All phases of the round with their dates.")
    quota: int | None = Field(default=None, ge=0)


class EncryptedValue(EventData):
    """A value sealed with the platform data key (AES-256-GCM); only the review service opens it."""

    alg: Literal["AES-256-GCM"] = "AES-256-GCM"
    key_id: str = Field(max_length=64)
    nonce: str = Field(description="base64")
    ciphertext: str = Field(description="base64")


def _submitted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v2 only narrows ``declared_facts`` to the points-facts model: the document is the same."""
    return data


SUBMITTED_CONSUMERS = ("review", "publicity", "settlement", "intake")
_DIGEST_DESCRIPTION = (
    "Keyed HMAC-SHA256 of the ID number (platform data key, context 'id_number'; "
    "shared.crypto.Sealer.digest), for equality lookups such as one application per person per round "
    "or bad-conduct records. The number cannot be recovered from it."
)
_APPLICANT_DESCRIPTION = (
    "The applicant's account id at intake (the `sub` of their access token), so that other "
    "services can let the applicant act on and see their own application (rechecks and appeals, "
    "settlement letters). Absent in events emitted before it was added."
)


class _Submission(EventData):
    application_id: ApplicationId
    revision: int = Field(ge=1)
    round_id: RoundId
    program: Program
    name: str = Field(max_length=100)
    birth_year_month: YearMonth
    employer_name: str = Field(max_length=200)
    employer_credit_code: str = Field(max_length=18)
    id_number: EncryptedValue = Field(description="The 18-digit ID number, encrypted; never in clear.")


@REGISTRY.register(
    "application.submitted",
    1,
    producer="intake",
    consumers=SUBMITTED_CONSUMERS,
    upcast_to_next=_submitted_v1_to_v2,
)
class ApplicationSubmittedV1(_Submission):
    """Emitted when an applicant's declaration is submitted (each resubmission is a new revision)."""

    declared_facts: dict[str, Any] = Field(
        description="What the applicant declared, in the shape of contracts/points-facts.schema.json."
    )
    id_number_digest: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description=_DIGEST_DESCRIPTION
    )
    applicant_id: str | None = Field(
        default=None, min_length=1, max_length=64, description=_APPLICANT_DESCRIPTION
    )


@REGISTRY.register("application.submitted", 2, producer="intake", consumers=SUBMITTED_CONSUMERS)
class ApplicationSubmittedV2(_Submission):
    """Emitted when an applicant's declaration is submitted (each resubmission is a new revision).

    v2: ``declared_facts`` is the points-facts contract (``shared.facts.points.PointsFacts``); a v1
    event is upcast unchanged and validated against it.
    """

    declared_facts: PointsFacts = Field(
        description="What the applicant declared: a contracts/points-facts.schema.json document."
    )
    id_number_digest: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description=_DIGEST_DESCRIPTION
    )
    applicant_id: str | None = Field(
        default=None, min_length=1, max_length=64, description=_APPLICANT_DESCRIPTION
    )


# ---- the graduate programme (引进毕业生) ------------------------------------------------------------


@REGISTRY.register(
    "graduate.declared",
    1,
    producer="intake",
    consumers=("review", "settlement", "intake"),
    subject="declaration id",
)
class GraduateDeclaredV1(EventData):
    """Emitted when an employer submits a graduate's declaration to its supervising unit (each
    resubmission after a return is a new revision). Seed 000 第十七条(三)."""

    declaration_id: DeclarationId
    revision: int = Field(ge=1)
    round_id: RoundId
    year: int = Field(ge=2018, le=2100, description="Y: the year of introduction.")
    supervising_unit_id: UnitId
    employer_credit_code: str = Field(max_length=18)
    employer_name: str = Field(max_length=200)
    name: str = Field(max_length=100)
    birth_date: date
    id_number: EncryptedValue = Field(description="The 18-digit ID number, encrypted; never in clear.")
    id_number_digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="Keyed HMAC of the ID number.")
    university: str = Field(max_length=200)
    major: str = Field(max_length=200)
    diploma_number: str | None = Field(default=None, max_length=64, description="学历证书编号, once known.")
    degree_number: str | None = Field(default=None, max_length=64, description="学位证书编号, once known.")
    facts: GraduateFacts = Field(description="What the employer declared: a graduate-facts document.")
    graduate_account_id: str | None = Field(default=None, max_length=64)
    declared_at: datetime


@REGISTRY.register(
    "graduate.unit_decided",
    1,
    producer="intake",
    consumers=("publicity", "settlement", "intake"),
    subject="declaration id",
)
class GraduateUnitDecidedV1(EventData):
    """Emitted when the supervising unit decides on a declaration after its review: approved for publicity
    (with the graduate's consent to publication) or returned to the employer with a reason (第十七条(四)).
    An approval carries exactly what the publicity shows: name, age, university, education, and the
    unit's supervision phone and address; nothing else about the graduate."""

    declaration_id: DeclarationId
    revision: int = Field(ge=1, description="The declaration revision decided on.")
    round_id: RoundId
    year: int = Field(ge=2018, le=2100)
    supervising_unit_id: UnitId
    supervising_unit_name: str = Field(max_length=200)
    decision: Literal["approved_for_publicity", "returned"]
    reason: str | None = Field(default=None, max_length=1000)
    decided_at: datetime
    name: str | None = Field(default=None, max_length=100)
    age: int | None = Field(default=None, ge=10, le=80, description="Y − birth year (第十三条's count).")
    university: str | None = Field(default=None, max_length=200)
    education: GraduateEducation | None = None
    unit_phone: str | None = Field(default=None, max_length=40, description="监督电话.")
    unit_address: str | None = Field(default=None, max_length=300)
    consent_at: datetime | None = Field(
        default=None, description="When the graduate consented to publication."
    )
