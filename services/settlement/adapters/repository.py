"""All SQL of the settlement service. Every method returns the TypedDict of its table
(``adapters/records.py``), a list of them, or None."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.settlement.adapters.graduate_sql import GraduateSql
from services.settlement.adapters.page import Page
from services.settlement.adapters.records import (
    AuditRecord,
    ConductRecord,
    HolderRecord,
    LetterRecord,
    NewLetter,
    NewVerificationCheck,
    QualificationChanges,
    QualificationRecord,
    RoundRecord,
    VerificationCheckRecord,
)
from services.settlement.adapters.tables import (
    conduct_records,
    holders,
    letter_counters,
    letters,
    qualifications,
    rounds,
    verification_checks,
)
from shared import audit
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.readmodels import apply_round_phase

ACTIVE_STATUSES = (
    "pending_holder",
    "confirmed",
    "materials_submitted",
    "materials_returned",
    "district_checked",
)


def _lock_key(application_id: str) -> int:
    # A signed 64-bit key for pg_advisory_xact_lock; collisions only serialize two unrelated applications.
    return zlib.crc32(f"settlement:application:{application_id}".encode()) - 2**31


# Rows come back from SQLAlchemy as mappings; these name the table's TypedDict (the columns are the
# table's, selected whole).
def _round(row: RowMapping) -> RoundRecord:
    return cast(RoundRecord, dict(row))


def _holder(row: RowMapping) -> HolderRecord:
    return cast(HolderRecord, dict(row))


def _qualification(row: RowMapping) -> QualificationRecord:
    return cast(QualificationRecord, dict(row))


def _letter(row: RowMapping) -> LetterRecord:
    return cast(LetterRecord, dict(row))


def _check(row: RowMapping) -> VerificationCheckRecord:
    return cast(VerificationCheckRecord, dict(row))


def _conduct(row: RowMapping) -> ConductRecord:
    return cast(ConductRecord, dict(row))


class SettlementRepository(GraduateSql):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def lock_application(self, application_id: str) -> None:
        """Serialize everything that changes one application (events from two topics, staff actions)
        until the end of the transaction."""
        await self.s.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(application_id))))

    async def _count(self, table: sa.Table, cond: Sequence[sa.ColumnElement[bool]]) -> int:
        return await self.s.scalar(sa.select(sa.func.count()).select_from(table).where(*cond)) or 0

    # ---- rounds -----------------------------------------------------------------------
    async def apply_round_phase(self, data: RoundPhaseChangedV1, event_at: datetime) -> bool:
        """Keep the newest ``round.phase_changed`` (an older event changes nothing; see
        ``shared.readmodels``). ``publicity_closed_at`` is not touched."""
        return await apply_round_phase(self.s, rounds, data, event_at, updated_at=event_at)

    async def record_publicity_closed(
        self, round_id: str, program: str, closed_at: datetime, event_at: datetime
    ) -> None:
        """Remember when the round's publicity closed; never touches the phase columns."""
        stmt = pg_insert(rounds).values(
            round_id=round_id, program=program, publicity_closed_at=closed_at, updated_at=event_at
        )
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[rounds.c.round_id],
                set_={"publicity_closed_at": stmt.excluded.publicity_closed_at, "updated_at": event_at},
            )
        )

    async def get_round(self, round_id: str) -> RoundRecord | None:
        q = sa.select(rounds).where(rounds.c.round_id == round_id)
        row = (await self.s.execute(q)).mappings().first()
        return _round(row) if row else None

    # ---- holders ----------------------------------------------------------------------
    async def upsert_holder(self, row: HolderRecord) -> bool:
        """Store the holder's data; a lower or equal revision never replaces a higher one. True if stored."""
        stmt = pg_insert(holders).values(**row)
        done = await self.s.scalar(
            stmt.on_conflict_do_update(
                index_elements=[holders.c.application_id],
                set_={k: stmt.excluded[k] for k in row if k != "application_id"},
                where=holders.c.revision < stmt.excluded.revision,
            ).returning(holders.c.application_id)
        )
        return done is not None

    async def get_holder(self, application_id: str) -> HolderRecord | None:
        q = sa.select(holders).where(holders.c.application_id == application_id)
        row = (await self.s.execute(q)).mappings().first()
        return _holder(row) if row else None

    # ---- qualifications ---------------------------------------------------------------
    async def get_qualification(
        self, application_id: str, *, for_update: bool = False
    ) -> QualificationRecord | None:
        q = sa.select(qualifications).where(qualifications.c.application_id == application_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return _qualification(row) if row else None

    async def insert_qualification(
        self,
        *,
        application_id: str,
        round_id: str,
        program: str,
        status: str,
        outcome_reason: str | None,
        publicity_closed_at: datetime,
        publicity_closed_on: date,
        now: datetime,
    ) -> QualificationRecord:
        stmt = (
            sa.insert(qualifications)
            .values(
                application_id=application_id,
                round_id=round_id,
                program=program,
                status=status,
                outcome_reason=outcome_reason,
                publicity_closed_at=publicity_closed_at,
                publicity_closed_on=publicity_closed_on,
                created_at=now,
                updated_at=now,
            )
            .returning(qualifications)
        )
        return _qualification((await self.s.execute(stmt)).mappings().one())

    async def update_qualification(
        self, application_id: str, changes: QualificationChanges
    ) -> QualificationRecord:
        """Change some columns; returns the whole row as it is now."""
        stmt = (
            sa.update(qualifications)
            .where(qualifications.c.application_id == application_id)
            .values(**changes)
            .returning(qualifications)
        )
        return _qualification((await self.s.execute(stmt)).mappings().one())

    async def list_qualifications(
        self,
        *,
        status: str | None,
        round_id: str | None,
        limit: int,
        offset: int,
        settlement_district: str | None = None,
    ) -> Page[QualificationRecord]:
        cond = []
        if settlement_district is not None:
            cond.append(qualifications.c.settlement_district == settlement_district)
        if status:
            cond.append(qualifications.c.status == status)
        if round_id:
            cond.append(qualifications.c.round_id == round_id)
        q = sa.select(qualifications).where(*cond).order_by(qualifications.c.application_id)
        rows = (await self.s.execute(q.limit(limit).offset(offset))).mappings().all()
        return Page([_qualification(r) for r in rows], await self._count(qualifications, cond))

    async def due_to_lapse(self, now: datetime, limit: int) -> list[QualificationRecord]:
        """Unused qualifications whose validity has ended, locked; other workers skip them."""
        q = (
            sa.select(qualifications)
            .where(qualifications.c.status.in_(ACTIVE_STATUSES), qualifications.c.valid_until_at <= now)
            .order_by(qualifications.c.valid_until_at, qualifications.c.application_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_qualification(r) for r in (await self.s.execute(q)).mappings().all()]

    # ---- letters ----------------------------------------------------------------------
    async def next_sequence(self, program: str, letter_type: str, year: int) -> int:
        """The next number of a series. The counter row stays locked until the transaction ends, so
        concurrent issuers wait, and a rollback gives the number back (no gaps, no duplicates)."""
        stmt = pg_insert(letter_counters).values(
            program=program, letter_type=letter_type, year=year, last_sequence=1
        )
        seq = await self.s.scalar(
            stmt.on_conflict_do_update(
                index_elements=[
                    letter_counters.c.program,
                    letter_counters.c.letter_type,
                    letter_counters.c.year,
                ],
                set_={"last_sequence": letter_counters.c.last_sequence + 1},
            ).returning(letter_counters.c.last_sequence)
        )
        assert seq is not None
        return int(seq)

    async def insert_letter(self, row: NewLetter) -> LetterRecord:
        out = (await self.s.execute(sa.insert(letters).values(**row).returning(letters))).mappings().one()
        return _letter(out)

    async def letter_of(self, application_id: str, letter_type: str) -> LetterRecord | None:
        q = sa.select(letters).where(
            letters.c.application_id == application_id, letters.c.letter_type == letter_type
        )
        row = (await self.s.execute(q)).mappings().first()
        return _letter(row) if row else None

    async def letters_of(self, application_id: str, *, for_update: bool = False) -> list[LetterRecord]:
        q = sa.select(letters).where(letters.c.application_id == application_id).order_by(letters.c.id)
        if for_update:
            q = q.with_for_update()
        return [_letter(r) for r in (await self.s.execute(q)).mappings().all()]

    async def get_letter(self, serial_number: str, *, for_update: bool = False) -> LetterRecord | None:
        q = sa.select(letters).where(letters.c.serial_number == serial_number)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return _letter(row) if row else None

    async def letter_by_token(self, token: str) -> LetterRecord | None:
        q = sa.select(letters).where(letters.c.token == token)
        row = (await self.s.execute(q)).mappings().first()
        return _letter(row) if row else None

    async def revoke_letter(
        self,
        letter_id: int,
        *,
        revoked_at: datetime,
        revoked_on: date,
        revoked_by: str,
        revoke_reason_code: str,
        revoke_reason: str,
    ) -> LetterRecord | None:
        """Revoke an issued letter; returns it as it is now (None if it was not ``issued``)."""
        stmt = (
            sa.update(letters)
            .where(letters.c.id == letter_id, letters.c.status == "issued")
            .values(
                status="revoked",
                revoked_at=revoked_at,
                revoked_on=revoked_on,
                revoked_by=revoked_by,
                revoke_reason_code=revoke_reason_code,
                revoke_reason=revoke_reason,
            )
            .returning(letters)
        )
        row = (await self.s.execute(stmt)).mappings().first()
        return _letter(row) if row else None

    async def list_letters(
        self,
        *,
        application_id: str | None,
        letter_type: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> Page[LetterRecord]:
        cond = []
        if application_id:
            cond.append(letters.c.application_id == application_id)
        if letter_type:
            cond.append(letters.c.letter_type == letter_type)
        if status:
            cond.append(letters.c.status == status)
        q = sa.select(letters).where(*cond).order_by(letters.c.id.desc()).limit(limit).offset(offset)
        rows = (await self.s.execute(q)).mappings().all()
        return Page([_letter(r) for r in rows], await self._count(letters, cond))

    # ---- verification checks ----------------------------------------------------------
    async def log_check(self, row: NewVerificationCheck) -> None:
        await self.s.execute(sa.insert(verification_checks).values(**row))

    async def list_checks(
        self, *, serial_number: str | None, limit: int, offset: int
    ) -> Page[VerificationCheckRecord]:
        cond = [verification_checks.c.serial_number == serial_number] if serial_number else []
        q = sa.select(verification_checks).where(*cond).order_by(verification_checks.c.id.desc())
        rows = (await self.s.execute(q.limit(limit).offset(offset))).mappings().all()
        return Page([_check(r) for r in rows], await self._count(verification_checks, cond))

    # ---- conduct records --------------------------------------------------------------
    async def insert_conduct_record(self, row: ConductRecord) -> bool:
        """False when the subject is already recorded for this decision (or this application)."""
        done = await self.s.scalar(
            pg_insert(conduct_records)
            .values(**row)
            .on_conflict_do_nothing()
            .returning(conduct_records.c.record_id)
        )
        return done is not None

    async def pending_conduct_records(self, application_id: str) -> list[ConductRecord]:
        q = (
            sa.select(conduct_records)
            .where(
                conduct_records.c.application_id == application_id,
                conduct_records.c.status == "pending_holder",
            )
            .order_by(conduct_records.c.record_id)
            .with_for_update()
        )
        return [_conduct(r) for r in (await self.s.execute(q)).mappings().all()]

    async def conduct_for_application(self, application_id: str, kind: str) -> ConductRecord | None:
        q = sa.select(conduct_records).where(
            conduct_records.c.application_id == application_id, conduct_records.c.subject_kind == kind
        )
        row = (await self.s.execute(q)).mappings().first()
        return _conduct(row) if row else None

    async def activate_conduct_record(
        self,
        record_id: str,
        *,
        subject_key: str | None,
        person_id_sealed: dict[str, str] | None,
        person_id_digest: str | None,
        employer_credit_code: str | None,
    ) -> ConductRecord:
        """A record that waited for the holder's data gets its subject and becomes active."""
        stmt = (
            sa.update(conduct_records)
            .where(conduct_records.c.record_id == record_id)
            .values(
                status="active",
                subject_key=subject_key,
                person_id_sealed=person_id_sealed,
                person_id_digest=person_id_digest,
                employer_credit_code=employer_credit_code,
            )
            .returning(conduct_records)
        )
        return _conduct((await self.s.execute(stmt)).mappings().one())

    async def get_conduct_record(self, record_id: str) -> ConductRecord | None:
        q = sa.select(conduct_records).where(conduct_records.c.record_id == record_id)
        row = (await self.s.execute(q)).mappings().first()
        return _conduct(row) if row else None

    async def list_conduct_records(
        self, *, status: str | None, kind: str | None, limit: int, offset: int
    ) -> Page[ConductRecord]:
        cond = []
        if status:
            cond.append(conduct_records.c.status == status)
        if kind:
            cond.append(conduct_records.c.subject_kind == kind)
        q = (
            sa.select(conduct_records)
            .where(*cond)
            .order_by(conduct_records.c.created_at.desc(), conduct_records.c.record_id)
        )
        rows = (await self.s.execute(q.limit(limit).offset(offset))).mappings().all()
        return Page([_conduct(r) for r in rows], await self._count(conduct_records, cond))

    async def expire_conduct_records(self, now: datetime, limit: int) -> list[ConductRecord]:
        """End active records whose five years are over; returns the rows ended."""
        due = (
            sa.select(conduct_records.c.record_id)
            .where(conduct_records.c.status == "active", conduct_records.c.valid_until_at <= now)
            .order_by(conduct_records.c.valid_until_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        rows = await self.s.execute(
            sa.update(conduct_records)
            .where(conduct_records.c.record_id.in_(due), conduct_records.c.status == "active")
            .values(status="expired", expired_at=now)
            .returning(conduct_records)
        )
        return [_conduct(r) for r in rows.mappings().all()]

    # ---- audit ------------------------------------------------------------------------
    async def audit(
        self, *, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        """A case record ``settlement/<action>`` in the hash-chained audit trail, appended at commit."""
        audit.record(self.s, audit.case_entry("settlement", at, actor, action, subject, detail))

    async def list_audit(self, *, subject: str | None, limit: int, offset: int) -> Page[AuditRecord]:
        """Settlement's case records in the audit chain, newest first (``id`` is the chain's seq)."""
        rows, total = await audit.case_records(
            self.s, "settlement", subject=subject or None, limit=limit, offset=offset
        )
        return Page([cast(AuditRecord, r) for r in rows], total)


__all__ = ["Page", "Repository", "SettlementRepository", "json_safe"]

#: The name the shared shape uses (``ServiceContext[Settings, Runtime, Repository]``).
Repository = SettlementRepository


def json_safe(value: Any) -> Any:
    """Dates in audit details and JSONB columns as ISO strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
