"""The settlement district (落户区) of a qualification: the district (Beijing county-level code such as
110108) where the holder's hukou will be registered, named when the materials are handed in. Its district
staff (区人力社保局) check the materials. A nullable column on qualifications: rows whose materials were
recorded before this revision keep NULL. Indexed with the status for the district staff's list.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("qualifications", sa.Column("settlement_district", sa.String(6), nullable=True))
    # District staff list the qualifications of their own district.
    op.create_index(
        "ix_qualifications_district_status", "qualifications", ["settlement_district", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_qualifications_district_status", table_name="qualifications")
    op.drop_column("qualifications", "settlement_district")
