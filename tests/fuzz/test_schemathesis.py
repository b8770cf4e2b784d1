"""Schemathesis against every service's OpenAPI document (issue 12, item 4): each operation of each of the
five services, in-process on the real PostgreSQL (a fresh database at the latest migration) and the
broker, called anonymously and with an access token of every role. Valid and invalid inputs generated from
the schema; every answer must be no 5xx (``not_a_server_error``), a documented status
(``status_code_conformance``) and a body that matches the documented schema
(``response_schema_conformance``).

Bounded and deterministic for CI: ``FUZZ_EXAMPLES`` examples (default 8) per operation for every role the
permission table names (anonymous for public routes), one example for every other caller (a refusal, or
a public route called with a token, must conform too); ``derandomize`` makes every run generate the same
cases. The totals (operations, cases, failures, time) are printed and written to
``test-output/fuzz/schemathesis-<service>.json``.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Err
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from shared.api.auth import Role, generate_keypair, issue_token
from shared.clock import ManualClock
from shared.settings import SERVICES
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output" / "fuzz"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: The services' clock and the tokens' time: inside the 2024 points round's declaration phase.
NOW = datetime(2024, 5, 10, 1, 0, tzinfo=UTC)
PRIV, PUB = generate_keypair()
_, IDP_PUB = generate_keypair()
ROLES = [r.value for r in Role if r is not Role.PUBLIC]
#: Scopes some roles carry in their tokens (a district, a supervising unit, an employer).
CLAIMS = {"district": "110108", "supervising_unit": "U-1", "employer": "91110000600037341L"}
#: Findings whose fix lies in files outside this test's brief, reported to the coordinator:
#: (operation, failure) -> where the fix goes. Each must still be found (delete the entry with the fix).
REPORTED: dict[tuple[str, str], str] = {}
#: No department registry answers here: review's adapters must fail cleanly, never with a 500.
NOWHERE = "http://127.0.0.1:9"


def _service_settings(service: str, database_url: str, infra: Infra, prefix: str, tmp: Path) -> Any:
    cfg = importlib.import_module(f"services.{service}.config")
    kwargs: dict[str, Any] = {
        **infra.settings_kwargs(prefix),
        "database_url": database_url,
        "jwt_public_key": PUB,
        "data_key": base64.b64encode(b"k" * 32).decode(),
    }
    if service == "intake":
        kwargs |= {"jwt_private_key": PRIV, "materials_dir": tmp / "materials"}
        if "external_idp_issuer" in cfg.Settings.model_fields:  # the city's identity service, configured
            kwargs |= {"external_idp_issuer": "https://id.example/fuzz", "external_idp_public_keys": IDP_PUB}
    if service == "review":
        kwargs |= {
            f"registry_{dept}_url": NOWHERE
            for dept in ("social_insurance", "tax", "police", "housing", "education", "company")
        }
        kwargs |= {"department_max_attempts": 1, "department_deadline_s": 2.0}
    return cfg.Settings(**kwargs)


def _token(role: str) -> str:
    return issue_token(
        PRIV, subject=f"fuzz-{role}", roles=[role], now=NOW, ttl=timedelta(hours=4), extra=CLAIMS
    )


@dataclass
class Totals:
    service: str
    operations: int = 0
    cases: int = 0
    calls_by_caller: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # what failed -> one reproducing request
    reported: dict[str, str] = field(default_factory=dict)  # failures listed in REPORTED
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process (fuzzer and app): the wall time depends on the machine's load
    seconds_by_operation: dict[str, float] = field(default_factory=dict)

    def record(self, caller: str, status: int) -> None:
        self.cases += 1
        self.calls_by_caller[caller] = self.calls_by_caller.get(caller, 0) + 1
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1


def _failures(error: BaseException) -> list[Failure]:
    if isinstance(error, FailureGroup):
        return list(error.exceptions)
    return [error] if isinstance(error, Failure) else []


def _fuzz_caller(
    operation: Any, strategy: Any, caller: str, headers: dict[str, str], examples: int, totals: Totals
) -> None:
    """One caller's examples of one operation; failures are collected, not raised, so that one run reports
    everything it finds."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            response = case.call(headers=headers)
        except Exception as e:  # the app raised past its error handlers: a 500 to any client
            key = f"{operation.label} as {caller}: unhandled {type(e).__name__}"
            totals.failures.setdefault(key, f"{case.as_curl_command()}\n{str(e)[:600]}")
            return
        totals.record(caller, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as e:
            for failure in _failures(e):
                what = f"{failure.title} ({response.status_code})"
                found = totals.reported if (operation.label, what) in REPORTED else totals.failures
                key = f"{operation.label} as {caller}: {what}"
                found.setdefault(key, f"{case.as_curl_command()}\n{failure.message[:600]}")

    run()


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document itself is broken: no operation can be generated
        operations.append(result.ok())
    return operations


def _fuzz_service(schema: Any, permissions: dict[tuple[str, str], frozenset[str]], totals: Totals) -> None:
    tokens = {role: {"Authorization": f"Bearer {_token(role)}"} for role in ROLES}
    for operation in _operations(schema):
        allowed = permissions[(operation.method.upper(), operation.path)]
        totals.operations += 1
        public = Role.PUBLIC.value in allowed
        callers: list[tuple[str, dict[str, str], int]] = [("anonymous", {}, EXAMPLES if public else 1)]
        callers += [(role, tokens[role], EXAMPLES if role in allowed else 1) for role in ROLES]
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )
        started = time.perf_counter()
        for caller, headers, examples in callers:
            _fuzz_caller(operation, strategy, caller, headers, examples, totals)
        totals.seconds_by_operation[operation.label] = round(time.perf_counter() - started, 2)


@pytest.mark.parametrize("service", SERVICES)
async def test_no_operation_answers_a_5xx_or_anything_off_its_documented_schema(
    service: str, infra: Infra, topic_prefix: str, tmp_path: Path
) -> None:
    url = await infra.fresh_database(service)
    settings_ = _service_settings(service, url, infra, topic_prefix, tmp_path)
    app = importlib.import_module(f"services.{service}.app").create_app(settings_, ManualClock(NOW))
    totals = Totals(service)
    loop = asyncio.get_running_loop()
    started, started_cpu = loop.time(), time.process_time()
    try:
        # Schemathesis serves the app in its own event loop thread (lifespan included): the app's
        # database pool lives there, the fixtures' loop only creates and drops the database.
        schema = await asyncio.to_thread(schemathesis.openapi.from_asgi, "/openapi.json", app)
        await asyncio.to_thread(_fuzz_service, schema, app.state.permissions, totals)
        schema_labels = {op.label for op in _operations(schema)}
    finally:
        await asyncio.to_thread(shutdown_lifespans)
        await infra.drop(url)
    totals.seconds = round(loop.time() - started, 1)
    totals.cpu_seconds = round(time.process_time() - started_cpu, 1)
    report = {**totals.__dict__, "examples_per_operation": EXAMPLES}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"schemathesis-{service}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(
        f"\nschemathesis {service}: {totals.operations} operations, {totals.cases} cases, "
        f"{len(totals.failures)} failures (+{len(totals.reported)} reported elsewhere), {totals.seconds} s "
        f"({totals.cpu_seconds} s CPU); "
        f"statuses {totals.statuses}"
    )
    assert totals.operations > 10 and totals.cases >= totals.operations * (len(ROLES) + 1)
    assert not totals.failures, "\n\n".join(f"{k}\n{v}" for k, v in sorted(totals.failures.items()))
    for (label, what), fix in REPORTED.items():
        if label in schema_labels:
            still = any(k.startswith(f"{label} as ") and k.endswith(what) for k in totals.reported)
            assert still, f"{label}: {what} is no longer found ({fix}): remove it from REPORTED"
