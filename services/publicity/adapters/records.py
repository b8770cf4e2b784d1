"""One TypedDict per table of the publicity service (total, the columns' exact types), and the few
partial rows the repository returns (a list page's public columns, an objection without the sealed
identity, an attachment without its content). ``tests/publicity/unit/test_records.py`` checks that every
record names exactly its table's columns."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, TypeVar, cast

from shared.events.contracts.common import Program


class IndicatorLine(TypedDict):
    """One indicator of a score as the list shows it (display order, with its Chinese name)."""

    code: str
    points: str
    name_zh: str


class RoundRecord(TypedDict):
    round_id: str
    program: Program
    year: int
    phase: str
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    phases: list[dict[str, Any]]
    phase_event_at: datetime | None


class SubmissionRecord(TypedDict):
    application_id: str
    revision: int
    round_id: str
    program: str
    name: str
    birth_year_month: str
    employer_name: str
    received_at: datetime


class ScoreRecord(TypedDict):
    application_id: str
    revision: int
    round_id: str
    policy_version: str
    total: Decimal
    indicators: list[IndicatorLine]
    received_at: datetime


class RankingRecord(TypedDict):
    round_id: str
    ranking_id: str
    policy_version: str
    cutoff: Decimal | None
    ranked_count: int
    admitted_count: int
    finalized_at: datetime


class RankedRecord(TypedDict):
    ranking_id: str
    application_id: str
    round_id: str
    rank: int
    admitted: bool
    total: Decimal


class PublicityRecord(TypedDict):
    publicity_id: str
    round_id: str
    scope: str
    program: Program
    year: int
    ranking_id: str | None
    status: str
    entry_count: int
    supervision_contact: str
    prepared_at: datetime
    opened_at: datetime | None
    closes_at: datetime | None
    closes_on: date | None
    period_rule: str | None
    calendar_version: str | None
    closed_at: datetime | None
    close_processed_at: datetime | None
    cleared: int | None
    disqualified: int | None
    held: int | None
    unit_name: str | None
    unit_phone: str | None
    unit_address: str | None
    opened_by: str | None
    working_days: int | None


class ScheduledPublicity(PublicityRecord):
    """A scheduled publicity with its round's publicity start (``lock_scheduled``)."""

    publicity_starts_on: date | None


class PublicEntryRow(TypedDict):
    """The columns of an entry on the public list."""

    entry_no: int
    rank: int | None
    name: str
    birth_year_month: str
    employer_name: str
    total: Decimal | None
    indicators: list[IndicatorLine]


class StaffEntryRow(PublicEntryRow):
    """An entry of the archived copy: the public columns, the application id and the outcome."""

    application_id: str
    outcome: str | None
    outcome_reason: str | None
    outcome_reason_code: str | None
    outcome_at: datetime | None
    age: int | None
    university: str | None
    education: str | None


class EntryRecord(StaffEntryRow):
    publicity_id: str
    search_text: str


class GraduateCandidateRecord(TypedDict):
    declaration_id: str
    revision: int
    round_id: str
    year: int
    unit_id: str
    unit_name: str
    status: str
    decided_at: datetime
    name: str | None
    age: int | None
    university: str | None
    education: str | None
    unit_phone: str | None
    unit_address: str | None
    publicity_id: str | None
    received_at: datetime


class GraduateEntryRow(TypedDict):
    """The columns of an entry on a graduate list (public): nothing else about the graduate."""

    entry_no: int
    name: str
    age: int | None
    university: str | None
    education: str | None


class ObjectionSummary(TypedDict):
    """An objection without the reporter's sealed identity (never leaves the repository that way)."""

    objection_id: str
    publicity_id: str
    entry_no: int
    application_id: str
    status: str
    text: str
    filed_at: datetime
    assigned_to: str | None
    assigned_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    disqualification_reason: str | None
    disqualification_reason_code: str | None


class ObjectionRecord(ObjectionSummary):
    reporter_identity: dict[str, Any]


class ObjectionActionRecord(TypedDict):
    id: int
    objection_id: str
    action: str
    actor: str
    note: str | None
    at: datetime


class AttachmentMetaRecord(TypedDict):
    """An attachment without its content."""

    id: int
    objection_id: str
    filename: str
    media_type: str
    size: int
    sha256: str


class AttachmentRecord(AttachmentMetaRecord):
    content: bytes


class IdentityAccessRecord(TypedDict):
    id: int
    objection_id: str
    accessed_by: str
    roles: str
    reason: str
    correlation_id: str | None
    at: datetime


class StaffDutyRecord(TypedDict):
    account_id: str
    duty: str
    registered_by: str
    registered_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None


class RateBucketRecord(TypedDict):
    key: str
    tokens: float
    updated_at: datetime


# ---- what the use cases write (partial rows) ------------------------------------------------------


class Opening(TypedDict):
    """The columns of a publicity set when it opens."""

    opened_at: datetime
    closes_at: datetime
    closes_on: date
    period_rule: str
    calendar_version: str


class Closing(TypedDict):
    """The columns of a publicity set when it closes."""

    closed_at: datetime
    close_processed_at: datetime
    cleared: int
    disqualified: int
    held: int


class NewObjection(TypedDict):
    """The columns of an objection when it is filed (the rest are set as it is investigated)."""

    objection_id: str
    publicity_id: str
    entry_no: int
    application_id: str
    status: str
    text: str
    reporter_identity: dict[str, Any]
    filed_at: datetime


class ObjectionDecision(TypedDict):
    """The columns of an objection set when it is decided."""

    status: str
    decided_by: str
    decided_at: datetime
    decision_note: str
    disqualification_reason: str | None
    disqualification_reason_code: str | None


class NewAttachment(TypedDict):
    objection_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    content: bytes


class NewIdentityAccess(TypedDict):
    objection_id: str
    accessed_by: str
    roles: str
    reason: str
    correlation_id: str | None
    at: datetime


class OutboxRow(TypedDict):
    """A row of the shared outbox table, built for a bulk insert (``handlers.closing.emit_many``)."""

    event_id: uuid.UUID
    topic: str
    key: str
    event_type: str
    envelope: dict[str, Any]
    created_at: datetime


R = TypeVar("R")


def record(kind: type[R], row: Mapping[Any, Any]) -> R:
    """A database row as the record ``kind`` of its columns (the one place rows become records; the
    unit test of this module checks each record against its table)."""
    del kind  # the type is for the checker; the row's columns are the record's keys
    return cast(R, dict(row))
