"""What the settlement service needs beside the shared service context: the data sealer, the letter
renderer, the templates and the verification rate limiter. Built from settings without I/O (the font is
located on first use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2

from services.settlement.adapters.pdf import LetterRenderer, find_cjk_font
from services.settlement.config import Settings
from services.settlement.ratelimit import RateLimiter
from shared.crypto import Sealed, Sealer, SealError
from shared.validation import mask_id_number

TEMPLATES = Path(__file__).parent / "templates"
ID_CONTEXT = "id_number"  # the sealing context intake uses for ID numbers


class DataKeyMissing(RuntimeError):
    pass


@dataclass
class SettlementRuntime:
    settings: Settings
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.settings.verify_rate_per_minute, self.settings.verify_burst)

    @cached_property
    def sealer(self) -> Sealer | None:
        key = self.settings.data_key
        return Sealer(key.get_secret_value()) if key is not None else None

    def require_sealer(self) -> Sealer:
        if self.sealer is None:
            raise DataKeyMissing(
                "SETTLEMENT_DATA_KEY is not configured: ID numbers cannot be opened or sealed"
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

    def verify_url(self, token: str) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/verify/{token}"
