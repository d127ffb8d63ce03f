"""Which use case answers which event bookings hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row). A handler takes the service
(its database and settings) and the event; it loads the payload with its producer's schema,
reading only the fields it uses."""
from seibiant_common.contracts import budgets, payloads, providers
from seibiant_common.types import utcnow

from . import application, balloting, waitlisting


def _react(service, event, reaction, *reads):
    """Applies `reaction(booking, answer, now)` to the booking the answer is about, once per
    event (an answer to a step the booking has left changes nothing)."""
    answer = payloads.load(event, "booking_id", *reads)
    with service.db.unit_of_work() as uow:
        application.react(uow, answer["booking_id"],
                          lambda booking: reaction(booking, answer, utcnow()), event)


# --- the saga: providers' answers ----------------------------------------------------------

def places_reserved(service, event):
    _react(service, event, lambda booking, answer, now: booking.places_reserved(
        answer["unit_price_pence"], now, service.timeouts), "unit_price_pence")


def reservation_refused(service, event):
    answer = payloads.load(event, "booking_id", "reason")
    with service.db.unit_of_work() as uow:
        now = utcnow()
        booking = application.react(uow, answer["booking_id"],
                                    lambda booking: booking.reservation_refused(
                                        answer["reason"], now), event)
        if booking is not None:  # an offer whose places were taken: back in line
            waitlisting.offer_answered(uow, booking, now)


def slot_withdrawn(service, event):
    fact = payloads.load(event, "slot_id", "offer_id", "provider_id", "booking_ids")
    with service.db.unit_of_work() as uow:
        if uow.seen(event):
            return
        now = utcnow()
        for booking in application.slot_withdrawn(uow, now=now, **fact):
            waitlisting.offer_answered(uow, booking, now)


def places_released(service, event):
    """A booking's places came free: the first in the slot's waiting line are offered them
    (waitlisting.py; each release once)."""
    fact = payloads.load(event, "booking_id", "slot_id", "places")
    with service.db.unit_of_work() as uow:
        if uow.seen(event):
            return
        waitlisting.places_released(uow, fact["booking_id"], fact["slot_id"], fact["places"],
                                    utcnow(), service.timeouts)


# --- what bookings knows of providers' slots -----------------------------------------------

def slots_published(service, event):
    fact = payloads.load(event, "offer_id", "provider_id", "category", "price_pence", "slots")
    with service.db.unit_of_work() as uow:
        application.slots_published(uow, **fact)  # the same again changes nothing
        balloting.slots_published(uow, fact["offer_id"], fact["provider_id"], fact["slots"])


def _provider_decided(service, event, approved):
    provider_id = payloads.load(event, "provider_id")["provider_id"]
    with service.db.unit_of_work() as uow:
        # an older decision (by the envelope's time), or the same again, changes nothing
        application.provider_decided(uow, provider_id, approved, payloads.occurred_at(event))


def provider_approved(service, event):
    _provider_decided(service, event, approved=True)


def provider_suspended(service, event):
    _provider_decided(service, event, approved=False)


# --- the saga: budgets' answers ------------------------------------------------------------

def funds_held(service, event):
    _react(service, event, lambda booking, answer, now: booking.funds_held(
        answer["approval"], now, service.timeouts), "approval")


def approval_required(service, event):
    _react(service, event, lambda booking, answer, now: booking.approval_required(
        now, service.timeouts))


def spend_approved(service, event):
    _react(service, event, lambda booking, answer, now: booking.spend_approved(
        answer["decided_by"], answer["reason"], now), "decided_by", "reason")


def spend_declined(service, event):
    _react(service, event, lambda booking, answer, now: booking.spend_declined(
        answer["decided_by"], answer["reason"], now), "decided_by", "reason")


def hold_refused(service, event):
    _react(service, event, lambda booking, answer, now: booking.hold_refused(
        answer["reason"], now), "reason")


EVENT_HANDLERS = {
    (providers.SERVICE, providers.PLACES_RESERVED): places_reserved,
    (providers.SERVICE, providers.RESERVATION_REFUSED): reservation_refused,
    (providers.SERVICE, providers.SLOT_WITHDRAWN): slot_withdrawn,
    (providers.SERVICE, providers.PLACES_RELEASED): places_released,
    (providers.SERVICE, providers.SLOTS_PUBLISHED): slots_published,
    (providers.SERVICE, providers.PROVIDER_APPROVED): provider_approved,
    (providers.SERVICE, providers.PROVIDER_SUSPENDED): provider_suspended,
    (budgets.SERVICE, budgets.FUNDS_HELD): funds_held,
    (budgets.SERVICE, budgets.APPROVAL_REQUIRED): approval_required,
    (budgets.SERVICE, budgets.SPEND_APPROVED): spend_approved,
    (budgets.SERVICE, budgets.SPEND_DECLINED): spend_declined,
    (budgets.SERVICE, budgets.HOLD_REFUSED): hold_refused,
}
