"""What the public API accepts and answers, as marshmallow schemas (the OpenAPI description is
generated from them).

Input schemas check shape only (types, vocabularies, lengths, ranges): the rules of budgets,
providers and bookings stay in those services. Unknown fields are refused, money must be a
whole number of pence, times must carry an offset, and every string has a length cap.
Output schemas name exactly what the API answers; fields a service adds are not passed on.
"""
import datetime
import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from seibiant_common import cursors, times
from seibiant_common.contracts.budgets import APPROVAL_REASONS
from seibiant_common.contracts.gateway import CHANNELS
from seibiant_common.schemas import day_in_span
from seibiant_common.vocabularies import (
    ACCESSIBILITY_FEATURES, BOOKING_STATUSES, CARE_NEEDS, CATEGORIES, PATTERN_TIME_ZONES,
    PROVIDER_KINDS,
)

ROLES = ("admin", "officer", "family", "provider")
LANGUAGES = ("en", "cy")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PROVIDER_STATUSES = ("pending", "approved", "suspended")
MAX_PENCE = 10 ** 11  # a billion pounds: far above any budget, far below a 64-bit overflow
MAX_LIST = 50
MAX_WAIT_SECONDS = 30  # the longest `GET /bookings/{id}?wait=N`
SLUG = r"^[a-z][a-z0-9-]{1,62}$"  # councils and regions: `powys`, `flintshire`
ID = r"^[A-Za-z0-9_-]{1,64}$"
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$"
PHONE = r"^\+?[0-9][0-9 ()-]{4,30}$"  # a UK or international number as people write it
# A mobile a text message can reach: a UK 07 number or an international one, as people write
# it (spaces, hyphens and brackets allowed; GOV.UK Notify reads the same forms).
MOBILE = r"^(?:\+|00)?[0-9](?:[ ()-]?[0-9]){9,14}$"
# C0 controls other than tab, newline and carriage return (NUL breaks PostgreSQL text).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---- fields ---------------------------------------------------------------------------------

class Text(fields.String):
    """A string of printable text with a maximum length (every string of the API is one)."""

    def __init__(self, max_length=200, min_length=0, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")  # a lone surrogate from "\ud800" in JSON
        except UnicodeEncodeError:
            raise ValidationError("Not valid Unicode text.")
        if CONTROL.search(text):
            raise ValidationError("Control characters are not allowed.")
        return text


def Slug(**kwargs):
    return Text(max_length=64, min_length=1, validate=[validate.Regexp(
        SLUG, error="Use lower-case letters, digits and hyphens, starting with a letter.")],
        **kwargs)


def Id(**kwargs):
    return Text(max_length=64, min_length=1, validate=[validate.Regexp(
        ID, error="Not a valid id.")], **kwargs)


class WholeNumber(fields.Integer):
    """An integer in JSON; never a float (1.0 or 1.5), a string or a boolean."""

    default_error_messages = {"invalid": "Must be a whole number.",
                              "too_large": "Number too large."}

    def __init__(self, minimum=0, maximum=MAX_PENCE, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=minimum, max=maximum),
                         **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def Pence(**kwargs):
    field = WholeNumber(**kwargs)
    field.error_messages["invalid"] = "Must be a whole number of pence, not a float or a string."
    return field


class QueryNumber(fields.Integer):
    """An integer from a query string (text of digits)."""

    def __init__(self, minimum=0, maximum=MAX_PENCE, **kwargs):
        super().__init__(validate=validate.Range(min=minimum, max=maximum), **kwargs)

    def _validated(self, value):
        if not (isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,15}", value)):
            raise self.make_error("invalid")
        return super()._validated(value)


class Moment(fields.AwareDateTime):
    """An ISO 8601 time with an offset, loaded as the ISO string of the same time in UTC
    (what the services take over RPC)."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return times.in_range(moment).isoformat()
        except ValueError as error:
            raise ValidationError(str(error)) from None


class Timestamp(fields.String):
    """A time as answered by a service (an ISO 8601 string with offset)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.timezone.utc).isoformat()
        return super()._serialize(value, attr, obj, **kwargs)


def Choices(choices, max_items=MAX_LIST, **kwargs):
    return fields.List(fields.String(validate=validate.OneOf(choices)),
                       validate=validate.Length(max=max_items), **kwargs)


def Username():
    return Text(max_length=64, min_length=3, required=True, validate=[validate.Regexp(
        USERNAME, error="3 to 64 letters, digits or . _ @ -, starting with a letter or digit.")])


def Password():
    return Text(max_length=256, min_length=8, required=True)


class Strict(Schema):
    """Unknown fields are refused (marshmallow's default, said out loud)."""

    class Meta:
        unknown = "raise"


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


class CreateBudgetSchema(Strict):
    family_id = Id(required=True)
    allocated_pence = Pence(required=True)
    period_start = Moment(required=True)
    period_end = Moment(required=True)
    allowed_categories = Choices(CATEGORIES, required=True)
    auto_approve_limit_pence = Pence(required=True)


class RegisterProviderSchema(NewAccount):
    display_name = Text(max_length=120, min_length=1)  # defaults to the provider's name
    name = Text(max_length=120, min_length=1, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    regions = fields.List(Slug(), required=True, validate=validate.Length(min=1, max=MAX_LIST))
    accessibility = Choices(ACCESSIBILITY_FEATURES, load_default=list)
    supports_needs = Choices(CARE_NEEDS, load_default=list)
    description = Text(max_length=4000, load_default="")
    # how families who booked reach the provider (shown on their bookings)
    contact_email = Text(max_length=254, validate=[validate.Email()], load_default=None)
    contact_phone = Text(max_length=32, validate=[validate.Regexp(
        PHONE, error="Not a phone number.")], load_default=None)


class CreateOfferSchema(Strict):
    title = Text(max_length=200, min_length=1, required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    price_pence = Pence(required=True)
    region = Slug(required=True)
    accessibility = Choices(ACCESSIBILITY_FEATURES, load_default=list)
    supports_needs = Choices(CARE_NEEDS, load_default=list)
    description = Text(max_length=4000, load_default="")
    title_cy = Text(max_length=200)
    description_cy = Text(max_length=4000)


class NewSlotSchema(Strict):
    start = Moment(required=True)
    end = Moment(required=True)
    capacity = WholeNumber(maximum=10000, required=True)


class SlotPatternSchema(Strict):
    """A recurring pattern: "every Saturday 10:00-16:00 for 12 weeks from a date", times of
    day on the clocks of `time_zone` (UTC unless given; Europe/London keeps 10:00 at 10:00
    when the clocks change)."""
    start_date = fields.Date(required=True, validate=day_in_span)
    weekdays = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                           validate=validate.Length(min=1, max=7))
    start_time = Text(max_length=8, min_length=5, required=True, validate=[validate.Regexp(
        r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", error="HH:MM, in time_zone.")])
    end_time = Text(max_length=8, min_length=5, required=True, validate=[validate.Regexp(
        r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", error="HH:MM, in time_zone.")])
    time_zone = fields.String(load_default="UTC", validate=validate.OneOf(PATTERN_TIME_ZONES))
    nights = WholeNumber(maximum=30, load_default=0)
    weeks = WholeNumber(minimum=1, maximum=104, required=True)
    capacity = WholeNumber(maximum=10000, required=True)

    @post_load
    def wire_date(self, data, **kwargs):
        data["start_date"] = data["start_date"].isoformat()
        return data


class PublishSlotsSchema(Strict):
    """Either `slots` or one recurring `pattern`."""
    slots = fields.List(fields.Nested(NewSlotSchema), validate=validate.Length(min=1, max=500))
    pattern = fields.Nested(SlotPatternSchema)

    @validates_schema
    def one_of_them(self, data, **kwargs):
        if ("slots" in data) == ("pattern" in data):
            raise ValidationError("Give either slots or pattern.", "slots")


class CreateBookingSchema(Strict):
    slot_id = Id(required=True)
    places = WholeNumber(minimum=1, maximum=1000, required=True)
    budget_id = Id(allow_none=True)


class CancelBookingSchema(Strict):
    pass


class CompleteBookingSchema(Strict):
    final_amount_pence = Pence(allow_none=True)


class ApproveSpendSchema(Strict):
    reason = Text(max_length=500, min_length=1, allow_none=True, load_default=None)


class DeclineSpendSchema(Strict):
    reason = Text(max_length=500, min_length=1, required=True)


class ApproveProviderSchema(Strict):
    pass


# ---- input: queries -------------------------------------------------------------------------

class PageQuery(Strict):
    limit = QueryNumber(minimum=1, maximum=200, load_default=50)
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


class StatementQuery(Strict):
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
    created_at = Timestamp()


class MeSchema(UserSchema):
    """The caller's own record: with their contact details, which only they see here."""
    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    notify_by = fields.List(fields.String(validate=validate.OneOf(CHANNELS)))


class BudgetSchema(Schema):
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


class BalanceSchema(Schema):
    allocated_pence = fields.Integer()
    held_pence = fields.Integer()
    spent_pence = fields.Integer()
    available_pence = fields.Integer()


class LedgerEntrySchema(Schema):
    id = fields.String()
    kind = fields.String()
    amount_pence = fields.Integer()
    booking_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = Timestamp()
    balance = fields.Nested(BalanceSchema)


class StatementSchema(Schema):
    budget = fields.Nested(BudgetSchema, required=True)
    entries = fields.List(fields.Nested(LedgerEntrySchema), required=True)


class ProviderSchema(Schema):
    """A provider's public profile."""
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


class SlotSchema(Schema):
    id = fields.String(required=True)
    offer_id = fields.String()
    start = Timestamp()
    end = Timestamp()
    capacity = fields.Integer()
    remaining = fields.Integer()
    status = fields.String()


class OfferSchema(Schema):
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
    slots = fields.List(fields.Nested(SlotSchema))
    more_slots = fields.Boolean()  # the offer has more slots than this answer carries
    slots_to_book = fields.Integer()  # in a provider's list: how many times it has to book


class BookingSchema(Schema):
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
    family_name = fields.String(allow_none=True)  # the family's display name


class AwaitingApprovalSchema(BookingSchema):
    """A booking waiting for an officer, with why it needs one (as budgets recorded it when
    the money was held) and whose it is."""
    approval_reasons = fields.List(fields.String(validate=validate.OneOf(APPROVAL_REASONS)))
    family_display_name = fields.String(allow_none=True)


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


class HealthSchema(Schema):
    status = fields.String(required=True)
    services = fields.List(fields.String())


class SentMessageSchema(Schema):
    """A message notifications sent (or is sending: `status` `pending`) to the caller."""
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


def page_of(item_schema):
    """`{"items": [...], "next_cursor": ...}` of one kind of item."""
    return type(item_schema.__name__.replace("Schema", "PageSchema"), (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True),
    })


UserPageSchema = page_of(UserSchema)
SentMessagePageSchema = page_of(SentMessageSchema)
BudgetPageSchema = page_of(BudgetSchema)
ProviderPageSchema = page_of(ProviderSchema)
OfferPageSchema = page_of(OfferSchema)
BookingPageSchema = page_of(BookingSchema)
AwaitingApprovalPageSchema = page_of(AwaitingApprovalSchema)


class SlotListSchema(Schema):
    items = fields.List(fields.Nested(SlotSchema), required=True)
