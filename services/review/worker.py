"""The review service's worker: outbox relay, consumers and scheduled jobs.

Jobs: the verification job (claims due applications, asks the departments, settles them) and the
submissions job (applies department pushes, delivers their callbacks). Both keep their state in the
database, so a restart loses nothing.
"""

from __future__ import annotations

import hashlib
import logging

import httpx

from services.review.adapters.departments import DepartmentSet, RetryPolicy, build_departments
from services.review.config import Settings
from services.review.consumers import build_consumers
from services.review.handlers import SubmissionsJob, VerificationJob
from shared.clock import Clock
from shared.crypto import Sealer, decode_key
from shared.service import ServiceContext, Worker, build_context


def make_sealer(settings: Settings) -> Sealer | None:
    return Sealer(settings.data_key.get_secret_value()) if settings.data_key else None


def evidence_key(settings: Settings) -> bytes | None:
    """The key of evidence digests, derived from the data key (never the data key itself)."""
    if not settings.data_key:
        return None
    return hashlib.sha256(b"review-evidence:" + decode_key(settings.data_key.get_secret_value())).digest()


def make_departments(settings: Settings, ctx: ServiceContext) -> DepartmentSet:
    return build_departments(
        settings.registry_urls(),
        ctx.clock,
        timeout_s=settings.department_timeout_s,
        connect_timeout_s=settings.department_connect_timeout_s,
        policy=RetryPolicy(
            max_attempts=settings.department_max_attempts,
            backoff_initial_s=settings.department_backoff_initial_s,
            backoff_max_s=settings.department_backoff_max_s,
            retry_after_max_s=settings.department_retry_after_max_s,
            deadline_s=settings.department_deadline_s,
        ),
        concurrency=settings.department_concurrency,
        breaker_failure_threshold=settings.breaker_failure_threshold,
        breaker_open_s=settings.breaker_open_s,
        digest_key=evidence_key(settings),
    )


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    # httpx logs every request at INFO: one line per department call is noise, the evidence table has it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ctx = build_context(settings, clock)
    sealer = make_sealer(settings)

    async def verification() -> None:
        departments = make_departments(settings, ctx)
        job = VerificationJob(ctx, settings, departments.adapters, sealer)
        ctx.extras["verification_job"] = job
        try:
            await job.run_forever()
        finally:
            await departments.aclose()

    async def submissions() -> None:
        async with httpx.AsyncClient(timeout=settings.callback_timeout_s, follow_redirects=False) as http:
            job = SubmissionsJob(ctx, settings, http)
            ctx.extras["submissions_job"] = job
            await job.run_forever()

    verification.__name__ = "verification-job"
    submissions.__name__ = "submissions-job"
    return Worker(ctx=ctx, consumers=build_consumers(ctx, sealer), jobs=[verification, submissions])
