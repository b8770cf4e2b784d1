"""Live progress of the demo, per stage: counts, rate, errors as they happen, an ETA.

On a terminal a ``rich`` live table (one row per stage, the running ones highlighted) with the latest
events under it; otherwise (a pipe, a CI log) plain lines: every event at once, and for each running stage
a line every few seconds and one when it ends.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text


@dataclass
class Stage:
    name: str
    label: str
    total: int | None = None
    done: int = 0
    errors: int = 0
    last_error: str = ""
    started: float | None = None
    ended: float | None = None
    note: str = ""
    _progress: Progress | None = field(default=None, repr=False)

    def start(self, total: int | None = None) -> Stage:
        if total is not None:
            self.total = total
        if self.started is None:
            self.started = time.monotonic()
        return self

    def advance(self, n: int = 1) -> None:
        self.done += n

    def set_done(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total

    def error(self, message: str) -> None:
        """An error that happened (and was retried or counted); shown at once."""
        self.errors += 1
        self.last_error = message[:160]
        if self._progress is not None:
            self._progress.event(f"{self.label}: {self.last_error}", error=True)

    def finish(self, note: str = "") -> None:
        if self.started is None:
            self.started = time.monotonic()
        if self.ended is None:
            self.ended = time.monotonic()
        if note:
            self.note = note
        if self._progress is not None:
            self._progress.stage_finished(self)

    @property
    def running(self) -> bool:
        return self.started is not None and self.ended is None

    @property
    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        s = self.seconds
        return self.done / s if s > 0.5 else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.running or not self.total or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


def _fmt_s(s: float | None) -> str:
    if s is None:
        return ""
    return f"{s:.0f}s" if s < 120 else f"{s / 60:.1f}min"


class Progress:
    """Stages in the order they were declared; events; a live display (``with progress: …``)."""

    def __init__(self, *, stream: TextIO | None = None, live: bool | None = None, every_s: float = 5.0):
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.every_s = every_s
        self.stages: dict[str, Stage] = {}
        self.events: deque[str] = deque(maxlen=8)
        self.started = time.monotonic()
        self._live: Live | None = None
        self._console = Console(file=self.stream)
        self._task: asyncio.Task[None] | None = None

    def stage(self, name: str, label: str, total: int | None = None) -> Stage:
        if name not in self.stages:
            self.stages[name] = Stage(name, label, total, _progress=self)
        elif total is not None:
            self.stages[name].total = total
        return self.stages[name]

    def event(self, message: str, *, error: bool = False) -> None:
        stamp = f"{time.monotonic() - self.started:6.1f}s"
        line = f"{stamp} {'!' if error else '·'} {message}"
        self.events.append(line)
        if self._live is None:
            print(f"[demo] {line}", file=self.stream, flush=True)

    def say(self, message: str) -> None:
        self.event(message)

    def stage_finished(self, stage: Stage) -> None:
        rate = f", {stage.rate:.1f}/s" if stage.done else ""
        errors = f", {stage.errors} errors survived" if stage.errors else ""
        note = f" — {stage.note}" if stage.note else ""
        self.event(f"✓ {stage.label}: {stage.done} in {stage.seconds:.1f}s{rate}{errors}{note}")

    # ---- rendering ------------------------------------------------------------------------------

    def table(self) -> Table:
        t = Table(title=f"make demo — {time.monotonic() - self.started:.0f}s", expand=False)
        for col, just in (("stage", "left"), ("done", "right"), ("rate", "right"), ("errors", "right")):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        t.add_column("time", justify="right")
        t.add_column("ETA", justify="right")
        t.add_column("note / last error", justify="left", max_width=60)
        for s in self.stages.values():
            if s.started is None:
                style, mark = "dim", " "
            elif s.running:
                style, mark = "bold yellow", "▶"
            else:
                style, mark = "green", "✓"
            done = f"{s.done}/{s.total}" if s.total is not None else str(s.done)
            t.add_row(
                f"{mark} {s.label}",
                done,
                f"{s.rate:.1f}/s" if s.rate else "",
                Text(str(s.errors), style="red") if s.errors else "",
                _fmt_s(s.seconds) if s.started else "",
                _fmt_s(s.eta_s),
                Text(s.last_error if s.running and s.last_error else s.note, overflow="ellipsis"),
                style=style,
            )
        return t

    def renderable(self) -> Group:
        return Group(self.table(), Text("\n".join(self.events), style="dim"))

    def plain_lines(self) -> list[str]:
        out = []
        for s in self.stages.values():
            if not s.running:
                continue
            total = f"/{s.total}" if s.total is not None else ""
            eta = f", ETA {_fmt_s(s.eta_s)}" if s.eta_s is not None else ""
            errs = f", {s.errors} errors" if s.errors else ""
            out.append(f"  {s.label}: {s.done}{total} in {s.seconds:.0f}s ({s.rate:.1f}/s{errs}{eta})")
        return out

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(0.25 if self._live else self.every_s)
            if self._live is not None:
                self._live.update(self.renderable())
            else:
                for line in self.plain_lines():
                    print(f"[demo] {line}", file=self.stream, flush=True)

    async def __aenter__(self) -> Progress:
        if self.live:
            self._live = Live(self.renderable(), console=self._console, refresh_per_second=4, transient=False)
            self._live.start()
        self._task = asyncio.create_task(self._ticker())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._live is not None:
            self._live.update(self.renderable())
            self._live.stop()
            self._live = None
