"""Database helpers: engine and session factories (built at start-up), naming convention, and
the messaging tables every service has. The unit of work is ``shared.usecase.Tx``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.settings import ServiceSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> sa.MetaData:
    """A MetaData with the project's constraint naming convention and the messaging tables."""
    md = sa.MetaData(naming_convention=NAMING_CONVENTION)
    add_messaging_tables(md)
    return md


def add_messaging_tables(md: sa.MetaData) -> None:
    """Outbox, inbox and dead-letter tables (every service's first migration) and the audit log (its own
    migration, ``shared.migrations_common.create_audit_chain``)."""
    sa.Table(
        "outbox",
        md,
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("envelope", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Index("ix_outbox_unpublished", "seq", postgresql_where=sa.text("published_at IS NULL")),
    )
    sa.Table(
        "inbox",
        md,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "dead_letters",
        md,
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(100)),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("key", sa.String(200)),
        sa.Column("raw_value", sa.Text, nullable=False),
        sa.Column("reason_code", sa.String(50), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True)),
        sa.Column("replayed_by", sa.String(100)),
        sa.UniqueConstraint(
            "consumer", "event_id", "topic", "partition", "offset", name="uq_dead_letters_consumer"
        ),
        sa.CheckConstraint("status IN ('open', 'replayed')", name="status"),
    )

    sa.Table(
        "audit_chain",
        md,
        sa.Column("seq", sa.BigInteger, sa.Identity(always=False), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("detail", JSONB, nullable=False),
        sa.Column("prev_digest", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Index("ix_audit_chain_subject", "subject", "seq"),
        sa.Index("ix_audit_chain_actor", "actor", "seq"),
    )


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    return create_async_engine(
        settings.require_database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        echo=settings.db_echo,
        # Errors and echo never print bound parameters: they carry names, phone and ID numbers.
        hide_parameters=True,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
