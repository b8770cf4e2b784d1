"""The hash-chained audit log (全程留痕, seed 000 第二十二条; `shared.audit`): one append-only record per use case
and per applied event, each holding the previous record's digest.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from shared.migrations_common import create_audit_chain, drop_audit_chain

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_chain()


def downgrade() -> None:
    drop_audit_chain()
