"""Configurable faults of a mock registry: slow, flaky (5xx), rate-limited (429) or down.

Set at start-up (``--latency-ms``, ``--failure-rate`` … or ``MOCK_REGISTRY_*`` environment variables) and
changed at run time with ``PUT /_admin/faults``. Faults apply to the department API (``/api/…``), never to
``/healthz`` or the admin endpoints. Random draws come from a seeded generator, so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field


class Faults(BaseModel):
    """What goes wrong, and how often."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "latency_ms": 200,
                    "latency_jitter_ms": 50,
                    "failure_rate": 0.3,
                    "rate_limit_rate": 0.1,
                    "retry_after_s": 1,
                    "down": False,
                }
            ]
        },
    )

    latency_ms: float = Field(default=0, ge=0, le=120_000, description="Added to every answer.")
    latency_jitter_ms: float = Field(default=0, ge=0, le=60_000, description="Uniform extra latency 0…this.")
    failure_rate: float = Field(default=0, ge=0, le=1, description="Share of calls answered 500/502/503.")
    rate_limit_rate: float = Field(default=0, ge=0, le=1, description="Share of calls answered 429.")
    retry_after_s: float = Field(default=1, ge=0, le=3600, description="The 429's Retry-After header.")
    down: bool = Field(default=False, description="Every call answers 503 (maintenance).")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Faults:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = env.get(f"MOCK_REGISTRY_{name.upper()}")
            if raw is not None:
                values[name] = raw.lower() in ("1", "true", "yes") if name == "down" else float(raw)
        return cls(**values)


class FaultState:
    def __init__(self, faults: Faults, seed: int = 0) -> None:
        self.faults = faults
        self.rng = random.Random(seed)
        self.calls = 0
        self.injected: dict[str, int] = {"failure": 0, "rate_limited": 0, "down": 0}


def install_faults(app: FastAPI, state: FaultState) -> None:
    app.state.faults = state

    @app.middleware("http")
    async def inject(request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        f = state.faults
        state.calls += 1
        if f.down:
            state.injected["down"] += 1
            return JSONResponse(
                {"code": "SERVICE_UNAVAILABLE", "message": "系统维护中 under maintenance"}, 503
            )
        delay = f.latency_ms + (state.rng.uniform(0, f.latency_jitter_ms) if f.latency_jitter_ms else 0)
        if delay:
            await asyncio.sleep(delay / 1000)
        draw = state.rng.random()
        if draw < f.rate_limit_rate:
            state.injected["rate_limited"] += 1
            return JSONResponse(
                {"code": "RATE_LIMITED", "message": "请求过于频繁 too many requests"},
                429,
                headers={"Retry-After": f"{f.retry_after_s:g}"},
            )
        if draw < f.rate_limit_rate + f.failure_rate:
            state.injected["failure"] += 1
            status = state.rng.choice((500, 502, 503))
            return JSONResponse({"code": "INTERNAL_ERROR", "message": "系统繁忙 internal error"}, status)
        return await call_next(request)
