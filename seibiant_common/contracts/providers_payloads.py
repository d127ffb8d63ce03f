"""The payloads of providers' events (names: `providers.py`), and the bodies providers' RPCs
take, which the gateway checks requests with."""
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from seibiant_common.fields import (MAX_LIST, PHONE, Choices, ClockTime, Day, Moment, Pence,
                                    Reason, Slug, Strict, Text, WholeNumber, distinct)
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES,
                                         PATTERN_TIME_ZONES, PROVIDER_KINDS)

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


# ---- what providers' RPCs take: the gateway checks a request with the same schemas --------

class ProviderDetailsSchema(Strict):
    """A provider's profile, as it registers (the gateway's registration adds the account)."""
    name = Text(max_length=120, min_length=1, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    regions = fields.List(Slug(), required=True,
                          validate=[validate.Length(min=1, max=MAX_LIST), distinct])
    accessibility = Choices(ACCESSIBILITY_FEATURES, each_once=True, load_default=list)
    supports_needs = Choices(CARE_NEEDS, each_once=True, load_default=list)
    description = Text(max_length=4000, load_default="")
    # how families who booked reach the provider (shown on their bookings)
    contact_email = Text(max_length=254, validate=[validate.Email()], load_default=None,
                         allow_none=True)
    contact_phone = Text(max_length=32, validate=[validate.Regexp(
        PHONE, error="Not a phone number.")], load_default=None, allow_none=True)


class CreateOfferSchema(Strict):
    title = Text(max_length=200, min_length=1, required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    price_pence = Pence(maximum=names.MAX_PRICE_PENCE, required=True)
    region = Slug(required=True)
    accessibility = Choices(ACCESSIBILITY_FEATURES, each_once=True, load_default=list)
    supports_needs = Choices(CARE_NEEDS, each_once=True, load_default=list)
    description = Text(max_length=4000, load_default="")
    title_cy = Text(max_length=200, min_length=1, load_default=None, allow_none=True)
    description_cy = Text(max_length=4000, load_default=None, allow_none=True)


class NewSlotSchema(Strict):
    start = Moment(required=True)
    end = Moment(required=True)
    capacity = WholeNumber(minimum=1, maximum=names.MAX_CAPACITY, required=True)
    # `first_come` (the default) or `ballot` (a gifted offer's: carers apply until
    # `applications_close_at`, then a draw gives the places)
    allocation = fields.String(load_default=names.ALLOCATIONS[0],
                               validate=validate.OneOf(names.ALLOCATIONS))
    applications_close_at = Moment(load_default=None, allow_none=True)


class SlotPatternSchema(Strict):
    """A recurring pattern: "every Saturday 10:00-16:00 for 12 weeks from a date", times of
    day on the clocks of `time_zone` (UTC unless given; Europe/London keeps 10:00 at 10:00
    when the clocks change)."""
    start_date = Day(required=True)
    weekdays = fields.List(fields.String(validate=validate.OneOf(names.WEEKDAYS)),
                           required=True, validate=[validate.Length(min=1, max=7), distinct])
    start_time = ClockTime(required=True)
    end_time = ClockTime(required=True)
    time_zone = fields.String(load_default="UTC", validate=validate.OneOf(PATTERN_TIME_ZONES))
    # days from a slot's start to its end: 0 for a day slot, 1 for one night, ...
    nights = WholeNumber(maximum=names.MAX_PATTERN_NIGHTS, load_default=0)
    weeks = WholeNumber(minimum=1, maximum=names.MAX_PATTERN_WEEKS, required=True)
    capacity = WholeNumber(minimum=1, maximum=names.MAX_CAPACITY, required=True)


class PublishSlotsSchema(Strict):
    """Either `slots` or one recurring `pattern`."""
    slots = fields.List(fields.Nested(NewSlotSchema), load_default=None, validate=validate.Length(
        min=1, max=names.MAX_SLOTS_PER_PUBLICATION))
    pattern = fields.Nested(SlotPatternSchema, load_default=None)

    @validates_schema
    def one_of_them(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("slots") is None) == (data.get("pattern") is None):
            raise ValidationError("Give either slots or pattern.", "slots")


class SuspendProviderSchema(Strict):
    reason = Reason(required=True)
