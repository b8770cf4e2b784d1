"""One registry lookup over HTTP, with the protections every registry adapter of the service has (the
four department adapters of :mod:`.departments`, the graduate adapters of :mod:`.graduate_registries`):

- timeouts (connect and read) on the HTTP client;
- retries of transient errors (5xx, 429 honouring ``Retry-After``, timeouts, connection errors) with
  jittered exponential backoff, within an overall deadline;
- a circuit breaker per registry (one that keeps failing is not called for a while);
- a concurrency limit per registry (``asyncio.Semaphore``), held only during the HTTP exchange;
- :class:`Evidence` of every check: request and response digests, request id, times, attempts, HTTP
  status and the adapter version. Digests are HMAC-SHA256 keyed with a key derived from the data key:
  the request carries an ID number, and a plain hash of it could be reversed by trying every number.

200 and 404 are answers (a 404: "no record"); an answer outside the registry's format is
``invalid_response`` at once (retrying will not help), described by field, never by value.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import httpx
from pydantic import ValidationError

from services.review.adapters.resilience import CircuitBreaker, backoff_delay, retry_after_seconds
from shared.clock import Clock
from shared.events.registry import describe_validation_error

T = TypeVar("T")
Outcome = Literal["answered", "not_found"]
#: Reads a 200 or 404 answer (status, decoded JSON of a 200) into an outcome and normalised data;
#: raises ``ValidationError`` / ``ValueError`` for an answer outside the registry's format.
Parse = Callable[[int, Any], tuple[Outcome, dict[str, Any]]]


@dataclass(frozen=True)
class Evidence:
    """What proves a check: stored for every call, answered or not."""

    department: str
    request_id: str
    request_digest: str
    response_digest: str | None
    requested_at: datetime
    responded_at: datetime | None
    duration_ms: int
    attempts: int
    http_status: int | None
    adapter_version: str
    error: str | None = None


class DepartmentUnavailable(Exception):
    """The registry gave no usable answer this time (down, failing, rate limiting, breaker open)."""

    def __init__(self, department: str, reason: str, evidence: Evidence) -> None:
        super().__init__(f"{department}: {reason}")
        self.department = department
        self.reason = reason
        self.evidence = evidence


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0
    retry_after_max_s: float = 30.0
    deadline_s: float = 60.0


def make_digest(key: bytes | None) -> Callable[[bytes], str]:
    def digest(body: bytes) -> str:
        if key:
            return "hmac-sha256:" + hmac.new(key, body, hashlib.sha256).hexdigest()
        return "sha256:" + hashlib.sha256(body).hexdigest()

    return digest


class ResilientLookup:
    """The lookup loop, mixed into an adapter dataclass that has these attributes (set in its fields
    and ``__post_init__``)."""

    client: httpx.AsyncClient
    clock: Clock
    policy: RetryPolicy
    breaker: CircuitBreaker | None
    semaphore: asyncio.Semaphore
    rng: random.Random
    sleep: Any
    version: str
    calls: int
    _digest: Callable[[bytes], str]

    async def _lookup(
        self, name: str, path: str, body: bytes, request_id: str, parse: Parse
    ) -> tuple[Outcome, dict[str, Any], Evidence]:
        """POST ``body`` to ``path`` until an answer, or raise :class:`DepartmentUnavailable`."""
        (outcome, data), evidence = await self._exchange(name, path, body, request_id, parse)
        return outcome, data, evidence

    async def _exchange(
        self,
        name: str,
        path: str,
        body: bytes,
        request_id: str,
        parse: Callable[[int, Any], T],
        *,
        semaphore: asyncio.Semaphore | None = None,
        read_timeout_s: float | None = None,
    ) -> tuple[T, Evidence]:
        """POST ``body`` to ``path`` until a 200 or 404 that ``parse`` reads, or raise
        :class:`DepartmentUnavailable`. ``semaphore`` and ``read_timeout_s`` default to the
        adapter's (a batch request has its own limit and a longer timeout)."""
        assert self.breaker is not None
        limit = semaphore if semaphore is not None else self.semaphore
        extra: dict[str, Any] = (
            {}
            if read_timeout_s is None
            else {"timeout": httpx.Timeout(read_timeout_s, connect=self.client.timeout.connect)}
        )
        requested_at = self.clock.now()
        t0 = time.monotonic()
        attempts = 0
        status: int | None = None
        response_digest: str | None = None
        error: str | None = None

        def evidence(err: str | None = None) -> Evidence:
            return Evidence(
                department=name,
                request_id=request_id,
                request_digest=self._digest(body),
                response_digest=response_digest,
                requested_at=requested_at,
                responded_at=self.clock.now() if status is not None else None,
                duration_ms=int((time.monotonic() - t0) * 1000),
                attempts=attempts,
                http_status=status,
                adapter_version=self.version,
                error=err,
            )

        while True:
            if not self.breaker.allow():
                raise DepartmentUnavailable(
                    name, "circuit_open", evidence(f"circuit open; last error: {error or '-'}")
                )
            attempts += 1
            retry_after: float | None = None
            try:
                async with limit:
                    self.calls += 1
                    resp = await self.client.post(
                        path,
                        content=body,
                        headers={"content-type": "application/json", "x-request-id": request_id},
                        **extra,
                    )
            except httpx.TimeoutException as e:
                self.breaker.record_failure()
                error = f"timeout ({type(e).__name__})"
            except httpx.TransportError as e:
                self.breaker.record_failure()
                error = f"connection error ({type(e).__name__})"
            else:
                status = resp.status_code
                response_digest = self._digest(resp.content)
                if status in (200, 404):
                    self.breaker.record_success()
                    try:
                        value = parse(status, resp.json() if status == 200 else None)
                    except ValidationError as e:  # the fields, never the values (personal data)
                        raise DepartmentUnavailable(
                            name,
                            "invalid_response",
                            evidence(f"invalid answer: {describe_validation_error(e)}"),
                        ) from e
                    except ValueError as e:
                        # The registry answered, but not in its format: retrying will not help.
                        raise DepartmentUnavailable(
                            name, "invalid_response", evidence(f"invalid answer: {str(e)[:300]}")
                        ) from e
                    return value, evidence()
                if status == 429:
                    # Alive but asking us to slow down: not a breaker failure.
                    retry_after = retry_after_seconds(resp.headers.get("retry-after"))
                    error = "rate limited (429)"
                    if retry_after is not None and retry_after > self.policy.retry_after_max_s:
                        raise DepartmentUnavailable(name, "rate_limited", evidence(error))
                elif status >= 500:
                    self.breaker.record_failure()
                    error = f"server error ({status})"
                else:
                    raise DepartmentUnavailable(name, "rejected", evidence(f"request rejected ({status})"))
            if attempts >= self.policy.max_attempts:
                raise DepartmentUnavailable(name, "retries_exhausted", evidence(error))
            delay = backoff_delay(
                attempts,
                initial_s=self.policy.backoff_initial_s,
                max_s=self.policy.backoff_max_s,
                rng=self.rng,
            )
            if retry_after is not None:
                delay = max(delay, retry_after)
            if time.monotonic() - t0 + delay > self.policy.deadline_s:
                raise DepartmentUnavailable(name, "deadline", evidence(error))
            await self.sleep(delay)


# ---- building a set of adapters ------------------------------------------------------------------

K = TypeVar("K", bound=str)
A = TypeVar("A")


@dataclass(frozen=True)
class LookupSettings:
    """How every adapter of a set talks to its registry (timeouts, retries, breaker, concurrency)."""

    timeout_s: float
    connect_timeout_s: float
    policy: RetryPolicy
    concurrency: int
    breaker_failure_threshold: int
    breaker_open_s: float
    digest_key: bytes | None
    #: Batch look-ups (the four departments): requests in flight per registry, read timeout of one.
    batch_concurrency: int = 2
    batch_timeout_s: float = 30.0


@dataclass
class AdapterSet(Generic[K, A]):
    """Adapters by registry and the HTTP clients they use (closed together)."""

    adapters: dict[K, A]
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def aclose(self) -> None:
        for c in self.clients:
            await c.aclose()


def build_adapters(
    urls: Mapping[K, str],
    conn: LookupSettings,
    make: Callable[[K, httpx.AsyncClient, CircuitBreaker], A],
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> AdapterSet[K, A]:
    """One client (its own connection pool) and one circuit breaker per registry, and its adapter."""
    out: AdapterSet[K, A] = AdapterSet({})
    for name, url in urls.items():
        client = httpx.AsyncClient(
            base_url=url,
            timeout=httpx.Timeout(conn.timeout_s, connect=conn.connect_timeout_s),
            limits=httpx.Limits(max_connections=conn.concurrency, max_keepalive_connections=conn.concurrency),
            transport=(transports or {}).get(name),
        )
        out.clients.append(client)
        breaker = CircuitBreaker(
            name, failure_threshold=conn.breaker_failure_threshold, open_s=conn.breaker_open_s
        )
        out.adapters[name] = make(name, client, breaker)
    return out
