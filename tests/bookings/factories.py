"""Bookings built by driving the aggregate through the saga, for the unit tests."""
import datetime

from services.bookings import domain

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
TIMEOUTS = domain.Timeouts(step=datetime.timedelta(seconds=30), max_retries=2,
                           approval=72 * HOUR)

NO_GIFTS_YET = domain.Gifts(allowed=domain.DEFAULT_GIFTED_ALLOWANCE, used=0)
FAMILY = {"user_id": "family-1", "role": "family", "council": "powys", "provider_id": None}
PROVIDER = {"user_id": "provider-user-1", "role": "provider", "council": None,
            "provider_id": "provider-1"}
OFFICER = {"user_id": "officer-1", "role": "officer", "council": "powys", "provider_id": None}


def slot(price_pence=1500, bookable=True, start=NOW + 24 * HOUR):
    return domain.Slot(id="slot-1", offer_id="offer-1", provider_id="provider-1",
                       category="overnight_stay", price_pence=price_pence, start=start,
                       end=start + 6 * HOUR, bookable=bookable)


def new(price_pence=1500, budget_id="budget-1", places=2):
    booking, _ = domain.Booking.request("booking-1", FAMILY, "key-1", slot(price_pence), places,
                                    budget_id, NOW, TIMEOUTS, gifts=NO_GIFTS_YET)
    return booking


def reserved(booking):
    booking.places_reserved(booking.unit_price_pence, NOW, TIMEOUTS)
    return booking


# What a requested booking still waits for (both answers of booking_requested come at once).
BOTH, FUNDS, PLACES = "both", "funds", "places"


def booking_in(status, waiting=None, price_pence=1500, budget_id="budget-1"):
    """A booking in `status` (and, when requested, `waiting` for the answers named: BOTH
    unless given), got there the saga's way."""
    if status == "offered":  # a waiting list's offer, its places held
        booking, _ = domain.Booking.offer("booking-1", FAMILY["user_id"], "powys", "key-1",
                                          slot(price_pence), 2, NOW, TIMEOUTS)
        booking.places_reserved(price_pence, NOW, TIMEOUTS)
        return booking
    booking = new(price_pence, budget_id)
    if status == "rejected":
        booking.reservation_refused("sold_out", NOW)
    elif status == "cancelled":
        booking.cancel(FAMILY, NOW)
    elif status == "requested":
        if waiting == FUNDS:
            reserved(booking)
        elif waiting == PLACES:
            booking.funds_held("auto", NOW, TIMEOUTS)
    else:
        reserved(booking)
        if status in ("awaiting_approval", "expired"):
            booking.funds_held("required", NOW, TIMEOUTS)
        elif status in ("confirmed", "completed") and budget_id is not None:
            booking.funds_held("auto", NOW, TIMEOUTS)
        if status == "expired":
            booking.approval_timed_out(NOW + 100 * HOUR)
        if status == "completed":
            booking.complete(PROVIDER, None, NOW + 48 * HOUR)
    assert booking.status == status
    assert status != "requested" or budget_id is None or booking.missing_answers() == {
        None: ["providers", "budgets"], BOTH: ["providers", "budgets"], FUNDS: ["budgets"],
        PLACES: ["providers"]}[waiting]
    return booking


def state_of(booking):
    """Everything an answer could change."""
    return (booking.status, booking.reason, len(booking.transitions), booking.places_state,
            booking.funds_state, booking.step_attempts, booking.step_deadline,
            booking.approval_deadline, booking.final_amount_pence, booking.updated_at)
