"""What the scoring routes share: path parameters the database can take."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

#: Ids in paths: letters, digits and ``_.:-`` only (no NUL or other text PostgreSQL refuses), at most 64.
IdPath = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
