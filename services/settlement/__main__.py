"""``python -m services.settlement api|worker|migrate``."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI

from services.settlement.app import create_app
from services.settlement.config import Settings, load_settings
from services.settlement.worker import create_worker
from shared.service import Worker, service_main
from shared.settings import ServiceSettings


def _settings(settings: ServiceSettings) -> Settings:
    if not isinstance(settings, Settings):  # service_main passes what load_settings returned
        raise TypeError(f"expected the settlement Settings, got {type(settings).__name__}")
    return settings


def _api(settings: ServiceSettings) -> FastAPI:
    return create_app(_settings(settings))


def _worker(settings: ServiceSettings) -> Worker:
    return create_worker(_settings(settings))


if __name__ == "__main__":
    sys.exit(
        service_main(
            sys.argv[1:],
            name="settlement",
            load_settings=load_settings,
            create_app=_api,
            create_worker=_worker,
            migrations_dir=Path(__file__).parent / "migrations",
        )
    )
