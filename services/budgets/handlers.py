"""Which use case answers which event budgets hears: `EVENT_HANDLERS` is the one table
(`service.py` makes a dead-lettering nameko handler of each row). A handler takes the service
(its database) and the event; it loads the payload with its producer's schema, reading only
the fields it uses, and applies each event once (`uow.seen`)."""
from seibiant_common.contracts import bookings, payloads

from . import application as app
from . import domain
from .schemas import HOLD


def _once(service, event, work):
    """Runs `work(uow)` unless this handler has applied the event already."""
    def transaction(uow):
        if not uow.seen(event):
            work(uow)
    app.transact(service.db, transaction)


def booking_requested(service, event):
    """A hold (the same path as `hold_funds`); a booking without a budget needs none."""
    request = payloads.load(event, *HOLD)
    if request["budget_id"] is None:
        return  # nothing to hold; a repeat of this event changes nothing either
    request = domain.HoldRequest(**request)
    _once(service, event, lambda uow: app.hold_funds(uow, request))


def booking_rejected(service, event):
    ended = payloads.load(event, "booking_id", "reason")
    _once(service, event, lambda uow: app.release_funds(
        uow, ended["booking_id"], "booking rejected: {}".format(ended["reason"])))


def booking_cancelled(service, event):
    ended = payloads.load(event, "booking_id", "by")
    _once(service, event, lambda uow: app.release_funds(
        uow, ended["booking_id"], "booking cancelled by {}".format(ended["by"])))


def booking_expired(service, event):
    ended = payloads.load(event, "booking_id")
    _once(service, event, lambda uow: app.release_funds(
        uow, ended["booking_id"], "booking expired awaiting approval"))


def booking_completed(service, event):
    completed = payloads.load(event, "booking_id", "final_amount_pence")
    _once(service, event, lambda uow: app.capture_funds(
        uow, completed["booking_id"], completed["final_amount_pence"]))


EVENT_HANDLERS = {
    (bookings.SERVICE, bookings.BOOKING_REQUESTED): booking_requested,
    (bookings.SERVICE, bookings.BOOKING_REJECTED): booking_rejected,
    (bookings.SERVICE, bookings.BOOKING_CANCELLED): booking_cancelled,
    (bookings.SERVICE, bookings.BOOKING_EXPIRED): booking_expired,
    (bookings.SERVICE, bookings.BOOKING_COMPLETED): booking_completed,
}
