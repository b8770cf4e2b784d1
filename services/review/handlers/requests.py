"""复查 (recheck, declaration phase) and 申诉 (appeal, results-query phase) of the own-home, innovation
or honours result: filed by the applicant for their own application or by bureau staff on their
behalf, once per application, kind and item; decided by bureau staff. A changed result emits a new
``verification.completed`` revision in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.review.adapters.records import ReviewRequestRecord, RoundRecord
from services.review.adapters.repository import Page
from services.review.context import Tx
from services.review.handlers.common import settle
from services.review.handlers.values import REVIEW_VALUE, missing_value, validated
from services.review.handlers.verification import application_not_found
from shared.api.errors import Conflict, NotFound

Kind = Literal["recheck", "appeal"]


def request_not_found(request_id: int) -> NotFound:
    return NotFound("request_not_found", f"No recheck or appeal {request_id}.")


def _phase_text(rnd: RoundRecord) -> str:
    for p in rnd["phases"] or []:
        if p.get("phase") == rnd["phase"]:
            return f"{rnd['phase']} ({p.get('starts_on')} – {p.get('ends_on')})"
    return str(rnd["phase"])


@dataclass(frozen=True)
class FileRequest:
    """``owner``: the applicant filing it for themself (the application must be theirs); ``None`` for
    bureau staff, who file on any applicant's behalf."""

    application_id: str
    kind: Kind
    item: Literal["housing", "innovation", "honours"]
    reason: str
    owner: str | None


async def file_request(tx: Tx, cmd: FileRequest) -> ReviewRequestRecord:
    """File a recheck or appeal. Another applicant's application answers as unknown (404), so that
    nobody learns which other applications exist."""
    app = await tx.repo.get_application(cmd.application_id, for_update=True)
    if app is None or (cmd.owner is not None and app["applicant_id"] != cmd.owner):
        raise application_not_found(cmd.application_id)
    if app["facts_revision"] < 1:
        raise Conflict("not_verified_yet", "The application has no verification result yet to recheck.")
    rnd = await tx.repo.get_round(app["round_id"])
    if rnd is None:
        raise Conflict("round_phase_unknown", f"The phase of round {app['round_id']} is not known yet.")
    settings = tx.rt.settings
    allowed = settings.recheck_phases if cmd.kind == "recheck" else settings.appeal_phases
    if rnd["phase"] not in allowed:
        what = (
            "A recheck (复查) is possible only in the declaration phase"
            if cmd.kind == "recheck"
            else "An appeal (申诉) is possible only in the results-query phase"
        )
        raise Conflict("out_of_phase", f"{what}; round {rnd['round_id']} is in {_phase_text(rnd)}.")
    row = await tx.repo.insert_request(
        {
            "application_id": cmd.application_id,
            "round_id": app["round_id"],
            "declaration_revision": app["declaration_revision"],
            "kind": cmd.kind,
            "item": cmd.item,
            "reason": cmd.reason,
            "phase": rnd["phase"],
            "requested_by": tx.actor,
            "status": "open",
            "created_at": tx.now,
        }
    )
    if row is None:
        raise Conflict(
            "already_requested",
            f"A {cmd.kind} of {cmd.item} was already requested for {cmd.application_id} (once only).",
        )
    return row


@dataclass(frozen=True)
class ListRequests:
    status: str | None
    kind: str | None
    round_id: str | None
    application_id: str | None
    limit: int
    offset: int
    owner: str | None  # an applicant sees only the requests of their own applications


async def list_requests(tx: Tx, cmd: ListRequests) -> Page[ReviewRequestRecord]:
    return await tx.repo.list_requests(
        status=cmd.status,
        kind=cmd.kind,
        round_id=cmd.round_id,
        application_id=cmd.application_id,
        limit=cmd.limit,
        offset=cmd.offset,
        applicant_id=cmd.owner,
    )


@dataclass(frozen=True)
class GetRequest:
    request_id: int
    owner: str | None


async def get_request(tx: Tx, cmd: GetRequest) -> ReviewRequestRecord:
    row = await tx.repo.get_request(cmd.request_id)
    if row is None:
        raise request_not_found(cmd.request_id)
    if cmd.owner is not None:
        app = await tx.repo.get_application(row["application_id"])
        if app is None or app["applicant_id"] != cmd.owner:
            raise request_not_found(cmd.request_id)
    return row


@dataclass(frozen=True)
class DecideRequest:
    request_id: int
    outcome: Literal["unchanged", "changed"]
    value: Any  # for ``changed``: the item's value as entered (validated here)
    reviewer: str
    note: str


async def decide_request(tx: Tx, cmd: DecideRequest) -> ReviewRequestRecord:
    """``unchanged`` keeps the result; ``changed`` replaces it with ``value`` and settles again (a new
    ``verification.completed`` revision, whose number the request keeps)."""
    request_id = cmd.request_id
    req = await tx.repo.get_request(request_id)
    if req is None:
        raise request_not_found(request_id)
    value = None
    if cmd.outcome == "changed":
        if cmd.value is None:
            raise missing_value("A changed result needs `value`.", "changed")
        value = validated(REVIEW_VALUE[req["item"]], cmd.value)
    app = await tx.repo.get_application(req["application_id"], for_update=True)
    locked = await tx.repo.get_request(request_id, for_update=True)
    assert locked is not None and app is not None
    if locked["status"] != "open":
        raise Conflict("request_not_open", f"Request {request_id} is already decided.")
    await tx.repo.decide_request(
        request_id,
        outcome=cmd.outcome,
        value=value,
        reviewer=cmd.reviewer,
        note=cmd.note,
        decided_by=tx.actor,
        decided_at=tx.now,
    )
    if cmd.outcome == "changed":
        trigger: Literal["recheck", "appeal"] = "appeal" if locked["kind"] == "appeal" else "recheck"
        settled = await settle(tx, app, trigger=trigger)
        if settled.emitted_revision is not None:
            await tx.repo.set_request_facts_revision(request_id, settled.emitted_revision)
    updated = await tx.repo.get_request(request_id)
    assert updated is not None
    return updated
