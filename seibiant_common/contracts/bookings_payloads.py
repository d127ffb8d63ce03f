"""The payloads of bookings' events (names: `bookings.py`)."""
from marshmallow import fields, validate

from seibiant_common.vocabularies import CATEGORIES

from . import bookings as names
from .families_payloads import ShareProfile
from .payload_schema import Payload, ident, moment, pence, text


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
    # Added within schema version 1 (optional: older events lack them), for families: whose
    # offer it is, and what of the family profile the family chose to share with them (null:
    # nothing).
    provider_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=64))
    share_profile = fields.Nested(ShareProfile, load_default=None, allow_none=True)


class BookingAwaitingApproval(Payload):
    booking_id = ident()
    approval_deadline = moment()


class BookingOnly(Payload):
    """booking_confirmed, booking_expired."""
    booking_id = ident()


class BookingRejected(Payload):
    booking_id = ident()
    reason = text()


class BookingCancelled(Payload):
    booking_id = ident()
    by = text()  # a user id, or `system` when the provider withdrew the slot


class BookingCompleted(Payload):
    booking_id = ident()
    final_amount_pence = pence()


PAYLOADS = {
    names.BOOKING_REQUESTED: BookingRequested,
    names.BOOKING_AWAITING_APPROVAL: BookingAwaitingApproval,
    names.BOOKING_CONFIRMED: BookingOnly,
    names.BOOKING_REJECTED: BookingRejected,
    names.BOOKING_CANCELLED: BookingCancelled,
    names.BOOKING_EXPIRED: BookingOnly,
    names.BOOKING_COMPLETED: BookingCompleted,
}
