"""Reading lists: the public view (only inside the period), the staff view of every publicity and its
archived copy, and whether a round's list is ready."""

from __future__ import annotations

from dataclasses import dataclass

from services.publicity.adapters.records import PublicityRecord
from services.publicity.context import Tx
from services.publicity.handlers.common import (
    GraduateListElsewhere,
    PublicityTakenDown,
    period_of,
    publicly_visible,
)
from services.publicity.handlers.views import (
    Page,
    PublicityView,
    PublicPageView,
    ReadinessView,
    StaffPage,
    StaffPageView,
    StaffPublicityView,
)
from shared.api.errors import NotFound


@dataclass(frozen=True)
class PublicPage:
    publicity_id: str
    q: str | None
    descending: bool
    limit: int
    offset: int


async def public_page(tx: Tx, cmd: PublicPage) -> PublicPageView:
    """One page of a list on public view: 404 before it opens, 410 after its period."""
    p = await tx.repo.get_publicity(cmd.publicity_id)
    if p is None or p["opened_at"] is None:
        raise NotFound(
            "publicity_not_found", f"No publicity {cmd.publicity_id} is on public view. 未找到该公示。"
        )
    if p["program"] != "points":
        raise GraduateListElsewhere(cmd.publicity_id)
    if not publicly_visible(p, tx.now):
        raise PublicityTakenDown(p, period_of(p, None))
    rows, total = await tx.repo.page_public_entries(
        cmd.publicity_id,
        q=cmd.q,
        descending=cmd.descending,
        limit=cmd.limit,
        offset=cmd.offset,
        known_total=p["entry_count"],
    )
    return PublicPageView(p, period_of(p, None), rows, total)


@dataclass(frozen=True)
class PublicPublicities:
    limit: int
    offset: int


async def public_publicities(tx: Tx, cmd: PublicPublicities) -> Page:
    """Lists that have opened (on view, or closed and taken down), newest first, with their period."""
    rows, total = await tx.repo.list_publicities(("open", "closed"), cmd.limit, cmd.offset)
    out: list[PublicityView] = []
    for p in rows:
        if p["status"] == "open" and not publicly_visible(p, tx.now):
            p = {**p, "status": "closed"}  # past its period, the closing job just has not run yet
        out.append({**p, "period": period_of(p, None)})
    return Page(out, total)


async def _staff_view(tx: Tx, p: PublicityRecord) -> StaffPublicityView:
    rnd = await tx.repo.get_round(p["round_id"]) if p["opened_at"] is None else None
    return {
        **p,
        "period": period_of(p, rnd),
        "objections": await tx.repo.objection_counts(p["publicity_id"]),
    }


@dataclass(frozen=True)
class StaffPublicity:
    publicity_id: str


async def staff_publicity(tx: Tx, cmd: StaffPublicity) -> StaffPublicityView:
    """A publicity whatever its status, with its period and its objections counted by status."""
    p = await tx.repo.get_publicity(cmd.publicity_id)
    if p is None:
        raise NotFound("publicity_not_found", f"No publicity {cmd.publicity_id}.")
    return await _staff_view(tx, p)


@dataclass(frozen=True)
class StaffPublicities:
    limit: int
    offset: int


async def staff_publicities(tx: Tx, cmd: StaffPublicities) -> StaffPage:
    rows, total = await tx.repo.list_publicities(("scheduled", "open", "closed"), cmd.limit, cmd.offset)
    return StaffPage([await _staff_view(tx, p) for p in rows], total)


@dataclass(frozen=True)
class StaffEntries:
    publicity_id: str
    q: str | None
    outcome: str | None
    limit: int
    offset: int


async def staff_page(tx: Tx, cmd: StaffEntries) -> StaffPageView:
    """The archived copy (any status), with application ids and outcomes."""
    p = await staff_publicity(tx, StaffPublicity(cmd.publicity_id))
    rows, total = await tx.repo.page_staff_entries(
        cmd.publicity_id,
        q=cmd.q,
        outcome=cmd.outcome,
        limit=cmd.limit,
        offset=cmd.offset,
        known_total=p["entry_count"],
    )
    return StaffPageView(p, rows, total)


@dataclass(frozen=True)
class ReadinessOf:
    round_id: str


async def readiness_of(tx: Tx, cmd: ReadinessOf) -> ReadinessView:
    """Whether the round's list has been prepared, and if not, which upstream events are missing."""
    r = await tx.repo.readiness(cmd.round_id)
    pub = await tx.repo.publicity_of_round(cmd.round_id)
    return {
        "round_id": cmd.round_id,
        "publicity_id": pub["publicity_id"] if pub else None,
        "status": pub["status"] if pub else ("waiting" if r.ranking_id or r.round_known else "unknown"),
        "ranking_id": r.ranking_id,
        "publicity_starts_on": r.publicity_starts_on,
        "publicity_ends_on": r.publicity_ends_on,
        "admitted_expected": r.admitted_expected,
        "admitted_received": r.admitted_received,
        "missing": [] if pub else r.missing,
    }
