"""What an objection may attach: PDF, JPEG or PNG, recognised by their first bytes (never by the name or
the declared content type, which the client chooses)."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAGIC: Final[tuple[tuple[bytes, str, str], ...]] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
ALLOWED_TYPES: Final = tuple(t for _, t, _ in MAGIC)


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes, or None if it is not an allowed type."""
    for magic, media_type, _ in MAGIC:
        if data.startswith(magic):
            return media_type
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(name: str | None, media_type: str, index: int) -> str:
    """A display name without path parts or control characters, at most 120 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", unicodedata.normalize("NFC", base)).strip(" .")
    if not base:
        ext = next(e for _, t, e in MAGIC if t == media_type)
        base = f"attachment-{index}{ext}"
    return base[:120]
