"""`make run`: the whole local stack comes up ready within 60 s and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

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
        if not any(_port_open(p + offset) for p in DEFAULT_PORTS.values()):
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
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    assert leftover == "", f"processes left behind: {leftover}"
