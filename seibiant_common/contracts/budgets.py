"""Events emitted by budgets, on the `budgets.events` exchange."""
SERVICE = "budgets"

FUNDS_HELD = "funds_held"
APPROVAL_REQUIRED = "approval_required"
SPEND_APPROVED = "spend_approved"
SPEND_DECLINED = "spend_declined"
HOLD_REFUSED = "hold_refused"
FUNDS_CAPTURED = "funds_captured"
FUNDS_RELEASED = "funds_released"

# `funds_held.approval`: spent at once, or waiting for an officer.
APPROVALS = ("auto", "required")
# `hold_refused.reason`.
HOLD_REFUSAL_REASONS = ("insufficient_funds", "budget_inactive", "outside_budget_period",
                        "budget_not_found")
