"""Which use case answers which event families hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row, heard in batches: many
events to one transaction). Families hears what it needs of bookings to know whose a
booking is and how far along it is (the sharing window and feedback), and the family's
consent that came with the request."""
from seibiant_common.contracts import bookings, payloads

from . import application, domain


def booking_requested(service, uow, event):
    fact = payloads.load(event, "booking_id", "family_id", "council", "provider_id",
                         "break_end", "share_profile")
    # the same request again (the saga asks again) changes nothing
    application.booking_requested(uow, now=payloads.occurred_at(event), **fact)


def _moved(status):
    def handle(service, uow, event):
        booking_id = payloads.load(event, "booking_id")["booking_id"]
        if uow.seen(event):
            return
        application.booking_moved(uow, booking_id, status)
    handle.__doc__ = "The booking is {} now (unless a later status was heard).".format(status)
    return handle


STATUS_OF = {bookings.BOOKING_CONFIRMED: domain.CONFIRMED,
             bookings.BOOKING_COMPLETED: domain.COMPLETED,
             bookings.BOOKING_REJECTED: "rejected", bookings.BOOKING_CANCELLED: "cancelled",
             bookings.BOOKING_EXPIRED: "expired"}

EVENT_HANDLERS = {
    (bookings.SERVICE, bookings.BOOKING_REQUESTED): booking_requested,
    **{(bookings.SERVICE, name): _moved(status) for name, status in STATUS_OF.items()},
}
