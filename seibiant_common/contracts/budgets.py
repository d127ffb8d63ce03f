"""Events emitted by budgets, on the `budgets.events` exchange."""
from collections.abc import Iterable

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
# Why a spend waits for an officer (an approval's `reasons`, as `GET /approvals` shows them):
# its kind of break is not in the family's plan, or it is over the plan's no-approval limit.
APPROVAL_REASONS = ("category_not_allowed", "over_auto_approve_limit")
# `hold_refused.reason`.
HOLD_REFUSAL_REASONS = ("insufficient_funds", "budget_inactive", "outside_budget_period",
                        "budget_not_found")


def approval_reasons(allowed_categories: Iterable[str], auto_approve_limit_pence: int,
                     category: str, amount_pence: int) -> tuple[str, ...]:
    """Why a spend of a plan needs an officer; empty when it is within the agreed plan. The
    rule budgets applies when it holds the money, and the booking form tells beforehand."""
    reasons: list[str] = []
    if category not in allowed_categories:
        reasons.append(APPROVAL_REASONS[0])
    if amount_pence > auto_approve_limit_pence:
        reasons.append(APPROVAL_REASONS[1])
    return tuple(reasons)
