"""What the staycation RPCs take and give back. The gateway checks the public shape first;
these check it again at the door."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from seibiant_common import schemas as records
from seibiant_common.schemas import ActorSchema, PageSchema, page_schema_of, parse  # noqa: F401
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, ADAPTATIONS, CARE_NEEDS,
                                          HOME_FEATURES as FEATURES)


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

class SwapSchema(records.SwapSchema):
    """The service's swap is the stored object (`swap`) beside its fields: the stays are
    read from its columns."""
    proposer_stay = fields.Method("_proposer_stay")
    partner_stay = fields.Method("_partner_stay")

    def _proposer_stay(self, swap):
        return {"start_date": swap["swap"].proposer_stay_start.isoformat(),
                "end_date": swap["swap"].proposer_stay_end.isoformat()}

    def _partner_stay(self, swap):
        return {"start_date": swap["swap"].partner_stay_start.isoformat(),
                "end_date": swap["swap"].partner_stay_end.isoformat()}


home_schema, my_home_schema = records.HomeSchema(), records.MyHomeSchema()
homes_schema = page_schema_of(records.MyHomeSchema)()
matches_schema, swap_schema = records.HomeMatchesSchema(), SwapSchema()
swap_page_schema = page_schema_of(SwapSchema)()
verification_schema, needs_schema = records.SwapVerificationSchema(), records.SwapNeedsSchema()
message_schema = records.SwapMessageSchema()
message_page_schema = page_schema_of(records.SwapMessageSchema)()
review_schema, reviews_schema = records.SwapReviewSchema(), records.SwapReviewsSchema()
