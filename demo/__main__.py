"""``make demo``: one annual round of both programmes through the local stack, with a live progress
display, a report, the invariants, and a stack left running to look at.

    python -m demo [--applicants 2000] [--graduates 300] [--exit] [--summary PATH]
    APPLICANTS=N GRADUATES=M EXIT=1 SUMMARY=path.json python -m demo

A fresh stack (embedded PostgreSQL, tansu, the five services and the six mock registries, each its own
process, in its own process group) is started in ``var/demo-<timestamp>`` on the fixed ports, its shared
clock set to a Monday in May of next year. The points round and the graduate round are played through the
services' HTTP APIs (:mod:`demo.annual`); counts are read back from the services, the invariants checked
in their databases (:mod:`demo.invariants`), and the report written to ``var/demo-<ts>/report.html``.
Then the stack keeps running with a graduate list of the next year open, until Ctrl-C (``EXIT=1``: stop
at once). Ctrl-C, SIGINT or SIGTERM to this process, and any error, stop the whole stack (exit status
130 after Ctrl-C or SIGINT, 143 after SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from demo.annual import AnnualRound, timeline
from demo.calendar import write_demo_calendar
from demo.client import Accounts, Api, identity_provider
from demo.progress import Progress
from demo.report import build_summary, invariant_table, render_html, summary_table
from demo.stack import DemoStack, move_clock
from demo.world import World
from shared.clock import BEIJING, SharedOffsetClock
from shared.devstack.termination import EXIT_STATUS as TERMINATED_STATUS
from shared.devstack.termination import Terminated, raise_on_sigterm
from shared.settings import DEFAULT_PORTS

REPO = Path(__file__).resolve().parents[1]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m demo", description=__doc__.split("\n\n")[0])
    ap.add_argument("--applicants", type=int, default=_env_int("APPLICANTS", 2000))
    ap.add_argument("--graduates", type=int, default=_env_int("GRADUATES", 300))
    ap.add_argument(
        "--exit", action="store_true", default=_env_flag("EXIT"), help="stop the stack at the end"
    )
    ap.add_argument(
        "--summary", default=os.environ.get("SUMMARY") or None, help="write the JSON summary here"
    )
    ap.add_argument("--concurrency", type=int, default=_env_int("DEMO_CONCURRENCY", 16))
    ap.add_argument("--var-dir", default=os.environ.get("DEMO_VAR_DIR") or None)
    args = ap.parse_args(argv)
    if args.summary:
        args.summary = os.path.abspath(args.summary)
    if args.applicants < 20 or args.graduates < 6:
        ap.error("at least 20 applicants and 6 graduates (one per supervising unit)")
    return args


async def play(
    args: argparse.Namespace, stack: DemoStack, var: Path, console: Console, started: float, ready_s: float
) -> int:
    clock = SharedOffsetClock(var / "clock.json")
    year = clock.today().year
    api = Api(concurrency=args.concurrency * 2)
    accounts = Accounts(api)
    accounts.passwords["root"] = stack.admin_password
    progress = Progress()
    mint = identity_provider(var)
    world = World(api, accounts, progress, clock, var, mint)
    annual = AnnualRound(
        world, applicants=args.applicants, graduates=args.graduates, year=year, concurrency=args.concurrency
    )
    try:
        async with progress:
            progress.event(
                f"stack ready in {time.monotonic() - started:.0f}s; year {year}, quota {annual.quota}"
            )
            try:
                await annual.run()
            finally:
                faults = await annual.points.fault_counts()
            counts = await annual.counts()
            invariants = await check_invariants(var, console)
            await annual.leave_open()
        seconds = {"stack_start": ready_s}
        seconds |= {s.name: s.seconds for s in progress.stages.values() if s.started is not None}
        p, g = annual.points, annual.graduates
        pid2 = g.second_batch.get("publicity_id", "")
        letter = counts["sample_letter"]
        links = {
            "open publicity list (graduates of the next year, in its period)": f"http://127.0.0.1:{DEFAULT_PORTS['publicity']}/public/graduate-publicities/{pid2}",
            "publicity archive (every list)": f"http://127.0.0.1:{DEFAULT_PORTS['publicity']}/public/publicities",
            "this round's points list (closed: answers 410 公示已结束)": f"http://127.0.0.1:{DEFAULT_PORTS['publicity']}/public/publicities/{p.publicity_id}",
            "a settlement letter's verification": str(letter.get("verify_url", "")),
        }
        links |= {f"{svc} API docs": f"http://127.0.0.1:{port}/docs" for svc, port in DEFAULT_PORTS.items()}
        report_path = var / "report.html"
        links["report"] = report_path.resolve().as_uri()
        errors = {s.name: s.errors for s in progress.stages.values()}
        summary = build_summary(
            applicants=args.applicants,
            graduates=args.graduates,
            stages=counts["stages"],
            cutoff=counts["cutoff"],
            quota=annual.quota,
            seconds_per_stage=seconds,
            seconds_total=time.monotonic() - started,
            invariants=invariants,
            final_states=counts["final_states"],
            graduate_final_states=counts["graduate_final_states"],
            scores=counts["scores"],
            quota_use=counts["quota_use"],
            faults=faults,
            errors_survived=errors,
            links=links,
            stage_labels={"stack_start": "local stack started"}
            | {n: st.label for n, st in progress.stages.items()},
            identity="through the city's identity service (jwt-bearer)"
            if mint
            else "with password accounts (argon2)",
        )
        summary["letters_by_type"] = counts["letters_by_type"]
        summary["http_requests"] = api.requests
        page = render_html(summary, generated_at=datetime.now(tz=BEIJING))
        await asyncio.to_thread(report_path.write_text, page, encoding="utf-8")
        if args.summary:
            doc = json.dumps(summary, ensure_ascii=False, indent=2)
            await asyncio.to_thread(Path(args.summary).write_text, doc, encoding="utf-8")
        console.print(summary_table(summary))
        console.print(invariant_table(invariants))
        console.print(f"[bold]report:[/] {report_path}")
        if args.summary:
            console.print(f"[bold]summary:[/] {args.summary}")
        for what, url in links.items():
            console.print(f"  {what}: {url}", soft_wrap=True)
        return 0 if summary["invariants_held"] else 3
    finally:
        await api.aclose()


async def check_invariants(var: Path, console: Console) -> dict[str, Any] | None:
    try:
        from demo.invariants import check_invariants as check
        from demo.invariants import stack_database_urls
    except ImportError as e:
        console.print(f"[red]the invariant check is not available: {e}[/]")
        return None
    report = await check(stack_database_urls(var), expected_dead_letters=0)
    return dict(report.as_dict())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    console = Console()
    var = (
        Path(args.var_dir).resolve()
        if args.var_dir
        else REPO / "var" / f"demo-{datetime.now(tz=BEIJING):%Y%m%d-%H%M%S}"
    )
    var.mkdir(parents=True, exist_ok=True)
    real_year = datetime.now(tz=BEIJING).year
    year = real_year + 1
    write_demo_calendar(var / "calendar.json", [year, year + 1])
    move_clock(SharedOffsetClock(var / "clock.json"), timeline(year)["d0"])
    env = {
        "MOCK_REGISTRY_POPULATION": str(max(args.applicants, 1)),
        "MOCK_REGISTRY_APPLICATION_YEAR": str(year),
        "HUKOU_CALENDAR_OVERRIDES": str(var / "calendar.json"),
    }
    stack = DemoStack(var, env, say=lambda m: print(f"[demo] {m}", flush=True))
    raise_on_sigterm()
    code = 1
    try:
        print(f"[demo] starting the local stack in {var} (log: {stack.log_path})", flush=True)
        stack.start()
        code = asyncio.run(play(args, stack, var, console, started, time.monotonic() - started))
        if args.exit:
            console.print(f"[demo] done in {time.monotonic() - started:.0f}s; stopping the stack (EXIT=1)")
        else:
            console.print("[bold]the stack keeps running; Ctrl-C stops it[/]")
            while stack.wait(1.0) is None:
                pass
            console.print("[red]the stack stopped by itself[/]")
    except (KeyboardInterrupt, Terminated) as stop:
        print("\n[demo] interrupted; stopping the stack", flush=True)
        code = 130 if isinstance(stop, KeyboardInterrupt) else TERMINATED_STATUS
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        killed = stack.stop()
        if killed:
            print(f"[demo] killed {len(killed)} processes the stack left behind", flush=True)
        shutil.rmtree(var / "pg", ignore_errors=True)  # the databases (hundreds of MB); report and logs stay
        print(f"[demo] stack stopped; its logs are in {var / 'logs'}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
