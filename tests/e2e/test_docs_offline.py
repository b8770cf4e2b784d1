"""Every service's API documentation works on an isolated network (issue 13, item 4): the five services
run under uvicorn on free ports with their real databases, and headless Chromium (Debian's ``chromium``,
driven by Playwright) opens ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) with every request to another
host than 127.0.0.1 aborted. Each page must list every operation of the service's OpenAPI document, and
no request may have tried to leave the machine. Screenshots go to test-output/docs/."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import BrowserContext, Page, Request, Route, async_playwright

from shared.devstack.servers import free_port
from shared.settings import SERVICES
from tests.support.infra import Infra

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output" / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--headless=new",
]
#: A loaded CI machine renders a 60-operation document slowly; nothing here waits for the network.
RENDER_TIMEOUT_MS = 90_000


@pytest.fixture
async def served(infra: Infra, topic_prefix: str, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """The five services' APIs on 127.0.0.1, each on its own database: service -> base URL."""
    urls: list[str] = []
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    bases: dict[str, str] = {}
    try:
        for service in SERVICES:
            url = await infra.fresh_database(service)
            urls.append(url)
            cfg = importlib.import_module(f"services.{service}.config")
            kwargs: dict[str, Any] = {"database_url": url, **infra.settings_kwargs(topic_prefix)}
            if service == "intake":
                kwargs["materials_dir"] = tmp_path / "materials"
            app = importlib.import_module(f"services.{service}.app").create_app(cfg.Settings(**kwargs))
            port = free_port()
            config = uvicorn.Config(
                app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
            )
            server = uvicorn.Server(config)
            servers.append((server, asyncio.create_task(server.serve())))
            bases[service] = f"http://127.0.0.1:{port}"
        for _ in range(600):
            if all(s.started for s, _ in servers):
                break
            await asyncio.sleep(0.05)
        assert all(s.started for s, _ in servers), "uvicorn did not start"
        yield bases
    finally:
        for server, _ in servers:
            server.should_exit = True
        await asyncio.gather(*(task for _, task in servers), return_exceptions=True)
        for url in urls:
            await infra.drop(url)


class Network:
    """Cuts the browser off from everything but 127.0.0.1 and remembers what was asked for."""

    def __init__(self) -> None:
        self.local: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.refused: list[str] = []

    async def route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            self.local.append(url)
            await route.continue_()
        else:
            self.blocked.append(url)
            await route.abort("internetdisconnected")

    async def install(self, context: BrowserContext) -> None:
        await context.route("**/*", self.route)
        context.on("requestfailed", self.request_failed)

    def request_failed(self, request: Request) -> None:
        if request.failure == "csp" and urlsplit(request.url).hostname != "127.0.0.1":
            self.refused.append(request.url)  # the pages' policy stopped it in the browser: never sent
        elif request.url not in self.blocked:
            self.failed.append(f"{request.url}: {request.failure}")


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return [op for ops in spec["paths"].values() for m, op in ops.items() if m in methods]


async def _swagger_ui(page: Page, base: str, spec: dict[str, Any], shot: Path) -> None:
    await page.goto(f"{base}/docs")
    blocks = page.locator(".opblock")
    expected = len(_operations(spec))
    await page.wait_for_function(
        f"document.querySelectorAll('.opblock').length >= {expected}", timeout=RENDER_TIMEOUT_MS
    )
    assert await blocks.count() == expected
    summaries = await page.locator(".opblock-summary-description").all_inner_texts()
    assert sorted(summaries) == sorted(op.get("summary", "") for op in _operations(spec))
    await page.get_by_text(spec["info"]["title"]).first.wait_for(state="visible")
    await page.screenshot(path=str(shot), full_page=False)


async def _redoc(page: Page, base: str, spec: dict[str, Any], shot: Path) -> None:
    await page.goto(f"{base}/redoc")
    expected = len(_operations(spec))
    selector = "[data-section-id^='operation/']"
    await page.wait_for_function(
        f'document.querySelectorAll("{selector}").length >= {expected}', timeout=RENDER_TIMEOUT_MS
    )
    assert await page.locator(selector).count() == expected
    first = _operations(spec)[0]["summary"]
    await page.locator("h2", has_text=first).first.wait_for(state="attached")
    await page.screenshot(path=str(shot), full_page=False)


async def test_every_services_docs_list_their_operations_with_the_network_cut_off(
    served: dict[str, str],
) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    specs: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for service, base in served.items():
            specs[service] = (await http.get(f"{base}/openapi.json")).json()
    network = Network()
    page_errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            await network.install(context)
            page = await context.new_page()
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            for service, base in served.items():
                await _swagger_ui(page, base, specs[service], OUT / f"{service}-swagger-ui.png")
                await _redoc(page, base, specs[service], OUT / f"{service}-redoc.png")
        finally:
            await browser.close()

    assert not network.blocked, f"requests that tried to leave the machine: {network.blocked}"
    assert not network.failed, network.failed
    # ReDoc's side menu asks for Redocly's logo on its CDN; the pages' content security policy refuses it
    assert set(network.refused) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}, network.refused
    assert not page_errors, page_errors
    for service, base in served.items():
        asked = set(network.local)
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
            assert f"{base}/docs/static/{asset}" in asked, (service, asset)
        assert f"{base}/openapi.json" in asked, service
