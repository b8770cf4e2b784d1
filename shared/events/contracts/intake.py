"""Events produced by the intake service."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from shared.events.contracts.common import ApplicationId, Program, RoundId, YearMonth
from shared.events.registry import REGISTRY, EventData
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
