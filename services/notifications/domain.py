"""Who is told what, by which channel, once: the rules of notifications.

Plain Python (no nameko, no SQLAlchemy). `MESSAGES` is the one table of what is said: each
line an occasion (an event another service emits), who hears it, and the template that says
it (`templates/<name>.txt`, in English and Welsh through the gateway's catalogues). Adding a
message is a template and a line here.

A person is told in the language they chose, by each channel of their `notify_by` that has
an address (an empty `notify_by` is no message). Each message is recorded, unique by
(occasion id, recipient, channel), before it is sent and before its event is acknowledged:
a repeat of the event finds it recorded and sends only what is still pending.
"""
import dataclasses
import datetime
import hashlib
from typing import Any, Collection, Iterable, Mapping, Optional

from seibiant_common.contracts import bookings, budgets, staycation

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
# An event's payload as its consumer loaded it.
Fact = Mapping[str, Any]
PENDING, SENT = "pending", "sent"  # a sent message's status

# Who hears an occasion.
FAMILY = "family"  # the family whose booking it is (the payload's family_id)
PROVIDER = "provider"  # every account of the offer's provider (provider_id)
OFFICERS = "officers"  # every officer of the family's council (council)
# a home swap's families (staycation's events)
PROPOSER = "proposer"  # the family that proposed it (proposer_family_id)
PARTNER = "partner"  # the family asked (partner_family_id)
OTHER_FAMILY = "other_family"  # the one of the two that did not take the step (`by`)

# This service's own occasions: its timer's (service.py), each once per booking.
DAY_BEFORE = "day_before"  # the day before the break
APPROVAL_WAITED = "approval_waited"  # a spend has waited a day for an officer
APPROVAL_EXPIRING = "approval_expiring"  # a spend's approval expires soon
APPROVAL_REMINDERS = (APPROVAL_WAITED, APPROVAL_EXPIRING)
REMINDERS = (DAY_BEFORE,) + APPROVAL_REMINDERS


@dataclasses.dataclass(frozen=True)
class Message:
    occasion: str
    audience: str
    template: str


MESSAGES = (
    Message(bookings.BOOKING_REQUESTED, FAMILY, "booking_received"),
    Message(budgets.APPROVAL_REQUIRED, FAMILY, "waiting_for_council"),
    Message(budgets.APPROVAL_REQUIRED, OFFICERS, "approval_waiting"),
    Message(bookings.BOOKING_CONFIRMED, FAMILY, "booking_confirmed"),
    Message(bookings.BOOKING_CONFIRMED, PROVIDER, "new_booking"),
    Message(bookings.BOOKING_REJECTED, FAMILY, "not_booked"),
    Message(bookings.BOOKING_CANCELLED, FAMILY, "booking_cancelled"),
    Message(bookings.BOOKING_CANCELLED, PROVIDER, "booking_cancelled_provider"),
    Message(bookings.BOOKING_EXPIRED, FAMILY, "booking_expired"),
    Message(bookings.BOOKING_COMPLETED, FAMILY, "feedback_request"),
    Message(bookings.BOOKING_OFFERED, FAMILY, "waiting_offer"),
    Message(bookings.BOOKING_OFFER_EXPIRED, FAMILY, "waiting_offer_expired"),
    # a ballot's winners hear of their booking as anyone does (booking_requested, then
    # booking_confirmed or not_booked); the others are told they were not drawn
    Message(bookings.BALLOT_LOST, FAMILY, "ballot_lost"),
    Message(DAY_BEFORE, FAMILY, "reminder_family"),
    Message(DAY_BEFORE, PROVIDER, "reminder_provider"),
    Message(APPROVAL_WAITED, OFFICERS, "approval_reminder"),
    Message(APPROVAL_EXPIRING, OFFICERS, "approval_expiring"),
    Message(staycation.SWAP_PROPOSED, PARTNER, "swap_proposed"),
    Message(staycation.SWAP_AGREED, PROPOSER, "swap_agreed"),
    Message(staycation.SWAP_AGREED, PARTNER, "swap_agreed"),
    Message(staycation.SWAP_DECLINED, PROPOSER, "swap_declined"),
    Message(staycation.SWAP_CANCELLED, OTHER_FAMILY, "swap_cancelled"),
    Message(staycation.SWAP_COMPLETED, PROPOSER, "swap_completed"),
    Message(staycation.SWAP_COMPLETED, PARTNER, "swap_completed"),
    # that the other family wrote, never what: the text stays in staycation
    Message(staycation.SWAP_MESSAGE_POSTED, OTHER_FAMILY, "swap_message"),
)


def messages_for(occasion: str, fact: Fact) -> list[Message]:
    """What `occasion` calls for. An offer the family declined (`booking_cancelled` with
    `offer_declined`) calls for nothing: the family declined it on its page, and the provider
    never had a booking."""
    if fact.get("offer_declined"):
        return []
    return [message for message in MESSAGES if message.occasion == occasion]


class Recipient:
    """What notifications knows of a person, from the gateway's account_details_changed."""

    def __init__(self, account_id: str, role: str, council: Optional[str],
                 provider_id: Optional[str], display_name: str, language: str,
                 email: Optional[str], mobile: Optional[str], notify_by: Iterable[str],
                 changed_at: datetime.datetime) -> None:
        self.account_id = account_id
        self.role = role
        self.council = council
        self.provider_id = provider_id
        self.display_name = display_name
        self.language = language
        self.email = email
        self.mobile = mobile
        self.notify_by = list(notify_by)
        self.changed_at = changed_at

    def changed(self, fact: Fact) -> None:
        """Takes the account's details as `fact` says them, unless what is known is newer
        (the account's events may arrive out of order on a retry)."""
        if fact["changed_at"] < self.changed_at:
            return
        for name in ("role", "council", "provider_id", "display_name", "language", "email",
                     "mobile", "notify_by"):
            setattr(self, name, fact[name])
        self.changed_at = fact["changed_at"]

    def addresses(self, sms_on: bool) -> list[tuple[str, str]]:
        """(channel, address) for each way this person agreed to be told that can reach them
        (text messages only when the service can send them)."""
        found = {EMAIL: self.email, SMS: self.mobile if sms_on else None}
        return [(channel, address) for channel in CHANNELS
                if channel in self.notify_by and (address := found[channel])]


def audience_of(message: Message, fact: Fact) -> Optional[tuple[str, str, Any]]:
    """What identifies the recipients of `message` in an occasion's `fact`: (role, key,
    value) to look up, or None when the fact does not say (an older producer's event)."""
    if message.audience == FAMILY:
        return ("family", "account_id", fact.get("family_id")) if fact.get("family_id") \
            else None
    if message.audience in (PROPOSER, PARTNER, OTHER_FAMILY):
        family_id = swap_family(message.audience, fact)
        return ("family", "account_id", family_id) if family_id else None
    if message.audience == PROVIDER:
        return ("provider", "provider_id", fact.get("provider_id")) \
            if fact.get("provider_id") else None
    return ("officer", "council", fact.get("council")) if fact.get("council") else None


def swap_family(audience: str, fact: Fact) -> Optional[str]:
    """The family of a swap's step that `audience` names: the proposer, the partner, or the
    one of the two that did not take the step (a cancel's, a message's other family)."""
    proposer, partner = fact.get("proposer_family_id"), fact.get("partner_family_id")
    if audience == PROPOSER:
        return proposer
    if audience == PARTNER:
        return partner
    return partner if fact.get("by") == proposer else proposer


def stays_of(family_id: str, fact: Fact) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """A swap's two stays as `family_id` reads them: (when it stays in the other home, when
    the other family stays in its own), each (first day, day it leaves)."""
    proposer = ((fact["proposer_stay_start"], fact["proposer_stay_end"]),
                (fact["partner_stay_start"], fact["partner_stay_end"]))
    return proposer if family_id == fact["proposer_family_id"] else (proposer[1], proposer[0])


def cancelled_by(by: str, family_id: Optional[str], provider_ids: Collection[str]) -> str:
    """Who cancelled a booking, as its messages say it: `family`, `provider`, or `withdrawn`
    (the provider withdrew the time: bookings' `system`)."""
    if by == family_id:
        return "family"
    if by in provider_ids:
        return "provider"
    return "withdrawn"


class SentMessage:
    """One message to one person by one channel, recorded before it is sent."""

    def __init__(self, id: str, occasion_id: str, recipient_id: str, channel: str, to: str,
                 subject: str, body: str, html: Optional[str], language: str, event_type: str,
                 template: str, booking_id: Optional[str], message_id: str,
                 now: datetime.datetime) -> None:
        self.id = id
        self.occasion_id = occasion_id
        self.recipient_id = recipient_id
        self.channel = channel
        self.to = to
        self.subject = subject
        self.body = body
        self.html = html
        self.language = language
        self.event_type = event_type
        self.template = template
        self.booking_id = booking_id
        self.message_id = message_id
        self.status = PENDING
        self.attempts = 0
        self.last_error = None
        self.claimed_until = None
        self.created_at = now
        self.sent_at = None


# How long a sender holds a message it is sending, unless set (NOTIFICATIONS_CLAIM_SECONDS):
# longer than a send may take (the SMTP timeout), so that only a sender that died lets it go
# to another.
CLAIM = datetime.timedelta(seconds=60)


def message_id(occasion_id: str, recipient_id: str, channel: str, domain: str) -> str:
    """The same Message-ID for every attempt of one message, so that a mail server (or the
    person's mail program) can drop a repeat."""
    digest = hashlib.sha256("{}|{}|{}".format(occasion_id, recipient_id, channel).encode())
    return "<{}@{}>".format(digest.hexdigest()[:40], domain)


def subject_of(occasion: str, fact: Fact) -> str:
    """What an occasion happens once to: a booking, a swap (each of its steps once), a
    swap's message, or a ballot's application when there is no booking (ballot_lost)."""
    if occasion == staycation.SWAP_MESSAGE_POSTED:
        return str(fact["message_id"])
    if occasion in SWAP_STEPS:
        return str(fact["swap_id"])
    return str(fact.get("booking_id") or fact["application_id"])


SWAP_STEPS = (staycation.SWAP_PROPOSED, staycation.SWAP_AGREED, staycation.SWAP_DECLINED,
              staycation.SWAP_CANCELLED, staycation.SWAP_COMPLETED)


def occasion_id(occasion: str, booking_id: str) -> str:
    """Each occasion happens once to a booking, though its event may be announced again
    (bookings repeats booking_requested to a late step, and an undone booking's event;
    budgets answers a repeated request again): so the booking, not the event, identifies it,
    and a repeat finds its messages recorded. (An occasion with no booking, a ballot lost,
    is identified by its application: `subject_of`.)"""
    return "{}:{}".format(occasion, booking_id)


# --- the timer's occasions ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ReminderTimes:
    """When the timer's occasions come (settings: dependencies.py)."""
    day_before: datetime.timedelta  # before the break starts
    approval_waited: datetime.timedelta  # after the spend began to wait
    approval_expiring: datetime.timedelta  # before the approval expires


def reminders_of(occasion: str, fact: Fact, occurred_at: datetime.datetime,
                 times: ReminderTimes) -> dict[str, datetime.datetime]:
    """{reminder occasion: when it is due} that an event about a booking schedules: a
    confirmed booking its day-before reminders, a spend waiting for an officer its two
    reminders (the first only if it comes before the second)."""
    if occasion == bookings.BOOKING_CONFIRMED and fact.get("slot_start"):
        return {DAY_BEFORE: fact["slot_start"] - times.day_before}
    if occasion == bookings.BOOKING_AWAITING_APPROVAL:
        expiring = fact["approval_deadline"] - times.approval_expiring
        waited = occurred_at + times.approval_waited
        due = {APPROVAL_EXPIRING: expiring}
        if waited < expiring:
            due[APPROVAL_WAITED] = waited
        return due
    return {}


def reminders_ended_by(occasion: str) -> tuple[str, ...]:
    """The reminders an event makes pointless: a decision ends the approval's, an undone
    booking all of them."""
    if occasion == bookings.BOOKING_CONFIRMED:
        return APPROVAL_REMINDERS
    if occasion in bookings.ENDED:
        return REMINDERS
    return ()
