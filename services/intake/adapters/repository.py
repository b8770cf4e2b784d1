"""All SQL of the intake service. One repository per open session (transaction); the transaction is
opened and committed by the service context (``ctx.run``, ``ctx.tx_for``, ``ctx.transaction``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypedDict, Unpack, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.intake.adapters.graduate_sql import GraduateQueries
from services.intake.adapters.records import (
    AccountView,
    AffiliationRecord,
    AffiliationView,
    ApplicationView,
    ConductRecord,
    EmployerAuditRecord,
    EmployerRecord,
    ExternalIdentityRecord,
    IdempotencyRecord,
    MaterialRecord,
    NewAccount,
    NewApplication,
    NewRefreshToken,
    NewRound,
    NewRoundEvent,
    NewVerifiedAccount,
    RefreshTokenRecord,
    RoundEventRecord,
    RoundRecord,
    TimelineRecord,
)
from services.intake.adapters.tables import (
    accounts,
    affiliations,
    applications,
    conduct_records,
    employer_audit,
    employers,
    external_identities,
    idempotency_keys,
    materials,
    refresh_tokens,
    round_events,
    rounds,
    timeline,
    used_assertions,
)


class AccountChanges(TypedDict, total=False):
    status: str
    failed_logins: int
    locked_until: datetime | None


class AffiliationChanges(TypedDict, total=False):
    status: str
    applicant_confirmed_at: datetime | None
    employer_confirmed_at: datetime | None
    ended_at: datetime | None


class RoundChanges(TypedDict, total=False):
    ranking: dict[str, Any] | None
    publicity: dict[str, Any] | None


class ApplicationChanges(TypedDict, total=False):
    status: str
    declaration_status: str
    revision: int
    version: int
    name: str
    phone: str
    id_number_sealed: dict[str, str]
    id_number_masked: str
    id_digest: str
    birth_year_month: str
    facts: dict[str, Any]
    employer_confirmed_version: int | None
    employer_confirmed_at: datetime | None
    employer_confirmed_by: str | None
    returned_reason: str | None
    submitted_at: datetime | None
    verification: dict[str, Any] | None
    score: dict[str, Any] | None
    ranking: dict[str, Any] | None
    publicity: dict[str, Any] | None
    letters: list[dict[str, Any]]
    lapsed_on: date | None
    updated_at: datetime


class IntakeRepository(GraduateQueries):
    """Every query of the service. Rows come back as the TypedDicts of ``adapters/records.py``: the
    select of each method is exactly the columns of its record (a table, or a table joined with a few
    columns of its parents). The graduate programme's queries are in ``graduate_sql.py``. The ``cast`` that names the record is the one step mypy cannot check;
    ``tests/intake/unit/test_records.py`` checks it (keys = columns, nullability, joined labels)."""

    # ---- accounts -------------------------------------------------------------------------------
    def _account_query(self) -> sa.Select[Any]:
        return sa.select(accounts, employers.c.credit_code.label("employer_credit_code")).select_from(
            accounts.outerjoin(employers, employers.c.id == accounts.c.employer_id)
        )

    async def insert_account(self, values: NewAccount) -> None:
        await self.s.execute(sa.insert(accounts).values(**values))

    async def account(self, account_id: str) -> AccountView | None:
        row = await self._one(self._account_query().where(accounts.c.id == account_id))
        return cast(AccountView | None, row)

    async def account_by_username(self, username: str) -> AccountView | None:
        row = await self._one(self._account_query().where(accounts.c.username == username))
        return cast(AccountView | None, row)

    async def username_taken(self, username: str) -> bool:
        return bool(await self.s.scalar(sa.select(sa.exists().where(accounts.c.username == username))))

    async def list_accounts(self, role: str | None, limit: int, offset: int) -> tuple[list[AccountView], int]:
        q = self._account_query()
        if role:
            q = q.where(accounts.c.role == role)
        total = await self._count(q)
        rows = await self._all(q.order_by(accounts.c.created_at, accounts.c.id).limit(limit).offset(offset))
        return cast(list[AccountView], rows), total

    async def set_account_status(self, account_id: str, status: str) -> None:
        values: AccountChanges = {"status": status}
        if status == "active":  # an administrator's (re)activation also lifts a login lock
            values["failed_logins"] = 0
            values["locked_until"] = None
        await self.s.execute(sa.update(accounts).where(accounts.c.id == account_id).values(**values))

    async def record_login_failure(
        self, account_id: str, now: datetime, max_failures: int, lock_for: timedelta
    ) -> datetime | None:
        """Count a wrong password in one statement (the row lock of the UPDATE serialises concurrent
        failures, each sees the count the previous one left). While the account is locked nothing is counted
        and the lock is not extended (it always ends ``lock_for`` after it started); the ``max_failures``-th
        failure in a row locks it and starts a new count. The end of the lock in force, if any."""
        locked = sa.and_(accounts.c.locked_until.is_not(None), accounts.c.locked_until > now)
        reached = accounts.c.failed_logins + 1 >= max_failures
        until: datetime | None = await self.s.scalar(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(
                failed_logins=sa.case(
                    (locked, accounts.c.failed_logins), (reached, 0), else_=accounts.c.failed_logins + 1
                ),
                locked_until=sa.case(
                    (locked, accounts.c.locked_until),
                    (reached, now + lock_for),
                    else_=accounts.c.locked_until,
                ),
            )
            .returning(accounts.c.locked_until)
        )
        return until if until is not None and until > now else None

    async def record_login_success(self, account_id: str, now: datetime, network: str | None) -> bool:
        """A right password, in one statement: allowed when the account is not locked, or when it is and the
        client is on the network of the account's last good login (a lock set from elsewhere does not keep
        the owner out; it stays in force for everyone else). Resets the count when not locked and remembers
        the network. False: locked, refused."""
        locked = sa.and_(accounts.c.locked_until.is_not(None), accounts.c.locked_until > now)
        allowed = sa.not_(locked)
        if network is not None:
            allowed = sa.or_(allowed, accounts.c.last_login_network == network)
        row = await self.s.scalar(
            sa.update(accounts)
            .where(accounts.c.id == account_id, allowed)
            .values(
                failed_logins=sa.case((locked, accounts.c.failed_logins), else_=0),
                locked_until=sa.case((locked, accounts.c.locked_until), else_=None),
                last_login_network=network if network is not None else accounts.c.last_login_network,
            )
            .returning(accounts.c.id)
        )
        return row is not None

    # ---- logins through the city's identity service ----------------------------------------------
    async def account_of_identity(self, issuer: str, subject: str) -> AccountView | None:
        """The account an (issuer, subject) of the identity service is linked to."""
        q = self._account_query().join(external_identities, external_identities.c.account_id == accounts.c.id)
        q = q.where(external_identities.c.issuer == issuer, external_identities.c.subject == subject)
        return cast(AccountView | None, await self._one(q))

    async def account_by_id_digest(self, id_digest: str) -> AccountView | None:
        """The account whose verified ID number has this digest (password accounts have none)."""
        row = await self._one(self._account_query().where(accounts.c.id_digest == id_digest))
        return cast(AccountView | None, row)

    async def insert_verified_account(self, values: NewVerifiedAccount) -> bool:
        """False when an account with the same ID-number digest (or username) exists already: a concurrent
        first login of the same person, which this one then shares."""
        r = await self.s.execute(
            pg_insert(accounts).values(**values).on_conflict_do_nothing().returning(accounts.c.id)
        )
        return r.scalar() is not None

    async def link_identity(self, values: ExternalIdentityRecord) -> str:
        """Link (issuer, subject) to an account unless it is linked already; the account it is linked to."""
        await self.s.execute(pg_insert(external_identities).values(**values).on_conflict_do_nothing())
        linked = await self.s.scalar(
            sa.select(external_identities.c.account_id).where(
                external_identities.c.issuer == values["issuer"],
                external_identities.c.subject == values["subject"],
            )
        )
        return str(linked)

    async def update_account_person(self, account_id: str, name: str, phone: str | None) -> None:
        await self.s.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(name=name, phone=phone)
        )

    async def use_assertion(self, issuer: str, jti: str, expires_at: datetime) -> bool:
        """Record an assertion's ``jti``; False when it was used before (a replay)."""
        r = await self.s.execute(
            pg_insert(used_assertions)
            .values(issuer=issuer, jti=jti, expires_at=expires_at)
            .on_conflict_do_nothing()
            .returning(used_assertions.c.jti)
        )
        return r.scalar() is not None

    async def purge_used_assertions(self, before: datetime) -> int:
        """Forget the ``jti`` of assertions expired before ``before`` (they are refused as expired anyway)."""
        r = await self.s.execute(sa.delete(used_assertions).where(used_assertions.c.expires_at < before))
        return int(r.rowcount or 0)  # type: ignore[attr-defined]

    # ---- refresh tokens -------------------------------------------------------------------------
    async def insert_refresh_token(self, values: NewRefreshToken) -> None:
        await self.s.execute(sa.insert(refresh_tokens).values(**values))

    async def refresh_token_for_update(self, token_hash: str) -> RefreshTokenRecord | None:
        row = await self._one(
            sa.select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).with_for_update()
        )
        return cast(RefreshTokenRecord | None, row)

    async def mark_refresh_token_used(self, token_hash: str, now: datetime) -> None:
        await self.s.execute(
            sa.update(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).values(used_at=now)
        )

    async def revoke_refresh_family(self, family_id: str, now: datetime) -> None:
        await self.s.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_account_refresh_tokens(self, account_id: str, now: datetime) -> None:
        await self.s.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.account_id == account_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # ---- employers and affiliations -------------------------------------------------------------
    async def insert_employer(self, values: EmployerRecord) -> None:
        await self.s.execute(sa.insert(employers).values(**values))

    async def employer(self, employer_id: str) -> EmployerRecord | None:
        row = await self._one(sa.select(employers).where(employers.c.id == employer_id))
        return cast(EmployerRecord | None, row)

    async def employer_by_code(self, credit_code: str, *, for_update: bool = False) -> EmployerRecord | None:
        q = sa.select(employers).where(employers.c.credit_code == credit_code)
        if for_update:
            q = q.with_for_update()
        return cast(EmployerRecord | None, await self._one(q))

    async def list_employers(
        self, verified: bool | None, limit: int, offset: int
    ) -> tuple[list[EmployerRecord], int]:
        q = sa.select(employers)
        if verified is not None:
            q = q.where(
                employers.c.verified_at.is_not(None) if verified else employers.c.verified_at.is_(None)
            )
        total = await self._count(q)
        rows = await self._all(
            q.order_by(employers.c.registered_at, employers.c.id).limit(limit).offset(offset)
        )
        return cast(list[EmployerRecord], rows), total

    async def set_employer_verified(self, employer_id: str, at: datetime, by: str) -> None:
        await self.s.execute(
            sa.update(employers).where(employers.c.id == employer_id).values(verified_at=at, verified_by=by)
        )

    async def employer_admins(self, employer_id: str) -> list[AccountView]:
        rows = await self._all(
            self._account_query()
            .where(accounts.c.employer_id == employer_id)
            .order_by(accounts.c.created_at, accounts.c.id)
        )
        return cast(list[AccountView], rows)

    async def detach_employer_admins(self, employer_id: str) -> None:
        """The employer's administrator accounts lose it and are disabled (a reassignment)."""
        await self.s.execute(
            sa.update(accounts)
            .where(accounts.c.employer_id == employer_id)
            .values(employer_id=None, status="disabled")
        )

    async def insert_employer_audit(self, values: EmployerAuditRecord) -> None:
        await self.s.execute(sa.insert(employer_audit).values(**values))

    async def employer_audit(self, employer_id: str) -> list[EmployerAuditRecord]:
        rows = await self._all(
            sa.select(employer_audit)
            .where(employer_audit.c.employer_id == employer_id)
            .order_by(employer_audit.c.at, employer_audit.c.id)
        )
        return cast(list[EmployerAuditRecord], rows)

    def _affiliation_query(self) -> sa.Select[Any]:
        return sa.select(
            affiliations,
            accounts.c.name.label("applicant_name"),
            employers.c.name.label("employer_name"),
            employers.c.credit_code.label("employer_credit_code"),
        ).select_from(
            affiliations.join(accounts, accounts.c.id == affiliations.c.applicant_id).join(
                employers, employers.c.id == affiliations.c.employer_id
            )
        )

    async def insert_affiliation(self, values: AffiliationRecord) -> None:
        await self.s.execute(sa.insert(affiliations).values(**values))

    async def affiliation(self, affiliation_id: str, *, for_update: bool = False) -> AffiliationView | None:
        q = self._affiliation_query().where(affiliations.c.id == affiliation_id)
        if for_update:
            q = q.with_for_update(of=affiliations)
        return cast(AffiliationView | None, await self._one(q))

    async def live_affiliation(self, applicant_id: str) -> AffiliationView | None:
        row = await self._one(
            self._affiliation_query().where(
                affiliations.c.applicant_id == applicant_id, affiliations.c.status != "ended"
            )
        )
        return cast(AffiliationView | None, row)

    async def update_affiliation(self, affiliation_id: str, **values: Unpack[AffiliationChanges]) -> None:
        await self.s.execute(
            sa.update(affiliations).where(affiliations.c.id == affiliation_id).values(**values)
        )

    async def list_affiliations(
        self,
        *,
        applicant_id: str | None,
        employer_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[AffiliationView], int]:
        q = self._affiliation_query()
        if applicant_id:
            q = q.where(affiliations.c.applicant_id == applicant_id)
        if employer_id:
            q = q.where(affiliations.c.employer_id == employer_id)
        if status:
            q = q.where(affiliations.c.status == status)
        total = await self._count(q)
        rows = await self._all(
            q.order_by(affiliations.c.created_at.desc(), affiliations.c.id).limit(limit).offset(offset)
        )
        return cast(list[AffiliationView], rows), total

    # ---- rounds -----------------------------------------------------------------------------------
    async def insert_round(self, values: NewRound) -> None:
        await self.s.execute(sa.insert(rounds).values(**values))

    async def round(self, round_id: str, *, for_update: bool = False) -> RoundRecord | None:
        q = sa.select(rounds).where(rounds.c.id == round_id)
        if for_update:
            q = q.with_for_update()
        return cast(RoundRecord | None, await self._one(q))

    async def round_exists(self, program: str, year: int) -> bool:
        return bool(
            await self.s.scalar(
                sa.select(sa.exists().where(rounds.c.program == program, rounds.c.year == year))
            )
        )

    async def list_rounds(
        self, *, program: str | None, year: int | None, limit: int, offset: int
    ) -> tuple[list[RoundRecord], int]:
        q = sa.select(rounds)
        if program:
            q = q.where(rounds.c.program == program)
        if year:
            q = q.where(rounds.c.year == year)
        total = await self._count(q)
        rows = await self._all(q.order_by(rounds.c.year.desc(), rounds.c.id).limit(limit).offset(offset))
        return cast(list[RoundRecord], rows), total

    async def all_rounds(self) -> list[RoundRecord]:
        return cast(list[RoundRecord], await self._all(sa.select(rounds)))

    async def rounds_with_unannounced_boundaries(self) -> list[tuple[str, int]]:
        """Rounds whose closing has not been announced yet, with the last boundary announced (the job
        checks their dates)."""
        q = sa.select(rounds.c.id, rounds.c.announced_index).where(
            rounds.c.announced_index < sa.func.jsonb_array_length(rounds.c.phases)
        )
        return [(r.id, r.announced_index) for r in (await self.s.execute(q)).all()]

    async def set_announced(self, round_id: str, index: int, now: datetime) -> None:
        await self.s.execute(
            sa.update(rounds).where(rounds.c.id == round_id).values(announced_index=index, announced_at=now)
        )

    async def update_round(self, round_id: str, **values: Unpack[RoundChanges]) -> None:
        await self.s.execute(sa.update(rounds).where(rounds.c.id == round_id).values(**values))

    async def insert_round_event(self, values: NewRoundEvent) -> bool:
        r = await self.s.execute(
            pg_insert(round_events).values(**values).on_conflict_do_nothing().returning(round_events.c.id)
        )
        return r.scalar() is not None

    async def round_events(self, round_id: str) -> list[RoundEventRecord]:
        rows = await self._all(
            sa.select(round_events).where(round_events.c.round_id == round_id).order_by(round_events.c.at)
        )
        return cast(list[RoundEventRecord], rows)

    # ---- applications -----------------------------------------------------------------------------
    def _application_query(self) -> sa.Select[Any]:
        return sa.select(
            applications,
            employers.c.name.label("employer_name"),
            employers.c.credit_code.label("employer_credit_code"),
            rounds.c.program.label("program"),
        ).select_from(
            applications.join(employers, employers.c.id == applications.c.employer_id).join(
                rounds, rounds.c.id == applications.c.round_id
            )
        )

    async def insert_application(self, values: NewApplication) -> None:
        await self.s.execute(sa.insert(applications).values(**values))

    async def application(self, application_id: str, *, for_update: bool = False) -> ApplicationView | None:
        q = self._application_query().where(applications.c.id == application_id)
        if for_update:
            q = q.with_for_update(of=applications)
        return cast(ApplicationView | None, await self._one(q))

    async def application_of(self, round_id: str, applicant_id: str) -> str | None:
        """The id of the applicant's application in the round, if any."""
        found: str | None = await self.s.scalar(
            sa.select(applications.c.id).where(
                applications.c.round_id == round_id, applications.c.applicant_id == applicant_id
            )
        )
        return found

    async def application_of_person(self, round_id: str, id_digest: str) -> str | None:
        """The id of the application of the person (by ID-number digest) in the round, if any."""
        found: str | None = await self.s.scalar(
            sa.select(applications.c.id).where(
                applications.c.round_id == round_id, applications.c.id_digest == id_digest
            )
        )
        return found

    async def update_application(self, application_id: str, **values: Unpack[ApplicationChanges]) -> None:
        await self.s.execute(
            sa.update(applications).where(applications.c.id == application_id).values(**values)
        )

    async def list_applications(
        self,
        *,
        applicant_id: str | None = None,
        employer_id: str | None = None,
        round_ids: Sequence[str] | None = None,
        status: str | None = None,
        declaration_status: str | None = None,
        employer_credit_code: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[list[ApplicationView], int]:
        q = self._application_query()
        if applicant_id:
            q = q.where(applications.c.applicant_id == applicant_id)
        if employer_id:
            q = q.where(applications.c.employer_id == employer_id)
        if round_ids is not None:
            q = q.where(applications.c.round_id.in_(list(round_ids)))
        if status:
            q = q.where(applications.c.status == status)
        if declaration_status:
            q = q.where(applications.c.declaration_status == declaration_status)
        if employer_credit_code:
            q = q.where(employers.c.credit_code == employer_credit_code)
        total = await self._count(q)
        rows = await self._all(
            q.order_by(applications.c.created_at.desc(), applications.c.id).limit(limit).offset(offset)
        )
        return cast(list[ApplicationView], rows), total

    async def add_timeline(
        self,
        application_id: str,
        *,
        at: datetime,
        kind: str,
        data: dict[str, Any],
        revision: int | None = None,
        event_id: uuid.UUID | None = None,
    ) -> bool:
        return await self._append_timeline(
            timeline,
            {"application_id": application_id},
            at=at,
            kind=kind,
            data=data,
            revision=revision,
            event_id=event_id,
        )

    async def timeline(self, application_id: str) -> list[TimelineRecord]:
        rows = await self._all(
            sa.select(timeline)
            .where(timeline.c.application_id == application_id)
            .order_by(timeline.c.at, timeline.c.id)
        )
        return cast(list[TimelineRecord], rows)

    # ---- materials --------------------------------------------------------------------------------
    async def insert_material(self, values: MaterialRecord) -> bool:
        r = await self.s.execute(
            pg_insert(materials).values(**values).on_conflict_do_nothing().returning(materials.c.id)
        )
        return r.scalar() is not None

    async def material_by_digest(self, application_id: str, sha256: str) -> MaterialRecord | None:
        row = await self._one(
            sa.select(materials).where(
                materials.c.application_id == application_id, materials.c.sha256 == sha256
            )
        )
        return cast(MaterialRecord | None, row)

    async def material(self, application_id: str, material_id: str) -> MaterialRecord | None:
        row = await self._one(
            sa.select(materials).where(
                materials.c.application_id == application_id, materials.c.id == material_id
            )
        )
        return cast(MaterialRecord | None, row)

    async def materials_of(self, application_id: str) -> list[MaterialRecord]:
        rows = await self._all(
            sa.select(materials)
            .where(materials.c.application_id == application_id)
            .order_by(materials.c.uploaded_at, materials.c.id)
        )
        return cast(list[MaterialRecord], rows)

    async def delete_material(self, material_id: str) -> None:
        await self.s.execute(sa.delete(materials).where(materials.c.id == material_id))

    # ---- bad-conduct records ----------------------------------------------------------------------
    async def upsert_conduct_record(self, values: ConductRecord) -> None:
        stmt = pg_insert(conduct_records).values(**values)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[conduct_records.c.record_id],
                set_={k: stmt.excluded[k] for k in values if k != "record_id"},
            )
        )

    async def live_conduct_records(
        self, *, person_digest: str, credit_code: str, day: date
    ) -> list[ConductRecord]:
        """The bad-conduct records in force on ``day`` of the person or of the employer, in one query (the
        declaring and submitting paths check both), the longest-lasting first."""
        rows = await self._all(
            sa.select(conduct_records)
            .where(
                sa.or_(
                    conduct_records.c.person_id_digest == person_digest,
                    conduct_records.c.employer_credit_code == credit_code,
                ),
                conduct_records.c.valid_from <= day,
                conduct_records.c.valid_until >= day,
            )
            .order_by(conduct_records.c.valid_until.desc())
        )
        return cast(list[ConductRecord], rows)

    # ---- idempotency ------------------------------------------------------------------------------
    async def idempotent_response(self, account_id: str, key: str) -> IdempotencyRecord | None:
        row = await self._one(
            sa.select(idempotency_keys).where(
                idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key
            )
        )
        return cast(IdempotencyRecord | None, row)

    async def save_idempotent_response(
        self, account_id: str, key: str, operation: str, response: dict[str, Any], now: datetime
    ) -> None:
        await self.s.execute(
            sa.insert(idempotency_keys).values(
                account_id=account_id, key=key, operation=operation, response=response, created_at=now
            )
        )
