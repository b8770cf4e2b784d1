"""Which uploads are accepted: the type is read from the content (magic bytes), never from the name."""

from __future__ import annotations

import re
from typing import Final

#: Media type -> the bytes a file of that type starts with.
SIGNATURES: Final[dict[str, tuple[bytes, ...]]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
ACCEPTED: Final = tuple(SIGNATURES)
EXTENSIONS: Final = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff_media_type(head: bytes) -> str | None:
    """The media type of a file from its first bytes, or None if it is not PDF, JPEG or PNG."""
    for media_type, prefixes in SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            return media_type
    return None


_UNSAFE = re.compile(r"[^\w.\-() \u3000-\u9fff]+")


def safe_filename(name: str | None, media_type: str) -> str:
    """A display name without path parts or control characters; it is never used as a path."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")[:120]
    return base or f"material{EXTENSIONS[media_type]}"
