"""recipients, what is known of offers and providers, and the messages sent"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "recipients",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("mobile", sa.String(32), nullable=True),
        sa.Column("notify_by", sa.JSON, nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_recipients_provider", "recipients", ["provider_id"])
    op.create_index("ix_recipients_council_role", "recipients", ["council", "role"])
    op.create_table(
        "known_offers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("title_cy", sa.String(200), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
    )
    op.create_table(
        "known_providers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
    )
    op.create_table(
        "sent_messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("occasion_id", sa.String(120), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.String(64), nullable=True),
        sa.Column("message_id", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("claimed_until", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("occasion_id", "recipient_id", "channel",
                            name="uq_sent_messages_once"),
    )
    op.create_index("ix_sent_messages_recipient", "sent_messages",
                    ["recipient_id", "created_at", "id"])
    op.create_index("ix_sent_messages_pending", "sent_messages", ["status", "created_at"])
