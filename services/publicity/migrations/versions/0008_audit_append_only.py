"""The audit chain is append-only (issue 12, item 3): a trigger refuses every UPDATE, DELETE and TRUNCATE of
``audit_chain`` with a clear message (``shared.audit.APPEND_ONLY_SQL``). In production the service's database
role also holds only INSERT and SELECT on the table (docs/DEVELOPING.md, "The audit trail").

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

from shared.audit import APPEND_ONLY_SQL, DROP_APPEND_ONLY_SQL

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in APPEND_ONLY_SQL:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY_SQL:
        op.execute(statement)
