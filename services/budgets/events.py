"""Events the budgets service emits (on `budgets.events`) and consumes (from bookings), with
their payload schemas. docs/contracts.md is the contract; these schemas are its code.

Emitted payloads are loaded through their schema before they go into the outbox, so a payload
that drifts from the contract fails where it is written, not in a consumer. Consumed payloads
ignore fields they do not know (a producer may add fields within a schema version).
"""
from marshmallow import EXCLUDE, Schema, fields, validate

from seibiant_common.vocabularies import CATEGORIES

from . import domain

SCHEMA_VERSION = 1

# Emitted by budgets.
FUNDS_HELD = "funds_held"
APPROVAL_REQUIRED = "approval_required"
SPEND_APPROVED = "spend_approved"
SPEND_DECLINED = "spend_declined"
HOLD_REFUSED = "hold_refused"
FUNDS_CAPTURED = "funds_captured"
FUNDS_RELEASED = "funds_released"

# Consumed from bookings.
BOOKINGS = "bookings"
BOOKING_REQUESTED = "booking_requested"
BOOKING_REJECTED = "booking_rejected"
BOOKING_CANCELLED = "booking_cancelled"
BOOKING_EXPIRED = "booking_expired"
BOOKING_COMPLETED = "booking_completed"

MAX_PENCE = 10 ** 12


def _id():
    return fields.String(required=True, validate=validate.Length(min=1, max=64))


def _pence():
    return fields.Integer(required=True, strict=True,
                          validate=validate.Range(min=0, max=MAX_PENCE))


class FundsHeld(Schema):
    booking_id = _id()
    budget_id = _id()
    hold_id = _id()
    amount_pence = _pence()
    approval = fields.String(required=True, validate=validate.OneOf(["auto", "required"]))


class ApprovalRequired(Schema):
    booking_id = _id()
    budget_id = _id()
    council = fields.String(required=True)
    amount_pence = _pence()
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))


class SpendDecided(Schema):
    booking_id = _id()
    budget_id = _id()
    decided_by = _id()
    reason = fields.String(required=True, allow_none=True)


class HoldRefused(Schema):
    booking_id = _id()
    budget_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(domain.REFUSAL_REASONS))


class FundsCaptured(Schema):
    booking_id = _id()
    budget_id = _id()
    amount_pence = _pence()
    released_pence = _pence()


class FundsReleased(Schema):
    booking_id = _id()
    budget_id = _id()
    amount_pence = _pence()


EMITTED = {
    FUNDS_HELD: FundsHeld(),
    APPROVAL_REQUIRED: ApprovalRequired(),
    SPEND_APPROVED: SpendDecided(),
    SPEND_DECLINED: SpendDecided(),
    HOLD_REFUSED: HoldRefused(),
    FUNDS_CAPTURED: FundsCaptured(),
    FUNDS_RELEASED: FundsReleased(),
}


class Consumed(Schema):
    class Meta:
        unknown = EXCLUDE


class HoldRequested(Consumed):
    """A hold, as `hold_funds` takes it."""
    booking_id = _id()
    budget_id = _id()
    family_id = _id()
    amount_pence = _pence()
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    break_start = fields.AwareDateTime(required=True)
    break_end = fields.AwareDateTime(required=True)


class BookingRequested(HoldRequested):
    """What budgets reads of `booking_requested`: the hold to make (none without a budget)."""
    budget_id = fields.String(required=True, allow_none=True,
                              validate=validate.Length(min=1, max=64))


class BookingEnded(Consumed):
    """booking_rejected, booking_cancelled, booking_expired: the hold, if any, is released."""
    booking_id = _id()
    reason = fields.String(load_default=None)
    by = fields.String(load_default=None)


class BookingCompleted(Consumed):
    booking_id = _id()
    final_amount_pence = fields.Integer(strict=True, load_default=None, allow_none=True,
                                        validate=validate.Range(min=0, max=MAX_PENCE))
