"""Helpers of the review service's tests: the facts schema, canonical facts, in-process registries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker

from services.review.adapters.departments import HttpDepartmentAdapter, RetryPolicy
from services.review.domain.canonical import (
    canonical_detentions,
    canonical_housing,
    canonical_income_tax,
    canonical_insurance,
    canonical_penalties,
)
from services.review.domain.model import DEPARTMENTS
from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.faults import Faults
from services.review.mock_registries.population import SyntheticPerson
from shared.clock import ManualClock

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@cache
def facts_validator() -> Draft202012Validator:
    schema = json.loads((SHARED / "contracts" / "points-facts.schema.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def schema_errors(facts: Mapping[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in facts_validator().iter_errors(facts)
    ]


def canonical_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts with every section in canonical form (comparable whatever the record split)."""
    out = dict(facts)
    out["social_insurance"] = canonical_insurance(facts["social_insurance"])
    out["housing"] = canonical_housing(facts["housing"])
    out["income_tax"] = canonical_income_tax(facts["income_tax"])
    out["tax_penalties"] = canonical_penalties(facts["tax_penalties"])
    out["detentions"] = canonical_detentions(facts["detentions"])
    return out


def registry_apps(
    people: Sequence[SyntheticPerson], faults: Mapping[str, Faults] | None = None
) -> dict[str, Any]:
    return {d: create_registry_app(d, people, (faults or {}).get(d), fault_seed=7) for d in DEPARTMENTS}


def fixed_clock() -> ManualClock:
    return ManualClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))


async def answers_for(person: SyntheticPerson, apps: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each department's normalised answer about ``person``, through the real adapters (in process)."""
    out: dict[str, dict[str, Any]] = {}
    for dept, app in apps.items():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as c:
            adapter = HttpDepartmentAdapter(dept, c, fixed_clock(), RetryPolicy(max_attempts=1))  # type: ignore[arg-type]
            out[dept] = (await adapter.lookup(person.id_number)).data
    return out


# ---- integration: registries over real HTTP, the whole review service -----------------------


class RegistryServer:
    """A mock registry served by uvicorn in this event loop, on a free port."""

    def __init__(self, app: Any) -> None:
        from shared.devstack.servers import free_port

        self.app = app
        self.port = free_port()
        self._server: Any = None
        self._task: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> Any:
        return self.app.state.faults

    def set_faults(self, **faults: Any) -> None:
        self.state.faults = Faults(**faults)

    async def start(self) -> None:
        import asyncio

        import uvicorn

        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="error", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # older uvicorn
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            await self._task
            self._server = None
