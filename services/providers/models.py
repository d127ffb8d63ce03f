"""SQLAlchemy tables of the providers service (its own database; no other service reads it).

The migrations in `migrations/versions` create exactly these tables and indexes.
"""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from .domain import OPEN


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

ID = sa.String(32)
USER_ID = sa.String(64)
SLUG = sa.String(64)

# A slot that can still take places; the search walks only these (partial indexes).
SLOT_IS_OPEN = sa.text("status = '{}'".format(OPEN))
SLOT_HAS_PLACES = sa.text("status = '{}' AND reserved < capacity".format(OPEN))


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(USER_ID, unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.Text)
    accessibility: Mapped[list] = mapped_column(sa.JSON)
    supports_needs: Mapped[list] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    # how families who booked reach the provider (None for providers registered before)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))
    created_at = mapped_column(UtcDateTime, nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)
    regions_served: Mapped[list["ProviderRegion"]] = relationship(
        cascade="all, delete-orphan", order_by="ProviderRegion.region")

    @property
    def regions(self):
        return [row.region for row in self.regions_served]


class ProviderRegion(Base):
    """The regions (council slugs) a provider serves; a table so officers' lists use an index."""
    __tablename__ = "provider_regions"

    provider_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("providers.id"), primary_key=True)
    region: Mapped[str] = mapped_column(SLUG, primary_key=True, index=True)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (sa.Index("ix_offers_region_category", "region", "category"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    provider_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("providers.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    title_cy: Mapped[str | None] = mapped_column(sa.String(200))
    description_cy: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(SLUG)
    price_pence: Mapped[int] = mapped_column(sa.Integer)
    region: Mapped[str] = mapped_column(SLUG)
    accessibility: Mapped[list] = mapped_column(sa.JSON)
    supports_needs: Mapped[list] = mapped_column(sa.JSON)
    # Derived from the lists above, for search: bit masks and accent-free lower-case text.
    accessibility_mask: Mapped[int] = mapped_column(sa.Integer)
    needs_mask: Mapped[int] = mapped_column(sa.Integer)
    search_text: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(USER_ID)
    created_at = mapped_column(UtcDateTime, nullable=False)
    provider: Mapped[Provider] = relationship()


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (
        # Two open slots of an offer never start together, so publishing twice cannot
        # double the places; a withdrawn slot's time may be published again.
        sa.Index("uq_slots_open_offer_start", "offer_id", "starts_at", unique=True,
                 postgresql_where=SLOT_IS_OPEN, sqlite_where=SLOT_IS_OPEN),
        sa.CheckConstraint("reserved >= 0 AND reserved <= capacity", name="ck_slots_places"),
        sa.Index("ix_slots_open_start", "starts_at", "offer_id",
                 postgresql_where=SLOT_HAS_PLACES, sqlite_where=SLOT_HAS_PLACES),
        sa.Index("ix_slots_open_offer_start", "offer_id", "starts_at",
                 postgresql_where=SLOT_HAS_PLACES, sqlite_where=SLOT_HAS_PLACES),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    offer_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("offers.id"))
    starts_at = mapped_column(UtcDateTime, nullable=False)
    ends_at = mapped_column(UtcDateTime, nullable=False)
    capacity: Mapped[int] = mapped_column(sa.Integer)
    # Places held by live reservations; always the sum of the slot's `reserved` rows.
    reserved: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16))
    created_at = mapped_column(UtcDateTime, nullable=False)
    offer: Mapped[Offer] = relationship()


class Reservation(Base):
    """A booking's places: the one outcome per booking id (reserved, refused or released),
    with the price and category snapshot taken when the places were reserved."""
    __tablename__ = "reservations"
    __table_args__ = (sa.Index("ix_reservations_slot_status", "slot_id", "status"),)

    booking_id: Mapped[str] = mapped_column(USER_ID, primary_key=True)
    # No foreign key: a request for a slot that does not exist is refused and kept too.
    slot_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    places: Mapped[int] = mapped_column(sa.Integer)
    offer_id: Mapped[str | None] = mapped_column(ID)
    provider_id: Mapped[str | None] = mapped_column(ID)
    unit_price_pence: Mapped[int | None] = mapped_column(sa.Integer)
    total_pence: Mapped[int | None] = mapped_column(sa.Integer)
    category: Mapped[str | None] = mapped_column(SLUG)
    slot_start = mapped_column(UtcDateTime, nullable=True)
    slot_end = mapped_column(UtcDateTime, nullable=True)
    created_at = mapped_column(UtcDateTime, nullable=False)
    released_at = mapped_column(UtcDateTime, nullable=True)


class AuditEntry(Base):
    """Who changed what and when, for the changes people make (reservations keep their own
    times in `reservations`)."""
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                    primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(sa.String(16))
    subject_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(sa.String(32))
    actor_user_id: Mapped[str | None] = mapped_column(USER_ID)
    actor_role: Mapped[str | None] = mapped_column(sa.String(16))
    detail: Mapped[dict] = mapped_column(sa.JSON)
    at = mapped_column(UtcDateTime, nullable=False)
