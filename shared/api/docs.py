"""A service's API documentation: its OpenAPI document and pages that work without internet.

FastAPI's own ``/docs`` and ``/redoc`` pages load Swagger UI, ReDoc, a favicon and Google fonts from public
CDNs: on an isolated government network they render a blank page. :func:`install_offline_docs` replaces
them with the same pages whose assets the service serves itself, from the static files shipped in the
``fastapi-offline`` package (Swagger UI 5 and ReDoc 2 bundles; nothing is copied into this repository, and
upgrading that package upgrades the assets).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute

from shared.api.errors import ERROR_RESPONSES

#: Swagger UI's bundle and stylesheet, ReDoc's standalone bundle and a favicon, as the package ships them.
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
STATIC_URL = "/docs/static"

#: Swagger UI calls out to validator.swagger.io for its badge unless told not to.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}

#: The pages may load only from the service itself: ReDoc's side menu always shows Redocly's logo from
#: cdn.redoc.ly; with this policy the browser never asks for it (the link text stays). Inline scripts and
#: styles, ``eval`` (ReDoc compiles schemas), ``data:`` and ``blob:`` are what the two bundles need.
CONTENT_SECURITY_POLICY = "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:"


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def _path(route: BaseRoute) -> str | None:
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


def install_offline_docs(app: FastAPI, *, static_url: str = STATIC_URL) -> None:
    """Serve the app's Swagger UI (``app.docs_url``) and ReDoc (``app.redoc_url``) pages with local assets,
    mounted at ``static_url``. Replaces FastAPI's CDN pages at the same URLs; an app built with
    ``docs_url=None`` (or ``redoc_url=None``) keeps that page switched off. Honours ``root_path`` (a
    service behind a path-prefixing proxy)."""
    docs_url, redoc_url, redirect_url = app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url
    cdn_pages = {docs_url, redoc_url, redirect_url if docs_url else None} - {None}
    app.router.routes[:] = [r for r in app.router.routes if _path(r) not in cdn_pages]
    if app.openapi_url is None:
        return  # no OpenAPI document, nothing to show
    app.mount(static_url, StaticFiles(directory=ASSETS_DIR), name="offline-docs-static")
    parameters = {**SWAGGER_UI_PARAMETERS, **(app.swagger_ui_parameters or {})}

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    if docs_url is not None:

        @app.get(docs_url, include_in_schema=False)
        async def swagger_ui(request: Request) -> HTMLResponse:
            root = base(request)
            page = get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=f"{root}{redirect_url}" if redirect_url else None,
                swagger_js_url=f"{root}{static_url}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{static_url}/swagger-ui.css",
                swagger_favicon_url=f"{root}{static_url}/favicon.png",
                swagger_ui_parameters=parameters,
            )
            return _local_only(page)

        if redirect_url is not None:

            @app.get(redirect_url, include_in_schema=False)
            async def swagger_ui_redirect() -> HTMLResponse:
                return _local_only(get_swagger_ui_oauth2_redirect_html())

    if redoc_url is not None:

        @app.get(redoc_url, include_in_schema=False)
        async def redoc(request: Request) -> HTMLResponse:
            root = base(request)
            page = get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{static_url}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{static_url}/favicon.png",
                with_google_fonts=False,
            )
            return _local_only(page)


def documented_app(
    *,
    title: str,
    description: str,
    version: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
) -> FastAPI:
    """A service's FastAPI app: its OpenAPI document (with the error responses every route may give) and
    its Swagger UI and ReDoc pages served offline (:func:`install_offline_docs`)."""
    app = FastAPI(
        title=title, description=description, version=version, lifespan=lifespan, responses=ERROR_RESPONSES
    )
    install_offline_docs(app)
    return app
