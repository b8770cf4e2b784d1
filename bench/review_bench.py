"""Review benchmark: verifications per second through review's verification job, single look-ups against
batch data exchange (批量数据交换), and the synthetic population at 120,000 people.

Run from the repository root::

    .venv/bin/python bench/review_bench.py [--applications 2000] [--population 120000] [--latency-ms 0]

1. The population: ``generate_population(--population)`` (the identities, ready to look people up), then
   every person's records derived once (what a demo declaring everyone costs), and the process's peak
   memory.
2. The four mock registries (社保 税务 公安 住建), each its own process
   (``python -m services.review.mock_registries <department> --population N``), all started together:
   the time until each answers ``/healthz`` (the start-up of a registry of 120,000 people).
3. For each mode (``single``: one request per application and department; ``batch``: the claimed
   applications in batch requests per department), a fresh database (``HUKOU_POSTGRES_URL`` if set, else
   the embedded PostgreSQL) with ``--applications`` submissions recorded as the consumer records them
   (one in ten declaring something the registries contradict, a few people no registry knows), then
   review's own verification job (``services.review.jobs.VerificationJob``, the worker's settings) runs
   until every application is verified: verifications per second, HTTP requests to the registries, and
   the CPU time per verification of the review process and of the four registries (less sensitive to
   other load on the machine than the wall-clock rate).
   Registries answer with ``--latency-ms`` (default 0, as the local stack starts them).

Prints a table and writes ``bench/results/review.json``. Client, registries and database share the
machine's cores: the figures are relative, not a capacity statement. Not a test: nothing here passes or
fails on a figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from services.review.config import Settings
from services.review.context import build_service_context
from services.review.handlers.intake_events import RecordSubmission, record_submission
from services.review.jobs import VerificationJob
from services.review.mock_registries.population import (
    DIFFERENCES,
    Population,
    declaration_for,
    generate_population,
)
from services.review.worker import make_departments
from shared.clock import SystemClock
from shared.crypto import Sealer
from shared.devstack.servers import (
    EmbeddedPostgres,
    drop_database,
    ensure_database,
    free_port,
    to_asyncpg_url,
    with_database,
)
from shared.events.contracts.intake import EncryptedValue
from shared.facts.points import PointsFacts
from shared.service import migrate

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "review.json"
DEPARTMENTS = ("social_insurance", "tax", "police", "housing")
DATA_KEY = base64.b64encode(b"b" * 32).decode()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_population(n: int) -> dict[str, Any]:
    rss0 = peak_rss_mb()
    t, c = time.perf_counter(), time.process_time()
    people = generate_population(n)
    identities_s, identities_cpu = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    records = sum(len(p.social_insurance) + len(p.leases) + len(p.income_tax) for p in people)
    derive_s, derive_cpu = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    prefix_ok = generate_population(min(n, 5000)) == people[: min(n, 5000)]
    return {
        "people": n,
        "generate_s": round(identities_s, 2),
        "generate_cpu_s": round(identities_cpu, 2),
        "derive_all_s": round(derive_s, 2),
        "derive_all_cpu_s": round(derive_cpu, 2),
        "records": records,
        "unique_id_numbers": len(set(people.id_numbers)) == n,
        "prefix_property_5000": prefix_ok,
        "prefix_check_s": round(time.perf_counter() - t, 2),
        "peak_rss_mb_growth": round(peak_rss_mb() - rss0, 1),
    }


def start_registries(
    population: int, latency_ms: float, logs: Path
) -> tuple[dict[str, str], list[Any], dict[str, float]]:
    """The four registries, started together; the seconds until each answered ``/healthz``."""
    procs: list[Any] = []
    urls: dict[str, str] = {}
    env = {**os.environ, "MOCK_REGISTRY_LATENCY_MS": str(latency_ms)}
    started = time.monotonic()
    for dept in DEPARTMENTS:
        port = free_port()
        urls[dept] = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "services.review.mock_registries", dept, "--port", str(port)]
        cmd += ["--population", str(population)]
        with open(logs / f"{dept}.log", "wb") as log:
            procs.append(subprocess.Popen(cmd, cwd=REPO, env=env, stderr=log))
    ready: dict[str, float] = {}
    deadline = started + 300
    while len(ready) < len(urls) and time.monotonic() < deadline:
        for dept, url in urls.items():
            if dept in ready:
                continue
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    ready[dept] = round(time.monotonic() - started, 2)
            except httpx.HTTPError:
                pass
        time.sleep(0.05)
    if len(ready) < len(urls):
        stop(procs)
        raise RuntimeError(f"registries not ready: {sorted(set(urls) - set(ready))}")
    return urls, procs, ready


def stop(procs: list[Any]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux ``/proc``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def registry_calls(urls: dict[str, str]) -> int:
    return sum(int(httpx.get(f"{u}/_admin/faults", timeout=5).json()["calls"]) for u in urls.values())


async def stage(settings: Settings, people: Population, strangers: Population, n: int) -> None:
    """``n`` submissions recorded as the consumer records them (status pending, due now)."""
    ctx = build_service_context(settings, SystemClock())
    sealer = Sealer(DATA_KEY)
    diffs = sorted(DIFFERENCES)
    try:
        for start in range(0, n, 200):
            async with ctx.transaction() as tx:
                for i in range(start, min(n, start + 200)):
                    p = strangers[i // 50] if i % 50 == 49 else people[i]
                    differences = [diffs[i % len(diffs)]] if i % 10 == 0 else []
                    facts = declaration_for(p, differences=differences, onsite=False)
                    cmd = RecordSubmission(
                        application_id=f"BENCH-{i:06d}",
                        revision=1,
                        round_id="points-bench",
                        program="points",
                        name=p.name,
                        employer_name=p.employer_name,
                        id_number=EncryptedValue(**sealer.seal(p.id_number, context="id_number").as_dict()),
                        declared_facts=PointsFacts.model_validate(facts),
                        applicant_id=None,
                        correlation_id=f"c-{i}",
                        causation_id=str(uuid.uuid4()),
                    )
                    await record_submission(tx, cmd)
    finally:
        await ctx.close()


async def run_mode(
    mode: str,
    server_url: str,
    urls: dict[str, str],
    pids: list[int],
    people: Population,
    strangers: Population,
    args: Any,
) -> dict[str, Any]:
    db = f"bench_review_{mode}_{uuid.uuid4().hex[:6]}"
    await ensure_database(server_url, db)
    url = with_database(server_url, db)
    settings = Settings.model_validate(
        {
            "database_url": url,
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "data_key": DATA_KEY,
            "log_json": False,
            "log_level": "WARNING",
            "department_batch": mode == "batch",
            "department_batch_size": args.batch_size,
            "verify_batch_size": args.claim,
            **{f"registry_{d}_url": u for d, u in urls.items()},
        }
    )
    try:
        await asyncio.to_thread(migrate, settings, REPO / "services" / "review" / "migrations")
        t = time.perf_counter()
        await stage(settings, people, strangers, args.applications)
        stage_s = time.perf_counter() - t
        ctx = build_service_context(settings, SystemClock())
        departments = make_departments(settings, ctx)
        calls0 = registry_calls(urls)
        try:
            job = VerificationJob(ctx, departments.adapters)
            registries_cpu = cpu_seconds(pids)
            t, c = time.perf_counter(), time.process_time()
            while job.completed < args.applications:
                if not await job.run_once():
                    await asyncio.sleep(settings.verify_poll_interval_s)
                if time.perf_counter() - t > args.timeout:
                    break
            elapsed, review_cpu = time.perf_counter() - t, time.process_time() - c
            registries_cpu = cpu_seconds(pids) - registries_cpu
            async with ctx.transaction() as tx:
                from sqlalchemy import text

                rows = (
                    await tx.session.execute(
                        text("SELECT status, count(*) FROM applications GROUP BY status")
                    )
                ).all()
                events = await tx.session.scalar(
                    text("SELECT count(*) FROM outbox WHERE event_type = 'verification.completed'")
                )
        finally:
            await departments.aclose()
            await ctx.close()
        requests = registry_calls(urls) - calls0 - len(urls)  # minus the reads of the counters
        return {
            "mode": mode,
            "applications": args.applications,
            "verified": job.completed,
            "events": int(events or 0),
            "statuses": {r[0]: int(r[1]) for r in rows},
            "seconds": round(elapsed, 2),
            "verifications_per_s": round(job.completed / elapsed, 1),
            "review_cpu_ms_per_verification": round(1000 * review_cpu / max(1, job.completed), 2),
            "registries_cpu_ms_per_verification": round(1000 * registries_cpu / max(1, job.completed), 2),
            "registry_requests": requests,
            "stage_s": round(stage_s, 2),
        }
    finally:
        await drop_database(server_url, db)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    print(f"population: generating {args.population:,} people …", flush=True)
    pop = bench_population(args.population)
    print(
        f"  identities of {pop['people']:,} people (ID numbers unique: {pop['unique_id_numbers']}) in "
        f"{pop['generate_s']} s ({pop['generate_cpu_s']} s CPU); every person's records derived in "
        f"{pop['derive_all_s']} s ({pop['derive_all_cpu_s']} s CPU); "
        f"prefix property (5,000): {pop['prefix_property_5000']}; peak RSS +{pop['peak_rss_mb_growth']} MB",
        flush=True,
    )
    people = generate_population(max(args.applications, 1))
    strangers = generate_population(args.applications // 50 + 1, seed=99)
    tmp = Path(tempfile.mkdtemp(prefix="review-bench-"))
    urls, procs, ready = start_registries(args.population, args.latency_ms, tmp)
    # Each registry logs how long its population took ("… people ready in N s").
    population_ready = {
        d: float(found.group(1))
        for d in DEPARTMENTS
        if (found := re.search(r"ready in ([0-9.]+)s", (tmp / f"{d}.log").read_text()))
    }
    print(
        f"registries of {args.population:,} people, four processes started together: answering in "
        + ", ".join(f"{d} {s} s" for d, s in ready.items())
        + "; of which the population: "
        + ", ".join(f"{d} {s} s" for d, s in population_ready.items()),
        flush=True,
    )
    pg = None
    try:
        server_url = os.environ.get("HUKOU_POSTGRES_URL")
        if server_url:
            server_url = to_asyncpg_url(server_url)
        else:
            pg = EmbeddedPostgres(tmp / "pg")
            server_url = pg.start()
        modes = []
        for mode in args.modes.split(","):
            print(f"verifying {args.applications:,} applications, {mode} …", flush=True)
            pids = [p.pid for p in procs]
            modes.append(await run_mode(mode, server_url, urls, pids, people, strangers, args))
    finally:
        stop(procs)
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(f"(machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(
        f"{args.applications:,} applications, registries latency {args.latency_ms:g} ms, claims of "
        f"{args.claim}, batches of {args.batch_size}"
    )
    print(
        f"{'mode':<8}{'verified':>10}{'seconds':>10}{'verif/s':>10}{'requests':>10}{'events':>8}"
        f"{'review CPU ms/verif':>21}{'registries CPU ms/verif':>25}"
    )
    for m in modes:
        print(
            f"{m['mode']:<8}{m['verified']:>10}{m['seconds']:>10.1f}{m['verifications_per_s']:>10.1f}"
            f"{m['registry_requests']:>10}{m['events']:>8}{m['review_cpu_ms_per_verification']:>21.2f}"
            f"{m['registries_cpu_ms_per_verification']:>25.2f}"
        )
    if len(modes) == 2 and modes[0]["verifications_per_s"]:
        print(f"batch / single: {modes[1]['verifications_per_s'] / modes[0]['verifications_per_s']:.1f}×")
    return {
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "population": pop,
        "registry_startup_s": ready,
        "registry_population_s": population_ready,
        "verification": {
            "applications": args.applications,
            "latency_ms": args.latency_ms,
            "claim": args.claim,
            "batch_size": args.batch_size,
            "modes": {m["mode"]: m for m in modes},
        },
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--applications", type=int, default=2000)
    ap.add_argument("--population", type=int, default=120_000)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--modes", default="single,batch")
    ap.add_argument("--claim", type=int, default=Settings.model_fields["verify_batch_size"].default)
    ap.add_argument("--batch-size", type=int, default=Settings.model_fields["department_batch_size"].default)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--json", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    result = asyncio.run(main_async(args))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
