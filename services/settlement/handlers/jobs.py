"""Scheduled jobs (run by the worker in ``ctx.transaction()``): qualifications that lapse unused,
bad-conduct records that end."""

from __future__ import annotations

from dataclasses import dataclass

from services.settlement.context import Tx
from services.settlement.domain import ACTIVE
from services.settlement.handlers.common import audit
from services.settlement.handlers.events import lapse


@dataclass(frozen=True)
class LapseDue:
    batch: int = 200


async def lapse_due(tx: Tx, cmd: LapseDue) -> int:
    """Lapse every unused qualification whose validity has ended (seed 004 第十条: 逾期未办理的视为自行放弃).

    Driven by the database (``valid_until_at``), so it survives restarts and needs no timers. Each row is
    locked (``FOR UPDATE SKIP LOCKED``) and its status changed in the same transaction as the
    ``qualification.lapsed`` event: with several workers, or a rerun, each lapses exactly once.
    """
    rows = await tx.repo.due_to_lapse(tx.now, cmd.batch)
    for qual in rows:
        if qual["status"] not in {s.value for s in ACTIVE}:
            continue
        await lapse(tx, qual)
    return len(rows)


@dataclass(frozen=True)
class ExpireConduct:
    batch: int = 500


async def expire_conduct(tx: Tx, cmd: ExpireConduct) -> int:
    """End bad-conduct records whose five years are over (status ``expired``)."""
    rows = await tx.repo.expire_conduct_records(tx.now, cmd.batch)
    for row in rows:
        await audit(
            tx,
            "conduct.expired",
            row["application_id"] or row["record_id"],
            record_id=row["record_id"],
            valid_until=row["valid_until"],
        )
    return len(rows)
