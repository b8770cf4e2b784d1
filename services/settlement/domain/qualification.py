"""The life of a points settlement qualification (积分落户资格), from publicity to the settlement letter.

    held ──────────────┬──▶ disqualified                                   (publicity.outcome)
      │ cleared        │
      ▼                │
    pending_holder ──▶ confirmed ──▶ materials_submitted ──▶ district_checked ──▶ approved
    (no applicant      (确认单         ▲        │ returned                    (函件 issued)
     data yet)          issued)        └── materials_returned ◀─┘
    any of pending_holder … district_checked ──▶ lapsed       (2 years after publicity, unused)
    any of pending_holder … approved         ──▶ cancelled    (fraud, criminal record, disqualified)
                                             ──▶ abandoned    (given up on request)

Seed 004 第十条: 公示期满无异议的，取得年度积分落户资格 … 落户资格保留 2 年，逾期未办理的视为自行放弃.
第十一条: materials to the district office, which checks them and reports to the bureau for approval;
problems found cancel the qualification. 第十二条: the bureau's letter. 第十三条: no backfill.
The qualification is used once the settlement letter is issued: an approved qualification does not lapse.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


class Status(StrEnum):
    HELD = "held"
    DISQUALIFIED = "disqualified"
    PENDING_HOLDER = "pending_holder"
    CONFIRMED = "confirmed"
    MATERIALS_SUBMITTED = "materials_submitted"
    MATERIALS_RETURNED = "materials_returned"
    DISTRICT_CHECKED = "district_checked"
    APPROVED = "approved"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


#: Qualified and not yet used: these lapse when the validity ends.
ACTIVE = frozenset(
    {
        Status.PENDING_HOLDER,
        Status.CONFIRMED,
        Status.MATERIALS_SUBMITTED,
        Status.MATERIALS_RETURNED,
        Status.DISTRICT_CHECKED,
    }
)
#: Fraud or a criminal record found before settlement ends these (第十一条, 第十八条).
CANCELLABLE = ACTIVE | {Status.APPROVED}
#: Nothing happens to these any more (no backfill, 第十三条). ``approved`` ends the procedure here, but can
#: still be cancelled while the person has not settled.
FINAL = frozenset({Status.DISQUALIFIED, Status.LAPSED, Status.CANCELLED, Status.ABANDONED, Status.APPROVED})

_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.HELD: frozenset({Status.PENDING_HOLDER, Status.CONFIRMED, Status.DISQUALIFIED, Status.LAPSED}),
    Status.PENDING_HOLDER: frozenset({Status.CONFIRMED}),
    Status.CONFIRMED: frozenset({Status.MATERIALS_SUBMITTED}),
    Status.MATERIALS_RETURNED: frozenset({Status.MATERIALS_SUBMITTED}),
    Status.MATERIALS_SUBMITTED: frozenset({Status.DISTRICT_CHECKED, Status.MATERIALS_RETURNED}),
    Status.DISTRICT_CHECKED: frozenset({Status.APPROVED}),
}


class IllegalTransition(Exception):
    def __init__(self, current: Status, wanted: Status) -> None:
        super().__init__(f"a qualification in state {current.value!r} cannot become {wanted.value!r}")
        self.current = current
        self.wanted = wanted


def allowed(current: Status, wanted: Status) -> bool:
    if wanted is Status.LAPSED:
        return current in ACTIVE or current is Status.HELD
    if wanted in (Status.CANCELLED, Status.ABANDONED):
        return current in CANCELLABLE
    return wanted in _ALLOWED.get(current, frozenset())


def require_transition(current: Status | str, wanted: Status) -> None:
    cur = Status(current)
    if not allowed(cur, wanted):
        raise IllegalTransition(cur, wanted)


def publicity_closed_on(closed_at: datetime) -> date:
    """The day a publicity period ended, in Beijing.

    A period that ends at 24:00 of day X is stored as 00:00 of day X+1 (``shared.calendar``); that instant
    belongs to day X. Any other instant belongs to its own day.
    """
    if closed_at.tzinfo is None:
        raise ValueError("closed_at must be timezone-aware")
    local = closed_at.astimezone(BEIJING)
    return (local - timedelta(microseconds=1)).date() if local.time() == datetime.min.time() else local.date()


def lapse_date(valid_until: date) -> date:
    """The day an unused qualification has lapsed: the day after the last valid day."""
    return valid_until + timedelta(days=1)
