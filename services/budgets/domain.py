"""The rules of a Direct Payment budget: an append-only ledger, two-phase holds, spend approval.

Plain Python (no nameko, no SQLAlchemy), so every rule here is tested without a broker or a
database. The application layer loads a `Budget` (its row locked) and calls one method; its
unit of work then writes what changed: the budget, `budget.new_entries`, `budget.new_audit`
and the holds it touched (`models.py` maps these classes onto the tables).

Balances are never stored as facts: each ledger entry moves pence between allocated, held
and spent (see `EFFECTS`), and a balance is the sum of its entries. The cached balance on the
budget row is that sum, kept in step in the same transaction.

Holds work like TigerBeetle's pending transfers or a card authorisation: `place_hold` moves
money from available to held; `capture` posts all or part of it to spent and returns the
rest; `release` returns all of it. A hold is resolved (captured or released) at most once;
a late or repeated capture or release changes nothing and its outcome says so.
"""
import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from seibiant_common.contracts.budgets import (APPROVAL_REASONS, HOLD_REFUSAL_REASONS,
                                                approval_reasons)
from seibiant_common.refusals import NotAllowed

# Ledger entry kinds.
ALLOCATION = "allocation"
TOP_UP = "top_up"
ADJUSTMENT = "adjustment"
HOLD = "hold"
HOLD_RELEASE = "hold_release"
CAPTURE = "capture"

# What one penny of each kind does to (allocated, held, spent).
EFFECTS: dict[str, tuple[int, int, int]] = {
    ALLOCATION: (1, 0, 0),
    TOP_UP: (1, 0, 0),
    ADJUSTMENT: (1, 0, 0),  # signed: a negative adjustment reduces the allocation
    HOLD: (0, 1, 0),
    HOLD_RELEASE: (0, -1, 0),
    CAPTURE: (0, -1, 1),
}

# Budget statuses.
ACTIVE = "active"
SUSPENDED = "suspended"
CLOSED = "closed"

# Hold statuses. `void` marks a booking that ended before its hold request arrived (the
# booking's events travel on separate queues), so a late request can never hold its money.
HELD = "held"
CAPTURED = "captured"
RELEASED = "released"
REFUSED = "refused"
VOID = "void"

# Reasons a hold is refused (the `hold_refused` event of docs/contracts.md).
INSUFFICIENT_FUNDS = "insufficient_funds"
BUDGET_INACTIVE = "budget_inactive"
OUTSIDE_BUDGET_PERIOD = "outside_budget_period"
BUDGET_NOT_FOUND = "budget_not_found"
REFUSAL_REASONS = HOLD_REFUSAL_REASONS

# Approval statuses. `withdrawn`: the hold was released (booking cancelled, expired) before
# an officer decided, so there is nothing left to approve.
AUTO = "auto"
PENDING = "pending"
APPROVED = "approved"
DECLINED = "declined"
WITHDRAWN = "withdrawn"

# Why a spend waits for an officer.
CATEGORY_NOT_ALLOWED, OVER_AUTO_APPROVE_LIMIT = APPROVAL_REASONS

# Outcomes of capture and release: the first changes money, the others say why nothing did.
OUTCOME_CAPTURED = "captured"
OUTCOME_RELEASED = "released"
ALREADY_CAPTURED = "already_captured"
ALREADY_RELEASED = "already_released"
NOT_HELD = "not_held"  # refused, or the booking ended before any hold

SYSTEM = "system"  # `created_by` of what no person did (automatic approval, a late release)

# Who asks: the gateway's `{"user_id", "role", "council"}`.
Actor = Mapping[str, Any]


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Balance:
    allocated_pence: int = 0
    held_pence: int = 0
    spent_pence: int = 0

    @property
    def available_pence(self) -> int:
        return self.allocated_pence - self.held_pence - self.spent_pence

    def after(self, kind: str, amount_pence: int) -> "Balance":
        allocated, held, spent = EFFECTS[kind]
        return Balance(self.allocated_pence + allocated * amount_pence,
                       self.held_pence + held * amount_pence,
                       self.spent_pence + spent * amount_pence)

    @classmethod
    def of(cls, entries: Iterable["LedgerEntry"]) -> "Balance":
        balance = cls()
        for entry in entries:
            balance = balance.after(entry.kind, entry.amount_pence)
        return balance

    def is_sound(self) -> bool:
        return min(self.held_pence, self.spent_pence, self.available_pence) >= 0

    def as_dict(self) -> dict[str, int]:
        return {"allocated_pence": self.allocated_pence, "held_pence": self.held_pence,
                "spent_pence": self.spent_pence, "available_pence": self.available_pence}


# Entries and audit records are never changed once posted (the database refuses it), but are
# not frozen dataclasses: the ORM keeps its state on each instance.
@dataclass
class LedgerEntry:
    id: str
    budget_id: str
    kind: str
    amount_pence: int
    created_by: str
    created_at: datetime.datetime
    reason: Optional[str] = None
    booking_id: Optional[str] = None
    hold_id: Optional[str] = None


@dataclass
class AuditRecord:
    """A change to a budget that moves no money (created, suspended), with who, when, why."""
    budget_id: str
    action: str
    actor: str
    at: datetime.datetime
    reason: Optional[str] = None


@dataclass(frozen=True)
class HoldRequest:
    booking_id: str
    budget_id: str
    family_id: str
    amount_pence: int
    category: str
    break_start: datetime.datetime
    break_end: datetime.datetime

    def matches(self, hold: "Hold") -> bool:
        """The same request again (a retry), as opposed to another request reusing the id."""
        return (hold.budget_id, hold.family_id, hold.amount_pence) == (
            self.budget_id, self.family_id, self.amount_pence)


@dataclass
class Approval:
    status: str
    reasons: Sequence[str]
    requested_at: datetime.datetime
    decided_by: Optional[str] = None
    decided_at: Optional[datetime.datetime] = None
    reason: Optional[str] = None

    def decide(self, status: str, by: str, now: datetime.datetime,
               reason: Optional[str]) -> None:
        self.status, self.decided_by, self.decided_at, self.reason = status, by, now, reason


@dataclass
class Hold:
    """A booking's hold; with no budget behind it (`budget_id`..`break_end` None) when it
    marks a booking that ended before any hold (`void`)."""
    id: str
    booking_id: str
    budget_id: Optional[str]
    family_id: Optional[str]
    amount_pence: int
    category: Optional[str]
    break_start: Optional[datetime.datetime]
    break_end: Optional[datetime.datetime]
    status: str
    created_at: datetime.datetime
    refusal_reason: Optional[str] = None
    approval: Optional[Approval] = None
    captured_pence: int = 0
    released_pence: int = 0
    resolved_at: Optional[datetime.datetime] = None
    resolved_by: Optional[str] = None
    resolution_reason: Optional[str] = None

    @classmethod
    def refused(cls, request: HoldRequest, reason: str, now: datetime.datetime) -> "Hold":
        return cls(id=new_id(), booking_id=request.booking_id, budget_id=request.budget_id,
                   family_id=request.family_id, amount_pence=request.amount_pence,
                   category=request.category, break_start=request.break_start,
                   break_end=request.break_end, status=REFUSED, refusal_reason=reason,
                   created_at=now)

    @classmethod
    def void(cls, booking_id: str, by: str, now: datetime.datetime, why: str) -> "Hold":
        return cls(id=new_id(), booking_id=booking_id, budget_id=None, family_id=None,
                   amount_pence=0, category=None, break_start=None, break_end=None,
                   status=VOID, created_at=now, resolved_at=now, resolved_by=by,
                   resolution_reason=why)

    @property
    def held_approval(self) -> Approval:
        """The approval of a hold that holds (or held) money: every such hold has one; a
        refused or void one has none, and asking is a bug."""
        if self.approval is None:
            raise ValueError("hold {} is {}: it has no approval".format(self.id, self.status))
        return self.approval

    @property
    def awaiting_approval(self) -> bool:
        return self.status == HELD and self.approval is not None and \
            self.approval.status == PENDING

    def _resolve(self, status: str, by: str, now: datetime.datetime, why: str) -> None:
        self.status, self.resolved_by, self.resolved_at = status, by, now
        self.resolution_reason = why


@dataclass(frozen=True)
class Resolution:
    """What a capture or release did: `outcome` is one of the OUTCOME_* / ALREADY_* / NOT_HELD."""
    outcome: str
    captured_pence: int = 0
    released_pence: int = 0

    @property
    def changed(self) -> bool:
        return self.outcome in (OUTCOME_CAPTURED, OUTCOME_RELEASED)


def unchanged(hold: Hold) -> Optional[str]:
    """Why a capture or release of `hold` changes nothing, or None if it would change money."""
    return {CAPTURED: ALREADY_CAPTURED, RELEASED: ALREADY_RELEASED, REFUSED: NOT_HELD,
            VOID: NOT_HELD}.get(hold.status)


@dataclass
class Budget:
    id: str
    family_id: str
    council: str
    period_start: datetime.datetime
    period_end: datetime.datetime
    allowed_categories: Sequence[str]
    auto_approve_limit_pence: int
    status: str
    created_by: str
    created_at: datetime.datetime
    balance: Balance = Balance()
    new_entries: list[LedgerEntry] = field(default_factory=list, repr=False)
    new_audit: list[AuditRecord] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, *, family_id: str, council: str, allocated_pence: int,
             period_start: datetime.datetime, period_end: datetime.datetime,
             allowed_categories: Iterable[str], auto_approve_limit_pence: int, by: str,
             now: datetime.datetime) -> "Budget":
        if period_end <= period_start:
            raise NotAllowed("invalid_period", "the period must end after it starts")
        budget = cls(id=new_id(), family_id=family_id, council=council,
                     period_start=period_start, period_end=period_end,
                     allowed_categories=tuple(dict.fromkeys(allowed_categories)),
                     auto_approve_limit_pence=auto_approve_limit_pence, status=ACTIVE,
                     created_by=by, created_at=now)
        budget.new_audit.append(AuditRecord(budget.id, "created", by, now))
        budget._post(ALLOCATION, allocated_pence, by, now, reason="initial allocation")
        return budget

    # Officers' changes ---------------------------------------------------------------

    def top_up(self, amount_pence: int, reason: Optional[str], by: str,
               now: datetime.datetime) -> None:
        self._require_open()
        if amount_pence <= 0:
            raise NotAllowed("invalid_amount", "a top-up adds at least one penny")
        self._post(TOP_UP, amount_pence, by, now, reason=reason)

    def adjust(self, amount_pence: int, reason: Optional[str], by: str,
               now: datetime.datetime) -> None:
        """A correction of the allocation, up or down; it may not take `available` below 0."""
        self._require_open()
        if amount_pence == 0:
            raise NotAllowed("invalid_amount", "an adjustment moves at least one penny")
        if not reason:
            raise NotAllowed("reason_required", "an adjustment needs a reason")
        if self.balance.available_pence + amount_pence < 0:
            raise NotAllowed(INSUFFICIENT_FUNDS,
                          "only {} pence are available to adjust down".format(
                              self.balance.available_pence))
        self._post(ADJUSTMENT, amount_pence, by, now, reason=reason)

    def suspend(self, reason: Optional[str], by: str, now: datetime.datetime) -> bool:
        """True if the budget was active and is now suspended; suspending again is a no-op."""
        self._require_open()
        if self.status == SUSPENDED:
            return False
        self.status = SUSPENDED
        self.new_audit.append(AuditRecord(self.id, "suspended", by, now, reason))
        return True

    def reinstate(self, reason: Optional[str], by: str, now: datetime.datetime) -> bool:
        """True if the budget was suspended and is active again; reinstating an active budget
        is a no-op. The holds kept while it was suspended were never touched."""
        self._require_open()
        if self.status == ACTIVE:
            return False
        self.status = ACTIVE
        self.new_audit.append(AuditRecord(self.id, "reinstated", by, now, reason))
        return True

    # Holds ---------------------------------------------------------------------------

    def refusal_for(self, request: HoldRequest) -> Optional[str]:
        """Why this budget cannot hold the request's money, or None if it can."""
        if request.family_id != self.family_id:
            return BUDGET_NOT_FOUND  # another family's budget: as if it did not exist
        if self.status != ACTIVE:
            return BUDGET_INACTIVE
        if request.break_start < self.period_start or request.break_end > self.period_end:
            return OUTSIDE_BUDGET_PERIOD
        if request.amount_pence > self.balance.available_pence:
            return INSUFFICIENT_FUNDS
        return None

    def approval_reasons(self, category: str, amount_pence: int) -> tuple[str, ...]:
        """Why a spend needs an officer; empty when it is within the agreed plan."""
        return approval_reasons(self.allowed_categories, self.auto_approve_limit_pence,
                                category, amount_pence)

    def place_hold(self, request: HoldRequest, by: str, now: datetime.datetime) -> Hold:
        """A new hold for the request: `held` (approval auto or pending) or `refused`."""
        reason = self.refusal_for(request)
        if reason:
            return Hold.refused(request, reason, now)
        reasons = self.approval_reasons(request.category, request.amount_pence)
        approval = Approval(PENDING, reasons, now) if reasons else Approval(
            AUTO, (), now, decided_by=SYSTEM, decided_at=now,
            reason="allowed category within the auto-approve limit")
        hold = Hold(id=new_id(), booking_id=request.booking_id, budget_id=self.id,
                    family_id=request.family_id, amount_pence=request.amount_pence,
                    category=request.category, break_start=request.break_start,
                    break_end=request.break_end, status=HELD, created_at=now,
                    approval=approval)
        self._post(HOLD, hold.amount_pence, by, now, hold=hold)
        return hold

    def capture(self, hold: Hold, amount_pence: Optional[int], by: str,
                now: datetime.datetime) -> Resolution:
        """Posts `amount_pence` (all of the hold if None) as spent and returns the rest."""
        self._require_own(hold)
        outcome = unchanged(hold)
        if outcome:
            return Resolution(outcome)
        if hold.held_approval.status not in (AUTO, APPROVED):
            raise NotAllowed("approval_pending", "a spend awaiting approval cannot be captured")
        amount = hold.amount_pence if amount_pence is None else amount_pence
        if not 0 <= amount <= hold.amount_pence:
            raise NotAllowed("capture_exceeds_hold",
                          "{} pence are held; cannot capture {}".format(hold.amount_pence,
                                                                        amount))
        rest = hold.amount_pence - amount
        self._post(CAPTURE, amount, by, now, hold=hold, reason="break delivered")
        self._post(HOLD_RELEASE, rest, by, now, hold=hold, reason="charged less than held")
        hold.captured_pence, hold.released_pence = amount, rest
        hold._resolve(CAPTURED, by, now, "break delivered")
        return Resolution(OUTCOME_CAPTURED, amount, rest)

    def release(self, hold: Hold, by: str, now: datetime.datetime, why: str) -> Resolution:
        """Returns the whole hold to available. An approval still pending is withdrawn."""
        self._require_own(hold)
        outcome = unchanged(hold)
        if outcome:
            return Resolution(outcome)
        self._post(HOLD_RELEASE, hold.amount_pence, by, now, hold=hold, reason=why)
        hold.released_pence = hold.amount_pence
        hold._resolve(RELEASED, by, now, why)
        if hold.held_approval.status == PENDING:
            hold.held_approval.decide(WITHDRAWN, by, now, why)
        return Resolution(OUTCOME_RELEASED, released_pence=hold.amount_pence)

    def decide(self, hold: Hold, approve: bool, by: str, reason: Optional[str],
               now: datetime.datetime) -> Optional[Resolution]:
        """An officer's decision on a spend awaiting approval. A declined spend's money is
        released at once; a decision is taken at most once."""
        self._require_own(hold)
        if not hold.awaiting_approval:
            raise NotAllowed("approval_not_pending", "this spend is not awaiting a decision")
        if approve and self.status != ACTIVE:
            raise NotAllowed(BUDGET_INACTIVE, "the budget is {}".format(self.status))
        # In the budget's audit trail either way (an approval moves no money, so has no
        # ledger entry): which booking, why it needed a decision, and the officer's reason.
        self.new_audit.append(AuditRecord(
            self.id, "spend_approved" if approve else "spend_declined", by, now,
            "booking {} ({}): {}".format(hold.booking_id, ", ".join(hold.held_approval.reasons),
                                         reason or "")))
        if not approve:
            hold.held_approval.decide(DECLINED, by, now, reason)
            return self.release(hold, by, now, "declined: {}".format(reason))
        hold.held_approval.decide(APPROVED, by, now, reason)
        return None

    # Ledger --------------------------------------------------------------------------

    def _post(self, kind: str, amount_pence: int, by: str, now: datetime.datetime,
              reason: Optional[str] = None, hold: Optional[Hold] = None) -> None:
        if amount_pence == 0:
            return  # moves no money: the hold or budget row records the event
        balance = self.balance.after(kind, amount_pence)
        if not balance.is_sound():
            # Every operation checks its own rule first; this guards the ledger itself.
            raise NotAllowed(INSUFFICIENT_FUNDS, "the ledger would go below zero")
        self.balance = balance
        self.new_entries.append(LedgerEntry(
            id=new_id(), budget_id=self.id, kind=kind, amount_pence=amount_pence,
            created_by=by, created_at=now, reason=reason,
            booking_id=hold.booking_id if hold else None, hold_id=hold.id if hold else None))

    def _require_open(self) -> None:
        if self.status == CLOSED:
            raise NotAllowed("budget_closed", "the budget is closed")

    def _require_own(self, hold: Hold) -> None:
        if hold.budget_id != self.id:
            raise ValueError("hold {} is not on budget {}".format(hold.id, self.id))


# Who may see and change what -----------------------------------------------------------

def visible_to(actor: Actor, budget: Budget) -> bool:
    """Officers see their council's budgets, a family its own; anything else does not exist."""
    if actor["role"] == "officer":
        return budget.council == actor["council"]
    if actor["role"] == "family":
        return budget.family_id == actor["user_id"]
    return False


def may_read_budgets(actor: Actor) -> bool:
    return actor["role"] in ("officer", "family")


def may_manage_budgets(actor: Actor) -> bool:
    return actor["role"] == "officer"


def check_repeat(hold: Hold, request: HoldRequest) -> None:
    """A second request for a booking that has a hold must be the same request again (a
    retry: answered, never held twice); the id reused with other terms is refused."""
    if hold.status != VOID and not request.matches(hold):
        raise NotAllowed("hold_mismatch",
                      "booking {} already has a hold of {} pence on budget {}".format(
                          hold.booking_id, hold.amount_pence, hold.budget_id))
