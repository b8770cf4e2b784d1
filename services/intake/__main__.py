"""``python -m services.intake api|worker|migrate|create-user``."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI

from services.intake.app import create_app
from services.intake.cli import create_user
from services.intake.config import Settings, load_settings
from services.intake.worker import create_worker
from shared.service import Worker, service_main
from shared.settings import ServiceSettings


def _api(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings)  # load_settings builds intake's Settings
    return create_app(settings)


def _worker(settings: ServiceSettings) -> Worker:
    assert isinstance(settings, Settings)
    return create_worker(settings)


if __name__ == "__main__":
    sys.exit(
        service_main(
            sys.argv[1:],
            name="intake",
            load_settings=load_settings,
            create_app=_api,
            create_worker=_worker,
            migrations_dir=Path(__file__).parent / "migrations",
            extra_commands={"create-user": create_user},
        )
    )
