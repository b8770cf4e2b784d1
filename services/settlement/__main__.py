"""``python -m services.settlement api|worker|migrate``."""

from __future__ import annotations

import sys
from pathlib import Path

from services.settlement.app import create_app
from services.settlement.config import load_settings
from services.settlement.worker import create_worker
from shared.service import service_main

if __name__ == "__main__":
    sys.exit(
        service_main(
            sys.argv[1:],
            name="settlement",
            load_settings=load_settings,
            create_app=create_app,  # type: ignore[arg-type]
            create_worker=create_worker,  # type: ignore[arg-type]
            migrations_dir=Path(__file__).parent / "migrations",
        )
    )
