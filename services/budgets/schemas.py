"""marshmallow schemas of the budgets service: input schemas (named for the request they
check) reject bad input with `InvalidInput` naming the field; output schemas (named for what
they carry) turn domain objects into the dicts of docs/contracts.md."""
from marshmallow import Schema, fields, validate

from seibiant_common.schemas import ActorSchema, parse  # noqa: F401 (used as schemas.*)
from seibiant_common import schemas as records
from seibiant_common.schemas import BalanceSchema, PageSchema, in_span, page_schema_of

from seibiant_common.contracts import budgets_payloads as bodies
from seibiant_common.contracts.bookings_payloads import BookingRequested
from seibiant_common.fields import ReadsBack
from seibiant_common.contracts.payload_schema import MAX_PENCE, ident

from . import domain

def _id(**kwargs):
    return fields.String(validate=validate.Length(min=1, max=64), **kwargs)


def _pence(minimum=0, **kwargs):
    # strict: 12.5 or "12" is not money; booleans are refused by marshmallow itself
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=MAX_PENCE),
                          **kwargs)


def _idempotency_key():
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=128))


# Input ---------------------------------------------------------------------------------

# What budgets reads of `booking_requested`: the hold, as `hold_funds` takes it.
HOLD = ("booking_id", "budget_id", "family_id", "amount_pence", "category", "break_start",
        "break_end")


class HoldFundsSchema(BookingRequested):
    """`hold_funds`: the hold `booking_requested` asks for, which here must name a budget."""

    class Meta(BookingRequested.Meta):
        fields = HOLD

    budget_id = ident()


class CreateBudgetSchema(ReadsBack, bodies.CreateBudgetSchema):
    family_council = fields.String(load_default=None, allow_none=True)  # the gateway knows it


class IdempotencyKeySchema(Schema):
    idempotency_key = _idempotency_key()


class BudgetRefSchema(Schema):
    budget_id = _id(required=True)


class ListBudgetsSchema(PageSchema):
    family_id = _id(load_default=None, allow_none=True)


class PendingApprovalsQuerySchema(PageSchema):
    booking_ids = fields.List(fields.String(), load_default=None, allow_none=True,
                              validate=validate.Length(max=200))


class TopUpSchema(BudgetRefSchema, bodies.TopUpSchema):
    idempotency_key = _idempotency_key()


class AdjustSchema(BudgetRefSchema, bodies.AdjustSchema):
    idempotency_key = _idempotency_key()


class SuspendSchema(BudgetRefSchema, bodies.SuspendSchema):
    pass


class ReinstateSchema(BudgetRefSchema, bodies.ReinstateSchema):
    pass


class MonitoringQuerySchema(BudgetRefSchema):
    as_of = fields.AwareDateTime(load_default=None, allow_none=True, validate=in_span)


class MonitoringReturnQuerySchema(PageSchema):
    as_of = fields.AwareDateTime(load_default=None, allow_none=True, validate=in_span)


class CaptureFundsSchema(Schema):
    booking_id = _id(required=True)
    amount_pence = _pence(load_default=None, allow_none=True)


class ReleaseFundsSchema(Schema):
    booking_id = _id(required=True)


class ApproveSpendSchema(bodies.ApproveSpendSchema):
    booking_id = _id(required=True)


class DeclineSpendSchema(bodies.DeclineSpendSchema):
    booking_id = _id(required=True)


# Output --------------------------------------------------------------------------------

class BudgetSchema(records.BudgetSchema):
    """The record, its money read from the budget's balance."""
    allocated_pence = fields.Integer(attribute="balance.allocated_pence")
    held_pence = fields.Integer(attribute="balance.held_pence")
    spent_pence = fields.Integer(attribute="balance.spent_pence")
    available_pence = fields.Integer(attribute="balance.available_pence")


BudgetPageSchema = page_schema_of(BudgetSchema)


class StatementEntrySchema(records.LedgerEntrySchema):
    """A ledger entry read from `{entry, balance}`."""
    id = fields.String(attribute="entry.id")
    kind = fields.String(attribute="entry.kind")
    amount_pence = fields.Integer(attribute="entry.amount_pence")
    booking_id = fields.String(attribute="entry.booking_id", allow_none=True)
    reason = fields.String(attribute="entry.reason", allow_none=True)
    created_by = fields.String(attribute="entry.created_by")
    created_at = fields.AwareDateTime(attribute="entry.created_at")
    balance = fields.Nested(BalanceSchema)


class StatementSchema(records.StatementSchema):
    budget = fields.Nested(BudgetSchema)
    entries = fields.List(fields.Nested(StatementEntrySchema))


class HoldSchema(Schema):
    """The answer to `hold_funds`: the hold as it stands (a retry gets the same answer)."""
    booking_id = fields.String()
    budget_id = fields.String(allow_none=True)
    hold_id = fields.String(attribute="id")
    status = fields.String()
    amount_pence = fields.Integer()
    refusal_reason = fields.String(allow_none=True)
    approval = fields.Method("approval_kind", allow_none=True)
    approval_status = fields.Function(
        lambda hold: hold.approval.status if hold.approval else None, allow_none=True)

    def approval_kind(self, hold):
        """As in the `funds_held` event: "auto", or "required" when an officer decides."""
        if hold.approval is None:
            return None
        return "auto" if hold.approval.status == domain.AUTO else "required"


class ResolutionSchema(Schema):
    """The answer to `capture_funds` and `release_funds`: what happened, or why nothing did."""
    booking_id = fields.String()
    budget_id = fields.String(allow_none=True)
    outcome = fields.String()
    captured_pence = fields.Integer()
    released_pence = fields.Integer()


class ApprovalSchema(records.ApprovalSchema):
    """A spend's approval read from `{hold, budget}`."""
    booking_id = fields.String(attribute="hold.booking_id")
    budget_id = fields.String(attribute="hold.budget_id")
    hold_id = fields.String(attribute="hold.id")
    family_id = fields.String(attribute="hold.family_id")
    council = fields.String(attribute="budget.council")
    amount_pence = fields.Integer(attribute="hold.amount_pence")
    category = fields.String(attribute="hold.category")
    break_start = fields.AwareDateTime(attribute="hold.break_start")
    break_end = fields.AwareDateTime(attribute="hold.break_end")
    status = fields.String(attribute="hold.approval.status")
    reasons = fields.List(fields.String(), attribute="hold.approval.reasons")
    requested_at = fields.AwareDateTime(attribute="hold.approval.requested_at")
    decided_by = fields.String(attribute="hold.approval.decided_by", allow_none=True)
    decided_at = fields.AwareDateTime(attribute="hold.approval.decided_at", allow_none=True)
    reason = fields.String(attribute="hold.approval.reason", allow_none=True)


class PendingApprovalSchema(ApprovalSchema):
    """What an officer needs beside a request to decide it: the budget's position and plan."""
    available_pence = fields.Integer(attribute="budget.balance.available_pence")
    allocated_pence = fields.Integer(attribute="budget.balance.allocated_pence")
    allowed_categories = fields.List(fields.String(), attribute="budget.allowed_categories")
    auto_approve_limit_pence = fields.Integer(attribute="budget.auto_approve_limit_pence")
    period_end = fields.AwareDateTime(attribute="budget.period_end")


PendingApprovalPageSchema = page_schema_of(PendingApprovalSchema)
ApprovalPageSchema = page_schema_of(ApprovalSchema)


class HistorySchema(records.HistorySchema):
    budget = fields.Nested(BudgetSchema)


MonitoringSummarySchema = records.MonitoringSummarySchema
MonitoringReturnSchema = page_schema_of(MonitoringSummarySchema)
