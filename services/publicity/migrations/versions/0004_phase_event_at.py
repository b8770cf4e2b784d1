"""The round read model keeps the time of its phase event in ``phase_event_at``, the column every
service's round read model uses (``shared.readmodels.apply_round_phase``): ``event_time`` is renamed
(its values are exactly that time) and becomes nullable like the shared column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column(
        "rounds",
        "event_time",
        new_column_name="phase_event_at",
        existing_type=sa.DateTime(timezone=True),
        nullable=True,
    )


def downgrade() -> None:
    # A row without a phase time cannot come from a phase event; the old column was NOT NULL.
    op.execute("DELETE FROM rounds WHERE phase_event_at IS NULL")
    op.alter_column(
        "rounds",
        "phase_event_at",
        new_column_name="event_time",
        existing_type=sa.DateTime(timezone=True),
        nullable=False,
    )
