"""Bad-conduct records (失信记录, seed 004 第十七条): a person (and the employer that helped) recorded for five
years, from a fraud found in publicity, a revocation for fraud, or a decision staff record directly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from services.settlement.adapters.records import ConductRecord, HolderRecord
from services.settlement.context import Tx
from services.settlement.domain import ConductSubject
from services.settlement.handlers.common import audit
from shared.api.errors import Conflict, Invalid, NotFound, Unavailable
from shared.calendar import conduct_record_until
from shared.events.contracts.intake import EncryptedValue
from shared.events.contracts.settlement import ConductRecordedV1


@dataclass(frozen=True)
class Identity:
    """Who a record is about: a person (sealed ID number and its digest) or an employer (credit code)."""

    subject_key: str
    person_id_sealed: dict[str, str] | None = None
    person_id_digest: str | None = None
    employer_credit_code: str | None = None


@dataclass(frozen=True)
class ConductView:
    """A record as the API shows it: the ID number masked (None without the data key)."""

    record: ConductRecord
    id_number_masked: str | None


def view(tx: Tx, row: ConductRecord) -> ConductView:
    sealed = row["person_id_sealed"]
    return ConductView(row, tx.rt.masked_id(sealed) if sealed else None)


def _record_id() -> str:
    return "CR-" + uuid.uuid4().hex[:20].upper()


def _subject_of(row: ConductRecord) -> str:
    if row["subject_kind"] == ConductSubject.PERSON:
        return f"person:{row['person_id_digest']}"
    return f"employer:{row['employer_credit_code']}"


async def emit_conduct(tx: Tx, row: ConductRecord) -> None:
    sealed = row["person_id_sealed"]
    await tx.emit(
        ConductRecordedV1(
            record_id=row["record_id"],
            person_id_number=EncryptedValue(**sealed) if sealed else None,
            person_id_digest=row["person_id_digest"],
            employer_credit_code=row["employer_credit_code"],
            reason=row["reason"][:500],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
        ),
        _subject_of(row),
    )
    await audit(
        tx,
        "conduct.recorded",
        row["application_id"] or row["record_id"],
        record_id=row["record_id"],
        kind=row["subject_kind"],
        valid_until=row["valid_until"],
        source=row["source"],
    )


def _person_identity(tx: Tx, holder: HolderRecord) -> Identity:
    digest = holder["id_number_digest"]
    if not digest:
        plain = tx.rt.open_id_number(holder["id_number_sealed"])
        if plain is None:
            raise Unavailable(
                "data_key_missing",
                "the holder's ID number cannot be opened (SETTLEMENT_DATA_KEY missing or different from "
                "intake's): a person's bad-conduct record needs its digest",
            )
        digest = tx.rt.id_digest(plain)
    return Identity(
        subject_key=digest, person_id_sealed=dict(holder["id_number_sealed"]), person_id_digest=digest
    )


def identity_of(tx: Tx, kind: ConductSubject, holder: HolderRecord) -> Identity:
    """The subject of a record about an application's applicant or employer (503 ``data_key_missing``
    when a person's ID number cannot be opened for its digest)."""
    if kind is ConductSubject.PERSON:
        return _person_identity(tx, holder)
    return Identity(
        subject_key=holder["employer_credit_code"], employer_credit_code=holder["employer_credit_code"]
    )


async def insert_conduct(
    tx: Tx,
    kind: ConductSubject,
    identity: Identity | None,
    *,
    application_id: str | None,
    reason: str,
    source: str,
    valid_from: date,
) -> ConductRecord | None:
    """Insert a record; emit ``conduct.recorded`` if it is complete (its subject known). None when already
    recorded. Without ``identity`` the record waits for the holder's data (``pending_holder``)."""
    deadline = conduct_record_until(valid_from)
    row: ConductRecord = {
        "record_id": _record_id(),
        "subject_kind": kind.value,
        "subject_key": identity.subject_key if identity else None,
        "person_id_sealed": identity.person_id_sealed if identity else None,
        "person_id_digest": identity.person_id_digest if identity else None,
        "employer_credit_code": identity.employer_credit_code if identity else None,
        "application_id": application_id,
        "reason": reason[:500],
        "source": source,
        "valid_from": valid_from,
        "valid_until": deadline.due_date,
        "valid_until_at": deadline.due_at,
        "status": "active" if identity else "pending_holder",
        "created_at": tx.now,
        "created_by": tx.actor,
        "expired_at": None,
    }
    if not await tx.repo.insert_conduct_record(row):
        return None
    if row["status"] == "active":
        await emit_conduct(tx, row)
    return row


async def record_for_application(
    tx: Tx, application_id: str, kind: ConductSubject, *, reason: str, source: str, decided_on: date
) -> ConductRecord | None:
    """Record the applicant (or the employer that helped) of an application for five years (第十七条).
    Without the holder's data yet, the record waits for it (``pending_holder``)."""
    existing = await tx.repo.conduct_for_application(application_id, kind.value)
    if existing is not None:
        return None
    holder = await tx.repo.get_holder(application_id)
    identity = identity_of(tx, kind, holder) if holder is not None else None
    return await insert_conduct(
        tx,
        kind,
        identity,
        application_id=application_id,
        reason=reason,
        source=source,
        valid_from=decided_on,
    )


async def complete_pending_conduct(tx: Tx, application_id: str, holder: HolderRecord) -> None:
    """The records that waited for the holder's data get their subject and are emitted."""
    for row in await tx.repo.pending_conduct_records(application_id):
        identity = identity_of(tx, ConductSubject(row["subject_kind"]), holder)
        done = await tx.repo.activate_conduct_record(
            row["record_id"],
            subject_key=identity.subject_key,
            person_id_sealed=identity.person_id_sealed,
            person_id_digest=identity.person_id_digest,
            employer_credit_code=identity.employer_credit_code,
        )
        await emit_conduct(tx, done)


@dataclass(frozen=True)
class RecordConduct:
    """Staff record a decision of fraud: for an application's ``subjects``, or for a person (ID number)
    and/or an employer (credit code) given directly. ``decided_on`` None: today."""

    application_id: str | None
    subjects: tuple[ConductSubject, ...]
    id_number: str | None
    credit_code: str | None
    reason: str
    decided_on: date | None


async def record_conduct(tx: Tx, cmd: RecordConduct) -> list[ConductView]:
    """Staff record a decision of fraud (第十七条): for an application's applicant and/or employer, or for a
    person (ID number) and/or employer (credit code) given directly."""
    decided_on = cmd.decided_on or tx.today
    if decided_on > tx.today:
        raise Invalid(
            "decided_on_future",
            "The decision date cannot be in the future.",
            [{"field": "decided_on", "code": "future", "message": "not after today"}],
        )
    out: list[ConductRecord] = []
    if cmd.application_id is not None:
        application_id = cmd.application_id
        await tx.repo.lock_application(application_id)
        if await tx.repo.get_holder(application_id) is None:
            raise NotFound("holder_not_found", f"No applicant data for application {application_id}.")
        for kind in cmd.subjects:
            row = await record_for_application(
                tx, application_id, kind, reason=cmd.reason, source="staff", decided_on=decided_on
            )
            if row is None:
                raise Conflict(
                    "already_recorded",
                    f"The {kind.value} of {application_id} already has a bad-conduct record.",
                )
            out.append(row)
        return [view(tx, r) for r in out]
    if cmd.id_number is not None:
        digest = tx.rt.id_digest(cmd.id_number)
        person = Identity(
            subject_key=digest,
            person_id_digest=digest,
            person_id_sealed=tx.rt.seal_id_number(cmd.id_number),
        )
        row = await insert_conduct(
            tx,
            ConductSubject.PERSON,
            person,
            application_id=None,
            reason=cmd.reason,
            source="staff",
            valid_from=decided_on,
        )
        if row is None:
            raise Conflict("already_recorded", "This person is already recorded for this decision date.")
        out.append(row)
    if cmd.credit_code is not None:
        employer = Identity(subject_key=cmd.credit_code, employer_credit_code=cmd.credit_code)
        row = await insert_conduct(
            tx,
            ConductSubject.EMPLOYER,
            employer,
            application_id=None,
            reason=cmd.reason,
            source="staff",
            valid_from=decided_on,
        )
        if row is None:
            raise Conflict("already_recorded", "This employer is already recorded for this decision date.")
        out.append(row)
    return [view(tx, r) for r in out]
