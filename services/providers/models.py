"""SQLAlchemy tables of the providers service (its own database; no other service reads it).

The domain classes (`domain.Provider`, `ServedRegion`, `Offer`, `Slot`, `Reservation`,
`AuditEntry`) are mapped onto these tables imperatively, so the rules stay plain Python and
the tables stay here. The migrations in `migrations/versions` create exactly these tables and
indexes.
"""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, relationship

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from . import domain


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

ID = sa.String(32)
USER_ID = sa.String(64)
SLUG = sa.String(64)

# A slot that can still take places; the search walks only these (partial indexes).
SLOT_IS_OPEN = sa.text("status = '{}'".format(domain.OPEN))
SLOT_HAS_PLACES = sa.text("status = '{}' AND reserved < capacity".format(domain.OPEN))

providers = sa.Table(
    "providers", Base.metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("user_id", USER_ID, nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("accessibility", sa.JSON, nullable=False),
    sa.Column("supports_needs", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    # how families who booked reach the provider (None for providers registered before)
    sa.Column("contact_email", sa.String(254), nullable=True),
    sa.Column("contact_phone", sa.String(32), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# The regions (council slugs) a provider serves; a table so officers' lists use an index.
provider_regions = sa.Table(
    "provider_regions", Base.metadata,
    sa.Column("provider_id", ID, sa.ForeignKey("providers.id"), primary_key=True),
    sa.Column("region", SLUG, primary_key=True, index=True),
)

offers = sa.Table(
    "offers", Base.metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("provider_id", ID, sa.ForeignKey("providers.id"), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("title_cy", sa.String(200), nullable=True),
    sa.Column("description_cy", sa.Text, nullable=True),
    sa.Column("category", SLUG, nullable=False),
    sa.Column("price_pence", sa.Integer, nullable=False),
    sa.Column("region", SLUG, nullable=False),
    sa.Column("accessibility", sa.JSON, nullable=False),
    sa.Column("supports_needs", sa.JSON, nullable=False),
    # Derived from the lists above, for search: bit masks and accent-free lower-case text.
    sa.Column("accessibility_mask", sa.Integer, nullable=False),
    sa.Column("needs_mask", sa.Integer, nullable=False),
    sa.Column("search_text", sa.Text, nullable=False),
    sa.Column("created_by", USER_ID, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
sa.Index("ix_offers_region_category", offers.c.region, offers.c.category)

slots = sa.Table(
    "slots", Base.metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("offer_id", ID, sa.ForeignKey("offers.id"), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    # Places held by live reservations; always the sum of the slot's `reserved` rows.
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # contracts.providers.ALLOCATIONS; a ballot's applications close at applications_close_at
    sa.Column("allocation", sa.String(16), nullable=False, server_default="first_come"),
    sa.Column("applications_close_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("reserved >= 0 AND reserved <= capacity", name="ck_slots_places"),
)
# Two open slots of an offer never start together, so publishing twice cannot double the
# places; a withdrawn slot's time may be published again.
sa.Index("uq_slots_open_offer_start", slots.c.offer_id, slots.c.starts_at, unique=True,
         postgresql_where=SLOT_IS_OPEN, sqlite_where=SLOT_IS_OPEN)
sa.Index("ix_slots_open_start", slots.c.starts_at, slots.c.offer_id,
         postgresql_where=SLOT_HAS_PLACES, sqlite_where=SLOT_HAS_PLACES)
sa.Index("ix_slots_open_offer_start", slots.c.offer_id, slots.c.starts_at,
         postgresql_where=SLOT_HAS_PLACES, sqlite_where=SLOT_HAS_PLACES)

# A booking's places: the one outcome per booking id (reserved, refused or released), with
# the price and category snapshot taken when the places were reserved.
reservations = sa.Table(
    "reservations", Base.metadata,
    sa.Column("booking_id", USER_ID, primary_key=True),
    # No foreign key: a request for a slot that does not exist is refused and kept too.
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
sa.Index("ix_reservations_slot_status", reservations.c.slot_id, reservations.c.status)

# Who changed what and when, for the changes people make (reservations keep their own times
# in `reservations`).
audit_entries = sa.Table(
    "audit_entries", Base.metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("subject", sa.String(16), nullable=False),
    sa.Column("subject_id", ID, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("actor_user_id", USER_ID, nullable=True),
    sa.Column("actor_role", sa.String(16), nullable=True),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)
sa.Index("ix_audit_subject", audit_entries.c.subject, audit_entries.c.subject_id)

Base.registry.map_imperatively(domain.ServedRegion, provider_regions)
Base.registry.map_imperatively(domain.Provider, providers, properties={
    "regions_served": relationship(domain.ServedRegion, cascade="all, delete-orphan",
                                   order_by=provider_regions.c.region),
})
Base.registry.map_imperatively(domain.Offer, offers, properties={
    "provider": relationship(domain.Provider),
})
Base.registry.map_imperatively(domain.Slot, slots, properties={
    "offer": relationship(domain.Offer),
})
Base.registry.map_imperatively(domain.Reservation, reservations)
Base.registry.map_imperatively(domain.AuditEntry, audit_entries)
