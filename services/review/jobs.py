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
from dataclasses import replace

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
from services.review.domain.model import Department
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


Results = list[CheckResult | DepartmentUnavailable]


class VerificationJob:
    """Claims due applications, asks the departments, stores what they said and settles each one.

    With ``department_batch`` (the default) the departments are asked about the claimed applications
    together: per department, the applications still waiting for it are grouped into batch requests of
    at most ``department_batch_size`` people (``department_batch_concurrency`` in flight per
    department); a department only one of them waits for is asked with the single query. Without it,
    one request per application and department (the single path). Either way each application is then
    stored and settled exactly as before, ``verify_commit_size`` of them per transaction, each in its
    own savepoint (one that fails is rolled back alone and retried when its claim expires).
    """

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
            if self.ctx.settings.department_batch:
                results, errors = await self._ask_together(claimed)
            else:
                results, errors = await self._ask_one_by_one(claimed)
            size = self.ctx.settings.verify_commit_size
            for k in range(0, len(claimed), size):
                await self._finish(
                    [
                        FinishVerification(
                            c.application["application_id"],
                            c.application["declaration_revision"],
                            token,
                            results[i],
                            errors[i],
                        )
                        for i, c in enumerate(claimed[k : k + size], start=k)
                    ]
                )
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

    def _open(self, claimed: Claimed) -> tuple[str | None, str | None]:
        """The clear ID number, or why it cannot be opened (the key changed or is missing: wait and try
        again)."""
        try:
            return open_id_number(self.ctx.runtime.sealer, claimed.application["id_number_sealed"]), None
        except Exception as e:
            return None, f"cannot open the ID number: {type(e).__name__}"

    async def _ask_one_by_one(self, claimed: list[Claimed]) -> tuple[list[Results], list[str | None]]:
        """The single path: one request per application and department, all concurrently (each
        adapter's concurrency limit applies)."""

        async def ask(c: Claimed) -> tuple[Results, str | None]:
            app_id = c.application["application_id"]
            results: Results = []
            number, error = self._open(c)
            if number is None or not c.departments:
                return results, error
            outcomes = await asyncio.gather(
                *(self.adapters[d].lookup(number) for d in c.departments), return_exceptions=True
            )
            for dept, out in zip(c.departments, outcomes, strict=True):
                if isinstance(out, CheckResult | DepartmentUnavailable):
                    results.append(out)
                elif isinstance(out, BaseException):
                    log.error("%s: %s adapter failed unexpectedly: %r", app_id, dept, out)
                    error = f"{dept}: {type(out).__name__}"
            return results, error

        asked = await asyncio.gather(*(ask(c) for c in claimed))
        return [r for r, _ in asked], [e for _, e in asked]

    async def _ask_together(self, claimed: list[Claimed]) -> tuple[list[Results], list[str | None]]:
        """The batch path: per department, the claimed applications waiting for it in batch requests."""
        opened = [self._open(c) for c in claimed]
        results: list[Results] = [[] for _ in claimed]
        errors: list[str | None] = [error for _, error in opened]
        waiting: dict[Department, list[int]] = {}
        for i, c in enumerate(claimed):
            if opened[i][0] is not None:
                for dept in c.departments:
                    waiting.setdefault(dept, []).append(i)

        async def ask(dept: Department, chunk: list[int]) -> None:
            adapter = self.adapters[dept]
            numbers = [n for i in chunk if (n := opened[i][0]) is not None]
            outs: Results
            try:
                if len(numbers) > 1:
                    outs = await adapter.lookup_many(numbers)
                else:
                    outs = [await adapter.lookup(numbers[0])]
            except DepartmentUnavailable as e:  # the batch as a whole: each application waits for it
                outs = [
                    DepartmentUnavailable(
                        dept, e.reason, replace(e.evidence, request_id=f"{e.evidence.request_id}:{k}")
                    )
                    for k in range(len(chunk))
                ]
            except Exception as e:
                log.error("%s adapter failed unexpectedly on a batch of %d: %r", dept, len(chunk), e)
                for i in chunk:
                    errors[i] = f"{dept}: {type(e).__name__}"
                return
            for i, out in zip(chunk, outs, strict=True):
                results[i].append(out)

        size = self.ctx.settings.department_batch_size
        await asyncio.gather(
            *(
                ask(dept, indexes[k : k + size])
                for dept, indexes in waiting.items()
                for k in range(0, len(indexes), size)
            )
        )
        return results, errors

    async def _finish(self, commands: list[FinishVerification]) -> None:
        """Store the evidence and settle each application, in one transaction, each in a savepoint."""
        completed = 0
        try:
            async with self.ctx.transaction() as tx:
                for cmd in commands:
                    try:
                        async with tx.session.begin_nested():
                            emitted = await finish_verification(tx, cmd)
                    except Exception:
                        log.exception(
                            "%s: could not store the verification; the claim expires and it is retried",
                            cmd.application_id,
                        )
                        continue
                    completed += emitted is not None
            self.completed += completed
        except Exception:
            log.exception(
                "could not store %d verification(s); their claims expire and they are retried", len(commands)
            )


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
