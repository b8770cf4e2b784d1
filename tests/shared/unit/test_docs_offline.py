"""Every service's documentation pages reference only assets the service itself serves (issue 13, item 4):
no CDN, no Google fonts, no remote favicon. The browser test (tests/e2e/test_docs_offline.py) shows the
pages render with the network cut off."""

from __future__ import annotations

import importlib
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.api.docs import CONTENT_SECURITY_POLICY, install_offline_docs
from shared.settings import SERVICES

# Every URL an HTML page can load: attributes and the spec URL of either UI.
REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl:\s*'([^']+)'""")
EXTERNAL = re.compile(r"(?i)\b(?:https?:)?//[a-z0-9.-]+")


def _app(service: str) -> Any:
    cfg = importlib.import_module(f"services.{service}.config")
    settings = cfg.Settings(
        database_url="postgresql+asyncpg://x@127.0.0.1:1/none", kafka_bootstrap_servers="x:1"
    )
    return importlib.import_module(f"services.{service}.app").create_app(settings)


def _client(app: Any, root_path: str = "") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, root_path=root_path), base_url="http://t")


def _references(html: str) -> list[str]:
    return [a or b for a, b in REFERENCE.findall(html)]


@pytest.mark.parametrize("service", SERVICES)
async def test_docs_and_redoc_load_nothing_from_outside_the_service(service: str) -> None:
    async with _client(_app(service)) as c:
        for page, asset in [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")]:
            r = await c.get(page)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
            # whatever the bundles themselves would fetch (ReDoc's logo from cdn.redoc.ly) the browser refuses
            assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert not EXTERNAL.findall(r.text), f"{page} names an outside address"
            refs = _references(r.text)
            assert any(ref.endswith(asset) for ref in refs), refs
            assert "/openapi.json" in refs
            for ref in refs:
                assert ref.startswith("/"), ref
                got = await c.get(ref)
                assert got.status_code == 200 and got.content, f"{page}: {ref} answers {got.status_code}"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize("service", SERVICES)
def test_every_reference_in_the_document_resolves_from_its_root(service: str) -> None:
    """ReDoc resolves ``$ref`` from the document's root: one dangling reference (scoring's ``#/$defs/month``)
    and it renders a blank page."""
    spec = _app(service).openapi()
    for ref in set(_refs(spec)):
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"{service}: {ref} does not resolve"
            node = node[part]


async def test_the_assets_are_the_packaged_swagger_ui_and_redoc_bundles() -> None:
    async with _client(_app("scoring")) as c:
        js = await c.get("/docs/static/swagger-ui-bundle.js")
        css = await c.get("/docs/static/swagger-ui.css")
        redoc = await c.get("/docs/static/redoc.standalone.js")
    assert js.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert b"SwaggerUIBundle" in js.content and len(js.content) > 500_000
    assert b".swagger-ui" in css.content
    assert b"Redoc" in redoc.content and len(redoc.content) > 500_000


async def test_swagger_ui_never_asks_the_online_validator() -> None:
    async with _client(_app("scoring")) as c:
        html = (await c.get("/docs")).text
    assert '"validatorUrl": null' in html


async def test_the_pages_follow_the_root_path_of_a_prefixing_proxy() -> None:
    async with _client(_app("intake"), root_path="/intake") as c:
        html = (await c.get("/docs")).text
    refs = _references(html)
    assert refs and all(ref.startswith("/intake/") for ref in refs), refs


def test_the_cdn_pages_are_replaced_not_served_beside_the_offline_ones() -> None:
    app = FastAPI(title="t")
    install_offline_docs(app)
    paths = [getattr(r, "path", None) for r in app.router.routes]
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert paths.count(page) == 1, paths


async def test_an_app_without_a_page_keeps_it_switched_off() -> None:
    app = FastAPI(title="t", redoc_url=None)
    install_offline_docs(app)
    async with _client(app) as c:
        assert (await c.get("/redoc")).status_code == 404
        assert (await c.get("/docs")).status_code == 200
