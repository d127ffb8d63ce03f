"""What every service's RPC schemas and the gateway's have in common: the actor the gateway
vouches for, a page's request (`PageSchema`) and answer (`page_schema_of`), the shapes the
gateway answers as the services give them (the records below: a service's output schema
is one of them or adds to it, and the gateway's answer is the same one, or adds to it what it
joins in), and turning marshmallow's errors into `InvalidInput` naming the fields."""
import datetime
import functools
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from . import times
from .contracts.gateway import CHANNELS
from .fields import LANGUAGES, Day
from .errors import InvalidInput
from .vocabularies import BOOKING_STATUSES

ROLES = ("admin", "officer", "family", "provider", "referrer")
DEFAULT_PAGE = 50  # items a list answers when the caller names no limit
MAX_PAGE = 200  # the most it answers, whatever the caller asks


class ActorSchema(Schema):
    """Who is acting, as the gateway vouches for it; extra keys it may add are ignored."""

    class Meta:
        unknown = EXCLUDE

    user_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    council = fields.String(load_default=None, allow_none=True)
    provider_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=64))
    # a referrer's: the carers of their centre
    carer_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                            load_default=list)

    @validates_schema
    def officers_belong_to_a_council(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["role"] == "officer" and not data.get("council"):
            raise ValidationError("An officer belongs to a council.", "council")


def in_span(moment: datetime.datetime) -> None:
    """Validator of an (aware) time: in 1970-2199, as everywhere (seibiant_common.times)."""
    try:
        times.in_range(moment)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def day_in_span(day: datetime.date) -> None:
    """Validator of a date: in 1970-2199."""
    if not times.day_in_range(day):
        raise ValidationError(times.OUT_OF_RANGE)


def parse(schema: Schema | type[Schema], data: Any) -> Any:
    """The loaded data, or InvalidInput naming each bad field (before anything is stored).
    Given a class, its one instance: making a schema (its fields copied, its nested schemas
    made) cost a tenth of a search RPC's time (docs/performance.md)."""
    if isinstance(schema, type):
        schema = _instance(schema)
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {
            "_schema": error.messages}
        raise InvalidInput(messages) from None


@functools.cache
def _instance(schema_class: type[Schema]) -> Schema:
    return schema_class()


class PageSchema(Schema):
    """A page's request: up to `limit` items after `cursor`. The cursor is read once, by
    `seibiant_common.paging` (a bad one is `InvalidInput` on `cursor` there)."""
    limit = fields.Integer(strict=True, load_default=DEFAULT_PAGE,
                           validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None, allow_none=True)


class IdSchema(Schema):
    """An id an RPC takes on its own (a family's, a booking's, a home's)."""
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))


def page_schema_of(item_schema: type[Schema]) -> type[Schema]:
    """The schema of a page of one kind of item, `{"items": [...], "next_cursor": ...}`
    (what `seibiant_common.paging` makes), named after it: `Booking` -> `BookingPageSchema`."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True),
    })


class Timestamp(fields.String):
    """A time answered as an ISO 8601 string in UTC: from a datetime (a service's row) or
    as the string a service already answered (the gateway passing it on)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.timezone.utc).isoformat()
        return super()._serialize(value, attr, obj, **kwargs)


class BalanceSchema(Schema):
    """A budget's money, in pence: budgets answers it, the gateway passes it on."""
    allocated_pence = fields.Integer()
    held_pence = fields.Integer()
    spent_pence = fields.Integer()
    available_pence = fields.Integer()


class SlotSchema(Schema):
    """A slot of an offer: providers answers it, the gateway passes it on."""
    id = fields.String(required=True)
    offer_id = fields.String()
    start = Timestamp()
    end = Timestamp()
    capacity = fields.Integer()
    remaining = fields.Integer()
    status = fields.String()
    allocation = fields.String()  # `first_come` or `ballot`
    applications_close_at = Timestamp(allow_none=True)  # a ballot's


class BudgetSchema(Schema):
    """A family's budget and its balance: budgets answers it, the gateway passes it on."""
    id = fields.String(required=True)
    family_id = fields.String(required=True)
    council = fields.String(allow_none=True)
    allocated_pence = fields.Integer(required=True)
    held_pence = fields.Integer(required=True)
    spent_pence = fields.Integer(required=True)
    available_pence = fields.Integer(required=True)
    allowed_categories = fields.List(fields.String())
    auto_approve_limit_pence = fields.Integer()
    period_start = Timestamp()
    period_end = Timestamp()
    status = fields.String()
    created_by = fields.String(allow_none=True)
    created_at = Timestamp()


class ProviderSchema(Schema):
    """A provider's public profile: providers answers it (with more), the gateway passes it
    on."""
    id = fields.String(required=True)
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    regions = fields.List(fields.String())
    accessibility = fields.List(fields.String())
    supports_needs = fields.List(fields.String())
    description = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()


class OfferSchema(Schema):
    """An offer: providers answers it (with its slots, in some answers), the gateway passes it
    on."""
    id = fields.String(required=True)
    provider_id = fields.String()
    provider_name = fields.String(allow_none=True)
    title = fields.String()
    title_cy = fields.String(allow_none=True)
    category = fields.String()
    price_pence = fields.Integer()
    region = fields.String()
    accessibility = fields.List(fields.String())
    supports_needs = fields.List(fields.String())
    description = fields.String(allow_none=True)
    description_cy = fields.String(allow_none=True)
    bookable = fields.Boolean()  # false while the provider is not approved
    created_at = Timestamp()


class BookingSchema(Schema):
    """A booking, with who it belongs to and its snapshot of the offer: bookings answers it
    (with its history), the gateway passes it on."""
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(BOOKING_STATUSES))
    reason = fields.String(allow_none=True)
    slot_id = fields.String()
    offer_id = fields.String(allow_none=True)
    places = fields.Integer()
    total_pence = fields.Integer(allow_none=True)
    budget_id = fields.String(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()
    family_id = fields.String()
    provider_id = fields.String(allow_none=True)
    council = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    unit_price_pence = fields.Integer(allow_none=True)
    final_amount_pence = fields.Integer(allow_none=True)
    slot_start = Timestamp(allow_none=True)
    slot_end = Timestamp(allow_none=True)
    decline_reason = fields.String(allow_none=True)  # the officer's words, when declined
    # who cancelled it: family, provider, or system (the provider withdrew the time)
    cancelled_by = fields.String(allow_none=True)
    booked_by = fields.String(allow_none=True)  # the referrer who booked it for the family
    # a waiting list's offer (status offered): until when the family may accept it
    offer_expires_at = Timestamp(allow_none=True)


class ApplicationSchema(Schema):
    """A carer's application for places on a ballot slot: bookings answers it."""
    id = fields.String(required=True)
    slot_id = fields.String()
    family_id = fields.String()
    places = fields.Integer()
    status = fields.String()  # applied, withdrawn
    applied_at = Timestamp()
    withdrawn_at = Timestamp(allow_none=True)
    outcome = fields.String(allow_none=True)  # won, lost, allowance_used: once drawn
    booking_id = fields.String(allow_none=True)  # a winner's booking
    applications_close_at = Timestamp()


class WaitingEntrySchema(Schema):
    """A family's place on a full slot's waiting list: bookings answers it."""
    id = fields.String(required=True)
    slot_id = fields.String()
    family_id = fields.String()
    places = fields.Integer()
    status = fields.String()  # waiting, offered; accepted, declined, lapsed, left
    position = fields.Integer()  # order of joining (the list's own numbering)
    place_in_line = fields.Integer(allow_none=True)  # 1 is next; null unless waiting
    joined_at = Timestamp()
    left_at = Timestamp(allow_none=True)
    booking_id = fields.String(allow_none=True)  # the latest offer made to it
    offer_expires_at = Timestamp(allow_none=True)  # while an offer waits for an answer


class BallotEntrySchema(Schema):
    """One entrant of a drawn ballot, in the order drawn; `family_id` (and `booking_id`)
    null when the reader may not know who it is."""
    position = fields.Integer()
    application_id = fields.String()
    ticket = fields.String()  # sha256 of "<seed>:<application_id>", hex
    gifts = fields.Integer()  # gifted breaks in the 12 months before the draw
    places = fields.Integer()
    outcome = fields.String()  # won, lost, allowance_used
    family_id = fields.String(allow_none=True)
    booking_id = fields.String(allow_none=True)


class BallotSchema(Schema):
    """A ballot's record: how it stands and, once drawn, its seed and entrants in order."""
    slot_id = fields.String(required=True)
    offer_id = fields.String()
    provider_id = fields.String()
    capacity = fields.Integer()
    applications_close_at = Timestamp()
    slot_start = Timestamp()
    status = fields.String()  # open, drawn, void
    drawn_at = Timestamp(allow_none=True)
    seed = fields.String(allow_none=True)  # null until drawn
    applicants = fields.Integer()
    entries = fields.List(fields.Nested(BallotEntrySchema))
    mine = fields.Nested(ApplicationSchema, allow_none=True)  # a carer's own application


class SlotListSchema(Schema):
    """Slots published at once (a list, not a page: all of them)."""
    items = fields.List(fields.Nested(SlotSchema), required=True)


class LedgerEntrySchema(Schema):
    """A ledger entry of a budget's statement, with the balance after it."""
    id = fields.String()
    kind = fields.String()
    amount_pence = fields.Integer()
    booking_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = Timestamp()
    balance = fields.Nested(BalanceSchema)


class StatementSchema(Schema):
    """A budget and its ledger, oldest entry first: budgets answers it, the gateway passes
    it on."""
    budget = fields.Nested(BudgetSchema, required=True)
    entries = fields.List(fields.Nested(LedgerEntrySchema), required=True)


class ApprovalSchema(Schema):
    """An officer's decision on a spend, as recorded by budgets."""
    booking_id = fields.String(required=True)
    budget_id = fields.String()
    hold_id = fields.String()
    family_id = fields.String()
    council = fields.String(allow_none=True)
    amount_pence = fields.Integer()
    category = fields.String()
    break_start = Timestamp()
    break_end = Timestamp()
    status = fields.String()
    reasons = fields.List(fields.String())
    requested_at = Timestamp(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = Timestamp(allow_none=True)
    reason = fields.String(allow_none=True)


class HistoryItemSchema(Schema):
    """One thing done to a budget: a ledger entry (`action` is its kind, with the amount) or
    an audit record (created, suspended, reinstated, spend_approved, spend_declined)."""
    at = Timestamp()
    action = fields.String()
    by = fields.String()
    reason = fields.String(allow_none=True)
    amount_pence = fields.Integer(allow_none=True)
    booking_id = fields.String(allow_none=True)


class HistorySchema(Schema):
    """A budget and everything done to it, oldest first."""
    budget = fields.Nested(BudgetSchema)
    items = fields.List(fields.Nested(HistoryItemSchema))


class MonitoringSummarySchema(Schema):
    budget_id = fields.String()
    family_id = fields.String()
    council = fields.String()
    status = fields.String()
    as_of = Timestamp()
    period_start = Timestamp()
    period_end = Timestamp()
    allocated_pence = fields.Integer()
    held_pence = fields.Integer()
    spent_pence = fields.Integer()
    available_pence = fields.Integer()
    spent_by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    weekly_allocation_pence = fields.Integer()
    allocation_to_date_pence = fields.Integer()
    surplus_pence = fields.Integer()
    reclaim_weeks = fields.Integer()
    reclaim_threshold_pence = fields.Integer()
    surplus_over_threshold = fields.Boolean()


# ---- families' records: a profile, what was shared of it, who read it, feedback ----------

class PersonOutSchema(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)
    relationship = fields.String(allow_none=True)
    date_of_birth = fields.String(allow_none=True)
    needs = fields.List(fields.String())
    communication = fields.String(allow_none=True)
    routines = fields.String(allow_none=True)
    diet = fields.String(allow_none=True)
    medication_notes = fields.String(allow_none=True)
    mobility = fields.String(allow_none=True)
    likes_and_triggers = fields.String(allow_none=True)
    other = fields.String(allow_none=True)


class EmergencyContactOutSchema(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    relationship = fields.String(allow_none=True)


class ProfileSchema(Schema):
    """A family's whole profile; `needs` are its people's, together."""
    family_id = fields.String()
    people = fields.List(fields.Nested(PersonOutSchema))
    emergency_contact = fields.Nested(EmergencyContactOutSchema, allow_none=True)
    language = fields.String(allow_none=True)
    needs = fields.List(fields.String())
    updated_at = Timestamp(allow_none=True)


class SharedProfileSchema(Schema):
    """What the family shared with a booking's provider: the chosen people (each with name,
    relationship and the chosen sections) and, if chosen, the emergency contact."""
    booking_id = fields.String()
    people = fields.List(fields.Nested(PersonOutSchema))
    emergency_contact = fields.Nested(EmergencyContactOutSchema, allow_none=True)
    language = fields.String(allow_none=True)
    sections = fields.List(fields.String())
    updated_at = Timestamp(allow_none=True)
    given_at = Timestamp()
    withdrawn_at = Timestamp(allow_none=True)
    readable = fields.Boolean()  # whether the provider may read it now


class ProfileReadSchema(Schema):
    id = fields.String()
    reader_id = fields.String()
    reader_role = fields.String()
    via = fields.String()  # `booking` (its provider) or `council` (an officer)
    booking_id = fields.String(allow_none=True)
    at = Timestamp()


class FeedbackSchema(Schema):
    booking_id = fields.String()
    provider_id = fields.String()
    rating = fields.Integer()
    rested = fields.Integer()
    comment = fields.String(allow_none=True)
    would_book_again = fields.Boolean()
    given_at = Timestamp()


class FeedbackResponseSchema(Schema):
    """An officer's "you said, we did"."""
    id = fields.String()
    council = fields.String()
    provider_id = fields.String(allow_none=True)
    text = fields.String()
    at = Timestamp()


class FeedbackItemSchema(Schema):
    rating = fields.Integer()
    rested = fields.Integer()
    comment = fields.String(allow_none=True)
    would_book_again = fields.Boolean()
    at = Timestamp()


class ProviderFeedbackSchema(Schema):
    """A provider's feedback, no family named: averages to two decimal places."""
    provider_id = fields.String()
    count = fields.Integer()
    average_rating = fields.Float(allow_none=True)
    average_rested = fields.Float(allow_none=True)
    would_book_again_count = fields.Integer()
    items = fields.List(fields.Nested(FeedbackItemSchema))  # newest first
    responses = fields.List(fields.Nested(FeedbackResponseSchema))


class GiftedFeedbackSchema(Schema):
    """Carers' feedback on a provider's gifted breaks (its impact), no carer named: below 5
    of them, `count` is "fewer than 5" and the rest null or empty."""
    count = fields.Raw()  # a whole number, or "fewer than 5"
    average_rating = fields.Float(allow_none=True)
    average_rested = fields.Float(allow_none=True)
    would_book_again_count = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(FeedbackItemSchema))  # newest first


class ProviderRatingSchema(Schema):
    provider_id = fields.String()
    count = fields.Integer()
    average_rating = fields.Float()


class SentMessageSchema(Schema):
    """A message notifications sent (or is sending: `status` `pending`) to the caller:
    notifications answers it, the gateway passes it on."""
    id = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    to = fields.String(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    event_type = fields.String(required=True)
    booking_id = fields.String(allow_none=True)
    sent_at = Timestamp(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(("pending", "sent")))


# ---- staycation's records: a home, its matches and their reasons, a swap, its messages ----

class DayRangeSchema(Schema):
    """Days from `start_date` to `end_date` (exclusive: the nights up to the one before)."""
    start_date = Day()
    end_date = Day()


class HomeSchema(Schema):
    """A home as anyone who may see it sees it: never its address (`MyHomeSchema` is the
    family's own; an agreed partner sees the address on the swap, `SwapPartnerSchema`)."""
    id = fields.String()
    family_id = fields.String()
    status = fields.String(validate=validate.OneOf(("listed", "paused", "withdrawn")))
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
    availability = fields.List(fields.Nested(DayRangeSchema))


class MyHomeSchema(HomeSchema):
    """A home as its own family sees it: its address too."""
    address = fields.String()


class MissingFeatureSchema(Schema):
    feature = fields.String()
    for_ = fields.String(data_key="for", attribute="for",
                         validate=validate.OneOf(("you", "them")))


class MatchReasonsSchema(Schema):
    """Why a home matches: what it has of what my family needs (`fits_you`), what mine has of
    what theirs needs (`you_fit_them`), what is missing and for whom, and a score 0-100."""
    score = fields.Integer()
    two_way = fields.Boolean()
    fits_you = fields.List(fields.String())
    you_fit_them = fields.List(fields.String())
    missing = fields.List(fields.Nested(MissingFeatureSchema))


class HomeMatchSchema(Schema):
    home = fields.Nested(HomeSchema)
    match = fields.Nested(MatchReasonsSchema)


class HomeMatchesSchema(Schema):
    """The matches of a home, best first (a list, not a page)."""
    items = fields.List(fields.Nested(HomeMatchSchema))


class SwapPartnerSchema(Schema):
    """What the agreed partner sees of the other family and its home."""
    home_id = fields.String()
    address = fields.String()
    display_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)


class SwapSchema(Schema):
    """A swap; `partner` (address and contact) only once agreed, only to its families."""
    id = fields.String()
    status = fields.String(validate=validate.OneOf(
        ("proposed", "agreed", "declined", "cancelled", "completed")))
    proposer_family_id = fields.String()
    partner_family_id = fields.String()
    proposer_home_id = fields.String()
    partner_home_id = fields.String()
    proposer_stay = fields.Nested(DayRangeSchema)
    partner_stay = fields.Nested(DayRangeSchema)
    proposed_at = Timestamp()
    decided_at = Timestamp(allow_none=True)
    completed_at = Timestamp(allow_none=True)
    partner = fields.Nested(SwapPartnerSchema, allow_none=True)


class FamilySwapSchema(Schema):
    """A swap a family takes part in, as its officer (or a referrer who knows it) sees it:
    when the family stays away (`family_stay`) and when the other family stays in its home
    (`guest_stay`); nothing of the messages, the homes' addresses or the other family."""
    id = fields.String()
    status = fields.String(validate=validate.OneOf(
        ("proposed", "agreed", "declined", "cancelled", "completed")))
    family_stay = fields.Nested(DayRangeSchema)
    guest_stay = fields.Nested(DayRangeSchema)
    proposed_at = Timestamp()


class SwapVerificationSchema(Schema):
    """Whether a family is verified for swaps, by whom and when."""
    family_id = fields.String()
    verified = fields.Boolean()
    verified_by = fields.String(allow_none=True)
    verified_by_role = fields.String(allow_none=True)
    verified_at = Timestamp(allow_none=True)


class SwapNeedsSchema(Schema):
    family_id = fields.String()
    needs = fields.List(fields.String())
    must_haves = fields.List(fields.String())


class SwapMessageSchema(Schema):
    id = fields.String()
    swap_id = fields.String()
    family_id = fields.String()
    text = fields.String()
    at = Timestamp()


class SwapReviewSchema(Schema):
    swap_id = fields.String()
    family_id = fields.String()
    home_id = fields.String()
    home_rating = fields.Integer()
    guests_rating = fields.Integer()
    comment = fields.String(allow_none=True)
    at = Timestamp()


class SwapReviewsSchema(Schema):
    items = fields.List(fields.Nested(SwapReviewSchema))
