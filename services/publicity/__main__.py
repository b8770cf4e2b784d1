"""``python -m services.publicity api|worker|migrate``."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI

from services.publicity.app import create_app
from services.publicity.config import Settings, load_settings
from services.publicity.worker import create_worker
from shared.service import Worker, service_main
from shared.settings import ServiceSettings


def _app(settings: ServiceSettings) -> FastAPI:
    assert isinstance(settings, Settings), "load_settings builds the publicity settings"
    return create_app(settings)


def _worker(settings: ServiceSettings) -> Worker:
    assert isinstance(settings, Settings), "load_settings builds the publicity settings"
    return create_worker(settings)


if __name__ == "__main__":
    sys.exit(
        service_main(
            sys.argv[1:],
            name="publicity",
            load_settings=load_settings,
            create_app=_app,
            create_worker=_worker,
            migrations_dir=Path(__file__).parent / "migrations",
        )
    )
