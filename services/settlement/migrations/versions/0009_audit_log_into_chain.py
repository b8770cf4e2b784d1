"""settlement's own ``audit_log`` (staff actions and automatic transitions) merged into the hash-chained ``audit_chain`` (issue 12,
item 3): every row is appended to the chain in id order as a case record ``settlement/<action>`` with its original
time, actor, subject and detail (``legacy_id``: the old id; fields named like personal data left out), then
the old, unchained table is dropped. From now on settlement writes these records to the chain
(``shared.audit.record``).

Downgrade re-creates ``audit_log`` from the chain's case records; the chain keeps them (it is append-only).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.audit import import_legacy_log

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    import_legacy_log(op.get_bind(), "settlement")
    op.drop_index("ix_audit_log_subject", table_name="audit_log")
    op.drop_table("audit_log")


def downgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject", "id"])
    op.execute(
        """INSERT INTO audit_log (at, actor, action, subject, detail)
        SELECT at, actor, substr(action, length('settlement/') + 1), subject, detail - 'legacy_id'
        FROM audit_chain WHERE starts_with(action, 'settlement/') AND subject IS NOT NULL ORDER BY seq"""
    )
