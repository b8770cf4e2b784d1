"""Helpers of the review service's tests: the facts schema, canonical facts, in-process registries."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
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


@cache
def facts_validator() -> Draft202012Validator:
    """The points-facts schema the scoring service enforces (its copy in the repository, the same as
    ``../shared/contracts``): the tests do not depend on where the repository is checked out."""
    from services.scoring.schemas import FACTS_SCHEMA

    return Draft202012Validator(FACTS_SCHEMA, format_checker=FormatChecker())


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
    """A mock registry served by uvicorn in this event loop, on a port of its own.

    The listening socket is bound when the server is made, and uvicorn serves that very socket: the
    port is never free between choosing it and serving on it. (Choosing a free port, closing it and
    binding it again later let another process, or another server of the same stack, take it meanwhile:
    under load, with other test runs on the machine, a stack then failed to start.)"""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)  # listening: no other bind succeeds, not even with SO_REUSEADDR
        self.port = int(self._socket.getsockname()[1])
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
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            await self._task
            self._server = None
        self._socket.close()  # also when it never started (a stack that failed half-way)
