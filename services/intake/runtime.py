"""What the intake service needs beside the shared service context: the data sealer, the password
hasher, the material store and the token signing key. Built from settings without I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from fastapi import Request

from services.intake.adapters.security import Passwords
from services.intake.adapters.storage import DiskMaterialStore, MaterialStore
from services.intake.config import Settings
from shared.api.errors import ApiError
from shared.crypto import Sealer


@dataclass
class IntakeRuntime:
    settings: Settings
    passwords: Passwords = field(default_factory=Passwords)

    @cached_property
    def store(self) -> MaterialStore:
        return DiskMaterialStore(self.settings.materials_dir)

    @cached_property
    def sealer(self) -> Sealer:
        if self.settings.data_key is None:
            raise ApiError(
                503, "data_key_missing", "INTAKE_DATA_KEY is not configured; personal data cannot be stored."
            )
        return Sealer(self.settings.data_key.get_secret_value())

    @property
    def signing_key(self) -> str:
        if self.settings.jwt_private_key is None:
            raise ApiError(503, "token_signing_not_configured", "INTAKE_JWT_PRIVATE_KEY is not configured.")
        return self.settings.jwt_private_key.get_secret_value()

    def id_digest(self, id_number: str) -> str:
        return self.sealer.digest(id_number, context="id_number")


def get_runtime(request: Request) -> IntakeRuntime:
    rt: IntakeRuntime = request.app.state.intake
    return rt
