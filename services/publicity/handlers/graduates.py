"""The graduate programme's lists (issue 11 item 5; policy/graduates.md 第十七条(四)): a supervising
unit's decisions come in as events and wait for a list; unit staff open a list of their approved
graduates; the public reads it (name, age, university, education, the unit's phone and address).
Objections and closing are the points programme's own use cases (``objections``, ``closing``): a graduate
list is a ``publicities`` row like any other, with ``program = "graduates"`` and ``scope`` = the unit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.publicity.adapters.records import GraduateCandidateRecord
from services.publicity.context import Tx
from services.publicity.domain.graduates import (
    decision_is_newer,
    publicity_id_for,
    supervision_contact,
    working_days_refusal,
)
from services.publicity.domain.period import publicity_deadline
from services.publicity.handlers.common import PublicityTakenDown, period_of, publicly_visible
from services.publicity.handlers.views import GraduatePageView, PublicityView
from shared.api.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from shared.calendar import CalendarYearUnknown
from shared.events.contracts.intake import GraduateUnitDecidedV1

log = logging.getLogger(__name__)

GRADUATES = "graduates"
#: What an approval for publicity must carry (the event's optional fields).
SHOWN = ("name", "age", "university", "education", "unit_phone", "unit_address", "consent_at")


# ---- events in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordUnitDecision:
    """A supervising unit's decision on a declaration (``graduate.unit_decided``)."""

    data: GraduateUnitDecidedV1
    received_at: datetime

    @classmethod
    def from_event(cls, data: GraduateUnitDecidedV1, received_at: datetime) -> RecordUnitDecision:
        return cls(data, received_at)


async def record_unit_decision(tx: Tx, cmd: RecordUnitDecision) -> bool:
    """Keep the unit's newest decision on a declaration that is on no list yet: an approval with exactly
    what the list shows, a return with nothing about the graduate (it withdraws an earlier approval).
    A decision about a declaration already on a list changes nothing (objections decide there).
    Returns whether the decision was recorded."""
    d = cmd.data
    approved = d.decision == "approved_for_publicity"
    if approved:
        missing = [f for f in SHOWN if getattr(d, f) is None]
        if missing:
            raise Invalid(
                "incomplete_approval",
                f"An approval for publicity of {d.declaration_id} lacks {', '.join(missing)}.",
                [{"field": f, "code": "missing", "message": "required on an approval"} for f in missing],
            )
    row: GraduateCandidateRecord = {
        "declaration_id": d.declaration_id,
        "revision": d.revision,
        "round_id": d.round_id,
        "year": d.year,
        "unit_id": d.supervising_unit_id,
        "unit_name": d.supervising_unit_name,
        "status": "approved" if approved else "returned",
        "decided_at": d.decided_at,
        "name": d.name if approved else None,
        "age": d.age if approved else None,
        "university": d.university if approved else None,
        "education": d.education if approved else None,
        "unit_phone": d.unit_phone if approved else None,
        "unit_address": d.unit_address if approved else None,
        "publicity_id": None,
        "received_at": cmd.received_at,
    }
    on_record = await tx.repo.get_candidate(d.declaration_id, lock=True)
    if on_record is not None and on_record["publicity_id"] is not None:
        log.warning(
            "decision %s on %s r%d not recorded: already on list %s",
            d.decision,
            d.declaration_id,
            d.revision,
            on_record["publicity_id"],
        )
        return False
    if on_record is not None and not decision_is_newer(
        on_record["revision"], on_record["decided_at"], d.revision, d.decided_at
    ):
        log.info("decision on %s r%d is older than the one on record", d.declaration_id, d.revision)
        return False
    return await tx.repo.upsert_candidate(row)


# ---- the unit opens a list ------------------------------------------------------------------------


def check_unit(unit_id: str, caller_unit: str | None) -> None:
    """Unit staff act for their own unit only (the ``supervising_unit`` claim of intake's token)."""
    if caller_unit is None:
        raise Forbidden(
            "unit_claim_missing", "The token names no supervising unit; sign in again with a unit account."
        )
    if caller_unit != unit_id:
        raise Forbidden("other_unit", f"Staff of unit {caller_unit} cannot act for unit {unit_id}.")


@dataclass(frozen=True)
class WaitingOf:
    unit_id: str
    caller_unit: str | None


async def waiting_of(tx: Tx, cmd: WaitingOf) -> list[GraduateCandidateRecord]:
    """The unit's approved graduates on no list yet."""
    check_unit(cmd.unit_id, cmd.caller_unit)
    return await tx.repo.waiting_candidates(cmd.unit_id)


@dataclass(frozen=True)
class OpenUnitPublicity:
    unit_id: str
    caller_unit: str | None
    round_id: str | None
    working_days: int


async def open_unit_publicity(tx: Tx, cmd: OpenUnitPublicity) -> PublicityView:
    """Open a list of the unit's approved graduates today (day D, Beijing): it closes at 24:00 of the
    ``working_days``-th working day after D (at least 5), with the calendar version recorded."""
    check_unit(cmd.unit_id, cmd.caller_unit)
    refusal = working_days_refusal(cmd.working_days)
    if refusal:
        raise Invalid(
            "period_too_short" if cmd.working_days < 5 else "period_too_long",
            refusal,
            [{"field": "working_days", "code": "range", "message": refusal}],
        )
    await tx.repo.lock_unit(cmd.unit_id)
    people = await tx.repo.waiting_candidates(cmd.unit_id, cmd.round_id, lock=True)
    if not people:
        raise Conflict(
            "nothing_to_publish", f"Unit {cmd.unit_id} has no approved graduate waiting for a list."
        )
    rounds = sorted({c["round_id"] for c in people})
    if len(rounds) > 1:
        raise Invalid(
            "round_required",
            f"Graduates of several rounds are waiting ({', '.join(rounds)}); name the round.",
            [{"field": "round_id", "code": "required", "message": "several rounds are waiting"}],
        )
    try:
        deadline = publicity_deadline(GRADUATES, tx.now, working_days=cmd.working_days)
    except CalendarYearUnknown as e:
        raise Unavailable("calendar_year_unknown", str(e)) from None
    # the unit's name, phone and address as of its latest decision
    latest = max(people, key=lambda c: (c["decided_at"], c["declaration_id"]))
    n = await tx.repo.count_unit_publicities(cmd.unit_id, latest["year"]) + 1
    publicity_id = publicity_id_for(latest["year"], cmd.unit_id, n)
    await tx.repo.insert_graduate_publicity(
        publicity_id=publicity_id,
        unit=latest,
        contact=supervision_contact(latest["unit_name"], latest["unit_phone"], latest["unit_address"]),
        opened_at=tx.now,
        opened_by=tx.actor,
        closes_at=deadline.due_at,
        closes_on=deadline.due_date,
        period_rule=deadline.rule,
        calendar_version=deadline.calendar_version,
        working_days=cmd.working_days,
        people=people,
    )
    log.info(
        "graduate publicity %s opened with %d entries; closes at %s",
        publicity_id,
        len(people),
        deadline.due_at,
    )
    p = await tx.repo.get_publicity(publicity_id)
    assert p is not None
    return {**p, "period": period_of(p, None)}


# ---- the public reads it --------------------------------------------------------------------------


@dataclass(frozen=True)
class GraduatePublicPage:
    publicity_id: str
    q: str | None
    limit: int
    offset: int


async def graduate_public_page(tx: Tx, cmd: GraduatePublicPage) -> GraduatePageView:
    """One page of a graduate list on public view: 404 unless it is a graduate list that has opened,
    410 after its period."""
    p = await tx.repo.get_publicity(cmd.publicity_id)
    if p is None or p["opened_at"] is None or p["program"] != GRADUATES:
        raise NotFound(
            "publicity_not_found",
            f"No graduate publicity {cmd.publicity_id} is on public view. 未找到该公示。",
        )
    if not publicly_visible(p, tx.now):
        raise PublicityTakenDown(p, period_of(p, None))
    rows, total = await tx.repo.page_graduate_entries(
        cmd.publicity_id, q=cmd.q, limit=cmd.limit, offset=cmd.offset
    )
    return GraduatePageView(p, period_of(p, None), rows, total)
