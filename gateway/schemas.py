"""What the public API accepts and answers, as marshmallow schemas (the OpenAPI description is
generated from them).

Input schemas check shape only (types, vocabularies, lengths, ranges): the rules of budgets,
providers and bookings stay in those services. Unknown fields are refused, money must be a
whole number of pence, times must carry an offset, and every string has a length cap.
Output schemas name exactly what the API answers; fields a service adds are not passed on.
"""
import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from seibiant_common import cursors
from seibiant_common.contracts.budgets import APPROVAL_REASONS
from seibiant_common.contracts.budgets_payloads import (  # noqa: F401 (the API takes them)
    AdjustSchema, ApproveSpendSchema, CreateBudgetSchema, DeclineSpendSchema, ReinstateSchema,
    SuspendSchema, TopUpSchema,
)
from seibiant_common.contracts.gateway import CHANNELS
from seibiant_common.contracts.families_payloads import (  # noqa: F401 (the API takes them)
    EmergencyContactSchema, FeedbackBodySchema, FeedbackResponseBodySchema, PersonSchema,
    ProfileBodySchema,
)
from seibiant_common.contracts.providers_payloads import (  # noqa: F401 (the API takes them)
    CreateOfferSchema, NewSlotSchema, ProviderDetailsSchema, PublishSlotsSchema,
    SlotPatternSchema, SuspendProviderSchema,
)
from seibiant_common.contracts.staycation_payloads import (  # noqa: F401 (the API takes them)
    AvailabilityBodySchema, HomeBodySchema, HomePatchSchema, MatchesQuery, StayRangeSchema,
    SwapBodySchema, SwapMessageBodySchema, SwapNeedsBodySchema, SwapReviewBodySchema,
)
from seibiant_common.contracts.bookings_payloads import (  # noqa: F401 (the API takes them)
    AcceptOfferSchema, ApplySchema, CompleteBookingSchema, CreateBookingSchema,
    CarerQuery, GiftedAllowanceSchema, JoinWaitingListSchema,
)
from seibiant_common import schemas as records
from seibiant_common.fields import (  # noqa: F401 (the fields of every schema below)
    ID, LANGUAGES, MAX_LIST, MAX_PENCE, PHONE, ClockTime, Choices, Day, Id, Moment, Pence,
    Reason, Slug, Strict, Text, WholeNumber,
)
from seibiant_common.schemas import (  # noqa: F401 (the API answers them as they are)
    DEFAULT_PAGE, MAX_PAGE, ApplicationSchema, ApprovalSchema, BalanceSchema, BudgetSchema,
    FamilySwapSchema, FeedbackResponseSchema, FeedbackSchema, HomeMatchesSchema, HomeSchema,
    MyHomeSchema, ProfileSchema, ProviderFeedbackSchema, ProviderRatingSchema, ProviderSchema,
    SentMessageSchema, SharedProfileSchema, SlotListSchema, SlotSchema, StatementSchema,
    SwapMessageSchema, SwapNeedsSchema, SwapReviewSchema, SwapReviewsSchema, SwapSchema,
    SwapVerificationSchema, Timestamp, WaitingEntrySchema, page_schema_of,
)
from seibiant_common.vocabularies import (
    ACCESSIBILITY_FEATURES, BOOKING_STATUSES, CARE_NEEDS, CATEGORIES,
)

ROLES = ("admin", "officer", "family", "provider", "referrer")
PROVIDER_STATUSES = ("pending", "approved", "suspended")
MAX_WAIT_SECONDS = 30  # the longest `GET /bookings/{id}?wait=N` or `Prefer: wait=N`
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$"
# A mobile a text message can reach: a UK 07 number or an international one, as people write
# it (spaces, hyphens and brackets allowed; GOV.UK Notify reads the same forms).
MOBILE = r"^(?:\+|00)?[0-9](?:[ ()-]?[0-9]){9,14}$"


# ---- fields ---------------------------------------------------------------------------------

class QueryNumber(fields.Integer):
    """An integer from a query string (text of digits)."""

    def __init__(self, minimum=0, maximum=MAX_PENCE, **kwargs):
        super().__init__(validate=validate.Range(min=minimum, max=maximum), **kwargs)

    def _validated(self, value):
        if not (isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,15}", value)):
            raise self.make_error("invalid")
        return super()._validated(value)


def Username():
    return Text(max_length=64, min_length=3, required=True, validate=[validate.Regexp(
        USERNAME, error="3 to 64 letters, digits or . _ @ -, starting with a letter or digit.")])


def Password():
    return Text(max_length=256, min_length=8, required=True)


# ---- input: bodies --------------------------------------------------------------------------

class LoginSchema(Strict):
    # No pattern here: a refusal must not say what usernames look like or exist.
    username = Text(max_length=64, min_length=1, required=True)
    password = Text(max_length=256, min_length=1, required=True)


def Email(**kwargs):
    return Text(max_length=254, validate=[validate.Email(
        error="Enter an email address in the right form, like name@example.com.")], **kwargs)


def Mobile(**kwargs):
    return Text(max_length=32, validate=[validate.Regexp(
        MOBILE, error="Enter a mobile number, like 07700 900 982 or +44 7700 900 982.")],
        **kwargs)


class NewAccount(Strict):
    username = Username()
    password = Password()
    display_name = Text(max_length=120, min_length=1, required=True)
    # where the person is told what happens (they choose how on PATCH /me)
    email = Email(load_default=None)
    mobile = Mobile(load_default=None)

    @post_load
    def lower_case_username(self, data, **kwargs):
        data["username"] = data["username"].lower()
        return data


class CreateOfficerSchema(NewAccount):
    council = Slug(required=True)


class CreateFamilySchema(NewAccount):
    needs = Choices(CARE_NEEDS, load_default=list)
    language = fields.String(validate=validate.OneOf(LANGUAGES), load_default="en")


class CreateReferrerSchema(NewAccount):
    council = Slug(required=True)
    organisation = Text(max_length=120, min_length=1, required=True)  # the carers' centre


class CreateCarerSchema(CreateFamilySchema):
    # what the carer agreed to, in the words the referrer recorded it
    consent_statement = Text(max_length=2000, min_length=1, required=True)


class SelfReferralSchema(CreateCarerSchema):
    council = Slug(required=True)


class UpdateMeSchema(Strict):
    """Any of these; `email` or `mobile` null forgets it. `notify_by` lists the channels the
    person wants (empty: no messages), each needing its address."""
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    email = Email(allow_none=True)
    mobile = Mobile(allow_none=True)
    notify_by = fields.List(fields.String(validate=validate.OneOf(CHANNELS)),
                            validate=validate.Length(max=len(CHANNELS)))

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one of language, email, mobile, notify_by.",
                                  "_schema")
        if len(set(data.get("notify_by", ()))) != len(data.get("notify_by", ())):
            raise ValidationError("Name each channel once.", "notify_by")


class RegisterProviderSchema(NewAccount, ProviderDetailsSchema):
    display_name = Text(max_length=120, min_length=1)  # defaults to the provider's name


class CancelBookingSchema(Strict):
    pass


class ApproveProviderSchema(Strict):
    pass


# ---- input: queries -------------------------------------------------------------------------

class PageQuery(Strict):
    limit = QueryNumber(minimum=1, maximum=MAX_PAGE, load_default=DEFAULT_PAGE)
    cursor = Text(max_length=cursors.MAX_LENGTH, min_length=1, load_default=None)


class BudgetsQuery(PageQuery):
    family_id = Id(load_default=None)


class BookingsQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(BOOKING_STATUSES), load_default=None)


class BookingWaitQuery(Strict):
    """`wait` seconds for the booking's status to differ from `status` (both or neither)."""
    wait = QueryNumber(minimum=1, maximum=MAX_WAIT_SECONDS)
    status = fields.String(validate=validate.OneOf(BOOKING_STATUSES))

    @validates_schema
    def both_or_neither(self, data, **kwargs):
        if "wait" in data and "status" not in data:
            raise ValidationError("Give the status to wait for a change from.", "status")
        if "status" in data and "wait" not in data:
            raise ValidationError("Give how many seconds to wait, 1 to 30.", "wait")


class ProvidersQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(PROVIDER_STATUSES), load_default=None)


class OffersQuery(PageQuery):
    region = Slug()
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    from_ = Moment(data_key="from")
    to = Moment()
    accessibility = Choices(ACCESSIBILITY_FEATURES)
    needs = Choices(CARE_NEEDS)
    max_price_pence = QueryNumber()
    q = Text(max_length=200, min_length=1)


class RatingsQuery(Strict):
    provider_id = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200))


class ResponsesQuery(PageQuery):
    provider_id = Id()


class ApprovalsQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(("pending", "decided")),
                           load_default="pending")


class MonitoringQuery(PageQuery):
    as_of = Moment(load_default=None)
    format = fields.String(validate=validate.OneOf(("json", "csv")), load_default=None)


class StatementQuery(Strict):
    format = fields.String(validate=validate.OneOf(("json", "csv")), load_default=None)


INSIGHT_TABLES = ("unmet_demand", "supply_and_demand", "spend_by_kind", "spend_by_area",
                  "gifted", "rejections", "cancellations", "approvals", "provider")


class InsightQuery(Strict):
    """The days of the figures, both included; `table` picks the CSV's table."""
    from_ = Day(data_key="from", load_default=None)
    to = Day(load_default=None)
    table = fields.String(validate=validate.OneOf(INSIGHT_TABLES), load_default=None)
    format = fields.String(validate=validate.OneOf(("json", "csv")), load_default=None)


# ---- output ---------------------------------------------------------------------------------

class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
    down = fields.List(fields.String())


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    user_id = fields.String(required=True)


class UserSchema(Schema):
    id = fields.String(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    council = fields.String(allow_none=True)
    display_name = fields.String(required=True)
    needs = fields.List(fields.String())
    provider_id = fields.String(allow_none=True)
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    organisation = fields.String(allow_none=True)  # a referrer's carers' centre
    created_at = Timestamp()


class CarerSchema(UserSchema):
    """A carer (a family account) with their referral."""
    referred_by = fields.String(allow_none=True)  # null: they asked to join themselves
    referred_at = Timestamp()
    consent_statement = fields.String()
    verified_by = fields.String(allow_none=True)
    verified_at = Timestamp(allow_none=True)


class MeSchema(UserSchema):
    """The caller's own record: with their contact details, which only they see here."""
    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    notify_by = fields.List(fields.String(validate=validate.OneOf(CHANNELS)))




class SelfReferralAnswerSchema(Schema):
    """The same whether or not the username was free (no one learns which exist)."""
    status = fields.String(required=True)
    council = fields.String(required=True)


class GiftedAllowanceAnswerSchema(Schema):
    council = fields.String(required=True)
    breaks_per_12_months = fields.Integer(required=True)
    # for one carer: gifted breaks requested in the last 12 months and not given back
    used = fields.Integer()
    left = fields.Integer()


class OfferSchema(records.OfferSchema):
    """An offer as providers answers it in any of its answers (each carries some of these)."""
    slots = fields.List(fields.Nested(SlotSchema))
    more_slots = fields.Boolean()  # the offer has more slots than this answer carries
    slots_to_book = fields.Integer()  # in a provider's list: how many times it has to book


class BookingSchema(records.BookingSchema):
    family_name = fields.String(allow_none=True)  # the family's display name


class BallotEntrySchema(records.BallotEntrySchema):
    display_name = fields.String(allow_none=True)  # when the reader may know who it is


class BallotSchema(records.BallotSchema):
    entries = fields.List(fields.Nested(BallotEntrySchema))


class AwaitingApprovalSchema(BookingSchema):
    """A booking waiting for an officer, with why it needs one (as budgets recorded it when
    the money was held) and whose it is."""
    approval_reasons = fields.List(fields.String(validate=validate.OneOf(APPROVAL_REASONS)))
    family_display_name = fields.String(allow_none=True)


def Figure():  # noqa: N802 (a field, like the others)
    """A whole number, or "fewer than 5" when its grouping is 1 to 4 families."""
    return fields.Raw(metadata={"description": 'a whole number, or "fewer than 5" when the '
                                               'grouping is 1 to 4 families'})


def figures(name, **columns):
    """A row of an insight table."""
    return type(name, (Schema,), columns)


def _text(**kwargs):
    return fields.String(allow_none=True, **kwargs)


UnmetDemandRow = figures(
    "UnmetDemandRow", month=fields.String(), area=_text(), kind=_text(),
    needs=fields.List(fields.String()), accessibility=fields.List(fields.String()),
    searches=Figure())
SupplyRow = figures(
    "SupplyRow", month=fields.String(), area=_text(), kind=fields.String(),
    places_published=fields.Integer(), places_booked=Figure(),
    full_percent=fields.Integer(allow_none=True))
SpendByKindRow = figures("SpendByKindRow", kind=fields.String(), spent_pence=Figure(),
                         families=Figure())
SpendByAreaRow = figures("SpendByAreaRow", area=fields.String(), spent_pence=Figure(),
                         families=Figure())
GiftedRow = figures("GiftedRow", month=fields.String(), area=_text(),
                    places_given=fields.Integer(), places_taken=Figure())
RejectionRow = figures("RejectionRow", reason=fields.String(), bookings=Figure())
CancellationRow = figures("CancellationRow", kind=fields.String(), bookings=Figure())
ApprovalTimes = figures(
    "ApprovalTimes", decided=Figure(), approved=Figure(), declined=Figure(),
    median_hours=fields.Float(allow_none=True), p90_hours=fields.Float(allow_none=True))
ProviderRow = figures("ProviderRow", month=fields.String(), kind=fields.String(),
                      places_offered=fields.Integer(), places_booked=Figure(),
                      places_cancelled=Figure())


class InsightSchema(Schema):
    """An officer's (or admin's) tables, or a provider's own `provider` table."""
    from_ = fields.String(data_key="from", attribute="from", required=True)
    to = fields.String(required=True)
    council = fields.String(allow_none=True)
    provider_id = fields.String(allow_none=True)
    unmet_demand = fields.List(fields.Nested(UnmetDemandRow))
    supply_and_demand = fields.List(fields.Nested(SupplyRow))
    spend_by_kind = fields.List(fields.Nested(SpendByKindRow))
    spend_by_area = fields.List(fields.Nested(SpendByAreaRow))
    gifted = fields.List(fields.Nested(GiftedRow))
    rejections = fields.List(fields.Nested(RejectionRow))
    cancellations = fields.List(fields.Nested(CancellationRow))
    approvals = fields.Nested(ApprovalTimes)
    provider = fields.List(fields.Nested(ProviderRow))


ImpactFigures = dict(places_offered=fields.Integer(), places_given=Figure(),
                     nights_given=Figure(), carers_reached=Figure())
ImpactOfferRow = figures("ImpactOfferRow", offer_id=fields.String(),
                         title=fields.String(allow_none=True), **ImpactFigures)
ImpactYear = figures("ImpactYear", year=fields.Integer(),
                     offers=fields.List(fields.Nested(ImpactOfferRow)), **ImpactFigures)
ImpactTotal = figures("ImpactTotal", **ImpactFigures)


class ImpactSchema(Schema):
    """What a donor gave: its gifted places by year (newest first) and offer, and the
    feedback carers left on them; no carer named, groupings of 1 to 4 carers "fewer than
    5"."""
    provider_id = fields.String(required=True)
    provider_name = fields.String(allow_none=True)
    years = fields.List(fields.Nested(ImpactYear))
    total = fields.Nested(ImpactTotal)
    feedback = fields.Nested(records.GiftedFeedbackSchema)


class ProfileReadSchema(records.ProfileReadSchema):
    reader_name = fields.String(allow_none=True)  # the gateway joins it in


class ProviderRatingListSchema(Schema):
    items = fields.List(fields.Nested(ProviderRatingSchema), required=True)


class ApprovalsItemSchema(AwaitingApprovalSchema):
    """An item of `GET /approvals`: a booking awaiting a decision (`status` is the booking's,
    `awaiting_approval`), or with `status=decided` a decision taken (`id` is the booking's,
    `status` `approved` or `declined`; who decided, when and why)."""
    status = fields.String(required=True)
    amount_pence = fields.Integer()
    break_start = Timestamp()
    break_end = Timestamp()
    requested_at = Timestamp(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_by_name = fields.String(allow_none=True)
    decided_at = Timestamp(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class HistoryItemSchema(records.HistoryItemSchema):
    by_name = fields.String(allow_none=True)  # the display name of `by`


class HistorySchema(records.HistorySchema):
    items = fields.List(fields.Nested(HistoryItemSchema))


class HealthSchema(Schema):
    status = fields.String(required=True)
    services = fields.List(fields.String())


UserPageSchema = page_schema_of(UserSchema)
CarerPageSchema = page_schema_of(CarerSchema)
BudgetPageSchema = page_schema_of(BudgetSchema)
ProviderPageSchema = page_schema_of(ProviderSchema)
OfferPageSchema = page_schema_of(OfferSchema)
BookingPageSchema = page_schema_of(BookingSchema)
AwaitingApprovalPageSchema = page_schema_of(AwaitingApprovalSchema)
ProfileReadPageSchema = page_schema_of(ProfileReadSchema)
FeedbackResponsePageSchema = page_schema_of(FeedbackResponseSchema)
ApprovalsPageSchema = page_schema_of(ApprovalsItemSchema)
MonitoringPageSchema = page_schema_of(records.MonitoringSummarySchema)
SentMessagePageSchema = page_schema_of(SentMessageSchema)


# ---- staycation (docs/staycation.md) ------------------------------------------------------

class SafeguardingQuery(PageQuery):
    reason = Text(max_length=2000, min_length=1, required=True)


class EmptyBodySchema(Strict):
    pass


HomePageSchema = page_schema_of(MyHomeSchema)
SwapPageSchema = page_schema_of(SwapSchema)
FamilySwapPageSchema = page_schema_of(FamilySwapSchema)
SwapMessagePageSchema = page_schema_of(SwapMessageSchema)
