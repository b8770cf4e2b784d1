"""What the intake service's use cases run with.

``Runtime``: what intake needs beside the database — the data sealer, the password hasher, the material
store, the token signing keys (the current one and its ``kid``; earlier ones whose public halves are still
published), the verifier of the city's identity service's assertions and the token endpoint's per-client
limiter of failed requests. Built from settings without I/O; the material store's connections are
released by :meth:`Runtime.aclose` (the app's lifespan calls it).

``Ctx`` is the service context (built once at start-up), ``Tx`` one transaction as a use case sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from services.intake.adapters.idp import AssertionVerifier
from services.intake.adapters.ratelimit import FailureLimiter
from services.intake.adapters.repository import IntakeRepository
from services.intake.adapters.s3 import S3MaterialStore
from services.intake.adapters.security import Passwords
from services.intake.adapters.signing import key_id, public_jwk
from services.intake.adapters.storage import DiskMaterialStore, MaterialStore
from services.intake.config import Settings
from shared import usecase
from shared.api.errors import Unavailable
from shared.clock import Clock
from shared.crypto import Sealer
from shared.service import ServiceContext, build_context


@dataclass
class Runtime:
    settings: Settings
    passwords: Passwords = field(default_factory=Passwords)
    login_limiter: FailureLimiter = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.login_limiter = FailureLimiter(s.login_failures_per_minute, s.login_failure_burst)

    @cached_property
    def store(self) -> MaterialStore:
        s = self.settings
        if s.materials_storage == "s3":
            # Settings validation guarantees these when the storage is s3.
            assert s.materials_s3_endpoint is not None and s.materials_s3_bucket is not None
            assert s.materials_s3_access_key is not None and s.materials_s3_secret_key is not None
            return S3MaterialStore(
                endpoint=str(s.materials_s3_endpoint),
                bucket=s.materials_s3_bucket,
                region=s.materials_s3_region,
                access_key=s.materials_s3_access_key,
                secret_key=s.materials_s3_secret_key.get_secret_value(),
                prefix=s.materials_s3_prefix,
            )
        return DiskMaterialStore(s.materials_dir)

    async def aclose(self) -> None:
        """Close the material store if it was ever used (its HTTP connections, for S3)."""
        store = self.__dict__.pop("store", None)
        if store is not None:
            await store.aclose()

    @cached_property
    def sealer(self) -> Sealer:
        # Unavailable (503): a configuration is missing. In a consumer it is transient (retried), never a
        # refusal of the event.
        if self.settings.data_key is None:
            raise Unavailable(
                "data_key_missing", "INTAKE_DATA_KEY is not configured; personal data cannot be stored."
            )
        return Sealer(self.settings.data_key.get_secret_value())

    @property
    def signing_key(self) -> str:
        if self.settings.jwt_private_key is None:
            raise Unavailable("token_signing_not_configured", "INTAKE_JWT_PRIVATE_KEY is not configured.")
        return self.settings.jwt_private_key.get_secret_value()

    @cached_property
    def signing_kid(self) -> str:
        """The ``kid`` of the current signing key (its RFC 7638 thumbprint)."""
        return key_id(self.signing_key)

    def public_keys(self) -> list[dict[str, str]]:
        """The public JWKs of the current signing key, then of the earlier ones (rotation), each once."""
        pems = [self.signing_key] + [k.get_secret_value() for k in self.settings.jwt_previous_private_keys]
        seen: dict[str, dict[str, str]] = {}
        for pem in pems:
            jwk = public_jwk(pem)
            seen.setdefault(jwk["kid"], jwk)
        return list(seen.values())

    @cached_property
    def idp(self) -> AssertionVerifier:
        """The verifier of the city's identity service's assertions (its keys parsed once)."""
        s = self.settings
        if s.external_idp_issuer is None or s.external_idp_public_keys is None:
            raise Unavailable(
                "idp_not_configured",
                "Logins through the city's identity service are not configured here "
                "(INTAKE_EXTERNAL_IDP_ISSUER, INTAKE_EXTERNAL_IDP_PUBLIC_KEYS); log in with a password.",
            )
        return AssertionVerifier(
            issuer=s.external_idp_issuer,
            audience=s.external_idp_audience,
            public_keys_pem=s.external_idp_public_keys,
            leeway=timedelta(seconds=s.external_idp_leeway_s),
            max_lifetime=timedelta(seconds=s.external_idp_max_assertion_lifetime_s),
            require_jti=s.external_idp_require_jti,
        )

    def network_digest(self, network: str) -> str | None:
        """The keyed digest under which a client network is remembered (an account's last good login);
        None without a data key (then nothing is remembered)."""
        if self.settings.data_key is None:
            return None
        return self.sealer.digest(network, context="login_network")

    def id_digest(self, id_number: str) -> str:
        return self.sealer.digest(id_number, context="id_number")


Ctx = ServiceContext[Settings, Runtime, IntakeRepository]
Tx = usecase.Tx[IntakeRepository, Runtime]


def build_service_context(settings: Settings, clock: Clock | None = None) -> Ctx:
    """The intake context: shared parts from ``shared.service.build_context``, plus intake's runtime and
    repository. Nothing connects until first used."""
    return build_context(settings, clock, Runtime(settings), IntakeRepository)
