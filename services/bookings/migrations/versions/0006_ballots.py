"""ballots for popular gifted dates: the ballot slots and the carers' applications"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0006_ballots"
down_revision = "0005"


def upgrade():
    op.create_table(
        "ballots",
        sa.Column("slot_id", sa.String(64), primary_key=True),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("applications_close_at", UtcDateTime, nullable=False),
        sa.Column("slot_start", UtcDateTime, nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("drawn_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_ballots_due", "ballots", ["status", "applications_close_at"])
    op.create_table(
        "ballot_applications",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("slot_id", sa.String(64), sa.ForeignKey("ballots.slot_id"), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applied_at", UtcDateTime, nullable=False),
        sa.Column("withdrawn_at", UtcDateTime, nullable=True),
        sa.Column("gifts", sa.Integer, nullable=True),
        sa.Column("position", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("booking_id", sa.String(32), nullable=True),
        sa.UniqueConstraint("slot_id", "family_id", name="uq_ballot_applications_family"),
        sa.CheckConstraint("places > 0", name="ck_ballot_applications_places"),
    )
