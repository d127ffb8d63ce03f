"""SQLAlchemy tables of the families service (its own database; no other service reads it).

The domain classes are mapped onto these tables imperatively, so the rules stay plain Python
and the tables stay here.
"""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from . import domain


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

profiles = sa.Table(
    "profiles", Base.metadata,
    sa.Column("family_id", sa.String(64), primary_key=True),
    sa.Column("council", sa.String(64), nullable=True),
    # People and contact are read and written whole (a profile is a few kilobytes).
    sa.Column("people", sa.JSON, nullable=False),
    sa.Column("emergency_contact", sa.JSON, nullable=True),
    sa.Column("language", sa.String(2), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# What families knows of bookings, from bookings' events (docs/contracts.md, "families").
known_bookings = sa.Table(
    "known_bookings", Base.metadata,
    sa.Column("booking_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),
    # Null until booking_requested is heard (a later status may arrive first).
    sa.Column("family_id", sa.String(64), nullable=True),
    sa.Column("council", sa.String(64), nullable=True),
    sa.Column("provider_id", sa.String(64), nullable=True),
    sa.Column("break_end", UtcDateTime, nullable=True),
)

consents = sa.Table(
    "consents", Base.metadata,
    sa.Column("booking_id", sa.String(64), primary_key=True),
    sa.Column("family_id", sa.String(64), nullable=False),
    sa.Column("people", sa.JSON, nullable=True),  # null: all of them
    sa.Column("sections", sa.JSON, nullable=True),  # null: all of them
    sa.Column("given_at", UtcDateTime, nullable=False),
    sa.Column("withdrawn_at", UtcDateTime, nullable=True),
)

# Append-only: every read of a profile by someone other than its family.
profile_reads = sa.Table(
    "profile_reads", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("family_id", sa.String(64), nullable=False),
    sa.Column("reader_id", sa.String(64), nullable=False),
    sa.Column("reader_role", sa.String(16), nullable=False),
    sa.Column("via", sa.String(16), nullable=False),
    sa.Column("booking_id", sa.String(64), nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
)
sa.Index("ix_profile_reads_family", profile_reads.c.family_id, profile_reads.c.at,
         profile_reads.c.id)

feedback = sa.Table(
    "feedback", Base.metadata,
    sa.Column("booking_id", sa.String(64), primary_key=True),  # once per booking
    sa.Column("family_id", sa.String(64), nullable=False),
    sa.Column("provider_id", sa.String(64), nullable=False),
    sa.Column("council", sa.String(64), nullable=True),
    sa.Column("rating", sa.Integer, nullable=False),
    sa.Column("rested", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("would_book_again", sa.Boolean, nullable=False),
    sa.Column("given_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_feedback_rating"),
    sa.CheckConstraint("rested BETWEEN 1 AND 5", name="ck_feedback_rested"),
)
sa.Index("ix_feedback_provider", feedback.c.provider_id, feedback.c.council)

feedback_responses = sa.Table(
    "feedback_responses", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("council", sa.String(64), nullable=False),
    sa.Column("provider_id", sa.String(64), nullable=True),  # null: the council's breaks
    sa.Column("officer_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)
sa.Index("ix_feedback_responses_council", feedback_responses.c.council, feedback_responses.c.at)

Base.registry.map_imperatively(domain.Profile, profiles)
Base.registry.map_imperatively(domain.KnownBooking, known_bookings)
Base.registry.map_imperatively(domain.Consent, consents)
Base.registry.map_imperatively(domain.Read, profile_reads)
Base.registry.map_imperatively(domain.Feedback, feedback)
Base.registry.map_imperatively(domain.Response, feedback_responses)
