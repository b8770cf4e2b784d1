"""The stages a case goes through, from the first draft to the settlement letter.

Events of the other services move a case forward (verified, scored, ranked, publicity outcome, letter);
an event that arrives late never moves it back. A new submission (an edit in the declaration phase)
starts the case again at ``submitted``: the new revision will be verified and scored afresh.
"""

from __future__ import annotations

STATUS_RANK: dict[str, int] = {
    "draft": 0,
    "submitted": 1,
    "verified": 2,
    "scored": 3,
    "ranked": 4,
    "cleared": 5,
    "disqualified": 5,
    "held": 5,  # then cleared or disqualified when decided (same stage)
    "letter_issued": 6,
    "letter_revoked": 7,
    "lapsed": 7,
    "cancelled": 7,  # qualification cancelled or given up (seed 004 第十三条)
}
STATUSES = tuple(STATUS_RANK)
DECLARATION_STATUSES = ("draft", "employer_confirmed", "returned", "submitted")


def advance_status(current: str, new: str) -> str:
    """``new`` unless it is an earlier stage than ``current``."""
    return new if STATUS_RANK.get(new, 0) >= STATUS_RANK.get(current, 0) else current


def birth_year_month(birth_date_iso: str) -> str:
    """``YYYY-MM`` of an ISO date: the only part of the birth date that leaves intake (publicity)."""
    return birth_date_iso[:7]
