"""the saga asks providers and budgets at once: a booking keeps both answers; bookings keeps
what it needs of providers' slots and providers"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade():
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("places_state", sa.String(16), nullable=False,
                                   server_default="pending"))
        batch.add_column(sa.Column("funds_state", sa.String(16), nullable=False,
                                   server_default="pending"))
    # A booking asked for its places (`reserve` step) has no answer yet; one asked for its
    # money (`hold`) has its places; everything past `requested` has both.
    op.execute("UPDATE bookings SET places_state = 'reserved' "
               "WHERE step = 'hold' OR status <> 'requested'")
    op.execute("UPDATE bookings SET funds_state = 'not_needed' WHERE budget_id IS NULL")
    op.execute("UPDATE bookings SET funds_state = 'awaiting_officer' "
               "WHERE budget_id IS NOT NULL AND status = 'awaiting_approval'")
    op.execute("UPDATE bookings SET funds_state = 'held' WHERE budget_id IS NOT NULL "
               "AND status NOT IN ('requested', 'awaiting_approval')")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("step")
        batch.alter_column("places_state", server_default=None)
        batch.alter_column("funds_state", server_default=None)
    op.create_table(
        "known_slots",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("price_pence", sa.BigInteger, nullable=True),
        sa.Column("starts_at", UtcDateTime, nullable=True),
        sa.Column("ends_at", UtcDateTime, nullable=True),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
    )
    op.create_table(
        "known_providers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("as_of", UtcDateTime, nullable=True),
    )
