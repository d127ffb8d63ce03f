"""What crosses the providers service's RPC boundary: input schemas (named for the request
they parse) and output schemas (named for what they carry).

Input schemas check shape, types and the public vocabularies, so an unknown category or
feature is refused naming the field; the rules that need state or time are in `domain`.
"""
import functools
import re

from marshmallow import (Schema, ValidationError, fields, validate, validates,
                         validates_schema)

from seibiant_common.schemas import ActorSchema as BaseActorSchema
from seibiant_common import schemas as records
from seibiant_common.schemas import (OfferSchema, PageSchema, SlotListSchema,  # noqa: F401
                                     SlotSchema, day_in_span, in_span, page_schema_of, parse)
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES,
                                         PATTERN_TIME_ZONES, PROVIDER_KINDS)

from .domain import (ALLOCATIONS, FIRST_COME, MAX_CAPACITY, MAX_PATTERN_NIGHTS,
                     MAX_PLACES_PER_BOOKING, PROVIDER_STATUSES, WEEKDAYS)

MAX_PRICE_PENCE = 10_000_000

# Regions are council slugs (`powys`, `flintshire`), the same values as an officer's council.
REGION_SLUG = validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$",
                              error="must be a lower-case council slug such as 'powys'")


# C0 controls other than tab, newline and carriage return: NUL breaks PostgreSQL text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(value):
    if CONTROL.search(value):
        raise ValidationError("contains control characters")


def text(min_length=0, max_length=5000, **kwargs):
    return fields.String(validate=[validate.Length(min_length, max_length),
                                   no_control_characters], **kwargs)


def ident(**kwargs):
    """An opaque id (ours are uuid4 hex; other services' are theirs to choose)."""
    return text(1, 64, **kwargs)


def unique(values):
    """A list validator: the same value twice is a mistake worth telling about."""
    if len(set(values)) != len(values):
        raise ValidationError("contains the same value more than once")


def pence_field(**kwargs):
    """Whole pence: floats (and booleans) are refused, not rounded."""
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_PRICE_PENCE), **kwargs)


def capacity_field(minimum, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(minimum, MAX_CAPACITY), **kwargs)


def vocabulary_list(vocabulary, **kwargs):
    return fields.List(fields.String(validate=validate.OneOf(vocabulary)), validate=unique,
                       **kwargs)


class ActorSchema(BaseActorSchema):
    """Who is acting, as the gateway vouches for it (ids checked as every id here is)."""

    user_id = ident(required=True)
    provider_id = ident(load_default=None, allow_none=True)


class RegisterProviderSchema(Schema):
    user_id = ident(required=True)
    name = text(1, 200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    regions = fields.List(fields.String(validate=REGION_SLUG), required=True,
                          validate=[validate.Length(1, 50), unique])
    accessibility = vocabulary_list(ACCESSIBILITY_FEATURES, load_default=list)
    supports_needs = vocabulary_list(CARE_NEEDS, load_default=list)
    description = text(load_default="")
    contact_email = text(3, 254, load_default=None, allow_none=True)
    contact_phone = text(3, 32, load_default=None, allow_none=True)


class SuspendProviderSchema(Schema):
    reason = text(1, 1000, required=True)


class ListProvidersSchema(PageSchema):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(PROVIDER_STATUSES))


class CreateOfferSchema(Schema):
    title = text(1, 200, required=True)
    description = text(load_default="")
    title_cy = text(1, 200, load_default=None, allow_none=True)
    description_cy = text(load_default=None, allow_none=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    price_pence = pence_field(required=True)
    region = fields.String(required=True, validate=REGION_SLUG)
    accessibility = vocabulary_list(ACCESSIBILITY_FEATURES, load_default=list)
    supports_needs = vocabulary_list(CARE_NEEDS, load_default=list)


class NewSlotSchema(Schema):
    start = fields.AwareDateTime(required=True, validate=in_span)
    end = fields.AwareDateTime(required=True, validate=in_span)
    capacity = capacity_field(1, required=True)
    allocation = fields.String(load_default=FIRST_COME, validate=validate.OneOf(ALLOCATIONS))
    applications_close_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                                 validate=in_span)


class SlotPatternSchema(Schema):
    """"Every Saturday 10:00-16:00 for 12 weeks from 2027-03-06", times of day in
    `time_zone` (UTC unless given)."""

    start_date = fields.Date(required=True, validate=day_in_span)
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                           validate=[validate.Length(1, 7), unique])
    start_time = fields.Time(required=True)
    end_time = fields.Time(required=True)
    # Days from a slot's start to its end: 0 for a day slot, 1 for one night, ...
    nights = fields.Integer(strict=True, load_default=0,
                            validate=validate.Range(0, MAX_PATTERN_NIGHTS))
    weeks = fields.Integer(strict=True, required=True, validate=validate.Range(1, 104))
    capacity = capacity_field(1, required=True)
    time_zone = fields.String(load_default="UTC", validate=validate.OneOf(PATTERN_TIME_ZONES))

    @validates("start_time", "end_time")
    def clock_times(self, value, data_key):
        if value.tzinfo is not None:
            raise ValidationError("give the time of day without an offset (see time_zone)")


class PublishSlotsSchema(Schema):
    """Either a list of slots or one recurring pattern."""

    slots = fields.List(fields.Nested(NewSlotSchema), load_default=None)
    pattern = fields.Nested(SlotPatternSchema, load_default=None)

    @validates_schema
    def one_of_them(self, data, **kwargs):
        if (data.get("slots") is None) == (data.get("pattern") is None):
            raise ValidationError("give either slots or pattern", "slots")


class ChangeCapacitySchema(Schema):
    # Zero is allowed here: it stops sales without withdrawing the slot's bookings.
    capacity = capacity_field(0, required=True)


class SearchSchema(Schema):
    """Search filters; every one is optional and None means "any"."""

    region = fields.String(load_default=None, allow_none=True, validate=REGION_SLUG)
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(CATEGORIES))
    window_from = fields.AwareDateTime(data_key="from", load_default=None, allow_none=True,
                                       validate=in_span)
    window_to = fields.AwareDateTime(data_key="to", load_default=None, allow_none=True,
                                     validate=in_span)
    # Repeating a required feature asks nothing more, so it is not an error here.
    accessibility = fields.List(fields.String(validate=validate.OneOf(ACCESSIBILITY_FEATURES)),
                                load_default=list, allow_none=True)
    needs = fields.List(fields.String(validate=validate.OneOf(CARE_NEEDS)), load_default=list,
                        allow_none=True)
    max_price_pence = pence_field(load_default=None, allow_none=True)
    q = text(0, 200, load_default=None, allow_none=True)


class SearcherSchema(Schema):
    """The searcher's council, recorded with the search (never who searched)."""
    council = fields.String(load_default=None, allow_none=True, validate=REGION_SLUG)


class ReservePlacesSchema(Schema):
    booking_id = ident(required=True)
    slot_id = ident(required=True)
    places = fields.Integer(strict=True, required=True,
                            validate=validate.Range(1, MAX_PLACES_PER_BOOKING))


class ReleasePlacesSchema(Schema):
    booking_id = ident(required=True)


# --- output ----------------------------------------------------------------------------

class ProviderSchema(records.ProviderSchema):
    user_id = fields.String()  # whose account it is: not on the public profile


class SlotDetailSchema(SlotSchema):
    """A slot with what a booking needs to know about it at request time."""

    provider_id = fields.String()
    price_pence = fields.Integer()
    category = fields.String()
    bookable = fields.Boolean()


class WithdrawnSlotSchema(SlotSchema):
    booking_ids = fields.List(fields.String())


class OfferWithSlotsSchema(OfferSchema):
    slots = fields.List(fields.Nested(SlotSchema))
    # True when the offer has more slots than an answer carries (see application).
    more_slots = fields.Boolean()


ProviderPageSchema = page_schema_of(ProviderSchema)


class ListedOfferSchema(OfferSchema):
    slots_to_book = fields.Integer()  # its future open slots, which get_offer lists


OfferPageSchema = page_schema_of(ListedOfferSchema)
SearchPageSchema = page_schema_of(OfferWithSlotsSchema)


class ReservationSchema(Schema):
    """The one outcome of a booking's request for places."""

    booking_id = fields.String()
    slot_id = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    places = fields.Integer()
    offer_id = fields.String(allow_none=True)
    provider_id = fields.String(allow_none=True)
    unit_price_pence = fields.Integer(allow_none=True)
    total_pence = fields.Integer(allow_none=True)
    category = fields.String(allow_none=True)
    slot_start = fields.AwareDateTime(allow_none=True)
    slot_end = fields.AwareDateTime(allow_none=True)


@functools.lru_cache(maxsize=None)
def _id_schema(name):
    return Schema.from_dict({name: ident(required=True)})()


def load_id(name, value):
    """An id passed as a bare argument (`provider_id`, `slot_id`, ...)."""
    return parse(_id_schema(name), {name: value})[name]
