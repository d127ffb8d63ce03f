"""SQLAlchemy tables of the notifications service (its own database; no other service reads
it). The domain classes (`domain.Recipient`, `domain.SentMessage`) are mapped onto these tables
imperatively, so the rules stay plain Python and the tables stay here."""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

from . import domain


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

# The people, as the gateway's account_details_changed says them (the gateway owns accounts).
recipients = sa.Table(
    "recipients", Base.metadata,
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
# The audiences: a provider's accounts, a council's officers.
sa.Index("ix_recipients_provider", recipients.c.provider_id)
sa.Index("ix_recipients_council_role", recipients.c.council, recipients.c.role)

# What a message about a booking names, from providers' events: the offer and its provider.
known_offers = sa.Table(
    "known_offers", Base.metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("provider_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("title_cy", sa.String(200), nullable=True),
    sa.Column("region", sa.String(64), nullable=True),
)

known_providers = sa.Table(
    "known_providers", Base.metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("contact_email", sa.String(254), nullable=True),
    sa.Column("contact_phone", sa.String(32), nullable=True),
)

sent_messages = sa.Table(
    "sent_messages", Base.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    # the event's id, or a timer's occasion id (domain.timer_occasion_id)
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
    # who sends it holds it until then (a lease: a sender killed mid-send loses it)
    sa.Column("claimed_until", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    # exactly one message per occasion, person and channel
    sa.UniqueConstraint("occasion_id", "recipient_id", "channel",
                        name="uq_sent_messages_once"),
)
# "Messages we sent you", newest first; what is still to send.
sa.Index("ix_sent_messages_recipient", sent_messages.c.recipient_id, sent_messages.c.created_at,
         sent_messages.c.id)
sa.Index("ix_sent_messages_pending", sent_messages.c.status, sent_messages.c.created_at)

# The timer's occasions, scheduled by bookings' events and claimed when due (SKIP LOCKED);
# one row per occasion and booking, `done_at` set once said or made pointless.
reminders = sa.Table(
    "reminders", Base.metadata,
    sa.Column("occasion", sa.String(32), primary_key=True),
    sa.Column("booking_id", sa.String(64), primary_key=True),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("fact", sa.JSON, nullable=False),  # the event's payload, as it came
    sa.Column("done_at", UtcDateTime, nullable=True),
)
sa.Index("ix_reminders_due", reminders.c.done_at, reminders.c.due_at)

Base.registry.map_imperatively(domain.Recipient, recipients)
Base.registry.map_imperatively(domain.SentMessage, sent_messages, properties={
    "to": sent_messages.c.to_address})
