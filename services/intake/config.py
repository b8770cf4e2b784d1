"""Settings of the intake service (environment prefix ``INTAKE_``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.intake.adapters.idp import parse_public_keys
from shared.settings import DEFAULT_PORTS, ServiceSettings

ENV_PREFIX = "INTAKE_"
#: S3 bucket names (with the legacy '_' some S3-compatible servers still accept).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")


class Settings(ServiceSettings):
    # Inputs stay out of validation errors: they would print the secret key, the data key or the JWT key.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", hide_input_in_errors=True)

    service_name: str = "intake"
    port: int = DEFAULT_PORTS["intake"]

    jwt_private_key: SecretStr | None = Field(
        default=None,
        description="Ed25519 private key (PEM) that signs access tokens. Only intake holds it; every "
        "service verifies with the public key.",
    )
    jwt_previous_private_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Earlier signing keys (Ed25519 private PEMs, JSON list), kept during a rotation: they "
        "sign nothing; their public keys and key ids (`kid`) are published next to the current one "
        "(`GET /v1/auth/keys`) so that tokens they signed stay verifiable until they expire. Drop a key "
        "once `ACCESS_TOKEN_TTL_S` has passed since it was replaced.",
    )
    access_token_ttl_s: int = Field(default=900, ge=30, le=3600, description="Access token lifetime.")
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Consecutive failed logins after which an account is locked."
    )
    login_lockout_s: int = Field(
        default=900,
        ge=1,
        le=86_400,
        description="How long a locked account refuses logins (an operations administrator can lift it).",
    )
    login_failures_per_minute: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Refused token requests a client network (an IPv4 address, an IPv6 /64) may make a minute "
        "once its burst is spent; then 429 `rate_limited` with Retry-After. Good logins are not counted.",
    )
    login_failure_burst: int = Field(
        default=20, ge=1, le=10_000, description="Refused token requests a client network may make at once."
    )
    refresh_token_ttl_s: int = Field(
        default=14 * 24 * 3600, ge=300, description="Refresh token lifetime (rotated at each use)."
    )
    department_api_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Partner department API keys: SHA-256 hex digest of the key -> department code "
        "(JSON). The key itself is never configured.",
    )
    materials_storage: Literal["disk", "s3"] = Field(
        default="disk",
        description="Where uploaded materials are kept, content-addressed (`ab/cd/<sha256>`). `disk`: files "
        "under `materials_dir`; `s3`: objects in an S3-compatible bucket (AWS S3, MinIO, Ceph), set with "
        "the `materials_s3_*` settings.",
    )
    materials_dir: Path = Field(default=Path("var/materials"), description="Root of the disk store.")
    materials_s3_endpoint: AnyHttpUrl | None = Field(
        default=None,
        description="S3-compatible endpoint, e.g. `https://s3.cn-north-1.amazonaws.com.cn` or "
        "`http://minio:9000`. Objects are addressed path-style: `{endpoint}/{bucket}/{key}`. Required "
        "when `materials_storage` is `s3`.",
    )
    materials_s3_bucket: str | None = Field(
        default=None,
        description="Bucket holding the materials; it must exist (the service never creates it). "
        "Required when `materials_storage` is `s3`.",
    )
    materials_s3_region: str = Field(
        default="us-east-1",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Region named in the SigV4 signature (MinIO and Ceph accept the default).",
    )
    materials_s3_access_key: str | None = Field(
        default=None, description="Access key id. Required when `materials_storage` is `s3`."
    )
    materials_s3_secret_key: SecretStr | None = Field(
        default=None,
        description="Secret access key; only signs requests, never logged. Required when "
        "`materials_storage` is `s3`.",
    )
    materials_s3_prefix: str = Field(
        default="",
        description="Key prefix inside the bucket, e.g. `intake/materials`: keys are then "
        "`intake/materials/ab/cd/<sha256>`. Empty: keys start at the bucket's root.",
    )
    materials_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="Upload size limit.")
    graduate_consent_link_ttl_s: int = Field(
        default=14 * 24 * 3600,
        ge=3600,
        le=90 * 24 * 3600,
        description="How long a graduate's one-time consent link stays valid.",
    )
    external_idp_issuer: str | None = Field(
        default=None,
        max_length=200,
        description="The `iss` of the city's identity service (统一身份认证), whose signed identity assertions "
        "intake exchanges for its own tokens (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, "
        "RFC 7523). Unset: that grant answers 503 `idp_not_configured`; password logins are unaffected. "
        "`make run` sets the development stand-in's (`https://id.beijing.example/dev`).",
    )
    external_idp_audience: str = Field(
        default="hukou-intake",
        min_length=1,
        max_length=200,
        description="The `aud` an identity assertion must name: intake's client id at the identity service.",
    )
    external_idp_public_keys: str | None = Field(
        default=None,
        description="The identity service's public keys, PEM text (`-----BEGIN PUBLIC KEY-----`), several "
        "concatenated while keys rotate: Ed25519 (EdDSA), RSA of 2048 bits or more (RS256), EC P-256 "
        "(ES256) or P-384 (ES384); the algorithm follows from the key. An assertion's `kid` picks the key "
        "whose RFC 7638 thumbprint it is, otherwise each key is tried. Required with `EXTERNAL_IDP_ISSUER`.",
    )
    external_idp_leeway_s: int = Field(
        default=30,
        ge=0,
        le=300,
        description="Clock difference tolerated when checking an assertion's `exp`, `iat` and `nbf`.",
    )
    external_idp_max_assertion_lifetime_s: int = Field(
        default=600,
        ge=30,
        le=3600,
        description="The longest lifetime (`exp - iat`) an identity assertion may have: assertions are "
        "exchanged at once, and a long-lived one is a reusable credential.",
    )
    external_idp_require_jti: bool = Field(
        default=False,
        description="Refuse identity assertions without a `jti`. With a `jti` an assertion is accepted once "
        "(kept until it expires; a replay answers 401 `assertion_replayed`); without one it can be exchanged "
        "again until it expires.",
    )
    phase_job_interval_s: float = Field(
        default=5.0, gt=0, description="How often the worker checks rounds for phase boundaries."
    )

    @field_validator(
        "materials_s3_endpoint",
        "materials_s3_bucket",
        "materials_s3_access_key",
        "materials_s3_secret_key",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("materials_s3_endpoint")
    @classmethod
    def _plain_endpoint(cls, v: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if v is not None and (v.username or v.password or v.query or v.fragment):
            raise ValueError("the endpoint must not carry credentials, a query or a fragment")
        return v

    @field_validator("materials_s3_bucket")
    @classmethod
    def _bucket_name(cls, v: str | None) -> str | None:
        if v is not None and not _BUCKET.fullmatch(v):
            raise ValueError(
                "not a bucket name (3-63 of a-z, 0-9, '.', '-', '_'; starting and ending alphanumeric)"
            )
        return v

    @field_validator("materials_s3_prefix")
    @classmethod
    def _key_prefix(cls, v: str) -> str:
        parts = v.strip("/").split("/") if v.strip("/") else []
        if any(p in ("", ".", "..") for p in parts):
            raise ValueError("the prefix may not contain empty, '.' or '..' segments")
        return "/".join(parts)

    @field_validator("external_idp_issuer", "external_idp_public_keys", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("external_idp_public_keys")
    @classmethod
    def _readable_keys(cls, v: str | None) -> str | None:
        if v is not None:
            parse_public_keys(v)  # ValueError names the key that cannot be used
        return v

    @model_validator(mode="after")
    def _idp_settings_complete(self) -> Settings:
        if (self.external_idp_issuer is None) != (self.external_idp_public_keys is None):
            given, missing = (
                ("ISSUER", "PUBLIC_KEYS")
                if self.external_idp_issuer is not None
                else ("PUBLIC_KEYS", "ISSUER")
            )
            raise ValueError(
                f"{ENV_PREFIX}EXTERNAL_IDP_{given} is set but {ENV_PREFIX}EXTERNAL_IDP_{missing} is not"
            )
        return self

    @model_validator(mode="after")
    def _s3_settings_complete(self) -> Settings:
        if self.materials_storage == "s3":
            required = ("endpoint", "bucket", "access_key", "secret_key")
            missing = [
                f"{ENV_PREFIX}MATERIALS_S3_{name.upper()}"
                for name in required
                if getattr(self, f"materials_s3_{name}") is None
            ]
            if missing:
                raise ValueError(
                    f"{ENV_PREFIX}MATERIALS_STORAGE is 's3' but {', '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not set"
                )
        return self


def load_settings() -> Settings:
    return Settings()
