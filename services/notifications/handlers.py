"""Which use case answers which event notifications hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row). What each occasion says,
and to whom, is `domain.MESSAGES`."""
from seibiant_common.contracts import bookings, budgets, gateway, payloads, providers
from seibiant_common.types import utcnow

from . import application, domain


# --- what notifications knows ---------------------------------------------------------------

def account_details_changed(service, event):
    fact = payloads.load(event)
    with service.db.unit_of_work() as uow:
        application.account_changed(uow, fact)


def slots_published(service, event):
    fact = payloads.load(event, "offer_id", "provider_id", "title", "title_cy", "region")
    with service.db.unit_of_work() as uow:
        application.offer_known(uow, fact)


def provider_approved(service, event):
    fact = payloads.load(event, "provider_id", "name", "contact_email", "contact_phone")
    with service.db.unit_of_work() as uow:
        application.provider_known(uow, fact)


# --- occasions: record what is to be said, then say it --------------------------------------

def tell(service, event):
    """The messages the event calls for (domain.MESSAGES), recorded with the reminders it
    schedules or ends, then sent; the event is acknowledged once they are (a failed send
    fails the handler: it is tried again)."""
    fact = payloads.load(event)
    occasion = event["event_type"]
    occasion_id = domain.occasion_id(occasion, fact["booking_id"])
    with service.db.unit_of_work() as uow:
        application.record(uow, occasion, occasion_id, fact, service.delivery, utcnow())
        application.schedule(uow, occasion, fact, event["payload"],
                             payloads.occurred_at(event), service.reminder_times, utcnow())
    application.deliver(service.db, service.delivery, occasion_id, utcnow)


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
}
