"""The audit trail (全程留痕, seed 000 第二十二条): an append-only, hash-chained log in every service's database.

Every use case a person runs through ``ServiceContext.run`` (state changes and staff reads alike) and every
event applied through ``ServiceContext.tx_for`` appends one record to ``audit_chain`` in the same transaction:
when the change rolls back, so does its record. Each record holds the previous record's digest;
``digest = sha256(canonical JSON of [seq, at, actor, action, subject, detail, prev_digest])``. Appends are
serialized by a transaction-level advisory lock taken just before the insert, at the end of the use case, so
the lock is held only from then until commit.

``python -m services.<name> audit-verify`` walks the chain (:func:`verify`) and names the first broken link;
``GET /v1/ops/audit`` lets staff see who saw or changed a case. ``detail`` never holds personal data: only the
command's name, its ``*_id`` fields (never one named like a name, phone or ID number) and the correlation id.

The table is ``audit_chain`` because scoring and settlement already keep their own, unchained ``audit_log``
(ranking runs; case actions). A refused use case rolls back, record included: attempts are not recorded.
Deleting the newest records cannot be seen from the chain alone (nothing comes after them to link).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared.api.auth import Principal
from shared.db import create_engine, create_session_factory, new_metadata
from shared.messaging.inbox import Delivery
from shared.settings import ServiceSettings
from shared.usecase import Tx

audit_chain_t = new_metadata().tables["audit_chain"]

#: The one advisory-lock key that serializes appends to this database's chain ("audit_lg").
AUDIT_LOCK_KEY = 0x61756469745F6C67
#: The ``prev_digest`` of the first record.
GENESIS = "0" * 64
#: Command attributes that name the case a record is about, in order of preference.
SUBJECT_FIELDS = ("application_id", "declaration_id", "round_id")
_PERSONAL = ("id_number", "phone", "mobile", "name", "address", "email", "password", "token", "birth")
_PENDING = "audit_pending"
_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject: str | None
    detail: dict[str, str | int | bool | None]


def _is_personal(key: str) -> bool:
    k = key.lower()
    return any(p in k for p in _PERSONAL)


def _scalar(v: Any) -> str | int | bool | None:
    return v if v is None or isinstance(v, (str, int, bool)) else str(v)


def subject_of(command: object) -> str | None:
    """The application, declaration or round the command is about, if it names one."""
    for f in SUBJECT_FIELDS:
        v = getattr(command, f, None)
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            return str(v)
    return None


def detail_of(command: object, correlation_id: str | None) -> dict[str, str | int | bool | None]:
    """The command's name and its ``*_id`` fields: nothing personal, nothing free-text."""
    detail: dict[str, str | int | bool | None] = {"command": type(command).__name__}
    if dataclasses.is_dataclass(command) and not isinstance(command, type):
        for f in dataclasses.fields(command):
            v = getattr(command, f.name)
            if (f.name == "id" or f.name.endswith("_id")) and not _is_personal(f.name):
                if v is None or isinstance(v, (str, int)):
                    detail[f.name] = _scalar(v)
    if correlation_id:
        detail["correlation_id"] = correlation_id
    return detail


def use_case_entry(
    settings: ServiceSettings, handler: object, command: object, tx: Tx[Any, Any]
) -> AuditEntry:
    """The record of one use case run by ``tx.actor``: action ``<service>.<handler>``."""
    action = f"{settings.service_name}.{getattr(handler, '__name__', 'use_case')}"
    return AuditEntry(tx.now, tx.actor, action, subject_of(command), detail_of(command, tx.correlation_id))


def event_entry(at: datetime, actor: str, d: Delivery) -> AuditEntry:
    """The record of one applied event: action the event type, subject the event's subject."""
    e = d.envelope
    detail = {"event_id": str(e.id), "consumer": d.consumer, "correlation_id": e.correlation_id}
    return AuditEntry(at, actor, e.type, e.subject, dict(detail))


def canonical_at(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def compute_digest(
    seq: int, at: datetime, actor: str, action: str, subject: str | None, detail: Mapping[str, Any], prev: str
) -> str:
    body = [seq, canonical_at(at), actor, action, subject, dict(detail), prev]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def append_sync(session: Session, entry: AuditEntry) -> int:
    """Append ``entry`` in the session's open transaction (a sync session: also usable from ``before_commit``).
    Returns its seq. The lock is released at commit or rollback."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    # A new statement after the lock: under READ COMMITTED it sees the last committed record.
    row = session.execute(
        sa.select(
            sa.select(audit_chain_t.c.digest).order_by(audit_chain_t.c.seq.desc()).limit(1).scalar_subquery(),
            sa.func.nextval(sa.func.pg_get_serial_sequence("audit_chain", "seq")),
        )
    ).one()
    prev, seq = row[0] or GENESIS, int(row[1])
    detail = {k: _scalar(v) for k, v in entry.detail.items()}
    digest = compute_digest(seq, entry.at, entry.actor, entry.action, entry.subject, detail, prev)
    session.execute(
        sa.insert(audit_chain_t).values(
            seq=seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            detail=detail,
            prev_digest=prev,
            digest=digest,
        )
    )
    return seq


async def append(session: AsyncSession, entry: AuditEntry) -> int:
    """Append ``entry`` in the open transaction of ``session``."""
    return await session.run_sync(append_sync, entry)


def append_at_commit(session: AsyncSession, entry: AuditEntry) -> None:
    """Append ``entry`` when the session's transaction commits (the consumers' inbox transaction, which
    ``shared`` does not end itself); nothing is written when it rolls back. One record per transaction."""
    sync = session.sync_session
    first = _PENDING not in sync.info
    sync.info[_PENDING] = entry
    if not first:
        return

    def before_commit(s: Session) -> None:
        pending = s.info.pop(_PENDING, None)
        if isinstance(pending, AuditEntry):
            append_sync(s, pending)

    def after_rollback(s: Session) -> None:
        s.info.pop(_PENDING, None)

    event.listen(sync, "before_commit", before_commit)
    event.listen(sync, "after_rollback", after_rollback)


# ---- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    count: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


async def verify(session: AsyncSession, batch: int = 1000) -> Verdict:
    """Walk the chain in seq order, recompute every digest; the first broken link, if any."""
    count, last_seq, prev = 0, 0, GENESIS
    prev_seq: int | None = None
    while True:
        rows = (
            await session.execute(
                sa.select(audit_chain_t)
                .where(audit_chain_t.c.seq > last_seq)
                .order_by(audit_chain_t.c.seq)
                .limit(batch)
            )
        ).mappings()
        got = 0
        for r in rows:
            got += 1
            seq = int(r["seq"])
            if r["prev_digest"] != prev:
                before = "the start of the chain" if prev_seq is None else f"seq {prev_seq}"
                return Verdict(
                    count,
                    seq,
                    f"prev_digest {r['prev_digest'][:16]}… is not the digest of {before} ({prev[:16]}…): "
                    "a record before it was deleted, inserted or its digest changed",
                )
            d = compute_digest(seq, r["at"], r["actor"], r["action"], r["subject"], r["detail"], prev)
            if d != r["digest"]:
                return Verdict(
                    count,
                    seq,
                    f"digest {r['digest'][:16]}… does not match the record's contents ({d[:16]}…): "
                    "its at, actor, action, subject or detail was changed",
                )
            count, last_seq, prev, prev_seq = count + 1, seq, r["digest"], seq
        if got < batch:
            return Verdict(count)


async def verify_database(settings: ServiceSettings) -> Verdict:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as s:
            return await verify(s)
    finally:
        await engine.dispose()


def print_verdict(name: str, v: Verdict) -> int:
    """The ``audit-verify`` command's output and exit status (0 intact, 1 broken)."""
    if v.intact:
        print(f"{name}: audit chain intact, {v.count} records")
        return 0
    print(f"{name}: audit chain BROKEN at seq {v.broken_seq} (after {v.count} intact records): {v.reason}")
    return 1


# ---- the staff query ------------------------------------------------------------------------


class AuditRecordOut(BaseModel):
    seq: int
    at: datetime
    actor: str = Field(examples=["staff-0001"])
    action: str = Field(examples=["settlement.approve"])
    subject: str | None = Field(examples=["A-2026-000123"])
    detail: dict[str, Any] = Field(examples=[{"command": "Approve", "application_id": "A-2026-000123"}])
    prev_digest: str
    digest: str


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    total: int
    limit: int
    offset: int


def audit_router(get_ctx: Any, authorize: Any) -> APIRouter:
    r = APIRouter(tags=["operations 运维"])

    @r.get("/v1/ops/audit", summary="Audit trail 审计留痕", response_model=AuditPage)
    async def audit(
        request: Request,
        principal: Principal = Depends(authorize),
        subject: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        actor: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=_BIGINT_MAX)] = 0,
    ) -> AuditPage:
        """Who saw or changed a case (`subject`: an application, declaration or round id) or what a staff
        member did (`actor`), newest first, from this service's hash-chained audit log. The query itself is
        recorded too."""
        ctx = get_ctx(request)
        q = sa.select(audit_chain_t)
        cq = sa.select(sa.func.count()).select_from(audit_chain_t)
        if subject is not None:
            q, cq = q.where(audit_chain_t.c.subject == subject), cq.where(audit_chain_t.c.subject == subject)
        if actor is not None:
            q, cq = q.where(audit_chain_t.c.actor == actor), cq.where(audit_chain_t.c.actor == actor)
        async with ctx.session_factory() as s, s.begin():
            rows = (
                (await s.execute(q.order_by(audit_chain_t.c.seq.desc()).limit(limit).offset(offset)))
                .mappings()
                .all()
            )
            total = await s.scalar(cq) or 0
            action = f"{ctx.settings.service_name}.ops_audit_query"
            detail: dict[str, str | int | bool | None] = {"actor_filter": actor}
            await append(s, AuditEntry(ctx.clock.now(), principal.subject, action, subject, detail))
        return AuditPage(items=[AuditRecordOut(**r) for r in rows], total=total, limit=limit, offset=offset)

    return r
