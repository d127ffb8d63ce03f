"""What the bookings RPCs take (input schemas) and give back (output schemas)."""
from marshmallow import EXCLUDE, Schema, fields, validate

from seibiant_common.contracts import bookings_payloads as bodies
from seibiant_common.contracts.bookings_payloads import CarerQuery  # noqa: F401
from seibiant_common.contracts.families_payloads import ShareProfile
from seibiant_common.schemas import ActorSchema, PageSchema, parse  # noqa: F401 (schemas.*)
from seibiant_common import schemas as records
from seibiant_common.schemas import page_schema_of

from .state_machine import STATUSES


class RequestBookingSchema(bodies.CreateBookingSchema):
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # what of the family profile the provider may read, as the gateway loaded it
    share_profile = fields.Nested(ShareProfile, load_default=None, allow_none=True)


class SetGiftedAllowanceSchema(bodies.GiftedAllowanceSchema):
    council = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ApplySchema(bodies.ApplySchema):
    slot_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class JoinWaitingListSchema(bodies.JoinWaitingListSchema):
    slot_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SlotForCarerSchema(bodies.CarerQuery):
    """A slot, and a referrer's carer (the family itself without it)."""
    slot_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class AcceptOfferSchema(bodies.AcceptOfferSchema):
    booking_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SlotIdSchema(Schema):
    slot_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class BookingIdSchema(Schema):
    booking_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class CompleteBookingSchema(BookingIdSchema, bodies.CompleteBookingSchema):
    pass


class ListBookingsSchema(PageSchema):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(STATUSES))


class TransitionSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    at = fields.AwareDateTime()
    why = fields.String()
    by = fields.String()


class BookingSchema(records.BookingSchema):
    """A booking as docs/api-v1.md shows it, plus its recorded history."""
    transitions = fields.List(fields.Nested(TransitionSchema))


BookingPageSchema = page_schema_of(BookingSchema)


class SlotAnswerSchema(Schema):
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
    # how its places are given (a ballot's: balloting.py)
    capacity = fields.Integer(strict=True, load_default=None)
    remaining = fields.Integer(strict=True, load_default=None)  # places not reserved
    allocation = fields.String(load_default="first_come")
    applications_close_at = fields.AwareDateTime(load_default=None, allow_none=True)


booking_schema = BookingSchema()
application_schema = records.ApplicationSchema()
waiting_entry_schema = records.WaitingEntrySchema()
ballot_schema = records.BallotSchema()
page_schema = BookingPageSchema()
