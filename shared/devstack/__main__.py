"""``python -m shared.devstack run|token|advance-clock`` — the local stack (``make run``).

``run`` supervises what it starts (:mod:`shared.devstack.supervisor`): an API, a worker, a mock registry
or the broker that dies is started again with backoff, and the log says so. The tansu broker keeps
everything in memory, so when it is restarted every service's outbox since the previous broker started is
republished first, while the broker is still down (so that the relays send the old events before any new
one and every application's events stay in order), and the topics are created as soon as it is up.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from shared.api.auth import generate_keypair, issue_token
from shared.clock import SharedOffsetClock
from shared.devstack.idp import DEV_IDP_ISSUER, IDP_AUDIENCE, idp_keys
from shared.devstack.servers import (
    EmbeddedPostgres,
    TansuBroker,
    ensure_database,
    to_asyncpg_url,
    with_database,
)
from shared.devstack.supervisor import Child, Supervisor
from shared.devstack.termination import EXIT_STATUS as TERMINATED_STATUS
from shared.devstack.termination import Terminated, raise_on_sigterm
from shared.settings import DEFAULT_PORTS, SERVICES, ServiceSettings

REPO = Path(__file__).resolve().parents[2]
#: The review service's mock department registries (services/review/mock_registries), started beside it.
MOCK_REGISTRIES = {
    "social_insurance": 8201,
    "tax": 8202,
    "police": 8203,
    "housing": 8204,
    "education": 8205,
    "company": 8206,
}


def _keys(var: Path) -> tuple[str, str, str]:
    kdir = var / "keys"
    kdir.mkdir(parents=True, exist_ok=True)
    priv, pub, data = kdir / "jwt_private.pem", kdir / "jwt_public.pem", kdir / "data.key"
    if not priv.exists():
        p, q = generate_keypair()
        priv.write_text(p)
        pub.write_text(q)
        priv.chmod(0o600)
    if not data.exists():
        data.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
        data.chmod(0o600)
    return priv.read_text(), pub.read_text(), data.read_text().strip()


def generate_password(length: int = 16) -> str:
    """A random password the account rules accept: letters and digits, at least one of each."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _bootstrap_admin(var: Path, intake_db_url: str, data_key: str) -> str:
    """The first operations administrator (``root``), created once; its password is kept in var/keys."""
    pw_file = var / "keys" / "admin-password"
    if not pw_file.exists():
        pw_file.write_text(generate_password())
        pw_file.chmod(0o600)
    password = pw_file.read_text().strip()
    env = {
        **os.environ,
        "INTAKE_DATABASE_URL": intake_db_url,
        "INTAKE_BOOTSTRAP_PASSWORD": password,
        "INTAKE_DATA_KEY": data_key,
        "INTAKE_LOG_JSON": "false",
    }
    done = subprocess.run(
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
        timeout=120,
    )
    if done.returncode != 0 and "exist" not in (done.stdout + done.stderr).lower():
        raise RuntimeError(f"could not create the operations administrator: {done.stdout}{done.stderr}")
    return password


def _say(msg: str) -> None:
    try:
        print(f"[stack] {msg}", flush=True)
    except BrokenPipeError:
        # Whoever read the stack's output is gone (a demo killed with SIGKILL). The stack must still stop
        # what it started, so from now on its messages go nowhere rather than abort that.
        sys.stdout = open(os.devnull, "w", encoding="utf-8")


def ports_taken(port_offset: int, kafka_port: int | None) -> list[str]:
    """The fixed ports this stack would listen on that something else already holds ("8101 (intake)")."""
    wanted = {svc: port + port_offset for svc, port in DEFAULT_PORTS.items()}
    wanted |= {f"registry {dept}": port + port_offset for dept, port in MOCK_REGISTRIES.items()}
    if kafka_port is not None:
        wanted["broker"] = kafka_port
    taken = []
    for what, port in wanted.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is free
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                taken.append(f"{port} ({what})")
    return taken


async def _prepare(pg_url: str, kafka: str, var: Path) -> None:
    from shared.messaging.kafka import ensure_topics
    from shared.service import migrate

    for svc in SERVICES:
        if not os.environ.get(f"{svc.upper()}_DATABASE_URL"):
            await ensure_database(pg_url, f"hukou_{svc}")
    created = await ensure_topics(ServiceSettings(kafka_bootstrap_servers=kafka))
    _say(f"topics ready ({len(created)} created)")
    for svc in SERVICES:
        url = os.environ.get(f"{svc.upper()}_DATABASE_URL") or with_database(pg_url, f"hukou_{svc}")
        s = ServiceSettings(service_name=svc, database_url=url)
        await asyncio.to_thread(migrate, s, REPO / "services" / svc / "migrations")
    _say("databases migrated")


def _spawn(cmd: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


#: Republished rows start this long before the broker did (clock reads in other processes may lag).
REPUBLISH_MARGIN = timedelta(seconds=5)


def _republish_one(svc: str, url: str, token: str, since: datetime, env: dict[str, str]) -> str:
    """Through the service's API; through its CLI when the API does not answer."""
    try:
        r = httpx.post(
            f"{url}/v1/ops/outbox/republish",
            json={"since": since.isoformat()},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        if r.status_code == 200:
            return f"{svc}: {r.json()['rows']} events to send again"
        why = f"API answered {r.status_code}"
    except httpx.HTTPError as e:
        why = f"API unreachable ({type(e).__name__})"
    done = subprocess.run(
        [sys.executable, "-m", f"services.{svc}", "republish", "--since", since.isoformat()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{svc}: republish failed ({why}; CLI: {done.stderr.strip()[-300:]})")
    return f"{done.stdout.strip()} (CLI; {why})"


def republish_all(
    since: datetime, token: str, urls: dict[str, str], envs: dict[str, dict[str, str]]
) -> list[str]:
    """Every service's outbox since ``since`` is marked unpublished; their relays send it again."""
    services = [svc for svc in urls if svc in envs]  # those started so far
    if not services:
        return []
    with ThreadPoolExecutor(len(services)) as pool:
        futures = [pool.submit(_republish_one, svc, urls[svc], token, since, envs[svc]) for svc in services]
        out = []
        for f in futures:
            try:
                out.append(f.result())
            except Exception as e:  # a service that cannot be reached is named; the others go on
                out.append(f"republish failed: {e}")
        return out


def run(args: argparse.Namespace) -> int:
    var = Path(args.var_dir).resolve()
    var.mkdir(parents=True, exist_ok=True)
    logs = var / "logs"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()

    raise_on_sigterm()  # while it starts; once it runs, SIGINT and SIGTERM set the stop flag below
    external_kafka = bool(os.environ.get("HUKOU_KAFKA_BOOTSTRAP_SERVERS"))
    taken = ports_taken(args.port_offset, None if external_kafka else args.kafka_port)
    if taken:
        _say(
            f"cannot start: {'ports' if len(taken) > 1 else 'port'} {', '.join(taken)} already in use."
            " Is another local stack (make run, make demo) still running? Stop it with Ctrl-C, or start"
            " this one with --port-offset."
        )
        return 2
    parent = os.getppid()
    pg: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    sup = Supervisor(_say, pid_dir=var / "pids")  # var/pids/<child>.pid: for tools like demo.chaos
    clock_file = var / "clock.json"
    shared_clock = SharedOffsetClock(clock_file)
    envs: dict[str, dict[str, str]] = {}
    urls = {svc: f"http://127.0.0.1:{DEFAULT_PORTS[svc] + args.port_offset}" for svc in SERVICES}
    try:
        ext_pg = os.environ.get("HUKOU_POSTGRES_URL")
        if ext_pg:
            pg_url = to_asyncpg_url(ext_pg)
            _say("using external PostgreSQL from HUKOU_POSTGRES_URL")
        else:
            pg = EmbeddedPostgres(var / "pg")
            pg_url = pg.start()
            _say(f"embedded PostgreSQL 18 started (data in {var / 'pg'})")
        priv, pub, data_key = _keys(var)
        kafka = os.environ.get("HUKOU_KAFKA_BOOTSTRAP_SERVERS")
        if kafka:
            _say(f"using external Kafka at {kafka}")
        else:
            broker = TansuBroker(args.kafka_port, log_path=logs / "tansu.log")
            workers = lambda: [  # noqa: E731 - read at each restart: the workers' pids change
                c.process.pid for c in sup.children if c.name.endswith("-worker") and c.process is not None
            ]
            sup.add(broker_child(broker, shared_clock, priv, urls, envs, logs / "tansu.log", workers))
            kafka = broker.bootstrap
            _say(f"tansu broker started on {kafka} (memory storage)")
        asyncio.run(_prepare(pg_url, kafka, var))
        # The registries' synthetic population declares for the round of the (shared) clock's year.
        registry_env = {**os.environ}
        registry_env.setdefault(
            "MOCK_REGISTRY_APPLICATION_YEAR", str(SharedOffsetClock(clock_file).today().year)
        )
        admin_password = _bootstrap_admin(
            var, os.environ.get("INTAKE_DATABASE_URL") or with_database(pg_url, "hukou_intake"), data_key
        )
        for dept, base_port in MOCK_REGISTRIES.items():
            cmd = [sys.executable, "-m", "services.review.mock_registries", dept]
            cmd += ["--port", str(base_port + args.port_offset)]
            _supervise(sup, f"registry-{dept}", cmd, registry_env, logs)
        for svc in SERVICES:
            port = DEFAULT_PORTS[svc] + args.port_offset
            p = svc.upper() + "_"
            env = {
                **os.environ,
                p + "DATABASE_URL": os.environ.get(p + "DATABASE_URL")
                or with_database(pg_url, f"hukou_{svc}"),
                p + "KAFKA_BOOTSTRAP_SERVERS": kafka,
                p + "PORT": str(port),
                p + "CLOCK": "shared-offset",
                p + "CLOCK_FILE": str(clock_file),
                p + "JWT_PUBLIC_KEY": pub,
                p + "DATA_KEY": data_key,
                p + "KAFKA_ENABLE_IDEMPOTENCE": os.environ.get(
                    p + "KAFKA_ENABLE_IDEMPOTENCE",
                    "true" if os.environ.get("HUKOU_KAFKA_BOOTSTRAP_SERVERS") else "false",
                ),
            }
            if svc == "intake":
                env["INTAKE_JWT_PRIVATE_KEY"] = priv
                # The stand-in for the city's identity service (shared/devstack/idp.py): applicants log in
                # with its assertions (jwt-bearer grant), no password per applicant.
                env.setdefault("INTAKE_EXTERNAL_IDP_ISSUER", DEV_IDP_ISSUER)
                env.setdefault("INTAKE_EXTERNAL_IDP_AUDIENCE", IDP_AUDIENCE)
                env.setdefault("INTAKE_EXTERNAL_IDP_PUBLIC_KEYS", idp_keys(var)[1])
                env.setdefault("INTAKE_MATERIALS_DIR", str(var / "materials"))
            if svc == "settlement":
                env.setdefault("SETTLEMENT_PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
            if svc == "review":
                for dept, base_port in MOCK_REGISTRIES.items():
                    url = f"http://127.0.0.1:{base_port + args.port_offset}"
                    env[f"REVIEW_REGISTRY_{dept.upper()}_URL"] = url
            envs[svc] = env
            for role in ("api", "worker"):
                _supervise(sup, f"{svc}-{role}", [sys.executable, "-m", f"services.{svc}", role], env, logs)
        _wait_ready(args.port_offset, sup, timeout_s=args.ready_timeout)
        _say(f"all five services ready in {time.monotonic() - started:.1f}s; logs in {logs}")
        write_stack_file(var, pg_url, kafka, args.port_offset, envs)
        for svc in SERVICES:
            _say(f"  {svc:<10} http://127.0.0.1:{DEFAULT_PORTS[svc] + args.port_offset}/docs")
        ports = ", ".join(str(p + args.port_offset) for p in MOCK_REGISTRIES.values())
        _say(f"  mock registries (社保 税务 公安 住建) on ports {ports}")
        _say(f"operations administrator: root / {admin_password} (POST /v1/auth/token at intake)")
        _say("dev token: .venv/bin/python -m shared.devstack token --role operations_admin")
        _say("a process that dies is restarted (0.5 s doubling to 10 s); Ctrl-C stops everything")
        stop = {"flag": False}

        def _stop(*_: object) -> None:
            stop["flag"] = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        while not stop["flag"]:
            if args.stop_with_parent and os.getppid() != parent:
                _say("the process that started the stack has ended (--stop-with-parent)")
                break
            sup.tick()
            time.sleep(0.3)
        return 0
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return TERMINATED_STATUS
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _say("stopping")
        children = [p for name, p in sup.processes() if name != "broker" and isinstance(p, subprocess.Popen)]
        for proc in children:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if broker:
            broker.stop()
        if pg:
            pg.stop()
        (var / "stack.json").unlink(missing_ok=True)
        _say("stopped")


def write_stack_file(
    var: Path, pg_url: str, kafka: str, port_offset: int, envs: dict[str, dict[str, str]]
) -> Path:
    """``var/stack.json``, written once the stack is ready (removed when it stops): each service's database
    URL, port and base URL, the broker, the registries' ports and the pid files, for tools that inspect a
    running stack (``demo.invariants``, ``demo.chaos``)."""
    doc = {
        "var_dir": str(var),
        "kafka_bootstrap_servers": kafka,
        "postgres_url": pg_url,
        "port_offset": port_offset,
        "services": {
            svc: {
                "database_url": envs[svc][f"{svc.upper()}_DATABASE_URL"],
                "port": DEFAULT_PORTS[svc] + port_offset,
                "url": f"http://127.0.0.1:{DEFAULT_PORTS[svc] + port_offset}",
            }
            for svc in SERVICES
        },
        "registries": {dept: port + port_offset for dept, port in MOCK_REGISTRIES.items()},
        "pid_dir": str(var / "pids"),
        "logs_dir": str(var / "logs"),
        "supervisor_pid": os.getpid(),
    }
    path = var / "stack.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def _supervise(sup: Supervisor, name: str, cmd: list[str], env: dict[str, str], logs: Path) -> None:
    log_path = logs / f"{name}.log"
    sup.add(Child(name, lambda: _spawn(cmd, env, log_path), log_path=str(log_path)))


def broker_child(
    broker: TansuBroker,
    clock: SharedOffsetClock,
    jwt_private_key: str,
    urls: dict[str, str],
    envs: dict[str, dict[str, str]],
    log_path: Path,
    kafka_clients: Callable[[], list[int]] = list,
) -> Child:
    """The broker, supervised: before a restart every service's outbox since the dead broker started is
    republished (the broker is still down, so no relay can send a newer event first); after it, the topics
    are created (before a relay or a consumer needs them).

    From the moment the broker is found dead until its topics exist again, the processes that talk to it
    (``kafka_clients``: the workers) are held with SIGSTOP and let go with SIGCONT. tansu acknowledges a
    record sent to a topic it does not have, and the partition is broken once the topic is created (the next
    records are refused, its end offset is wrong — shown in tests/shared/integration/test_broker_loss.py); a
    producer still holding records for the dead broker would send them the instant the new one listens, before
    anyone could create its topics. Apache Kafka refuses such a record (``UNKNOWN_TOPIC_OR_PARTITION``), so
    production needs no such hold."""
    started = {"at": clock.now()}
    held: list[int] = []

    def hold() -> None:
        for pid in kafka_clients():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                held.append(pid)
        if held:
            _say(f"holding {len(held)} Kafka clients (SIGSTOP) until the new broker has its topics")

    def release() -> None:
        for pid in held:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if held:
            _say(f"released {len(held)} Kafka clients (SIGCONT)")
        held.clear()

    def start() -> subprocess.Popen[bytes]:
        started["at"] = clock.now()
        try:
            broker.start()
        except BaseException:
            release()
            raise
        return broker.process

    def before_restart() -> None:
        hold()
        since = started["at"] - REPUBLISH_MARGIN
        _say(f"broker lost its records: republishing every outbox since {since:%Y-%m-%d %H:%M:%S}")
        try:
            token = issue_token(
                jwt_private_key,
                subject="devstack-supervisor",
                roles=["operations_admin"],
                now=clock.now(),
                ttl=timedelta(minutes=10),
            )
            for line in republish_all(since, token, urls, envs):
                _say(f"  {line}")
        except BaseException:
            release()
            raise

    def after_restart() -> None:
        from shared.messaging.kafka import ensure_topics

        try:
            created = asyncio.run(ensure_topics(ServiceSettings(kafka_bootstrap_servers=broker.bootstrap)))
            _say(f"topics re-created on the new broker ({len(created)})")
        finally:
            release()

    return Child(
        "broker", start, before_restart=before_restart, after_restart=after_restart, log_path=str(log_path)
    )


def _wait_ready(port_offset: int, sup: Supervisor, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(SERVICES)
    with httpx.Client(timeout=5) as client:
        while pending:
            sup.tick()
            for svc in sorted(pending):
                try:
                    r = client.get(f"http://127.0.0.1:{DEFAULT_PORTS[svc] + port_offset}/readyz")
                    if r.status_code == 200:
                        pending.discard(svc)
                        _say(f"{svc} ready")
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout_s}s: {', '.join(sorted(pending))}")
            time.sleep(0.3)


def token(args: argparse.Namespace) -> int:
    from shared.clock import SystemClock

    var = Path(args.var_dir).resolve()
    priv, _, _ = _keys(var)
    clock = SharedOffsetClock(var / "clock.json")
    now = clock.now() if (var / "clock.json").exists() else SystemClock().now()
    print(
        issue_token(priv, subject=args.subject, roles=[args.role], now=now, ttl=timedelta(hours=args.hours))
    )
    return 0


def advance_clock(args: argparse.Namespace) -> int:
    clock = SharedOffsetClock(Path(args.var_dir).resolve() / "clock.json")
    print(clock.advance(timedelta(days=args.days, hours=args.hours)).isoformat())
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m shared.devstack")
    ap.add_argument("--var-dir", default=str(REPO / "var"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="start PostgreSQL, the broker and all five services")
    r.add_argument("--kafka-port", type=int, default=19092)
    r.add_argument("--port-offset", type=int, default=0)
    r.add_argument("--ready-timeout", type=float, default=60)
    r.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="stop the stack once the process that started it has ended (the demo: even if it is killed)",
    )
    t = sub.add_parser("token", help="mint a development access token")
    t.add_argument("--role", required=True)
    t.add_argument("--subject", default="dev")
    t.add_argument("--hours", type=int, default=8)
    c = sub.add_parser("advance-clock", help="move the shared clock forward for every service")
    c.add_argument("--days", type=int, default=0)
    c.add_argument("--hours", type=int, default=0)
    args = ap.parse_args(argv)
    return {"run": run, "token": token, "advance-clock": advance_clock}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
