"""The local stack's broker, supervised: killed with SIGKILL, it is started again after every service's
outbox since it started was republished (through the service's API, or its CLI when the API is down), and
the topics are created on the new broker. One service (intake) stands for the five; the full stack is
started once, in tests/e2e/test_local_stack.py."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from aiokafka.admin import AIOKafkaAdminClient

from services.intake.app import create_app
from services.intake.config import Settings
from shared.api.auth import generate_keypair
from shared.clock import SharedOffsetClock
from shared.devstack.__main__ import broker_child
from shared.devstack.servers import TansuBroker, free_port
from shared.devstack.supervisor import Backoff, Supervisor
from shared.events.registry import ALL_TOPICS
from shared.settings import ServiceSettings
from tests.support.infra import Infra

pytestmark = pytest.mark.integration


async def _fill_outbox(settings: Settings) -> None:
    """Five rows published to the broker that is about to die, one published long before it started."""
    from shared.db import create_engine

    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO outbox (event_id, topic, key, event_type, envelope, created_at, published_at) "
                    "SELECT gen_random_uuid(), 'intake.events', 'A-1', 'x.y', '{}'::jsonb, now() - d, now() - d "
                    "FROM unnest(ARRAY[interval '0 s', interval '0 s', interval '0 s', interval '0 s', "
                    "interval '0 s', interval '2 days']) AS d"
                )
            )
    finally:
        await engine.dispose()


async def _unpublished(settings: Settings) -> int:
    from shared.db import create_engine

    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            n = await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            await conn.execute(sa.text("UPDATE outbox SET published_at = now() WHERE published_at IS NULL"))
            await conn.commit()
            return int(n or 0)
    finally:
        await engine.dispose()


def _state(pid: int) -> str:
    """A process's state letter from /proc (T: stopped)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _kill_and_wait_for_restart(sup: Supervisor, broker: TansuBroker, restarts: int) -> None:
    os.kill(broker.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while sup.children[0].restarts < restarts:
        assert time.monotonic() < deadline, "the broker was not restarted"
        sup.tick()
        time.sleep(0.1)


async def test_a_killed_broker_is_restarted_after_the_outboxes_were_republished(
    infra: Infra, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await infra.fresh_database("intake")
    priv, pub = generate_keypair()
    settings = Settings(database_url=url, jwt_public_key=pub, log_json=False)
    api_port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=api_port, log_level="error", access_log=False
        )
    )
    serving = asyncio.create_task(server.serve())
    broker = TansuBroker(free_port(), log_path=tmp_path / "tansu.log")
    # Stands for a worker: it notes when it is let go (SIGCONT) after being held (SIGSTOP).
    marker = tmp_path / "continued"
    client = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGCONT, lambda *_: pathlib.Path(sys.argv[1]).write_text('continued'))\n"
        "pathlib.Path(sys.argv[1]).write_text('ready')\n"
        "time.sleep(300)",
        str(marker),
    )
    said: list[str] = []
    sup = Supervisor(said.append)
    try:
        while not server.started:
            assert not serving.done()
            await asyncio.sleep(0.01)
        env = {**os.environ, "INTAKE_DATABASE_URL": url, "INTAKE_LOG_JSON": "false"}
        child = broker_child(
            broker,
            SharedOffsetClock(tmp_path / "clock.json"),
            priv,
            {"intake": f"http://127.0.0.1:{api_port}"},
            {"intake": env},
            tmp_path / "tansu.log",
            kafka_clients=lambda: [client.pid],
        )
        child.backoff = Backoff(initial_s=0.1)
        sup.add(child)
        await _fill_outbox(settings)
        ready_by = time.monotonic() + 30
        while not marker.exists() or marker.read_text() != "ready":
            assert time.monotonic() < ready_by, "the stand-in client did not start"
            await asyncio.sleep(0.05)

        # Killed while the API is up: republished through the API.
        await asyncio.to_thread(_kill_and_wait_for_restart, sup, broker, 1)
        out = capsys.readouterr().out
        assert "broker lost its records: republishing every outbox since" in out
        assert "intake: 5 events to send again" in out, out
        assert "topics re-created on the new broker (10)" in out
        # The Kafka clients were held from before the republish until the topics existed, and let go.
        assert out.index("holding 1 Kafka clients (SIGSTOP)") < out.index("broker lost its records")
        assert out.index("topics re-created on the new broker") < out.index("released 1 Kafka clients")
        assert marker.read_text() == "continued"
        assert _state(client.pid) != "T", "the client runs again"
        assert said[0].startswith("broker (pid") and "died: signal SIGKILL" in said[0]
        assert await _unpublished(settings) == 5
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            topics = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(list(ALL_TOPICS))}
        finally:
            await admin.close()
        assert topics == dict.fromkeys(ALL_TOPICS, ServiceSettings().kafka_partitions)

        # Killed while the API is down too: republished through the CLI.
        server.should_exit = True
        await serving
        await asyncio.to_thread(_kill_and_wait_for_restart, sup, broker, 2)
        out = capsys.readouterr().out
        assert "intake: 6 outbox rows since" not in out, "the row published before the broker started stays"
        assert "intake: 5 outbox rows since" in out and "(CLI; API unreachable (ConnectError))" in out, out
        assert await _unpublished(settings) == 5
    finally:
        client.kill()
        await client.wait()
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        broker.stop()
        await infra.drop(url)
