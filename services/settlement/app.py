"""The settlement service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.settlement.config import Settings
from services.settlement.context import build_service_context
from services.settlement.routes import PERMISSIONS, router
from shared.clock import Clock
from shared.service import create_service_app

DESCRIPTION = """Letters as verifiable documents, revocation, and bad-conduct records. 函件、核验、撤销与失信记录。

* A cleared publicity outcome (`publicity.outcome`) gives a settlement qualification, valid two years after
  the publicity closed, and the 《积分落户资格确认单》; unused, it lapses by itself (`qualification.lapsed`).
* 落户办理 (seed 004 第十一条–第十二条): the materials checklist, the district check (district staff,
  区人力社保局), the bureau's approval (bureau staff, another person) and the settlement letter (函件) for the
  transfer of archives and hukou.
* Every letter has a gapless serial number per series (`PTS-2022-QC-000001`), a PDF with a CJK font and a QR
  code that opens the public verification page (`/verify/{token}`; JSON at `/v1/verify/{token}`).
* Bureau staff revoke letters and end qualifications (fraud, criminal record, on request), and record bad
  conduct for five years (失信记录, 第十七条); records end by themselves.
* Graduate programme (引进毕业生, seed 000): the quota ledger per supervising unit and year (allocation,
  调剂, uses and returns, never below zero; the year-end account 年终执行情况 as JSON and CSV); graduate cases
  from `graduate.declared`, `graduate.assessed` and `publicity.outcome`; the unit submits, the bureau decides
  within 10 working days (deadline, warning, overdue list) and issues the 《接收函》 (`GRD-2025-JS-000001`);
  reporting for duty; the settlement check of Y+1 and the 《非北京生源毕业生报户口介绍信》; revocation in
  probation; fraud.
"""


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    return create_service_app(
        settings,
        title="Settlement 落户办理",
        description=DESCRIPTION,
        routers=[router],
        permissions=PERMISSIONS,
        clock=clock,
        context=build_service_context,
    )
