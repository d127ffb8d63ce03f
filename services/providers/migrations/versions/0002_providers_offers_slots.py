"""providers, offers, slots, reservations, audit entries and the search indexes"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"

ID = sa.String(32)
USER_ID = sa.String(64)
SLUG = sa.String(64)
SLOT_IS_OPEN = sa.text("status = 'open'")
SLOT_HAS_PLACES = sa.text("status = 'open' AND reserved < capacity")


def upgrade():
    op.create_table(
        "providers",
        sa.Column("id", ID, primary_key=True),
        sa.Column("user_id", USER_ID, nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("accessibility", sa.JSON, nullable=False),
        sa.Column("supports_needs", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_providers_status", "providers", ["status"])
    op.create_table(
        "provider_regions",
        sa.Column("provider_id", ID, sa.ForeignKey("providers.id"), primary_key=True),
        sa.Column("region", SLUG, primary_key=True),
    )
    op.create_index("ix_provider_regions_region", "provider_regions", ["region"])
    op.create_table(
        "offers",
        sa.Column("id", ID, primary_key=True),
        sa.Column("provider_id", ID, sa.ForeignKey("providers.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("title_cy", sa.String(200), nullable=True),
        sa.Column("description_cy", sa.Text, nullable=True),
        sa.Column("category", SLUG, nullable=False),
        sa.Column("price_pence", sa.Integer, nullable=False),
        sa.Column("region", SLUG, nullable=False),
        sa.Column("accessibility", sa.JSON, nullable=False),
        sa.Column("supports_needs", sa.JSON, nullable=False),
        sa.Column("accessibility_mask", sa.Integer, nullable=False),
        sa.Column("needs_mask", sa.Integer, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("created_by", USER_ID, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_offers_provider_id", "offers", ["provider_id"])
    op.create_index("ix_offers_region_category", "offers", ["region", "category"])
    op.create_table(
        "slots",
        sa.Column("id", ID, primary_key=True),
        sa.Column("offer_id", ID, sa.ForeignKey("offers.id"), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        # The database's own guard of rule 1 (docs/design.md), whatever the code above it does.
        sa.CheckConstraint("reserved >= 0 AND reserved <= capacity", name="ck_slots_places"),
    )
    op.create_index("uq_slots_open_offer_start", "slots", ["offer_id", "starts_at"],
                    unique=True, postgresql_where=SLOT_IS_OPEN, sqlite_where=SLOT_IS_OPEN)
    # Search walks only the slots that still have places: in time order across offers, and
    # by start within one offer.
    op.create_index("ix_slots_open_start", "slots", ["starts_at", "offer_id"],
                    postgresql_where=SLOT_HAS_PLACES, sqlite_where=SLOT_HAS_PLACES)
    op.create_index("ix_slots_open_offer_start", "slots", ["offer_id", "starts_at"],
                    postgresql_where=SLOT_HAS_PLACES, sqlite_where=SLOT_HAS_PLACES)
    op.create_table(
        "reservations",
        sa.Column("booking_id", USER_ID, primary_key=True),
        sa.Column("slot_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("places", sa.Integer, nullable=False),
        sa.Column("offer_id", ID, nullable=True),
        sa.Column("provider_id", ID, nullable=True),
        sa.Column("unit_price_pence", sa.Integer, nullable=True),
        sa.Column("total_pence", sa.Integer, nullable=True),
        sa.Column("category", SLUG, nullable=True),
        sa.Column("slot_start", UtcDateTime, nullable=True),
        sa.Column("slot_end", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("released_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_reservations_slot_status", "reservations", ["slot_id", "status"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_user_id", USER_ID, nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_audit_subject", "audit_entries", ["subject", "subject_id"])
