"""Consumer benchmark: records/s through the inbox consumer, one transaction per record vs batched.

Run from the repository root::

    .venv/bin/python bench/consumer_bench.py [--records 20000] [--runs 1] [--batch 200] [--profile]

Starts the embedded PostgreSQL and the tansu broker (as the tests do; ``HUKOU_POSTGRES_URL`` and
``HUKOU_KAFKA`` use running ones instead), produces ``--records`` events (about 600 bytes each, 200 keys
over ``kafka_partitions`` partitions) straight into a topic, then lets an :class:`InboxConsumer` with a
trivial handler (one row inserted per record) read them all, once per mode and run, each with its own
consumer group and inbox name:

- ``one_at_a_time``: ``consumer_batch=False``, one transaction per record (the path failures fall back to);
- ``batched``: the records of a partition taken by one poll in one transaction, a savepoint each.

The rate is measured from the first record handled to the last (group joins excluded). Prints a table
against the floor in ``../shared/ENVIRONMENT.md`` (consumer with inbox insert + effect per batch: 1,900
records/s) and writes ``bench/results/consumer.json`` (``--json`` elsewhere). ``--profile`` runs one more
batched pass under pyinstrument and writes its text report beside the JSON. Client, database and broker
share the machine's cores: the figures are relative, not a capacity statement. Nothing passes or fails here.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from shared.clock import SystemClock
from shared.db import create_engine, create_session_factory, new_metadata
from shared.devstack.servers import (
    EmbeddedPostgres,
    TansuBroker,
    drop_database,
    ensure_database,
    free_port,
    to_asyncpg_url,
    with_database,
)
from shared.events.envelope import Envelope
from shared.events.registry import EventData, EventRegistry
from shared.messaging.inbox import Delivery, InboxConsumer
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
FLOOR_RECORDS_PER_S = 1900  # ../shared/ENVIRONMENT.md: consumer with inbox insert + effect per batch
TOPIC = "intake.events"
KEYS = 200

REG = EventRegistry()


@REG.register("bench.recorded", 1, producer="intake", consumers=("intake",))
class BenchRecorded(EventData):
    """Bench-only event, about the size of an application's status event."""

    application_id: str
    seq: int
    note: str


effects = sa.Table(
    "bench_effects",
    new_metadata(),
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("consumer", sa.String(100), nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("application_id", sa.String(50), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)


async def produce(settings: ServiceSettings, n: int) -> None:
    producer = make_producer(settings, "consumer-bench")
    await producer.start()
    try:
        now = datetime.now(tz=UTC)
        futures = []
        for i in range(n):
            app = f"APP-{i % KEYS:05d}"
            data = BenchRecorded(application_id=app, seq=i // KEYS, note="x" * 200)
            env = Envelope(
                id=uuid.uuid4(),
                type="bench.recorded",
                version=1,
                source="/bench",
                time=now,
                subject=app,
                correlation_id=f"bench-{i}",
                data=data.model_dump(mode="json"),
            )
            futures.append(
                await producer.send(settings.topic(TOPIC), value=env.to_json_bytes(), key=app.encode())
            )
            if len(futures) >= 2000:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def db_backends_cpu_s(sf: Any) -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL backend serving this database (same machine only)."""
    async with sf() as s:
        pids = (
            await s.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        ).all()
    return {pid: _cpu_s(pid) for pid in pids}


async def consume_all(settings: ServiceSettings, sf: Any, name: str, n: int) -> dict[str, Any]:
    """Run one consumer until it has applied ``n`` records; the rate from its first record to its last, and
    the CPU time per record of this process and of the database backends over the same span."""
    first: list[float] = []
    last = [0.0]
    cpu: dict[str, Any] = {}

    async def handler(d: Delivery) -> None:
        t = time.perf_counter()
        if not first:
            first.append(t)
            cpu["client"] = time.process_time()
            cpu["db"] = await db_backends_cpu_s(sf)
        await d.session.execute(
            sa.insert(effects).values(
                consumer=name, event_id=d.envelope.id, application_id=d.data.application_id, seq=d.data.seq
            )
        )
        last[0] = time.perf_counter()

    consumer = InboxConsumer(
        name=name,
        settings=settings,
        session_factory=sf,
        outbox=Outbox(settings, SystemClock(), REG),
        clock=SystemClock(),
        topics=[TOPIC],
        handlers={"bench.recorded": handler},
        registry=REG,
    )
    task = asyncio.create_task(consumer.run())
    started = time.perf_counter()
    try:
        while consumer.processed < n:
            if task.done():
                task.result()
                raise RuntimeError("the consumer stopped early")
            if time.perf_counter() - started > 600:
                raise TimeoutError(f"{name}: {consumer.processed} of {n} after 600 s")
            await asyncio.sleep(0.02)
        client_cpu = time.process_time() - cpu["client"]
        db_now = await db_backends_cpu_s(sf)
        db_cpu = sum(v - cpu["db"].get(pid, 0.0) for pid, v in db_now.items())
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 30)
    seconds = last[0] - first[0]
    per = max(consumer.processed - 1, 1)
    return {
        "records": consumer.processed,
        "seconds": round(seconds, 3),
        "records_per_s": round(per / seconds, 1),
        "client_cpu_ms_per_record": round(client_cpu * 1000 / per, 3),
        "db_cpu_ms_per_record": round(db_cpu * 1000 / per, 3),
        "cpu_bound_records_per_s": round(per / (client_cpu + db_cpu), 1) if client_cpu + db_cpu else None,
        "load_average_1m": os.getloadavg()[0],
        "duplicates": consumer.duplicates,
        "dead_lettered": consumer.dead_lettered,
    }


async def check_effects(sf: Any, name: str, n: int) -> None:
    """Every record applied exactly once, each key in order."""
    async with sf() as s:
        rows = (
            await s.execute(
                sa.select(effects.c.application_id, effects.c.seq)
                .where(effects.c.consumer == name)
                .order_by(effects.c.id)
            )
        ).all()
    assert len(rows) == n, f"{name}: {len(rows)} effects for {n} records"
    seen: dict[str, int] = {}
    for app, seq in rows:
        assert seq == seen.get(app, -1) + 1, f"{name}: {app} out of order ({seq} after {seen.get(app)})"
        seen[app] = seq


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="consumer-bench-"))
    pg = broker = None
    server_url = os.environ.get("HUKOU_POSTGRES_URL")
    if server_url:
        server_url = to_asyncpg_url(server_url)
    else:
        pg = EmbeddedPostgres(tmp / "pg")
        server_url = pg.start()
    kafka = os.environ.get("HUKOU_KAFKA")
    if not kafka:
        broker = TansuBroker(free_port(), log_path=tmp / "tansu.log")
        kafka = broker.start()
    db = f"bench_consumer_{uuid.uuid4().hex[:8]}"
    await ensure_database(server_url, db)
    base = ServiceSettings(
        service_name="intake",
        database_url=with_database(server_url, db),
        kafka_bootstrap_servers=kafka,
        kafka_topic_prefix=f"bench{uuid.uuid4().hex[:6]}.",
        kafka_session_timeout_ms=2000,
        kafka_heartbeat_interval_ms=500,
        consumer_batch_max_records=args.batch,
        log_json=False,
    )
    engine = create_engine(base)
    sf = create_session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(effects.metadata.create_all)
        await ensure_topics(base, [TOPIC])
        t = time.perf_counter()
        await produce(base, args.records)
        print(f"produced {args.records:,} records in {time.perf_counter() - t:.1f} s")
        every = {
            "one_at_a_time": base.model_copy(update={"consumer_batch": False}),
            "batched": base.model_copy(update={"consumer_batch": True}),
        }
        modes = {m: every[m] for m in args.modes}
        results: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
        for run in range(args.runs):
            for mode, settings in modes.items():
                name = f"intake.bench-{mode}-{run}"
                res = await consume_all(settings, sf, name, args.records)
                await check_effects(sf, name, args.records)
                results[mode].append(res)
                print(
                    f"run {run + 1} {mode:<14} {res['records_per_s']:>9,.0f} records/s ({res['seconds']:.1f} s); "
                    f"CPU/record: client {res['client_cpu_ms_per_record']:.2f} ms, "
                    f"database {res['db_cpu_ms_per_record']:.2f} ms; load {res['load_average_1m']:.1f}"
                )
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled")
            with profiler:
                await consume_all(every["batched"], sf, "intake.bench-profile", args.records)
            out = (args.json.parent if args.json else RESULTS) / "consumer-profile.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(profiler.output_text(unicode=True, show_all=False))
            print(f"profile of a batched pass: {out}")
    finally:
        await engine.dispose()
        if pg is not None:
            pg.stop()
        else:
            await drop_database(server_url, db)
        if broker is not None:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    summary: dict[str, Any] = {
        "records": args.records,
        "runs": args.runs,
        "batch_max_records": args.batch,
        "partitions": base.kafka_partitions,
        "floor_records_per_s": FLOOR_RECORDS_PER_S,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "measured_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
    }
    for mode, runs in results.items():
        rate = statistics.median(r["records_per_s"] for r in runs)
        cpu_rate = statistics.median(r["cpu_bound_records_per_s"] or 0 for r in runs)
        summary[mode] = {
            "records_per_s": rate,
            "of_floor": round(rate / FLOOR_RECORDS_PER_S, 2),
            "cpu_bound_records_per_s": cpu_rate,
            "cpu_bound_of_floor": round(cpu_rate / FLOOR_RECORDS_PER_S, 2),
            "runs": runs,
        }
    if len(results) == 2:
        summary["batched_speedup"] = round(
            summary["batched"]["records_per_s"] / summary["one_at_a_time"]["records_per_s"], 2
        )
    return summary


def print_table(s: dict[str, Any]) -> None:
    print(f"\n{s['records']:,} records, {s['partitions']} partitions, median of {s['runs']} run(s)")
    print(f"{'mode':<16}{'records/s':>12}{'of floor':>10}{'CPU-bound/s':>14}{'of floor':>10}")
    for mode in ("one_at_a_time", "batched"):
        if mode not in s:
            continue
        m = s[mode]
        print(
            f"{mode:<16}{m['records_per_s']:>12,.0f}{m['of_floor']:>10.0%}"
            f"{m['cpu_bound_records_per_s']:>14,.0f}{m['cpu_bound_of_floor']:>10.0%}"
        )
    print(f"{'floor':<16}{s['floor_records_per_s']:>12,.0f}{'100%':>10}")
    print(
        "CPU-bound: 1 / (CPU per record of the consumer process + the database backends): the rate on idle cores"
    )
    if "batched_speedup" in s:
        print(f"batched / one at a time: {s['batched_speedup']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=200, help="consumer_batch_max_records")
    ap.add_argument("--profile", action="store_true", help="profile one more batched pass (pyinstrument)")
    ap.add_argument("--json", type=Path, default=RESULTS / "consumer.json")
    ap.add_argument(
        "--modes", type=lambda v: v.split(","), default=["one_at_a_time", "batched"], help="comma-separated"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    summary = asyncio.run(main_async(args))
    print_table(summary)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
