"""``make chaos`` in CI: a points round while every worker, intake's API and the broker are killed with SIGKILL
at random moments (a fixed seed); the supervisor restarts them; every invariant holds at the end.

The round runs in its own process (``python -m demo.chaos``) against its own local stack, as ``make chaos``
does, with fewer applicants (24) and fewer extra kills than the default so that it fits four minutes on a
loaded 2-core machine. Measured here with seven other jobs on the machine (load average 15–30): 60
applicants went past four minutes (the stack took 61 s to start, registrations about 3.5 s each, one after
another); 30 applicants took 209 s in all.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from demo.chaos import PORT_OFFSET, REQUIRED
from shared.devstack.__main__ import MOCK_REGISTRIES
from shared.settings import DEFAULT_PORTS

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
APPLICANTS = 24
SEED = 20261204
TIMEOUT_S = 225


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _offset() -> int:
    """``make chaos``'s offset when free (a developer may be running it), else another free range."""
    ports = [*DEFAULT_PORTS.values(), *MOCK_REGISTRIES.values()]
    candidates: list[int] = [int(PORT_OFFSET), *range(3100, 9000, 41)]
    for offset in candidates:
        if not any(_port_open(p + offset) for p in ports):
            return offset
    raise RuntimeError("no free port range")


def test_a_round_survives_sigkill_of_every_worker_an_api_and_the_broker(tmp_path: Path) -> None:
    summary_path = tmp_path / "chaos.json"
    cmd = [sys.executable, "-m", "demo.chaos", "--applicants", str(APPLICANTS), "--seed", str(SEED)]
    cmd += [
        "--summary",
        str(summary_path),
        "--var-dir",
        str(tmp_path / "var"),
        "--port-offset",
        str(_offset()),
    ]
    cmd += [
        "--max-extra-kills",
        "2",
        "--max-stage-kills",
        "4",
        "--round-timeout",
        "150",
        "--settle-seconds",
        "30",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUKOU_")}
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)  # the chaos driver stops its stack on Ctrl-C
        try:
            out, _ = proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        pytest.fail(f"the chaos round did not finish in {TIMEOUT_S}s:\n{out[-6000:]}")
    print(out)
    assert summary_path.exists(), out[-6000:]
    summary = json.loads(summary_path.read_text())
    failed = [c for c in summary["invariants"] if not c["held"]]
    assert proc.returncode == 0 and summary["ok"], (summary["round_error"], failed, out[-4000:])
    assert summary["invariants_held"] and not failed
    assert summary["final_states"] and sum(summary["final_states"].values()) == APPLICANTS
    kills = summary["kills"]
    assert all(kills.get(name, 0) >= 1 for name in REQUIRED), kills
    restarted = summary["supervisor"]["restarted"]
    died = summary["supervisor"]["died_by_sigkill"]
    for name, n in kills.items():
        assert died.get(name, 0) >= n, f"the supervisor did not see every kill of {name}"
        assert restarted.get(name, 0) >= n, f"{name} was killed {n} times, restarted {restarted.get(name, 0)}"
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    assert leftover == "", f"processes left behind: {leftover}"
    for pid_file in (tmp_path / "var" / "pids").glob("*.pid"):  # the services name the var dir in their env
        environ = Path(f"/proc/{pid_file.read_text().strip()}/environ")
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            assert str(tmp_path) not in environ.read_text(errors="replace"), f"{pid_file.stem} left behind"
