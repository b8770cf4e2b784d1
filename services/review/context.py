"""The review service's context: its :class:`Runtime` (what use cases need beside the database, built
from settings without I/O), the aliases ``Ctx`` and ``Tx``, and :func:`build_service_context`."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from services.review.adapters.repository import Repository
from services.review.config import Settings
from shared.clock import Clock, build_clock
from shared.crypto import Sealer, decode_key
from shared.messaging.outbox import Outbox
from shared.service import ServiceContext, build_context
from shared.usecase import Tx as _Tx


def make_sealer(settings: Settings) -> Sealer | None:
    return Sealer(settings.data_key.get_secret_value()) if settings.data_key else None


def evidence_key(settings: Settings) -> bytes | None:
    """The key of evidence digests, derived from the data key (never the data key itself)."""
    if not settings.data_key:
        return None
    return hashlib.sha256(b"review-evidence:" + decode_key(settings.data_key.get_secret_value())).digest()


@dataclass
class Runtime:
    """The review service's settings; the data sealer (``None`` without ``REVIEW_DATA_KEY``: submissions
    then wait, retried, until it is configured); the outbox, through which ``verification.completed`` is
    emitted caused by the application's own ``application.submitted`` (whichever path settles it: the
    job, a staff decision, a department push), and the jitter of retry delays."""

    settings: Settings
    sealer: Sealer | None
    outbox: Outbox
    rng: random.Random = field(default_factory=random.Random)


Ctx = ServiceContext[Settings, Runtime, Repository]
Tx = _Tx[Repository, Runtime]


def build_service_context(settings: Settings, clock: Clock | None = None) -> Ctx:
    """The review service's context; nothing connects until first used."""
    clock = clock or build_clock(settings.clock, settings.clock_file)
    runtime = Runtime(settings, make_sealer(settings), Outbox(settings, clock))
    return build_context(settings, clock, runtime, Repository)
