"""A small points round through all five services and the real broker (issue 7's acceptance).

About 20 applicants from the mock registries' synthetic population (some failing a qualification) register
and declare through intake's API; review verifies them against the running mock registries (on-site tasks
decided by staff); scoring scores and ranks; publicity opens, an objection is upheld, and it closes by
itself with the clock moved forward; settlement issues the letters. At the end every application is in
exactly one final state and no letter was issued twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from demo.scenario import FINAL_STATES, PointsRound, Services
from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.population import generate_population, truth_facts
from services.scoring.contract import score_document
from shared.api.auth import generate_keypair
from shared.clock import BEIJING, ManualClock
from shared.devstack.servers import free_port
from shared.settings import SERVICES
from tests.support.infra import Infra

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
YEAR = 2024
T0 = datetime(YEAR, 5, 6, 9, 0, tzinfo=BEIJING)


def pick_people(n: int) -> list[Any]:
    """n people of the population, at least a quarter of them failing a qualification."""
    people = generate_population(400, application_year=YEAR)
    good, bad = [], []
    for p in people:
        (good if score_document(truth_facts(p))["qualified"] else bad).append(p)
    k = max(3, n // 4)
    assert len(bad) >= k and len(good) >= n - k, "the population has too few of one kind"
    return good[: n - k] + bad[:k]


@contextlib.asynccontextmanager
async def registries(people: list[Any]) -> AsyncIterator[dict[str, str]]:
    servers, tasks, urls = [], [], {}
    for dept in ("social_insurance", "tax", "police", "housing"):
        port = free_port()
        config = uvicorn.Config(
            create_registry_app(dept, people), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        server = uvicorn.Server(config)
        servers.append(server)
        tasks.append(asyncio.create_task(server.serve()))
        urls[dept] = f"http://127.0.0.1:{port}"
    for server in servers:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for this
            await asyncio.sleep(0.05)
    try:
        yield urls
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_small_points_round_runs_through_all_five_services(
    infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    people = pick_people(20)
    priv, pub = generate_keypair()
    data_key = base64.b64encode(os.urandom(32)).decode()
    clock = ManualClock(T0)
    urls = {s: await infra.fresh_database(s) for s in SERVICES}
    common = {**infra.settings_kwargs(topic_prefix), "jwt_public_key": pub, "data_key": data_key}
    async with registries(people) as reg, contextlib.AsyncExitStack() as stack:
        extra: dict[str, dict[str, Any]] = {
            "intake": {
                "jwt_private_key": priv,
                "phase_job_interval_s": 0.2,
                "materials_dir": tmp_path / "materials",
            },
            "review": {f"registry_{d}_url": u for d, u in reg.items()}
            | {"verify_poll_interval_s": 0.2, "department_backoff_initial_s": 0.05},
            "scoring": {},
            "publicity": {"job_interval_s": 0.2},
            "settlement": {"job_interval_s": 0.2, "public_base_url": "http://settlement.test"},
        }
        clients: dict[str, httpx.AsyncClient] = {}
        for svc in SERVICES:
            cfg = importlib.import_module(f"services.{svc}.config")
            settings = cfg.Settings(database_url=urls[svc], **common, **extra[svc])
            app = importlib.import_module(f"services.{svc}.app").create_app(settings, clock)
            await stack.enter_async_context(app.router.lifespan_context(app))
            worker = importlib.import_module(f"services.{svc}.worker").create_worker(settings, clock)
            await worker.start()
            stack.push_async_callback(worker.stop)
            clients[svc] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=f"http://{svc}.test", timeout=30
                )
            )

        # The first operations administrator, created the way an operator bootstraps a new system.
        env = {
            **os.environ,
            "INTAKE_DATABASE_URL": urls["intake"],
            "INTAKE_BOOTSTRAP_PASSWORD": "root-pass-2024",
            "INTAKE_DATA_KEY": data_key,
        }
        done = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "services.intake",
                "create-user",
                "--username",
                "root",
                "--name",
                "运维管理员",
                "--role",
                "operations_admin",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr

        async def ops_token() -> str:
            r = await clients["intake"].post(
                "/v1/auth/token",
                data={"grant_type": "password", "username": "root", "password": "root-pass-2024"},
            )
            assert r.status_code == 200, r.text
            return str(r.json()["access_token"])

        async def advance(delta: timedelta) -> None:
            clock.advance(delta)

        lines: list[str] = []
        services = Services(**clients, now=clock.now, advance=advance, operations_token=ops_token)
        report = await PointsRound(services, people, quota=8, say=lines.append, timeout_s=90).run()

    print("\n".join(lines))
    states = report.final_states
    assert set(states) == set(report.applications) and len(states) == 20
    assert set(states.values()) <= set(FINAL_STATES)
    counts = report.counts()
    expected_unqualified = sum(not score_document(truth_facts(p))["qualified"] for p in people)
    assert counts["not_qualified"] == expected_unqualified
    admitted = report.ranking["admitted_count"]
    assert admitted >= 8 and counts["disqualified"] == 1
    assert counts["letter_issued"] == admitted - 1  # 不递补: the disqualified place is not refilled
    assert counts["not_admitted"] == report.ranking["ranked_count"] - admitted
    letter_apps = [x["application_id"] for x in report.letters]
    assert len(letter_apps) == len(set(letter_apps)) == counts["letter_issued"]
    assert {a for a, s in states.items() if s == "letter_issued"} == set(letter_apps)
