"""Rounds: remember the time of the phase event each row reflects (an older event never moves it back).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rounds", sa.Column("phase_event_at", sa.DateTime(timezone=True), nullable=True))
    # Every existing row was written from a round.phase_changed at its updated_at (the envelope time).
    op.execute("UPDATE rounds SET phase_event_at = updated_at")


def downgrade() -> None:
    op.drop_column("rounds", "phase_event_at")
