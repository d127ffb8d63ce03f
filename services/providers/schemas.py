"""What crosses the providers service's RPC boundary: input schemas (named for the request
they parse) and output schemas (named for what they carry).

Input schemas check shape, types and the public vocabularies, so an unknown category or
feature is refused naming the field; the rules that need state or time are in `domain`.
"""
import functools
import re

from marshmallow import Schema, ValidationError, fields, validate

from seibiant_common.contracts import providers_payloads as bodies
from seibiant_common.fields import ReadsBack
from seibiant_common.schemas import ActorSchema as BaseActorSchema
from seibiant_common import schemas as records
from seibiant_common.schemas import (OfferSchema, PageSchema, SlotListSchema,  # noqa: F401
                                     SlotSchema, day_in_span, in_span, page_schema_of, parse)
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES)

from seibiant_common.contracts.providers import MAX_CAPACITY, MAX_PRICE_PENCE

from .domain import MAX_PLACES_PER_BOOKING, PROVIDER_STATUSES

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


def pence_field(**kwargs):
    """Whole pence: floats (and booleans) are refused, not rounded."""
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_PRICE_PENCE), **kwargs)


def capacity_field(minimum, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(minimum, MAX_CAPACITY), **kwargs)


class ActorSchema(BaseActorSchema):
    """Who is acting, as the gateway vouches for it (ids checked as every id here is)."""

    user_id = ident(required=True)
    provider_id = ident(load_default=None, allow_none=True)


class RegisterProviderSchema(bodies.ProviderDetailsSchema):
    user_id = ident(required=True)  # the account the gateway made for it


SuspendProviderSchema = bodies.SuspendProviderSchema


class ListProvidersSchema(PageSchema):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(PROVIDER_STATUSES))


CreateOfferSchema = bodies.CreateOfferSchema


class PublishSlotsSchema(ReadsBack, bodies.PublishSlotsSchema):
    pass


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


class OfferIdsSchema(Schema):
    # a provider's offers over the years of its impact: many, but never without bound
    offer_ids = fields.List(ident(), required=True, validate=validate.Length(max=10_000))


@functools.lru_cache(maxsize=None)
def _id_schema(name):
    return Schema.from_dict({name: ident(required=True)})()


def load_id(name, value):
    """An id passed as a bare argument (`provider_id`, `slot_id`, ...)."""
    return parse(_id_schema(name), {name: value})[name]
