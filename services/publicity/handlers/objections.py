"""Objections: the public files one (real name, only during the period, rate-limited per client), a
supervisor assigns it to a registered investigator (never to themself), the assigned investigator decides
it and — while it is open, with a logged reason — may see the reporter's identity, which is sealed before
it is stored."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, cast

from services.publicity.adapters.records import AttachmentRecord, PublicityRecord
from services.publicity.context import Tx
from services.publicity.domain.outcomes import (
    ObjectionStatus,
    Outcome,
    ReasonCode,
    StaffDuty,
    WorkflowError,
    check_assign,
    check_assigner,
    check_decide,
    check_investigator,
    decided_later,
)
from services.publicity.domain.period import PeriodState, period_state
from services.publicity.domain.ratelimit import BucketPolicy, Decision
from services.publicity.handlers.common import (
    identity_context,
    objection_state,
    outside_period_error,
    period_of,
    workflow_refusal,
)
from services.publicity.handlers.views import (
    AccessLogView,
    DecisionView,
    ObjectionPageView,
    ObjectionReceiptView,
    ObjectionView,
    OutcomeView,
    UnsealedView,
)
from shared.api.errors import Invalid, NotFound
from shared.calendar import BEIJING
from shared.crypto import Sealed
from shared.events.contracts.publicity import PublicityOutcomeV1

log = logging.getLogger(__name__)


# ---- rate limit -------------------------------------------------------------------------------------


def client_key(ip: str) -> str:
    """Buckets are keyed by a digest of the client IP: the table never holds addresses."""
    return "objection:" + hashlib.sha256(f"client-ip:{ip}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class TakeObjectionToken:
    client_ip: str


async def take_objection_token(tx: Tx, cmd: TakeObjectionToken) -> Decision:
    """One token of the client's bucket. Its own transaction, before the form is read: a refused or
    invalid objection spends its token too."""
    cfg = tx.rt.settings
    policy = BucketPolicy(cfg.objection_rate_capacity, cfg.objection_rate_per_hour / 3600.0)
    return await tx.repo.take_token(client_key(cmd.client_ip), policy, tx.now)


# ---- filing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class FileObjection:
    publicity_id: str
    entry_no: int
    reporter_name: str
    reporter_id_number: str
    reporter_phone: str
    text: str
    attachments: tuple[AttachmentIn, ...]


async def file_objection(tx: Tx, cmd: FileObjection) -> ObjectionReceiptView:
    """File a real-name objection against one entry, only inside the period. The reporter's identity
    is sealed before it is stored; the receipt never repeats it."""
    sealer = tx.rt.sealer  # 503 without a data key, before anything else
    repo, now = tx.repo, tx.now
    p = await repo.get_publicity(cmd.publicity_id, lock="share")  # the closing job waits for us
    if p is None:
        raise NotFound("publicity_not_found", f"No publicity {cmd.publicity_id}. 未找到该公示。")
    period = period_of(p, await repo.get_round(p["round_id"]))
    state = period_state(now, p["opened_at"], p["closes_at"])
    if p["status"] != "open" or state != PeriodState.OPEN:
        raise outside_period_error(period, PeriodState.BEFORE if p["opened_at"] is None else state)
    entry = await repo.get_entry(cmd.publicity_id, entry_no=cmd.entry_no)
    if entry is None:
        raise Invalid(
            "validation_failed",
            "The request has 1 invalid field.",
            [
                {
                    "field": "entry_no",
                    "code": "entry.not_found",
                    "message": f"no entry {cmd.entry_no} on this list",
                }
            ],
        )
    objection_id = "OBJ-" + uuid.uuid4().hex[:16].upper()
    identity = json.dumps(
        {"name": cmd.reporter_name, "id_number": cmd.reporter_id_number, "phone": cmd.reporter_phone},
        ensure_ascii=False,
    )
    sealed = sealer.seal(identity, context=identity_context(objection_id))
    await repo.insert_objection(
        {
            "objection_id": objection_id,
            "publicity_id": cmd.publicity_id,
            "entry_no": cmd.entry_no,
            "application_id": entry["application_id"],
            "status": ObjectionStatus.RECEIVED.value,
            "text": cmd.text,
            "reporter_identity": sealed.as_dict(),
            "filed_at": now,
        }
    )
    await repo.insert_attachments(
        [
            {
                "objection_id": objection_id,
                "filename": a.filename,
                "media_type": a.media_type,
                "size": len(a.content),
                "sha256": hashlib.sha256(a.content).hexdigest(),
                "content": a.content,
            }
            for a in cmd.attachments
        ]
    )
    await repo.add_action(objection_id, "filed", "reporter", None, now)
    log.info("objection %s filed against entry %d of %s", objection_id, cmd.entry_no, cmd.publicity_id)
    return {
        "objection_id": objection_id,
        "publicity_id": cmd.publicity_id,
        "entry_no": cmd.entry_no,
        "status": ObjectionStatus.RECEIVED.value,
        "filed_at": now,
        "attachments": [
            {"filename": a.filename, "media_type": a.media_type, "size": len(a.content)}
            for a in cmd.attachments
        ],
        "period": period,
    }


# ---- the investigation -------------------------------------------------------------------------------


def _not_found(objection_id: str) -> NotFound:
    return NotFound("objection_not_found", f"No objection {objection_id}.")


@dataclass(frozen=True)
class ObjectionDetailOf:
    objection_id: str


async def objection_detail(tx: Tx, cmd: ObjectionDetailOf) -> ObjectionView:
    """An objection with its workflow history and attachments; the sealed identity never leaves here."""
    o = await tx.repo.get_objection_summary(cmd.objection_id)
    if o is None:
        raise _not_found(cmd.objection_id)
    return {
        **o,
        "actions": await tx.repo.actions_of(cmd.objection_id),
        "attachments": await tx.repo.attachments_of(cmd.objection_id),
    }


@dataclass(frozen=True)
class AssignObjection:
    objection_id: str
    investigator: str
    note: str | None


async def assign_objection(tx: Tx, cmd: AssignObjection) -> ObjectionView:
    """A supervisor (``tx.actor``, on the roster) gives an open objection to a registered investigator,
    never to themself (``received`` → ``assigned``; reassigning is allowed). Returns the objection as it
    now stands."""
    try:
        check_assigner(
            tx.actor,
            cmd.investigator,
            supervisor=await tx.repo.has_duty(tx.actor, StaffDuty.SUPERVISOR),
            registered_investigator=await tx.repo.has_duty(cmd.investigator, StaffDuty.INVESTIGATOR),
        )
    except WorkflowError as e:
        raise workflow_refusal(e) from None
    o = await tx.repo.get_objection(cmd.objection_id, lock=True)
    if o is None:
        raise _not_found(cmd.objection_id)
    try:
        check_assign(ObjectionStatus(o["status"]))
    except WorkflowError as e:
        raise workflow_refusal(e) from None
    await tx.repo.set_assigned(cmd.objection_id, cmd.investigator, tx.now)
    note = f"→ {cmd.investigator}" + (f": {cmd.note}" if cmd.note else "")
    await tx.repo.add_action(cmd.objection_id, "assigned", tx.actor, note, tx.now)
    return await objection_detail(tx, ObjectionDetailOf(cmd.objection_id))


@dataclass(frozen=True)
class DecideObjection:
    objection_id: str
    upheld: bool
    note: str
    reason: str | None
    reason_code: ReasonCode | None


async def decide_objection(tx: Tx, cmd: DecideObjection) -> DecisionView:
    """The investigator's decision (``tx.actor``). After the period, a held entry whose objections are
    now all decided gets its outcome, and ``publicity.outcome`` is emitted again in the same
    transaction. Returns the objection and that new outcome, if any."""
    repo, now, actor = tx.repo, tx.now, tx.actor
    pre = await repo.get_objection_summary(cmd.objection_id)
    if pre is None:
        raise _not_found(cmd.objection_id)
    # Lock order everywhere: publicity, objection, entry. FOR SHARE keeps the closing job out meanwhile.
    p = await repo.get_publicity(pre["publicity_id"], lock="share")
    assert p is not None
    o = await repo.get_objection(cmd.objection_id, lock=True)
    if o is None:
        raise _not_found(cmd.objection_id)
    try:
        check_decide(ObjectionStatus(o["status"]), o["assigned_to"], actor)
    except WorkflowError as e:
        raise workflow_refusal(e) from None
    status = ObjectionStatus.UPHELD if cmd.upheld else ObjectionStatus.DISMISSED
    await repo.set_decided(
        cmd.objection_id,
        {
            "status": status.value,
            "decided_by": actor,
            "decided_at": now,
            "decision_note": cmd.note,
            "disqualification_reason": cmd.reason if cmd.upheld else None,
            "disqualification_reason_code": cmd.reason_code.value if cmd.upheld and cmd.reason_code else None,
        },
    )
    await repo.add_action(cmd.objection_id, status.value, actor, cmd.note, now)
    # during the period the entry's outcome is decided at closing
    emitted = await _decide_held_entry(tx, p, o["application_id"]) if p["status"] == "closed" else None
    return DecisionView(await objection_detail(tx, ObjectionDetailOf(cmd.objection_id)), emitted)


async def _decide_held_entry(tx: Tx, p: PublicityRecord, application_id: str) -> OutcomeView | None:
    """After the period: the outcome of a held entry whose objections are now all decided, emitted."""
    repo, now, publicity_id = tx.repo, tx.now, p["publicity_id"]
    assert p["closed_at"] is not None
    entry = await repo.get_entry(publicity_id, application_id=application_id, lock=True)
    assert entry is not None
    states = [
        objection_state(st, r, code)
        for st, r, code in await repo.states_of_entry(publicity_id, application_id)
    ]
    current = Outcome(entry["outcome"]) if entry["outcome"] else None
    new = decided_later(current, states)
    if new is None:
        return None
    new_code = new.reason_code.value if new.reason_code else None
    await repo.set_entry_outcome(
        publicity_id, application_id, new.outcome.value, new.reason, now, reason_code=new_code
    )
    await tx.emit(
        PublicityOutcomeV1(
            application_id=application_id,
            round_id=p["round_id"],
            program=p["program"],
            outcome=cast(Any, new.outcome.value),
            reason=new.reason,
            reason_code=cast(Any, new_code),
            publicity_closed_at=p["closed_at"].astimezone(BEIJING),
            publicity_id=publicity_id,
            decided_at=now,
        ),
        application_id,
    )
    log.info("held entry %s of %s decided later: %s", entry["entry_no"], publicity_id, new.outcome.value)
    return {
        "application_id": application_id,
        "outcome": new.outcome.value,
        "reason": new.reason,
        "reason_code": new_code,
    }


@dataclass(frozen=True)
class UnsealIdentity:
    objection_id: str
    roles: frozenset[str]
    reason: str


async def unseal_reporter_identity(tx: Tx, cmd: UnsealIdentity) -> UnsealedView:
    """Open the sealed identity for the objection's registered investigator (``tx.actor``) while the
    objection is open (409 ``objection_decided`` after the decision); the access is logged (who, when,
    why) in the same transaction, so there is no unlogged unsealing. The objection row is locked, so a
    decision cannot slip in between the check and the log."""
    sealer = tx.rt.sealer  # 503 without a data key, before anything else
    o = await tx.repo.get_objection(cmd.objection_id, lock=True)
    if o is None:
        raise _not_found(cmd.objection_id)
    try:
        check_investigator(
            ObjectionStatus(o["status"]),
            o["assigned_to"],
            tx.actor,
            registered=await tx.repo.has_duty(tx.actor, StaffDuty.INVESTIGATOR),
        )
    except WorkflowError as e:
        raise workflow_refusal(e) from None
    identity = json.loads(
        sealer.open(Sealed.from_dict(o["reporter_identity"]), context=identity_context(cmd.objection_id))
    )
    log_id = await tx.repo.log_identity_access(
        {
            "objection_id": cmd.objection_id,
            "accessed_by": tx.actor,
            "roles": ",".join(sorted(cmd.roles))[:200],
            "reason": cmd.reason,
            "correlation_id": tx.correlation_id,
            "at": tx.now,
        }
    )
    log.info(
        "reporter identity of objection %s unsealed by %s (access log %d)", cmd.objection_id, tx.actor, log_id
    )
    return {
        "objection_id": cmd.objection_id,
        "reporter": {
            "name": identity["name"],
            "id_number": identity["id_number"],
            "phone": identity["phone"],
        },
        "accessed_at": tx.now,
        "access_log_id": log_id,
    }


@dataclass(frozen=True)
class ListObjections:
    publicity_id: str
    status: str | None
    entry_no: int | None
    limit: int
    offset: int


async def list_objections(tx: Tx, cmd: ListObjections) -> ObjectionPageView:
    if await tx.repo.get_publicity(cmd.publicity_id) is None:
        raise NotFound("publicity_not_found", f"No publicity {cmd.publicity_id}.")
    rows, total = await tx.repo.list_objections(
        cmd.publicity_id, status=cmd.status, entry_no=cmd.entry_no, limit=cmd.limit, offset=cmd.offset
    )
    return ObjectionPageView(rows, total)


@dataclass(frozen=True)
class AttachmentOf:
    objection_id: str
    attachment_id: int


async def attachment_of(tx: Tx, cmd: AttachmentOf) -> AttachmentRecord:
    a = await tx.repo.attachment(cmd.objection_id, cmd.attachment_id)
    if a is None:
        raise NotFound(
            "attachment_not_found", f"No attachment {cmd.attachment_id} on objection {cmd.objection_id}."
        )
    return a


@dataclass(frozen=True)
class AccessLogOf:
    objection_id: str


async def access_log_of(tx: Tx, cmd: AccessLogOf) -> AccessLogView:
    if await tx.repo.get_objection_summary(cmd.objection_id) is None:
        raise _not_found(cmd.objection_id)
    return await tx.repo.identity_access_log_of(cmd.objection_id)
