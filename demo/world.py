"""What both programmes of the demo share: the HTTP clients, the accounts, the progress display, the
shared clock of the stack and the mock registries' addresses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from demo.client import Accounts, Api
from demo.progress import Progress, Stage
from demo.stack import move_clock
from shared.clock import SharedOffsetClock

REGISTRY_PORTS = {
    "social_insurance": 8201,
    "tax": 8202,
    "police": 8203,
    "housing": 8204,
    "education": 8205,
    "company": 8206,
}
STAFF_PASSWORD = "bureau-staff-pass-1"


@dataclass
class World:
    api: Api
    accounts: Accounts
    progress: Progress
    clock: SharedOffsetClock
    var: Path
    mint: Callable[..., str] | None
    timings: dict[str, float] = field(default_factory=dict)

    def registry(self, dept: str) -> str:
        return f"http://127.0.0.1:{REGISTRY_PORTS[dept]}"

    def now(self) -> datetime:
        return self.clock.now()

    async def move_to(self, instant: datetime, why: str) -> None:
        before = self.clock.now()
        now = move_clock(self.clock, instant)
        self.accounts.clock_moved()
        self.progress.event(f"clock {before:%Y-%m-%d} → {now:%Y-%m-%d %H:%M} ({why})")
        await asyncio.sleep(0.6)  # every process re-reads the shared clock within 0.2 s

    async def advance(self, delta: timedelta, why: str) -> None:
        await self.move_to(self.clock.now() + delta, why)

    async def staff(self, username: str, name: str, ops_token: str) -> None:
        """A bureau staff account, created by the operations administrator."""
        doc = await self.api.call(
            "intake",
            "POST",
            "/v1/accounts",
            token=ops_token,
            json={"username": username, "password": STAFF_PASSWORD, "name": name, "role": "bureau_staff"},
        )
        self.accounts.passwords[username] = STAFF_PASSWORD
        self.accounts.ids[username] = str(doc.get("id") or doc.get("account_id"))


async def until(
    what: str,
    probe: Callable[[], Awaitable[Any]],
    *,
    timeout_s: float,
    every_s: float = 0.5,
    stage: Stage | None = None,
) -> Any:
    """Poll ``probe`` until it answers something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        await asyncio.sleep(every_s)


async def pool(n_workers: int, items: list[Any], work: Callable[[Any], Awaitable[None]]) -> None:
    """Run ``work`` over ``items`` with ``n_workers`` at a time (a worker pool: steady progress)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await work(item)

    async with asyncio.TaskGroup() as tg:  # the first failure cancels the other workers
        for _ in range(max(1, min(n_workers, len(items)))):
            tg.create_task(worker())
