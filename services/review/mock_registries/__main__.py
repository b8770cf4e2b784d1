"""``python -m services.review.mock_registries <department> [--port N] [--population N] [--seed N] …``

Starts one mock registry (``social_insurance``, ``tax``, ``police``, ``housing``, or the graduate
programme's ``education`` and ``company``, whose records derive from the ID number / credit code, the
seed and the application year, taken as the graduation year Y). Faults can also come
from ``MOCK_REGISTRY_LATENCY_MS``, ``MOCK_REGISTRY_FAILURE_RATE``, ``MOCK_REGISTRY_RATE_LIMIT_RATE``,
``MOCK_REGISTRY_RETRY_AFTER_S``, ``MOCK_REGISTRY_DOWN``; the population from ``MOCK_REGISTRY_POPULATION``,
``MOCK_REGISTRY_SEED``, ``MOCK_REGISTRY_APPLICATION_YEAR``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from services.review.mock_registries.app import DEFAULT_PORTS, REGISTRY_KINDS, create_registry_app
from services.review.mock_registries.faults import Faults
from services.review.mock_registries.graduates import GraduateRegistryData
from services.review.mock_registries.population import (
    DEFAULT_APPLICATION_YEAR,
    DEFAULT_SEED,
    SyntheticPerson,
    generate_population,
)


def main(argv: list[str] | None = None) -> int:
    env = os.environ
    ap = argparse.ArgumentParser(prog="python -m services.review.mock_registries")
    ap.add_argument("department", choices=REGISTRY_KINDS)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=None)
    ap.add_argument("--population", type=int, default=int(env.get("MOCK_REGISTRY_POPULATION", "2000")))
    ap.add_argument("--seed", type=int, default=int(env.get("MOCK_REGISTRY_SEED", str(DEFAULT_SEED))))
    ap.add_argument(
        "--application-year",
        type=int,
        default=int(env.get("MOCK_REGISTRY_APPLICATION_YEAR", str(DEFAULT_APPLICATION_YEAR))),
    )
    ap.add_argument("--latency-ms", type=float, default=None)
    ap.add_argument("--failure-rate", type=float, default=None)
    ap.add_argument("--rate-limit-rate", type=float, default=None)
    ap.add_argument("--down", action="store_true", default=None)
    args = ap.parse_args(argv)
    faults = Faults.from_env()
    overrides = {
        k: v
        for k, v in {
            "latency_ms": args.latency_ms,
            "failure_rate": args.failure_rate,
            "rate_limit_rate": args.rate_limit_rate,
            "down": args.down,
        }.items()
        if v is not None
    }
    faults = faults.model_copy(update=overrides)
    graduate_data = None
    if args.department in ("education", "company"):
        people: Sequence[SyntheticPerson] = []
        graduate_data = GraduateRegistryData(year=args.application_year, seed=args.seed)
    else:
        t0 = time.monotonic()
        people = generate_population(args.population, seed=args.seed, application_year=args.application_year)
        print(
            f"{args.department}: {len(people)} people ready in {time.monotonic() - t0:.1f}s "
            f"({time.process_time():.1f}s CPU since the process started)",
            file=sys.stderr,
            flush=True,
        )
    app = create_registry_app(
        args.department, people, faults, fault_seed=args.seed, graduate_data=graduate_data
    )
    import uvicorn

    port = args.port or DEFAULT_PORTS[args.department]
    uvicorn.run(app, host=args.host, port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
