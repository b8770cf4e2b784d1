"""Publicity benchmark: the public list of a round with 6,000+ admitted applicants.

Run from the repository root::

    .venv/bin/python bench/publicity_bench.py [--entries 6045] [--seconds 5] [--concurrency 8]

Builds a fresh database (``HUKOU_POSTGRES_URL`` if set, else the embedded PostgreSQL in a temporary
directory), stages a finalized round with ``--entries`` admitted applicants, lets the service's own job
prepare and open the list, and serves it with the real API (``python -m services.publicity api``, one
uvicorn process) on a free port. An httpx client on the same machine then requests, for ``--seconds``
each with ``--concurrency`` requests in flight:

- the JSON list: first page, a deep page (offset near the end), search by name, search by employer;
- the HTML page: first page, search by name.

Prints requests/s and latency (p50, p95, p99, ms) per scenario, plus the time to prepare the list
(snapshot of every entry) and to close it (an outcome event per entry written to the outbox). Client and
server share the machine's cores, so the figures are relative, not a capacity statement. Not a test:
nothing here passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from services.publicity import jobs
from services.publicity.adapters.tables import ranked, rankings, rounds, scores, submissions
from services.publicity.config import Settings
from services.publicity.context import build_service_context
from services.publicity.domain.indicators import ordered
from shared.clock import ManualClock, SystemClock
from shared.devstack.servers import (
    EmbeddedPostgres,
    ensure_database,
    free_port,
    to_asyncpg_url,
    wait_for_port,
    with_database,
)
from shared.events.contracts.common import INDICATORS
from shared.service import migrate

REPO = Path(__file__).resolve().parents[1]
ROUND = "pts-bench"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥建华金凤子涵浩然思远欣怡雨轩梓萱宇航"
DISTRICTS = "海淀朝阳东城西城丰台通州昌平大兴顺义石景山房山"
KINDS = (
    "科技有限公司",
    "信息技术有限公司",
    "研究院",
    "医院",
    "律师事务所",
    "银行股份有限公司北京分行",
    "大学",
    "设计院",
)


def names(n: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        name = rng.choice(SURNAMES) + given
        if name in seen and rng.random() < 0.9:  # a few namesakes, like a real list
            continue
        seen.add(name)
        out.append(name)
    return out


def employers(n: int, rng: random.Random) -> list[str]:
    return [
        f"北京{rng.choice(DISTRICTS)}{rng.choice('华中京信达创泰安和新')}{rng.choice('科盛源通远博诚')}{rng.choice(KINDS)}"
        for _ in range(n)
    ]


async def stage(url: str, n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """A finalized round with ``n`` admitted applicants (and 10 not admitted), as the consumers store it."""
    from sqlalchemy.ext.asyncio import create_async_engine

    today = SystemClock().today()
    people = names(n + 10, rng)
    emps = employers(400, rng)
    engine = create_async_engine(url)
    sub_rows, score_rows, ranked_rows = [], [], []
    now = SystemClock().now()
    for i, name in enumerate(people):
        app_id = f"PTS-{i + 1:07d}"
        total = (Decimal("160") - Decimal(i) * Decimal("0.01")).quantize(Decimal("0.01"))
        lines = {c: "0.00" for c in INDICATORS}
        lines.update(employment=str(total - 55), housing="20.00", education="15.00", age="20.00")
        sub_rows.append(
            dict(
                application_id=app_id,
                revision=1,
                round_id=ROUND,
                program="points",
                name=name,
                birth_year_month=f"19{rng.randint(70, 95)}-{rng.randint(1, 12):02d}",
                employer_name=rng.choice(emps),
                received_at=now,
            )
        )
        score_rows.append(
            dict(
                application_id=app_id,
                revision=1,
                round_id=ROUND,
                policy_version="bj-points-2020",
                total=total,
                indicators=ordered([{"code": c, "points": p} for c, p in lines.items()]),
                received_at=now,
            )
        )
        ranked_rows.append(
            dict(
                ranking_id="rk-bench",
                application_id=app_id,
                round_id=ROUND,
                rank=i + 1,
                admitted=i < n,
                total=total,
            )
        )
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(rounds).values(
                round_id=ROUND,
                program="points",
                year=today.year,
                phase="publicity",
                publicity_starts_on=today,
                publicity_ends_on=today + timedelta(days=7),
                phases=[],
                phase_event_at=now,
            )
        )
        await conn.execute(
            sa.insert(rankings).values(
                round_id=ROUND,
                ranking_id="rk-bench",
                policy_version="bj-points-2020",
                cutoff=Decimal("100"),
                ranked_count=n + 10,
                admitted_count=n,
                finalized_at=now,
            )
        )
        for table, rows in ((submissions, sub_rows), (scores, score_rows), (ranked, ranked_rows)):
            for k in range(0, len(rows), 2000):
                await conn.execute(sa.insert(table), rows[k : k + 2000])
    await engine.dispose()
    return people[:n], emps


async def load(
    base: str, make_url: Callable[[random.Random], str], seconds: float, concurrency: int, seed: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency)
    ) as http:
        for _ in range(3):  # warm-up
            await http.get(make_url(random.Random(seed)))
        end = time.perf_counter() + seconds

        async def one(k: int) -> None:
            nonlocal errors
            rng = random.Random(seed * 1000 + k)
            while time.perf_counter() < end:
                t = time.perf_counter()
                r = await http.get(make_url(rng))
                latencies.append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "n": len(latencies),
        "errors": errors,
    }


async def main_async(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="publicity-bench-"))
    pg = None
    server_url = os.environ.get("HUKOU_POSTGRES_URL")
    if server_url:
        server_url = to_asyncpg_url(server_url)
    else:
        pg = EmbeddedPostgres(tmp / "pg")
        server_url = pg.start()
    db = f"bench_publicity_{uuid.uuid4().hex[:8]}"
    await ensure_database(server_url, db)
    url = with_database(server_url, db)
    settings = Settings(database_url=url, kafka_bootstrap_servers="127.0.0.1:1", log_json=False)
    await asyncio.to_thread(migrate, settings, REPO / "services" / "publicity" / "migrations")
    proc = None
    try:
        t = time.perf_counter()
        people, emps = await stage(url, args.entries, rng)
        print(f"staged {args.entries:,} admitted applicants in {time.perf_counter() - t:.2f} s")
        ctx = build_service_context(settings, SystemClock())
        t = time.perf_counter()
        report = await jobs.run_scheduled(ctx)
        print(
            f"prepared and opened the list (snapshot of {args.entries:,} entries) in {time.perf_counter() - t:.2f} s: {report}"
        )
        await ctx.close()

        port = free_port()
        env = {
            **os.environ,
            "PUBLICITY_DATABASE_URL": url,
            "PUBLICITY_PORT": str(port),
            "PUBLICITY_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
            "PUBLICITY_LOG_LEVEL": "WARNING",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.publicity", "api", cwd=REPO, env=env
        )
        await asyncio.to_thread(wait_for_port, "127.0.0.1", port, 30)
        base = f"http://127.0.0.1:{port}"
        pid = ROUND
        last_offset = max(0, args.entries - 50)
        scenarios: list[tuple[str, Callable[[random.Random], str]]] = [
            ("JSON  page 1 (50 rows)", lambda r: f"/v1/public/publicities/{pid}/entries?limit=50"),
            (
                "JSON  random page",
                lambda r: (
                    f"/v1/public/publicities/{pid}/entries?limit=50&offset={r.randrange(0, last_offset, 50)}"
                ),
            ),
            (
                "JSON  last page",
                lambda r: f"/v1/public/publicities/{pid}/entries?limit=50&offset={last_offset}",
            ),
            (
                "JSON  search by name",
                lambda r: f"/v1/public/publicities/{pid}/entries?q={quote(r.choice(people))}",
            ),
            (
                "JSON  search by employer",
                lambda r: f"/v1/public/publicities/{pid}/entries?q={quote(r.choice(emps)[2:])}",
            ),
            ("HTML  page 1", lambda r: f"/public/publicities/{pid}"),
            (
                "HTML  random page",
                lambda r: f"/public/publicities/{pid}?page={r.randint(1, args.entries // 50)}",
            ),
            ("HTML  search by name", lambda r: f"/public/publicities/{pid}?q={quote(r.choice(people))}"),
        ]
        print(
            f"\n{args.entries:,} entries, {args.concurrency} in flight, {args.seconds:.0f} s each; one uvicorn process"
        )
        print(f"{'scenario':<28}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for i, (label, make) in enumerate(scenarios):
            res = await load(base, make, args.seconds, args.concurrency, args.seed + i)
            print(
                f"{label:<28}{res['rps']:>9.0f}{res['p50']:>9.1f}{res['p95']:>9.1f}{res['p99']:>9.1f}{res['errors']:>8.0f}"
            )

        clock = ManualClock(SystemClock().now() + timedelta(days=8))
        ctx = build_service_context(settings, clock)
        t = time.perf_counter()
        closed = await jobs.close_one(ctx)
        print(
            f"\nclosed {closed}: {args.entries:,} publicity.outcome + 1 publicity.closed into the outbox in "
            f"{time.perf_counter() - t:.2f} s"
        )
        await ctx.close()
    finally:
        if proc is not None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 10)
        if pg is not None:
            pg.stop()
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            from shared.devstack.servers import drop_database

            await drop_database(server_url, db)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--entries", type=int, default=6045)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seed", type=int, default=2022)
    args = ap.parse_args(argv)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
