"""All SQL of the review service. Functions take the caller's session (its transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

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
from services.review.domain.model import TOPIC_ITEM, ItemResult, OnsiteDecision, OnsiteNeed, Override

Row = Mapping[str, Any]


async def _one(session: AsyncSession, q: Any) -> Row | None:
    row = (await session.execute(q)).mappings().first()
    return dict(row) if row is not None else None


async def _all(session: AsyncSession, q: Any) -> list[Row]:
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def _page(session: AsyncSession, q: Any, limit: int, offset: int) -> tuple[list[Row], int]:
    total = await session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())) or 0
    return await _all(session, q.limit(limit).offset(offset)), int(total)


# ---- rounds ---------------------------------------------------------------------------------


async def upsert_round(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(rounds).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[rounds.c.round_id], set_={k: stmt.excluded[k] for k in values if k != "round_id"}
        )
    )


async def get_round(session: AsyncSession, round_id: str) -> Row | None:
    return await _one(session, sa.select(rounds).where(rounds.c.round_id == round_id))


async def list_rounds(session: AsyncSession, limit: int, offset: int) -> tuple[list[Row], int]:
    return await _page(
        session, sa.select(rounds).order_by(rounds.c.year.desc(), rounds.c.round_id), limit, offset
    )


# ---- applications ---------------------------------------------------------------------------


async def get_application(
    session: AsyncSession, application_id: str, *, for_update: bool = False
) -> Row | None:
    q = sa.select(applications).where(applications.c.application_id == application_id)
    if for_update:
        q = q.with_for_update()
    return await _one(session, q)


async def upsert_application(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(applications).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[applications.c.application_id],
            set_={k: stmt.excluded[k] for k in values if k not in ("application_id", "facts_revision")},
        )
    )


async def update_application(session: AsyncSession, application_id: str, **values: Any) -> None:
    await session.execute(
        sa.update(applications).where(applications.c.application_id == application_id).values(**values)
    )


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
) -> list[Row]:
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
    ids = list((await session.scalars(due)).all())
    if not ids:
        return []
    await session.execute(
        sa.update(applications)
        .where(applications.c.application_id.in_(ids))
        .values(claim_token=token, claimed_until=lease_until, attempts=applications.c.attempts + 1)
    )
    return await _all(session, sa.select(applications).where(applications.c.application_id.in_(ids)))


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
    session: AsyncSession,
    *,
    status: str | None,
    round_id: str | None,
    department: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    q = (
        sa.select(applications)
        .where(*_application_filters(status, round_id, department))
        .order_by(applications.c.submitted_at, applications.c.application_id)
    )
    return await _page(session, q, limit, offset)


async def release_claims(session: AsyncSession, token: uuid.UUID) -> int:
    """Give back the applications claimed under ``token`` (a worker stopping before it finished them)."""
    result = await session.execute(
        sa.update(applications)
        .where(applications.c.claim_token == token)
        .values(claim_token=None, claimed_until=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def retry_waiting(
    session: AsyncSession,
    *,
    now: datetime,
    round_id: str | None,
    department: str | None,
    application_id: str | None = None,
) -> int:
    """Make waiting applications due now (the job picks them up at its next poll)."""
    where = _application_filters("pending_department", round_id, department)
    if application_id:
        where.append(applications.c.application_id == application_id)
    result = await session.execute(
        sa.update(applications).where(*where).values(next_attempt_at=now, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- department evidence and data -----------------------------------------------------------


async def insert_check(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(department_checks).values(**values))


async def department_data(
    session: AsyncSession, application_id: str, declaration_revision: int
) -> dict[str, dict[str, Any]]:
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
    return {r["department"]: r["data"] for r in await _all(session, q)}


async def list_checks(
    session: AsyncSession, application_id: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    q = (
        sa.select(department_checks)
        .where(department_checks.c.application_id == application_id)
        .order_by(department_checks.c.id.desc())
    )
    return await _page(session, q, limit, offset)


# ---- item results and verified facts --------------------------------------------------------


async def save_item_results(
    session: AsyncSession,
    application_id: str,
    declaration_revision: int,
    items: Iterable[ItemResult],
    now: datetime,
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
    stmt = pg_insert(item_results).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[item_results.c.application_id, item_results.c.item],
            set_={k: stmt.excluded[k] for k in ("declaration_revision", "status", "note", "updated_at")},
        )
    )


async def item_results_of(session: AsyncSession, application_id: str) -> list[Row]:
    return await _all(session, sa.select(item_results).where(item_results.c.application_id == application_id))


async def latest_verified(
    session: AsyncSession, application_id: str, declaration_revision: int | None = None
) -> Row | None:
    q = sa.select(verified_facts).where(verified_facts.c.application_id == application_id)
    if declaration_revision is not None:
        q = q.where(verified_facts.c.declaration_revision == declaration_revision)
    return await _one(session, q.order_by(verified_facts.c.facts_revision.desc()).limit(1))


async def insert_verified(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(verified_facts).values(**values))


async def verified_history(session: AsyncSession, application_id: str) -> list[Row]:
    return await _all(
        session,
        sa.select(
            verified_facts.c.facts_revision,
            verified_facts.c.declaration_revision,
            verified_facts.c.trigger,
            verified_facts.c.event_id,
            verified_facts.c.created_at,
        )
        .where(verified_facts.c.application_id == application_id)
        .order_by(verified_facts.c.facts_revision),
    )


# ---- on-site review -------------------------------------------------------------------------


async def create_tasks(session: AsyncSession, app: Row, needs: Sequence[OnsiteNeed], now: datetime) -> int:
    """Open a task for each need that has none yet (for this declaration revision).

    A topic declared exactly as in an earlier revision, where staff already decided it, takes that
    decision over (a resubmission that changes the tax record does not send the diplomas back on site).
    Returns how many decisions were carried over.
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
        earlier = await _one(
            session,
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
        )
        if earlier is not None:
            note = (
                f"carried over from declaration revision {earlier['declaration_revision']}: {earlier['note']}"
            )
            row.update(
                {k: earlier[k] for k in ("decision", "value", "reviewer", "decided_by", "decided_at")},
                status="decided",
                note=note[:1000],
            )
        inserted = await session.scalar(
            pg_insert(onsite_tasks).values(row).on_conflict_do_nothing().returning(onsite_tasks.c.id)
        )
        carried += int(inserted is not None and earlier is not None)
    return carried


async def supersede_tasks(session: AsyncSession, application_id: str, below_revision: int) -> None:
    await session.execute(
        sa.update(onsite_tasks)
        .where(
            onsite_tasks.c.application_id == application_id,
            onsite_tasks.c.declaration_revision < below_revision,
            onsite_tasks.c.status == "open",
        )
        .values(status="superseded")
    )


async def onsite_decisions(
    session: AsyncSession, application_id: str, declaration_revision: int
) -> dict[str, OnsiteDecision]:
    rows = await _all(
        session,
        sa.select(onsite_tasks).where(
            onsite_tasks.c.application_id == application_id,
            onsite_tasks.c.declaration_revision == declaration_revision,
            onsite_tasks.c.status == "decided",
        ),
    )
    return {r["topic"]: OnsiteDecision(r["topic"], r["decision"], r["value"], r["reviewer"]) for r in rows}


async def get_task(session: AsyncSession, task_id: int, *, for_update: bool = False) -> Row | None:
    q = sa.select(onsite_tasks).where(onsite_tasks.c.id == task_id)
    return await _one(session, q.with_for_update() if for_update else q)


async def decide_task(session: AsyncSession, task_id: int, **values: Any) -> None:
    await session.execute(sa.update(onsite_tasks).where(onsite_tasks.c.id == task_id).values(**values))


async def list_tasks(
    session: AsyncSession,
    *,
    status: str | None,
    round_id: str | None,
    topic: str | None,
    application_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    where = []
    if status:
        where.append(onsite_tasks.c.status == status)
    if round_id:
        where.append(onsite_tasks.c.round_id == round_id)
    if topic:
        where.append(onsite_tasks.c.topic == topic)
    if application_id:
        where.append(onsite_tasks.c.application_id == application_id)
    return await _page(
        session, sa.select(onsite_tasks).where(*where).order_by(onsite_tasks.c.id), limit, offset
    )


# ---- rechecks and appeals -------------------------------------------------------------------


async def insert_request(session: AsyncSession, values: dict[str, Any]) -> Row | None:
    """The new request, or ``None`` when one of this kind and item already exists (once only)."""
    row_id = await session.scalar(
        pg_insert(review_requests).values(**values).on_conflict_do_nothing().returning(review_requests.c.id)
    )
    return None if row_id is None else await get_request(session, row_id)


async def get_request(session: AsyncSession, request_id: int, *, for_update: bool = False) -> Row | None:
    q = sa.select(review_requests).where(review_requests.c.id == request_id)
    return await _one(session, q.with_for_update() if for_update else q)


async def update_request(session: AsyncSession, request_id: int, **values: Any) -> None:
    await session.execute(
        sa.update(review_requests).where(review_requests.c.id == request_id).values(**values)
    )


async def list_requests(
    session: AsyncSession,
    *,
    status: str | None,
    kind: str | None,
    round_id: str | None,
    application_id: str | None,
    limit: int,
    offset: int,
    applicant_id: str | None = None,
) -> tuple[list[Row], int]:
    """Requests, oldest first; ``applicant_id``: only those of that applicant's applications."""
    where: list[sa.ColumnElement[bool]] = []
    if applicant_id:
        where.append(
            review_requests.c.application_id.in_(
                sa.select(applications.c.application_id).where(applications.c.applicant_id == applicant_id)
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
    return await _page(session, q, limit, offset)


async def overrides(session: AsyncSession, application_id: str) -> dict[str, Override]:
    """Decided requests that changed a result, the latest per item (an appeal after a recheck wins).

    They hold across resubmissions: the bureau's decision on the evidence stands when the applicant
    edits something else (rechecks happen in the declaration phase, when editing is still open)."""
    rows = await _all(
        session,
        sa.select(review_requests)
        .where(
            review_requests.c.application_id == application_id,
            review_requests.c.outcome == "changed",
        )
        .order_by(review_requests.c.decided_at, review_requests.c.id),
    )
    label = {"recheck": "复查 recheck", "appeal": "申诉 appeal"}
    return {
        r["item"]: Override(
            r["item"], r["value"], f"{label[r['kind']]} #{r['id']} changed the result ({r['reviewer']})"
        )
        for r in rows
    }


# ---- department submissions -----------------------------------------------------------------


async def insert_submission(session: AsyncSession, values: dict[str, Any]) -> Row | None:
    """The new submission, or ``None`` if the department already sent one with this reference."""
    new_id = await session.scalar(
        pg_insert(department_submissions)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(department_submissions.c.id)
    )
    return None if new_id is None else await get_submission(session, new_id)


async def get_submission(session: AsyncSession, submission_id: uuid.UUID) -> Row | None:
    return await _one(
        session, sa.select(department_submissions).where(department_submissions.c.id == submission_id)
    )


async def submission_by_reference(session: AsyncSession, department: str, reference: str) -> Row | None:
    return await _one(
        session,
        sa.select(department_submissions).where(
            department_submissions.c.department == department, department_submissions.c.reference == reference
        ),
    )


async def claim_accepted_submissions(session: AsyncSession, limit: int) -> list[Row]:
    return await _all(
        session,
        sa.select(department_submissions)
        .where(department_submissions.c.status == "accepted")
        .order_by(department_submissions.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True),
    )


async def update_submission(session: AsyncSession, submission_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        sa.update(department_submissions).where(department_submissions.c.id == submission_id).values(**values)
    )


async def claim_callbacks(
    session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> list[Row]:
    s = department_submissions.c
    rows = await _all(
        session,
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
    )
    if rows:
        await session.execute(
            sa.update(department_submissions)
            .where(s.id.in_([r["id"] for r in rows]))
            .values(callback_claimed_until=lease_until, callback_attempts=s.callback_attempts + 1)
        )
    return rows
