"""Storage of uploaded materials, content-addressed by SHA-256.

``MaterialStore`` is the port; ``DiskMaterialStore`` the default adapter (files under a configured
directory, ``ab/cd/abcd…``). An S3-compatible store would implement the same two methods with
``PutObject`` / ``GetObject`` under the same keys; none is shipped, because none can be tested here.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class MaterialNotFound(LookupError):
    pass


class MaterialStore(Protocol):
    async def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its digest; storing the same content twice is a no-op."""
        ...

    async def get(self, sha256: str) -> bytes:
        """The content stored under ``sha256``; :class:`MaterialNotFound` if none."""
        ...


class DiskMaterialStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _put(self, sha256: str, data: bytes) -> None:
        path = self.path_of(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, sha256: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, sha256, data)

    def _get(self, sha256: str) -> bytes:
        try:
            return self.path_of(sha256).read_bytes()
        except FileNotFoundError as e:
            raise MaterialNotFound(sha256) from e

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._get, sha256)
