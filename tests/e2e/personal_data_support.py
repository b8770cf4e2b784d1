"""Helpers for the personal-data scan (issue 12, item 5): a points round's stack with every HTTP exchange
and log line recorded, every record of the run's Kafka topics, and a scanner for clear resident ID numbers
and mobile numbers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from demo.scenario import Services
from shared.api.auth import generate_keypair
from shared.clock import ManualClock
from shared.logging import JsonFormatter, TextFormatter
from shared.settings import SERVICES
from shared.validation.identifiers import is_valid_credit_code, is_valid_resident_id
from tests.e2e.test_full_round import REPO, T0, registries
from tests.support.infra import Infra

ID_RE = re.compile(r"\b\d{17}[\dXx]\b")
PHONE_RE = re.compile(r"\b1[3-9]\d{9}\b")
#: Paths anyone may call without logging in: publicity's lists, settlement's verification, scoring's calculators,
#: intake's rounds and a graduate's consent link.
PUBLIC_PATH = re.compile(r"^/(v1/)?(public/|verify/|points/score|rounds|graduate-consents/)")
LIST_ENTRIES = re.compile(r"^/v1/public/publicities/([^/]+)/entries$")
GRADUATE_ENTRIES = re.compile(r"^/v1/public/graduate-publicities/([^/]+)/entries$")
#: A letter's public verification link, in any answer (staff views of a case carry it).
VERIFY_TOKEN = re.compile(r"/verify/([A-Za-z0-9_\-]{16,})")


@dataclass
class Known:
    """The identities the run really used: what must never appear in clear."""

    ids: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    #: Numbers of the run with the shape of an ID number that are something else, named by the test (a
    #: graduate's 18-digit diploma number, which review checks against the 学信 registry).
    not_ids: set[str] = field(default_factory=set)

    def learn(self, text: str) -> None:
        self.ids.update(x for x in ID_RE.findall(text) if not _credit_code(x) and x not in self.not_ids)
        self.phones.update(PHONE_RE.findall(text))


def _credit_code(x: str) -> bool:
    """An all-digit unified social credit code (an employer's, public: 91110108…) has the shape of an ID
    number; it is not one when its credit-code check character holds and it is no valid resident ID."""
    return is_valid_credit_code(x) and not is_valid_resident_id(x)


def leaks(text: str, known: Known) -> list[str]:
    """Every clear ID number or mobile number in ``text`` (by pattern, or a known one anywhere in it)."""
    found = {x for x in ID_RE.findall(text) if not _credit_code(x) and x not in known.not_ids}
    found |= set(PHONE_RE.findall(text))
    found.update(x for x in (*known.ids, *known.phones) if x in text)
    return sorted(found)


@dataclass
class Scan:
    """Where each piece of scanned text came from, and what was found in it."""

    known: Known
    checked: dict[str, int] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)

    def check(self, kind: str, where: str, text: str) -> None:
        self.checked[kind] = self.checked.get(kind, 0) + 1
        for hit in leaks(text, self.known):
            self.found.append(f"{kind} {where}: {hit!r} in …{_around(text, hit)}…")


def _around(text: str, hit: str, width: int = 120) -> str:
    i = text.find(hit)
    return text[max(0, i - width) : i + len(hit) + width].replace("\n", "⏎")


class LogTap(logging.Handler):
    """Every log record of the run, as the services' own text and JSON formatters would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.loggers: Counter[str] = Counter()
        self.raw: list[str] = []  # the unmasked messages, before the formatters' ID masking (for the report)
        self._text = TextFormatter()
        self._json = JsonFormatter("e2e")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.loggers[record.name.split(".")[0] + "." + record.name.split(".")[-1]] += 1
            self.raw.append(record.getMessage())
            self.lines.append(self._text.format(record))
            self.lines.append(self._json.format(record))
        except Exception:  # a record that cannot be formatted is itself worth seeing
            self.lines.append(f"UNFORMATTABLE {record.name}: {record.msg!r} {record.args!r}")


@contextlib.contextmanager
def tap_logs() -> Iterator[LogTap]:
    """Attach a LogTap to the root logger at INFO (re-attached by ``ensure`` if a service replaced it)."""
    tap = LogTap()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(tap)
    root.setLevel(logging.INFO)
    try:
        yield tap
    finally:
        root.removeHandler(tap)
        root.setLevel(old_level)


@dataclass
class Exchanges:
    """Every request sent and every public response received during the run."""

    sent: list[str] = field(default_factory=list)
    public: list[tuple[str, str]] = field(default_factory=list)  # (method path -> status, body)
    publicity: httpx.AsyncClient | None = None  # to read the HTML twin of a JSON list while it is open
    pages_read: set[str] = field(default_factory=set)
    graduate_lists: set[str] = field(default_factory=set)
    verify_tokens: set[str] = field(default_factory=set)  # every letter verification link seen

    async def on_request(self, request: httpx.Request) -> None:
        body = request.content.decode("utf-8", "replace") if request.content else ""
        self.sent.append(f"{request.url}\n{body}")

    async def on_response(self, response: httpx.Response) -> None:
        if response.headers.get("content-type", "").startswith("application/json"):
            await response.aread()
            self.verify_tokens.update(VERIFY_TOKEN.findall(response.text))
        g = GRADUATE_ENTRIES.match(response.request.url.path)
        if g and response.status_code == 200 and self.publicity and g[1] not in self.graduate_lists:
            self.graduate_lists.add(g[1])  # a graduate list as a public web page, and the index, while open
            for path in (
                f"/public/graduate-publicities/{g[1]}",
                "/public/publicities",
                "/v1/public/publicities",
            ):
                await self.publicity.get(path)
        if PUBLIC_PATH.match(response.request.url.path):
            await response.aread()
            where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
            self.public.append((where, response.text))
            m = LIST_ENTRIES.match(response.request.url.path)
            if m and response.status_code == 200 and self.publicity and m[1] not in self.pages_read:
                self.pages_read.add(m[1])  # the same list as a public web page, and the index, while open
                for path in (f"/public/publicities/{m[1]}", "/public/publicities", "/v1/public/publicities"):
                    await self.publicity.get(path)


async def topic_records(bootstrap: str, prefix: str, idle_s: float = 3.0) -> dict[str, list[Any]]:
    """Every record of every topic named ``prefix…``, read from the beginning until ``idle_s`` pass quietly
    (tansu's end offsets cannot be trusted)."""
    c = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"pii-scan-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    await c.start()
    out: dict[str, list[Any]] = {}
    try:
        topics = sorted(t for t in await c.topics() if t.startswith(prefix))
        assert topics, f"no topics with prefix {prefix}"
        c.subscribe(topics)
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while loop.time() - quiet_since < idle_s:
            batch = await c.getmany(timeout_ms=300)
            for tp, records in batch.items():
                out.setdefault(tp.topic, []).extend(records)
                quiet_since = loop.time()
        for t in topics:
            out.setdefault(t, [])
    finally:
        await c.stop()
    return out


async def inject_bad_event(bootstrap: str, prefix: str, phone: str) -> tuple[bytes, int]:
    """Copy the run's first ``application.submitted`` with a new id and ``phone`` as its birth year-month
    (invalid), send it, and wait until it is dead-lettered; returns the bytes sent."""
    topic = f"{prefix}intake.events"
    original: dict[str, Any] | None = None
    for _ in range(5):  # a loaded broker may answer the first reads with nothing yet
        before = await topic_records(bootstrap, prefix, idle_s=2.0)
        submitted = [json.loads(r.value) for r in before.get(topic, [])]
        original = next((e for e in submitted if e.get("type") == "application.submitted"), None)
        if original is not None:
            break
    assert original is not None, f"no application.submitted on {topic}"
    dead_before = sum(len(r) for t, r in before.items() if t.endswith(".deadletter"))
    original["id"] = str(uuid.uuid4())
    original["data"]["birth_year_month"] = phone  # no year-month: every consumer refuses the payload
    value = json.dumps(original, ensure_ascii=False).encode()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=str(original.get("subject", "x")).encode())
    finally:
        await producer.stop()
    for _ in range(15):
        await asyncio.sleep(0.5)
        now = await topic_records(bootstrap, prefix, idle_s=0.5)
        dead = sum(len(r) for t, r in now.items() if t.endswith(".deadletter"))
        if dead > dead_before:
            return value, dead
    raise AssertionError("the bad event was never dead-lettered")


def without_original(text: str, injected: bytes) -> str:
    """A dead letter's text without its copy of the injected record (its ``original.value``)."""
    try:
        doc = json.loads(text.split("\n", 2)[1])
    except (IndexError, ValueError):
        return text
    body = doc.get("data", doc)
    orig = body.get("original") if isinstance(body, dict) else None
    if isinstance(orig, dict) and str(orig.get("value", "")).encode() == injected:
        orig["value"] = "<the injected record>"
    return json.dumps(doc, ensure_ascii=False)


def record_text(record: Any) -> str:
    parts = [record.key or b"", record.value or b""]
    parts += [k.encode() + b"=" + (v or b"") for k, v in record.headers or ()]
    return "\n".join(p.decode("utf-8", "replace") for p in parts)


@contextlib.asynccontextmanager
async def points_stack(
    infra: Infra, topic_prefix: str, people: list[Any], tmp_dir: Any, exchanges: Exchanges
) -> AsyncIterator[tuple[Services, dict[str, httpx.AsyncClient], list[str]]]:
    """test_full_round's five services, in-process, with every client hooked to ``exchanges``.

    Yields the scenario's Services, the clients (to read public pages afterwards) and the output of the
    bootstrap command that created the first operations administrator."""
    priv, pub = generate_keypair()
    data_key = base64.b64encode(os.urandom(32)).decode()
    clock = ManualClock(T0)
    urls = {s: await infra.fresh_database(s) for s in SERVICES}
    common = {**infra.settings_kwargs(topic_prefix), "jwt_public_key": pub, "data_key": data_key}
    hooks: dict[str, list[Callable[..., Any]]] = {
        "request": [exchanges.on_request],
        "response": [exchanges.on_response],
    }
    async with registries(people) as reg, contextlib.AsyncExitStack() as stack:
        extra: dict[str, dict[str, Any]] = {
            "intake": {"jwt_private_key": priv, "phase_job_interval_s": 0.2, "materials_dir": tmp_dir},
            "review": {f"registry_{d}_url": u for d, u in reg.items()}
            | {"verify_poll_interval_s": 0.2, "department_backoff_initial_s": 0.05},
            "scoring": {},
            "publicity": {"job_interval_s": 0.2},
            "settlement": {
                "job_interval_s": 0.2,
                "public_base_url": "http://settlement.test",
                "verify_burst": 500,
            },
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
                    transport=httpx.ASGITransport(app=app),
                    base_url=f"http://{svc}.test",
                    timeout=30,
                    event_hooks=hooks,
                )
            )
        env = {
            **os.environ,
            "INTAKE_DATABASE_URL": urls["intake"],
            "INTAKE_BOOTSTRAP_PASSWORD": "root-pass-2024",
            "INTAKE_DATA_KEY": data_key,
        }
        cmd = [sys.executable, "-m", "services.intake", "create-user", "--username", "root"]
        cmd += ["--name", "运维管理员", "--role", "operations_admin"]
        done = await asyncio.to_thread(
            subprocess.run, cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60
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

        exchanges.publicity = clients["publicity"]
        services = Services(**clients, now=clock.now, advance=advance, operations_token=ops_token)
        yield services, clients, [done.stdout, done.stderr]


def token_of(verify_url: str) -> str:
    return verify_url.rstrip("/").rsplit("/", 1)[1]


def summary(scan: Scan, extra: Iterable[str] = ()) -> str:
    lines = [
        f"checked: {scan.checked}",
        f"known identities: {len(scan.known.ids)} ID numbers, {len(scan.known.phones)} phones",
        *extra,
    ]
    return "\n".join(lines)
