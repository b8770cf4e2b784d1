"""``python -m services.scoring api|worker|migrate|score|rank|graduates``.

``score``, ``rank`` and ``graduates`` are the fixed CLI contract (``../shared/contracts/README.md``, see
:mod:`services.scoring.cli`): they read JSON Lines on standard input and need neither a database nor a
broker. ``api``, ``worker`` and ``migrate`` run the service. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _score(rest: list[str]) -> int:
    if rest:
        argparse.ArgumentParser(prog="python -m services.scoring score").error(
            f"unrecognized arguments: {' '.join(rest)}"
        )
    from services.scoring.cli import score_main

    return score_main(sys.stdin, sys.stdout)


def _graduates(rest: list[str]) -> int:
    if rest:
        argparse.ArgumentParser(prog="python -m services.scoring graduates").error(
            f"unrecognized arguments: {' '.join(rest)}"
        )
    from services.scoring.cli import graduates_main

    return graduates_main(sys.stdin, sys.stdout)


def _rank(rest: list[str]) -> int:
    from services.scoring.cli import rank_main

    return rank_main(rest, sys.stdin, sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["score"]:
        return _score(args[1:])
    if args[:1] == ["rank"]:
        return _rank(args[1:])
    if args[:1] == ["graduates"]:
        return _graduates(args[1:])
    from fastapi import FastAPI

    from services.scoring.app import create_app
    from services.scoring.config import Settings, load_settings
    from services.scoring.worker import create_worker
    from shared.service import Worker, service_main
    from shared.settings import ServiceSettings

    def app(settings: ServiceSettings) -> FastAPI:
        assert isinstance(settings, Settings)  # load_settings builds scoring's Settings
        return create_app(settings)

    def worker(settings: ServiceSettings) -> Worker:
        assert isinstance(settings, Settings)
        return create_worker(settings)

    return service_main(
        args,
        name="scoring",
        load_settings=load_settings,
        create_app=app,
        create_worker=worker,
        migrations_dir=Path(__file__).parent / "migrations",
        extra_commands={"score": _score, "rank": _rank, "graduates": _graduates},
    )


if __name__ == "__main__":
    sys.exit(main())
