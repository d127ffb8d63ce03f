"""What the staycation RPCs take and give back. The gateway checks the public shape first;
these check it again at the door."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from seibiant_common.schemas import ActorSchema, PageSchema, page_schema_of, parse  # noqa: F401
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, ADAPTATIONS, CARE_NEEDS

FEATURES = ACCESSIBILITY_FEATURES + tuple(a for a in ADAPTATIONS
                                          if a not in ACCESSIBILITY_FEATURES)


class In(Schema):
    class Meta:
        unknown = EXCLUDE


def _list(values):
    return fields.List(fields.String(validate=validate.OneOf(values)), load_default=list,
                       validate=validate.Length(max=len(values)))


def _text(max_length, min_length=0, **kwargs):
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class HomeInSchema(In):
    title = _text(200, required=True)
    region = _text(64, required=True)
    sleeps = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=30))
    bedrooms = fields.Integer(strict=True, required=True,
                              validate=validate.Range(min=0, max=20))
    accessibility = _list(ACCESSIBILITY_FEATURES)
    adaptations = _list(ADAPTATIONS)
    suits_needs = _list(CARE_NEEDS)
    description = _text(5000, load_default="")
    title_cy = _text(200, load_default=None, allow_none=True)
    description_cy = _text(5000, load_default=None, allow_none=True)
    house_rules = _text(5000, load_default="")
    pets_welcome = fields.Boolean(load_default=False)
    smoking = fields.Boolean(load_default=False)
    address = _text(1000, required=True)

    @validates_schema
    def not_blank(self, data, **kwargs):
        for name in ("title", "region", "address"):
            if name in data and not data[name].strip():
                raise ValidationError("must not be blank", name)


class RangeSchema(In):
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class AvailabilityInSchema(In):
    ranges = fields.List(fields.Nested(RangeSchema), required=True)


class NeedsInSchema(In):
    needs = _list(CARE_NEEDS)
    must_haves = _list(FEATURES)


class SwapInSchema(In):
    my_home_id = _text(64, required=True)
    their_home_id = _text(64, required=True)
    my_stay = fields.Nested(RangeSchema, required=True)
    their_stay = fields.Nested(RangeSchema, required=True)


class MatchesQuerySchema(In):
    home_id = _text(64, required=True)
    start_date = fields.Date(required=True, data_key="from")
    end_date = fields.Date(required=True, data_key="to")

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["end_date"] <= data["start_date"]:
            raise ValidationError("must be after from", "to")


class MessageInSchema(In):
    text = _text(2000, required=True)


class SafeguardingInSchema(PageSchema):
    reason = _text(2000, 1, required=True)


class ReviewInSchema(In):
    home_rating = fields.Integer(strict=True, required=True,
                                 validate=validate.Range(min=1, max=5))
    guests_rating = fields.Integer(strict=True, required=True,
                                   validate=validate.Range(min=1, max=5))
    comment = _text(2000, load_default=None, allow_none=True)


class IdSchema(In):
    id = _text(64, required=True)


# --- answers ------------------------------------------------------------------------------

class RangeOutSchema(Schema):
    start_date = fields.Date()
    end_date = fields.Date()


class HomeSchema(Schema):
    """A home as anyone who may see it sees it: never its address (see `AgreedSchema`)."""
    id = fields.String()
    family_id = fields.String()
    status = fields.String()
    title = fields.String()
    title_cy = fields.String(allow_none=True)
    region = fields.String()
    sleeps = fields.Integer()
    bedrooms = fields.Integer()
    accessibility = fields.List(fields.String())
    adaptations = fields.List(fields.String())
    suits_needs = fields.List(fields.String())
    description = fields.String()
    description_cy = fields.String(allow_none=True)
    house_rules = fields.String()
    pets_welcome = fields.Boolean()
    smoking = fields.Boolean()
    availability = fields.List(fields.Nested(RangeOutSchema))


class MyHomeSchema(HomeSchema):
    """The family's own home: its address too."""
    address = fields.String()


class MissingSchema(Schema):
    feature = fields.String()
    for_ = fields.String(data_key="for", attribute="for")


class MatchInfoSchema(Schema):
    score = fields.Integer()
    two_way = fields.Boolean()
    fits_you = fields.List(fields.String())
    you_fit_them = fields.List(fields.String())
    missing = fields.List(fields.Nested(MissingSchema))


class MatchSchema(Schema):
    home = fields.Nested(HomeSchema)
    match = fields.Nested(MatchInfoSchema)


class MatchesSchema(Schema):
    items = fields.List(fields.Nested(MatchSchema))


class PartnerSchema(Schema):
    """What the agreed partner sees of the other family and home."""
    home_id = fields.String()
    address = fields.String()
    display_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)


class SwapSchema(Schema):
    id = fields.String()
    status = fields.String()
    proposer_family_id = fields.String()
    partner_family_id = fields.String()
    proposer_home_id = fields.String()
    partner_home_id = fields.String()
    proposer_stay = fields.Method("_proposer_stay")
    partner_stay = fields.Method("_partner_stay")
    proposed_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    partner = fields.Nested(PartnerSchema, allow_none=True)

    def _proposer_stay(self, swap):
        return {"start_date": swap["swap"].proposer_stay_start.isoformat(),
                "end_date": swap["swap"].proposer_stay_end.isoformat()}

    def _partner_stay(self, swap):
        return {"start_date": swap["swap"].partner_stay_start.isoformat(),
                "end_date": swap["swap"].partner_stay_end.isoformat()}


class VerificationSchema(Schema):
    family_id = fields.String()
    verified = fields.Boolean()
    verified_by = fields.String(allow_none=True)
    verified_by_role = fields.String(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)


class NeedsSchema(Schema):
    family_id = fields.String()
    needs = fields.List(fields.String())
    must_haves = fields.List(fields.String())


class MessageSchema(Schema):
    id = fields.String()
    swap_id = fields.String()
    family_id = fields.String()
    text = fields.String()
    at = fields.AwareDateTime()


class ReviewSchema(Schema):
    swap_id = fields.String()
    family_id = fields.String()
    home_id = fields.String()
    home_rating = fields.Integer()
    guests_rating = fields.Integer()
    comment = fields.String(allow_none=True)
    at = fields.AwareDateTime()


class ReviewsSchema(Schema):
    items = fields.List(fields.Nested(ReviewSchema))


home_schema, my_home_schema = HomeSchema(), MyHomeSchema()
homes_schema = page_schema_of(MyHomeSchema)()
matches_schema, swap_schema = MatchesSchema(), SwapSchema()
swap_page_schema = page_schema_of(SwapSchema)()
verification_schema, needs_schema = VerificationSchema(), NeedsSchema()
message_schema, message_page_schema = MessageSchema(), page_schema_of(MessageSchema)()
review_schema, reviews_schema = ReviewSchema(), ReviewsSchema()
