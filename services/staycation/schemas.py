"""What the staycation RPCs take and give back. The gateway checks the public shape first;
these check it again at the door."""
from marshmallow import fields, validate

from seibiant_common import schemas as records
from seibiant_common.contracts import staycation_payloads as bodies
from seibiant_common.fields import ReadsBack
from seibiant_common.schemas import (  # noqa: F401 (used as schemas.*)
    ActorSchema, IdSchema, PageSchema, page_schema_of, parse,
)


def _text(max_length, min_length=0, **kwargs):
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


HomeInSchema = bodies.HomeBodySchema
NeedsInSchema = bodies.SwapNeedsBodySchema
MessageInSchema = bodies.SwapMessageBodySchema
ReviewInSchema = bodies.SwapReviewBodySchema


class AvailabilityInSchema(ReadsBack, bodies.AvailabilityBodySchema):
    pass


class SwapInSchema(ReadsBack, bodies.SwapBodySchema):
    pass


class MatchesQuerySchema(ReadsBack, bodies.MatchesQuery):
    pass


class SafeguardingInSchema(PageSchema):
    reason = _text(2000, 1, required=True)


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
family_swap_page_schema = page_schema_of(records.FamilySwapSchema)()
verification_schema, needs_schema = records.SwapVerificationSchema(), records.SwapNeedsSchema()
message_schema = records.SwapMessageSchema()
message_page_schema = page_schema_of(records.SwapMessageSchema)()
review_schema, reviews_schema = records.SwapReviewSchema(), records.SwapReviewsSchema()
