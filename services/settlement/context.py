"""What the settlement service's use cases run with.

:class:`Runtime` is what the service needs beside the database: the data sealer, the letter renderer, the
templates and the verification rate limiter, built from settings without I/O (the font is located on
first use). ``Ctx`` is the service's typed :class:`~shared.service.ServiceContext` and ``Tx`` the unit of
work its handlers receive (``shared.usecase.Tx``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2

from services.settlement.adapters.pdf import LetterRenderer, find_cjk_font
from services.settlement.adapters.repository import Repository
from services.settlement.config import Settings
from services.settlement.ratelimit import RateLimiter
from shared.api.errors import Unavailable
from shared.clock import Clock
from shared.crypto import Sealed, Sealer, SealError
from shared.service import ServiceContext, build_context
from shared.usecase import Tx as UseCaseTx
from shared.validation import mask_id_number

TEMPLATES = Path(__file__).parent / "templates"
ID_CONTEXT = "id_number"  # the sealing context intake uses for ID numbers


@dataclass
class Runtime:
    settings: Settings
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.settings.verify_rate_per_minute, self.settings.verify_burst)

    @cached_property
    def sealer(self) -> Sealer | None:
        key = self.settings.data_key
        return Sealer(key.get_secret_value()) if key is not None else None

    def require_sealer(self) -> Sealer:
        """The sealer; 503 ``data_key_missing`` without a data key (a consumer dead-letters the event)."""
        if self.sealer is None:
            raise Unavailable(
                "data_key_missing",
                "SETTLEMENT_DATA_KEY is not configured: ID numbers cannot be opened or sealed",
            )
        return self.sealer

    @cached_property
    def renderer(self) -> LetterRenderer:
        return LetterRenderer(find_cjk_font(self.settings.letter_font_path, self.settings.letter_font_index))

    @cached_property
    def templates(self) -> jinja2.Environment:
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
            keep_trailing_newline=False,
        )

    def open_id_number(self, sealed: dict[str, str]) -> str | None:
        """The ID number in clear, or None without a data key (or one that cannot open it)."""
        if self.sealer is None:
            return None
        try:
            return self.sealer.open(Sealed.from_dict(sealed), context=ID_CONTEXT)
        except (SealError, KeyError):
            return None

    def masked_id(self, sealed: dict[str, str]) -> str | None:
        plain = self.open_id_number(sealed)
        return mask_id_number(plain) if plain else None

    def id_digest(self, id_number: str) -> str:
        return self.require_sealer().digest(id_number, context=ID_CONTEXT)

    def seal_id_number(self, id_number: str) -> dict[str, str]:
        return self.require_sealer().seal(id_number, context=ID_CONTEXT).as_dict()

    def verify_url(self, token: str) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/verify/{token}"


Ctx = ServiceContext[Settings, Runtime, Repository]
Tx = UseCaseTx[Repository, Runtime]


def build_service_context(settings: Settings, clock: Clock | None = None) -> Ctx:
    """The settlement service's context: nothing connects until first used."""
    return build_context(settings, clock, Runtime(settings), Repository)
