"""The approval form exchanged for the 《接收函》 (seed 000 第十七条(五)): when the bureau approves an introduction,
the case records the unit's 《<Y>年非北京生源毕业生进京审批表》 handed in for the letter — its title with the year,
the number of copies (3), its number (``GRD-<year>-SP-<n>``, after the receiving letter's serial), when and by
whom it was exchanged. Unique numbers; all five set or none (a case not approved has none). Existing rows keep
NULL: cases approved before this revision recorded no exchange.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPLETE = (
    "(approval_form_number IS NULL AND approval_form_title IS NULL AND approval_form_copies IS NULL"
    " AND approval_form_exchanged_at IS NULL AND approval_form_exchanged_by IS NULL)"
    " OR (approval_form_number IS NOT NULL AND approval_form_title IS NOT NULL"
    " AND approval_form_copies > 0 AND approval_form_exchanged_at IS NOT NULL"
    " AND approval_form_exchanged_by IS NOT NULL)"
)


def upgrade() -> None:
    op.add_column("graduate_cases", sa.Column("approval_form_title", sa.String(100), nullable=True))
    op.add_column("graduate_cases", sa.Column("approval_form_copies", sa.Integer, nullable=True))
    op.add_column("graduate_cases", sa.Column("approval_form_number", sa.String(50), nullable=True))
    op.add_column(
        "graduate_cases", sa.Column("approval_form_exchanged_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("graduate_cases", sa.Column("approval_form_exchanged_by", sa.String(100), nullable=True))
    op.create_unique_constraint(
        op.f("uq_graduate_cases_approval_form_number"), "graduate_cases", ["approval_form_number"]
    )
    op.create_check_constraint(op.f("ck_graduate_cases_approval_form_complete"), "graduate_cases", COMPLETE)


def downgrade() -> None:
    op.drop_constraint(op.f("ck_graduate_cases_approval_form_complete"), "graduate_cases", type_="check")
    op.drop_constraint(op.f("uq_graduate_cases_approval_form_number"), "graduate_cases", type_="unique")
    op.drop_column("graduate_cases", "approval_form_exchanged_by")
    op.drop_column("graduate_cases", "approval_form_exchanged_at")
    op.drop_column("graduate_cases", "approval_form_number")
    op.drop_column("graduate_cases", "approval_form_copies")
    op.drop_column("graduate_cases", "approval_form_title")
