"""The payloads of staycation's events (names: `staycation.py`). No address, no contact and
no message text travels in an event: those stay in staycation. And the bodies staycation's
RPCs take, which the gateway checks requests with."""
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from seibiant_common.fields import MAX_LIST, Choices, Day, Id, Slug, Strict, Text, WholeNumber
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, ADAPTATIONS, CARE_NEEDS,
                                          HOME_FEATURES)

from . import staycation as names
from .payload_schema import Payload, ident, moment


class HomeEvent(Payload):
    """A home listed, changed or withdrawn (its listing paused or ended)."""
    home_id = ident()
    family_id = ident()
    council = fields.String(required=True, allow_none=True)
    region = fields.String(required=True)
    at = moment()


class Verification(Payload):
    """A family verified for swaps, or its verification withdrawn, by whom."""
    family_id = ident()
    by = ident()
    by_role = fields.String(required=True)
    at = moment()


class SwapEvent(Payload):
    """A swap's step: both families and homes (so notifications tells each), its stays and
    who took the step (null: the timer)."""
    swap_id = ident()
    proposer_family_id = ident()
    partner_family_id = ident()
    proposer_home_id = ident()
    partner_home_id = ident()
    proposer_stay_start = fields.Date(required=True)
    proposer_stay_end = fields.Date(required=True)
    partner_stay_start = fields.Date(required=True)
    partner_stay_end = fields.Date(required=True)
    by = fields.String(required=True, allow_none=True)
    at = moment()


class MessagePosted(Payload):
    """One family of a swap wrote to the other (`by`): who and when, never what (the text
    stays in staycation)."""
    swap_id = ident()
    message_id = ident()
    proposer_family_id = ident()
    partner_family_id = ident()
    by = ident()
    at = moment()


PAYLOADS = {
    names.HOME_LISTED: HomeEvent,
    names.HOME_CHANGED: HomeEvent,
    names.HOME_WITHDRAWN: HomeEvent,
    names.FAMILY_SWAP_VERIFIED: Verification,
    names.FAMILY_SWAP_VERIFICATION_WITHDRAWN: Verification,
    names.SWAP_PROPOSED: SwapEvent,
    names.SWAP_AGREED: SwapEvent,
    names.SWAP_DECLINED: SwapEvent,
    names.SWAP_CANCELLED: SwapEvent,
    names.SWAP_COMPLETED: SwapEvent,
    names.SWAP_MESSAGE_POSTED: MessagePosted,
}


# ---- what staycation's RPCs take: the gateway checks a request with the same schemas -------

MAX_TEXT = 5000


def rating() -> WholeNumber:
    return WholeNumber(minimum=1, maximum=5, required=True)


class StayRangeSchema(Strict):
    """Days from `start_date` to `end_date`."""
    start_date = Day(required=True)
    end_date = Day(required=True)


class HomeBodySchema(Strict):
    title = Text(max_length=200, min_length=1, required=True)
    region = Slug(required=True)
    sleeps = WholeNumber(minimum=1, maximum=30, required=True)
    bedrooms = WholeNumber(maximum=20, required=True)
    accessibility = Choices(ACCESSIBILITY_FEATURES, load_default=list)
    adaptations = Choices(ADAPTATIONS, load_default=list)
    suits_needs = Choices(CARE_NEEDS, load_default=list)
    description = Text(max_length=MAX_TEXT, load_default="")
    title_cy = Text(max_length=200, load_default=None, allow_none=True)
    description_cy = Text(max_length=MAX_TEXT, load_default=None, allow_none=True)
    house_rules = Text(max_length=MAX_TEXT, load_default="")
    pets_welcome = fields.Boolean(load_default=False)
    smoking = fields.Boolean(load_default=False)
    address = Text(max_length=1000, min_length=1, required=True)  # the agreed partner's only

    @validates_schema
    def not_blank(self, data: dict[str, Any], **kwargs: Any) -> None:
        for name in ("title", "address"):
            if name in data and not data[name].strip():
                raise ValidationError("Must not be blank.", name)


class HomePatchSchema(HomeBodySchema):
    """Any of a home's fields; those left out stay as they are."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class AvailabilityBodySchema(Strict):
    ranges = fields.List(fields.Nested(StayRangeSchema), required=True,
                         validate=validate.Length(max=MAX_LIST))


class SwapNeedsBodySchema(Strict):
    needs = Choices(CARE_NEEDS, load_default=list)
    must_haves = Choices(HOME_FEATURES, load_default=list)  # beyond what the needs require


class SwapBodySchema(Strict):
    my_home_id = Id(required=True)
    their_home_id = Id(required=True)
    my_stay = fields.Nested(StayRangeSchema, required=True)  # in their home
    their_stay = fields.Nested(StayRangeSchema, required=True)  # in mine


class MatchesQuery(Strict):
    home_id = Id(required=True)
    from_ = Day(data_key="from", required=True)
    to = Day(required=True)

    @validates_schema
    def ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        # ISO days compare as the days do
        if data.get("from_") and data.get("to") and data["to"] <= data["from_"]:
            raise ValidationError("Must be after from.", "to")


class SwapMessageBodySchema(Strict):
    text = Text(max_length=2000, min_length=1, required=True)


class SwapReviewBodySchema(Strict):
    home_rating = rating()
    guests_rating = rating()
    comment = Text(max_length=2000, load_default=None, allow_none=True)
