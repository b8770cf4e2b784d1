"""The one shape of a use case: ``async def do_x(tx: Tx, command: DoX) -> Result``.

A :class:`Tx` is one database transaction seen by a use case: the service's repository bound to the
open session, the service's runtime (sealer, renderers, limits …), the time the use case runs at, who
runs it, and how to emit events into the transactional outbox. Endpoints and Kafka consumers build it
the same way and hand it to the same handlers:

- an endpoint: ``return await ctx.run(handlers.approve, Approve(...), actor=principal.subject)`` opens
  the transaction, runs the handler and commits (a raised error of ``shared.api.errors`` rolls back
  everything, events included, and becomes the HTTP answer);
- a consumer: ``await handlers.on_outcome(ctx.tx_for(d), command)`` runs inside the inbox transaction
  of the delivery ``d`` (the inbox row is already claimed; events emitted are caused by ``d``'s event);
- a scheduled job: ``async with ctx.transaction(actor="system") as tx: ...``.

Handlers never open or commit transactions themselves, never read the system clock (``tx.now``), and
never call ``session.execute``: all SQL is in the repository (``tx.repo``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import BEIJING
from shared.events.envelope import Envelope
from shared.events.registry import EventData

RepoT = TypeVar("RepoT")
RtT = TypeVar("RtT")

#: Who acts when no person does (consumers and scheduled jobs).
SYSTEM = "system"

Emitter = Callable[[EventData, str], Awaitable[Envelope]]


@dataclass
class Tx(Generic[RepoT, RtT]):
    """One unit of work: repository on an open transaction, runtime, time, actor, and event emission."""

    session: AsyncSession
    repo: RepoT
    rt: RtT
    now: datetime
    actor: str
    correlation_id: str | None
    _emitter: Emitter

    @property
    def today(self) -> date:
        """The date in Beijing at :attr:`now` (deadlines and dates on documents are Beijing dates)."""
        return self.now.astimezone(BEIJING).date()

    async def emit(self, data: EventData, subject: str) -> Envelope:
        """Write an event to the outbox in this transaction; the relay publishes it after commit."""
        return await self._emitter(data, subject)
