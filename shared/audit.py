"""The audit trail (全程留痕, seed 000 第二十二条): an append-only, hash-chained log in every service's database.

Every use case a person runs through ``ServiceContext.run`` (state changes and staff reads alike) and every
event applied through ``ServiceContext.tx_for`` appends one record to ``audit_chain`` in the same transaction:
when the change rolls back, so does its record. Each record holds the previous record's digest;
``digest = sha256(canonical JSON of [seq, at, actor, action, subject, detail, prev_digest])``. Appends are
serialized by a transaction-level advisory lock taken just before the insert, at the end of the use case, so
the lock is held only from then until commit.

Actions: ``<service>.<handler>`` for a use case, the event type for an applied event, and
``<service>/<action>`` for a service's own case record (:func:`record`: settlement's status changes and
letters, scoring's ranking runs — what their ``audit_log`` tables held before they were merged into the
chain). A case record is queued and appended at commit, after the use case's record; one written inside a
savepoint that rolls back (a refused record of a consumer's batch) is dropped with it.

Append-only: a trigger refuses every UPDATE, DELETE and TRUNCATE of ``audit_chain`` (:data:`APPEND_ONLY_SQL`,
each service's migration); in production the service's role also has only INSERT and SELECT on it (see
docs/DEVELOPING.md). Whoever can disable the trigger (the table's owner, a superuser) can still change rows:
``python -m services.<name> audit-verify`` walks the chain (:func:`verify`) and names the first broken link.
A chain rewritten from scratch with valid links, or cut short at its end, passes a link check: the
``audit-anchor`` command writes the chain head (seq, digest, time) to an anchor file kept outside the
database, and ``audit-verify --anchor FILE`` refuses a chain that does not hold every anchored head.

``GET /v1/ops/audit`` lets staff see who saw or changed a case. ``detail`` never holds personal data: only the
command's name, its ``*_id`` fields (never one named like a name, phone or ID number) and the correlation id;
a case record keeps the codes and notes of the case history, without any field named like personal data.
A refused use case rolls back, record included: attempts are not recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from shared.api.auth import Principal
from shared.clock import build_clock
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
#: Between the service and the action of a service's own case record (``settlement/letter.issued``).
RECORD_SEP = "/"
_PERSONAL = (
    "id_number",
    "phone",
    "mobile",
    "name",
    "address",
    "email",
    "password",
    "token",
    "birth",
    "diploma",
    "degree_number",
    "sealed",
)
_PENDING = "audit_pending"
_QUEUE = "audit_queue"
_LISTENING = "audit_listening"
_BIGINT_MAX = 2**63 - 1

#: The trigger that makes ``audit_chain`` append-only (every service's migration after ``create_audit_chain``).
APPEND_ONLY_SQL = (
    """CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_chain is append-only (全程留痕): % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit records are never changed or removed; audit-verify checks the chain.';
END
$$""",
    """CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change()""",
)
DROP_APPEND_ONLY_SQL = (
    "DROP TRIGGER IF EXISTS audit_chain_append_only ON audit_chain",
    "DROP FUNCTION IF EXISTS audit_chain_refuse_change()",
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any]


def _is_personal(key: str) -> bool:
    k = key.lower()
    return any(p in k for p in _PERSONAL)


def _scalar(v: Any) -> str | int | bool | None:
    return v if v is None or isinstance(v, (str, int, bool)) else str(v)


def _json(v: Any) -> Any:
    """A detail value as JSON that reads back from JSONB unchanged (the digest is computed on both)."""
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): _json(x) for k, x in v.items() if not _is_personal(str(k))}
    if isinstance(v, (list, tuple)):
        return [_json(x) for x in v]
    return str(v)  # Decimal, float, enums, UUIDs: their text


def subject_of(command: object) -> str | None:
    """The application, declaration or round the command is about, if it names one."""
    for f in SUBJECT_FIELDS:
        v = getattr(command, f, None)
        if isinstance(v, (str, int)) and not isinstance(v, bool):
            return str(v)
    return None


def detail_of(command: object, correlation_id: str | None) -> dict[str, Any]:
    """The command's name and its ``*_id`` fields: nothing personal, nothing free-text."""
    detail: dict[str, Any] = {"command": type(command).__name__}
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


def case_entry(
    service: str, at: datetime, actor: str, action: str, subject: str, detail: Mapping[str, Any]
) -> AuditEntry:
    """A service's own record of a case (``<service>/<action>``): its detail as JSON, without any field
    named like personal data (names, ID numbers, phones, diploma numbers, sealed values)."""
    return AuditEntry(at, actor, f"{service}{RECORD_SEP}{action}", subject, _json(dict(detail)))


def canonical_at(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def compute_digest(
    seq: int, at: datetime, actor: str, action: str, subject: str | None, detail: Mapping[str, Any], prev: str
) -> str:
    body = [seq, canonical_at(at), actor, action, subject, dict(detail), prev]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def append_sync(session: Session | sa.Connection, entry: AuditEntry) -> int:
    """Append ``entry`` in the open transaction (a sync session: also usable from ``before_commit``; or a
    migration's connection). Returns its seq. The lock is released at commit or rollback."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    # A new statement after the lock: under READ COMMITTED it sees the last committed record.
    row = session.execute(
        sa.select(
            sa.select(audit_chain_t.c.digest).order_by(audit_chain_t.c.seq.desc()).limit(1).scalar_subquery(),
            sa.func.nextval(sa.func.pg_get_serial_sequence("audit_chain", "seq")),
        )
    ).one()
    prev, seq = row[0] or GENESIS, int(row[1])
    detail = _json(entry.detail)
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


def append_many_sync(session: Session | sa.Connection, entries: Sequence[AuditEntry]) -> list[int]:
    """Append ``entries`` in order in the open transaction with one lock, one read of the chain's head and
    one multi-row insert (a consumer batch's records, a transaction's queued case records)."""
    if len(entries) <= 1:
        return [append_sync(session, e) for e in entries]
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    prev = session.execute(
        sa.select(audit_chain_t.c.digest).order_by(audit_chain_t.c.seq.desc()).limit(1)
    ).scalar_one_or_none()
    prev = prev or GENESIS
    series = sa.func.generate_series(1, len(entries)).table_valued("n")
    nextval = sa.func.nextval(sa.func.pg_get_serial_sequence("audit_chain", "seq"))
    seqs = sorted(int(v) for v in session.execute(sa.select(nextval).select_from(series)).scalars())
    rows: list[dict[str, Any]] = []
    for seq, entry in zip(seqs, entries, strict=True):
        detail = _json(entry.detail)
        digest = compute_digest(seq, entry.at, entry.actor, entry.action, entry.subject, detail, prev)
        rows.append(
            {
                "seq": seq,
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "detail": detail,
                "prev_digest": prev,
                "digest": digest,
            }
        )
        prev = digest
    session.execute(sa.insert(audit_chain_t), rows)
    return seqs


async def append_later(session: AsyncSession, entry: AuditEntry) -> None:
    """Queue ``entry`` for the transaction's commit, where every queued record is appended at once
    (:func:`append_many_sync`); for work that no savepoint can roll back any more (a consumer batch's
    records once all of them are applied)."""
    sync = session.sync_session
    _listen(sync)
    sync.info.setdefault(_QUEUE, []).append((None, entry))


async def append(session: AsyncSession, entry: AuditEntry) -> int:
    """Append ``entry`` in the open transaction of ``session``."""
    return await session.run_sync(append_sync, entry)


def _before_commit(s: Session) -> None:
    if s.in_nested_transaction():  # a savepoint released: not yet the transaction's commit
        return
    pending = s.info.pop(_PENDING, None)
    queued: list[tuple[SessionTransaction | None, AuditEntry]] = s.info.pop(_QUEUE, [])
    entries = ([pending] if isinstance(pending, AuditEntry) else []) + [entry for _, entry in queued]
    append_many_sync(s, entries)


def _within(t: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while t is not None:
        if t is ended:
            return True
        t = t.parent
    return False


def _after_soft_rollback(s: Session, ended: SessionTransaction) -> None:
    if ended.nested:  # a savepoint rolled back: what was recorded inside it never happened
        s.info[_QUEUE] = [(t, e) for t, e in s.info.get(_QUEUE, []) if not _within(t, ended)]
    else:
        s.info.pop(_QUEUE, None)
        s.info.pop(_PENDING, None)


def _listen(sync: Session) -> None:
    if not sync.info.get(_LISTENING):
        sync.info[_LISTENING] = True
        event.listen(sync, "before_commit", _before_commit)
        event.listen(sync, "after_soft_rollback", _after_soft_rollback)


def append_at_commit(session: AsyncSession, entry: AuditEntry) -> None:
    """Append ``entry`` when the session's transaction commits (the consumers' inbox transaction, which
    ``shared`` does not end itself); nothing is written when it rolls back. One record per transaction:
    a second call replaces the first."""
    sync = session.sync_session
    _listen(sync)
    sync.info[_PENDING] = entry


def record(session: AsyncSession, entry: AuditEntry) -> None:
    """Queue a case record (:func:`case_entry`) for the transaction's commit, after the use case's or event's
    own record, in the order recorded. Dropped when the transaction, or the savepoint it was recorded in,
    rolls back. The chain's lock is taken only at commit."""
    sync = session.sync_session
    _listen(sync)
    sync.info.setdefault(_QUEUE, []).append((sync.get_nested_transaction(), entry))


def import_legacy_log(conn: sa.Connection, service: str, table: str = "audit_log") -> int:
    """A migration's step: append every row of a service's old, unchained ``table`` (id order) to the chain as
    case records of ``service`` with their original time, actor, action and subject; ``legacy_id`` keeps the
    old row's id. Returns the number of rows moved."""
    rows = conn.execute(
        sa.text(f"SELECT id, at, actor, action, subject, detail FROM {table} ORDER BY id")
    ).mappings()
    n = 0
    for r in rows.all():
        detail = {**(r["detail"] or {}), "legacy_id": int(r["id"])}
        append_sync(conn, case_entry(service, r["at"], r["actor"], r["action"], r["subject"], detail))
        n += 1
    return n


async def case_records(
    session: AsyncSession, service: str, *, subject: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A service's case records (newest first) as its old ``audit_log`` showed them: ``id`` (the seq), ``at``,
    ``actor``, ``action`` (without the ``<service>/`` prefix), ``subject``, ``detail``; and their total."""
    prefix = f"{service}{RECORD_SEP}"
    cond = [audit_chain_t.c.action.startswith(prefix, autoescape=True)]
    if subject is not None:
        cond.append(audit_chain_t.c.subject == subject)
    c = audit_chain_t.c
    q = sa.select(c.seq, c.at, c.actor, c.action, c.subject, c.detail).where(*cond)
    rows = (await session.execute(q.order_by(c.seq.desc()).limit(limit).offset(offset))).mappings().all()
    total = await session.scalar(sa.select(sa.func.count()).select_from(audit_chain_t).where(*cond)) or 0
    items = [
        {
            "id": r["seq"],
            "at": r["at"],
            "actor": r["actor"],
            "action": r["action"][len(prefix) :],
            "subject": r["subject"],
            "detail": r["detail"],
        }
        for r in rows
    ]
    return items, int(total)


# ---- verification and anchors ----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    count: int
    broken_seq: int | None = None
    reason: str | None = None
    anchors_checked: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


class AnchorError(ValueError):
    """An anchor file that cannot be read, or holds no anchor of the service."""


@dataclass(frozen=True)
class Anchor:
    """The chain head at one moment, kept outside the database: ``seq`` and ``digest`` of the newest record
    (0 and :data:`GENESIS` for an empty chain), ``at`` its time, ``anchored_at`` when it was taken."""

    service: str
    seq: int
    digest: str
    at: datetime | None
    anchored_at: datetime

    def to_json(self) -> str:
        doc = {
            "service": self.service,
            "seq": self.seq,
            "digest": self.digest,
            "at": canonical_at(self.at) if self.at else None,
            "anchored_at": canonical_at(self.anchored_at),
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Anchor:
        try:
            doc = json.loads(line)
            at = datetime.fromisoformat(doc["at"]) if doc.get("at") else None
            a = cls(
                str(doc["service"]),
                int(doc["seq"]),
                str(doc["digest"]),
                at,
                datetime.fromisoformat(doc["anchored_at"]),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise AnchorError(f"not an anchor ({type(e).__name__}: {e}): {line[:120]!r}") from None
        if a.seq < 0 or len(a.digest) != 64:
            raise AnchorError(f"not an anchor (seq {a.seq}, digest of {len(a.digest)} characters)")
        return a


def read_anchors(path: Path, service: str) -> list[Anchor]:
    """The anchors of ``service`` in ``path`` (one JSON document a line, as ``audit-anchor`` appends them)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise AnchorError(f"cannot read {path}: {e.strerror or e}") from None
    anchors = [Anchor.from_json(x) for x in lines if x.strip()]
    mine = [a for a in anchors if a.service == service]
    if not mine:
        raise AnchorError(f"{path} holds no anchor of {service} ({len(anchors)} of other services)")
    return mine


async def head(session: AsyncSession, service: str, now: datetime) -> Anchor:
    """The chain's newest record as an anchor."""
    c = audit_chain_t.c
    row = (await session.execute(sa.select(c.seq, c.digest, c.at).order_by(c.seq.desc()).limit(1))).first()
    if row is None:
        return Anchor(service, 0, GENESIS, None, now)
    return Anchor(service, int(row.seq), str(row.digest), row.at, now)


def _anchor_broken(count: int, a: Anchor, what: str) -> Verdict:
    when = canonical_at(a.anchored_at)
    return Verdict(
        count,
        a.seq,
        f"the head anchored at {when} (seq {a.seq}, digest {a.digest[:16]}…) {what}: "
        "the chain was cut short or rewritten after it was anchored",
    )


async def verify(session: AsyncSession, batch: int = 1000, anchors: Sequence[Anchor] = ()) -> Verdict:
    """Walk the chain in seq order, recompute every digest; the first broken link, if any. Every anchor must
    name a record of the chain, with the anchored digest."""
    want = sorted((a for a in anchors if a.seq > 0), key=lambda a: a.seq)
    i = 0  # the next anchor to meet
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
            if i < len(want) and want[i].seq < seq:
                return _anchor_broken(count, want[i], "is not in the chain")
            while i < len(want) and want[i].seq == seq:
                if want[i].digest != d:
                    return _anchor_broken(count, want[i], f"differs from the chain's record ({d[:16]}…)")
                i += 1
            count, last_seq, prev, prev_seq = count + 1, seq, r["digest"], seq
        if got < batch:
            if i < len(want):
                return _anchor_broken(count, want[i], f"is beyond the chain's end (seq {last_seq})")
            return Verdict(count, anchors_checked=len(anchors))


async def _with_session(settings: ServiceSettings, fn: Any) -> Any:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as s:
            return await fn(s)
    finally:
        await engine.dispose()


async def verify_database(settings: ServiceSettings, anchors: Sequence[Anchor] = ()) -> Verdict:
    return await _with_session(settings, lambda s: verify(s, anchors=anchors))  # type: ignore[no-any-return]


def print_verdict(name: str, v: Verdict) -> int:
    """The ``audit-verify`` command's output and exit status (0 intact, 1 broken)."""
    if v.intact:
        anchored = f"; {v.anchors_checked} anchored heads found" if v.anchors_checked else ""
        print(f"{name}: audit chain intact, {v.count} records{anchored}")
        return 0
    print(f"{name}: audit chain BROKEN at seq {v.broken_seq} (after {v.count} intact records): {v.reason}")
    return 1


#: The audit commands of ``python -m services.<name>``.
COMMANDS = ("audit-verify", "audit-anchor")


def run_command(name: str, command: str, argv: Sequence[str], settings: ServiceSettings) -> int:
    """``audit-verify [--anchor FILE]``: exit 0 intact, 1 broken, 2 unreadable anchor file.
    ``audit-anchor [--out FILE]``: print the chain head as one JSON line, and append it to FILE."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{name} {command}")
    if command == "audit-verify":
        parser.add_argument("--anchor", type=Path, help="a file of heads written by audit-anchor")
        args = parser.parse_args(list(argv))
        try:
            anchors = read_anchors(args.anchor, name) if args.anchor else []
        except AnchorError as e:
            print(f"{name}: {e}")
            return 2
        return print_verdict(name, asyncio.run(verify_database(settings, anchors)))
    parser.add_argument("--out", type=Path, help="append the anchor to this file (kept outside the database)")
    args = parser.parse_args(list(argv))
    now = build_clock(settings.clock, settings.clock_file).now()
    anchor: Anchor = asyncio.run(_with_session(settings, lambda s: head(s, name, now)))
    line = anchor.to_json()
    if args.out:
        with args.out.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
    print(line)
    return 0


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
        before_seq: Annotated[int | None, Query(ge=1, le=_BIGINT_MAX)] = None,
    ) -> AuditPage:
        """Who saw or changed a case (`subject`: an application, declaration or round id) or what a staff
        member did (`actor`), newest first, from this service's hash-chained audit log. The query itself is
        recorded too (with the `subject` asked for): to page through a case while records are added, pass the
        last `seq` of a page as `before_seq` for the next (only records with a smaller seq)."""
        ctx = get_ctx(request)
        q = sa.select(audit_chain_t)
        cq = sa.select(sa.func.count()).select_from(audit_chain_t)
        if before_seq is not None:
            q, cq = q.where(audit_chain_t.c.seq < before_seq), cq.where(audit_chain_t.c.seq < before_seq)
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
