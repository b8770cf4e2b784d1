"""The operations endpoints every service has: health and readiness, dead letters and their replay, the shared
clock, the working-day calendar, outbox republishing and the audit trail's query."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from shared.api.auth import Principal, Role, roles
from shared.api.errors import ApiError, Conflict, Invalid, NotFound, Unavailable
from shared.calendar import CalendarDataError, CalendarYearUnknown, default_calendar
from shared.calendar.data import operator_file, write_operator_year
from shared.clock import SharedOffsetClock
from shared.messaging.inbox import dead_letters_t, replay_dead_letter
from shared.messaging.kafka import broker_reachable
from shared.messaging.outbox import republish

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from shared.service import ServiceContext

    AnyContext = ServiceContext[Any, Any, Any]


#: Integers beyond PostgreSQL's BIGINT are refused at the edge (422), never sent to the database.
PG_BIGINT_MAX = 2**63 - 1

OPS_PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): roles(Role.PUBLIC),
    ("GET", "/readyz"): roles(Role.PUBLIC),
    ("GET", "/v1/ops/dead-letters"): roles(Role.OPERATIONS_ADMIN),
    ("POST", "/v1/ops/dead-letters/{dead_letter_id}/replay"): roles(Role.OPERATIONS_ADMIN),
    ("GET", "/v1/ops/clock"): roles(Role.PUBLIC),
    ("POST", "/v1/ops/clock/advance"): roles(Role.OPERATIONS_ADMIN),
    ("GET", "/v1/ops/calendar"): roles(Role.OPERATIONS_ADMIN, Role.BUREAU_STAFF),
    ("PUT", "/v1/ops/calendar/years/{year}"): roles(Role.OPERATIONS_ADMIN),
    ("POST", "/v1/ops/outbox/republish"): roles(Role.OPERATIONS_ADMIN),
    ("GET", "/v1/ops/audit"): roles(Role.OPERATIONS_ADMIN, Role.BUREAU_STAFF),  # who saw or changed a case
}


class DeadLetterOut(BaseModel):
    id: int
    consumer: str
    event_id: str
    event_type: str | None
    topic: str
    partition: int
    offset: int
    key: str | None
    reason_code: str = Field(examples=["invalid_payload"])
    error: str
    attempts: int
    status: str = Field(examples=["open"])
    created_at: datetime
    replayed_at: datetime | None
    replayed_by: str | None
    raw_value: str


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    total: int
    limit: int
    offset: int


class ClockOut(BaseModel):
    now: datetime
    mode: str


class CalendarYearOut(BaseModel):
    year: int
    source: str
    holidays: list[date]
    make_up_working_days: list[date]


class CalendarOut(BaseModel):
    data_version: str = Field(examples=["chinesecalendar-1.11.0+overrides-3f1c2a9b"])
    years: list[int]
    operator_file: str | None = Field(
        description="Where loaded years are written (HUKOU_CALENDAR_OVERRIDES)."
    )
    schedule: CalendarYearOut | None = None


class CalendarYearIn(BaseModel):
    """An official year's schedule, copied from the State Council notice (国务院办公厅关于<year>年部分节假日安排的通知)."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "source": "国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕…号)",
                    "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
                    "make_up_working_days": [],
                }
            ]
        },
    }

    source: str = Field(min_length=1, max_length=500, description="The notice: title, number, URL.")
    holidays: list[date] = Field(
        min_length=1, max_length=60, description="Every day off, weekends inside included."
    )
    make_up_working_days: list[date] = Field(default_factory=list, max_length=30)


class RepublishIn(BaseModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"since": "2026-06-01T08:00:00+08:00"}]},
    }

    since: AwareDatetime = Field(
        description="Re-send every event created or published at or after this time."
    )


class RepublishOut(BaseModel):
    since: datetime
    rows: int = Field(description="Outbox rows marked for sending again.", examples=[1250])


class ClockAdvance(BaseModel):
    days: int = Field(default=0, ge=0, le=3650, strict=True)
    hours: int = Field(default=0, ge=0, le=100_000, strict=True)
    seconds: int = Field(default=0, ge=0, le=10_000_000, strict=True)


def ops_router(get_ctx: Callable[[Request], AnyContext], authorize: Any) -> APIRouter:
    r = APIRouter(tags=["operations 运维"])
    auth = Depends(authorize)

    @r.get("/healthz", summary="Liveness 存活检查")
    async def healthz(_: Principal = auth) -> dict[str, str]:
        """The process is up and serving requests."""
        return {"status": "ok"}

    @r.get("/readyz", summary="Readiness 就绪检查", responses={503: {"description": "A dependency is down"}})
    async def readyz(request: Request, _: Principal = auth) -> JSONResponse:
        """Ready when this service's database and the Kafka broker both answer."""
        ctx = get_ctx(request)
        checks: dict[str, str] = {}
        try:
            async with ctx.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 3)
            checks["database"] = "ok"
        except Exception as e:  # readiness reports, never raises
            checks["database"] = f"error: {type(e).__name__}"
        checks["broker"] = "ok" if await broker_reachable(ctx.settings) else "error: unreachable"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
        )

    @r.get("/v1/ops/dead-letters", summary="Dead letters 死信列表", response_model=DeadLetterPage)
    async def list_dead_letters(
        request: Request,
        _: Principal = auth,
        status: Annotated[str | None, Query(pattern="^(open|replayed)$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=PG_BIGINT_MAX)] = 0,
    ) -> DeadLetterPage:
        """Events this service's consumers could not process, newest first, with the reason."""
        ctx = get_ctx(request)
        async with ctx.session_factory() as s:
            q = sa.select(dead_letters_t)
            cq = sa.select(sa.func.count()).select_from(dead_letters_t)
            if status:
                q = q.where(dead_letters_t.c.status == status)
                cq = cq.where(dead_letters_t.c.status == status)
            rows = (
                (await s.execute(q.order_by(dead_letters_t.c.id.desc()).limit(limit).offset(offset)))
                .mappings()
                .all()
            )
            total = await s.scalar(cq) or 0
        return DeadLetterPage(
            items=[DeadLetterOut(**r) for r in rows], total=total, limit=limit, offset=offset
        )

    @r.post(
        "/v1/ops/dead-letters/{dead_letter_id}/replay",
        summary="Replay a dead letter 重放死信",
        response_model=DeadLetterOut,
        responses={404: {"description": "No such dead letter"}},
    )
    async def replay(
        request: Request,
        dead_letter_id: Annotated[int, FastAPIPath(ge=1, le=PG_BIGINT_MAX)],
        principal: Principal = auth,
    ) -> DeadLetterOut:
        """Put the original record back on its topic; consumers process it again (idempotently)."""
        ctx = get_ctx(request)
        async with ctx.session_factory() as s, s.begin():
            row = await replay_dead_letter(s, ctx.outbox, dead_letter_id, principal.subject, ctx.clock.now())
        if row is None:
            raise ApiError(404, "dead_letter_not_found", f"No dead letter {dead_letter_id}.")
        return DeadLetterOut(**row)

    @r.post("/v1/ops/outbox/republish", summary="Re-send events 重发事件", response_model=RepublishOut)
    async def republish_outbox(request: Request, body: RepublishIn, _: Principal = auth) -> RepublishOut:
        """After the broker lost its records (a restart of a memory broker, a re-created volume): mark every
        outbox row created or published since `since` unpublished; the relay sends them again in their
        original order and consumers' inboxes ignore the copies they already applied. Best called before the
        relays reach the new broker (see `shared.messaging.outbox`). Same as
        `python -m services.<name> republish --since …`."""
        ctx = get_ctx(request)
        async with ctx.session_factory() as s, s.begin():
            rows = await republish(s, ctx.settings.service_name, body.since)
        log.warning("republish since %s: %d outbox rows will be sent again", body.since.isoformat(), rows)
        return RepublishOut(since=body.since, rows=rows)

    @r.get("/v1/ops/clock", summary="The service clock 服务时钟", response_model=ClockOut)
    async def clock(request: Request, _: Principal = auth) -> ClockOut:
        """The current time as every deadline in this service sees it (Beijing time)."""
        ctx = get_ctx(request)
        return ClockOut(now=ctx.clock.now(), mode=ctx.settings.clock)

    @r.post(
        "/v1/ops/clock/advance",
        summary="Move the shared clock forward 调快共享时钟",
        response_model=ClockOut,
        responses={409: {"description": "The clock is the real clock"}},
    )
    async def advance(request: Request, body: ClockAdvance, _: Principal = auth) -> ClockOut:
        """Local stack and tests only: moves the clock of all five services forward together."""
        ctx = get_ctx(request)
        if not isinstance(ctx.clock, SharedOffsetClock):
            raise ApiError(
                409, "clock_not_adjustable", "This service runs on the real clock; it cannot be moved."
            )
        ctx.clock.advance(timedelta(days=body.days, hours=body.hours, seconds=body.seconds))
        return ClockOut(now=ctx.clock.now(), mode=ctx.settings.clock)

    @r.get(
        "/v1/ops/calendar",
        summary="Working-day calendar 工作日历",
        response_model=CalendarOut,
        responses={404: {"description": "The calendar data does not know that year (calendar_year_unknown)"}},
    )
    async def calendar(
        _: Principal = auth, year: Annotated[int | None, Query(ge=1900, le=2100)] = None
    ) -> CalendarOut:
        """The calendar data every deadline is computed with: its version (recorded on each deadline), the
        years it knows, and one year's holidays and make-up working days (`year`)."""
        cal = default_calendar()
        sched = None
        if year is not None:
            try:
                y = cal.schedule(year)
            except CalendarYearUnknown as e:
                raise NotFound("calendar_year_unknown", str(e)) from None
            days, extra = sorted(y.holidays), sorted(y.make_up_working_days)
            sched = CalendarYearOut(year=year, source=y.source, holidays=days, make_up_working_days=extra)
        path = operator_file()
        where = str(path) if path else None
        return CalendarOut(
            data_version=cal.data_version, years=list(cal.known_years), operator_file=where, schedule=sched
        )

    @r.put(
        "/v1/ops/calendar/years/{year}",
        summary="Load an official year's schedule 载入年度节假日安排",
        response_model=CalendarOut,
        responses={409: {"description": "No operator schedule file is configured"}},
    )
    async def load_year(
        body: CalendarYearIn,
        year: Annotated[int, FastAPIPath(ge=2004, le=2100)],
        _: Principal = auth,
    ) -> CalendarOut:
        """Validate the year's schedule (every date in the year, make-up days on weekends, no day both) and
        write it into the operator's schedule file shared by every service; from then on deadlines in that
        year are computed, each recording the new calendar data version. Same as
        `python -m shared.calendar load`."""
        path = operator_file()
        if path is None:
            raise Conflict(
                "calendar_file_not_configured",
                "HUKOU_CALENDAR_OVERRIDES names no file: this deployment cannot load calendar years.",
            )
        entry = {
            "source": body.source,
            "holidays": [d.isoformat() for d in body.holidays],
            "make_up_working_days": [d.isoformat() for d in body.make_up_working_days],
        }
        try:
            await asyncio.to_thread(write_operator_year, path, year, entry)
        except CalendarDataError as e:
            raise Invalid("calendar_invalid", str(e)) from None
        except OSError as e:  # a read-only ConfigMap (Kubernetes), a full disk
            msg = f"The calendar file cannot be written ({e.strerror}); use `python -m shared.calendar load`."
            raise Unavailable("calendar_not_writable", msg) from None
        return await calendar(_, year)

    return r
