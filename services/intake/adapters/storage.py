"""Storage of uploaded materials, content-addressed by SHA-256.

``MaterialStore`` is the port. Two adapters keep the same layout, ``ab/cd/<sha256>``:
``DiskMaterialStore`` (the default: files under a configured directory) and
:class:`services.intake.adapters.s3.S3MaterialStore` (objects in an S3-compatible bucket: AWS S3, MinIO,
Ceph; path-style requests signed with SigV4 over httpx). ``INTAKE_MATERIALS_STORAGE`` chooses one
(``services.intake.runtime``).

Errors: :class:`MaterialNotFound` when nothing is stored under a digest; :class:`MaterialStoreError` when
the store cannot answer (unreachable, refused, misconfigured), with :class:`MaterialCorrupted` for content
that no longer hashes to its key. Their messages never carry credentials.
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
    """Nothing is stored under this digest."""


class MaterialStoreError(RuntimeError):
    """The store could not do what was asked (unreachable after retries, refused, misconfigured)."""


class MaterialCorrupted(MaterialStoreError):
    """The stored content does not hash to the digest it is stored under: storage corruption."""


def material_key(sha256: str) -> str:
    """The relative key of a digest, ``ab/cd/abcd…``; ``ValueError`` for anything but 64 lower-case hex."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class MaterialStore(Protocol):
    async def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its digest; storing the same content twice is a no-op."""
        ...

    async def get(self, sha256: str) -> bytes:
        """The content stored under ``sha256``; :class:`MaterialNotFound` if none."""
        ...

    async def aclose(self) -> None:
        """Release connections (the app's lifespan calls it at shut-down)."""
        ...


class DiskMaterialStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / material_key(sha256)

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

    async def aclose(self) -> None:
        return None
