"""The round read model remembers the time of the phase event it reflects (``rounds.phase_event_at``), so
that an older ``round.phase_changed`` (a late redelivery, a replayed dead letter) never moves a round's
phase back (``shared.readmodels.apply_round_phase``). Existing rows keep NULL: the next phase event of the
round writes it.

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
    op.add_column("rounds", sa.Column("phase_event_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("rounds", "phase_event_at")
