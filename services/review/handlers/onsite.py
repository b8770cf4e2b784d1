"""现场审核: what data exchange cannot prove, decided by bureau staff. The last open question decided
(every department having answered) completes the verification in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.review.adapters.records import OnsiteTaskRecord
from services.review.adapters.repository import Page
from services.review.context import Tx
from services.review.handlers.common import settle
from services.review.handlers.values import ONSITE_VALUE, missing_value, validated
from shared.api.errors import Conflict, Invalid, NotFound


def task_not_found(task_id: int) -> NotFound:
    return NotFound("task_not_found", f"No on-site review task {task_id}.")


@dataclass(frozen=True)
class ListTasks:
    status: str | None
    round_id: str | None
    topic: str | None
    application_id: str | None
    limit: int
    offset: int


async def list_tasks(tx: Tx, cmd: ListTasks) -> Page[OnsiteTaskRecord]:
    return await tx.repo.list_tasks(
        status=cmd.status,
        round_id=cmd.round_id,
        topic=cmd.topic,
        application_id=cmd.application_id,
        limit=cmd.limit,
        offset=cmd.offset,
    )


@dataclass(frozen=True)
class GetTask:
    task_id: int


async def get_task(tx: Tx, cmd: GetTask) -> OnsiteTaskRecord:
    task = await tx.repo.get_task(cmd.task_id)
    if task is None:
        raise task_not_found(cmd.task_id)
    return task


@dataclass(frozen=True)
class DecideOnsite:
    task_id: int
    decision: Literal["confirmed", "rejected", "corrected"]
    value: Any  # for ``corrected``: the topic's value as entered (validated here)
    reviewer: str
    note: str


async def decide_onsite(tx: Tx, cmd: DecideOnsite) -> OnsiteTaskRecord:
    """Record the reviewer's decision; settle the application when the task is of its current
    declaration. ``corrected`` needs a ``value`` valid for the task's topic; the others take none."""
    task_id = cmd.task_id
    task = await tx.repo.get_task(task_id)
    if task is None:
        raise task_not_found(task_id)
    value = None
    if cmd.decision == "corrected":
        if cmd.value is None:
            raise missing_value("A correction needs `value`.", "corrected")
        value = validated(ONSITE_VALUE[task["topic"]], cmd.value)
    elif cmd.value is not None:
        raise Invalid(
            "validation_failed",
            "`value` is only for a correction.",
            [{"field": "value", "code": "unexpected", "message": "only with corrected"}],
        )
    app = await tx.repo.get_application(task["application_id"], for_update=True)
    locked = await tx.repo.get_task(task_id, for_update=True)
    assert locked is not None and app is not None
    if locked["status"] != "open":
        raise Conflict("task_not_open", f"Task {task_id} is {locked['status']}; it cannot be decided again.")
    await tx.repo.decide_task(
        task_id,
        {
            "status": "decided",
            "decision": cmd.decision,
            "value": value,
            "reviewer": cmd.reviewer,
            "note": cmd.note,
            "decided_by": tx.actor,
            "decided_at": tx.now,
        },
    )
    if app["declaration_revision"] == locked["declaration_revision"]:
        await settle(tx, app, trigger="onsite_review")
    updated = await tx.repo.get_task(task_id)
    assert updated is not None
    return updated
