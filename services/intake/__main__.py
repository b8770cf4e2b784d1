"""``python -m services.intake api|worker|migrate|create-user``."""

from __future__ import annotations

import sys
from pathlib import Path

from services.intake.app import create_app
from services.intake.cli import create_user
from services.intake.config import load_settings
from services.intake.worker import create_worker
from shared.service import service_main

if __name__ == "__main__":
    sys.exit(
        service_main(
            sys.argv[1:],
            name="intake",
            load_settings=load_settings,
            create_app=create_app,  # type: ignore[arg-type]
            create_worker=create_worker,  # type: ignore[arg-type]
            migrations_dir=Path(__file__).parent / "migrations",
            extra_commands={"create-user": create_user},
        )
    )
