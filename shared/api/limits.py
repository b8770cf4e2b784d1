"""One request-body limit for every service, enforced on the bytes as they stream in.

A limit read from ``Content-Length`` alone is bypassed by chunked transfer, and a limit checked after the
framework has read (or spooled) the body comes too late: a 300 MiB anonymous body was read into memory.
:class:`BodyLimit` is an ASGI middleware that counts the body's bytes as the application receives them
and, as soon as the route's limit is passed, stops the read and answers 413 ``payload_too_large`` — whatever
the endpoint was doing with the body (JSON, a multipart form spooled to disk, a raw read).

Limits are per route (method and path template, e.g. ``("POST", "/v1/applications/{id}/materials")``),
declared by each service beside its routes; every other route gets the default
(``ServiceSettings.max_request_bytes``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import correlation_id_var

log = logging.getLogger(__name__)

RouteKey = tuple[str, str]


class _TooLarge(Exception):
    pass


def _route_template(app: Any, scope: Scope) -> str | None:
    """The path template of the route that will serve ``scope`` (None when no route matches)."""
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path_format", getattr(route, "path", "")))
    return None


def _too_large_response(limit: int) -> tuple[Message, Message]:
    body = orjson.dumps(
        {
            "error": {
                "code": "payload_too_large",
                "message": f"The request body is larger than this endpoint accepts ({limit} bytes).",
                "details": [],
                "correlation_id": correlation_id_var.get(),
            }
        }
    )
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


class BodyLimit:
    """ASGI middleware: 413 as soon as a request body passes its route's limit (streamed bytes counted)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        limits: Mapping[RouteKey, int] | None = None,
        routes_of: Any = None,
    ) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})
        self.routes_of = routes_of  # the FastAPI app whose routes name the templates

    def limit_for(self, scope: Scope) -> int:
        if not self.limits:
            return self.default
        template = _route_template(self.routes_of, scope)
        if template is None:
            return self.default
        return self.limits.get((scope["method"], template), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            for message in _too_large_response(limit):
                await send(message)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    for m in _too_large_response(limit):
                        await send(m)
                return  # whatever the application answers to a body it could not finish is replaced
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            pass  # raised by limited_receive itself: the 413 below is the answer
        except Exception as e:
            if not exceeded:
                raise
            # The application failed on a body it was stopped from reading (a parser, a spooled form):
            # that is the consequence of the limit, and the 413 below is the answer to it.
            log.debug(
                "%s %s: %s after the body limit was passed", scope["method"], scope["path"], type(e).__name__
            )
        if exceeded and not started:
            for m in _too_large_response(limit):
                await send(m)
