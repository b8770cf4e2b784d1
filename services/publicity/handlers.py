"""Use cases of the publicity service: load, call the domain, commit once.

Events in (``on_*``) only record what the list needs. The worker's scheduled job (``run_scheduled``)
prepares a round's list once everything is in, opens it when the publicity phase begins and closes it
when the period ends; it works from the database and the service clock alone, so it survives restarts,
and every step claims its rows with ``FOR UPDATE SKIP LOCKED`` plus a conditional update, so two workers
never do a step twice. Objections are filed, assigned, decided and unsealed through the API.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.publicity.adapters.repository import PublicityRepository
from services.publicity.config import Settings
from services.publicity.domain.indicators import ordered
from services.publicity.domain.outcomes import (
    ObjectionState,
    ObjectionStatus,
    Outcome,
    ReasonCode,
    WorkflowError,
    check_assign,
    check_decide,
    check_investigator,
    decided_later,
    entry_outcome,
)
from services.publicity.domain.period import (
    PeriodState,
    due_to_open,
    period_state,
    phase_start,
    publicity_deadline,
)
from services.publicity.domain.ratelimit import BucketPolicy, Decision
from shared.calendar import BEIJING, CalendarYearUnknown
from shared.crypto import Sealed, Sealer
from shared.events.contracts.intake import ApplicationSubmittedV1, RoundPhaseChangedV1
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.contracts.scoring import ApplicationRankedV1, RankingFinalizedV1, ScoreComputedV1
from shared.events.registry import EventData
from shared.messaging.inbox import Delivery, PermanentError
from shared.messaging.outbox import EventTooLarge, Outbox
from shared.service import ServiceContext

log = logging.getLogger(__name__)

PUBLICITY_PHASE = "publicity"
IDENTITY_CONTEXT = "reporter_identity"


class UseCaseError(Exception):
    """A refusal with an HTTP status, a stable code, a message for people and optional details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.extra = extra or {}  # for the caller (e.g. the publicity behind a 410), never sent as is


def settings_of(ctx: ServiceContext) -> Settings:
    return cast(Settings, ctx.settings)


def identity_context(objection_id: str) -> str:
    """Associated data of a sealed reporter identity: bound to its objection, so it cannot be moved."""
    return f"{IDENTITY_CONTEXT}:{objection_id}"


# ---- events in --------------------------------------------------------------------------------


async def on_round_phase_changed(d: Delivery) -> None:
    """Remember the round's programme and its publicity phase dates (the newest announcement wins)."""
    data: RoundPhaseChangedV1 = d.data
    pub = next((p for p in data.phases if p.phase == PUBLICITY_PHASE), None)
    await PublicityRepository(d.session).upsert_round(
        {
            "round_id": data.round_id,
            "program": data.program,
            "year": data.year,
            "phase": data.phase,
            "publicity_starts_on": pub.starts_on if pub else None,
            "publicity_ends_on": pub.ends_on if pub else None,
            "phases": [p.model_dump(mode="json") for p in data.phases],
            "event_time": d.envelope.time,
        }
    )


async def on_application_submitted(d: Delivery) -> None:
    """Keep only what the list shows: name, birth year-month, employer name. Never the ID number."""
    data: ApplicationSubmittedV1 = d.data
    repo = PublicityRepository(d.session)
    if await repo.publicity_of_round(data.round_id) is not None:
        return  # the list was already prepared; a late submission does not change a published list
    await repo.upsert_submission(
        {
            "application_id": data.application_id,
            "revision": data.revision,
            "round_id": data.round_id,
            "program": data.program,
            "name": data.name.strip(),
            "birth_year_month": data.birth_year_month,
            "employer_name": data.employer_name.strip(),
            "received_at": d.envelope.time,
        }
    )


async def on_score_computed(d: Delivery) -> None:
    """Keep each application's indicator points and total; the latest revision wins."""
    data: ScoreComputedV1 = d.data
    repo = PublicityRepository(d.session)
    if await repo.publicity_of_round(data.round_id) is not None:
        return
    await repo.upsert_score(
        {
            "application_id": data.application_id,
            "revision": data.revision,
            "round_id": data.round_id,
            "policy_version": data.policy_version,
            "total": data.total,
            # in display order with their names, once, so that reading the list does no work per row
            "indicators": ordered([{"code": i.code, "points": str(i.points)} for i in data.indicators]),
            "received_at": d.envelope.time,
        }
    )


async def on_ranking_finalized(d: Delivery) -> None:
    """Record the round's final ranking. A second, different finalized ranking is an upstream fault:
    dead-lettered for operations to see, never a second list."""
    data: RankingFinalizedV1 = d.data
    on_record = await PublicityRepository(d.session).insert_ranking(
        {
            "round_id": data.round_id,
            "ranking_id": data.ranking_id,
            "policy_version": data.policy_version,
            "cutoff": data.cutoff,
            "ranked_count": data.ranked_count,
            "admitted_count": data.admitted_count,
            "finalized_at": d.envelope.time,
        }
    )
    if on_record != data.ranking_id:
        raise PermanentError(
            "ranking_conflict",
            f"round {data.round_id} already has the finalized ranking {on_record}; got {data.ranking_id}",
        )


async def on_application_ranked(d: Delivery) -> None:
    """Record one ranked applicant (admitted or not) of a ranking, whether or not the ranking is in yet."""
    data: ApplicationRankedV1 = d.data
    await PublicityRepository(d.session).insert_ranked(
        {
            "ranking_id": data.ranking_id,
            "application_id": data.application_id,
            "round_id": data.round_id,
            "rank": data.rank,
            "admitted": data.admitted,
            "total": data.total,
        }
    )


# ---- the scheduled job: prepare, open, close ------------------------------------------------------


@dataclass
class JobReport:
    prepared: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


async def run_scheduled(ctx: ServiceContext) -> JobReport:
    """One pass of the worker's job. Each step is its own transaction; safe to run in several workers."""
    report = JobReport()
    report.prepared = await prepare_ready_lists(ctx)
    report.opened = await open_due_publicities(ctx)
    while True:  # one publicity per transaction: a 6,000-entry close is one commit
        closed = await close_one_due_publicity(ctx)
        if closed is None:
            break
        report.closed.append(closed)
    return report


async def prepare_ready_lists(ctx: ServiceContext) -> list[str]:
    """Snapshot the list of every finalized points round whose data is complete (status ``scheduled``)."""
    now = ctx.clock.now()
    prepared: list[str] = []
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        for rk in await repo.lock_unprepared_rankings():
            readiness = await repo.readiness(rk["round_id"])
            if not readiness.ready:
                continue
            rnd = await repo.get_round(rk["round_id"])
            if rnd is None or rnd["program"] != "points":
                continue  # graduate lists are per supervising unit, prepared by their own events
            count = await repo.prepare_points_publicity(
                round_row=rnd, ranking_row=rk, now=now, contact=settings_of(ctx).supervision_contact
            )
            await repo.purge_staging(rk["round_id"])
            log.info("publicity of round %s prepared with %d entries", rk["round_id"], count)
            prepared.append(rk["round_id"])
    return prepared


async def open_due_publicities(ctx: ServiceContext) -> list[str]:
    """Open every prepared list whose publicity phase has begun; the period starts now."""
    now = ctx.clock.now()
    opened: list[str] = []
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        for p in await repo.lock_scheduled():
            if not due_to_open(now, p["publicity_starts_on"]):
                continue
            try:
                deadline = publicity_deadline(p["program"], now)
            except CalendarYearUnknown as e:
                log.error("publicity %s cannot open: %s", p["publicity_id"], e)
                continue
            if await repo.mark_open(
                p["publicity_id"],
                {
                    "opened_at": now,
                    "closes_at": deadline.due_at,
                    "closes_on": deadline.due_date,
                    "period_rule": deadline.rule,
                    "calendar_version": deadline.calendar_version,
                },
            ):
                log.info("publicity %s opened; closes at %s", p["publicity_id"], deadline.due_at.isoformat())
                opened.append(p["publicity_id"])
    return opened


async def close_one_due_publicity(ctx: ServiceContext) -> str | None:
    """Close one publicity whose period has ended: an outcome per entry, ``publicity.outcome`` for each
    and ``publicity.closed`` with the counts. Nobody is added in place of a disqualified entry."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        due = await repo.lock_due_to_close(now, limit=1)
        if not due:
            return None
        p = due[0]
        pid: str = p["publicity_id"]
        closed_at: datetime = p["closes_at"].astimezone(BEIJING)
        decided: list[tuple[str, str, str | None, str | None]] = []
        for app_id, objs in (await repo.objection_states_of(pid)).items():
            outcome = entry_outcome([_state(st, r, code) for st, r, code in objs])
            code = outcome.reason_code.value if outcome.reason_code else None
            decided.append((app_id, outcome.outcome.value, outcome.reason, code))
        await repo.set_outcomes(pid, decided, rest=Outcome.CLEARED.value, at=closed_at)
        outcomes = await repo.outcomes_of(pid)
        counts = Counter(o for _, o, _, _ in outcomes)
        cid = f"publicity-closed:{pid}"[:100]
        events: list[tuple[EventData, str]] = [
            (
                PublicityOutcomeV1(
                    application_id=app_id,
                    round_id=p["round_id"],
                    program=p["program"],
                    outcome=cast(Any, outcome_value),
                    reason=reason,
                    reason_code=cast(Any, reason_code),
                    publicity_closed_at=closed_at,
                    publicity_id=pid,
                    decided_at=closed_at,
                ),
                app_id,
            )
            for app_id, outcome_value, reason, reason_code in outcomes
        ]
        events.append(
            (
                PublicityClosedV1(
                    round_id=p["round_id"],
                    program=p["program"],
                    opened_at=p["opened_at"].astimezone(BEIJING),
                    closed_at=closed_at,
                    cleared=counts[Outcome.CLEARED.value],
                    disqualified=counts[Outcome.DISQUALIFIED.value],
                    held=counts[Outcome.HELD.value],
                    calendar_version=p["calendar_version"],
                    publicity_id=pid,
                    entry_count=len(outcomes),
                ),
                p["round_id"],
            )
        )
        await emit_many(s, ctx.outbox, events, correlation_id=cid)
        await repo.purge_staging(p["round_id"])  # anything upstream sent after the snapshot
        await repo.mark_closed(
            pid,
            {
                "closed_at": closed_at,
                "close_processed_at": now,
                "cleared": counts[Outcome.CLEARED.value],
                "disqualified": counts[Outcome.DISQUALIFIED.value],
                "held": counts[Outcome.HELD.value],
            },
        )
    log.info("publicity %s closed: %s", pid, dict(counts))
    return pid


async def purge_rate_buckets(ctx: ServiceContext) -> int:
    """Forget the buckets of clients not seen for a day (they would be full again anyway)."""
    async with ctx.session_factory() as s, s.begin():
        return await PublicityRepository(s).purge_rate_buckets(ctx.clock.now() - timedelta(days=1))


async def emit_many(
    session: AsyncSession, outbox: Outbox, events: list[tuple[EventData, str]], *, correlation_id: str
) -> None:
    """Add many events (data, subject) to the transaction's outbox in one statement: closing a list of
    6,000 entries writes 6,001 rows. Same envelopes, topics and size limit as ``Outbox.emit``."""
    now = outbox.clock.now()
    rows = []
    for data, subject in events:
        env = outbox.envelope(data, subject=subject, correlation_id=correlation_id)
        doc = env.model_dump(mode="json")
        size = len(orjson.dumps(doc))
        if size > outbox.settings.kafka_max_message_bytes:
            raise EventTooLarge(f"event {env.type} for {subject} is {size} bytes")
        rows.append(
            {
                "event_id": env.id,
                "topic": outbox.settings.topic(outbox.registry.spec_for(type(data)).topic),
                "key": subject,
                "event_type": env.type,
                "envelope": doc,
                "created_at": now,
            }
        )
    await PublicityRepository(session).add_outbox_rows(rows)


async def _emit(
    session: AsyncSession,
    outbox: Outbox,
    data: Any,
    *,
    subject: str,
    correlation_id: str,
    causation_id: str | None = None,
) -> None:
    await outbox.emit(
        session, data, subject=subject, correlation_id=correlation_id, causation_id=causation_id
    )


# ---- readiness (staff) ------------------------------------------------------------------------------


async def readiness_of(ctx: ServiceContext, round_id: str) -> dict[str, Any]:
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        r = await repo.readiness(round_id)
        pub = await repo.publicity_of_round(round_id)
    return {
        "round_id": round_id,
        "publicity_id": pub["publicity_id"] if pub else None,
        "status": pub["status"] if pub else ("waiting" if r.ranking_id or r.round_known else "unknown"),
        "ranking_id": r.ranking_id,
        "publicity_starts_on": r.publicity_starts_on,
        "publicity_ends_on": r.publicity_ends_on,
        "admitted_expected": r.admitted_expected,
        "admitted_received": r.admitted_received,
        "missing": [] if pub else r.missing,
    }


# ---- rate limit -------------------------------------------------------------------------------------


def client_key(ip: str) -> str:
    """Buckets are keyed by a digest of the client IP: the table never holds addresses."""
    return "objection:" + hashlib.sha256(f"client-ip:{ip}".encode()).hexdigest()[:40]


async def take_objection_token(ctx: ServiceContext, ip: str) -> Decision:
    cfg = settings_of(ctx)
    policy = BucketPolicy(cfg.objection_rate_capacity, cfg.objection_rate_per_hour / 3600.0)
    async with ctx.session_factory() as s, s.begin():
        return await PublicityRepository(s).take_token(client_key(ip), policy, ctx.clock.now())


# ---- objections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class ObjectionIn:
    entry_no: int
    reporter_name: str
    reporter_id_number: str
    reporter_phone: str
    text: str
    attachments: list[AttachmentIn]


def period_of(p: dict[str, Any], round_row: dict[str, Any] | None) -> dict[str, Any]:
    """The period of a publicity as shown to people: actual dates once open, planned dates before."""
    if p.get("opened_at") is not None:
        return {
            "starts_at": p["opened_at"],
            "ends_at": p["closes_at"],
            "ends_on": p["closes_on"],
            "planned": False,
            "calendar_version": p["calendar_version"],
        }
    starts_on = round_row["publicity_starts_on"] if round_row else None
    if starts_on is None:
        return {
            "starts_at": None,
            "ends_at": None,
            "ends_on": None,
            "planned": True,
            "calendar_version": None,
        }
    deadline = publicity_deadline(p["program"], phase_start(starts_on))
    return {
        "starts_at": phase_start(starts_on),
        "ends_at": deadline.due_at,
        "ends_on": deadline.due_date,
        "planned": True,
        "calendar_version": deadline.calendar_version,
    }


def period_text(start: datetime, end: datetime) -> str:
    """``2022-07-11 09:00 – 2022-07-18 24:00``: a period ends at 24:00 of its last day (Beijing)."""
    start_local, end_local = start.astimezone(BEIJING), end.astimezone(BEIJING)
    if end_local.time() == time.min:
        end_text = (end_local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    else:
        end_text = end_local.strftime("%Y-%m-%d %H:%M")
    return f"{start_local.strftime('%Y-%m-%d %H:%M')} – {end_text}"


def outside_period_error(period: dict[str, Any], state: PeriodState) -> UseCaseError:
    start, end = period["starts_at"], period["ends_at"]
    if start is None:
        return UseCaseError(409, "publicity_not_open", "This publicity has not opened yet. 公示尚未开始。")
    when = f"{period_text(start, end)}（北京时间 Beijing time）"
    if state == PeriodState.BEFORE:
        code, zh, en = (
            "publicity_not_open",
            "公示尚未开始，异议须在公示期内提出",
            "The publicity has not opened yet",
        )
    else:
        code, zh, en = "publicity_period_over", "公示期已结束，不再受理异议", "The publicity period is over"
    return UseCaseError(
        409,
        code,
        f"{zh}。公示期 {when}。{en}; objections are accepted only during the period {when}.",
        [
            {"field": "period.starts_at", "code": "period", "message": start.isoformat()},
            {"field": "period.ends_at", "code": "period", "message": end.isoformat()},
        ],
    )


async def file_objection(
    ctx: ServiceContext, sealer: Sealer, publicity_id: str, obj: ObjectionIn
) -> dict[str, Any]:
    """File a real-name objection against one entry, only inside the period. The reporter's identity
    is sealed before it is stored; the receipt never repeats it."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        p = await repo.get_publicity(publicity_id, lock="share")  # the closing job waits for us
        if p is None:
            raise UseCaseError(404, "publicity_not_found", f"No publicity {publicity_id}. 未找到该公示。")
        period = period_of(p, await repo.get_round(p["round_id"]))
        state = period_state(now, p["opened_at"], p["closes_at"])
        if p["status"] != "open" or state != PeriodState.OPEN:
            raise outside_period_error(period, PeriodState.BEFORE if p["opened_at"] is None else state)
        entry = await repo.get_entry(publicity_id, entry_no=obj.entry_no)
        if entry is None:
            raise UseCaseError(
                422,
                "validation_failed",
                "The request has 1 invalid field.",
                [
                    {
                        "field": "entry_no",
                        "code": "entry.not_found",
                        "message": f"no entry {obj.entry_no} on this list",
                    }
                ],
            )
        objection_id = "OBJ-" + uuid.uuid4().hex[:16].upper()
        identity = json.dumps(
            {"name": obj.reporter_name, "id_number": obj.reporter_id_number, "phone": obj.reporter_phone},
            ensure_ascii=False,
        )
        sealed = sealer.seal(identity, context=identity_context(objection_id))
        await repo.insert_objection(
            {
                "objection_id": objection_id,
                "publicity_id": publicity_id,
                "entry_no": obj.entry_no,
                "application_id": entry["application_id"],
                "status": ObjectionStatus.RECEIVED.value,
                "text": obj.text,
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
                for a in obj.attachments
            ]
        )
        await repo.add_action(objection_id, "filed", "reporter", None, now)
    log.info("objection %s filed against entry %d of %s", objection_id, obj.entry_no, publicity_id)
    return {
        "objection_id": objection_id,
        "publicity_id": publicity_id,
        "entry_no": obj.entry_no,
        "status": ObjectionStatus.RECEIVED.value,
        "filed_at": now,
        "attachments": [
            {"filename": a.filename, "media_type": a.media_type, "size": len(a.content)}
            for a in obj.attachments
        ],
        "period": period,
    }


def _workflow(e: WorkflowError) -> UseCaseError:
    return UseCaseError(e.status, e.code, e.message)


async def _locked_objection(repo: PublicityRepository, objection_id: str) -> dict[str, Any]:
    o = await repo.get_objection(objection_id, lock=True)
    if o is None:
        raise UseCaseError(404, "objection_not_found", f"No objection {objection_id}.")
    return o


async def assign_objection(
    ctx: ServiceContext, objection_id: str, *, investigator: str, note: str | None, actor: str
) -> None:
    """Give an open objection to an investigator (``received`` → ``assigned``; reassigning is allowed)."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        o = await _locked_objection(repo, objection_id)
        try:
            check_assign(ObjectionStatus(o["status"]))
        except WorkflowError as e:
            raise _workflow(e) from None
        await repo.update_objection(
            objection_id,
            {"status": ObjectionStatus.ASSIGNED.value, "assigned_to": investigator, "assigned_at": now},
        )
        await repo.add_action(
            objection_id, "assigned", actor, f"→ {investigator}" + (f": {note}" if note else ""), now
        )


async def decide_objection(
    ctx: ServiceContext,
    objection_id: str,
    *,
    upheld: bool,
    note: str,
    reason: str | None,
    reason_code: ReasonCode | None = None,
    actor: str,
    correlation_id: str,
) -> dict[str, Any] | None:
    """The investigator's decision. After the period, a held entry whose objections are now all decided
    gets its outcome, and ``publicity.outcome`` is emitted again in the same transaction. Returns that
    new outcome, if any."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        pre = await repo.get_objection(objection_id)
        if pre is None:
            raise UseCaseError(404, "objection_not_found", f"No objection {objection_id}.")
        # Lock order everywhere: publicity, objection, entry. FOR SHARE keeps the closing job out meanwhile.
        p = await repo.get_publicity(pre["publicity_id"], lock="share")
        assert p is not None
        o = await _locked_objection(repo, objection_id)
        try:
            check_decide(ObjectionStatus(o["status"]), o["assigned_to"], actor)
        except WorkflowError as e:
            raise _workflow(e) from None
        status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        await repo.update_objection(
            objection_id,
            {
                "status": status.value,
                "decided_by": actor,
                "decided_at": now,
                "decision_note": note,
                "disqualification_reason": reason if upheld else None,
                "disqualification_reason_code": reason_code.value if upheld and reason_code else None,
            },
        )
        await repo.add_action(objection_id, status.value, actor, note, now)
        if p["status"] != "closed":
            return None  # the outcome is decided at closing
        entry = await repo.get_entry(p["publicity_id"], application_id=o["application_id"], lock=True)
        assert entry is not None
        states = [
            _state(st, r, code)
            for st, r, code in await repo.states_of_entry(p["publicity_id"], o["application_id"])
        ]
        current = Outcome(entry["outcome"]) if entry["outcome"] else None
        new = decided_later(current, states)
        if new is None:
            return None
        new_code = new.reason_code.value if new.reason_code else None
        await repo.set_entry_outcome(
            p["publicity_id"], o["application_id"], new.outcome.value, new.reason, now, reason_code=new_code
        )
        await _emit(
            s,
            ctx.outbox,
            PublicityOutcomeV1(
                application_id=o["application_id"],
                round_id=p["round_id"],
                program=p["program"],
                outcome=cast(Any, new.outcome.value),
                reason=new.reason,
                reason_code=cast(Any, new_code),
                publicity_closed_at=p["closed_at"].astimezone(BEIJING),
                publicity_id=p["publicity_id"],
                decided_at=now,
            ),
            subject=o["application_id"],
            correlation_id=correlation_id,
        )
        log.info(
            "held entry %s of %s decided later: %s", entry["entry_no"], p["publicity_id"], new.outcome.value
        )
        return {
            "application_id": o["application_id"],
            "outcome": new.outcome.value,
            "reason": new.reason,
            "reason_code": new_code,
        }


def _state(status: str, reason: str | None, code: str | None) -> ObjectionState:
    return ObjectionState(ObjectionStatus(status), reason, ReasonCode(code) if code else None)


async def unseal_reporter_identity(
    ctx: ServiceContext,
    sealer: Sealer,
    objection_id: str,
    *,
    actor: str,
    roles: frozenset[str],
    reason: str,
    correlation_id: str | None,
) -> dict[str, Any]:
    """Open the sealed identity for the objection's investigator; the access is logged (who, when, why)
    in the same transaction, so there is no unlogged unsealing."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s, s.begin():
        repo = PublicityRepository(s)
        o = await repo.get_objection(objection_id)
        if o is None:
            raise UseCaseError(404, "objection_not_found", f"No objection {objection_id}.")
        try:
            check_investigator(ObjectionStatus(o["status"]), o["assigned_to"], actor)
        except WorkflowError as e:
            raise _workflow(e) from None
        identity = json.loads(
            sealer.open(Sealed.from_dict(o["reporter_identity"]), context=identity_context(objection_id))
        )
        log_id = await repo.log_identity_access(
            {
                "objection_id": objection_id,
                "accessed_by": actor,
                "roles": ",".join(sorted(roles))[:200],
                "reason": reason,
                "correlation_id": correlation_id,
                "at": now,
            }
        )
    log.info("reporter identity of objection %s unsealed by %s (access log %d)", objection_id, actor, log_id)
    return {"objection_id": objection_id, "reporter": identity, "accessed_at": now, "access_log_id": log_id}


# ---- reading lists ----------------------------------------------------------------------------------


def publicly_visible(p: dict[str, Any], now: datetime) -> bool:
    """On public view only inside the period; taken down at 24:00 of the last day even if the closing
    job has not run yet."""
    return p["status"] == "open" and period_state(now, p["opened_at"], p["closes_at"]) == PeriodState.OPEN


def taken_down_error(p: dict[str, Any]) -> UseCaseError:
    period = period_of(p, None)
    when = period_text(period["starts_at"], period["ends_at"])
    return UseCaseError(
        410,
        "publicity_closed",
        f"公示期（{when}，北京时间）已结束，名单已撤下。The publicity period ({when}, Beijing time) is over and the "
        "list has been taken down.",
        [
            {"field": "period.starts_at", "code": "period", "message": period["starts_at"].isoformat()},
            {"field": "period.ends_at", "code": "period", "message": period["ends_at"].isoformat()},
        ],
        extra={"publicity": p, "period": period},
    )


async def public_page(
    ctx: ServiceContext, publicity_id: str, *, q: str | None, descending: bool, limit: int, offset: int
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], int]:
    """One page of a list on public view: 404 before it opens, 410 after its period."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        p = await repo.get_publicity(publicity_id)
        if p is None or p["opened_at"] is None:
            raise UseCaseError(
                404, "publicity_not_found", f"No publicity {publicity_id} is on public view. 未找到该公示。"
            )
        if not publicly_visible(p, now):
            raise taken_down_error(p)
        rows, total = await repo.page_entries(
            publicity_id, q=q, descending=descending, limit=limit, offset=offset, known_total=p["entry_count"]
        )
    return p, period_of(p, None), rows, total


async def public_publicities(
    ctx: ServiceContext, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Lists that have opened (on view, or closed and taken down), newest first, with their period."""
    now = ctx.clock.now()
    async with ctx.session_factory() as s:
        rows, total = await PublicityRepository(s).list_publicities(("open", "closed"), limit, offset)
    out = []
    for p in rows:
        if p["status"] == "open" and not publicly_visible(p, now):
            p = {**p, "status": "closed"}  # past its period, the closing job just has not run yet
        out.append({**p, "period": period_of(p, None)})
    return out, total


async def staff_publicity(ctx: ServiceContext, publicity_id: str) -> dict[str, Any]:
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        p = await repo.get_publicity(publicity_id)
        if p is None:
            raise UseCaseError(404, "publicity_not_found", f"No publicity {publicity_id}.")
        rnd = await repo.get_round(p["round_id"])
        counts = await repo.objection_counts(publicity_id)
    return {**p, "period": period_of(p, rnd), "objections": counts}


async def staff_publicities(ctx: ServiceContext, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        rows, total = await repo.list_publicities(("scheduled", "open", "closed"), limit, offset)
        out = []
        for p in rows:
            rnd = await repo.get_round(p["round_id"]) if p["opened_at"] is None else None
            out.append(
                {
                    **p,
                    "period": period_of(p, rnd),
                    "objections": await repo.objection_counts(p["publicity_id"]),
                }
            )
    return out, total


async def staff_page(
    ctx: ServiceContext, publicity_id: str, *, q: str | None, outcome: str | None, limit: int, offset: int
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """The archived copy (any status), with application ids and outcomes."""
    p = await staff_publicity(ctx, publicity_id)
    async with ctx.session_factory() as s:
        rows, total = await PublicityRepository(s).page_entries(
            publicity_id,
            q=q,
            descending=False,
            limit=limit,
            offset=offset,
            outcome=outcome,
            with_private=True,
            known_total=p["entry_count"],
        )
    return p, rows, total


async def objection_detail(ctx: ServiceContext, objection_id: str) -> dict[str, Any]:
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        o = await repo.get_objection(objection_id)
        if o is None:
            raise UseCaseError(404, "objection_not_found", f"No objection {objection_id}.")
        o.pop("reporter_identity", None)  # sealed; never leaves through this path
        o["actions"] = await repo.actions_of(objection_id)
        o["attachments"] = await repo.attachments_of(objection_id)
    return o


async def list_objections(
    ctx: ServiceContext,
    publicity_id: str,
    *,
    status: str | None,
    entry_no: int | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        if await repo.get_publicity(publicity_id) is None:
            raise UseCaseError(404, "publicity_not_found", f"No publicity {publicity_id}.")
        return await repo.list_objections(
            publicity_id, status=status, entry_no=entry_no, limit=limit, offset=offset
        )


async def attachment_of(ctx: ServiceContext, objection_id: str, attachment_id: int) -> dict[str, Any]:
    async with ctx.session_factory() as s:
        a = await PublicityRepository(s).attachment(objection_id, attachment_id)
    if a is None:
        raise UseCaseError(
            404, "attachment_not_found", f"No attachment {attachment_id} on objection {objection_id}."
        )
    return a


async def access_log_of(ctx: ServiceContext, objection_id: str) -> list[dict[str, Any]]:
    async with ctx.session_factory() as s:
        repo = PublicityRepository(s)
        if await repo.get_objection(objection_id) is None:
            raise UseCaseError(404, "objection_not_found", f"No objection {objection_id}.")
        return await repo.identity_access_log_of(objection_id)
