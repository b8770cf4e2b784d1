"""Helpers for the graduate-programme end-to-end test: the five services in-process with a shared
ManualClock, the mock registries the graduate programme uses (education, company, social insurance) on
free ports, polling, and the graduates' and employer's data (consistent with what the registries say)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from services.review.mock_registries.app import create_registry_app
from services.review.mock_registries.graduates import GraduateRegistryData
from shared.clock import ManualClock
from shared.devstack.servers import free_port
from shared.settings import SERVICES
from shared.validation.identifiers import credit_code_check_character, synthetic_resident_id
from tests.support.infra import Infra

REPO = Path(__file__).resolve().parents[2]
Y = 2025
EMPLOYER_NAME = "北京星河智能科技有限公司"
_BODY = "91110108MA01XH7K3"
EMPLOYER_CODE = _BODY + credit_code_check_character(_BODY)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(resp: httpx.Response, *expected: int) -> Any:
    """The JSON body of an answer with one of the expected statuses (200/201 by default)."""
    assert resp.status_code in (expected or (200, 201)), (
        f"{resp.request.method} {resp.request.url.path} -> {resp.status_code}: {resp.text[:800]}"
    )
    return resp.json() if resp.content else None


async def until(
    probe: Callable[[], Awaitable[Any]], timeout_s: float = 120.0, what: str = "", every: float = 0.3
) -> Any:
    """Poll ``probe`` until it returns something truthy (returned), or fail after ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while True:
        last = await probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout_s:.0f}s waiting for {what or probe}: last {last!r}"
            )
        await asyncio.sleep(every)


@dataclass(frozen=True)
class Graduate:
    """One graduate: what the employer declares and what the 学信 registry holds (the same)."""

    key: str
    name: str
    id_number: str
    university: str
    school_code: str
    major: str
    diploma_no: str
    degree_no: str
    direct: bool = False

    def education_record(self) -> dict[str, Any]:
        """The registry's newest record (format of the 学信 mock): a master's degree of June Y."""
        return {
            "school_name": self.university,
            "school_code": self.school_code,
            "major_name": self.major,
            "level": "硕士研究生",
            "study_form": "普通全日制",
            "enrolment_plan": "统招",
            "training_mode": "非定向",
            "entered_on": f"{Y - 3}0901",
            "graduated_on": f"{Y}0630",
            "graduation_status": "毕业",
            "diploma_no": self.diploma_no,
            "degree_no": self.degree_no,
        }

    def declaration(self, round_id: str, unit_id: str) -> dict[str, Any]:
        graduate: dict[str, Any] = {
            "name": self.name,
            "id_number": self.id_number,
            "beijing_hukou": False,
            "university": {
                "name": self.university,
                "in_beijing": False,
                "full_time_regular": True,
                "double_first_class": True,
                "kind": "regular",
            },
            "major": self.major,
            "major_matches_post": True,
            "education": "master",
            "diploma": {"status": "expected"},
            "degree": {"status": "expected"},
            "graduated_on": f"{Y}-06-30",
            "on_time": True,
            "enrolment": "national_plan",
            "training_mode": "non_directed",
            "labour_relation_during_study": "none",
        }
        if self.direct:  # 第十六条: both parents moved to Beijing with hukou during the graduate's study
            graduate["family"] = {"both_parents_moved_to_beijing_with_hukou_during_study": True}
        return {
            "round_id": round_id,
            "supervising_unit_id": unit_id,
            "graduate": graduate,
            "employment": {"post": "engineer", "system": "other", "kind": "other"},
        }


def graduates() -> list[Graduate]:
    """Four masters born in Y − 26 (within the 27-year limit): three counted, the last one direct."""
    rows = [
        ("A", "李雷", "武汉大学", "10486", "计算机科学与技术", False),
        ("B", "韩梅梅", "复旦大学", "10246", "电子信息", False),
        ("C", "王芳", "浙江大学", "10335", "材料科学与工程", False),
        ("D", "张伟", "四川大学", "10610", "机械工程", True),
    ]
    out = []
    for i, (key, name, uni, code, major, direct) in enumerate(rows):
        out.append(
            Graduate(
                key=key,
                name=name,
                id_number=synthetic_resident_id(date(Y - 26, 3 + i, 11 + i), 21 + i, "420106"),
                university=uni,
                school_code=code,
                major=major,
                diploma_no=f"{code}1{Y}3{1000 + i:07d}",
                degree_no=f"{code}3{Y}{2000 + i:06d}",
                direct=direct,
            )
        )
    return out


@dataclass
class Registries:
    urls: dict[str, str]
    data: GraduateRegistryData
    http: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)


@contextlib.asynccontextmanager
async def graduate_registries(people: list[Graduate]) -> AsyncIterator[Registries]:
    """The 学信 education, 市场监管 company and 社保 social-insurance registries on free ports; the
    graduates' education records and the employer are registered explicitly (the contributions are
    registered later over HTTP, once the graduates have reported for duty)."""
    data = GraduateRegistryData(year=Y)
    for g in people:
        data.register_education(g.id_number, [g.education_record()])
    data.company_like(
        EMPLOYER_CODE,
        name=EMPLOYER_NAME,
        established_on="2015-03-18",
        registration_district_code="110108",
        status="存续",
        abnormal_operations=[],
        serious_violations=[],
    )
    servers, tasks, urls = [], [], {}
    for kind in ("education", "company", "social_insurance"):
        port = free_port()
        app = create_registry_app(kind, [], graduate_data=data)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        servers.append(server)
        tasks.append(asyncio.create_task(server.serve()))
        urls[kind] = f"http://127.0.0.1:{port}"
    for server in servers:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for this
            await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            yield Registries(urls, data, http)
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


#: The bureau's staff accounts of the test: username → name. 王 handles cases; 周 supervises objections
#: (督办负责人) and 李 investigates them (核查人员).
STAFF = {"staff-wang": "王审核", "supervisor-zhou": "周督办", "investigator-li": "李核查"}
STAFF_PASSWORD = "bureau-staff-pass-1"
ROOT_PASSWORD = "root-pass-2025"


@dataclass
class Stack:
    clients: dict[str, httpx.AsyncClient]
    database_urls: dict[str, str]
    staff_ids: dict[str, str]  # username → account id (the token subject)

    async def login(self, username: str, password: str = STAFF_PASSWORD) -> str:
        r = await self.clients["intake"].post(
            "/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
        )
        return str(ok(r)["access_token"])


@contextlib.asynccontextmanager
async def five_services(
    infra: Infra,
    topic_prefix: str,
    clock: ManualClock,
    registry_urls: dict[str, str],
    *,
    private_key: str,
    public_key: str,
    data_key: str,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    """Every service's app and worker in-process on fresh databases and the real broker, with an ASGI
    client each. Intake starts first: the first operations administrator is bootstrapped with the CLI and
    creates the bureau's staff accounts (``STAFF``); then the other four start."""
    urls = {s: await infra.fresh_database(s) for s in SERVICES}
    common = {**infra.settings_kwargs(topic_prefix), "jwt_public_key": public_key, "data_key": data_key}
    extra: dict[str, dict[str, Any]] = {
        "intake": {
            "jwt_private_key": private_key,
            "phase_job_interval_s": 0.2,
            "materials_dir": tmp_path / "materials",
        },
        "review": {
            "registry_education_url": registry_urls["education"],
            "registry_company_url": registry_urls["company"],
            "registry_social_insurance_url": registry_urls["social_insurance"],
            "verify_poll_interval_s": 0.2,
            "department_backoff_initial_s": 0.05,
        },
        "scoring": {},
        "publicity": {"job_interval_s": 0.2},
        "settlement": {"job_interval_s": 0.2, "public_base_url": "http://settlement.test"},
    }
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        env = Stack(clients, urls, {})

        async def start(svc: str) -> None:
            cfg = importlib.import_module(f"services.{svc}.config")
            settings = cfg.Settings(database_url=urls[svc], **common, **extra[svc])
            app = importlib.import_module(f"services.{svc}.app").create_app(settings, clock)
            await stack.enter_async_context(app.router.lifespan_context(app))
            worker = importlib.import_module(f"services.{svc}.worker").create_worker(settings, clock)
            await worker.start()
            stack.push_async_callback(worker.stop)
            clients[svc] = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=f"http://{svc}.test", timeout=60
                )
            )

        await start("intake")
        await bootstrap_operations_admin(urls["intake"], data_key, ROOT_PASSWORD)
        ops = await env.login("root", ROOT_PASSWORD)
        for username, name in STAFF.items():
            account = ok(
                await clients["intake"].post(
                    "/v1/accounts",
                    headers=bearer(ops),
                    json={
                        "username": username,
                        "password": STAFF_PASSWORD,
                        "name": name,
                        "role": "bureau_staff",
                    },
                ),
                201,
            )
            env.staff_ids[username] = account["id"]
        for svc in SERVICES:
            if svc != "intake":
                await start(svc)
        yield env


async def bootstrap_operations_admin(database_url: str, data_key: str, password: str) -> None:
    """The first operations administrator, created the way an operator bootstraps a new system."""
    env = {
        **os.environ,
        "INTAKE_DATABASE_URL": database_url,
        "INTAKE_BOOTSTRAP_PASSWORD": password,
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
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
