"""profiles, what families knows of bookings, consents, the read record, feedback and
officers' responses"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "profiles",
        sa.Column("family_id", sa.String(64), primary_key=True),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("people", sa.JSON, nullable=False),
        sa.Column("emergency_contact", sa.JSON, nullable=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "known_bookings",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=True),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("break_end", UtcDateTime, nullable=True),
    )
    op.create_table(
        "consents",
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("people", sa.JSON, nullable=True),
        sa.Column("sections", sa.JSON, nullable=True),
        sa.Column("given_at", UtcDateTime, nullable=False),
        sa.Column("withdrawn_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "profile_reads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("reader_id", sa.String(64), nullable=False),
        sa.Column("reader_role", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("booking_id", sa.String(64), nullable=True),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_profile_reads_family", "profile_reads", ["family_id", "at", "id"])
    op.create_table(
        "feedback",
        sa.Column("booking_id", sa.String(64), primary_key=True),
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
    op.create_index("ix_feedback_provider", "feedback", ["provider_id", "council"])
    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("officer_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_feedback_responses_council", "feedback_responses", ["council", "at"])
