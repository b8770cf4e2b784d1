"""The local stack for the demo: started as its own process group, stopped on every way out.

:class:`DemoStack` runs ``python -m shared.devstack --var-dir VAR run`` (port offset 0: the demo prints
links) in a new session, keeps its output in ``VAR/stack.log``, and waits until it says the five services
are ready. :meth:`DemoStack.stop` asks the stack to stop (SIGINT, which stops every child it supervises
and PostgreSQL) and, when it does not within its grace period, kills it and whatever it left behind:
every process whose command line or environment names the var folder (services, registries, PostgreSQL)
and the pids of ``VAR/pids``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from shared.clock import SharedOffsetClock
from shared.devstack.servers import free_port

REPO = Path(__file__).resolve().parents[1]
READY_LINE = "Ctrl-C stops everything"
PASSWORD_RE = re.compile(r"operations administrator: root / (\S+)")


def move_clock(clock: SharedOffsetClock, instant: datetime) -> datetime:
    """Move the shared clock forward to ``instant`` for every process of the stack (never backwards)."""
    delta = instant - clock.now()
    if delta > timedelta(0):
        return clock.advance(delta)
    return clock.now()


def processes_of(var: Path) -> list[int]:
    """Pids of the processes (other than this one) whose command line or environment names ``var``."""
    needle = str(var.resolve()).encode()
    me = os.getpid()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        for part in ("cmdline", "environ"):
            try:
                if needle in (entry / part).read_bytes():
                    found.append(int(entry.name))
                    break
            except OSError:  # gone, or not ours to read
                continue
    for pid_file in (var / "pids").glob("*.pid") if (var / "pids").is_dir() else []:
        with contextlib.suppress(ValueError, OSError):
            pid = int(pid_file.read_text().strip())
            if pid not in found and Path(f"/proc/{pid}").exists():
                found.append(pid)
    pg_pid = var / "pg" / "postmaster.pid"
    with contextlib.suppress(ValueError, OSError, IndexError):
        pid = int(pg_pid.read_text().splitlines()[0])
        if pid not in found and Path(f"/proc/{pid}").exists():
            found.append(pid)
    return [p for p in found if _alive(p)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class DemoStack:
    """One local stack in ``var``; ``env`` is added to its environment (e.g. the registries' size)."""

    def __init__(self, var: Path, env: Mapping[str, str], say: Callable[[str], None]) -> None:
        self.var = var
        self.env = {**os.environ, **env}
        self.say = say
        self.proc: subprocess.Popen[str] | None = None
        self.admin_password = ""
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._ended = threading.Event()
        self.log_path = var / "stack.log"

    def start(self, timeout_s: float = 240.0) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "shared.devstack", "--var-dir", str(self.var), "run"]
        cmd += ["--kafka-port", str(free_port()), "--ready-timeout", "180", "--stop-with-parent"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: a Ctrl-C at the terminal reaches the demo only
        )
        threading.Thread(target=self._read, name="stack-output", daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not self._ready.wait(0.2):
            if self._ended.is_set() or self.proc.poll() is not None:
                tail = "\n".join(self.lines[-25:])
                raise RuntimeError(f"the local stack did not start (see {self.log_path}):\n{tail}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the local stack was not ready after {timeout_s:.0f}s; see {self.log_path}"
                )

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with open(self.log_path, "a", encoding="utf-8") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                line = line.rstrip()
                self.lines.append(line)
                m = PASSWORD_RE.search(line)
                if m:
                    self.admin_password = m.group(1)
                if READY_LINE in line:
                    self._ready.set()
        self._ended.set()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout_s: float | None = None) -> int | None:
        """Until the stack process ends (None: still running after ``timeout_s``)."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float = 45.0) -> list[int]:
        """Stop the stack and everything it started; returns the pids that had to be killed."""
        killed: list[int] = []
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.say(f"the stack did not stop within {grace_s:.0f}s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Whatever survived (a stack killed from outside leaves its children): by the var folder.
        for pid in processes_of(self.var):
            killed.append(pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in killed):
            time.sleep(0.2)
        for pid in killed:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        return killed
