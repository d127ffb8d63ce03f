"""What the families RPCs take (input schemas) and give back (output schemas). The profile and
feedback bodies are families' contract (seibiant_common.contracts.families_payloads): the
gateway checks a request with the same schemas first, and these check it again at the door."""
from marshmallow import Schema, fields, validate

from seibiant_common.contracts.families_payloads import (  # noqa: F401 (used as schemas.*)
    EmergencyContactSchema, FeedbackBodySchema, FeedbackResponseBodySchema, PersonSchema,
    ProfileBodySchema,
)
from seibiant_common import schemas as records
from seibiant_common.schemas import (  # noqa: F401 (used as schemas.*)
    ActorSchema, IdSchema, PageSchema, page_schema_of, parse,
)


class BookingIdsSchema(Schema):
    booking_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                              required=True, validate=validate.Length(max=100000))


class ProviderIdsSchema(Schema):
    provider_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                               required=True, validate=validate.Length(max=200))


class ResponsesQuerySchema(PageSchema):
    provider_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=64))


# --- output -------------------------------------------------------------------------------

class ConsentSchema(Schema):
    booking_id = fields.String()
    people = fields.List(fields.String(), allow_none=True)
    sections = fields.List(fields.String(), allow_none=True)
    given_at = records.Timestamp()
    withdrawn_at = records.Timestamp(allow_none=True)


class ResponseSchema(records.FeedbackResponseSchema):
    officer_id = fields.String()  # the gateway does not pass it on


profile_schema = records.ProfileSchema()
shared_schema = records.SharedProfileSchema()
consent_schema = ConsentSchema()
feedback_schema = records.FeedbackSchema()
provider_feedback_schema = records.ProviderFeedbackSchema()
gifted_feedback_schema = records.GiftedFeedbackSchema()
response_schema = ResponseSchema()
ratings_schema = records.ProviderRatingSchema(many=True)
read_page_schema = page_schema_of(records.ProfileReadSchema)()
response_page_schema = page_schema_of(ResponseSchema)()
