"""The scheduled steps of a publicity: prepare a round's list once everything is in, open it when the
publicity phase begins, close it when the period ends. Each step works from the database and the
service clock alone (``tx.now``), so it survives restarts, and claims its rows with ``FOR UPDATE SKIP
LOCKED`` plus a conditional update, so two workers never do a step twice. ``services.publicity.jobs``
runs them, each in its own transaction."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import orjson

from services.publicity.adapters.records import OutboxRow
from services.publicity.context import Tx
from services.publicity.domain.outcomes import Outcome, entry_outcome
from services.publicity.domain.period import due_to_open, publicity_deadline
from services.publicity.handlers.common import objection_state
from shared.calendar import BEIJING, CalendarYearUnknown
from shared.events.contracts.publicity import PublicityClosedV1, PublicityOutcomeV1
from shared.events.registry import EventData
from shared.messaging.outbox import EventTooLarge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrepareLists:
    """Snapshot every finalized points round whose data is complete."""


async def prepare_ready_lists(tx: Tx, cmd: PrepareLists) -> list[str]:
    """Snapshot the list of every finalized points round whose data is complete (status ``scheduled``).
    Returns the rounds prepared."""
    prepared: list[str] = []
    for rk in await tx.repo.lock_unprepared_rankings():
        readiness = await tx.repo.readiness(rk["round_id"])
        if not readiness.ready:
            continue
        rnd = await tx.repo.get_round(rk["round_id"])
        if rnd is None or rnd["program"] != "points":
            continue  # graduate lists are per supervising unit, prepared by their own events
        count = await tx.repo.prepare_points_publicity(
            round_row=rnd, ranking_row=rk, now=tx.now, contact=tx.rt.settings.supervision_contact
        )
        await tx.repo.purge_staging(rk["round_id"])
        log.info("publicity of round %s prepared with %d entries", rk["round_id"], count)
        prepared.append(rk["round_id"])
    return prepared


@dataclass(frozen=True)
class OpenDue:
    """Open every prepared list whose publicity phase has begun."""


async def open_due_publicities(tx: Tx, cmd: OpenDue) -> list[str]:
    """Open every prepared list whose publicity phase has begun; the period starts now."""
    now = tx.now
    opened: list[str] = []
    for p in await tx.repo.lock_scheduled():
        if not due_to_open(now, p["publicity_starts_on"]):
            continue
        try:
            deadline = publicity_deadline(p["program"], now)
        except CalendarYearUnknown as e:
            log.error("publicity %s cannot open: %s", p["publicity_id"], e)
            continue
        if await tx.repo.mark_open(
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


@dataclass(frozen=True)
class CloseOneDue:
    """Close one publicity whose period has ended (one per transaction: a 6,000-entry close is one commit)."""


async def close_one_due_publicity(tx: Tx, cmd: CloseOneDue) -> str | None:
    """Close one publicity whose period has ended: an outcome per entry, ``publicity.outcome`` for each
    and ``publicity.closed`` with the counts. Nobody is added in place of a disqualified entry.
    Returns the publicity closed, or ``None`` when none is due."""
    repo = tx.repo
    due = await repo.lock_due_to_close(tx.now, limit=1)
    if not due:
        return None
    p = due[0]
    pid = p["publicity_id"]
    assert p["closes_at"] is not None and p["opened_at"] is not None, "an open publicity has its period"
    closed_at: datetime = p["closes_at"].astimezone(BEIJING)
    decided: list[tuple[str, str, str | None, str | None]] = []
    for app_id, objs in (await repo.objection_states_of(pid)).items():
        outcome = entry_outcome([objection_state(st, r, code) for st, r, code in objs])
        code = outcome.reason_code.value if outcome.reason_code else None
        decided.append((app_id, outcome.outcome.value, outcome.reason, code))
    await repo.set_outcomes(pid, decided, rest=Outcome.CLEARED.value, at=closed_at)
    outcomes = await repo.outcomes_of(pid)
    counts = Counter(o for _, o, _, _ in outcomes)
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
    await emit_many(tx, events, correlation_id=f"publicity-closed:{pid}"[:100])
    await repo.purge_staging(p["round_id"])  # anything upstream sent after the snapshot
    await repo.mark_closed(
        pid,
        {
            "closed_at": closed_at,
            "close_processed_at": tx.now,
            "cleared": counts[Outcome.CLEARED.value],
            "disqualified": counts[Outcome.DISQUALIFIED.value],
            "held": counts[Outcome.HELD.value],
        },
    )
    log.info("publicity %s closed: %s", pid, dict(counts))
    return pid


@dataclass(frozen=True)
class PurgeRateBuckets:
    """Forget the rate-limit buckets of clients not seen for ``idle``."""

    idle: timedelta = timedelta(days=1)


async def purge_rate_buckets(tx: Tx, cmd: PurgeRateBuckets) -> int:
    """Forget the buckets of clients not seen for a day (they would be full again anyway)."""
    return await tx.repo.purge_rate_buckets(tx.now - cmd.idle)


async def emit_many(tx: Tx, events: list[tuple[EventData, str]], *, correlation_id: str) -> None:
    """Add many events (data, subject) to the transaction's outbox in one statement: closing a list of
    6,000 entries writes 6,001 rows. Same envelopes, topics and size limit as ``Outbox.emit``."""
    outbox = tx.rt.outbox
    now = outbox.clock.now()
    rows: list[OutboxRow] = []
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
    await tx.repo.add_outbox_rows(rows)
