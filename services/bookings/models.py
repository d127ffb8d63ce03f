"""SQLAlchemy tables of the bookings service (its own database; no other service reads it).

The domain classes (`domain.Booking`, `domain.Transition`) are mapped onto these tables
imperatively, so the rules stay plain Python and the tables stay here.
"""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, relationship

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from . import ballots as ballot_domain
from . import domain, waiting


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

bookings = sa.Table(
    "bookings", Base.metadata,
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
    sa.Column("share_profile", sa.JSON, nullable=True),  # passed on to families
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("places_state", sa.String(16), nullable=False),
    sa.Column("funds_state", sa.String(16), nullable=False),
    sa.Column("step_attempts", sa.Integer, nullable=False),
    sa.Column("step_deadline", UtcDateTime, nullable=True),
    sa.Column("approval_deadline", UtcDateTime, nullable=True),
    sa.Column("final_amount_pence", sa.BigInteger, nullable=True),
    sa.Column("booked_by", sa.String(64), nullable=True),  # a referrer, for the family
    sa.Column("offer_expires_at", UtcDateTime, nullable=True),  # a waiting list's offer
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("family_id", "idempotency_key", name="uq_bookings_family_key"),
    sa.CheckConstraint("places > 0", name="ck_bookings_places"),
    sa.CheckConstraint("total_pence >= 0", name="ck_bookings_total"),
)
# Lists, newest first, per kind of reader.
sa.Index("ix_bookings_family", bookings.c.family_id, bookings.c.created_at, bookings.c.id)
sa.Index("ix_bookings_provider", bookings.c.provider_id, bookings.c.created_at, bookings.c.id)
sa.Index("ix_bookings_council", bookings.c.council, bookings.c.status, bookings.c.created_at,
         bookings.c.id)
sa.Index("ix_bookings_slot", bookings.c.slot_id, bookings.c.status)
# The timers' scans.
sa.Index("ix_bookings_step_deadline", bookings.c.status, bookings.c.step_deadline)
sa.Index("ix_bookings_approval_deadline", bookings.c.status, bookings.c.approval_deadline)
sa.Index("ix_bookings_offer_expires_at", bookings.c.status, bookings.c.offer_expires_at)

booking_transitions = sa.Table(
    "booking_transitions", Base.metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
              primary_key=True, autoincrement=True),
    sa.Column("booking_id", sa.String(32), sa.ForeignKey("bookings.id"), nullable=False,
              index=True),
    sa.Column("from_status", sa.String(32), nullable=True),
    sa.Column("to_status", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("why", sa.Text, nullable=False),
    sa.Column("by", sa.String(128), nullable=False),
)

# The fair share of gifted breaks (domain.DEFAULT_GIFTED_ALLOWANCE for a council with no row).
gifted_allowances = sa.Table(
    "gifted_allowances", Base.metadata,
    sa.Column("council", sa.String(64), primary_key=True),
    sa.Column("breaks_per_12_months", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.CheckConstraint("breaks_per_12_months >= 0", name="ck_gifted_allowances_breaks"),
)

# One row per family that has asked for a gifted break: its lock is held while its gifts are
# counted and a new one is added, so that racing requests take turns.
gift_takers = sa.Table(
    "gift_takers", Base.metadata,
    sa.Column("family_id", sa.String(64), primary_key=True),
)

# What bookings knows of providers' slots and providers, from their events (docs/contracts.md,
# "The booking saga"), so that a request needs no question to providers.
known_slots = sa.Table(
    "known_slots", Base.metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("offer_id", sa.String(64), nullable=False),
    sa.Column("provider_id", sa.String(64), nullable=False),
    # Null only for a slot heard withdrawn before it was heard published.
    sa.Column("category", sa.String(64), nullable=True),
    sa.Column("price_pence", sa.BigInteger, nullable=True),
    sa.Column("starts_at", UtcDateTime, nullable=True),
    sa.Column("ends_at", UtcDateTime, nullable=True),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
)

known_providers = sa.Table(
    "known_providers", Base.metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("approved", sa.Boolean, nullable=False),
    # When providers decided the status known here; null when only assumed (see
    # domain.newer).
    sa.Column("as_of", UtcDateTime, nullable=True),
)

# Ballots for popular gifted dates (ballots.py): one per ballot slot, from providers'
# publication, and the carers' applications with what the draw gave each.
ballots = sa.Table(
    "ballots", Base.metadata,
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
# The timer's scan: open ballots by their close.
sa.Index("ix_ballots_due", ballots.c.status, ballots.c.applications_close_at)

ballot_applications = sa.Table(
    "ballot_applications", Base.metadata,
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

# Waiting lists of full slots (waiting.py): one row per slot with a list, whose lock joins
# and offers take in turn (and which gives each joiner the next position), the families in
# line, and the releases already offered (each release of places is offered once, however
# often providers announces it).
waiting_lists = sa.Table(
    "waiting_lists", Base.metadata,
    sa.Column("slot_id", sa.String(64), primary_key=True),
    sa.Column("next_position", sa.Integer, nullable=False),
)

waiting_list_entries = sa.Table(
    "waiting_list_entries", Base.metadata,
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
sa.Index("ix_waiting_list_entries_booking", waiting_list_entries.c.booking_id)

waiting_releases = sa.Table(
    "waiting_releases", Base.metadata,
    sa.Column("booking_id", sa.String(64), primary_key=True),  # whose places came free
    sa.Column("slot_id", sa.String(64), nullable=False),
    sa.Column("places", sa.Integer, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

Base.registry.map_imperatively(waiting.Entry, waiting_list_entries)
Base.registry.map_imperatively(ballot_domain.Ballot, ballots)
Base.registry.map_imperatively(ballot_domain.Application, ballot_applications)
Base.registry.map_imperatively(domain.Transition, booking_transitions)
Base.registry.map_imperatively(domain.Booking, bookings, properties={
    # Append-only history, loaded with its booking (a booking has a handful of rows).
    "transitions": relationship(domain.Transition, order_by=booking_transitions.c.seq,
                                lazy="selectin", cascade="save-update, merge"),
})
