"""The graduate programme's SQL: supervising units and their jurisdiction, graduate declarations, consent
links and the declarations' timeline. Part of :class:`~services.intake.adapters.repository.IntakeRepository`
(its base class); rows come back as the TypedDicts of ``records.py``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypedDict, Unpack, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.intake.adapters.records import (
    ConsentLinkRecord,
    GraduateDeclarationRecord,
    GraduateDeclarationView,
    GraduateTimelineRecord,
    SupervisingUnitRecord,
    UnitEmployerRecord,
    UnitEmployerView,
)
from services.intake.adapters.sql_base import SqlBase
from services.intake.adapters.tables import (
    employers,
    graduate_consent_links,
    graduate_declarations,
    graduate_timeline,
    rounds,
    supervising_units,
    unit_employers,
)


class DeclarationChanges(TypedDict, total=False):
    status: str
    version: int
    revision: int
    name: str
    id_number_sealed: dict[str, str]
    id_number_masked: str
    id_digest: str
    birth_date: date
    university: str
    major: str
    education: str
    diploma_number: str | None
    degree_number: str | None
    declaration: dict[str, Any]
    graduate_account_id: str | None
    consent_at: datetime | None
    consent_via: str | None
    returned_reason: str | None
    submitted_at: datetime | None
    unit_decision: dict[str, Any] | None
    verification: dict[str, Any] | None
    assessment: dict[str, Any] | None
    decision: dict[str, Any] | None
    updated_at: datetime


class GraduateQueries(SqlBase):
    # ---- supervising units ----------------------------------------------------------------------
    async def insert_unit(self, values: SupervisingUnitRecord) -> None:
        await self.s.execute(sa.insert(supervising_units).values(**values))

    async def unit(self, unit_id: str) -> SupervisingUnitRecord | None:
        row = await self._one(sa.select(supervising_units).where(supervising_units.c.id == unit_id))
        return cast(SupervisingUnitRecord | None, row)

    async def unit_name_taken(self, name: str) -> bool:
        return bool(await self.s.scalar(sa.select(sa.exists().where(supervising_units.c.name == name))))

    async def list_units(self, limit: int, offset: int) -> tuple[list[SupervisingUnitRecord], int]:
        q = sa.select(supervising_units)
        total = await self._count(q)
        rows = await self._all(q.order_by(supervising_units.c.name).limit(limit).offset(offset))
        return cast(list[SupervisingUnitRecord], rows), total

    # ---- jurisdiction (第五条) ----------------------------------------------------------------
    def _unit_employer_query(self) -> sa.Select[Any]:
        return sa.select(
            unit_employers,
            employers.c.name.label("employer_name"),
            employers.c.credit_code.label("employer_credit_code"),
        ).select_from(unit_employers.join(employers, employers.c.id == unit_employers.c.employer_id))

    async def assign_employer(self, values: UnitEmployerRecord) -> None:
        """Put the employer into the unit's jurisdiction (an employer has one unit: a reassignment moves it)."""
        stmt = pg_insert(unit_employers).values(**values)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[unit_employers.c.employer_id],
                set_={k: stmt.excluded[k] for k in values if k != "employer_id"},
            )
        )

    async def unit_of_employer(self, employer_id: str) -> str | None:
        found: str | None = await self.s.scalar(
            sa.select(unit_employers.c.unit_id).where(unit_employers.c.employer_id == employer_id)
        )
        return found

    async def unit_employer(self, employer_id: str) -> UnitEmployerView | None:
        row = await self._one(self._unit_employer_query().where(unit_employers.c.employer_id == employer_id))
        return cast(UnitEmployerView | None, row)

    async def unit_employers(
        self, unit_id: str, limit: int, offset: int
    ) -> tuple[list[UnitEmployerView], int]:
        q = self._unit_employer_query().where(unit_employers.c.unit_id == unit_id)
        total = await self._count(q)
        rows = await self._all(q.order_by(employers.c.name).limit(limit).offset(offset))
        return cast(list[UnitEmployerView], rows), total

    # ---- declarations -----------------------------------------------------------------------
    def _declaration_query(self) -> sa.Select[Any]:
        return sa.select(
            graduate_declarations,
            employers.c.name.label("employer_name"),
            employers.c.credit_code.label("employer_credit_code"),
            employers.c.district.label("employer_district"),
            employers.c.registered_at.label("employer_registered_at"),
            rounds.c.year.label("year"),
            supervising_units.c.name.label("unit_name"),
            supervising_units.c.phone.label("unit_phone"),
            supervising_units.c.address.label("unit_address"),
        ).select_from(
            graduate_declarations.join(employers, employers.c.id == graduate_declarations.c.employer_id)
            .join(rounds, rounds.c.id == graduate_declarations.c.round_id)
            .join(supervising_units, supervising_units.c.id == graduate_declarations.c.supervising_unit_id)
        )

    async def insert_declaration(self, values: GraduateDeclarationRecord) -> None:
        await self.s.execute(sa.insert(graduate_declarations).values(**values))

    async def declaration(
        self, declaration_id: str, *, for_update: bool = False
    ) -> GraduateDeclarationView | None:
        q = self._declaration_query().where(graduate_declarations.c.id == declaration_id)
        if for_update:
            q = q.with_for_update(of=graduate_declarations)
        return cast(GraduateDeclarationView | None, await self._one(q))

    async def declaration_of_person(self, round_id: str, id_digest: str) -> str | None:
        found: str | None = await self.s.scalar(
            sa.select(graduate_declarations.c.id).where(
                graduate_declarations.c.round_id == round_id, graduate_declarations.c.id_digest == id_digest
            )
        )
        return found

    async def update_declaration(self, declaration_id: str, **values: Unpack[DeclarationChanges]) -> None:
        await self.s.execute(
            sa.update(graduate_declarations)
            .where(graduate_declarations.c.id == declaration_id)
            .values(**values)
        )

    async def list_declarations(
        self,
        *,
        employer_id: str | None,
        unit_id: str | None,
        graduate_account_id: str | None,
        round_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[GraduateDeclarationView], int]:
        q = self._declaration_query()
        if employer_id:
            q = q.where(graduate_declarations.c.employer_id == employer_id)
        if unit_id:
            q = q.where(graduate_declarations.c.supervising_unit_id == unit_id)
        if graduate_account_id:
            q = q.where(graduate_declarations.c.graduate_account_id == graduate_account_id)
        if round_id:
            q = q.where(graduate_declarations.c.round_id == round_id)
        if status:
            q = q.where(graduate_declarations.c.status == status)
        total = await self._count(q)
        rows = await self._all(
            q.order_by(graduate_declarations.c.created_at.desc(), graduate_declarations.c.id)
            .limit(limit)
            .offset(offset)
        )
        return cast(list[GraduateDeclarationView], rows), total

    # ---- consent links ----------------------------------------------------------------------
    async def insert_consent_link(self, values: ConsentLinkRecord) -> None:
        await self.s.execute(sa.insert(graduate_consent_links).values(**values))

    async def consent_link_for_update(self, token_hash: str) -> ConsentLinkRecord | None:
        row = await self._one(
            sa.select(graduate_consent_links)
            .where(graduate_consent_links.c.token_hash == token_hash)
            .with_for_update()
        )
        return cast(ConsentLinkRecord | None, row)

    async def use_consent_link(self, token_hash: str, now: datetime) -> None:
        await self.s.execute(
            sa.update(graduate_consent_links)
            .where(graduate_consent_links.c.token_hash == token_hash)
            .values(used_at=now)
        )

    # ---- timeline -----------------------------------------------------------------------------
    async def add_graduate_timeline(
        self,
        declaration_id: str,
        *,
        at: datetime,
        kind: str,
        data: dict[str, Any],
        revision: int | None = None,
        event_id: uuid.UUID | None = None,
    ) -> bool:
        return await self._append_timeline(
            graduate_timeline,
            {"declaration_id": declaration_id},
            at=at,
            kind=kind,
            data=data,
            revision=revision,
            event_id=event_id,
        )

    async def graduate_timeline(self, declaration_id: str) -> list[GraduateTimelineRecord]:
        rows = await self._all(
            sa.select(graduate_timeline)
            .where(graduate_timeline.c.declaration_id == declaration_id)
            .order_by(graduate_timeline.c.at, graduate_timeline.c.id)
        )
        return cast(list[GraduateTimelineRecord], rows)
