"""The payloads of budgets' events (names: `budgets.py`), and the bodies budgets' RPCs
take, which the gateway checks requests with."""
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from seibiant_common.fields import (MAX_PENCE, Choices, Id, Moment, Pence, Reason, Strict,
                                    WholeNumber)
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


# ---- what budgets' RPCs take: the gateway checks a request with the same schemas ----------

class CreateBudgetSchema(Strict):
    family_id = Id(required=True)
    allocated_pence = Pence(required=True)
    period_start = Moment(required=True)
    period_end = Moment(required=True)
    allowed_categories = Choices(CATEGORIES, required=True)
    auto_approve_limit_pence = Pence(required=True)

    @validates_schema
    def period_ends_after_it_starts(self, data: dict[str, Any], **kwargs: Any) -> None:
        # both are ISO text in UTC, so they compare as times do
        if data.get("period_start") and data.get("period_end") and \
                data["period_end"] <= data["period_start"]:
            raise ValidationError("Must be after period_start.", "period_end")


class TopUpSchema(Strict):
    amount_pence = Pence(minimum=1, required=True)
    reason = Reason(required=True)


class AdjustSchema(Strict):
    """Signed: a negative amount takes money back (never below what is held and spent)."""
    amount_pence = WholeNumber(minimum=-MAX_PENCE, required=True)
    reason = Reason(required=True)

    @validates_schema
    def moves_money(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("amount_pence") == 0:
            raise ValidationError("An adjustment moves at least one penny.", "amount_pence")


class SuspendSchema(Strict):
    reason = Reason(required=True)


class ReinstateSchema(Strict):
    reason = Reason(allow_none=True, load_default=None)


class ApproveSpendSchema(Strict):
    reason = Reason(allow_none=True, load_default=None)


class DeclineSpendSchema(Strict):
    reason = Reason(required=True)
