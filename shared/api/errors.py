"""The one error family of the five services, and its one translation to HTTP.

Use cases raise these; endpoints let them through; ``install_error_handlers`` answers
``{"error": {"code", "message", "details", "correlation_id"}}`` with the family's status. Every error
has a stable machine-readable ``code`` (snake_case, part of the API contract) and a ``message`` for
people. Pick the class by what went wrong, not by the status you want:

=================  ======  =========================================================================
class              status  when
=================  ======  =========================================================================
``NotFound``       404     the thing named does not exist (or the caller may not know it exists)
``Conflict``       409     the request is well formed but the state does not allow it now
``Forbidden``      403     the caller is known but may not do this to this object
``Invalid``        422     the request breaks a business rule about its content
``Unavailable``    503     a dependency or a configuration is missing; trying again later may work
=================  ======  =========================================================================

``ApiError(status, code, message)`` itself remains for the rare statuses the family does not name
(401, 413, 415, 429). In a Kafka consumer, an error of this family is a refusal of the event and is
*permanent* (dead-lettered at once with its code), except ``Unavailable``, which is *transient* and
retried like any infrastructure error (``ApiError.transient``).

Validation errors answer 422 with one detail per offending field; unexpected errors answer
500 with a generic message and the correlation id (the traceback goes to the log only).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import correlation_id_var

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    field: str | None = Field(default=None, examples=["person.birth_date"])
    code: str = Field(examples=["date.invalid"])
    message: str = Field(examples=["not a valid calendar date"])


class ErrorBody(BaseModel):
    code: str = Field(examples=["validation_failed"])
    message: str = Field(examples=["The request has 1 invalid field."])
    details: list[ErrorDetail] = Field(default_factory=list)
    correlation_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """The base of the family: a refusal with an HTTP status, a stable code and a message for people."""

    #: True when trying again later may succeed (a consumer retries instead of dead-lettering).
    transient: bool = False

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers


class _Fixed(ApiError):
    status_code: int = 500

    def __init__(
        self,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(self.status_code, code, message, details, headers)


class NotFound(_Fixed):
    """404: the thing named does not exist, or the caller may not learn that it does."""

    status_code = 404


class Conflict(_Fixed):
    """409: well formed, but the current state does not allow it (wrong phase, already decided …)."""

    status_code = 409


class Forbidden(_Fixed):
    """403: the caller may not do this to this object (object-level permission)."""

    status_code = 403


class Invalid(_Fixed):
    """422: the content breaks a business rule (beyond what the request schema checks)."""

    status_code = 422


class Unavailable(_Fixed):
    """503: a dependency or a configuration is missing; the same request may succeed later."""

    status_code = 503
    transient = True


def error_json(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "correlation_id": correlation_id_var.get(),
        }
    }
    return JSONResponse(status_code=status, content=body, headers=headers)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (("." if out else "") + p)
    return out or ".".join(str(p) for p in loc)


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "field": _loc(tuple(e.get("loc", ()))),
            "code": str(e.get("type", "invalid")),
            "message": str(e.get("msg", "")),
        }
        for e in errors
    ]


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


#: SQLSTATEs of text PostgreSQL cannot hold: character_not_in_repertoire (NUL in text) and
#: untranslatable_character (``\u0000`` in jsonb).
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_json(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        n = len(details)
        return error_json(
            422, "validation_failed", f"The request has {n} invalid field{'s' if n != 1 else ''}.", details
        )

    @app.exception_handler(DBAPIError)
    async def _text_postgresql_refuses(request: Request, exc: DBAPIError) -> JSONResponse:
        if getattr(exc.orig, "sqlstate", None) not in _UNSTORABLE_TEXT:
            raise exc  # a fault, not bad input: the 500 below
        # A NUL character passes every pydantic str check but PostgreSQL cannot store or compare it.
        detail = {"field": None, "code": "text_invalid", "message": "A text contains a NUL character."}
        return error_json(422, "validation_failed", "The request has 1 invalid field.", [detail])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers a JSON body that is not UTF-8 with a bare 400; it is invalid JSON like any other.
            detail = {"field": "body", "code": "json_invalid", "message": "The body is not UTF-8 JSON."}
            return error_json(422, "validation_failed", "The request has 1 invalid field.", [detail])
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return error_json(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_json(500, "internal_error", "An unexpected error occurred; it has been logged.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or invalid credentials"},
    403: {"model": ErrorResponse, "description": "Your role may not call this endpoint"},
    422: {"model": ErrorResponse, "description": "Invalid input; one detail per offending field"},
}
