"""What the bookings RPCs take (input schemas) and give back (output schemas)."""
from marshmallow import EXCLUDE, Schema, fields, validate

from seibiant_common.contracts.families_payloads import ShareProfile
from seibiant_common.schemas import ActorSchema, parse  # noqa: F401 (used as schemas.*)

from .domain import MAX_PLACES
from .state_machine import STATUSES

class RequestBookingSchema(Schema):
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slot_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    places = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=1, max=MAX_PLACES))
    budget_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=64))
    # what of the family profile the provider may read (families' contract); None: nothing
    share_profile = fields.Nested(ShareProfile, load_default=None, allow_none=True)


class BookingIdSchema(Schema):
    booking_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class CompleteBookingSchema(BookingIdSchema):
    final_amount_pence = fields.Integer(load_default=None, allow_none=True, strict=True,
                                        validate=validate.Range(min=0))


class PageSchema(Schema):
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, allow_none=True)


class ListBookingsSchema(PageSchema):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(STATUSES))


class TransitionSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    at = fields.AwareDateTime()
    why = fields.String()
    by = fields.String()


class BookingSchema(Schema):
    """A booking as docs/api-v1.md shows it, plus who it belongs to, its snapshot of the offer and
    its recorded history."""
    id = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    slot_id = fields.String()
    offer_id = fields.String()
    places = fields.Integer()
    total_pence = fields.Integer()
    budget_id = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    family_id = fields.String()
    provider_id = fields.String()
    council = fields.String(allow_none=True)
    category = fields.String()
    unit_price_pence = fields.Integer()
    slot_start = fields.AwareDateTime()
    slot_end = fields.AwareDateTime()
    final_amount_pence = fields.Integer(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    transitions = fields.List(fields.Nested(TransitionSchema))


class BookingPageSchema(Schema):
    items = fields.List(fields.Nested(BookingSchema))
    next_cursor = fields.String(allow_none=True)


class SlotSchema(Schema):
    """The part of providers' get_slot answer a booking needs."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True)
    offer_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    category = fields.String(required=True)
    price_pence = fields.Integer(required=True, strict=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    bookable = fields.Boolean(required=True)
    status = fields.String(required=True)


booking_schema = BookingSchema()
page_schema = BookingPageSchema()
