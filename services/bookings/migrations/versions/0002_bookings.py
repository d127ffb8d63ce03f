"""bookings and their recorded transitions"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("slot_id", sa.String(64), nullable=False),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("unit_price_pence", sa.BigInteger, nullable=False),
        sa.Column("total_pence", sa.BigInteger, nullable=False),
        sa.Column("budget_id", sa.String(64), nullable=True),
        sa.Column("slot_start", UtcDateTime, nullable=False),
        sa.Column("slot_end", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("step", sa.String(16), nullable=True),
        sa.Column("step_attempts", sa.Integer, nullable=False),
        sa.Column("step_deadline", UtcDateTime, nullable=True),
        sa.Column("approval_deadline", UtcDateTime, nullable=True),
        sa.Column("final_amount_pence", sa.BigInteger, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("family_id", "idempotency_key", name="uq_bookings_family_key"),
        sa.CheckConstraint("places > 0", name="ck_bookings_places"),
        sa.CheckConstraint("total_pence >= 0", name="ck_bookings_total"),
    )
    op.create_index("ix_bookings_family", "bookings", ["family_id", "created_at", "id"])
    op.create_index("ix_bookings_provider", "bookings", ["provider_id", "created_at", "id"])
    op.create_index("ix_bookings_council", "bookings",
                    ["council", "status", "created_at", "id"])
    op.create_index("ix_bookings_slot", "bookings", ["slot_id", "status"])
    op.create_index("ix_bookings_step_deadline", "bookings", ["status", "step_deadline"])
    op.create_index("ix_bookings_approval_deadline", "bookings",
                    ["status", "approval_deadline"])
    op.create_table(
        "booking_transitions",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("booking_id", sa.String(32), sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
    )
    op.create_index("ix_booking_transitions_booking_id", "booking_transitions", ["booking_id"])
