"""What the families RPCs take (input schemas) and give back (output schemas). The profile and
feedback bodies are families' contract (seibiant_common.contracts.families_payloads): the
gateway checks a request with the same schemas first, and these check it again at the door."""
from marshmallow import Schema, fields, validate

from seibiant_common.contracts.families_payloads import (  # noqa: F401 (used as schemas.*)
    EmergencyContactSchema, FeedbackBodySchema, FeedbackResponseBodySchema, PersonSchema,
    ProfileBodySchema,
)
from seibiant_common.schemas import (  # noqa: F401 (used as schemas.*)
    ActorSchema, PageSchema, page_schema_of, parse,
)

class IdSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ProviderIdsSchema(Schema):
    provider_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                               required=True, validate=validate.Length(max=200))


class RatingSchema(Schema):
    provider_id = fields.String()
    count = fields.Integer()
    average_rating = fields.Float()


class ResponsesQuerySchema(PageSchema):
    provider_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=64))


# --- output -------------------------------------------------------------------------------

class PersonOutSchema(PersonSchema):
    date_of_birth = fields.String(allow_none=True)  # stored as its ISO date


class ProfileSchema(Schema):
    family_id = fields.String()
    people = fields.List(fields.Nested(PersonOutSchema))
    emergency_contact = fields.Nested(EmergencyContactSchema, allow_none=True)
    language = fields.String(allow_none=True)
    needs = fields.List(fields.String())
    updated_at = fields.AwareDateTime(allow_none=True)


class SharedProfileSchema(Schema):
    booking_id = fields.String()
    people = fields.List(fields.Dict())
    emergency_contact = fields.Nested(EmergencyContactSchema, allow_none=True)
    language = fields.String(allow_none=True)
    sections = fields.List(fields.String())
    updated_at = fields.AwareDateTime(allow_none=True)
    given_at = fields.AwareDateTime()
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    readable = fields.Boolean()


class ConsentSchema(Schema):
    booking_id = fields.String()
    people = fields.List(fields.String(), allow_none=True)
    sections = fields.List(fields.String(), allow_none=True)
    given_at = fields.AwareDateTime()
    withdrawn_at = fields.AwareDateTime(allow_none=True)


class ReadSchema(Schema):
    id = fields.String()
    reader_id = fields.String()
    reader_role = fields.String()
    via = fields.String()
    booking_id = fields.String(allow_none=True)
    at = fields.AwareDateTime()


class FeedbackSchema(Schema):
    booking_id = fields.String()
    provider_id = fields.String()
    rating = fields.Integer()
    rested = fields.Integer()
    comment = fields.String(allow_none=True)
    would_book_again = fields.Boolean()
    given_at = fields.AwareDateTime()


class ResponseSchema(Schema):
    id = fields.String()
    council = fields.String()
    provider_id = fields.String(allow_none=True)
    officer_id = fields.String()
    text = fields.String()
    at = fields.AwareDateTime()


class FeedbackItemSchema(Schema):
    rating = fields.Integer()
    rested = fields.Integer()
    comment = fields.String(allow_none=True)
    would_book_again = fields.Boolean()
    at = fields.AwareDateTime()


class ProviderFeedbackSchema(Schema):
    provider_id = fields.String()
    count = fields.Integer()
    average_rating = fields.Float(allow_none=True)
    average_rested = fields.Float(allow_none=True)
    would_book_again_count = fields.Integer()
    items = fields.List(fields.Nested(FeedbackItemSchema))
    responses = fields.List(fields.Nested(ResponseSchema))


profile_schema = ProfileSchema()
shared_schema = SharedProfileSchema()
consent_schema = ConsentSchema()
feedback_schema = FeedbackSchema()
provider_feedback_schema = ProviderFeedbackSchema()
response_schema = ResponseSchema()
ratings_schema = RatingSchema(many=True)
read_page_schema = page_schema_of(ReadSchema)()
response_page_schema = page_schema_of(ResponseSchema)()
