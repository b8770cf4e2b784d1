"""One clock for every service, in Beijing time.

Nothing in the project reads the system time directly: handlers, jobs and domain code take
a :class:`Clock`. Production uses :class:`SystemClock`. The local stack and the end-to-end
tests use :class:`SharedOffsetClock`: the real clock plus an offset kept in one small file
that every service process reads, so that moving it forward (`advance`) moves all five
services together and a 7-day publicity or a 2-year validity can be played at once.
Unit tests use :class:`ManualClock`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in Beijing time."""
        ...

    def today(self) -> date:
        """The current date in Beijing."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(tz=BEIJING)

    def today(self) -> date:
        return self.now().date()


class ManualClock:
    """A clock that only moves when told to (unit tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start instant")
        self._now = start.astimezone(BEIJING)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._now += delta

    def set(self, instant: datetime) -> None:
        instant = instant.astimezone(BEIJING)
        if instant < self._now:
            raise ValueError("the clock only moves forward")
        self._now = instant


class SharedOffsetClock:
    """Real time plus an offset (seconds) stored as JSON in ``path``; shared by processes.

    The file is re-read when its modification time changes (checked at most every
    ``refresh_s`` seconds), so an `advance` reaches every process within that delay.
    """

    def __init__(self, path: Path, refresh_s: float = 0.2) -> None:
        self._path = path
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._offset = 0.0
        self._mtime: float | None = None
        self._checked = 0.0

    def _current_offset(self) -> float:
        mono = time.monotonic()
        with self._lock:
            if mono - self._checked >= self._refresh_s:
                self._checked = mono
                try:
                    mtime = self._path.stat().st_mtime_ns
                except FileNotFoundError:
                    self._offset, self._mtime = 0.0, None
                else:
                    if mtime != self._mtime:
                        self._offset = float(json.loads(self._path.read_text())["offset_seconds"])
                        self._mtime = mtime
            return self._offset

    def now(self) -> datetime:
        return datetime.now(tz=BEIJING) + timedelta(seconds=self._current_offset())

    def today(self) -> date:
        return self.now().date()

    def advance(self, delta: timedelta) -> datetime:
        """Move the shared clock forward by ``delta`` for every process; returns the new now."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            try:
                current = float(json.loads(self._path.read_text())["offset_seconds"])
            except FileNotFoundError:
                current = 0.0
            new = current + delta.total_seconds()
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"offset_seconds": new}))
            os.replace(tmp, self._path)
            self._checked = 0.0
        return self.now()


def build_clock(mode: str, clock_file: Path | None) -> Clock:
    if mode == "system":
        return SystemClock()
    if mode == "shared-offset":
        if clock_file is None:
            raise RuntimeError("clock=shared-offset needs clock_file")
        return SharedOffsetClock(clock_file)
    raise RuntimeError(f"unknown clock mode {mode!r}")
