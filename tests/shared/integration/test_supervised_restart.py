"""A real child process killed with SIGKILL is started again by the local stack's supervisor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from shared.devstack.supervisor import Backoff, Child, Supervisor

pytestmark = pytest.mark.integration


def test_a_child_killed_with_sigkill_is_restarted_and_the_log_says_so() -> None:
    said: list[str] = []
    sup = Supervisor(said.append)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
        )

    child = sup.add(Child("sleeper", start, backoff=Backoff(initial_s=0.2)))
    try:
        first = child.process
        assert first is not None
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while child.restarts == 0 and time.monotonic() < deadline:
            sup.tick()
            time.sleep(0.05)
        assert child.restarts == 1, said
        second = child.process
        assert second is not None and second.pid != first.pid and second.poll() is None
        assert said[0].startswith(f"sleeper (pid {first.pid}) died: signal SIGKILL after ")
        assert said[0].endswith("restarting in 0.2s")
        assert said[1] == f"sleeper restarted (pid {second.pid}, restart 1)"
    finally:
        for _, p in sup.processes():
            os.kill(p.pid, signal.SIGKILL)
            assert isinstance(p, subprocess.Popen)
            p.wait(5)
