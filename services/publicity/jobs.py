"""The worker's scheduled job: prepare, open and close publicities, and purge idle rate buckets.

The job has no timers of its own: every ``job_interval_s`` it asks the database what is due by the
service clock (``ctx.clock``), so a restart, a moved clock or a second worker changes nothing: what is
due gets done once. Each step is its own transaction (``ctx.transaction()``), and each closing too: a
6,000-entry close is one commit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from services.publicity.context import Ctx
from services.publicity.handlers.closing import (
    CloseOneDue,
    OpenDue,
    PrepareLists,
    PurgeRateBuckets,
    close_one_due_publicity,
    open_due_publicities,
    prepare_ready_lists,
    purge_rate_buckets,
)
from shared.service import periodic

PURGE_EVERY = 3600  # passes between purges of idle rate-limit buckets


@dataclass
class JobReport:
    prepared: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


async def run_scheduled(ctx: Ctx) -> JobReport:
    """One pass of the worker's job. Each step is its own transaction; safe to run in several workers."""
    report = JobReport()
    async with ctx.transaction() as tx:
        report.prepared = await prepare_ready_lists(tx, PrepareLists())
    async with ctx.transaction() as tx:
        report.opened = await open_due_publicities(tx, OpenDue())
    while True:  # one publicity per transaction
        closed = await close_one(ctx)
        if closed is None:
            break
        report.closed.append(closed)
    return report


async def close_one(ctx: Ctx) -> str | None:
    """Close one publicity whose period has ended, in its own transaction (``None``: none is due)."""
    async with ctx.transaction() as tx:
        return await close_one_due_publicity(tx, CloseOneDue())


async def purge_rate_buckets_once(ctx: Ctx) -> int:
    async with ctx.transaction() as tx:
        return await purge_rate_buckets(tx, PurgeRateBuckets())


def publicity_job(ctx: Ctx, interval_s: float) -> Callable[[], Coroutine[Any, Any, None]]:
    """The worker's job: a pass every ``interval_s`` seconds, and a purge of idle buckets every
    ``PURGE_EVERY`` passes (the first pass included). A failed pass is logged and tried again."""
    passes = 0

    async def once() -> None:
        nonlocal passes
        n, passes = passes, passes + 1
        await run_scheduled(ctx)
        if n % PURGE_EVERY == 0:
            await purge_rate_buckets_once(ctx)

    return periodic("publicity_schedule", interval_s, once)
