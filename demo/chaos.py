"""``make chaos``: a points round while processes of the local stack are killed with SIGKILL, then the invariants.

    python -m demo.chaos [--applicants 200] [--seed 7] [--summary path.json]
    APPLICANTS=N CHAOS_SEED=S CHAOS_SUMMARY=path.json python -m demo.chaos

A fresh local stack (``python -m shared.devstack run --port-offset 300``, its own Kafka port, its own var
directory) plays one points round of ``APPLICANTS`` people through the public APIs (``demo.scenario``'s
``PointsRound``). Meanwhile a chaos task kills processes with SIGKILL at random moments (a seeded RNG): every
worker at least once, intake's API at least once, the broker at least once (once a quarter of the applicants
submitted, so that it takes events with it; the clock leaves the declaration phase only after these); then one every 5–12 s (at most
``--max-extra-kills``) and one 0–2 s after each new stage of the round (ranking, publicity, objection,
closing, letters; at most ``--max-stage-kills``), until the round ends. The supervisor restarts them (the
broker after every outbox was republished). At the end, once the pipeline settled,
:func:`demo.invariants.check_invariants` judges the services' databases; the program prints what was killed
how often, the figures and the invariant table, writes a JSON summary (``CHAOS_SUMMARY``) and exits non-zero
if the round failed or an invariant did not hold.

The clients tolerate an API that is down for a moment: the HTTP layer here (:class:`RetryingTransport`)
retries a request that could not connect (nothing was sent) whatever its method, and a request that lost
its connection on the way only when repeating it cannot have a second effect (GET/HEAD/PUT/DELETE, a
request carrying an ``Idempotency-Key``, a login). A non-idempotent write that lost its answer cannot be
repeated safely (the client cannot know whether it took effect), so an API is killed at a random moment
when no such write to it is in flight (reads and idempotent submits in flight are killed with it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from demo.invariants import InvariantReport, check_invariants, stack_database_urls
from demo.scenario import PointsRound, RoundReport, Services
from services.review.mock_registries.population import generate_population
from shared.clock import SharedOffsetClock
from shared.devstack.__main__ import MOCK_REGISTRIES
from shared.devstack.servers import free_port
from shared.settings import DEFAULT_PORTS, SERVICES

REPO = Path(__file__).resolve().parents[1]
PORT_OFFSET = 300
WORKERS = tuple(f"{svc}-worker" for svc in SERVICES)
APIS = tuple(f"{svc}-api" for svc in SERVICES)
#: What must be killed at least once: every worker, intake's API (every write of the round goes through
#: it) and the broker.
REQUIRED = (*WORKERS, "intake-api", "broker")
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Transport errors after which a request may have reached the server.
LOST_ON_THE_WAY = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadTimeout)


def say(msg: str) -> None:
    print(f"[chaos] {msg}", flush=True)


# ---- the clients' HTTP layer ---------------------------------------------------------------------------


def repeatable(request: httpx.Request) -> bool:
    """A request whose repetition has no second effect."""
    return (
        request.method in IDEMPOTENT_METHODS
        or "idempotency-key" in request.headers
        or (request.method == "POST" and request.url.path == "/v1/auth/token")  # a login again: another token
    )


class RetryingTransport(httpx.AsyncBaseTransport):
    """Retries what can be retried while an API restarts (0.1 s doubling to 2 s, for up to ``patience_s``),
    and lets the chaos task wait until no non-repeatable write is in flight before it kills the API."""

    def __init__(self, service: str, patience_s: float = 90.0) -> None:
        self.service = service
        self.inner = httpx.AsyncHTTPTransport(retries=0)
        self.patience_s = patience_s
        self.unsafe_in_flight = 0
        self.held = asyncio.Event()
        self.held.set()  # set: writes may start
        self.idle = asyncio.Event()
        self.idle.set()  # set: no non-repeatable write in flight
        self.retries = 0
        self.submitted: set[str] = set()  # applications whose submit was answered (the round's progress)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        safe = repeatable(request)
        await request.aread()  # a body that can be sent again
        if not safe:
            await self.held.wait()
            self.unsafe_in_flight += 1
            self.idle.clear()
        try:
            response = await self._send(request, safe)
            if (
                request.method == "POST"
                and request.url.path.endswith("/submit")
                and response.status_code < 300
            ):
                self.submitted.add(request.url.path)
            return response
        finally:
            if not safe:
                self.unsafe_in_flight -= 1
                if not self.unsafe_in_flight:
                    self.idle.set()

    async def _send(self, request: httpx.Request, safe: bool) -> httpx.Response:
        deadline = time.monotonic() + self.patience_s
        delay = 0.1
        while True:
            try:
                response = await self._whole(await self.inner.handle_async_request(request), request)
                if safe and response.status_code in (502, 503, 504) and time.monotonic() < deadline:
                    raise httpx.RemoteProtocolError(f"answered {response.status_code}", request=request)
                return response
            except httpx.ConnectError:
                pass  # nothing was sent: any request may be sent again
            except LOST_ON_THE_WAY:
                if not safe:
                    raise
            if time.monotonic() >= deadline:
                raise httpx.ConnectError(
                    f"{self.service} not back after {self.patience_s:.0f}s", request=request
                )
            self.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    @staticmethod
    async def _whole(response: httpx.Response, request: httpx.Request) -> httpx.Response:
        """The response with its body read here, so that a body lost on the way is a failure of this request
        (retried when it may be) and a write counts as in flight until its answer is complete."""
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            extensions=response.extensions,
            request=request,
        )

    async def quiesce(self, timeout_s: float = 20.0) -> None:
        """Hold new non-repeatable writes and wait until none is in flight (or the time is up)."""
        self.held.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle.wait(), timeout_s)

    async def reset(self) -> None:
        """Drop the pooled keep-alive connections (to a server just killed): the next request opens a new
        one, and fails to connect (nothing sent) until the server is back."""
        old, self.inner = self.inner, httpx.AsyncHTTPTransport(retries=0)
        await old.aclose()

    def release(self) -> None:
        self.held.set()

    async def aclose(self) -> None:
        await self.inner.aclose()


# ---- the stack -------------------------------------------------------------------------------------------


@dataclass
class Stack:
    var: Path
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    password: str = ""
    port_offset: int = PORT_OFFSET
    kafka_port: int = 0
    _reader: threading.Thread | None = None

    def pid_of(self, child: str) -> int | None:
        try:
            return int((self.var / "pids" / f"{child}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def log(self) -> str:
        return "".join(self.lines)


def start_stack(var: Path, port_offset: int, kafka_port: int, applicants: int, echo: bool) -> Stack:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUKOU_")}
    env["MOCK_REGISTRY_POPULATION"] = str(max(2000, applicants))
    cmd = [sys.executable, "-m", "shared.devstack", "--var-dir", str(var), "run"]
    cmd += ["--port-offset", str(port_offset), "--kafka-port", str(kafka_port), "--ready-timeout", "120"]
    cmd += ["--stop-with-parent"]  # this tool killed: the stack stops too
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    stack = Stack(var, proc, port_offset=port_offset, kafka_port=kafka_port)
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        with open(var / "stack.log", "a") as out:
            for line in proc.stdout:
                stack.lines.append(line)
                out.write(line)
                out.flush()
                if echo:
                    print(line.rstrip(), flush=True)
                m = re.search(r"operations administrator: root / (\S+)", line)
                if m:
                    stack.password = m.group(1)
                if "Ctrl-C stops everything" in line:
                    ready.set()
        ready.set()

    stack._reader = threading.Thread(target=read, daemon=True)
    stack._reader.start()
    ready.wait(300)
    if proc.poll() is not None or not stack.password:
        stop_stack(stack)
        raise SystemExit("the local stack did not start:\n" + stack.log()[-3000:])
    return stack


def stop_stack(stack: Stack) -> None:
    """Ctrl-C to the stack (it stops its children); SIGKILL to whatever is left after 60 s."""
    if stack.proc.poll() is None:
        os.killpg(stack.proc.pid, signal.SIGINT)
        try:
            stack.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.proc.pid, signal.SIGKILL)
            stack.proc.wait(10)
    for pid_file in (stack.var / "pids").glob("*.pid"):  # children of a stack that could not stop them
        pid = stack.pid_of(pid_file.stem)
        if pid and _is_child(stack, pid_file.stem, pid):
            say(f"{pid_file.stem} (pid {pid}) outlived the stack: SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    if stack._reader is not None:
        stack._reader.join(10)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _environ(pid: int) -> str:
    """A process's environment (a service of this stack has our var directory in it)."""
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except OSError:
        return ""


async def _gone(pid: int, timeout_s: float = 10.0) -> None:
    """Wait until ``pid`` is dead (gone, or a zombie its parent has not reaped yet)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            stat = await asyncio.to_thread(Path(f"/proc/{pid}/stat").read_text)
        except OSError:
            return
        if stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
            return
        await asyncio.sleep(0.02)


async def _refused(port: int, timeout_s: float = 10.0) -> None:
    """Wait until nothing accepts connections on ``port`` any more."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        await asyncio.sleep(0.02)


def _is_child(stack: Stack, name: str, pid: int) -> bool:
    """``pid`` is this stack's ``name`` (never kill a stranger whose pid was reused)."""
    cmd = _cmdline(pid)
    if name == "broker":
        return " broker " in cmd and f"127.0.0.1:{stack.kafka_port}" in cmd
    if name.startswith("registry-"):
        port = MOCK_REGISTRIES[name.removeprefix("registry-")] + stack.port_offset
        return "services.review.mock_registries" in cmd and f"--port {port}" in cmd
    svc, role = name.rsplit("-", 1)
    return f"services.{svc}" in cmd and cmd.rstrip().endswith(role) and str(stack.var) in _environ(pid)


# ---- chaos -----------------------------------------------------------------------------------------------


@dataclass
class Chaos:
    stack: Stack
    rng: random.Random
    transports: dict[str, RetryingTransport]
    kills: list[tuple[float, str, int]] = field(default_factory=list)  # (seconds since start, child, pid)
    started: float = field(default_factory=time.monotonic)
    max_extra: int = 40
    max_stage: int = 12
    broker_after: int = 5
    required_done: asyncio.Event = field(default_factory=asyncio.Event)
    _stage: asyncio.Event = field(default_factory=asyncio.Event)

    def counts(self) -> Counter[str]:
        return Counter(name for _, name, _ in self.kills)

    async def kill(self, name: str) -> bool:
        """SIGKILL the running process of child ``name``; False when it is not running now."""
        pid = self.stack.pid_of(name)
        if pid is None or not _is_child(self.stack, name, pid):
            return False
        transport = self.transports.get(name.removesuffix("-api")) if name.endswith("-api") else None
        if transport is not None:
            await transport.quiesce()
        try:
            os.kill(pid, signal.SIGKILL)
            if transport is not None:
                await _gone(pid)
                # Its listening socket closes only when its last thread is gone: until then the kernel still
                # accepts connections for it, and a request sent on one would be lost on the way.
                await _refused(DEFAULT_PORTS[name.removesuffix("-api")] + self.stack.port_offset)
                await transport.reset()
        except ProcessLookupError:
            return False
        finally:
            if transport is not None:
                transport.release()
        at = time.monotonic() - self.started
        self.kills.append((at, name, pid))
        say(f"t+{at:5.1f}s SIGKILL {name} (pid {pid})")
        return True

    def on_stage(self, message: str) -> None:
        """The round moved on (one of ``PointsRound``'s progress lines): one more kill soon after, so that every
        stage (ranking, publicity, objections, closing, letters) sees one."""
        if not message.lstrip().startswith("…"):
            self._stage.set()

    def submitted(self) -> int:
        transport = self.transports.get("intake")
        return len(transport.submitted) if transport is not None else 0

    async def run(self, stop: asyncio.Event) -> None:
        """From the first submitted application on, the required kills in a random order, 1–5 s apart (the
        broker once at least ``broker_after`` applications were submitted, so that it holds events the
        services consumed and some they did not yet); then a random one every 5–12 s (at most ``max_extra``),
        and one 0–2 s after each new stage of the round (at most ``max_stage``), until ``stop``."""
        deadline = time.monotonic() + 120
        while not self.submitted() and time.monotonic() < deadline and not stop.is_set():
            await self._sleep(0.2, stop)
        await self._sleep(self.rng.uniform(0, 3), stop)
        required = list(REQUIRED)
        self.rng.shuffle(required)
        try:
            await self._required(required, stop)
        finally:
            self.required_done.set()
        await self._more(stop)

    async def _required(self, required: list[str], stop: asyncio.Event) -> None:
        while required and not stop.is_set():
            name = required[0]
            if name == "broker" and self.submitted() < self.broker_after:
                if len(required) > 1:
                    required.append(required.pop(0))  # later: too little has gone through it yet
                else:
                    await self._sleep(0.5, stop)
                continue
            if await self.kill(name):
                required.pop(0)
                await self._sleep(self.rng.uniform(1, 5), stop)
            else:
                await self._sleep(0.5, stop)  # not running now (restarting), or too early: try again shortly

    async def _more(self, stop: asyncio.Event) -> None:
        extra = stage_kills = 0
        last_broker = time.monotonic()
        self._stage.clear()
        while not stop.is_set() and (extra < self.max_extra or stage_kills < self.max_stage):
            timer = self.rng.uniform(5, 12) if extra < self.max_extra else 3600.0
            staged = await self._wait_stage(timer, stop)
            if stop.is_set():
                break
            if staged:
                if stage_kills >= self.max_stage:
                    continue
                await self._sleep(self.rng.uniform(0, 2), stop)
            pool = [*WORKERS, *WORKERS, *APIS]
            if time.monotonic() - last_broker > 40:
                pool.append("broker")
            name = self.rng.choice(pool)
            if await self.kill(name):
                if staged:
                    stage_kills += 1
                else:
                    extra += 1
                if name == "broker":
                    last_broker = time.monotonic()

    async def _wait_stage(self, seconds: float, stop: asyncio.Event) -> bool:
        """Wait ``seconds`` or until the round reaches a new stage (True) or ends."""
        stage = asyncio.ensure_future(self._stage.wait())
        ended = asyncio.ensure_future(stop.wait())
        await asyncio.wait({stage, ended}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for f in (stage, ended):
            f.cancel()
        staged = self._stage.is_set()
        self._stage.clear()
        return staged

    @staticmethod
    async def _sleep(seconds: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


# ---- the round -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    report: RoundReport | None
    error: str | None
    seconds: float
    retries: dict[str, int]


async def play(stack: Stack, applicants: int, quota: int, chaos_factory: Callable[[dict[str, RetryingTransport]], Chaos],
               timeout_s: float) -> tuple[Outcome, Chaos]:  # fmt: skip
    clock = SharedOffsetClock(stack.var / "clock.json")
    people = list(generate_population(max(2000, applicants), application_year=clock.today().year))[
        :applicants
    ]
    transports = {svc: RetryingTransport(svc) for svc in SERVICES}
    clients = {
        svc: httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{DEFAULT_PORTS[svc] + stack.port_offset}",
            timeout=60,
            transport=transports[svc],
        )
        for svc in SERVICES
    }

    async def ops_token() -> str:
        r = await clients["intake"].post(
            "/v1/auth/token", data={"grant_type": "password", "username": "root", "password": stack.password}
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    async def advance(delta: timedelta) -> None:
        if not chaos.required_done.is_set():  # the round leaves its declaration phase only after them
            say("the clock waits until every required process was killed once")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(chaos.required_done.wait(), 180)
        now = clock.advance(delta)
        say(f"clock moved forward {delta.days} days → {now:%Y-%m-%d %H:%M} (all services)")
        await asyncio.sleep(1.0)  # every service re-reads the shared clock within 0.2 s

    def now() -> datetime:
        return clock.now()

    services = Services(**clients, now=now, advance=advance, operations_token=ops_token)
    chaos = chaos_factory(transports)
    stop = asyncio.Event()
    chaos_task = asyncio.create_task(chaos.run(stop))
    t0 = time.monotonic()
    report: RoundReport | None = None
    error: str | None = None
    points_round: PointsRound | None = None
    try:

        def progress(message: str) -> None:
            say(message)
            chaos.on_stage(message)

        points_round = PointsRound(services, people, quota=quota, say=progress, timeout_s=timeout_s)
        report = await points_round.run()
    except Exception as e:  # the round failed under chaos: reported, and the invariants are still judged
        error = f"{type(e).__name__}: {e}"
        if isinstance(e, httpx.RequestError):
            with contextlib.suppress(RuntimeError):  # a request error without its request
                error += f" ({e.request.method} {e.request.url})"
        say(f"the round failed: {error}")
        if points_round is not None:
            await _say_publicity_readiness(services, points_round.report.round_id, say)
    finally:
        stop.set()
        await chaos_task
        for c in clients.values():
            await c.aclose()
    seconds = time.monotonic() - t0
    return Outcome(report, error, seconds, {s: t.retries for s, t in transports.items()}), chaos


async def _say_publicity_readiness(
    services: Services, round_id: str | None, say: Callable[[str], None]
) -> None:
    """What publicity still waits for before it can prepare the round's list (a diagnosis for the log)."""
    if not round_id:
        return
    try:
        token = await services.operations_token()
        r = await services.publicity.get(
            f"/v1/rounds/{round_id}/publicity-readiness", headers={"Authorization": f"Bearer {token}"}
        )
        say(f"publicity readiness of {round_id}: {r.status_code} {r.text[:600]}")
    except httpx.HTTPError as e:  # a diagnosis only: the failure itself is already reported
        say(f"publicity readiness of {round_id} not available: {type(e).__name__}: {e}")


async def settle(stack: Stack, timeout_s: float) -> None:
    """Wait until every supervised process runs again (no restart pending) and readiness answers."""
    deadline = time.monotonic() + timeout_s
    names = [*WORKERS, *APIS, "broker"]
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            down = [n for n in names if stack.pid_of(n) is None]
            if not down:
                ready = 0
                for svc in SERVICES:
                    with contextlib.suppress(httpx.HTTPError):
                        url = f"http://127.0.0.1:{DEFAULT_PORTS[svc] + stack.port_offset}/readyz"
                        ready += (await client.get(url)).status_code == 200
                if ready == len(SERVICES):
                    return
            await asyncio.sleep(1.0)
    say(f"not everything was back after {timeout_s:.0f}s: judging anyway")


def supervisor_figures(log: str) -> dict[str, Counter[str]]:
    died: Counter[str] = Counter(m.group(1) for m in re.finditer(r"\[stack\] (\S+) \(pid \d+\) died:", log))
    killed: Counter[str] = Counter(
        m.group(1) for m in re.finditer(r"\[stack\] (\S+) \(pid \d+\) died: signal SIGKILL", log)
    )
    restarted: Counter[str] = Counter(
        m.group(1) for m in re.finditer(r"\[stack\] (\S+) restarted \(pid", log)
    )
    return {"died": died, "died_by_sigkill": killed, "restarted": restarted}


def print_table(report: InvariantReport) -> None:
    width = max(len(c.name) for c in report.checks)
    say("invariants:")
    for c in report.checks:
        say(f"  {'PASS' if c.held else 'FAIL'}  {c.name:<{width}}  {c.detail}")


async def run(args: argparse.Namespace) -> int:
    var: Path = args.var
    rng = random.Random(args.seed)
    say(f"{args.applicants} applicants, seed {args.seed}, port offset {args.port_offset}; stack in {var}")
    t_start = time.monotonic()
    stack = await asyncio.to_thread(
        start_stack, var, args.port_offset, args.kafka_port or free_port(), args.applicants, args.verbose
    )
    code = 1
    try:
        say(f"stack ready in {time.monotonic() - t_start:.1f}s")
        outcome, chaos = await play(
            stack,
            args.applicants,
            args.quota or max(5, args.applicants // 10),
            lambda transports: Chaos(
                stack,
                rng,
                transports,
                max_extra=args.max_extra_kills,
                max_stage=args.max_stage_kills,
                broker_after=max(1, args.applicants // 4),
            ),
            args.round_timeout,
        )
        say(f"round {'finished' if outcome.error is None else 'failed'} in {outcome.seconds:.1f}s; settling")
        await settle(stack, 120)
        report = await check_invariants(
            stack_database_urls(var), expected_dead_letters=0, settle_s=args.settle_seconds
        )
        figures = supervisor_figures(stack.log())
        kills = chaos.counts()
        say("killed (SIGKILL):")
        for name in sorted(set(kills) | set(figures["died"])):
            other = figures["died"][name] - figures["died_by_sigkill"][name]
            say(
                f"  {name:<18} ×{kills[name]:<3} restarted {figures['restarted'][name]}"
                + (f" (died {other} more time(s) by itself)" if other else "")
            )
        missing = [n for n in REQUIRED if kills[n] == 0]
        final = dict(outcome.report.counts()) if outcome.report else {}
        say(
            f"applications {len(outcome.report.applications) if outcome.report else 0}; final states {final}; "
            f"round {outcome.seconds:.1f}s; kills {sum(kills.values())}; restarts seen "
            f"{sum(figures['restarted'].values())}; client retries {sum(outcome.retries.values())}"
        )
        if missing:
            say(f"not killed (the round ended first): {', '.join(missing)}")
        print_table(report)
        ok = outcome.error is None and report.held and not missing
        summary = {
            "ok": ok,
            "applicants": args.applicants,
            "seed": args.seed,
            "port_offset": args.port_offset,
            "round_seconds": round(outcome.seconds, 1),
            "total_seconds": round(time.monotonic() - t_start, 1),
            "round_error": outcome.error,
            "final_states": final,
            "timings": outcome.report.timings if outcome.report else {},
            "kills": dict(sorted(kills.items())),
            "kills_total": sum(kills.values()),
            "kill_log": [{"at_s": round(at, 1), "process": n, "pid": pid} for at, n, pid in chaos.kills],
            "required_not_killed": missing,
            "supervisor": {k: dict(sorted(v.items())) for k, v in figures.items()},
            "restarts_total": sum(figures["restarted"].values()),
            "client_retries": outcome.retries,
            "invariants_held": report.held,
            "invariants": report.as_dict()["checks"],
        }
        if args.summary:
            text = json.dumps(summary, indent=2, ensure_ascii=False)
            await asyncio.to_thread(Path(args.summary).write_text, text)
            say(f"summary written to {args.summary}")
        say("ALL INVARIANTS HELD" if ok else "CHAOS ROUND FAILED")
        code = 0 if ok else 1
        return code
    finally:
        await asyncio.to_thread(stop_stack, stack)
        if code == 0 and not args.keep and not args.var_dir:
            shutil.rmtree(var, ignore_errors=True)
        elif code != 0:
            say(f"logs kept in {var / 'logs'} and {var / 'stack.log'}")


def main(argv: list[str] | None = None) -> int:
    env = os.environ
    ap = argparse.ArgumentParser(prog="python -m demo.chaos", description=__doc__.split("\n\n")[0])
    ap.add_argument("--applicants", type=int, default=int(env.get("APPLICANTS", "200")))
    ap.add_argument("--seed", type=int, default=int(env.get("CHAOS_SEED", "7")))
    ap.add_argument("--summary", default=env.get("CHAOS_SUMMARY"))
    ap.add_argument("--quota", type=int, default=0, help="default: a tenth of the applicants (at least 5)")
    ap.add_argument("--port-offset", type=int, default=int(env.get("CHAOS_PORT_OFFSET", str(PORT_OFFSET))))
    ap.add_argument("--kafka-port", type=int, default=0, help="default: a free port")
    ap.add_argument(
        "--var-dir", default=env.get("CHAOS_VAR_DIR"), help="default: var/chaos-<time>, removed after"
    )
    ap.add_argument("--max-extra-kills", type=int, default=int(env.get("CHAOS_MAX_EXTRA_KILLS", "40")))
    ap.add_argument("--max-stage-kills", type=int, default=int(env.get("CHAOS_MAX_STAGE_KILLS", "12")))
    ap.add_argument("--round-timeout", type=float, default=300.0, help="seconds for each wait of the round")
    ap.add_argument("--settle-seconds", type=float, default=60.0)
    ap.add_argument("--keep", action="store_true", help="keep the var directory")
    ap.add_argument("--verbose", action="store_true", help="echo the stack's log")
    args = ap.parse_args(argv)
    args.var = Path(args.var_dir).resolve() if args.var_dir else REPO / "var" / f"chaos-{int(time.time())}"
    args.var.mkdir(parents=True, exist_ok=True)
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
