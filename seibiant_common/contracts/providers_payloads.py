"""The payloads of providers' events (names: `providers.py`)."""
from marshmallow import fields, validate

from . import providers as names
from .payload_schema import Payload, ident, moment, optional, pence, text


def places() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class PlacesReserved(Payload):
    booking_id = ident()
    slot_id = ident()
    offer_id = ident()
    provider_id = ident()
    places = places()
    unit_price_pence = pence()
    total_pence = pence()
    category = text()
    slot_start = moment()
    slot_end = moment()


class ReservationRefused(Payload):
    booking_id = ident()
    slot_id = ident()
    reason = text()  # one of RESERVATION_REFUSAL_REASONS, the list may grow


class PlacesReleased(Payload):
    booking_id = ident()
    slot_id = ident()
    places = places()


class SlotWithdrawn(Payload):
    slot_id = ident()
    offer_id = ident()
    provider_id = ident()
    booking_ids = fields.List(fields.String(), required=True)


class PublishedSlot(Payload):
    id = ident()
    start = moment()
    end = moment()


class SlotsPublished(Payload):
    """An offer's new slots, with what a booking of them needs to know (an offer's price and
    category never change once it is created, nor a slot's start and end)."""
    offer_id = ident()
    provider_id = ident()
    category = text()
    price_pence = pence()
    slots = fields.List(fields.Nested(PublishedSlot), required=True)
    # what a message about a booking of it names (for notifications)
    title = optional(text())
    title_cy = optional(text())
    region = optional(text())


class ProviderApproved(Payload):
    provider_id = ident()
    # how families who booked reach it, for their confirmation (for notifications)
    name = optional(text())
    contact_email = optional(text())
    contact_phone = optional(text())


class ProviderSuspended(Payload):
    provider_id = ident()
    reason = text()


PAYLOADS = {
    names.PLACES_RESERVED: PlacesReserved,
    names.RESERVATION_REFUSED: ReservationRefused,
    names.PLACES_RELEASED: PlacesReleased,
    names.SLOT_WITHDRAWN: SlotWithdrawn,
    names.SLOTS_PUBLISHED: SlotsPublished,
    names.PROVIDER_APPROVED: ProviderApproved,
    names.PROVIDER_SUSPENDED: ProviderSuspended,
}
