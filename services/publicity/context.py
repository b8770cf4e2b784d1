"""What the publicity service's use cases run with: its runtime, its context and its transaction.

The :class:`Runtime` is what the service needs beside the database, built from settings without I/O:
the settings themselves, the sealer of reporters' identities (built on first use, so a service without a
data key still serves the lists and answers 503 only where an identity is sealed or opened), and an
outbox to add the events of a closing in one statement (thousands of ``publicity.outcome`` at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from services.publicity.adapters.repository import PublicityRepository
from services.publicity.config import Settings
from shared.api.errors import Unavailable
from shared.clock import Clock, build_clock
from shared.crypto import Sealer, SealError
from shared.messaging.outbox import Outbox
from shared.service import ServiceContext, build_context
from shared.usecase import Tx as _Tx


@dataclass
class Runtime:
    settings: Settings
    #: The outbox of this service, for the bulk emission of a closing (``handlers.closing.emit_many``).
    outbox: Outbox

    @cached_property
    def sealer(self) -> Sealer:
        """The sealer of reporters' identities; 503 ``not_configured`` without a (valid) data key."""
        key = self.settings.data_key
        if key is None:
            raise Unavailable("not_configured", "Objections are unavailable: no data key is configured.")
        try:
            return Sealer(key.get_secret_value())
        except SealError as e:
            raise Unavailable("not_configured", f"Objections are unavailable: {e}.") from None


Ctx = ServiceContext[Settings, Runtime, PublicityRepository]
Tx = _Tx[PublicityRepository, Runtime]


def build_service_context(settings: Settings, clock: Clock | None = None) -> Ctx:
    """The publicity service's context; nothing connects until first used."""
    clock = clock or build_clock(settings.clock, settings.clock_file)
    return build_context(settings, clock, Runtime(settings, Outbox(settings, clock)), PublicityRepository)
