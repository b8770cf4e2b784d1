"""All SQL of the settlement service."""

from __future__ import annotations

import zlib
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.settlement.adapters.tables import (
    audit_log,
    conduct_records,
    holders,
    letter_counters,
    letters,
    qualifications,
    rounds,
    verification_checks,
)

Row = dict[str, Any]

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


class Page:
    def __init__(self, items: list[Row], total: int) -> None:
        self.items = items
        self.total = total


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def lock_application(self, application_id: str) -> None:
        """Serialize everything that changes one application (events from two topics, staff actions)
        until the end of the transaction."""
        await self.s.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(application_id))))

    # ---- rounds -----------------------------------------------------------------------
    async def upsert_round(self, row: Row) -> None:
        stmt = pg_insert(rounds).values(**row)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[rounds.c.round_id], set_={k: stmt.excluded[k] for k in row if k != "round_id"}
            )
        )

    async def get_round(self, round_id: str) -> Row | None:
        row = (
            (await self.s.execute(sa.select(rounds).where(rounds.c.round_id == round_id))).mappings().first()
        )
        return dict(row) if row else None

    # ---- holders ----------------------------------------------------------------------
    async def upsert_holder(self, row: Row) -> bool:
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

    async def get_holder(self, application_id: str) -> Row | None:
        q = sa.select(holders).where(holders.c.application_id == application_id)
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    # ---- qualifications ---------------------------------------------------------------
    async def get_qualification(self, application_id: str, *, for_update: bool = False) -> Row | None:
        q = sa.select(qualifications).where(qualifications.c.application_id == application_id)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def insert_qualification(self, row: Row) -> None:
        await self.s.execute(sa.insert(qualifications).values(**row))

    async def update_qualification(self, application_id: str, **values: Any) -> None:
        await self.s.execute(
            sa.update(qualifications)
            .where(qualifications.c.application_id == application_id)
            .values(**values)
        )

    async def list_qualifications(
        self,
        *,
        status: str | None,
        round_id: str | None,
        limit: int,
        offset: int,
        settlement_district: str | None = None,
    ) -> Page:
        cond = []
        if settlement_district is not None:
            cond.append(qualifications.c.settlement_district == settlement_district)
        if status:
            cond.append(qualifications.c.status == status)
        if round_id:
            cond.append(qualifications.c.round_id == round_id)
        q = sa.select(qualifications).where(*cond).order_by(qualifications.c.application_id)
        rows = (await self.s.execute(q.limit(limit).offset(offset))).mappings().all()
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(qualifications).where(*cond)) or 0
        return Page([dict(r) for r in rows], total)

    async def due_to_lapse(self, now: datetime, limit: int) -> list[Row]:
        """Unused qualifications whose validity has ended, locked; other workers skip them."""
        q = (
            sa.select(qualifications)
            .where(qualifications.c.status.in_(ACTIVE_STATUSES), qualifications.c.valid_until_at <= now)
            .order_by(qualifications.c.valid_until_at, qualifications.c.application_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [dict(r) for r in (await self.s.execute(q)).mappings().all()]

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

    async def insert_letter(self, row: Row) -> Row:
        out = (await self.s.execute(sa.insert(letters).values(**row).returning(letters))).mappings().one()
        return dict(out)

    async def letter_of(self, application_id: str, letter_type: str) -> Row | None:
        q = sa.select(letters).where(
            letters.c.application_id == application_id, letters.c.letter_type == letter_type
        )
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def letters_of(self, application_id: str, *, for_update: bool = False) -> list[Row]:
        q = sa.select(letters).where(letters.c.application_id == application_id).order_by(letters.c.id)
        if for_update:
            q = q.with_for_update()
        return [dict(r) for r in (await self.s.execute(q)).mappings().all()]

    async def get_letter(self, serial_number: str, *, for_update: bool = False) -> Row | None:
        q = sa.select(letters).where(letters.c.serial_number == serial_number)
        if for_update:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def letter_by_token(self, token: str) -> Row | None:
        q = sa.select(letters).where(letters.c.token == token)
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def revoke_letter(self, letter_id: int, **values: Any) -> None:
        await self.s.execute(
            sa.update(letters)
            .where(letters.c.id == letter_id, letters.c.status == "issued")
            .values(status="revoked", **values)
        )

    async def list_letters(
        self,
        *,
        application_id: str | None,
        letter_type: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> Page:
        cond = []
        if application_id:
            cond.append(letters.c.application_id == application_id)
        if letter_type:
            cond.append(letters.c.letter_type == letter_type)
        if status:
            cond.append(letters.c.status == status)
        q = sa.select(letters).where(*cond).order_by(letters.c.id.desc()).limit(limit).offset(offset)
        rows = (await self.s.execute(q)).mappings().all()
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(letters).where(*cond)) or 0
        return Page([dict(r) for r in rows], total)

    # ---- verification checks ----------------------------------------------------------
    async def log_check(self, row: Row) -> None:
        await self.s.execute(sa.insert(verification_checks).values(**row))

    async def list_checks(self, *, serial_number: str | None, limit: int, offset: int) -> Page:
        cond = [verification_checks.c.serial_number == serial_number] if serial_number else []
        q = sa.select(verification_checks).where(*cond).order_by(verification_checks.c.id.desc())
        rows = (await self.s.execute(q.limit(limit).offset(offset))).mappings().all()
        total = (
            await self.s.scalar(sa.select(sa.func.count()).select_from(verification_checks).where(*cond)) or 0
        )
        return Page([dict(r) for r in rows], total)

    # ---- conduct records --------------------------------------------------------------
    async def insert_conduct_record(self, row: Row) -> bool:
        """False when the subject is already recorded for this decision (or this application)."""
        done = await self.s.scalar(
            pg_insert(conduct_records)
            .values(**row)
            .on_conflict_do_nothing()
            .returning(conduct_records.c.record_id)
        )
        return done is not None

    async def pending_conduct_records(self, application_id: str) -> list[Row]:
        q = (
            sa.select(conduct_records)
            .where(
                conduct_records.c.application_id == application_id,
                conduct_records.c.status == "pending_holder",
            )
            .order_by(conduct_records.c.record_id)
            .with_for_update()
        )
        return [dict(r) for r in (await self.s.execute(q)).mappings().all()]

    async def conduct_for_application(self, application_id: str, kind: str) -> Row | None:
        q = sa.select(conduct_records).where(
            conduct_records.c.application_id == application_id, conduct_records.c.subject_kind == kind
        )
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def update_conduct_record(self, record_id: str, **values: Any) -> bool:
        done = await self.s.scalar(
            sa.update(conduct_records)
            .where(conduct_records.c.record_id == record_id)
            .values(**values)
            .returning(conduct_records.c.record_id)
        )
        return done is not None

    async def get_conduct_record(self, record_id: str) -> Row | None:
        q = sa.select(conduct_records).where(conduct_records.c.record_id == record_id)
        row = (await self.s.execute(q)).mappings().first()
        return dict(row) if row else None

    async def list_conduct_records(
        self, *, status: str | None, kind: str | None, limit: int, offset: int
    ) -> Page:
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
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(conduct_records).where(*cond)) or 0
        return Page([dict(r) for r in rows], total)

    async def expire_conduct_records(self, now: datetime, limit: int) -> list[Row]:
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
        return [dict(r) for r in rows.mappings().all()]

    # ---- audit ------------------------------------------------------------------------
    async def audit(self, *, at: datetime, actor: str, action: str, subject: str, detail: Row) -> None:
        await self.s.execute(
            sa.insert(audit_log).values(at=at, actor=actor, action=action, subject=subject, detail=detail)
        )

    async def list_audit(self, *, subject: str | None, limit: int, offset: int) -> Page:
        cond = [audit_log.c.subject == subject] if subject else []
        q = sa.select(audit_log).where(*cond).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        rows = (await self.s.execute(q)).mappings().all()
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(audit_log).where(*cond)) or 0
        return Page([dict(r) for r in rows], total)


def json_safe(value: Any) -> Any:
    """Dates in audit details and JSONB columns as ISO strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
