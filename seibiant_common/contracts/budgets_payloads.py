"""The payloads of budgets' events (names: `budgets.py`)."""
from marshmallow import fields, validate

from seibiant_common.vocabularies import CATEGORIES

from . import budgets as names
from .payload_schema import Payload, ident, optional, pence, text


class FundsHeld(Payload):
    booking_id = ident()
    budget_id = ident()
    hold_id = ident()
    amount_pence = pence()
    approval = text(validate=validate.OneOf(names.APPROVALS))


class ApprovalRequired(Payload):
    booking_id = ident()
    budget_id = ident()
    council = text()
    amount_pence = pence()
    category = text(validate=validate.OneOf(CATEGORIES))
    # why it waits (names.APPROVAL_REASONS), and whose budget it is: for notifications
    family_id = optional(ident())
    reasons = optional(fields.List(fields.String()))


class SpendDecided(Payload):
    """spend_approved, spend_declined."""
    booking_id = ident()
    budget_id = ident()
    decided_by = ident()
    reason = text(allow_none=True)


class HoldRefused(Payload):
    booking_id = ident()
    budget_id = fields.String(required=True)  # as the booking named it, maybe no budget's
    reason = text(validate=validate.OneOf(names.HOLD_REFUSAL_REASONS))


class FundsCaptured(Payload):
    booking_id = ident()
    budget_id = ident()
    amount_pence = pence()
    released_pence = pence()


class FundsReleased(Payload):
    booking_id = ident()
    budget_id = ident()
    amount_pence = pence()


PAYLOADS = {
    names.FUNDS_HELD: FundsHeld,
    names.APPROVAL_REQUIRED: ApprovalRequired,
    names.SPEND_APPROVED: SpendDecided,
    names.SPEND_DECLINED: SpendDecided,
    names.HOLD_REFUSED: HoldRefused,
    names.FUNDS_CAPTURED: FundsCaptured,
    names.FUNDS_RELEASED: FundsReleased,
}
