"""The use cases of notifications: keeping what it knows of people, offers and providers
from the other services' events, recording the messages an occasion calls for, and sending
what is recorded and not yet sent.

Recording and sending are steps: the messages are recorded (unique per occasion, person and
channel) and claimed for `delivery.claim` by a conditional update (two senders, in one instance
or two, never send the same one at once) in one transaction, the event's (which a batch of
events shares); then sent with no transaction open (a SQLite transaction held across a send
would stall the process), and marked sent together in one more. The event is acknowledged
only after that; a send that fails, or a message another sender holds, leaves it pending and
fails the event, so it comes back with back-off (and in the end to the dead letters, where a
replay sends what is still pending). A crash between the sends and their mark sends those
messages again, once their claim has lapsed, with the same Message-ID."""
import logging
import uuid

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from seibiant_common.paging import keyset_page

from . import domain, models, templates
from .domain import Recipient, SentMessage

log = logging.getLogger(__name__)


class NotDelivered(Exception):
    """Some messages of an occasion could not be sent (they stay pending)."""


# --- what notifications knows ------------------------------------------------------------

def account_changed(uow, fact):
    recipient = uow.session.get(Recipient, fact["account_id"])
    if recipient is None:
        uow.session.add(Recipient(**fact))
    else:
        recipient.changed(fact)


def _upsert(uow, table, key, values):
    """Keeps the latest of what a producer said of a thing (every field it said)."""
    said = {name: value for name, value in values.items() if value is not None}
    updated = uow.session.execute(table.update().where(table.c.id == key).values(**said))
    if updated.rowcount == 0:
        uow.session.execute(table.insert().values(id=key, **said))


def offer_known(uow, fact):
    _upsert(uow, models.known_offers, fact["offer_id"], {
        "provider_id": fact["provider_id"], "title": fact["title"],
        "title_cy": fact["title_cy"], "region": fact["region"]})


def provider_known(uow, fact):
    _upsert(uow, models.known_providers, fact["provider_id"], {
        "name": fact["name"], "contact_email": fact["contact_email"],
        "contact_phone": fact["contact_phone"]})


# --- recording ----------------------------------------------------------------------------

def recipients(uow, message, fact):
    audience = domain.audience_of(message, fact)
    if audience is None:
        return []
    role, key, value = audience
    found = uow.session.scalars(sa.select(Recipient).where(
        getattr(models.recipients.c, key) == value, models.recipients.c.role == role)
        .order_by(models.recipients.c.account_id)).all()
    if not found:
        log.info("nobody to tell of %s: no %s with %s %s", message.occasion, role, key, value)
    return found


def facts(uow, fact):
    """The occasion's fact, with what notifications knows of its offer, its provider and its
    family (names, titles, contact), for the templates."""
    found = dict(fact)
    if fact.get("offer_id"):
        offer = uow.session.execute(sa.select(models.known_offers).where(
            models.known_offers.c.id == fact["offer_id"])).first()
        if offer is not None:
            found.update(title=offer.title, title_cy=offer.title_cy, region=offer.region)
    if fact.get("provider_id"):
        provider = uow.session.execute(sa.select(models.known_providers).where(
            models.known_providers.c.id == fact["provider_id"])).first()
        if provider is not None:
            found.update(provider_name=provider.name, contact_email=provider.contact_email,
                         contact_phone=provider.contact_phone)
    family = uow.session.get(Recipient, fact["family_id"]) if fact.get("family_id") else None
    found["family_name"] = family.display_name if family else None
    if "by" in fact and fact.get("booking_id"):
        provider_accounts = set(uow.session.scalars(sa.select(
            models.recipients.c.account_id).where(
            models.recipients.c.provider_id == fact.get("provider_id"))).all()) \
            if fact.get("provider_id") else set()
        found["cancelled_by"] = domain.cancelled_by(fact["by"], fact.get("family_id"),
                                                    provider_accounts)
    return found


def record(uow, occasion, occasion_id, fact, delivery, now):
    """Records every message `occasion` calls for (MESSAGES), once: what is recorded already
    stays as it was. Returns how many it recorded now."""
    # who is told, by what address, first: for people with no address to tell them at,
    # nothing more is read
    to_tell = [(line, recipient, channel, address)
               for line in domain.messages_for(occasion, fact)
               for recipient in recipients(uow, line, fact)
               for channel, address in recipient.addresses(delivery.sms_on)]
    if not to_tell:
        return 0
    known = set(uow.session.execute(sa.select(
        models.sent_messages.c.recipient_id, models.sent_messages.c.channel).where(
        models.sent_messages.c.occasion_id == occasion_id)).all())
    words = facts(uow, fact)
    recorded = 0
    for line, recipient, channel, address in to_tell:
        if (recipient.account_id, channel) in known:
            continue
        known.add((recipient.account_id, channel))
        rendered = templates.render(line.template, recipient.language,
                                    dict(words, recipient_id=recipient.account_id),
                                    delivery.base_url)
        uow.session.add(SentMessage(
            id=uuid.uuid4().hex, occasion_id=occasion_id,
            recipient_id=recipient.account_id, channel=channel, to=address,
            subject=rendered.subject,
            body=rendered.body if channel == domain.EMAIL else rendered.text_message,
            html=rendered.html if channel == domain.EMAIL else None,
            language=recipient.language, event_type=occasion,
            template=line.template, booking_id=fact.get("booking_id"),
            message_id=domain.message_id(occasion_id, recipient.account_id, channel,
                                         delivery.domain),
            now=now))
        recorded += 1
    return recorded


# --- sending ------------------------------------------------------------------------------

def claim(uow, occasion_id, at, hold=domain.CLAIM):
    """The occasion's pending messages, each now held by this sender until `at + hold` (a
    conditional update: two senders, in one instance or two, never hold the same one), and
    how many of its pending messages another sender holds. In the caller's transaction: the
    one that recorded them, for an event."""
    table = models.sent_messages
    uow.session.flush()  # what `record` has just added is pending too
    pending = uow.session.scalars(sa.select(table.c.id).where(
        table.c.occasion_id == occasion_id, table.c.status == domain.PENDING)).all()
    if not pending:
        return [], 0
    claimed = uow.session.scalars(table.update().where(
        table.c.id.in_(pending), table.c.status == domain.PENDING,
        sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < at))
        .values(claimed_until=at + hold).returning(table.c.id)).all()
    messages = uow.session.scalars(sa.select(SentMessage).where(
        table.c.id.in_(claimed)).order_by(table.c.id)).all() if claimed else []
    return messages, len(pending) - len(claimed)


def send(db, delivery, occasion_id, messages, held, now):
    """Sends the claimed `messages` with no transaction open (a SQLite transaction held across
    a send would stall the process), then marks each sent, or its error, in one transaction
    (a crash before it sends those again, once their claim has lapsed, with the same
    Message-ID); raises NotDelivered if any of the occasion's messages is still pending (its
    send failed, or another sender holds it: `held`)."""
    outcomes = []
    for message in messages:
        try:
            delivery.send(message)
        except delivery.errors as error:
            outcomes.append((message.id, {"last_error": repr(error)[:500]}))
            continue
        outcomes.append((message.id, {"status": domain.SENT, "sent_at": now(),
                                      "last_error": None}))
    table = models.sent_messages
    if outcomes:
        with db.unit_of_work() as uow:
            for message_id, done in outcomes:
                uow.session.execute(table.update().where(table.c.id == message_id).values(
                    attempts=table.c.attempts + 1, claimed_until=None, **done))
    unsent = held + sum(1 for _id, done in outcomes if "sent_at" not in done)
    if unsent:  # the timer's, once the event's retries may have given up
        db.next_look(TIMER).due_by(now() + PENDING_GRACE)
        raise NotDelivered("{} of {} messages of {} not sent yet; they stay pending".format(
            unsent, held + len(messages), occasion_id))


def deliver(db, delivery, occasion_id, now):
    """Claims and sends the occasion's pending messages (`claim`, then `send`)."""
    with db.unit_of_work() as uow:
        messages, held = claim(uow, occasion_id, now(), delivery.claim)
    send(db, delivery, occasion_id, messages, held, now)


# --- the timer's occasions ---------------------------------------------------------------

TIMER_BATCH = 50
# What `uow.due_by` and `db.next_look` call the timer's work (seibiant_common.timers.NextLook).
TIMER = "reminders and pending messages"
# A message still pending this long after it was recorded has lost its event's retries (or
# was a reminder's): the timer sends it.
PENDING_GRACE = datetime.timedelta(seconds=30)


def _insert_absent(uow, table):
    dialect = uow.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table) \
        .on_conflict_do_nothing()


def schedule(uow, occasion, fact, wire, occurred_at, times, now):
    """The reminders an event about a booking schedules, and those it makes pointless: once
    each per booking, whatever order the events come in (a reminder ended before it was
    scheduled is never scheduled); the timer hears of them once they are committed."""
    table = models.reminders
    booking_id = fact.get("booking_id")  # none of a swap's: no reminders
    for ended in domain.reminders_ended_by(occasion):
        uow.session.execute(_insert_absent(uow, table).values(
            occasion=ended, booking_id=booking_id, due_at=now, fact={}, done_at=now))
        uow.session.execute(table.update().where(
            table.c.occasion == ended, table.c.booking_id == booking_id,
            table.c.done_at.is_(None)).values(done_at=now))
    for reminder, due_at in domain.reminders_of(occasion, fact, occurred_at, times).items():
        uow.session.execute(_insert_absent(uow, table).values(
            occasion=reminder, booking_id=booking_id, due_at=due_at, fact=wire))
        uow.due_by(TIMER, due_at)


def remind(db, delivery, now, looking=False):
    """The timer: records the messages of the reminders now due (claimed with SKIP LOCKED,
    so two instances never take the same), then sends what is pending: those, and any message
    whose event gave up (dead-lettered) or whose sender died. Returns the occasions it sent.
    `looking`: only once something may be due (`db.next_look(TIMER)`: an idle tick reads
    nothing), and it learns when that is next."""
    looked_at = now()
    next_look = db.next_look(TIMER) if looking else None
    if next_look is not None and not next_look.due(looked_at):
        return []
    table = models.reminders
    with db.unit_of_work() as uow:
        due = uow.session.execute(sa.select(table).where(
            table.c.done_at.is_(None), table.c.due_at <= now()).order_by(table.c.due_at)
            .limit(TIMER_BATCH).with_for_update(skip_locked=True)).all()
        occasions = []
        for row in due:
            occasion_id = domain.occasion_id(row.occasion, row.booking_id)
            record(uow, row.occasion, occasion_id, dict(row.fact, booking_id=row.booking_id),
                   delivery, now())
            uow.session.execute(table.update().where(
                table.c.occasion == row.occasion, table.c.booking_id == row.booking_id)
                .values(done_at=now()))
            occasions.append(occasion_id)
    sent = models.sent_messages
    with db.unit_of_work() as uow:
        occasions += uow.session.scalars(sa.select(sent.c.occasion_id).where(
            sent.c.status == domain.PENDING, sent.c.created_at < now() - PENDING_GRACE,
            sa.or_(sent.c.claimed_until.is_(None), sent.c.claimed_until < now()))
            .group_by(sent.c.occasion_id).limit(TIMER_BATCH)).all()
        soonest = _soonest_due(uow, occasions) if next_look is not None else None
    for occasion_id in dict.fromkeys(occasions):
        try:
            deliver(db, delivery, occasion_id, now)
        except NotDelivered as error:
            log.warning("%s; the timer tries again", error)
            soonest = looked_at  # at the next tick
    if next_look is not None:
        next_look.looked(looked_at, soonest)
    return occasions


def _soonest_due(uow, sending):
    """When the timer may next have something to do, in one statement: the soonest reminder
    not done, and the soonest pending message (but those it is sending now) that it may
    take: once its event's retries may have given up, or once another sender's claim lapses
    (an early look, if its grace is not over yet, only looks again)."""
    reminders, sent = models.reminders, models.sent_messages
    pending = [sent.c.status == domain.PENDING, sent.c.occasion_id.notin_(sending)]
    reminder, recorded, claimed = uow.session.execute(sa.select(
        sa.select(sa.func.min(reminders.c.due_at)).where(reminders.c.done_at.is_(None))
        .scalar_subquery(),
        sa.select(sa.func.min(sent.c.created_at)).where(
            sent.c.claimed_until.is_(None), *pending).scalar_subquery(),
        sa.select(sa.func.min(sent.c.claimed_until)).where(*pending).scalar_subquery())).one()
    found = [reminder, recorded + PENDING_GRACE if recorded else None, claimed]
    return min((at for at in found if at is not None), default=None)


# --- what was sent ------------------------------------------------------------------------

def message_view(message):
    return {"id": message.id, "channel": message.channel, "to": message.to,
            "subject": message.subject, "body": message.body, "language": message.language,
            "event_type": message.event_type, "booking_id": message.booking_id,
            "sent_at": message.sent_at, "status": message.status,
            "created_at": message.created_at}


def list_sent(uow, actor, limit, cursor):
    """The messages to the actor, newest first."""
    table = models.sent_messages
    return keyset_page(uow.session, sa.select(SentMessage).where(
        table.c.recipient_id == actor["user_id"]), (table.c.created_at, table.c.id), limit,
        cursor, descending=True, view=message_view)

