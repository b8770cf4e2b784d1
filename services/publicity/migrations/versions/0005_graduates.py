"""The graduate programme's publicity (issue 11 item 5): approved declarations waiting for a list
(``graduate_candidates``, only what the list shows), the graduate columns of an entry (age, university,
education), the supervising unit of a list (name, supervision phone and address, who opened it, the
working days asked for), and one points list per round only (a unit opens several lists a year).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "graduate_candidates",
        sa.Column("declaration_id", sa.String(64), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("unit_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(100)),
        sa.Column("age", sa.Integer),
        sa.Column("university", sa.String(200)),
        sa.Column("education", sa.String(20)),
        sa.Column("unit_phone", sa.String(40)),
        sa.Column("unit_address", sa.String(300)),
        sa.Column("publicity_id", sa.String(140)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('approved', 'returned')", name=op.f("ck_graduate_candidates_status")),
    )
    op.create_index(
        "ix_graduate_candidates_waiting",
        "graduate_candidates",
        ["unit_id", "round_id"],
        postgresql_where=sa.text("publicity_id IS NULL AND status = 'approved'"),
    )
    op.add_column("entries", sa.Column("age", sa.Integer))
    op.add_column("entries", sa.Column("university", sa.String(200)))
    op.add_column("entries", sa.Column("education", sa.String(20)))
    op.add_column("publicities", sa.Column("unit_name", sa.String(200)))
    op.add_column("publicities", sa.Column("unit_phone", sa.String(40)))
    op.add_column("publicities", sa.Column("unit_address", sa.String(300)))
    op.add_column("publicities", sa.Column("opened_by", sa.String(200)))
    op.add_column("publicities", sa.Column("working_days", sa.Integer))
    op.drop_constraint("uq_publicities_round_scope", "publicities", type_="unique")
    op.create_index(
        "uq_publicities_points_round",
        "publicities",
        ["round_id", "scope"],
        unique=True,
        postgresql_where=sa.text("program = 'points'"),
    )
    op.create_index("ix_publicities_scope", "publicities", ["scope", "year"])


def downgrade() -> None:
    op.drop_index("ix_publicities_scope", table_name="publicities")
    op.drop_index("uq_publicities_points_round", table_name="publicities")
    op.execute(
        "DELETE FROM entries WHERE publicity_id IN "
        "(SELECT publicity_id FROM publicities WHERE program = 'graduates')"
    )
    op.execute("DELETE FROM publicities WHERE program = 'graduates'")
    op.create_unique_constraint("uq_publicities_round_scope", "publicities", ["round_id", "scope"])
    for column in ("working_days", "opened_by", "unit_address", "unit_phone", "unit_name"):
        op.drop_column("publicities", column)
    for column in ("education", "university", "age"):
        op.drop_column("entries", column)
    op.drop_index("ix_graduate_candidates_waiting", table_name="graduate_candidates")
    op.drop_table("graduate_candidates")
