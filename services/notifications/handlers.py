"""Which use case answers which event notifications hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row, heard in batches: many
events to one transaction). What each occasion says, and to whom, is `domain.MESSAGES`."""
import functools

from seibiant_common.contracts import bookings, budgets, gateway, payloads, providers, staycation
from seibiant_common.types import utcnow

from . import application, domain


# --- what notifications knows ---------------------------------------------------------------

def account_details_changed(service, uow, event):
    application.account_changed(uow, payloads.load(event))


def slots_published(service, uow, event):
    application.offer_known(uow, payloads.load(
        event, "offer_id", "provider_id", "title", "title_cy", "region"))


def provider_approved(service, uow, event):
    application.provider_known(uow, payloads.load(
        event, "provider_id", "name", "contact_email", "contact_phone"))


# --- occasions: record what is to be said, then say it --------------------------------------

def tell(service, uow, event):
    """The messages the event calls for (domain.MESSAGES), recorded with the reminders it
    schedules or ends, and claimed; sent once the batch has committed. The event is
    acknowledged once they are (a failed send fails the event: it is tried again)."""
    fact = payloads.load(event)
    occasion = event["event_type"]
    occasion_id = domain.occasion_id(occasion, domain.subject_of(occasion, fact))
    application.record(uow, occasion, occasion_id, fact, service.delivery, utcnow())
    application.schedule(uow, occasion, fact, event["payload"], payloads.occurred_at(event),
                         service.reminder_times, utcnow())
    messages, held = application.claim(uow, occasion_id, utcnow(), service.delivery.claim)
    if messages or held:
        return functools.partial(application.send, service.db, service.delivery, occasion_id,
                                 messages, held, utcnow)
    return None


EVENT_HANDLERS = {
    (gateway.SERVICE, gateway.ACCOUNT_DETAILS_CHANGED): account_details_changed,
    (providers.SERVICE, providers.SLOTS_PUBLISHED): slots_published,
    (providers.SERVICE, providers.PROVIDER_APPROVED): provider_approved,
    (bookings.SERVICE, bookings.BOOKING_REQUESTED): tell,
    (budgets.SERVICE, budgets.APPROVAL_REQUIRED): tell,
    (bookings.SERVICE, bookings.BOOKING_AWAITING_APPROVAL): tell,  # schedules reminders
    (bookings.SERVICE, bookings.BOOKING_CONFIRMED): tell,
    (bookings.SERVICE, bookings.BOOKING_REJECTED): tell,
    (bookings.SERVICE, bookings.BOOKING_CANCELLED): tell,
    (bookings.SERVICE, bookings.BOOKING_EXPIRED): tell,
    (bookings.SERVICE, bookings.BOOKING_COMPLETED): tell,  # asks the family how it went
    (bookings.SERVICE, bookings.BOOKING_OFFERED): tell,  # a waiting list's offer
    (bookings.SERVICE, bookings.BOOKING_OFFER_EXPIRED): tell,
    # a home swap's steps, each told to its families (domain.MESSAGES)
    (staycation.SERVICE, staycation.SWAP_PROPOSED): tell,
    (staycation.SERVICE, staycation.SWAP_AGREED): tell,
    (staycation.SERVICE, staycation.SWAP_DECLINED): tell,
    (staycation.SERVICE, staycation.SWAP_CANCELLED): tell,
    (staycation.SERVICE, staycation.SWAP_COMPLETED): tell,  # invites the families' reviews
    (staycation.SERVICE, staycation.SWAP_MESSAGE_POSTED): tell,
    (bookings.SERVICE, bookings.BALLOT_LOST): tell,  # not drawn: told they keep priority
}
