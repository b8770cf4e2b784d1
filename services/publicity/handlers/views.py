"""What the publicity use cases answer with, beside the table records (``adapters/records.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

from services.publicity.adapters.records import (
    AttachmentMetaRecord,
    GraduateEntryRow,
    IdentityAccessRecord,
    ObjectionActionRecord,
    ObjectionSummary,
    PublicEntryRow,
    PublicityRecord,
    StaffEntryRow,
)


class PeriodView(TypedDict):
    """The publicity period as shown to people: actual once open, planned (from the round) before."""

    starts_at: datetime | None
    ends_at: datetime | None
    ends_on: date | None
    planned: bool
    calendar_version: str | None


class PublicityView(PublicityRecord):
    """A publicity with its period (public and staff lists)."""

    period: PeriodView


class StaffPublicityView(PublicityView):
    """A publicity for staff: with its objections counted by status."""

    objections: dict[str, int]


class ObjectionView(ObjectionSummary):
    """An objection with its workflow history and attachments; never the reporter's identity."""

    actions: list[ObjectionActionRecord]
    attachments: list[AttachmentMetaRecord]


class OutcomeView(TypedDict):
    application_id: str
    outcome: str
    reason: str | None
    reason_code: str | None


class ReadinessView(TypedDict):
    round_id: str
    publicity_id: str | None
    status: str
    ranking_id: str | None
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    admitted_expected: int | None
    admitted_received: int
    missing: list[str]


class AttachmentReceipt(TypedDict):
    filename: str
    media_type: str
    size: int


class ObjectionReceiptView(TypedDict):
    objection_id: str
    publicity_id: str
    entry_no: int
    status: str
    filed_at: datetime
    attachments: list[AttachmentReceipt]
    period: PeriodView


class ReporterView(TypedDict):
    name: str
    id_number: str
    phone: str


class UnsealedView(TypedDict):
    objection_id: str
    reporter: ReporterView
    accessed_at: datetime
    access_log_id: int


@dataclass(frozen=True)
class PublicPageView:
    publicity: PublicityRecord
    period: PeriodView
    rows: list[PublicEntryRow]
    total: int


@dataclass(frozen=True)
class GraduatePageView:
    """One page of a graduate list on public view."""

    publicity: PublicityRecord
    period: PeriodView
    rows: list[GraduateEntryRow]
    total: int


@dataclass(frozen=True)
class StaffPageView:
    publicity: StaffPublicityView
    rows: list[StaffEntryRow]
    total: int


@dataclass(frozen=True)
class Page:
    """One page of a list of publicities and the number of them."""

    items: list[PublicityView] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class StaffPage:
    items: list[StaffPublicityView] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class ObjectionPageView:
    items: list[ObjectionSummary]
    total: int


@dataclass(frozen=True)
class DecisionView:
    objection: ObjectionView
    outcome_emitted: OutcomeView | None


AccessLogView = list[IdentityAccessRecord]
