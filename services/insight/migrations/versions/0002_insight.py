"""the kept events and the insight projections"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "kept_events",
        sa.Column("seq", BIG_ID, primary_key=True, autoincrement=True),  # the order they came
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "searches",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("needs", sa.String(500), nullable=False),
        sa.Column("accessibility", sa.String(500), nullable=False),
        sa.Column("max_price_pence", sa.BigInteger, nullable=True),
        sa.Column("words", sa.String(500), nullable=False),
        sa.Column("offers_found", sa.Integer, nullable=False),
        sa.Column("searched_at", UtcDateTime, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
    )
    op.create_table(
        "published_slots",
        sa.Column("slot_id", sa.String(64), primary_key=True),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("price_pence", sa.BigInteger, nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
    )
    op.create_table(
        "booking_facts",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        # Null until booking_requested is heard (another event of it may come first).
        sa.Column("family_id", sa.String(64), nullable=True),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("slot_id", sa.String(64), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("places", sa.Integer, nullable=True),
        sa.Column("amount_pence", sa.BigInteger, nullable=True),
        sa.Column("break_month", sa.String(7), nullable=True),
        sa.Column("requested_at", UtcDateTime, nullable=True),
        sa.Column("offer_id", sa.String(64), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("unit_price_pence", sa.BigInteger, nullable=True),
        sa.Column("reserved", sa.Boolean, nullable=True),
        sa.Column("released", sa.Boolean, nullable=True),
        sa.Column("confirmed_at", UtcDateTime, nullable=True),
        sa.Column("not_made_reason", sa.String(64), nullable=True),
        sa.Column("not_made_at", UtcDateTime, nullable=True),
        sa.Column("cancelled_at", UtcDateTime, nullable=True),
        sa.Column("approval_asked_at", UtcDateTime, nullable=True),
        sa.Column("approval", sa.String(16), nullable=True),
        sa.Column("approval_decided_at", UtcDateTime, nullable=True),
        sa.Column("captured_pence", sa.BigInteger, nullable=True),
        sa.Column("captured_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_searches_council", "searches", ["council", "searched_at"])
    op.create_index("ix_searches_region", "searches", ["region", "searched_at"])
    unmet = sa.text("offers_found = 0")
    op.create_index("ix_searches_unmet", "searches", ["council", "searched_at"],
                    postgresql_where=unmet, sqlite_where=unmet)
    op.create_index("ix_published_slots_region", "published_slots", ["region", "starts_at"])
    op.create_index("ix_published_slots_provider", "published_slots",
                    ["provider_id", "starts_at"])
    op.create_index("ix_booking_facts_council", "booking_facts", ["council"])
    op.create_index("ix_booking_facts_slot", "booking_facts", ["slot_id"])
