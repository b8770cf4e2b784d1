"""``make demo``: start the local stack and run one points round through it, printing what happens.

    python -m demo [--applicants 20] [--quota 8] [--keep]

A fresh stack (embedded PostgreSQL, tansu, the five services and the four mock registries, each its own
process) is started in a temporary folder under var/; the round is driven through the services' HTTP APIs;
the shared clock is moved forward between phases; the stack is stopped at the end (``--keep`` leaves it
running until Ctrl-C so you can look around in the API docs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from demo.scenario import PointsRound, Services
from services.review.mock_registries.population import generate_population
from shared.clock import SharedOffsetClock
from shared.devstack.servers import free_port
from shared.settings import DEFAULT_PORTS

REPO = Path(__file__).resolve().parents[1]


def say(msg: str) -> None:
    print(f"[demo] {msg}", flush=True)


def start_stack(var: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.devstack",
            "--var-dir",
            str(var),
            "run",
            "--kafka-port",
            str(free_port()),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    password = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line.rstrip(), flush=True)
        m = re.search(r"operations administrator: root / (\S+)", line)
        if m:
            password = m.group(1)
        if "Ctrl-C stops everything" in line:
            return proc, password
        if "Traceback" in line or "exited" in line:
            break
    proc.wait(10)
    raise SystemExit("the local stack did not start; see the lines above")


async def run_round(var: Path, password: str, applicants: int, quota: int) -> int:
    clock = SharedOffsetClock(var / "clock.json")
    year = clock.today().year
    people = generate_population(2000, application_year=year)[:applicants]
    clients = {
        s: httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=60) for s, p in DEFAULT_PORTS.items()
    }

    async def ops_token() -> str:
        r = await clients["intake"].post(
            "/v1/auth/token", data={"grant_type": "password", "username": "root", "password": password}
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    async def advance(delta: timedelta) -> None:
        now = clock.advance(delta)
        say(f"clock moved forward {delta.days} days → {now:%Y-%m-%d %H:%M} (all services)")
        await asyncio.sleep(1.0)  # every service re-reads the shared clock within 0.2 s

    def now() -> datetime:
        return clock.now()

    services = Services(**clients, now=now, advance=advance, operations_token=ops_token)
    try:
        report = await PointsRound(services, people, quota=quota, say=say, timeout_s=300).run()
    finally:
        for c in clients.values():
            await c.aclose()
    say("summary")
    say(f"  applications: {len(report.applications)}; final states: {dict(report.counts())}")
    say(
        f"  ranking: cut-off {report.ranking['cutoff']}, {report.ranking['admitted_count']} admitted "
        f"of {report.ranking['ranked_count']} qualified (quota {quota})"
    )
    for letter in report.letters[:5]:
        say(
            f"  letter {letter['serial_number']} ({letter['letter_type']}) → verify at "
            f"http://127.0.0.1:{DEFAULT_PORTS['settlement']}/verify/…"
        )
    say("  timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items()))
    say(
        f"  public list: http://127.0.0.1:{DEFAULT_PORTS['publicity']}/public/publicities (closed after the period)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo")
    ap.add_argument("--applicants", type=int, default=20)
    ap.add_argument("--quota", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="leave the stack running after the round")
    args = ap.parse_args(argv)
    var = REPO / "var" / f"demo-{int(time.time())}"
    var.mkdir(parents=True)
    proc, password = start_stack(var)
    code = 1
    try:
        code = asyncio.run(run_round(var, password, args.applicants, args.quota))
        if args.keep:
            say("the stack keeps running; Ctrl-C stops it")
            proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                out, _ = proc.communicate(timeout=30)
                print(out, end="")
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(var, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
