"""The image's entry command: ``entrypoint.py <service> <process> [args…]`` or ``entrypoint.py probe …``.

``<service>`` is one of intake, review, scoring, publicity, settlement; ``<process>`` one of ``api``,
``worker``, ``migrate``, ``republish``, ``audit-verify``, ``audit-anchor`` (and the service's own commands,
e.g. intake's ``create-user``, scoring's ``score``; the service's command line refuses any other); the
process is replaced by ``python -m services.<service> <process>``.
``review mock-registry <department>`` starts one of the six mock department registries (default profile).

Secrets may come from files (Docker secrets, Kubernetes secret volumes): for every ``<NAME>_FILE`` whose
``<NAME>`` is a secret setting (a ``*_DATA_KEY``, ``*_JWT_*_KEY(S)``, ``*_DATABASE_URL``, ``*_PASSWORD``,
``*_SECRET_KEY``, ``*_CALLBACK_SECRETS``, ``*_API_KEYS``), the file's content (trailing whitespace removed)
is put in ``<NAME>`` before the service starts. Setting both is refused, as is a file that cannot be read.
Other ``*_FILE`` settings (``<P>CLOCK_FILE``) are left alone.

``entrypoint.py probe <service> api [--ready]`` asks the API on its port for ``/healthz`` (``/readyz``);
``entrypoint.py probe <service> worker [--max-age S]`` reads the worker's heartbeat when
``<P>HEARTBEAT_FILE`` is set (``shared/heartbeat.py``: the relay and every consumer made progress within S
seconds, default 120), else checks that the worker's database and broker answer (what ``/readyz`` checks for
the API); ``entrypoint.py probe <service> migrated`` that the service's database is at
the newest migration (``--wait SECONDS``: ask again every 2 s until it is, e.g. in a Kubernetes init
container, so that no pod starts on an older schema while the migration job runs);
``entrypoint.py probe registry <port>`` asks a mock registry. Exit status 0 means healthy (container health
checks, Kubernetes exec probes).

``<service> migrate`` with ``<P>DB_RUNTIME_ROLE`` set (the migrations run as the database's owner role):
after migrating, the runtime role gets what the API and the worker need and no more: SELECT, INSERT, UPDATE,
DELETE on the tables, the sequences, only SELECT and INSERT on ``audit_chain`` (append-only, seed 000
第二十二条) and only SELECT on the migration version table. The runtime role owns nothing, so it can neither
change the schema nor switch off the audit trigger.

Standard library only at start-up, so that ``--help`` and the probes of an API stay fast.
"""

from __future__ import annotations

import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path

SERVICES = ("intake", "review", "scoring", "publicity", "settlement")
#: The processes every service has (``python -m services.<name> --help`` lists them with the service's own).
PROCESSES = ("api", "worker", "migrate", "republish", "audit-verify", "audit-anchor")
MOCK_REGISTRIES = ("social_insurance", "tax", "police", "housing", "education", "company")
DEFAULT_PORTS = {"intake": 8101, "review": 8102, "scoring": 8103, "publicity": 8104, "settlement": 8105}
#: ``<NAME>_FILE`` is read into ``<NAME>`` when ``<NAME>`` ends with one of these.
SECRET_SUFFIXES = (
    "_DATA_KEY",
    "_JWT_PRIVATE_KEY",
    "_JWT_PUBLIC_KEY",
    "_JWT_PREVIOUS_PRIVATE_KEYS",
    "_DATABASE_URL",
    "_PASSWORD",
    "_SECRET_KEY",
    "_CALLBACK_SECRETS",
    "_API_KEYS",
)
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
USAGE = (
    "usage: entrypoint.py <service> <process> [args…]\n"
    f"  service: {', '.join(SERVICES)}\n"
    f"  process: {', '.join(PROCESSES)} (or the service's own commands; `<service> --help` lists them)\n"
    "  entrypoint.py review mock-registry <department>   a mock department registry\n"
    "  entrypoint.py probe <service> api [--ready] | probe <service> worker [--max-age S] | probe <service> migrated"
    " [--wait SECONDS] | probe registry <port>"
)


class EntrypointError(Exception):
    """A command line or a secret file the entry command refuses (exit status 2)."""


def is_secret_name(name: str) -> bool:
    return name.endswith(SECRET_SUFFIXES)


def load_secret_files(env: MutableMapping[str, str]) -> list[str]:
    """Read every ``<NAME>_FILE`` of a secret setting into ``<NAME>``; returns the names set."""
    loaded = []
    for key in sorted(env):
        if not key.endswith("_FILE"):
            continue
        name = key[: -len("_FILE")]
        if not is_secret_name(name):
            continue
        if env.get(name):
            raise EntrypointError(f"both {name} and {key} are set: keep one")
        path = Path(env[key])
        try:
            env[name] = path.read_text(encoding="utf-8").rstrip()
        except OSError as e:
            raise EntrypointError(f"{key}: cannot read {path}: {e.strerror or e}") from None
        if not env[name]:
            raise EntrypointError(f"{key}: {path} is empty")
        loaded.append(name)
    return loaded


def command_for(argv: Sequence[str], python: str = sys.executable) -> list[str]:
    """The command line that runs ``argv`` (``[service, process, *args]``)."""
    if not argv:
        raise EntrypointError(USAGE)
    service, rest = argv[0], list(argv[1:])
    if service not in SERVICES:
        raise EntrypointError(f"unknown service {service!r}\n{USAGE}")
    if rest[:1] == ["mock-registry"]:
        if service != "review" or len(rest) < 2 or rest[1] not in MOCK_REGISTRIES:
            raise EntrypointError(f"mock-registry needs a department of review: {', '.join(MOCK_REGISTRIES)}")
        extra = rest[2:] or ["--host", "0.0.0.0"]
        return [python, "-m", "services.review.mock_registries", rest[1], *extra]
    # The process itself is checked by the service's own command line (it lists every one it has).
    return [python, "-m", f"services.{service}", *rest]


def runtime_grants(role: str, version_table: str) -> list[str]:
    """The statements that give the runtime role exactly what the API and the worker need."""
    if not ROLE_NAME.fullmatch(role):
        raise EntrypointError(f"{role!r} is not a role name (lower-case letters, digits, '_')")
    return [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE ON TABLE audit_chain FROM "{role}"',
        f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "{version_table}" FROM "{role}"',
    ]


def _migrate_and_grant(service: str, cmd: list[str], role: str, env: Mapping[str, str]) -> int:
    import subprocess

    statements = runtime_grants(role, f"alembic_version_{service}")
    done = subprocess.run(cmd, env=dict(env), check=False)
    if done.returncode != 0:
        return done.returncode
    import asyncio
    import importlib

    import sqlalchemy as sa

    from shared.db import create_engine

    settings = importlib.import_module(f"services.{service}.config").load_settings()

    async def grant() -> None:
        engine = create_engine(settings)
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    await conn.execute(sa.text(statement))
        finally:
            await engine.dispose()

    asyncio.run(grant())
    print(f"entrypoint: {service}: runtime role {role} granted its privileges", file=sys.stderr)
    return 0


def _http_ok(url: str, timeout_s: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as r:
            status: int = r.status
            return 200 <= status < 300
    except (urllib.error.URLError, OSError) as e:
        print(f"probe: {url}: {e}", file=sys.stderr)
        return False


def _worker_ready(service: str) -> bool:
    """The worker's database and broker answer (the checks of the API's ``/readyz``)."""
    import asyncio
    import importlib

    import sqlalchemy as sa

    from shared.db import create_engine
    from shared.messaging.kafka import broker_reachable

    settings = importlib.import_module(f"services.{service}.config").load_settings()

    async def check() -> bool:
        engine = create_engine(settings)
        try:
            async with engine.connect() as conn:
                await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 3)
        except Exception as e:  # the probe reports; the exit status says unhealthy
            print(f"probe: {service} database: {type(e).__name__}: {e}", file=sys.stderr)
            return False
        finally:
            await engine.dispose()
        return await broker_reachable(settings)

    return asyncio.run(check())


def _migrated(service: str) -> bool:
    """The service's database is at the head of its migrations (read only; never migrates)."""
    import asyncio
    import importlib

    import sqlalchemy as sa
    from alembic.script import ScriptDirectory

    from shared.db import create_engine
    from shared.service import alembic_config

    module = importlib.import_module(f"services.{service}")
    settings = importlib.import_module(f"services.{service}.config").load_settings()
    cfg = alembic_config(settings, Path(next(iter(module.__path__))) / "migrations")
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    table = cfg.get_main_option("version_table")

    async def current() -> set[str]:
        engine = create_engine(settings)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(sa.text(f'SELECT version_num FROM "{table}"'))
                return {r[0] for r in rows}
        finally:
            await engine.dispose()

    try:
        at = asyncio.run(current())
    except Exception as e:  # not reachable or not migrated yet: the probe says no
        print(f"probe: {service} migrations: {type(e).__name__}: {e}", file=sys.stderr)
        return False
    if at != heads:
        print(f"probe: {service} database at {sorted(at)}, migrations at {sorted(heads)}", file=sys.stderr)
    return at == heads


def _wait_seconds(argv: Sequence[str]) -> float:
    if "--wait" not in argv:
        return 0.0
    i = list(argv).index("--wait")
    try:
        return float(argv[i + 1])
    except (IndexError, ValueError):
        raise EntrypointError("--wait needs a number of seconds") from None


def _max_age(args: Sequence[str]) -> float:
    """``--max-age SECONDS`` (default 120): how long a worker's loop may go without progress."""
    if "--max-age" in args:
        i = list(args).index("--max-age")
        try:
            return float(args[i + 1])
        except (IndexError, ValueError):
            raise EntrypointError("--max-age needs a number of seconds") from None
    return 120.0


def probe(argv: Sequence[str], env: Mapping[str, str]) -> int:
    if argv[:1] == ["registry"] and len(argv) == 2 and argv[1].isdigit():
        return 0 if _http_ok(f"http://127.0.0.1:{argv[1]}/healthz", 3) else 1
    if len(argv) < 2 or argv[0] not in SERVICES or argv[1] not in ("api", "worker", "migrated"):
        raise EntrypointError(USAGE)
    service, process = argv[0], argv[1]
    if process == "migrated":
        import time

        deadline = time.monotonic() + _wait_seconds(argv[2:])
        while not _migrated(service):
            if time.monotonic() >= deadline:
                return 1
            time.sleep(2)
        return 0
    if process == "worker":
        heartbeat = env.get(f"{service.upper()}_HEARTBEAT_FILE")
        if heartbeat:  # liveness: the worker's loops still turn (shared/heartbeat.py)
            from shared.heartbeat import check_heartbeat

            problem = check_heartbeat(Path(heartbeat), _max_age(argv[2:]))
            if problem:
                print(f"probe: {service} worker: {problem}", file=sys.stderr)
            return 1 if problem else 0
        return 0 if _worker_ready(service) else 1
    port = env.get(f"{service.upper()}_PORT") or str(DEFAULT_PORTS[service])
    path = "/readyz" if "--ready" in argv[2:] else "/healthz"
    return 0 if _http_ok(f"http://127.0.0.1:{port}{path}", 5) else 1


def main(argv: Sequence[str] | None = None, env: MutableMapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if env is None else env
    try:
        if args[:1] in (["-h"], ["--help"]):
            print(USAGE)
            return 0
        load_secret_files(environ)
        if args[:1] == ["probe"]:
            return probe(args[1:], environ)
        cmd = command_for(args)
        role = environ.get(f"{args[0].upper()}_DB_RUNTIME_ROLE", "") if len(args) > 1 else ""
        if args[1:2] == ["migrate"] and role:
            return _migrate_and_grant(args[0], cmd, role, environ)
    except EntrypointError as e:
        print(f"entrypoint: {e}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    os.execvpe(cmd[0], cmd, dict(environ))
    return 0  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())
