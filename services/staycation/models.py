"""SQLAlchemy tables of the staycation service (its own database; no other service reads it).
The domain classes are mapped onto these tables imperatively."""
import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from . import domain


class Base(DeclarativeBase):
    pass


class DateRanges(sa.types.TypeDecorator):
    """A home's availability, `[{start_date, end_date}]` of dates, kept as JSON."""
    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return [{k: v.isoformat() for k, v in r.items()} for r in value or []]

    def process_result_value(self, value, dialect):
        return [{k: datetime.date.fromisoformat(v) for k, v in r.items()} for r in value or []]


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

families = sa.Table(
    "families", Base.metadata,
    sa.Column("family_id", sa.String(64), primary_key=True),
    sa.Column("council", sa.String(64), nullable=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("mobile", sa.String(32), nullable=True),
    sa.Column("language", sa.String(2), nullable=True),
    sa.Column("changed_at", UtcDateTime, nullable=True),
    sa.Column("needs", sa.JSON, nullable=False),
    sa.Column("must_haves", sa.JSON, nullable=False),
    sa.Column("verified_by", sa.String(64), nullable=True),
    sa.Column("verified_by_role", sa.String(16), nullable=True),
    sa.Column("verified_at", UtcDateTime, nullable=True),
    # what its needs and must-haves require, as bits of HOME_FEATURES (domain.feature_mask)
    sa.Column("requires_mask", sa.Integer, nullable=False, server_default="0"),
)

homes = sa.Table(
    "homes", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("family_id", sa.String(64), nullable=False, index=True),
    sa.Column("council", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("region", sa.String(64), nullable=False),
    sa.Column("sleeps", sa.Integer, nullable=False),
    sa.Column("bedrooms", sa.Integer, nullable=False),
    sa.Column("accessibility", sa.JSON, nullable=False),
    sa.Column("adaptations", sa.JSON, nullable=False),
    sa.Column("suits_needs", sa.JSON, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("title_cy", sa.String(200), nullable=True),
    sa.Column("description_cy", sa.Text, nullable=True),
    sa.Column("house_rules", sa.Text, nullable=False),
    sa.Column("pets_welcome", sa.Boolean, nullable=False),
    sa.Column("smoking", sa.Boolean, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("availability", DateRanges, nullable=False),
    sa.Column("available_from", sa.Date, nullable=True),
    sa.Column("available_until", sa.Date, nullable=True),
    # its accessibility features and adaptations, as bits of HOME_FEATURES, and what its
    # family requires (the family's requires_mask, copied here for matching: one table read)
    sa.Column("features_mask", sa.Integer, nullable=False, server_default="0"),
    sa.Column("family_requires_mask", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
sa.Index("ix_homes_available", homes.c.status, homes.c.available_from,
         homes.c.available_until)

swaps = sa.Table(
    "swaps", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("proposer_family_id", sa.String(64), nullable=False, index=True),
    sa.Column("partner_family_id", sa.String(64), nullable=False, index=True),
    sa.Column("proposer_home_id", sa.String(32), nullable=False, index=True),
    sa.Column("partner_home_id", sa.String(32), nullable=False, index=True),
    sa.Column("proposer_stay_start", sa.Date, nullable=False),
    sa.Column("proposer_stay_end", sa.Date, nullable=False),
    sa.Column("partner_stay_start", sa.Date, nullable=False),
    sa.Column("partner_stay_end", sa.Date, nullable=False),
    sa.Column("proposed_at", UtcDateTime, nullable=False),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("completed_at", UtcDateTime, nullable=True),
)
sa.Index("ix_swaps_status_end", swaps.c.status, swaps.c.partner_stay_end)

messages = sa.Table(
    "messages", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("swap_id", sa.String(32), nullable=False),
    sa.Column("family_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)
sa.Index("ix_messages_swap", messages.c.swap_id, messages.c.at, messages.c.id)

reviews = sa.Table(
    "reviews", Base.metadata,
    sa.Column("swap_id", sa.String(32), primary_key=True),
    sa.Column("family_id", sa.String(64), primary_key=True),  # once per family and swap
    sa.Column("home_id", sa.String(32), nullable=False, index=True),
    sa.Column("home_rating", sa.Integer, nullable=False),
    sa.Column("guests_rating", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
)

# Append-only: every officer's read of a swap's messages.
safeguarding_reads = sa.Table(
    "safeguarding_reads", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("swap_id", sa.String(32), nullable=False, index=True),
    sa.Column("officer_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

Base.registry.map_imperatively(domain.Family, families)
Base.registry.map_imperatively(domain.Home, homes)
Base.registry.map_imperatively(domain.Swap, swaps)
Base.registry.map_imperatively(domain.Message, messages)
Base.registry.map_imperatively(domain.Review, reviews)
Base.registry.map_imperatively(domain.SafeguardingRead, safeguarding_reads)
