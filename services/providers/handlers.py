"""Which use case answers which event providers hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row). A handler takes the service
(its database) and the event; it loads the payload with its producer's schema, reading only
the fields it uses, and applies each event once (`uow.seen`)."""
from seibiant_common.contracts import bookings, payloads

from . import application


def booking_requested(service, event):
    """The places the booking asks for (the same path as `reserve_places`)."""
    request = payloads.load(event, "booking_id", "slot_id", "places")
    with service.db.unit_of_work() as uow:
        if uow.seen(event):
            return
        application.reserve_places(uow, **request)


def booking_ended(service, event):
    """booking_rejected, booking_cancelled, booking_expired, booking_offer_expired: the
    places go back."""
    request = payloads.load(event, "booking_id")
    with service.db.unit_of_work() as uow:
        if uow.seen(event):
            return
        application.release_places(uow, **request)


EVENT_HANDLERS = {
    (bookings.SERVICE, bookings.BOOKING_REQUESTED): booking_requested,
    # a waiting list's offer holds its places as a request would
    (bookings.SERVICE, bookings.BOOKING_OFFERED): booking_requested,
    **{(bookings.SERVICE, ended): booking_ended for ended in bookings.ENDED},
    (bookings.SERVICE, bookings.BOOKING_OFFER_EXPIRED): booking_ended,
}
