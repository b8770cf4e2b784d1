"""The publicity service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.publicity.config import Settings
from services.publicity.context import build_service_context
from services.publicity.routes import PERMISSIONS, router
from shared.clock import Clock
from shared.service import create_service_app

DESCRIPTION = """The public notice, objections with a sealed reporter identity, and closing. 公示名单、实名举报与公示结束。"""


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    return create_service_app(
        settings,
        title="Publicity 公示",
        description=DESCRIPTION,
        routers=[router],
        permissions=PERMISSIONS,
        clock=clock,
        context=build_service_context,
        # An objection may carry its attachments (the whole multipart form); the rest take the default.
        body_limits={
            (
                "POST",
                "/v1/public/publicities/{publicity_id}/objections",
            ): settings.objection_max_request_bytes,
        },
    )
