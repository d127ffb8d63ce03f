"""The payloads of bookings' events (names: `bookings.py`), and the bodies bookings' RPCs
take, which the gateway checks requests with."""
from marshmallow import fields, validate

from seibiant_common.fields import Id, Pence, Strict, WholeNumber
from seibiant_common.vocabularies import CATEGORIES

from . import bookings as names
from .families_payloads import ShareProfile, ShareProfileChoice
from .payload_schema import Payload, ident, moment, optional, pence, text


class BookingFacts(Payload):
    """What every status event after booking_requested also says of its booking (added for
    notifications, which keeps no copy of bookings: docs/contracts.md)."""
    family_id = optional(ident())
    council = optional(text())
    provider_id = optional(ident())
    offer_id = optional(ident())
    slot_start = optional(moment())
    slot_end = optional(moment())
    places = optional(fields.Integer(strict=True))
    amount_pence = optional(pence())


class BookingRequested(Payload):
    """For providers (slot_id, places), budgets (the hold: budget_id, None for no hold,
    family_id, amount_pence, category, break_start, break_end) and families (family_id,
    council, provider_id, break_end, share_profile)."""
    booking_id = ident()
    family_id = ident()
    council = text(allow_none=True)
    slot_id = ident()
    places = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    budget_id = ident(allow_none=True)
    amount_pence = pence()
    category = text(validate=validate.OneOf(CATEGORIES))
    break_start = moment()
    break_end = moment()
    # Added within schema version 1 (optional: older events lack them): whose offer it is
    # (families, notifications), and what of the family profile the family chose to share
    # with them (null: nothing).
    provider_id = optional(ident())
    offer_id = optional(ident())
    share_profile = fields.Nested(ShareProfile, load_default=None, allow_none=True)


class BookingAwaitingApproval(BookingFacts):
    booking_id = ident()
    approval_deadline = moment()


class BookingOnly(BookingFacts):
    """booking_confirmed, booking_expired."""
    booking_id = ident()


class BookingRejected(BookingFacts):
    booking_id = ident()
    reason = text()
    officer_reason = optional(text())  # the officer's own words, when `reason` is declined


class BookingCancelled(BookingFacts):
    booking_id = ident()
    by = text()  # a user id, or `system` when the provider withdrew the slot
    # a waiting list's offer the family declined (never a booking: nobody is told, nothing
    # is counted as cancelled); added within version 1, absent before: False
    offer_declined = fields.Boolean(load_default=False)


class BookingCompleted(BookingFacts):
    booking_id = ident()
    final_amount_pence = pence()


class BookingOffered(BookingFacts):
    """A waiting list's offer: providers reserves its places (booking_id, slot_id, places, as
    for booking_requested), notifications tells the family until when it may answer."""
    booking_id = ident()
    slot_id = ident()
    places = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    offer_expires_at = moment()


class BookingOfferExpired(BookingFacts):
    """An offer no one answered in time (`reason` null), or whose places were taken before
    providers could hold them (`reason` `sold_out`): providers gives back what it holds."""
    booking_id = ident()
    slot_id = ident()
    reason = optional(text())


class BallotLost(Payload):
    """An entrant of a ballot given no places at its draw (`outcome`: `lost`, or
    `allowance_used` when the council's allowance of gifted breaks left them none), for
    notifications; `booking_id` is always null (there is no booking)."""
    application_id = ident()
    slot_id = ident()
    offer_id = ident()
    provider_id = ident()
    family_id = ident()
    council = text(allow_none=True)
    places = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    slot_start = moment()
    slot_end = moment()
    outcome = text()
    booking_id = optional(ident())


PAYLOADS = {
    names.BOOKING_REQUESTED: BookingRequested,
    names.BOOKING_AWAITING_APPROVAL: BookingAwaitingApproval,
    names.BOOKING_CONFIRMED: BookingOnly,
    names.BOOKING_REJECTED: BookingRejected,
    names.BOOKING_CANCELLED: BookingCancelled,
    names.BOOKING_EXPIRED: BookingOnly,
    names.BOOKING_COMPLETED: BookingCompleted,
    names.BALLOT_LOST: BallotLost,
    names.BOOKING_OFFERED: BookingOffered,
    names.BOOKING_OFFER_EXPIRED: BookingOfferExpired,
}


# ---- what bookings' RPCs take: the gateway checks a request with the same schemas ---------

MAX_PLACES = 100  # places one booking or ballot application asks for
MAX_GIFTS_A_YEAR = 52  # a gifted allowance above a break a week is a typo


class CreateBookingSchema(Strict):
    slot_id = Id(required=True)
    places = WholeNumber(minimum=1, maximum=MAX_PLACES, required=True)
    budget_id = Id(allow_none=True, load_default=None)
    family_id = Id(allow_none=True, load_default=None)  # a referrer's carer, for a gift
    share_profile = ShareProfileChoice(load_default=None, metadata={
        "description": "false (the default), true, or {people: [ids], sections: [...]}"})


class ApplySchema(Strict):
    places = WholeNumber(minimum=1, maximum=MAX_PLACES, required=True)
    # a referrer applies for a carer of their centre; a carer applies for themselves
    family_id = Id(load_default=None, allow_none=True)


class JoinWaitingListSchema(Strict):
    places = WholeNumber(minimum=1, maximum=MAX_PLACES, required=True)
    family_id = Id(allow_none=True, load_default=None)  # a referrer's carer (gifted slots)


class CarerQuery(Strict):
    """Whose gifted allowance, waiting place or ballot application: a referrer's carer, or
    without it the family's own."""
    family_id = Id(allow_none=True, load_default=None)


class AcceptOfferSchema(Strict):
    budget_id = Id(allow_none=True, load_default=None)  # required for a priced offer


class CompleteBookingSchema(Strict):
    final_amount_pence = Pence(allow_none=True, load_default=None)


class GiftedAllowanceSchema(Strict):
    breaks_per_12_months = WholeNumber(maximum=MAX_GIFTS_A_YEAR, required=True)
