"""The review worker's scheduled jobs. Each keeps its state in the database, so a restart loses nothing.

- the verification job claims due applications (:func:`~.handlers.verification.claim_due`), asks the
  departments that have not answered yet (concurrently, outside any transaction), then stores the
  evidence and settles each application in its own transaction;
- the graduate job claims due graduate verifications and settlement checks
  (:func:`~.handlers.graduates.claim_graduate_work`), asks the education, company and social-insurance
  registries (concurrently, outside any transaction), then stores the evidence and settles each in its own
  transaction (``graduate.verified`` / ``graduate.settlement_checked``);
- the submissions job applies accepted department pushes, then calls the departments back with the
  outcome, retrying with backoff until they acknowledge (2xx).

The loops themselves are ``shared.service.periodic``; a pass here runs until there is nothing left to
do at once (a full batch is followed by another without waiting).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping

import httpx
import orjson

from services.review.adapters.departments import CheckResult, DepartmentAdapter
from services.review.adapters.graduate_registries import GraduateRegistry, RegistryResult
from services.review.adapters.http_lookup import DepartmentUnavailable
from services.review.adapters.records import SubmissionRecord
from services.review.context import Ctx
from services.review.domain.callbacks import (
    DEPARTMENT_HEADER,
    SIGNATURE_HEADER,
    SUBMISSION_ID_HEADER,
    TIMESTAMP_HEADER,
    callback_url_problem,
    signature,
)
from services.review.domain.graduates import Registry
from services.review.handlers.common import open_id_number
from services.review.handlers.departments import (
    ApplySubmissions,
    ClaimCallbacks,
    RecordCallback,
    apply_submissions,
    claim_callbacks,
    record_callback,
)
from services.review.handlers.graduates import (
    ClaimGraduateWork,
    FinishGraduateWork,
    GraduateWork,
    ReleaseGraduateClaims,
    claim_graduate_work,
    finish_graduate_work,
    release_graduate_claims,
)
from services.review.handlers.verification import (
    ClaimDue,
    Claimed,
    FinishVerification,
    ReleaseClaims,
    claim_due,
    finish_verification,
    release_claims,
)
from services.review.schemas import submission_out

log = logging.getLogger(__name__)


class VerificationJob:
    """Claims due applications, asks the departments, stores what they said and settles each one."""

    def __init__(self, ctx: Ctx, adapters: Mapping[str, DepartmentAdapter]) -> None:
        self.ctx = ctx
        self.adapters = adapters
        self.completed = 0

    async def run_once(self) -> int:
        """One round: claim a batch and verify it. Returns how many applications were claimed."""
        token = uuid.uuid4()
        async with self.ctx.transaction() as tx:
            claimed = await claim_due(tx, ClaimDue(token))
        if not claimed:
            return 0
        try:
            await asyncio.gather(*(self._verify(c, token) for c in claimed))
        except asyncio.CancelledError:
            # Stopping (not crashing): give the unfinished claims back at once rather than when the
            # lease runs out. A crashed worker cannot; its leases expire and others take over.
            await self._release(token)
            raise
        return len(claimed)

    async def run_pass(self) -> None:
        """Batches until one is not full (the periodic job then waits its interval)."""
        while await self.run_once() >= self.ctx.settings.verify_batch_size:
            pass

    async def _release(self, token: uuid.UUID) -> None:
        try:
            async with self.ctx.transaction() as tx:
                n = await release_claims(tx, ReleaseClaims(token))
            log.info("released %d unfinished claim(s)", n)
        except Exception:
            log.warning("could not release claims; their leases will expire", exc_info=True)

    async def _verify(self, claimed: Claimed, token: uuid.UUID) -> None:
        app = claimed.application
        app_id = app["application_id"]
        results: list[CheckResult | DepartmentUnavailable] = []
        error: str | None = None
        try:
            number: str | None = open_id_number(self.ctx.runtime.sealer, app["id_number_sealed"])
        except Exception as e:  # the key changed or is missing: wait and try again
            number, error = None, f"cannot open the ID number: {type(e).__name__}"
        if number is not None and claimed.departments:
            outcomes = await asyncio.gather(
                *(self.adapters[d].lookup(number) for d in claimed.departments), return_exceptions=True
            )
            for dept, out in zip(claimed.departments, outcomes, strict=True):
                if isinstance(out, CheckResult | DepartmentUnavailable):
                    results.append(out)
                elif isinstance(out, BaseException):
                    log.error("%s: %s adapter failed unexpectedly: %r", app_id, dept, out)
                    error = f"{dept}: {type(out).__name__}"
        cmd = FinishVerification(app_id, app["declaration_revision"], token, results, error)
        try:
            async with self.ctx.transaction(correlation_id=app["correlation_id"]) as tx:
                emitted = await finish_verification(tx, cmd)
        except Exception:
            log.exception("%s: could not store the verification; the claim expires and it is retried", app_id)
            return
        if emitted is not None:
            self.completed += 1


class GraduateJob:
    """Claims due graduate verifications and settlement checks, asks the registries, stores what they
    said and settles each one."""

    def __init__(self, ctx: Ctx, adapters: Mapping[Registry, GraduateRegistry]) -> None:
        self.ctx = ctx
        self.adapters = adapters
        self.emitted = 0

    async def run_once(self) -> int:
        """One round: claim a batch of each kind and check it. Returns how much work was claimed."""
        token = uuid.uuid4()
        async with self.ctx.transaction() as tx:
            work = await claim_graduate_work(tx, ClaimGraduateWork(token))
        if not work:
            return 0
        try:
            await asyncio.gather(*(self._check(w, token) for w in work))
        except asyncio.CancelledError:
            try:
                async with self.ctx.transaction() as tx:
                    await release_graduate_claims(tx, ReleaseGraduateClaims(token))
            except Exception:
                log.warning("could not release graduate claims; their leases will expire", exc_info=True)
            raise
        return len(work)

    async def run_pass(self) -> None:
        while await self.run_once() >= self.ctx.settings.verify_batch_size:
            pass

    async def _check(self, work: GraduateWork, token: uuid.UUID) -> None:
        results: list[RegistryResult | DepartmentUnavailable] = []
        error: str | None = None
        number: str | None = None
        if any(lookup.sealed for lookup in work.lookups):
            try:
                number = open_id_number(self.ctx.runtime.sealer, work.sealed_id_number)
            except Exception as e:  # the key changed or is missing: wait and try again
                error = f"cannot open the ID number: {type(e).__name__}"
        lookups = [lk for lk in work.lookups if not lk.sealed or number is not None]
        outcomes = await asyncio.gather(
            *(
                self.adapters[lk.registry].lookup(number if lk.sealed and number else lk.key)
                for lk in lookups
            ),
            return_exceptions=True,
        )
        for lk, out in zip(lookups, outcomes, strict=True):
            if isinstance(out, RegistryResult | DepartmentUnavailable):
                results.append(out)
            elif isinstance(out, BaseException):
                log.error("%s: %s adapter failed unexpectedly: %r", work.subject_id, lk.registry, out)
                error = f"{lk.registry}: {type(out).__name__}"
        try:
            async with self.ctx.transaction(correlation_id=work.correlation_id) as tx:
                emitted = await finish_graduate_work(tx, FinishGraduateWork(work, token, results, error))
        except Exception:
            log.exception(
                "%s: could not store the graduate check; the claim expires and it is retried", work.subject_id
            )
            return
        if emitted:
            self.emitted += 1


class SubmissionsJob:
    """Applies accepted department submissions (each batch in one transaction with its effect), then
    calls the departments back with the outcome."""

    def __init__(self, ctx: Ctx, http: httpx.AsyncClient) -> None:
        self.ctx = ctx
        self.http = http

    async def apply_batch(self, limit: int = 50) -> int:
        async with self.ctx.transaction() as tx:
            return await apply_submissions(tx, ApplySubmissions(limit))

    async def deliver_callbacks(self, limit: int = 20) -> int:
        async with self.ctx.transaction() as tx:
            rows = await claim_callbacks(tx, ClaimCallbacks(limit))
        for row in rows:
            await self._deliver(row)
        return len(rows)

    async def run_pass(self) -> None:
        """Until nothing is left to apply or call back (the periodic job then waits its interval)."""
        while await self.apply_batch() + await self.deliver_callbacks():
            pass

    def _signed_request(self, row: SubmissionRecord) -> tuple[bytes, dict[str, str]] | str:
        """The exact body and headers of a callback, or why it may no longer be sent (the department's
        secret or allow-list changed since the submission was accepted)."""
        settings = self.ctx.settings
        department = row["department"]
        secret = settings.callback_secret(department)
        if secret is None:
            return "no callback secret is configured for the department any more"
        problem = callback_url_problem(
            row["callback_url"] or "", settings.department_callback_hosts.get(department, ())
        )
        if problem is not None:
            return f"callback_url no longer allowed: {problem}"
        body = orjson.dumps(submission_out(row).model_dump(mode="json"))
        timestamp = int(self.ctx.clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            SUBMISSION_ID_HEADER: str(row["id"]),
            DEPARTMENT_HEADER: department,
        }
        return body, headers

    async def _deliver(self, row: SubmissionRecord) -> None:
        attempts = row["callback_attempts"] + 1
        error: str | None = None
        refused = False
        request = self._signed_request(row)
        if isinstance(request, str):
            error, refused = request, True
        else:
            body, headers = request
            try:
                resp = await self.http.post(
                    row["callback_url"] or "",
                    content=body,
                    headers=headers,
                    timeout=self.ctx.settings.callback_timeout_s,
                    follow_redirects=False,
                )
                if not 200 <= resp.status_code < 300:
                    error = f"callback answered {resp.status_code}"
            except Exception as e:
                error = f"callback failed: {type(e).__name__}"
        async with self.ctx.transaction() as tx:
            await record_callback(tx, RecordCallback(row["id"], attempts, error, refused))
