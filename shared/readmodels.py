"""Read models kept from other services' events, and the rule that keeps them from going backwards.

Kafka delivers at least once and a dead letter may be replayed days later, so a consumer can meet an
*older* event after a newer one. A read model that simply overwrites would then move back (a round's
phase from 公示 back to 审核). The rule here: every row remembers the time of the event it was last
written from, and an event older than that changes nothing; an equal time (the same event again)
writes the same values again.

The round read model (``round.phase_changed``, consumed by review, scoring, publicity and settlement)
keeps that time in the column ``phase_event_at``; other columns of the same row (publicity's
``publicity_closed_at`` in settlement, for instance) are written by their own events and never
touched by a phase event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.contracts.intake import RoundPhaseChangedV1

#: The column of a round read model holding the time of the phase event it reflects.
PHASE_EVENT_AT = "phase_event_at"


async def upsert_newest(
    session: AsyncSession,
    table: sa.Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    version_column: str,
) -> bool:
    """Insert the row, or update it only if ``values[version_column]`` is not older than the stored one.

    Returns whether the row was written (False: the stored row came from a newer event).
    A stored NULL version (the row was created by another kind of event) is always overwritten.
    """
    insert = pg_insert(table).values(**values)
    column = table.c[version_column]
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c[k] for k in key],
        set_={k: insert.excluded[k] for k in values if k not in key},
        where=sa.or_(column.is_(None), insert.excluded[version_column] >= column),
    ).returning(table.c[key[0]])
    return (await session.execute(upsert)).first() is not None


def round_phase_values(data: RoundPhaseChangedV1, event_at: datetime) -> dict[str, Any]:
    """The columns every round read model takes from ``round.phase_changed`` (services add their own)."""
    return {
        "round_id": data.round_id,
        "program": data.program,
        "year": data.year,
        "phase": data.phase,
        "phases": [p.model_dump(mode="json") for p in data.phases],
        PHASE_EVENT_AT: event_at,
    }


async def apply_round_phase(
    session: AsyncSession,
    table: sa.Table,
    data: RoundPhaseChangedV1,
    event_at: datetime,
    **extra: Any,
) -> bool:
    """Keep the newest ``round.phase_changed`` of a round in ``table`` (monotonic; see the module)."""
    values = {**round_phase_values(data, event_at), **extra}
    return await upsert_newest(session, table, values, key=("round_id",), version_column=PHASE_EVENT_AT)
