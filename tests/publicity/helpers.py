"""Builders of upstream events and a test environment for the publicity service."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from services.publicity.app import create_app
from services.publicity.config import Settings
from services.publicity.consumers import event_handlers
from services.publicity.context import Ctx, build_service_context
from shared.api.auth import generate_keypair, issue_token
from shared.clock import BEIJING, ManualClock
from shared.events.contracts.common import INDICATORS
from shared.events.contracts.intake import (
    ApplicationSubmittedV2,
    EncryptedValue,
    PhaseDates,
    RoundPhaseChangedV1,
)
from shared.events.contracts.scoring import (
    ApplicationRankedV1,
    IndicatorPoints,
    RankingFinalizedV1,
    ScoreComputedV1,
)
from shared.events.registry import EventData
from shared.facts.points import FACTS_EXAMPLE, PointsFacts
from shared.messaging.inbox import Delivery
from shared.validation.identifiers import synthetic_resident_id

ROUND = "pts-2022"
RANKING = "rk-2022-final"
PUBLICITY_STARTS = date(2022, 7, 11)
PUBLICITY_ENDS = date(2022, 7, 18)
#: The supervisor who assigns objections and the investigator (on the roster of every ``make_pub`` env).
SUPERVISOR = "staff-1"
INVESTIGATOR = "staff-7"
#: Reporter identity used in tests: valid (GB 11643 check digit) and easy to look for in responses.
REPORTER = {
    "name": "举报人甲",
    "id_number": synthetic_resident_id(date(1949, 12, 31), 2, "110105"),
    "phone": "13912345678",
}
ID_NUMBER = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9])"
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]


def beijing(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=BEIJING)


def round_changed(
    round_id: str = ROUND,
    starts_on: date = PUBLICITY_STARTS,
    ends_on: date = PUBLICITY_ENDS,
    phase: str = "recheck_and_ranking",
) -> RoundPhaseChangedV1:
    return RoundPhaseChangedV1(
        round_id=round_id,
        program="points",
        year=starts_on.year,
        policy_version="bj-points-2020",
        phase=phase,
        previous_phase=None,
        phases=[
            PhaseDates(
                phase="declaration", starts_on=date(starts_on.year, 3, 1), ends_on=date(starts_on.year, 3, 31)
            ),
            PhaseDates(
                phase="recheck_and_ranking",
                starts_on=starts_on - timedelta(days=20),
                ends_on=starts_on - timedelta(days=1),
            ),
            PhaseDates(phase="publicity", starts_on=starts_on, ends_on=ends_on),
            PhaseDates(
                phase="settlement",
                starts_on=ends_on + timedelta(days=10),
                ends_on=ends_on + timedelta(days=200),
            ),
        ],
        quota=6000,
    )


def submitted(
    app_id: str, name: str, employer: str, *, revision: int = 1, birth: str = "1981-09", round_id: str = ROUND
) -> ApplicationSubmittedV2:
    return ApplicationSubmittedV2(
        application_id=app_id,
        revision=revision,
        round_id=round_id,
        program="points",
        name=name,
        birth_year_month=birth,
        employer_name=employer,
        employer_credit_code="91110108MA01ABCD1X",
        id_number=EncryptedValue(key_id="k1", nonce="bm9uY2U=", ciphertext="Y2lwaGVydGV4dA=="),
        declared_facts=PointsFacts.model_validate({**FACTS_EXAMPLE, "application_id": app_id}),
    )


def indicator_lines(total: Decimal) -> list[IndicatorPoints]:
    fixed = {"housing": Decimal("20.00"), "education": Decimal("15.00"), "age": Decimal("20.00")}
    employment = total - sum(fixed.values())
    lines = {code: Decimal("0.00") for code in INDICATORS}
    lines.update(employment=employment, **fixed)
    return [IndicatorPoints(code=c, points=p) for c, p in lines.items()]


def scored(app_id: str, total: Decimal, *, revision: int = 1, round_id: str = ROUND) -> ScoreComputedV1:
    return ScoreComputedV1(
        application_id=app_id,
        revision=revision,
        round_id=round_id,
        policy_version="bj-points-2020",
        qualified=True,
        total=total,
        indicators=indicator_lines(total),
    )


def finalized(
    admitted: int, ranked: int, *, round_id: str = ROUND, ranking_id: str = RANKING
) -> RankingFinalizedV1:
    return RankingFinalizedV1(
        round_id=round_id,
        ranking_id=ranking_id,
        policy_version="bj-points-2020",
        quota=admitted,
        cutoff=Decimal("100.00"),
        ranked_count=ranked,
        admitted_count=admitted,
        input_digest="sha256:" + "0" * 64,
    )


def ranked_event(
    app_id: str,
    rank: int,
    admitted: bool,
    total: Decimal,
    *,
    round_id: str = ROUND,
    ranking_id: str = RANKING,
) -> ApplicationRankedV1:
    return ApplicationRankedV1(
        application_id=app_id,
        round_id=round_id,
        ranking_id=ranking_id,
        rank=rank,
        admitted=admitted,
        total=total,
    )


def person_name(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + ("" if i < 360 else str(i))
    )


def round_of(
    n: int, *, special: dict[int, str] | None = None, round_id: str = ROUND
) -> list[tuple[EventData, str]]:
    """Every upstream event of a round with ``n`` admitted applicants and one not admitted, in the
    order upstream would emit them. ``special`` names some applicants (index → name)."""
    special = special or {}
    events: list[tuple[EventData, str]] = [(round_changed(round_id=round_id), round_id)]
    people = []
    for i in range(n + 1):
        app_id = f"PTS-{i + 1:06d}"
        total = Decimal("180.00") - Decimal(i) * Decimal("0.25")
        people.append((app_id, total))
        events.append(
            (
                submitted(
                    app_id, special.get(i, person_name(i)), f"北京某某科技有限公司{i % 37}", round_id=round_id
                ),
                app_id,
            )
        )
        events.append((scored(app_id, total, round_id=round_id), app_id))
    for i, (app_id, total) in enumerate(people):
        events.append((ranked_event(app_id, i + 1, i < n, total, round_id=round_id), app_id))
    events.append((finalized(n, n + 1, round_id=round_id), round_id))
    return events


async def feed(ctx: Ctx, events: Iterable[tuple[EventData, str]]) -> None:
    """Apply events through the consumers' handlers, each in its own transaction (no broker)."""
    handlers = event_handlers(ctx)
    for data, subject in events:
        env = ctx.outbox.envelope(data, subject=subject, correlation_id="test")
        async with ctx.session_factory() as s, s.begin():
            await handlers[env.type](Delivery(env, data, s, ctx.outbox, "test"))


class PubEnv:
    def __init__(
        self, url: str, settings_kwargs: dict[str, Any], clock: ManualClock, **overrides: Any
    ) -> None:
        self.priv, pub = generate_keypair()
        self.clock = clock
        defaults = {
            "data_key": base64.b64encode(os.urandom(32)).decode(),
            "job_interval_s": 0.1,
        }
        self.settings = Settings(
            database_url=url, jwt_public_key=pub, **{**defaults, **settings_kwargs, **overrides}
        )
        self.app = create_app(self.settings, clock)
        self.ctx = build_service_context(self.settings, clock)
        self.app.state.ctx = self.ctx

    def token(self, role: str = "bureau_staff", subject: str = "staff-1") -> dict[str, str]:
        tok = issue_token(
            self.priv, subject=subject, roles=[role], now=self.clock.now(), ttl=timedelta(days=60)
        )
        return {"Authorization": "Bearer " + tok}

    async def register(self, duty: str, account_id: str) -> None:
        """Put ``account_id`` on the objection staff roster as operations do."""
        async with self.http() as http:
            r = await http.put(
                f"/v1/objection-staff/{duty}/{account_id}", headers=self.token("operations_admin", "ops-1")
            )
        assert r.status_code == 200, r.text

    def http(self, client_ip: str = "203.0.113.9") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(client_ip, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://t")


def objection_form(
    entry_no: int, text: str = "该申请人申报的住所信息与实际不符，请核查。", **over: str
) -> dict[str, str]:
    return {
        "entry_no": str(entry_no),
        "reporter_name": REPORTER["name"],
        "reporter_id_number": REPORTER["id_number"],
        "reporter_phone": REPORTER["phone"],
        "text": text,
        **over,
    }


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
