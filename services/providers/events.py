"""The events the providers service publishes (on `providers.events`) and the events of
bookings it handles, with their payload schemas (schema_version 1, docs/contracts.md)."""
from marshmallow import EXCLUDE, Schema, fields

from .schemas import ReleasePlacesSchema, ReservePlacesSchema

SCHEMA_VERSION = 1

# Published.
PLACES_RESERVED = "places_reserved"
RESERVATION_REFUSED = "reservation_refused"
PLACES_RELEASED = "places_released"
SLOT_WITHDRAWN = "slot_withdrawn"
SLOTS_PUBLISHED = "slots_published"
PROVIDER_APPROVED = "provider_approved"
PROVIDER_SUSPENDED = "provider_suspended"

# Handled: the booking saga's requests to this service.
BOOKINGS = "bookings"
BOOKING_REQUESTED = "booking_requested"
BOOKING_REJECTED = "booking_rejected"
BOOKING_CANCELLED = "booking_cancelled"
BOOKING_EXPIRED = "booking_expired"


class PlacesReservedPayload(Schema):
    booking_id = fields.String()
    slot_id = fields.String()
    offer_id = fields.String()
    provider_id = fields.String()
    places = fields.Integer()
    unit_price_pence = fields.Integer()
    total_pence = fields.Integer()
    category = fields.String()
    slot_start = fields.AwareDateTime()
    slot_end = fields.AwareDateTime()


class ReservationRefusedPayload(Schema):
    booking_id = fields.String()
    slot_id = fields.String()
    reason = fields.String()


class PlacesReleasedPayload(Schema):
    booking_id = fields.String()
    slot_id = fields.String()
    places = fields.Integer()


class SlotWithdrawnPayload(Schema):
    slot_id = fields.String()
    offer_id = fields.String()
    provider_id = fields.String()
    booking_ids = fields.List(fields.String())


class PublishedSlotPayload(Schema):
    id = fields.String()
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()


class SlotsPublishedPayload(Schema):
    """An offer's new slots, with what a booking of them needs to know (an offer's price and
    category never change once it is created, nor a slot's start and end)."""
    offer_id = fields.String()
    provider_id = fields.String()
    category = fields.String()
    price_pence = fields.Integer()
    slots = fields.List(fields.Nested(PublishedSlotPayload))


class ProviderApprovedPayload(Schema):
    provider_id = fields.String()


class ProviderSuspendedPayload(Schema):
    provider_id = fields.String()
    reason = fields.String()


PAYLOADS = {
    PLACES_RESERVED: PlacesReservedPayload(),
    RESERVATION_REFUSED: ReservationRefusedPayload(),
    PLACES_RELEASED: PlacesReleasedPayload(),
    SLOT_WITHDRAWN: SlotWithdrawnPayload(),
    SLOTS_PUBLISHED: SlotsPublishedPayload(),
    PROVIDER_APPROVED: ProviderApprovedPayload(),
    PROVIDER_SUSPENDED: ProviderSuspendedPayload(),
}


def emit(uow, event_type, payload, aggregate_id):
    """Writes the event into the unit of work's outbox, its payload dumped by its schema."""
    uow.emit(event_type, PAYLOADS[event_type].dump(payload), aggregate_id=aggregate_id,
             schema_version=SCHEMA_VERSION)


class BookingRequestedPayload(ReservePlacesSchema):
    """What providers reads of `bookings.booking_requested` (the rest is not its business):
    the same as a `reserve_places` call."""

    class Meta:
        unknown = EXCLUDE


class BookingEndedPayload(ReleasePlacesSchema):
    """`booking_rejected`, `booking_cancelled` and `booking_expired`: the places go back."""

    class Meta:
        unknown = EXCLUDE
