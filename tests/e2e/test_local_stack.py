"""`make run`: the whole local stack comes up ready within 60 s and Ctrl-C leaves nothing behind; a stack
refuses ports another one holds, and one started for a tool (`--stop-with-parent`) does not outlive it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from demo.stack import READY_LINE, processes_of
from shared.devstack.__main__ import ports_taken
from shared.devstack.servers import free_port
from shared.settings import DEFAULT_PORTS

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_offset() -> int:
    for offset in range(3000, 9000, 37):
        if not ports_taken(offset, kafka_port=None):  # the services' and the registries' ports
            return offset
    raise RuntimeError("no free port range")


def test_make_run_brings_all_five_services_ready_within_60_seconds_and_ctrl_c_stops_all(
    tmp_path: Path,
) -> None:
    offset = _free_offset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUKOU_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.devstack",
            "--var-dir",
            str(tmp_path / "var"),
            "run",
            "--port-offset",
            str(offset),
            "--kafka-port",
            str(free_port()),
            "--ready-timeout",
            "60",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        started = time.monotonic()
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "all five services ready" in line:
                break  # otherwise the stack exits by itself (ready timeout or error): read it all
        elapsed = time.monotonic() - started
        assert any("all five services ready" in ln for ln in lines), "".join(lines)
        assert elapsed < 60
        with httpx.Client(timeout=5) as client:
            for svc, port in DEFAULT_PORTS.items():
                r = client.get(f"http://127.0.0.1:{port + offset}/readyz")
                assert r.status_code == 200, (svc, r.text)
                assert r.json()["checks"] == {"database": "ok", "broker": "ok"}
                spec = client.get(f"http://127.0.0.1:{port + offset}/openapi.json").json()
                assert "/healthz" in spec["paths"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        lines.append(out or "")
    assert "stopped" in "".join(lines)
    assert not any(_port_open(p + offset) for p in DEFAULT_PORTS.values()), "a service survived Ctrl-C"
    assert _left_behind(tmp_path / "var") == [], "processes left behind"


def _stack_cmd(var: Path, offset: int, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "shared.devstack", "--var-dir", str(var), "run"]
    return [
        *cmd,
        "--port-offset",
        str(offset),
        "--kafka-port",
        str(free_port()),
        "--ready-timeout",
        "90",
        *extra,
    ]


def _left_behind(var: Path) -> list[int]:
    """By command line, environment (every child of the stack has ``var`` there) or pid file."""
    return processes_of(var)


def test_a_stack_whose_ports_are_taken_refuses_to_start_and_names_them(tmp_path: Path) -> None:
    offset = _free_offset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUKOU_")}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", DEFAULT_PORTS["review"] + offset))
        holder.listen()
        done = subprocess.run(
            _stack_cmd(tmp_path / "var", offset),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"port {DEFAULT_PORTS['review'] + offset} (review) already in use" in done.stdout
    assert not (tmp_path / "var" / "pg").exists()  # nothing was started: no database, no broker
    assert _left_behind(tmp_path / "var") == []


# The demo's parent in miniature: starts the stack, copies its output, and is then killed with SIGKILL.
PARENT = """
import subprocess, sys
stack = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
for line in stack.stdout:
    print(line, end="", flush=True)
"""


def test_a_stack_started_with_stop_with_parent_stops_everything_when_its_parent_is_killed(
    tmp_path: Path,
) -> None:
    offset = _free_offset()
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUKOU_")}
    cmd = [sys.executable, "-c", PARENT, *_stack_cmd(var, offset, "--stop-with-parent")]
    parent = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert parent.stdout is not None
        for line in parent.stdout:
            lines.append(line)
            if READY_LINE in line:
                break
        assert any(READY_LINE in ln for ln in lines), "".join(lines)
        assert (var / "stack.json").exists()
        parent.kill()  # the stack's output now goes nowhere (a broken pipe) and its parent is init
        parent.wait(10)
        deadline = time.monotonic() + 60
        while _left_behind(var) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _left_behind(var) == [], "the stack outlived its parent"
        assert not (var / "stack.json").exists()  # removed at the very end of the stack's shutdown
        assert not any(_port_open(p + offset) for p in DEFAULT_PORTS.values())
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in _left_behind(var):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
