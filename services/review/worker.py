"""The review service's worker: outbox relay, consumers and scheduled jobs.

Jobs (:mod:`services.review.jobs`): the verification job (claims due applications, asks the departments,
settles them) and the submissions job (applies department pushes, delivers their callbacks). Both keep
their state in the database, so a restart loses nothing.
"""

from __future__ import annotations

import logging

import httpx

from services.review.adapters.departments import DepartmentSet, build_departments
from services.review.adapters.graduate_registries import GraduateRegistrySet, build_graduate_registries
from services.review.adapters.http_lookup import LookupSettings, RetryPolicy
from services.review.config import Settings
from services.review.consumers import build_consumers
from services.review.context import Ctx, build_service_context, evidence_key
from services.review.jobs import GraduateJob, SubmissionsJob, VerificationJob
from shared.clock import Clock
from shared.service import Worker, periodic


def _lookup_settings(settings: Settings) -> LookupSettings:
    return LookupSettings(
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
        batch_concurrency=settings.department_batch_concurrency,
        batch_timeout_s=settings.department_batch_timeout_s,
    )


def make_departments(settings: Settings, ctx: Ctx) -> DepartmentSet:
    return build_departments(settings.registry_urls(), ctx.clock, _lookup_settings(settings))


def make_graduate_registries(settings: Settings, ctx: Ctx) -> GraduateRegistrySet:
    """The education, company and social-insurance adapters of the graduate checks (own clients and
    breakers: a slow education registry does not hold up the points verification)."""
    return build_graduate_registries(settings.graduate_registry_urls(), ctx.clock, _lookup_settings(settings))


def create_worker(settings: Settings, clock: Clock | None = None) -> Worker:
    # httpx logs every request at INFO: one line per department call is noise, the evidence table has it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ctx = build_service_context(settings, clock)

    async def verification() -> None:
        # The department clients live as long as the job (closed when the worker stops it).
        departments = make_departments(settings, ctx)
        job = VerificationJob(ctx, departments.adapters)
        try:
            await periodic("verification-job", settings.verify_poll_interval_s, job.run_pass)()
        finally:
            await departments.aclose()

    async def submissions() -> None:
        async with httpx.AsyncClient(timeout=settings.callback_timeout_s, follow_redirects=False) as http:
            job = SubmissionsJob(ctx, http)
            await periodic("submissions-job", settings.submissions_poll_interval_s, job.run_pass)()

    async def graduates() -> None:
        registries = make_graduate_registries(settings, ctx)
        job = GraduateJob(ctx, registries.adapters)
        try:
            await periodic("graduate-job", settings.verify_poll_interval_s, job.run_pass)()
        finally:
            await registries.aclose()

    verification.__name__ = "verification-job"
    submissions.__name__ = "submissions-job"
    graduates.__name__ = "graduate-job"
    return Worker(ctx=ctx, consumers=build_consumers(ctx), jobs=[verification, submissions, graduates])
