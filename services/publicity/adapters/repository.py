"""All SQL of the publicity service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.publicity.adapters.graduate_sql import GraduateSql
from services.publicity.adapters.records import (
    AttachmentMetaRecord,
    AttachmentRecord,
    Closing,
    EntryRecord,
    IdentityAccessRecord,
    NewAttachment,
    NewIdentityAccess,
    NewObjection,
    ObjectionActionRecord,
    ObjectionDecision,
    ObjectionRecord,
    ObjectionSummary,
    Opening,
    OutboxRow,
    PublicEntryRow,
    PublicityRecord,
    RankedRecord,
    RankingRecord,
    RoundRecord,
    ScheduledPublicity,
    ScoreRecord,
    StaffEntryRow,
    SubmissionRecord,
    record,
)
from services.publicity.adapters.staff_sql import StaffSql
from services.publicity.adapters.tables import (
    attachments,
    entries,
    identity_access_log,
    objection_actions,
    objections,
    publicities,
    ranked,
    rankings,
    rate_buckets,
    rounds,
    scores,
    submissions,
)
from services.publicity.domain.ratelimit import Bucket, BucketPolicy, Decision, take
from services.publicity.domain.readiness import Readiness
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.messaging.outbox import outbox_t
from shared.readmodels import apply_round_phase

ROUND_WIDE = ""  # the scope of a publicity covering a whole round (points)


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PublicityRepository(GraduateSql, StaffSql):
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # ---- staging from events -----------------------------------------------------------------
    async def apply_round_phase(
        self,
        data: RoundPhaseChangedV1,
        event_at: datetime,
        *,
        publicity_starts_on: date | None,
        publicity_ends_on: date | None,
    ) -> bool:
        """Keep the newest ``round.phase_changed`` of a round (by event time; an older one changes
        nothing), with the publicity phase's dates. Returns whether the row was written."""
        return await apply_round_phase(
            self.s,
            rounds,
            data,
            event_at,
            publicity_starts_on=publicity_starts_on,
            publicity_ends_on=publicity_ends_on,
        )

    async def get_round(self, round_id: str) -> RoundRecord | None:
        row = (
            (await self.s.execute(sa.select(rounds).where(rounds.c.round_id == round_id))).mappings().first()
        )
        return record(RoundRecord, row) if row else None

    async def upsert_submission(self, row: SubmissionRecord) -> None:
        """Latest revision wins; an older revision arriving late changes nothing."""
        stmt = pg_insert(submissions).values(**row)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[submissions.c.application_id],
                set_={k: stmt.excluded[k] for k in row if k != "application_id"},
                where=stmt.excluded.revision >= submissions.c.revision,
            )
        )

    async def upsert_score(self, row: ScoreRecord) -> None:
        """Latest revision wins; an older revision arriving late changes nothing."""
        stmt = pg_insert(scores).values(**row)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[scores.c.application_id],
                set_={k: stmt.excluded[k] for k in row if k != "application_id"},
                where=stmt.excluded.revision >= scores.c.revision,
            )
        )

    async def insert_ranking(self, row: RankingRecord) -> str:
        """Record a round's finalized ranking; returns the ranking id on record (the first one wins)."""
        await self.s.execute(pg_insert(rankings).values(**row).on_conflict_do_nothing())
        got = await self.s.scalar(
            sa.select(rankings.c.ranking_id).where(rankings.c.round_id == row["round_id"])
        )
        return str(got)

    async def insert_ranked(self, row: RankedRecord) -> None:
        await self.s.execute(pg_insert(ranked).values(**row).on_conflict_do_nothing())

    async def publicity_of_round(self, round_id: str, scope: str = ROUND_WIDE) -> PublicityRecord | None:
        row = (
            (
                await self.s.execute(
                    sa.select(publicities).where(
                        publicities.c.round_id == round_id, publicities.c.scope == scope
                    )
                )
            )
            .mappings()
            .first()
        )
        return record(PublicityRecord, row) if row else None

    # ---- readiness and preparation -------------------------------------------------------------
    async def readiness(self, round_id: str) -> Readiness:
        rnd = await self.get_round(round_id)
        rk = (
            (await self.s.execute(sa.select(rankings).where(rankings.c.round_id == round_id)))
            .mappings()
            .first()
        )
        received = missing_sub = missing_score = 0
        if rk is not None:
            q = (
                sa.select(
                    sa.func.count(),
                    sa.func.count().filter(submissions.c.application_id.is_(None)),
                    sa.func.count().filter(scores.c.application_id.is_(None)),
                )
                .select_from(
                    ranked.outerjoin(
                        submissions, submissions.c.application_id == ranked.c.application_id
                    ).outerjoin(scores, scores.c.application_id == ranked.c.application_id)
                )
                .where(ranked.c.ranking_id == rk["ranking_id"], ranked.c.admitted)
            )
            received, missing_sub, missing_score = (await self.s.execute(q)).one()
        return Readiness(
            round_id=round_id,
            ranking_id=rk["ranking_id"] if rk else None,
            round_known=rnd is not None,
            publicity_starts_on=rnd["publicity_starts_on"] if rnd else None,
            publicity_ends_on=rnd["publicity_ends_on"] if rnd else None,
            admitted_expected=rk["admitted_count"] if rk else None,
            admitted_received=int(received),
            missing_submissions=int(missing_sub),
            missing_scores=int(missing_score),
        )

    async def lock_unprepared_rankings(self, limit: int = 20) -> list[RankingRecord]:
        """Finalized rankings whose round has no publicity yet, locked (other workers skip them)."""
        exists = sa.exists().where(
            publicities.c.round_id == rankings.c.round_id, publicities.c.scope == ROUND_WIDE
        )
        rows = await self.s.execute(
            sa.select(rankings)
            .where(~exists)
            .order_by(rankings.c.finalized_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [record(RankingRecord, r) for r in rows.mappings()]

    async def prepare_points_publicity(
        self, *, round_row: RoundRecord, ranking_row: RankingRecord, now: datetime, contact: str
    ) -> int:
        """Create the round's publicity (scheduled) and snapshot its entries; returns the entry count.

        Entries are numbered in rank order; inside a tie by application id (the order carries no meaning).
        """
        publicity_id = round_row["round_id"]
        await self.s.execute(
            sa.insert(publicities).values(
                publicity_id=publicity_id,
                round_id=round_row["round_id"],
                scope=ROUND_WIDE,
                program=round_row["program"],
                year=round_row["year"],
                ranking_id=ranking_row["ranking_id"],
                status="scheduled",
                entry_count=0,
                supervision_contact=contact,
                prepared_at=now,
            )
        )
        select = (
            sa.select(
                sa.literal(publicity_id),
                sa.func.row_number().over(order_by=(ranked.c.rank, ranked.c.application_id)),
                ranked.c.application_id,
                ranked.c.rank,
                submissions.c.name,
                submissions.c.birth_year_month,
                submissions.c.employer_name,
                scores.c.total,
                scores.c.indicators,
                sa.func.lower(submissions.c.name + " " + submissions.c.employer_name),
            )
            .select_from(
                ranked.join(submissions, submissions.c.application_id == ranked.c.application_id).join(
                    scores, scores.c.application_id == ranked.c.application_id
                )
            )
            .where(ranked.c.ranking_id == ranking_row["ranking_id"], ranked.c.admitted)
        )
        result = await self.s.execute(
            sa.insert(entries).from_select(
                [
                    "publicity_id",
                    "entry_no",
                    "application_id",
                    "rank",
                    "name",
                    "birth_year_month",
                    "employer_name",
                    "total",
                    "indicators",
                    "search_text",
                ],
                select,
            )
        )
        count = int(result.rowcount)  # type: ignore[attr-defined]
        await self.s.execute(
            sa.update(publicities).where(publicities.c.publicity_id == publicity_id).values(entry_count=count)
        )
        # Fresh statistics for the planner: the table just grew by a whole list in one statement.
        await self.s.execute(sa.text("ANALYZE entries"))
        return count

    async def purge_staging(self, round_id: str) -> None:
        """Data minimisation: once the list is snapshotted, the names of everyone else in the round go."""
        await self.s.execute(sa.delete(submissions).where(submissions.c.round_id == round_id))
        await self.s.execute(sa.delete(scores).where(scores.c.round_id == round_id))

    # ---- opening and closing -----------------------------------------------------------------
    async def lock_scheduled(self, limit: int = 20) -> list[ScheduledPublicity]:
        """Scheduled publicities with their round's publicity start, locked (other workers skip them)."""
        rows = await self.s.execute(
            sa.select(publicities, rounds.c.publicity_starts_on)
            .select_from(publicities.outerjoin(rounds, rounds.c.round_id == publicities.c.round_id))
            .where(publicities.c.status == "scheduled")
            .order_by(publicities.c.prepared_at)
            .limit(limit)
            .with_for_update(of=publicities, skip_locked=True)
        )
        return [record(ScheduledPublicity, r) for r in rows.mappings()]

    async def mark_open(self, publicity_id: str, values: Opening) -> bool:
        res = await self.s.execute(
            sa.update(publicities)
            .where(publicities.c.publicity_id == publicity_id, publicities.c.status == "scheduled")
            .values(status="open", **values)
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def lock_due_to_close(self, now: datetime, limit: int = 5) -> list[PublicityRecord]:
        rows = await self.s.execute(
            sa.select(publicities)
            .where(publicities.c.status == "open", publicities.c.closes_at <= now)
            .order_by(publicities.c.closes_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [record(PublicityRecord, r) for r in rows.mappings()]

    async def objection_states_of(
        self, publicity_id: str
    ) -> dict[str, list[tuple[str, str | None, str | None]]]:
        """application id → [(status, disqualification reason, reason code)] of every objection against it."""
        rows = await self.s.execute(
            sa.select(
                objections.c.application_id,
                objections.c.status,
                objections.c.disqualification_reason,
                objections.c.disqualification_reason_code,
            )
            .where(objections.c.publicity_id == publicity_id)
            .order_by(objections.c.filed_at, objections.c.objection_id)
        )
        out: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for app_id, status, reason, code in rows:
            out.setdefault(app_id, []).append((status, reason, code))
        return out

    async def set_outcomes(
        self,
        publicity_id: str,
        decided: Sequence[tuple[str, str, str | None, str | None]],
        rest: str,
        at: datetime,
    ) -> None:
        """Set the outcome of the entries in ``decided`` (application id, outcome, reason, reason code);
        ``rest`` for every other entry of the publicity."""
        if decided:
            values = sa.values(
                sa.column("application_id", sa.String),
                sa.column("outcome", sa.String),
                sa.column("reason", sa.String),
                sa.column("reason_code", sa.String),
                name="d",
            ).data(list(decided))
            await self.s.execute(
                sa.update(entries)
                .where(
                    entries.c.publicity_id == publicity_id,
                    entries.c.application_id == values.c.application_id,
                )
                .values(
                    outcome=values.c.outcome,
                    outcome_reason=values.c.reason,
                    outcome_reason_code=values.c.reason_code,
                    outcome_at=at,
                )
            )
        await self.s.execute(
            sa.update(entries)
            .where(entries.c.publicity_id == publicity_id, entries.c.outcome.is_(None))
            .values(outcome=rest, outcome_reason=None, outcome_reason_code=None, outcome_at=at)
        )

    async def outcomes_of(self, publicity_id: str) -> list[tuple[str, str, str | None, str | None]]:
        """(application id, outcome, reason, reason code) of every entry, in entry order."""
        rows = await self.s.execute(
            sa.select(
                entries.c.application_id,
                entries.c.outcome,
                entries.c.outcome_reason,
                entries.c.outcome_reason_code,
            )
            .where(entries.c.publicity_id == publicity_id)
            .order_by(entries.c.entry_no)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def mark_closed(self, publicity_id: str, values: Closing) -> bool:
        res = await self.s.execute(
            sa.update(publicities)
            .where(publicities.c.publicity_id == publicity_id, publicities.c.status == "open")
            .values(status="closed", **values)
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    # ---- reading lists -------------------------------------------------------------------------
    async def get_publicity(self, publicity_id: str, *, lock: str | None = None) -> PublicityRecord | None:
        q = sa.select(publicities).where(publicities.c.publicity_id == publicity_id)
        if lock == "share":
            q = q.with_for_update(read=True)
        elif lock == "update":
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return record(PublicityRecord, row) if row else None

    async def list_publicities(
        self, statuses: Iterable[str], limit: int, offset: int
    ) -> tuple[list[PublicityRecord], int]:
        cond = publicities.c.status.in_(list(statuses))
        rows = await self.s.execute(
            sa.select(publicities)
            .where(cond)
            .order_by(publicities.c.prepared_at.desc(), publicities.c.publicity_id)
            .limit(limit)
            .offset(offset)
        )
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(publicities).where(cond))
        return [record(PublicityRecord, r) for r in rows.mappings()], int(total or 0)

    async def page_public_entries(
        self, publicity_id: str, *, q: str | None, descending: bool, limit: int, offset: int, known_total: int
    ) -> tuple[list[PublicEntryRow], int]:
        """One page of the public list (the public columns only) and the number of matching rows."""
        rows, total = await self._page_entries(
            publicity_id, q=q, descending=descending, limit=limit, offset=offset, known_total=known_total
        )
        return [record(PublicEntryRow, r) for r in rows], total

    async def page_staff_entries(
        self,
        publicity_id: str,
        *,
        q: str | None,
        outcome: str | None,
        limit: int,
        offset: int,
        known_total: int,
    ) -> tuple[list[StaffEntryRow], int]:
        """One page of the archived copy (with application ids and outcomes), in rank order."""
        rows, total = await self._page_entries(
            publicity_id,
            q=q,
            descending=False,
            limit=limit,
            offset=offset,
            outcome=outcome,
            with_private=True,
            known_total=known_total,
        )
        return [record(StaffEntryRow, r) for r in rows], total

    async def _page_entries(
        self,
        publicity_id: str,
        *,
        q: str | None,
        descending: bool,
        limit: int,
        offset: int,
        outcome: str | None = None,
        with_private: bool = False,
        known_total: int | None = None,
    ) -> tuple[list[sa.RowMapping], int]:
        """One page of a list in rank order (``entry_no`` follows rank) and the number of matching rows.

        The public columns only, unless ``with_private`` (staff: application id and outcome). ``known_total``
        is the list's entry count, used when nothing filters the rows.
        """
        cols = [
            entries.c.entry_no,
            entries.c.rank,
            entries.c.name,
            entries.c.birth_year_month,
            entries.c.employer_name,
            entries.c.total,
            entries.c.indicators,
        ]
        if with_private:
            cols += [
                entries.c.application_id,
                entries.c.outcome,
                entries.c.outcome_reason,
                entries.c.outcome_reason_code,
                entries.c.outcome_at,
                entries.c.age,
                entries.c.university,
                entries.c.education,
            ]
        conds = [entries.c.publicity_id == publicity_id]
        if q:
            # search_text is lower-cased when the list is prepared: LIKE on it is case-insensitive and
            # about 3x faster than ILIKE over a 6,000-row list.
            conds.append(entries.c.search_text.like(sa.func.lower(_like_pattern(q)), escape="\\"))
        if outcome:
            conds.append(entries.c.outcome == outcome)
        order = entries.c.entry_no.desc() if descending else entries.c.entry_no
        if not q and not outcome and known_total is not None:
            # Unfiltered, entry numbers run 1..N without gaps in rank order: a page is a primary-key range,
            # as cheap on the last page as on the first (no OFFSET scan, no sort).
            if descending:
                hi, lo = known_total - offset, known_total - offset - limit + 1
            else:
                lo, hi = offset + 1, offset + limit
            conds += [entries.c.entry_no >= lo, entries.c.entry_no <= hi]
            page = await self.s.execute(sa.select(*cols).where(*conds).order_by(order))
            return list(page.mappings()), known_total
        # Filtered: one scan for the matching entry numbers (the count is their number), then the page's
        # rows by primary key; a page never reads every row of the list twice.
        matches = list(
            (await self.s.execute(sa.select(entries.c.entry_no).where(*conds).order_by(order))).scalars()
        )
        wanted = matches[offset : offset + limit]
        if not wanted:
            return [], len(matches)
        page = await self.s.execute(
            sa.select(*cols)
            .where(entries.c.publicity_id == publicity_id, entries.c.entry_no.in_(wanted))
            .order_by(order)
        )
        return list(page.mappings()), len(matches)

    async def get_entry(
        self,
        publicity_id: str,
        *,
        entry_no: int | None = None,
        application_id: str | None = None,
        lock: bool = False,
    ) -> EntryRecord | None:
        q = sa.select(entries).where(entries.c.publicity_id == publicity_id)
        if entry_no is not None:
            q = q.where(entries.c.entry_no == entry_no)
        if application_id is not None:
            q = q.where(entries.c.application_id == application_id)
        if lock:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return record(EntryRecord, row) if row else None

    async def set_entry_outcome(
        self,
        publicity_id: str,
        application_id: str,
        outcome: str,
        reason: str | None,
        at: datetime,
        reason_code: str | None = None,
    ) -> None:
        await self.s.execute(
            sa.update(entries)
            .where(entries.c.publicity_id == publicity_id, entries.c.application_id == application_id)
            .values(outcome=outcome, outcome_reason=reason, outcome_reason_code=reason_code, outcome_at=at)
        )

    # ---- objections ------------------------------------------------------------------------------
    async def insert_objection(self, row: NewObjection) -> None:
        """The columns of a new objection (the rest are set as it is investigated)."""
        await self.s.execute(sa.insert(objections).values(**row))

    async def insert_attachments(self, rows: list[NewAttachment]) -> None:
        if rows:
            await self.s.execute(sa.insert(attachments), rows)

    async def add_action(
        self, objection_id: str, action: str, actor: str, note: str | None, at: datetime
    ) -> None:
        await self.s.execute(
            sa.insert(objection_actions).values(
                objection_id=objection_id, action=action, actor=actor, note=note, at=at
            )
        )

    async def get_objection(self, objection_id: str, *, lock: bool = False) -> ObjectionRecord | None:
        """An objection with its sealed reporter identity (only the unsealing use case needs it)."""
        q = sa.select(objections).where(objections.c.objection_id == objection_id)
        if lock:
            q = q.with_for_update()
        row = (await self.s.execute(q)).mappings().first()
        return record(ObjectionRecord, row) if row else None

    async def get_objection_summary(self, objection_id: str) -> ObjectionSummary | None:
        """An objection without the sealed reporter identity."""
        cols = [c for c in objections.c if c.name != "reporter_identity"]
        q = sa.select(*cols).where(objections.c.objection_id == objection_id)
        row = (await self.s.execute(q)).mappings().first()
        return record(ObjectionSummary, row) if row else None

    async def set_assigned(self, objection_id: str, investigator: str, at: datetime) -> None:
        await self.s.execute(
            sa.update(objections)
            .where(objections.c.objection_id == objection_id)
            .values(status="assigned", assigned_to=investigator, assigned_at=at)
        )

    async def set_decided(self, objection_id: str, values: ObjectionDecision) -> None:
        await self.s.execute(
            sa.update(objections).where(objections.c.objection_id == objection_id).values(**values)
        )

    async def list_objections(
        self, publicity_id: str, *, status: str | None, entry_no: int | None, limit: int, offset: int
    ) -> tuple[list[ObjectionSummary], int]:
        conds = [objections.c.publicity_id == publicity_id]
        if status:
            conds.append(objections.c.status == status)
        if entry_no is not None:
            conds.append(objections.c.entry_no == entry_no)
        cols = [c for c in objections.c if c.name != "reporter_identity"]
        rows = await self.s.execute(
            sa.select(*cols)
            .where(*conds)
            .order_by(objections.c.filed_at, objections.c.objection_id)
            .limit(limit)
            .offset(offset)
        )
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(objections).where(*conds))
        return [record(ObjectionSummary, r) for r in rows.mappings()], int(total or 0)

    async def objection_counts(self, publicity_id: str) -> dict[str, int]:
        rows = await self.s.execute(
            sa.select(objections.c.status, sa.func.count())
            .where(objections.c.publicity_id == publicity_id)
            .group_by(objections.c.status)
        )
        return {str(s): int(n) for s, n in rows}

    async def states_of_entry(
        self, publicity_id: str, application_id: str
    ) -> list[tuple[str, str | None, str | None]]:
        """(status, disqualification reason, reason code) of every objection against one entry."""
        rows = await self.s.execute(
            sa.select(
                objections.c.status,
                objections.c.disqualification_reason,
                objections.c.disqualification_reason_code,
            )
            .where(objections.c.publicity_id == publicity_id, objections.c.application_id == application_id)
            .order_by(objections.c.filed_at, objections.c.objection_id)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def actions_of(self, objection_id: str) -> list[ObjectionActionRecord]:
        rows = await self.s.execute(
            sa.select(objection_actions)
            .where(objection_actions.c.objection_id == objection_id)
            .order_by(objection_actions.c.id)
        )
        return [record(ObjectionActionRecord, r) for r in rows.mappings()]

    async def attachments_of(self, objection_id: str) -> list[AttachmentMetaRecord]:
        cols = [c for c in attachments.c if c.name != "content"]
        rows = await self.s.execute(
            sa.select(*cols).where(attachments.c.objection_id == objection_id).order_by(attachments.c.id)
        )
        return [record(AttachmentMetaRecord, r) for r in rows.mappings()]

    async def attachment(self, objection_id: str, attachment_id: int) -> AttachmentRecord | None:
        row = (
            (
                await self.s.execute(
                    sa.select(attachments).where(
                        attachments.c.objection_id == objection_id, attachments.c.id == attachment_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return record(AttachmentRecord, row) if row else None

    async def log_identity_access(self, row: NewIdentityAccess) -> int:
        got = await self.s.scalar(
            sa.insert(identity_access_log).values(**row).returning(identity_access_log.c.id)
        )
        return int(got or 0)

    async def identity_access_log_of(self, objection_id: str) -> list[IdentityAccessRecord]:
        rows = await self.s.execute(
            sa.select(identity_access_log)
            .where(identity_access_log.c.objection_id == objection_id)
            .order_by(identity_access_log.c.id)
        )
        return [record(IdentityAccessRecord, r) for r in rows.mappings()]

    async def add_outbox_rows(self, rows: list[OutboxRow]) -> None:
        """Outbox rows built by ``handlers.closing.emit_many`` (the shared outbox table), in one statement."""
        for k in range(0, len(rows), 1000):
            await self.s.execute(sa.insert(outbox_t), rows[k : k + 1000])

    # ---- rate limit ------------------------------------------------------------------------------
    async def take_token(self, key: str, policy: BucketPolicy, now: datetime) -> Decision:
        """One token from ``key``'s bucket, atomically (the row is locked for the transaction)."""
        row = (
            await self.s.execute(sa.select(rate_buckets).where(rate_buckets.c.key == key).with_for_update())
        ).first()
        bucket = Bucket(row.tokens, row.updated_at) if row else None
        decision = take(policy, bucket, now)
        stmt = pg_insert(rate_buckets).values(
            key=key, tokens=decision.bucket.tokens, updated_at=decision.bucket.updated_at
        )
        if row is None:
            # A concurrent first request for the same key: the later one takes a token from the earlier.
            stmt = stmt.on_conflict_do_update(
                index_elements=[rate_buckets.c.key],
                set_={"tokens": sa.func.greatest(rate_buckets.c.tokens - 1.0, 0.0), "updated_at": now},
            )
            await self.s.execute(stmt)
        else:
            await self.s.execute(
                sa.update(rate_buckets)
                .where(rate_buckets.c.key == key)
                .values(tokens=decision.bucket.tokens, updated_at=decision.bucket.updated_at)
            )
        return decision

    async def purge_rate_buckets(self, before: datetime) -> int:
        res = await self.s.execute(sa.delete(rate_buckets).where(rate_buckets.c.updated_at < before))
        return int(res.rowcount)  # type: ignore[attr-defined]
