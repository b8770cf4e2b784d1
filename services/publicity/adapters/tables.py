"""Tables of the publicity service's own database.

Staging tables hold what the list needs from upstream events until the list is prepared (only what the
list shows: name, birth year-month, employer; never an ID number). A publicity and its entries are the
published snapshot, kept as the archived copy after the period. Objections keep the reporter's identity
sealed (AES-GCM, ``shared.crypto``); every unsealing is in ``identity_access_log``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import new_metadata

metadata = new_metadata()

# ---- staging, from events -----------------------------------------------------------------------

#: Rounds as announced by intake (`round.phase_changed`): the publicity phase dates. The newest event
#: wins (`shared.readmodels.apply_round_phase`): `phase_event_at` is the time of the event the row
#: reflects, and an older event never moves it back (migration 0004 renamed it from `event_time`).
rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("phase", sa.String(50), nullable=False),
    sa.Column("publicity_starts_on", sa.Date),
    sa.Column("publicity_ends_on", sa.Date),
    sa.Column("phases", JSONB, nullable=False),
    sa.Column("phase_event_at", sa.DateTime(timezone=True)),
)

#: The latest revision of each application's submission, only the fields the list shows.
submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("birth_year_month", sa.String(7), nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_submissions_round", "round_id"),
)

#: The latest revision of each application's score.
scores = sa.Table(
    "scores",
    metadata,
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.String(50), nullable=False),
    sa.Column("total", sa.Numeric(8, 2), nullable=False),
    sa.Column("indicators", JSONB, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_scores_round", "round_id"),
)

#: A round's finalized ranking (`ranking.finalized`, once per round).
rankings = sa.Table(
    "rankings",
    metadata,
    sa.Column("round_id", sa.String(64), primary_key=True),
    sa.Column("ranking_id", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.String(50), nullable=False),
    sa.Column("cutoff", sa.Numeric(8, 2)),
    sa.Column("ranked_count", sa.Integer, nullable=False),
    sa.Column("admitted_count", sa.Integer, nullable=False),
    sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=False),
)

#: Every `application.ranked` of a ranking.
ranked = sa.Table(
    "ranked",
    metadata,
    sa.Column("ranking_id", sa.String(64), primary_key=True),
    sa.Column("application_id", sa.String(64), primary_key=True),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("admitted", sa.Boolean, nullable=False),
    sa.Column("total", sa.Numeric(8, 2), nullable=False),
    sa.Index("ix_ranked_admitted", "ranking_id", postgresql_where=sa.text("admitted")),
)

# ---- the publicity -----------------------------------------------------------------------------

PUBLICITY_STATUSES = ("scheduled", "open", "closed")

#: One public list: a points round, or (graduate programme) one supervising unit of a round (`scope`).
publicities = sa.Table(
    "publicities",
    metadata,
    sa.Column("publicity_id", sa.String(140), primary_key=True),
    sa.Column("round_id", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(64), nullable=False, server_default=""),
    sa.Column("program", sa.String(20), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("ranking_id", sa.String(64)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    sa.Column("supervision_contact", sa.Text, nullable=False),
    sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True)),
    sa.Column("closes_at", sa.DateTime(timezone=True)),
    sa.Column("closes_on", sa.Date),
    sa.Column("period_rule", sa.String(80)),
    sa.Column("calendar_version", sa.String(120)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("close_processed_at", sa.DateTime(timezone=True)),
    sa.Column("cleared", sa.Integer),
    sa.Column("disqualified", sa.Integer),
    sa.Column("held", sa.Integer),
    # graduates (migration 0005): the supervising unit whose list it is, who opened it, the working days
    sa.Column("unit_name", sa.String(200)),
    sa.Column("unit_phone", sa.String(40)),
    sa.Column("unit_address", sa.String(300)),
    sa.Column("opened_by", sa.String(200)),
    sa.Column("working_days", sa.Integer),
    # one points list per round; a supervising unit opens as many graduate lists as it needs (migration 0005)
    sa.Index(
        "uq_publicities_points_round",
        "round_id",
        "scope",
        unique=True,
        postgresql_where=sa.text("program = 'points'"),
    ),
    sa.Index("ix_publicities_scope", "scope", "year"),
    sa.CheckConstraint("status IN ('scheduled', 'open', 'closed')", name="status"),
    sa.Index("ix_publicities_due", "status", "closes_at"),
)

#: One row of a list, numbered in rank order (公示编号 `entry_no`); the snapshot that was published.
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("publicity_id", sa.String(140), primary_key=True),
    sa.Column("entry_no", sa.Integer, primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("rank", sa.Integer),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("birth_year_month", sa.String(7), nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("total", sa.Numeric(8, 2)),
    sa.Column("indicators", JSONB, nullable=False),
    sa.Column("search_text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(20)),
    sa.Column("outcome_reason", sa.String(1000)),
    sa.Column("outcome_at", sa.DateTime(timezone=True)),
    # fraud / ineligible / other: why a disqualified entry was disqualified (NULL: not disqualified, or
    # decided on objections recorded before codes existed). Migration 0003.
    sa.Column("outcome_reason_code", sa.String(20)),
    # graduates (migration 0005): what a graduate list shows beside the name; NULL on a points list,
    # whose birth year-month and employer are '' on a graduate list (nothing else about a graduate)
    sa.Column("age", sa.Integer),
    sa.Column("university", sa.String(200)),
    sa.Column("education", sa.String(20)),
    sa.UniqueConstraint("publicity_id", "application_id", name="uq_entries_publicity_application"),
    sa.CheckConstraint("outcome IN ('cleared', 'disqualified', 'held')", name="outcome"),
    sa.CheckConstraint("outcome_reason_code IN ('fraud', 'ineligible', 'other')", name="outcome_reason_code"),
)

# ---- the graduate programme ---------------------------------------------------------------------

#: The newest decision of a supervising unit on each graduate declaration (`graduate.unit_decided`),
#: with only what a list shows (name, age, university, education, the unit's phone and address); a
#: returned declaration keeps no personal data. `publicity_id` is set when it goes on a list.
graduate_candidates = sa.Table(
    "graduate_candidates",
    metadata,
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
    sa.CheckConstraint("status IN ('approved', 'returned')", name="status"),
    sa.Index(
        "ix_graduate_candidates_waiting",
        "unit_id",
        "round_id",
        postgresql_where=sa.text("publicity_id IS NULL AND status = 'approved'"),
    ),
)

# ---- objections ---------------------------------------------------------------------------------

objections = sa.Table(
    "objections",
    metadata,
    sa.Column("objection_id", sa.String(40), primary_key=True),
    sa.Column("publicity_id", sa.String(140), nullable=False),
    sa.Column("entry_no", sa.Integer, nullable=False),
    sa.Column("application_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reporter_identity", JSONB, nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("assigned_to", sa.String(200)),
    sa.Column("assigned_at", sa.DateTime(timezone=True)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("decision_note", sa.Text),
    sa.Column("disqualification_reason", sa.String(1000)),
    # fraud / ineligible / other, required when upheld (NULL on objections decided before migration 0003).
    sa.Column("disqualification_reason_code", sa.String(20)),
    sa.CheckConstraint("status IN ('received', 'assigned', 'upheld', 'dismissed')", name="status"),
    sa.CheckConstraint(
        "disqualification_reason_code IN ('fraud', 'ineligible', 'other')",
        name="disqualification_reason_code",
    ),
    sa.Index("ix_objections_entry", "publicity_id", "application_id"),
    sa.Index("ix_objections_publicity_status", "publicity_id", "status"),
)

#: Every step of an objection: who, when, what, and the note.
objection_actions = sa.Table(
    "objection_actions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("objection_id", sa.String(40), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_objection_actions_objection", "objection_id", "id"),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("objection_id", sa.String(40), nullable=False),
    sa.Column("filename", sa.String(120), nullable=False),
    sa.Column("media_type", sa.String(40), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Index("ix_attachments_objection", "objection_id"),
)

#: Who unsealed a reporter's identity, when and why.
identity_access_log = sa.Table(
    "identity_access_log",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("objection_id", sa.String(40), nullable=False),
    sa.Column("accessed_by", sa.String(200), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False),
    sa.Column("correlation_id", sa.String(100)),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_identity_access_log_objection", "objection_id", "id"),
)

#: Who may assign objections (``supervisor``, registered by operations) and who may be given one and
#: unseal its reporter (``investigator``, registered by operations or a supervisor): publicity does not own
#: accounts, so this is its roster of account ids (token subjects). A revoked duty keeps its row (who
#: registered and who revoked it, when); registering again re-activates it (migration 0006).
objection_staff = sa.Table(
    "objection_staff",
    metadata,
    sa.Column("account_id", sa.String(200), primary_key=True),
    sa.Column("duty", sa.String(20), primary_key=True),
    sa.Column("registered_by", sa.String(200), nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("duty IN ('supervisor', 'investigator')", name="duty"),
)

#: Token buckets of the public objection endpoint, per client (a digest of the IP, not the IP).
rate_buckets = sa.Table(
    "rate_buckets",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
