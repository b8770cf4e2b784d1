"""Logins through the city's identity service (issue 13, item 7): accounts without a password, the verified
ID number of such an account (sealed, masked, keyed digest; one account per person), the (issuer, subject)
links, and the ``jti`` of every identity assertion exchanged (replays refused until it expires).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.alter_column('accounts', 'password_hash', existing_type=sa.Text(), nullable=True)
    op.add_column('accounts', sa.Column('id_digest', sa.String(64), nullable=True))
    op.add_column('accounts', sa.Column('id_number_sealed', postgresql.JSONB(), nullable=True))
    op.add_column('accounts', sa.Column('id_number_masked', sa.String(18), nullable=True))
    op.create_index(
        'ix_accounts_id_digest',
        'accounts',
        ['id_digest'],
        unique=True,
        postgresql_where=sa.text('id_digest IS NOT NULL'),
    )
    op.create_table(
        'external_identities',
        sa.Column('issuer', sa.String(200), nullable=False),
        sa.Column('subject', sa.String(255), nullable=False),
        sa.Column('account_id', sa.String(40), sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('linked_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('issuer', 'subject'),
    )
    op.create_index('ix_external_identities_account_id', 'external_identities', ['account_id'])
    op.create_table(
        'used_assertions',
        sa.Column('issuer', sa.String(200), nullable=False),
        sa.Column('jti', sa.String(255), nullable=False),
        sa.Column('expires_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('issuer', 'jti'),
    )
    op.create_index('ix_used_assertions_expires_at', 'used_assertions', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_used_assertions_expires_at', table_name='used_assertions')
    op.drop_table('used_assertions')
    op.drop_index('ix_external_identities_account_id', table_name='external_identities')
    op.drop_table('external_identities')
    op.drop_index('ix_accounts_id_digest', table_name='accounts')
    op.drop_column('accounts', 'id_number_masked')
    op.drop_column('accounts', 'id_number_sealed')
    op.drop_column('accounts', 'id_digest')
    # Accounts created through the identity service have no password: an unusable hash (argon2 refuses
    # it, so no password logs in to them) keeps them and what refers to them.
    op.execute("UPDATE accounts SET password_hash = '!no-password' WHERE password_hash IS NULL")
    op.alter_column('accounts', 'password_hash', existing_type=sa.Text(), nullable=False)
