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
# Why a spend waits for an officer (an approval's `reasons`, as `GET /approvals` shows them):
# its kind of break is not in the family's plan, or it is over the plan's no-approval limit.
APPROVAL_REASONS = ("category_not_allowed", "over_auto_approve_limit")
HOLD_REFUSAL_REASONS = ("insufficient_funds", "budget_inactive", "outside_budget_period",
                        "budget_not_found")
