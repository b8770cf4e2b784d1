"""Intake login benchmark: logins/s through the city's identity service (jwt-bearer grant, RFC 7523) against
password logins (argon2), and the applicant's whole path — log in, affiliate, declare, employer
confirmation, submit — per request, at concurrency.

Run from the repository root::

    .venv/bin/python bench/intake_login_bench.py [--logins 300] [--concurrency 16] [--journeys 200]
                                                 [--profile] [--json bench/results/intake_login.json]

Starts the embedded PostgreSQL (``HUKOU_POSTGRES_URL`` uses a running server instead), migrates a fresh
intake database and runs ``python -m services.intake api`` in its own process on a free port (``--port``). The load generator is this process: ``--concurrency``
requests in flight (httpx over real HTTP). No broker is needed (the API only writes its outbox).

1. ``password``: ``--logins`` applicants registered beforehand (not timed), then each logs in once.
2. ``jwt_bearer_first``: ``--logins`` other people log in with an assertion of the development identity
   service (``shared/devstack/idp.py``): their accounts are created.
3. ``jwt_bearer_again``: the same people log in again with new assertions.
4. ``journey_password``: ``--password-journeys`` people through the applicant's path as it was (register,
   password login), then ``journey``: ``--journeys`` people through it with an identity-service login; per
   step the median and 99th percentile latency, and applicants/s; ``--profile`` runs the API under
   pyinstrument for these phases and writes its text report beside the JSON.

Client and server share the machine's two cores: the figures are relative, not a capacity statement.
Nothing passes or fails here.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from services.intake.config import Settings
from services.intake.schemas import FACTS_EXAMPLE
from shared.api.auth import generate_keypair
from shared.devstack.idp import DEV_IDP_ISSUER, IDP_AUDIENCE, mint_identity_assertion
from shared.devstack.servers import (
    EmbeddedPostgres,
    drop_database,
    ensure_database,
    free_port,
    to_asyncpg_url,
    wait_for_port,
    with_database,
)
from shared.service import migrate
from shared.validation import credit_code_check_character, synthetic_resident_id

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
OPS_PASSWORD = "bench-ops-pass-2024"
STAFF_PASSWORD = "bench-staff-pass-2024"


def _person(n: int) -> tuple[str, date, str]:
    """The n-th synthetic person: ID number, birth date, sex (odd sequence digits: male)."""
    birth = date(1970, 1, 1) + timedelta(days=(n * 37) % 9000)
    seq = (n // 9000) * 2 + 1  # odd: male, so the example facts fit
    return synthetic_resident_id(birth, seq % 1000, region="110105"), birth, "male"


def _credit_code(n: int) -> str:
    first = f"91110000{n:09d}"
    return first + credit_code_check_character(first)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def _stats(latencies_s: list[float], seconds: float) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies_s]
    return {
        "count": len(ms),
        "seconds": round(seconds, 3),
        "per_s": round(len(ms) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(statistics.median(ms), 1) if ms else 0.0,
        "p99_ms": round(_pct(ms, 99), 1),
    }


async def _pooled(
    n: int, concurrency: int, one: Callable[[int], Awaitable[list[tuple[str, float]]]]
) -> tuple[dict[str, list[float]], float]:
    """Run ``one(i)`` for i < n with ``concurrency`` in flight; latencies by step name, and the wall time."""
    queue = iter(range(n))
    by_step: dict[str, list[float]] = {}

    async def worker() -> None:
        for i in queue:
            for step, seconds in await one(i):
                by_step.setdefault(step, []).append(seconds)

    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return by_step, time.perf_counter() - t


async def _timed(step: str, call: Awaitable[httpx.Response], ok: int = 200) -> tuple[tuple[str, float], Any]:
    t = time.perf_counter()
    r = await call
    elapsed = time.perf_counter() - t
    if r.status_code != ok:
        raise RuntimeError(f"{step}: {r.status_code} {r.text[:300]}")
    return (step, elapsed), r.json() if r.content else None


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, http: httpx.AsyncClient, idp_private: str, concurrency: int) -> None:
        self.http = http
        self.idp_private = idp_private
        self.concurrency = concurrency
        #: The API process: its CPU seconds per request do not depend on what else the machine runs.
        self.server_pid = 0

    async def measured(
        self, n: int, one: Callable[[int], Awaitable[list[tuple[str, float]]]]
    ) -> tuple[dict[str, list[float]], float, float]:
        """:func:`_pooled`, plus the API process's CPU milliseconds per request."""
        cpu = _cpu_s(self.server_pid)
        steps, secs = await _pooled(n, self.concurrency, one)
        requests = sum(len(v) for v in steps.values())
        return steps, secs, round((_cpu_s(self.server_pid) - cpu) * 1000 / max(1, requests), 2)

    def assertion(self, n: int) -> str:
        id_number, _, _ = _person(n)
        now = datetime.now(tz=UTC)
        return mint_identity_assertion(
            self.idp_private, sub=f"citizen-{n}", name=f"申请人{n}", id_number=id_number, now=now
        )

    async def idp_login(self, n: int) -> tuple[tuple[str, float], str]:
        timing, body = await _timed(
            "login",
            self.http.post("/v1/auth/token", data={"grant_type": JWT_BEARER, "assertion": self.assertion(n)}),
        )
        return timing, str(body["access_token"])

    async def password_login(self, username: str, password: str) -> tuple[tuple[str, float], str]:
        data = {"grant_type": "password", "username": username, "password": password}
        timing, body = await _timed("login", self.http.post("/v1/auth/token", data=data))
        return timing, str(body["access_token"])

    async def logins(self, count: int) -> dict[str, Any]:
        users = [f"bench-pw-{i}" for i in range(count)]

        async def register(i: int) -> list[tuple[str, float]]:
            body = {
                "username": users[i],
                "password": "bench-pass-2024",
                "name": "王五",
                "phone": "13800138000",
            }
            timing, _ = await _timed("register", self.http.post("/v1/accounts/applicants", json=body), ok=201)
            return [timing]

        async def password(i: int) -> list[tuple[str, float]]:
            return [(await self.password_login(users[i], "bench-pass-2024"))[0]]

        base = 1_000_000

        async def idp(i: int) -> list[tuple[str, float]]:
            return [(await self.idp_login(base + i))[0]]

        out: dict[str, Any] = {}
        steps, secs, cpu = await self.measured(count, register)
        out["password_register"] = _stats(steps["register"], secs) | {"server_cpu_ms": cpu}
        for name, fn in (("password", password), ("jwt_bearer_first", idp), ("jwt_bearer_again", idp)):
            steps, secs, cpu = await self.measured(count, fn)
            out[name] = _stats(steps["login"], secs) | {"server_cpu_ms": cpu}
            print(
                f"{name:<18} {out[name]['per_s']:>8.1f} logins/s  p50 {out[name]['p50_ms']:>7.1f} ms  "
                f"p99 {out[name]['p99_ms']:>7.1f} ms  "
                f"server CPU {cpu:>6.1f} ms/login"
            )
        return out

    async def setup_round(self) -> tuple[str, list[tuple[str, str]]]:
        """Bureau staff, a points round open for declaration today, and verified employers."""
        _, ops = await self.password_login("bench-root", OPS_PASSWORD)
        auth = {"Authorization": f"Bearer {ops}"}
        staff = {
            "username": "bench-staff",
            "password": STAFF_PASSWORD,
            "name": "王审核",
            "role": "bureau_staff",
        }
        await _timed("staff", self.http.post("/v1/accounts", json=staff, headers=auth), ok=201)
        _, staff_tok = await self.password_login("bench-staff", STAFF_PASSWORD)
        sauth = {"Authorization": f"Bearer {staff_tok}"}
        today = datetime.now(tz=UTC).date()

        def d(n: int) -> str:
            return (today + timedelta(days=n)).isoformat()

        phases = [
            {"phase": "declaration", "starts_on": d(-1), "ends_on": d(2)},
            {"phase": "review_summary", "starts_on": d(3), "ends_on": d(4)},
            {"phase": "results_query", "starts_on": d(5), "ends_on": d(6)},
            {"phase": "recheck_and_ranking", "starts_on": d(7), "ends_on": d(8)},
            {"phase": "publicity", "starts_on": d(9), "ends_on": d(16)},
            {"phase": "settlement", "starts_on": d(17), "ends_on": d(400)},
        ]
        body = {"year": today.year, "program": "points", "quota": 1000, "phases": phases}
        _, rnd = await _timed("round", self.http.post("/v1/rounds", json=body, headers=sauth), ok=201)
        employers = []
        for i in range(4):
            code = _credit_code(int(uuid.uuid4().int % 10**8) * 10 + i)
            emp = {
                "employer": {
                    "credit_code": code,
                    "name": f"北京压测科技有限公司{i}",
                    "district": "110108",
                    "tax_registered": True,
                },
                "admin": {
                    "username": f"bench-hr-{i}",
                    "password": "bench-hr-pass-2024",
                    "name": f"人事{i}",
                    "phone": "13900139000",
                },
            }
            await _timed("employer", self.http.post("/v1/employers", json=emp), ok=201)
            await _timed("verify", self.http.post(f"/v1/employers/{code}/verification", headers=sauth))
            _, tok = await self.password_login(f"bench-hr-{i}", "bench-hr-pass-2024")
            employers.append((code, tok))
        return str(rnd["round_id"] if "round_id" in rnd else rnd["id"]), employers

    async def journeys(
        self, count: int, round_id: str, employers: list[tuple[str, str]], *, via: str, first: int
    ) -> dict[str, Any]:
        """``count`` people from the ``first``-th through the applicant's path; ``via`` ``identity`` (an
        assertion) or ``password`` (registration, then a password login: two argon2 hashes)."""
        year = datetime.now(tz=UTC).year

        async def journey(i: int) -> list[tuple[str, float]]:
            n = first + i
            id_number, birth, sex = _person(n)
            code, emp = employers[i % len(employers)]
            eauth = {"Authorization": f"Bearer {emp}"}
            steps: list[tuple[str, float]] = []
            if via == "identity":
                login, tok = await self.idp_login(n)
            else:
                body = {
                    "username": f"bench-j-{n}",
                    "password": "bench-pass-2024",
                    "name": f"申请人{n}",
                    "phone": "13800138000",
                }
                reg, _ = await _timed(
                    "register", self.http.post("/v1/accounts/applicants", json=body), ok=201
                )
                steps.append(reg)
                login, tok = await self.password_login(f"bench-j-{n}", "bench-pass-2024")
            auth = {"Authorization": f"Bearer {tok}"}
            t_aff, aff = await _timed(
                "affiliate",
                self.http.post("/v1/affiliations", json={"employer_credit_code": code}, headers=auth),
                ok=201,
            )
            t_conf, _ = await _timed(
                "affiliation_confirm", self.http.post(f"/v1/affiliations/{aff['id']}/confirm", headers=eauth)
            )
            facts = copy.deepcopy(FACTS_EXAMPLE)
            facts["application_year"] = year
            facts["person"] = {"birth_date": birth.isoformat(), "sex": sex}
            decl = {
                "round_id": round_id,
                "identity": {"name": f"申请人{n}", "id_number": id_number, "phone": "13800138000"},
                "facts": facts,
            }
            t_decl, app = await _timed(
                "declare", self.http.post("/v1/applications", json=decl, headers=auth), ok=201
            )
            t_emp, _ = await _timed(
                "employer_confirm",
                self.http.post(
                    f"/v1/applications/{app['id']}/employer-confirmation", json={"version": 1}, headers=eauth
                ),
            )
            t_sub, _ = await _timed(
                "submit",
                self.http.post(
                    f"/v1/applications/{app['id']}/submit",
                    headers=auth | {"Idempotency-Key": str(uuid.uuid4())},
                ),
            )
            return [*steps, login, t_aff, t_conf, t_decl, t_emp, t_sub]

        steps, secs, cpu = await self.measured(count, journey)
        out = {step: _stats(lat, secs) for step, lat in steps.items()}
        requests = sum(len(v) for v in steps.values())
        out["whole_path"] = {
            "applicants": count,
            "seconds": round(secs, 2),
            "applicants_per_s": round(count / secs, 1),
            "server_cpu_ms_per_request": cpu,
            "server_cpu_ms_per_applicant": round(cpu * requests / count, 1),
        }
        for step, s in out.items():
            if step != "whole_path":
                print(f"journey ({via}) {step:<20} p50 {s['p50_ms']:>7.1f} ms  p99 {s['p99_ms']:>7.1f} ms")
        print(
            f"journey ({via}): {count} applicants in {secs:.1f} s = {count / secs:.1f} applicants/s; server CPU "
            f"{cpu:.1f} ms/request, {cpu * requests / count:.1f} ms/applicant"
        )
        return out


def _server(env: dict[str, str], profile_to: Path | None, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable]
    if profile_to is not None:
        cmd += ["-m", "pyinstrument", "-r", "text", "-o", str(profile_to)]
    cmd += ["-m", "services.intake", "api"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def prepare(
    args: argparse.Namespace, tmp: Path
) -> tuple[EmbeddedPostgres | None, str, str, dict[str, str], str]:
    """The database (migrated), the API's environment and the first operations administrator (synchronous:
    the migrations run their own event loop)."""
    pg = None
    server_url = os.environ.get("HUKOU_POSTGRES_URL")
    if server_url:
        server_url = to_asyncpg_url(server_url)
    else:
        pg = EmbeddedPostgres(tmp / "pg")
        server_url = pg.start()
    db = f"bench_intake_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(server_url, db))
    jwt_priv, jwt_pub = generate_keypair()
    idp_priv, idp_pub = generate_keypair()
    env = {
        **os.environ,
        "INTAKE_DATABASE_URL": with_database(server_url, db),
        "INTAKE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",  # the API only writes its outbox
        "INTAKE_PORT": str(args.port),
        "INTAKE_JWT_PRIVATE_KEY": jwt_priv,
        "INTAKE_JWT_PUBLIC_KEY": jwt_pub,
        "INTAKE_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "INTAKE_EXTERNAL_IDP_ISSUER": DEV_IDP_ISSUER,
        "INTAKE_EXTERNAL_IDP_AUDIENCE": IDP_AUDIENCE,
        "INTAKE_EXTERNAL_IDP_PUBLIC_KEYS": idp_pub,
        "INTAKE_MATERIALS_DIR": str(tmp / "materials"),
        "INTAKE_LOG_JSON": "false",
        "INTAKE_LOG_LEVEL": "WARNING",
        "INTAKE_BOOTSTRAP_PASSWORD": OPS_PASSWORD,
    }
    settings = Settings(database_url=env["INTAKE_DATABASE_URL"], kafka_bootstrap_servers="127.0.0.1:1")
    migrate(settings, REPO / "services" / "intake" / "migrations")
    cmd = [
        sys.executable,
        "-m",
        "services.intake",
        "create-user",
        "--username",
        "bench-root",
        "--name",
        "压测",
    ]
    subprocess.run(cmd, env=env, cwd=REPO, check=True, capture_output=True)
    return pg, server_url, db, env, idp_priv


async def load(args: argparse.Namespace, env: dict[str, str], idp_priv: str, log: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    base_url = f"http://127.0.0.1:{args.port}"
    profile_to = (args.json.parent if args.json else RESULTS) / "intake-journey-profile.txt"
    proc = _server(env, None, log)
    try:
        await asyncio.to_thread(wait_for_port, "127.0.0.1", args.port, 60)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as http:
            bench = Bench(http, idp_priv, args.concurrency)
            bench.server_pid = proc.pid
            results["logins"] = await bench.logins(args.logins)
            round_id, employers = await bench.setup_round()
            if args.profile:
                await asyncio.to_thread(_stop, proc)
                profile_to.parent.mkdir(parents=True, exist_ok=True)
                proc = _server(env, profile_to, log)
                await asyncio.to_thread(wait_for_port, "127.0.0.1", args.port, 60)
                bench.server_pid = proc.pid
            if args.journeys and args.password_journeys:
                results["journey_password"] = await bench.journeys(
                    args.password_journeys, round_id, employers, via="password", first=3_000_000
                )
            if args.journeys:
                results["journey"] = await bench.journeys(
                    args.journeys, round_id, employers, via="identity", first=2_000_000
                )
    finally:
        await asyncio.to_thread(_stop, proc)
    if args.profile:
        print(f"profile of the journey phase: {profile_to}")
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="intake-login-bench-"))
    pg = None
    try:
        pg, server_url, db, env, idp_priv = prepare(args, tmp)
        try:
            results = asyncio.run(load(args, env, idp_priv, tmp / "intake-api.log"))
        except Exception:
            print((tmp / "intake-api.log").read_text()[-3000:], file=sys.stderr)
            raise
        if pg is None:
            asyncio.run(drop_database(server_url, db))
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    lg = results["logins"]
    results.update(
        {
            "concurrency": args.concurrency,
            "jwt_bearer_vs_password": round(lg["jwt_bearer_again"]["per_s"] / lg["password"]["per_s"], 1),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "measured_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        }
    )
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--logins", type=int, default=300)
    ap.add_argument("--journeys", type=int, default=200)
    ap.add_argument(
        "--password-journeys",
        type=int,
        default=60,
        help="people through the path with password accounts (before)",
    )
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--port", type=int, default=0, help="the API's port (default: a free one)")
    ap.add_argument("--profile", action="store_true", help="run the API under pyinstrument for the journey")
    ap.add_argument("--json", type=Path, default=RESULTS / "intake_login.json")
    args = ap.parse_args(argv)
    args.port = args.port or free_port()
    summary = run(args)
    print(f"jwt-bearer / password logins: {summary['jwt_bearer_vs_password']}x")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
