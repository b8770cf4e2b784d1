"""The structured reason code of an upheld objection (fraud / ineligible / other), and the code an entry's
disqualification got from it (sent with ``publicity.outcome`` as ``reason_code``). Rows decided before
this revision keep no code (NULL).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODES = "('fraud', 'ineligible', 'other')"


def upgrade() -> None:
    op.add_column("objections", sa.Column("disqualification_reason_code", sa.String(20), nullable=True))
    op.create_check_constraint(
        op.f("ck_objections_disqualification_reason_code"),
        "objections",
        f"disqualification_reason_code IN {CODES}",
    )
    op.add_column("entries", sa.Column("outcome_reason_code", sa.String(20), nullable=True))
    op.create_check_constraint(
        op.f("ck_entries_outcome_reason_code"), "entries", f"outcome_reason_code IN {CODES}"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_entries_outcome_reason_code"), "entries", type_="check")
    op.drop_column("entries", "outcome_reason_code")
    op.drop_constraint(op.f("ck_objections_disqualification_reason_code"), "objections", type_="check")
    op.drop_column("objections", "disqualification_reason_code")
