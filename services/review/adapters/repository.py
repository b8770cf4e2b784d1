"""All SQL of the review service: :class:`Repository` on the caller's session (its transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.review.adapters.graduate_repository import GraduateQueries
from services.review.adapters.paging import Page as Page
from services.review.adapters.paging import typed
from services.review.adapters.records import (
    ApplicationChanges,
    ApplicationRecord,
    CheckRecord,
    FactsRevisionRecord,
    ItemResultRecord,
    NewApplication,
    NewCheck,
    NewReviewRequest,
    NewSubmission,
    OnsiteDecisionChanges,
    OnsiteTaskRecord,
    ReviewRequestRecord,
    RoundRecord,
    SubmissionChanges,
    SubmissionRecord,
    VerifiedFactsRecord,
)
from services.review.adapters.tables import (
    applications,
    department_checks,
    department_submissions,
    item_results,
    onsite_tasks,
    review_requests,
    rounds,
    verified_facts,
)
from services.review.domain.model import (
    TOPIC_ITEM,
    ItemResult,
    OnsiteDecision,
    OnsiteDecisionKind,
    OnsiteNeed,
    Override,
)
from shared.events.contracts.intake import RoundPhaseChangedV1
from shared.readmodels import apply_round_phase

R = TypeVar("R")
#: A decided task's ``decision`` column as the domain's literal (the table's check keeps it one of them).
_DECISIONS: dict[str, OnsiteDecisionKind] = {
    "confirmed": "confirmed",
    "rejected": "rejected",
    "corrected": "corrected",
}


_typed = typed


class Repository(GraduateQueries):
    """All SQL of the service; the graduate programme's queries come from :class:`GraduateQueries`."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def _one(self, q: Any, kind: type[R]) -> R | None:
        row = (await self.s.execute(q)).mappings().first()
        return _typed(row, kind) if row is not None else None

    async def _all(self, q: Any, kind: type[R]) -> list[R]:
        return [_typed(r, kind) for r in (await self.s.execute(q)).mappings().all()]

    async def _page(self, q: Any, limit: int, offset: int, kind: type[R]) -> Page[R]:
        total = await self.s.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())) or 0
        return Page(await self._all(q.limit(limit).offset(offset), kind), int(total))

    # ---- rounds -----------------------------------------------------------------------------

    async def apply_round_phase(self, data: RoundPhaseChangedV1, event_at: datetime, now: datetime) -> bool:
        """Keep the newest ``round.phase_changed`` (by event time); False when a newer one is stored."""
        return await apply_round_phase(
            self.s, rounds, data, event_at, policy_version=data.policy_version, updated_at=now
        )

    async def get_round(self, round_id: str) -> RoundRecord | None:
        return await self._one(sa.select(rounds).where(rounds.c.round_id == round_id), RoundRecord)

    async def list_rounds(self, limit: int, offset: int) -> Page[RoundRecord]:
        q = sa.select(rounds).order_by(rounds.c.year.desc(), rounds.c.round_id)
        return await self._page(q, limit, offset, RoundRecord)

    # ---- applications -----------------------------------------------------------------------

    async def get_application(
        self, application_id: str, *, for_update: bool = False
    ) -> ApplicationRecord | None:
        q = sa.select(applications).where(applications.c.application_id == application_id)
        if for_update:
            q = q.with_for_update()
        return await self._one(q, ApplicationRecord)

    async def upsert_application(self, values: NewApplication) -> None:
        stmt = pg_insert(applications).values(**values)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[applications.c.application_id],
                set_={k: stmt.excluded[k] for k in values if k not in ("application_id", "facts_revision")},
            )
        )

    async def update_application(self, application_id: str, values: ApplicationChanges) -> None:
        await self.s.execute(
            sa.update(applications).where(applications.c.application_id == application_id).values(**values)
        )

    async def claim_due(
        self, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
    ) -> list[ApplicationRecord]:
        """Claim up to ``limit`` applications due for verification; a claim is a lease, not a held lock.

        ``FOR UPDATE SKIP LOCKED`` keeps two workers from claiming the same rows at the same moment; the
        lease (``claimed_until``) keeps them apart while the department calls run outside any transaction.
        """
        due = (
            sa.select(applications.c.application_id)
            .where(
                applications.c.status.in_(("pending", "pending_department")),
                applications.c.next_attempt_at <= now,
                sa.or_(applications.c.claimed_until.is_(None), applications.c.claimed_until < now),
            )
            .order_by(applications.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self.s.scalars(due)).all())
        if not ids:
            return []
        await self.s.execute(
            sa.update(applications)
            .where(applications.c.application_id.in_(ids))
            .values(claim_token=token, claimed_until=lease_until, attempts=applications.c.attempts + 1)
        )
        q = sa.select(applications).where(applications.c.application_id.in_(ids))
        return await self._all(q, ApplicationRecord)

    @staticmethod
    def _application_filters(
        status: str | None, round_id: str | None, department: str | None
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if status:
            where.append(applications.c.status == status)
        if round_id:
            where.append(applications.c.round_id == round_id)
        if department:
            where.append(applications.c.waiting_departments.contains([department]))
        return where

    async def list_applications(
        self, *, status: str | None, round_id: str | None, department: str | None, limit: int, offset: int
    ) -> Page[ApplicationRecord]:
        q = (
            sa.select(applications)
            .where(*self._application_filters(status, round_id, department))
            .order_by(applications.c.submitted_at, applications.c.application_id)
        )
        return await self._page(q, limit, offset, ApplicationRecord)

    async def release_claims(self, token: uuid.UUID) -> int:
        """Give back the applications claimed under ``token`` (a worker stopping before it finished)."""
        result = await self.s.execute(
            sa.update(applications)
            .where(applications.c.claim_token == token)
            .values(claim_token=None, claimed_until=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def retry_waiting(
        self,
        *,
        now: datetime,
        round_id: str | None,
        department: str | None,
        application_id: str | None = None,
    ) -> int:
        """Make waiting applications due now (the job picks them up at its next poll)."""
        where = self._application_filters("pending_department", round_id, department)
        if application_id:
            where.append(applications.c.application_id == application_id)
        result = await self.s.execute(
            sa.update(applications).where(*where).values(next_attempt_at=now, updated_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # ---- department evidence and data -------------------------------------------------------

    async def insert_check(self, values: NewCheck) -> None:
        await self.s.execute(sa.insert(department_checks).values(**values))

    async def insert_checks(self, rows: Sequence[NewCheck]) -> None:
        if rows:
            await self.s.execute(sa.insert(department_checks), list(rows))

    async def departments_answered(self, revisions: Sequence[tuple[str, int]]) -> set[tuple[str, str]]:
        """(application, department) of every department that has answered for the given
        (application, declaration revision) pairs."""
        if not revisions:
            return set()
        c = department_checks.c
        q = (
            sa.select(c.application_id, c.department)
            .where(
                sa.tuple_(c.application_id, c.declaration_revision).in_(list(revisions)),
                c.outcome.in_(("answered", "not_found")),
            )
            .distinct()
        )
        return {(r[0], r[1]) for r in (await self.s.execute(q)).all()}

    async def department_data(self, application_id: str, declaration_revision: int) -> dict[str, Any]:
        """The latest answer of each department that has answered for this declaration revision."""
        c = department_checks.c
        q = (
            sa.select(c.department, c.data)
            .where(
                c.application_id == application_id,
                c.declaration_revision == declaration_revision,
                c.outcome.in_(("answered", "not_found")),
            )
            .ext(distinct_on(c.department))
            .order_by(c.department, c.id.desc())
        )
        return {r["department"]: r["data"] for r in (await self.s.execute(q)).mappings().all()}

    async def list_checks(self, application_id: str, limit: int, offset: int) -> Page[CheckRecord]:
        q = (
            sa.select(department_checks)
            .where(department_checks.c.application_id == application_id)
            .order_by(department_checks.c.id.desc())
        )
        return await self._page(q, limit, offset, CheckRecord)

    # ---- item results and verified facts ----------------------------------------------------

    async def save_item_results(
        self, application_id: str, declaration_revision: int, items: Iterable[ItemResult], now: datetime
    ) -> None:
        rows = [
            {
                "application_id": application_id,
                "item": r.item,
                "declaration_revision": declaration_revision,
                "status": r.status,
                "note": (r.note or None) and r.note[:500],
                "updated_at": now,
            }
            for r in items
        ]
        if not rows:
            return
        # Parameters as a list (executemany), not a multi-row VALUES: the statement compiles once.
        stmt = pg_insert(item_results)
        await self.s.execute(
            stmt.on_conflict_do_update(
                index_elements=[item_results.c.application_id, item_results.c.item],
                set_={k: stmt.excluded[k] for k in ("declaration_revision", "status", "note", "updated_at")},
            ),
            rows,
        )

    async def item_results_of(self, application_id: str) -> list[ItemResultRecord]:
        q = sa.select(item_results).where(item_results.c.application_id == application_id)
        return await self._all(q, ItemResultRecord)

    async def latest_verified(
        self, application_id: str, declaration_revision: int | None = None
    ) -> VerifiedFactsRecord | None:
        q = sa.select(verified_facts).where(verified_facts.c.application_id == application_id)
        if declaration_revision is not None:
            q = q.where(verified_facts.c.declaration_revision == declaration_revision)
        return await self._one(
            q.order_by(verified_facts.c.facts_revision.desc()).limit(1), VerifiedFactsRecord
        )

    async def insert_verified(self, values: VerifiedFactsRecord) -> None:
        await self.s.execute(sa.insert(verified_facts).values(**values))

    async def verified_history(self, application_id: str) -> list[FactsRevisionRecord]:
        q = (
            sa.select(
                verified_facts.c.facts_revision,
                verified_facts.c.declaration_revision,
                verified_facts.c.trigger,
                verified_facts.c.event_id,
                verified_facts.c.created_at,
            )
            .where(verified_facts.c.application_id == application_id)
            .order_by(verified_facts.c.facts_revision)
        )
        return await self._all(q, FactsRevisionRecord)

    # ---- on-site review ---------------------------------------------------------------------

    async def create_tasks(self, app: ApplicationRecord, needs: Sequence[OnsiteNeed], now: datetime) -> int:
        """Open a task for each need that has none yet (for this declaration revision).

        A topic declared exactly as in an earlier revision, where staff already decided it, takes that
        decision over (a resubmission that changes the tax record does not send the diplomas back on
        site). Returns how many decisions were carried over.
        """
        carried = 0
        for n in needs:
            row: dict[str, Any] = {
                "application_id": app["application_id"],
                "declaration_revision": app["declaration_revision"],
                "round_id": app["round_id"],
                "topic": n.topic,
                "item": TOPIC_ITEM[n.topic],
                "reason": n.reason[:500],
                "declared": n.declared,
                "registry_hint": n.registry_hint,
                "status": "open",
                "created_at": now,
            }
            earlier = await self._one(
                sa.select(onsite_tasks)
                .where(
                    onsite_tasks.c.application_id == app["application_id"],
                    onsite_tasks.c.declaration_revision < app["declaration_revision"],
                    onsite_tasks.c.topic == n.topic,
                    onsite_tasks.c.status == "decided",
                    onsite_tasks.c.declared == sa.cast(sa.literal(n.declared, JSONB), JSONB),
                )
                .order_by(onsite_tasks.c.declaration_revision.desc())
                .limit(1),
                OnsiteTaskRecord,
            )
            if earlier is not None:
                note = (
                    f"carried over from declaration revision {earlier['declaration_revision']}: "
                    f"{earlier['note']}"
                )
                row.update(
                    decision=earlier["decision"],
                    value=earlier["value"],
                    reviewer=earlier["reviewer"],
                    decided_by=earlier["decided_by"],
                    decided_at=earlier["decided_at"],
                    status="decided",
                    note=note[:1000],
                )
            inserted = await self.s.scalar(
                pg_insert(onsite_tasks).values(row).on_conflict_do_nothing().returning(onsite_tasks.c.id)
            )
            carried += int(inserted is not None and earlier is not None)
        return carried

    async def supersede_tasks(self, application_id: str, below_revision: int) -> None:
        await self.s.execute(
            sa.update(onsite_tasks)
            .where(
                onsite_tasks.c.application_id == application_id,
                onsite_tasks.c.declaration_revision < below_revision,
                onsite_tasks.c.status == "open",
            )
            .values(status="superseded")
        )

    async def onsite_decisions(
        self, application_id: str, declaration_revision: int
    ) -> dict[str, OnsiteDecision]:
        q = sa.select(onsite_tasks).where(
            onsite_tasks.c.application_id == application_id,
            onsite_tasks.c.declaration_revision == declaration_revision,
            onsite_tasks.c.status == "decided",
        )
        return {
            r["topic"]: OnsiteDecision(r["topic"], _DECISIONS[r["decision"] or ""], r["value"], r["reviewer"])
            for r in await self._all(q, OnsiteTaskRecord)
        }

    async def get_task(self, task_id: int, *, for_update: bool = False) -> OnsiteTaskRecord | None:
        q = sa.select(onsite_tasks).where(onsite_tasks.c.id == task_id)
        return await self._one(q.with_for_update() if for_update else q, OnsiteTaskRecord)

    async def decide_task(self, task_id: int, values: OnsiteDecisionChanges) -> None:
        await self.s.execute(sa.update(onsite_tasks).where(onsite_tasks.c.id == task_id).values(**values))

    async def list_tasks(
        self,
        *,
        status: str | None,
        round_id: str | None,
        topic: str | None,
        application_id: str | None,
        limit: int,
        offset: int,
    ) -> Page[OnsiteTaskRecord]:
        where = []
        if status:
            where.append(onsite_tasks.c.status == status)
        if round_id:
            where.append(onsite_tasks.c.round_id == round_id)
        if topic:
            where.append(onsite_tasks.c.topic == topic)
        if application_id:
            where.append(onsite_tasks.c.application_id == application_id)
        q = sa.select(onsite_tasks).where(*where).order_by(onsite_tasks.c.id)
        return await self._page(q, limit, offset, OnsiteTaskRecord)

    # ---- rechecks and appeals ---------------------------------------------------------------

    async def insert_request(self, values: NewReviewRequest) -> ReviewRequestRecord | None:
        """The new request, or ``None`` when one of this kind and item already exists (once only)."""
        row_id = await self.s.scalar(
            pg_insert(review_requests)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(review_requests.c.id)
        )
        return None if row_id is None else await self.get_request(row_id)

    async def get_request(self, request_id: int, *, for_update: bool = False) -> ReviewRequestRecord | None:
        q = sa.select(review_requests).where(review_requests.c.id == request_id)
        return await self._one(q.with_for_update() if for_update else q, ReviewRequestRecord)

    async def decide_request(
        self,
        request_id: int,
        *,
        outcome: str,
        value: Any,
        reviewer: str,
        note: str,
        decided_by: str,
        decided_at: datetime,
    ) -> None:
        await self.s.execute(
            sa.update(review_requests)
            .where(review_requests.c.id == request_id)
            .values(
                status="decided",
                outcome=outcome,
                value=value,
                reviewer=reviewer,
                note=note,
                decided_by=decided_by,
                decided_at=decided_at,
            )
        )

    async def set_request_facts_revision(self, request_id: int, facts_revision: int) -> None:
        await self.s.execute(
            sa.update(review_requests)
            .where(review_requests.c.id == request_id)
            .values(facts_revision=facts_revision)
        )

    async def list_requests(
        self,
        *,
        status: str | None,
        kind: str | None,
        round_id: str | None,
        application_id: str | None,
        limit: int,
        offset: int,
        applicant_id: str | None = None,
    ) -> Page[ReviewRequestRecord]:
        """Requests, oldest first; ``applicant_id``: only those of that applicant's applications."""
        where: list[sa.ColumnElement[bool]] = []
        if applicant_id:
            where.append(
                review_requests.c.application_id.in_(
                    sa.select(applications.c.application_id).where(
                        applications.c.applicant_id == applicant_id
                    )
                )
            )
        if status:
            where.append(review_requests.c.status == status)
        if kind:
            where.append(review_requests.c.kind == kind)
        if round_id:
            where.append(review_requests.c.round_id == round_id)
        if application_id:
            where.append(review_requests.c.application_id == application_id)
        q = sa.select(review_requests).where(*where).order_by(review_requests.c.id)
        return await self._page(q, limit, offset, ReviewRequestRecord)

    async def overrides(self, application_id: str) -> dict[str, Override]:
        """Decided requests that changed a result, the latest per item (an appeal after a recheck wins).

        They hold across resubmissions: the bureau's decision on the evidence stands when the applicant
        edits something else (rechecks happen in the declaration phase, when editing is still open)."""
        q = (
            sa.select(review_requests)
            .where(
                review_requests.c.application_id == application_id,
                review_requests.c.outcome == "changed",
            )
            .order_by(review_requests.c.decided_at, review_requests.c.id)
        )
        label = {"recheck": "复查 recheck", "appeal": "申诉 appeal"}
        return {
            r["item"]: Override(
                r["item"], r["value"], f"{label[r['kind']]} #{r['id']} changed the result ({r['reviewer']})"
            )
            for r in await self._all(q, ReviewRequestRecord)
        }

    # ---- department submissions -------------------------------------------------------------

    async def insert_submission(self, values: NewSubmission) -> SubmissionRecord | None:
        """The new submission, or ``None`` if the department already sent one with this reference."""
        new_id = await self.s.scalar(
            pg_insert(department_submissions)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(department_submissions.c.id)
        )
        return None if new_id is None else await self.get_submission(new_id)

    async def get_submission(self, submission_id: uuid.UUID) -> SubmissionRecord | None:
        q = sa.select(department_submissions).where(department_submissions.c.id == submission_id)
        return await self._one(q, SubmissionRecord)

    async def submission_by_reference(self, department: str, reference: str) -> SubmissionRecord | None:
        q = sa.select(department_submissions).where(
            department_submissions.c.department == department,
            department_submissions.c.reference == reference,
        )
        return await self._one(q, SubmissionRecord)

    async def claim_accepted_submissions(self, limit: int) -> list[SubmissionRecord]:
        q = (
            sa.select(department_submissions)
            .where(department_submissions.c.status == "accepted")
            .order_by(department_submissions.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._all(q, SubmissionRecord)

    async def update_submission(self, submission_id: uuid.UUID, values: SubmissionChanges) -> None:
        await self.s.execute(
            sa.update(department_submissions)
            .where(department_submissions.c.id == submission_id)
            .values(**values)
        )

    async def claim_callbacks(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[SubmissionRecord]:
        s = department_submissions.c
        rows = await self._all(
            sa.select(department_submissions)
            .where(
                s.callback_status == "pending",
                s.status.in_(("applied", "rejected")),
                s.next_callback_at <= now,
                sa.or_(s.callback_claimed_until.is_(None), s.callback_claimed_until < now),
            )
            .order_by(s.next_callback_at)
            .limit(limit)
            .with_for_update(skip_locked=True),
            SubmissionRecord,
        )
        if rows:
            await self.s.execute(
                sa.update(department_submissions)
                .where(s.id.in_([r["id"] for r in rows]))
                .values(callback_claimed_until=lease_until, callback_attempts=s.callback_attempts + 1)
            )
        return rows
