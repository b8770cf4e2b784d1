"""What a public verification check answers (seed 004 has no text on it; this is the issue's rule):
``valid``, ``revoked`` (with its date), ``lapsed`` (a confirmation whose qualification expired unused, with
the day it lapsed) or ``unknown``; and only the letter type, serial number, issue date and the holder's
masked name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from services.settlement.domain.letters import QUALIFICATION_CONFIRMATION
from services.settlement.domain.qualification import ACTIVE, Status, lapse_date


class Verdict(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    LAPSED = "lapsed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    on: date | None = None  # revoked on / lapsed on


def judge(
    *,
    letter_type: str,
    letter_status: str,
    revoked_on: date | None,
    qualification_status: str | None,
    valid_until: date | None,
    valid_until_at: datetime | None,
    now: datetime,
) -> Answer:
    """The state of one letter at ``now``.

    A revoked letter is revoked. A qualification confirmation is lapsed once its qualification lapsed, or as
    soon as its validity is over while still unused (before the worker has recorded the lapse). Everything
    else issued is valid; a settlement letter stays valid (the qualification has been used).
    """
    if letter_status == "revoked":
        return Answer(Verdict.REVOKED, revoked_on)
    if letter_type == QUALIFICATION_CONFIRMATION.code and valid_until is not None:
        if qualification_status == Status.LAPSED.value:
            return Answer(Verdict.LAPSED, lapse_date(valid_until))
        if qualification_status in ACTIVE and valid_until_at is not None and now >= valid_until_at:
            return Answer(Verdict.LAPSED, lapse_date(valid_until))
    return Answer(Verdict.VALID)
