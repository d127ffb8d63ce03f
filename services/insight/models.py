"""SQLAlchemy tables of the insight service (its own database; no other service reads it).

`kept_events` is every event the read model was made from, as it came; the other tables are
projections of them (`domain`), made again from it by `application.rebuild`. The domain
classes are mapped onto the tables imperatively, so the rules stay plain Python.
"""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from . import domain


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

kept_events = sa.Table(
    "kept_events", Base.metadata,
    sa.Column("seq", BIG_ID, primary_key=True, autoincrement=True),  # the order they came
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("producer", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

searches = sa.Table(
    "searches", Base.metadata,
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
# A council's searches in a window (and, for searchers of no council, the area's).
sa.Index("ix_searches_council", searches.c.council, searches.c.searched_at)
sa.Index("ix_searches_region", searches.c.region, searches.c.searched_at)
# Unmet demand reads only the searches that found nothing.
sa.Index("ix_searches_unmet", searches.c.council, searches.c.searched_at,
         postgresql_where=searches.c.offers_found == 0,
         sqlite_where=searches.c.offers_found == 0)

published_slots = sa.Table(
    "published_slots", Base.metadata,
    sa.Column("slot_id", sa.String(64), primary_key=True),
    sa.Column("offer_id", sa.String(64), nullable=False),
    sa.Column("provider_id", sa.String(64), nullable=False),
    sa.Column("region", sa.String(64), nullable=True),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("price_pence", sa.BigInteger, nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    # null for a slot projected before its end was kept (a rebuild fills it in)
    sa.Column("ends_at", UtcDateTime, nullable=True),
)
sa.Index("ix_published_slots_region", published_slots.c.region, published_slots.c.starts_at)
sa.Index("ix_published_slots_provider", published_slots.c.provider_id,
         published_slots.c.starts_at)

booking_facts = sa.Table(
    "booking_facts", Base.metadata,
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
sa.Index("ix_booking_facts_council", booking_facts.c.council)
sa.Index("ix_booking_facts_slot", booking_facts.c.slot_id)

# The projections, in the order a rebuild empties them.
PROJECTIONS = (searches, published_slots, booking_facts)

Base.registry.map_imperatively(domain.KeptEvent, kept_events)
Base.registry.map_imperatively(domain.Search, searches)
Base.registry.map_imperatively(domain.PublishedSlot, published_slots)
Base.registry.map_imperatively(domain.BookingFacts, booking_facts)
