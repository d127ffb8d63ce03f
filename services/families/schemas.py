"""What the families RPCs take (input schemas) and give back (output schemas). The gateway
checks the public shape first (gateway/schemas.py); these check it again at the door."""
from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from seibiant_common.contracts.families import RELATIONSHIPS
from seibiant_common.schemas import ActorSchema, parse  # noqa: F401 (used as schemas.*)
from seibiant_common.vocabularies import CARE_NEEDS

LANGUAGES = ("en", "cy")
MAX_NAME = 120
MAX_TEXT = 2000


def _text(max_length=MAX_TEXT):
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=max_length))


class PersonSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String(load_default=None, allow_none=True,
                       validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"))
    name = _text(MAX_NAME)
    relationship = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf(RELATIONSHIPS))
    date_of_birth = fields.Date(load_default=None, allow_none=True)
    needs = fields.List(fields.String(validate=validate.OneOf(CARE_NEEDS)), load_default=list,
                        validate=validate.Length(max=len(CARE_NEEDS)))
    communication = _text()
    routines = _text()
    diet = _text()
    medication_notes = _text()
    mobility = _text()
    likes_and_triggers = _text()
    other = _text()

    @post_load
    def stored_date(self, data, **kwargs):
        if data.get("date_of_birth") is not None:
            data["date_of_birth"] = data["date_of_birth"].isoformat()
        return data


class EmergencyContactSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _text(MAX_NAME)
    phone = _text(40)
    relationship = _text(MAX_NAME)


class ProfileInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    people = fields.List(fields.Nested(PersonSchema), load_default=list,
                         validate=validate.Length(max=20))
    emergency_contact = fields.Nested(EmergencyContactSchema, load_default=None,
                                      allow_none=True)
    language = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(LANGUAGES))


class IdSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class FeedbackInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    rested = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = _text()
    would_book_again = fields.Boolean(required=True)


class ResponseInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    provider_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=64))
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class ProviderIdsSchema(Schema):
    provider_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                               required=True, validate=validate.Length(max=200))


class RatingSchema(Schema):
    provider_id = fields.String()
    count = fields.Integer()
    average_rating = fields.Float()


class PageSchema(Schema):
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, allow_none=True)


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


def page_of(item_schema):
    return type(item_schema.__name__.replace("Schema", "PageSchema"), (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "next_cursor": fields.String(allow_none=True)})()


profile_schema = ProfileSchema()
shared_schema = SharedProfileSchema()
consent_schema = ConsentSchema()
feedback_schema = FeedbackSchema()
provider_feedback_schema = ProviderFeedbackSchema()
response_schema = ResponseSchema()
ratings_schema = RatingSchema(many=True)
read_page_schema = page_of(ReadSchema)
response_page_schema = page_of(ResponseSchema)
