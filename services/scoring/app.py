"""The scoring service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.scoring.api import PERMISSIONS, router
from services.scoring.config import Settings
from services.scoring.context import build_service_context
from services.scoring.routes.calculator import MAX_BATCH_BYTES, MAX_SINGLE_BYTES
from shared.clock import Clock
from shared.service import create_service_app

DESCRIPTION = """The points rules (积分落户) as versioned policy, explained line by line, and the ranking of a round;
the eligibility rules of the graduate programme (引进毕业生, graduates-2018), check by check.

积分规则按政策版本计算，逐项说明；年度排名与分数线；引进非北京生源毕业生资格条件逐项审核。

* `POST /v1/points/score` and `/v1/points/score/batch` score facts (public calculator, fixed contract).
* Scores of submitted applications arrive from the review service (`verification.completed`) and are
  kept per revision; bureau staff run and finalize the ranking of a round.
* `POST /v1/graduates/eligibility` assesses GraduateFacts (public calculator, fixed contract); verified
  declarations arrive from the review service (`graduate.verified`), are assessed per revision and
  announced (`graduate.assessed`); staff read a declaration's assessment.
"""


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    return create_service_app(
        settings,
        title="Scoring 积分计算",
        description=DESCRIPTION,
        routers=[router],
        permissions=PERMISSIONS,
        clock=clock,
        context=build_service_context,
        # The public calculators take one document (2 MiB) or a batch of up to 10,000 (64 MiB).
        body_limits={
            ("POST", "/v1/points/score"): MAX_SINGLE_BYTES,
            ("POST", "/v1/points/score/batch"): MAX_BATCH_BYTES,
            ("POST", "/v1/graduates/eligibility"): MAX_SINGLE_BYTES,
        },
    )
