"""waiting lists of full slots: the lists, the families in line, the releases offered, and
an offer's expiry on its booking"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0007_waiting_lists"
down_revision = "0006_ballots"


def upgrade():
    op.add_column("bookings", sa.Column("offer_expires_at", UtcDateTime, nullable=True))
    op.create_index("ix_bookings_offer_expires_at", "bookings", ["status", "offer_expires_at"])
    op.create_table(
        "waiting_lists",
        sa.Column("slot_id", sa.String(64), primary_key=True),
        sa.Column("next_position", sa.Integer, nullable=False),
    )
    op.create_table(
        "waiting_list_entries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("slot_id", sa.String(64), sa.ForeignKey("waiting_lists.slot_id"),
                  nullable=False),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("joined_at", UtcDateTime, nullable=False),
        sa.Column("left_at", UtcDateTime, nullable=True),
        sa.Column("booked_by", sa.String(64), nullable=True),
        sa.Column("booking_id", sa.String(32), nullable=True),
        sa.UniqueConstraint("slot_id", "family_id", name="uq_waiting_list_entries_family"),
        sa.UniqueConstraint("slot_id", "position", name="uq_waiting_list_entries_position"),
        sa.CheckConstraint("places > 0", name="ck_waiting_list_entries_places"),
    )
    op.create_index("ix_waiting_list_entries_booking", "waiting_list_entries", ["booking_id"])
    op.create_table(
        "waiting_releases",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("slot_id", sa.String(64), nullable=False),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
