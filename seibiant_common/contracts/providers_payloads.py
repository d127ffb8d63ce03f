"""The payloads of providers' events (names: `providers.py`)."""
from marshmallow import fields, validate

from . import providers as names
from .payload_schema import Payload, ident, moment, optional, pence, text


def places() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


def added(field: fields.Field) -> fields.Field:
    """A field added within schema version 1: a payload written before it has none (None)."""
    field.required, field.load_default, field.allow_none = False, None, True
    return field


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
    capacity = added(places())  # the places published, for insight
    # how its places are given (`first_come`, or `ballot` with its close), for bookings'
    # ballots; a payload without them is a first-come slot
    allocation = added(text())
    applications_close_at = added(moment())


class SlotsPublished(Payload):
    """An offer's new slots, with what a booking of them needs to know (an offer's price and
    category never change once it is created, nor a slot's start and end)."""
    offer_id = ident()
    provider_id = ident()
    category = text()
    price_pence = pence()
    region = added(text())  # the offer's area (a council slug), for insight
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


class SearchMade(Payload):
    """A search (its first page) and how many offers that page found; never who searched,
    only the searcher's council when they belong to one. Filters not asked are None (lists
    empty); `words` are the search terms as search matches them."""
    region = text(allow_none=True)
    category = text(allow_none=True)
    window_from = moment(allow_none=True, data_key="from")
    window_to = moment(allow_none=True, data_key="to")
    accessibility = fields.List(fields.String(), required=True)
    needs = fields.List(fields.String(), required=True)
    max_price_pence = pence(allow_none=True)
    words = fields.List(fields.String(), required=True)
    offers_found = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    more_found = fields.Boolean(required=True)  # a next page: more than offers_found
    council = text(allow_none=True)


class SearchRecord(SearchMade):
    """One search of a `searches_made`: what a `search_made` said, with its own id and time."""
    search_id = ident()
    searched_at = moment()


class SearchesMade(Payload):
    """The searches one providers process recorded over a short interval, oldest first."""
    searches = fields.List(fields.Nested(SearchRecord), required=True)


PAYLOADS = {
    names.PLACES_RESERVED: PlacesReserved,
    names.RESERVATION_REFUSED: ReservationRefused,
    names.PLACES_RELEASED: PlacesReleased,
    names.SLOT_WITHDRAWN: SlotWithdrawn,
    names.SLOTS_PUBLISHED: SlotsPublished,
    names.PROVIDER_APPROVED: ProviderApproved,
    names.PROVIDER_SUSPENDED: ProviderSuspended,
    names.SEARCH_MADE: SearchMade,
    names.SEARCHES_MADE: SearchesMade,
}
