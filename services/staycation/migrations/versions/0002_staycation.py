"""staycation: families, homes, swaps, messages, reviews, safeguarding reads"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "families",
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
    )
    op.create_table(
        "homes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("family_id", sa.String(64), nullable=False),
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
        sa.Column("availability", sa.JSON, nullable=False),
        sa.Column("available_from", sa.Date, nullable=True),
        sa.Column("available_until", sa.Date, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_homes_family_id", "homes", ["family_id"])
    op.create_index("ix_homes_available", "homes",
                    ["status", "available_from", "available_until"])
    op.create_table(
        "swaps",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposer_family_id", sa.String(64), nullable=False),
        sa.Column("partner_family_id", sa.String(64), nullable=False),
        sa.Column("proposer_home_id", sa.String(32), nullable=False),
        sa.Column("partner_home_id", sa.String(32), nullable=False),
        sa.Column("proposer_stay_start", sa.Date, nullable=False),
        sa.Column("proposer_stay_end", sa.Date, nullable=False),
        sa.Column("partner_stay_start", sa.Date, nullable=False),
        sa.Column("partner_stay_end", sa.Date, nullable=False),
        sa.Column("proposed_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("completed_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_swaps_partner_family_id", "swaps", ["partner_family_id"])
    op.create_index("ix_swaps_partner_home_id", "swaps", ["partner_home_id"])
    op.create_index("ix_swaps_proposer_family_id", "swaps", ["proposer_family_id"])
    op.create_index("ix_swaps_proposer_home_id", "swaps", ["proposer_home_id"])
    op.create_index("ix_swaps_status_end", "swaps", ["status", "partner_stay_end"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("swap_id", sa.String(32), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_messages_swap", "messages", ["swap_id", "at", "id"])
    op.create_table(
        "reviews",
        sa.Column("swap_id", sa.String(32), primary_key=True),
        sa.Column("family_id", sa.String(64), primary_key=True),
        sa.Column("home_id", sa.String(32), nullable=False),
        sa.Column("home_rating", sa.Integer, nullable=False),
        sa.Column("guests_rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_reviews_home_id", "reviews", ["home_id"])
    op.create_table(
        "safeguarding_reads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("swap_id", sa.String(32), nullable=False),
        sa.Column("officer_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_safeguarding_reads_swap_id", "safeguarding_reads", ["swap_id"])
