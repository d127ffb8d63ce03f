"""Events of the booking saga (docs/contracts.md): the names, and the payload schemas of what
bookings emits and what it consumes. Every payload is schema_version 1.

Schemas of consumed events ignore fields they do not know, so the other services can add
fields without breaking the saga; a missing or mistyped field fails the handler, which retries
and then dead-letters the event where an operator can see it.
"""
from marshmallow import EXCLUDE, Schema, fields, validate

# Emitted by bookings: the names live with the contracts, for its consumers.
from seibiant_common.contracts.bookings import (  # noqa: F401
    BOOKING_AWAITING_APPROVAL, BOOKING_CANCELLED, BOOKING_COMPLETED, BOOKING_CONFIRMED,
    BOOKING_EXPIRED, BOOKING_REJECTED, BOOKING_REQUESTED,
)

SCHEMA_VERSION = 1

# Consumed from providers.
PLACES_RESERVED = "places_reserved"
RESERVATION_REFUSED = "reservation_refused"
SLOT_WITHDRAWN = "slot_withdrawn"
SLOTS_PUBLISHED = "slots_published"
PROVIDER_APPROVED = "provider_approved"
PROVIDER_SUSPENDED = "provider_suspended"

# Consumed from budgets.
FUNDS_HELD = "funds_held"
APPROVAL_REQUIRED = "approval_required"
SPEND_APPROVED = "spend_approved"
SPEND_DECLINED = "spend_declined"
HOLD_REFUSED = "hold_refused"


class _Payload(Schema):
    class Meta:
        unknown = EXCLUDE


# --- emitted -------------------------------------------------------------------------------

class BookingRequestedSchema(_Payload):
    """For providers (slot_id, places) and budgets (the hold: budget_id, None for no hold,
    family_id, amount_pence, category, break_start, break_end)."""
    booking_id = fields.String(required=True)
    family_id = fields.String(required=True)
    council = fields.String(required=True, allow_none=True)
    slot_id = fields.String(required=True)
    places = fields.Integer(required=True, strict=True)
    budget_id = fields.String(required=True, allow_none=True)
    amount_pence = fields.Integer(required=True, strict=True)
    category = fields.String(required=True)
    break_start = fields.DateTime(required=True)
    break_end = fields.DateTime(required=True)


class BookingAwaitingApprovalSchema(_Payload):
    booking_id = fields.String(required=True)
    approval_deadline = fields.DateTime(required=True)


class BookingConfirmedSchema(_Payload):
    booking_id = fields.String(required=True)


class BookingRejectedSchema(_Payload):
    booking_id = fields.String(required=True)
    reason = fields.String(required=True)


class BookingCancelledSchema(_Payload):
    booking_id = fields.String(required=True)
    by = fields.String(required=True)


class BookingExpiredSchema(_Payload):
    booking_id = fields.String(required=True)


class BookingCompletedSchema(_Payload):
    booking_id = fields.String(required=True)
    final_amount_pence = fields.Integer(required=True, strict=True)


EMITTED = {
    BOOKING_REQUESTED: BookingRequestedSchema(),
    BOOKING_AWAITING_APPROVAL: BookingAwaitingApprovalSchema(),
    BOOKING_CONFIRMED: BookingConfirmedSchema(),
    BOOKING_REJECTED: BookingRejectedSchema(),
    BOOKING_CANCELLED: BookingCancelledSchema(),
    BOOKING_EXPIRED: BookingExpiredSchema(),
    BOOKING_COMPLETED: BookingCompletedSchema(),
}


def dump(event_type, payload):
    """The wire form of an event bookings emits (times as ISO 8601 strings)."""
    return EMITTED[event_type].dump(payload)


# --- consumed ------------------------------------------------------------------------------

class PlacesReservedSchema(_Payload):
    booking_id = fields.String(required=True)
    unit_price_pence = fields.Integer(required=True, strict=True)


class ReservationRefusedSchema(_Payload):
    booking_id = fields.String(required=True)
    reason = fields.String(required=True)


class SlotWithdrawnSchema(_Payload):
    slot_id = fields.String(required=True)
    offer_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    booking_ids = fields.List(fields.String(), load_default=list)


class PublishedSlotSchema(_Payload):
    id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)


class SlotsPublishedSchema(_Payload):
    offer_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    category = fields.String(required=True)
    price_pence = fields.Integer(required=True, strict=True)
    slots = fields.List(fields.Nested(PublishedSlotSchema), required=True)


class ProviderDecidedSchema(_Payload):
    """provider_approved, provider_suspended: who, and (from the envelope) when."""
    provider_id = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class FundsHeldSchema(_Payload):
    booking_id = fields.String(required=True)
    approval = fields.String(required=True, validate=validate.OneOf(["auto", "required"]))


class BookingOnlySchema(_Payload):
    booking_id = fields.String(required=True)


class SpendDecisionSchema(_Payload):
    booking_id = fields.String(required=True)
    decided_by = fields.String(required=True)
    reason = fields.String(load_default=None, allow_none=True)


class HoldRefusedSchema(_Payload):
    booking_id = fields.String(required=True)
    reason = fields.String(required=True)


class UnsupportedVersion(Exception):
    pass


def load(schema, event):
    """The payload of a consumed event envelope, checked against its schema."""
    if event.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise UnsupportedVersion("{} schema_version {}".format(
            event.get("event_type"), event.get("schema_version")))
    return schema.load(event["payload"])


def load_decision(event):
    """A provider's decision, with the time providers made it (the envelope's)."""
    return load(ProviderDecidedSchema(), dict(
        event, payload=dict(event["payload"], occurred_at=event.get("occurred_at"))))
