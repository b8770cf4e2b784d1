"""Restart crashed processes of the local stack with backoff, as an orchestrator would.

:class:`Backoff` is the policy (0.5 s doubling to 10 s, back to 0.5 s once a process stayed up 30 s);
:class:`Supervisor` applies it to its children on every :meth:`Supervisor.tick`: a child whose process
ended is announced in the log and started again when its delay is over. A child may run hooks around
each restart (the broker: republish every outbox before, create the topics after). Given a ``pid_dir``,
the supervisor keeps ``<pid_dir>/<name>.pid`` holding the pid of each child's running process (removed
while it is down), so that tools such as ``python -m demo.chaos`` can find the processes of a running stack.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class Process(Protocol):
    """What the supervisor needs of a process (``subprocess.Popen`` has it)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...


@dataclass
class Backoff:
    """Delay before a restart: ``initial_s`` doubling up to ``max_s``; a process that stayed up
    ``reset_after_s`` seconds before it died starts again from ``initial_s``."""

    initial_s: float = 0.5
    max_s: float = 10.0
    reset_after_s: float = 30.0
    _next: float | None = None

    def delay(self, uptime_s: float) -> float:
        """The wait before starting again a process that ran ``uptime_s`` seconds."""
        if self._next is None or uptime_s >= self.reset_after_s:
            self._next = self.initial_s
        current = self._next
        self._next = min(current * 2, self.max_s)
        return current


def describe_exit(code: int) -> str:
    """``exit status 1`` or ``signal SIGKILL`` (``Popen.returncode`` is minus the signal number)."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


@dataclass
class Child:
    """One supervised process: how to start it, and what to do around a restart."""

    name: str
    start: Callable[[], Process]
    backoff: Backoff = field(default_factory=Backoff)
    before_restart: Callable[[], None] | None = None
    after_restart: Callable[[], None] | None = None
    log_path: str | None = None
    process: Process | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    """Keeps its children running. Call :meth:`tick` often (every 0.3 s in the local stack)."""

    def __init__(
        self,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        pid_dir: Path | None = None,
    ) -> None:
        self.say = say
        self.clock = clock
        self.children: list[Child] = []
        self.pid_dir = pid_dir
        if pid_dir is not None:
            pid_dir.mkdir(parents=True, exist_ok=True)

    def pid_file(self, name: str) -> Path | None:
        """Where the pid of child ``name``'s running process is kept (None: no pid files)."""
        return self.pid_dir / f"{name}.pid" if self.pid_dir is not None else None

    def _write_pid(self, child: Child) -> None:
        path = self.pid_file(child.name)
        if path is None:
            return
        if child.process is None:
            path.unlink(missing_ok=True)
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"{child.process.pid}\n")
        tmp.replace(path)  # a reader never sees a half-written file

    def add(self, child: Child) -> Child:
        """Start ``child`` now (an error here is the caller's: the stack is still starting)."""
        child.process = child.start()
        child.started_at = self.clock()
        self.children.append(child)
        self._write_pid(child)
        return child

    def processes(self) -> list[tuple[str, Process]]:
        """The processes running now, by child name."""
        return [(c.name, c.process) for c in self.children if c.process is not None]

    def tick(self) -> None:
        """Notice the children that ended; start again those whose delay is over."""
        for child in self.children:
            now = self.clock()
            if child.process is not None:
                code = child.process.poll()
                if code is None:
                    continue
                uptime = now - child.started_at
                delay = child.backoff.delay(uptime)
                where = f"; see {child.log_path}" if child.log_path else ""
                self.say(
                    f"{child.name} (pid {child.process.pid}) died: {describe_exit(code)} after {uptime:.1f}s; "
                    f"restarting in {delay:.1f}s{where}"
                )
                child.process = None
                child.restart_at = now + delay
                self._write_pid(child)
            elif child.restart_at is not None and now >= child.restart_at:
                self._restart(child)

    def _restart(self, child: Child) -> None:
        try:
            if child.before_restart is not None:
                child.before_restart()
            child.process = child.start()
        except Exception as e:  # the supervisor keeps going; it tries again later
            delay = child.backoff.delay(0.0)
            self.say(f"{child.name} could not be started again ({e!r}); next attempt in {delay:.1f}s")
            child.restart_at = self.clock() + delay
            return
        child.started_at = self.clock()
        child.restart_at = None
        child.restarts += 1
        self._write_pid(child)
        self.say(f"{child.name} restarted (pid {child.process.pid}, restart {child.restarts})")
        if child.after_restart is not None:
            try:
                child.after_restart()
            except Exception as e:
                self.say(f"{child.name}: after the restart: {e!r}")
