"""The use cases of the budgets service, each run inside the caller's unit of work: check who
is asking, load (locking what will change), apply one rule of the domain, store, and announce
the outcome through the outbox in the same transaction.

Scoping is enforced here, not only in the gateway: a budget, hold or approval that is not the
actor's is `NotFound`; a role that may never do the thing is `Forbidden`.
"""

from seibiant_common.contracts import budgets as events
from seibiant_common.contracts import payloads
from seibiant_common.errors import Forbidden, NotFound, wire_errors
from seibiant_common.fingerprints import fingerprint
from seibiant_common.types import utcnow

from . import domain, statements
from .repository import Repository

# `created_by` of what the booking saga asks for; the entry's booking_id says which booking.
BOOKINGS = "service:bookings"


class _Request:
    """An officer's request that may carry an idempotency key (the gateway's, or its own per
    request): a request delivered twice (a client retry, or the broker redelivering an RPC
    whose reply was lost) changes money once. The same key with other arguments is refused.
    `made` is the budget id the first delivery changed, or None if this is the first."""

    def __init__(self, repo, actor, idempotency_key, operation, args):
        self._repo = repo
        self._key = idempotency_key and "{}:{}".format(actor["user_id"], idempotency_key)
        self._operation = operation
        self._fingerprint = fingerprint([operation, args])
        self.made = None
        if self._key:
            first = repo.applied_request(self._key)
            if first is not None:
                if first.fingerprint != self._fingerprint:
                    raise domain.NotAllowed("idempotency_key_reused",
                                            "this idempotency key was used for another request")
                self.made = first.budget_id

    def done(self, budget_id):
        if self._key:
            self._repo.record_request(self._key, self._operation, self._fingerprint, budget_id)


def _require(allowed):
    if not allowed:
        raise Forbidden()


def _visible_budget(repo, actor, budget_id, lock=False):
    _require(domain.may_read_budgets(actor))
    budget = repo.budget(budget_id, lock=lock)
    if budget is None or not domain.visible_to(actor, budget):
        raise NotFound("budget not found")
    return budget


# Budgets -------------------------------------------------------------------------------

@wire_errors()
def create_budget(uow, actor, data, idempotency_key=None):
    _require(domain.may_manage_budgets(actor))
    if data["family_council"] not in (None, actor["council"]):
        raise NotFound("family not found")  # a family of another council is not the officer's
    repo = Repository(uow.session)
    request = _Request(repo, actor, idempotency_key, "create_budget", data)
    if request.made:
        return repo.budget(request.made)
    budget = domain.Budget.open(
        family_id=data["family_id"], council=actor["council"],
        allocated_pence=data["allocated_pence"], period_start=data["period_start"],
        period_end=data["period_end"], allowed_categories=data["allowed_categories"],
        auto_approve_limit_pence=data["auto_approve_limit_pence"], by=actor["user_id"],
        now=utcnow())
    repo.save_budget(budget)
    request.done(budget.id)
    return budget


def get_budget(uow, actor, budget_id):
    return _visible_budget(Repository(uow.session), actor, budget_id)


def list_budgets(uow, actor, family_id, limit, cursor):
    _require(domain.may_read_budgets(actor))
    if actor["role"] == "family":
        if family_id not in (None, actor["user_id"]):
            return {"items": [], "next_cursor": None}
        return Repository(uow.session).budgets(family_id=actor["user_id"], cursor=cursor,
                                               limit=limit)
    return Repository(uow.session).budgets(council=actor["council"], family_id=family_id,
                                           cursor=cursor, limit=limit)


def get_statement(uow, actor, budget_id):
    repo = Repository(uow.session)
    budget = _visible_budget(repo, actor, budget_id)
    return budget, repo.entries(budget.id)


def _officer_change(uow, actor, budget_id, operation, args, change, idempotency_key=None):
    """Applies `change(budget, by, now)` to a budget of the officer's council, once per
    idempotency key."""
    _require(domain.may_manage_budgets(actor))
    repo = Repository(uow.session)
    budget = _visible_budget(repo, actor, budget_id, lock=True)
    request = _Request(repo, actor, idempotency_key, operation, dict(args, id=budget_id))
    if not request.made:
        change(budget, actor["user_id"], utcnow())
        repo.save_budget(budget)
        request.done(budget.id)
    return budget


@wire_errors()
def top_up(uow, actor, budget_id, amount_pence, reason, idempotency_key=None):
    return _officer_change(
        uow, actor, budget_id, "top_up", {"amount_pence": amount_pence, "reason": reason},
        lambda budget, by, now: budget.top_up(amount_pence, reason, by, now), idempotency_key)


@wire_errors()
def adjust(uow, actor, budget_id, amount_pence, reason, idempotency_key=None):
    return _officer_change(
        uow, actor, budget_id, "adjust", {"amount_pence": amount_pence, "reason": reason},
        lambda budget, by, now: budget.adjust(amount_pence, reason, by, now), idempotency_key)


@wire_errors()
def suspend(uow, actor, budget_id, reason):
    # no key needed: suspending a suspended budget changes nothing
    return _officer_change(uow, actor, budget_id, "suspend", {"reason": reason},
                           lambda budget, by, now: budget.suspend(reason, by, now))


def monitoring_summary(uow, actor, budget_id, as_of):
    repo = Repository(uow.session)
    budget = _visible_budget(repo, actor, budget_id)
    return statements.monitoring_summary(budget, repo.spent_by_category(budget.id),
                                         as_of or utcnow())


def monitoring_return(uow, actor, as_of, limit, cursor):
    """The summaries of the officer's council's budgets, a page at a time."""
    _require(domain.may_manage_budgets(actor))
    repo = Repository(uow.session)
    as_of = as_of or utcnow()
    page = repo.budgets(council=actor["council"], cursor=cursor, limit=limit)
    return {"items": [statements.monitoring_summary(budget, repo.spent_by_category(budget.id),
                                                    as_of) for budget in page["items"]],
            "next_cursor": page["next_cursor"]}


# Holds (asked for by the booking saga) ---------------------------------------------------

def _announce_hold(uow, hold, council):
    """The events that tell the saga where a hold stands (ordered per booking: the events
    about a hold carry its booking id as their aggregate, which the saga consumes them by)."""
    if hold.status == domain.REFUSED:
        payloads.emit(uow, events.HOLD_REFUSED, {"booking_id": hold.booking_id,
                                                 "budget_id": hold.budget_id,
                                                 "reason": hold.refusal_reason}, hold.booking_id)
        return
    if hold.status != domain.HELD:
        if hold.approval is not None and hold.approval.status == domain.DECLINED:
            _announce_decision(uow, hold)
        return  # otherwise resolved since: the saga has moved on
    approval = hold.approval.status
    payloads.emit(uow, events.FUNDS_HELD, {
        "booking_id": hold.booking_id, "budget_id": hold.budget_id, "hold_id": hold.id,
        "amount_pence": hold.amount_pence,
        "approval": "auto" if approval == domain.AUTO else "required"}, hold.booking_id)
    if approval == domain.PENDING:
        payloads.emit(uow, events.APPROVAL_REQUIRED, {
            "booking_id": hold.booking_id, "budget_id": hold.budget_id, "council": council,
            "amount_pence": hold.amount_pence, "category": hold.category,
            "family_id": hold.family_id, "reasons": list(hold.approval.reasons)},
            hold.booking_id)
    elif approval == domain.APPROVED:
        _announce_decision(uow, hold)


def _announce_decision(uow, hold):
    approval = hold.approval
    payloads.emit(uow, events.SPEND_APPROVED if approval.status == domain.APPROVED
                  else events.SPEND_DECLINED,
                  {"booking_id": hold.booking_id, "budget_id": hold.budget_id,
                   "decided_by": approval.decided_by, "reason": approval.reason}, hold.booking_id)


@wire_errors()
def hold_funds(uow, request):
    """Holds a booking's money, or refuses with a reason. Idempotent by booking id: a repeated
    request holds nothing more and is answered again with where the hold stands."""
    repo = Repository(uow.session)
    budget, existing = repo.budget_and_hold(request.budget_id, request.booking_id)
    council = budget.council if budget else None
    if existing is None:
        now = utcnow()
        if budget is None:
            hold = domain.Hold.refused(request, domain.BUDGET_NOT_FOUND, now)
        else:
            hold = budget.place_hold(request, BOOKINGS, now)
        if repo.insert_hold(hold, council):
            if hold.status == domain.HELD:
                repo.save_budget(budget)
            _announce_hold(uow, hold, council)
            return hold
        # the same booking's request of another worker committed while this one waited
        existing = repo.hold_for_booking(request.booking_id)
    domain.check_repeat(existing, request)
    _announce_hold(uow, existing, council)
    return existing


def _resolve(uow, booking_id, resolve, why_void):
    """Loads the booking's hold with its budget locked and applies `resolve(budget, hold,
    now)`. With no hold at all, leaves a `void` marker so that a hold request still on its
    way can never hold the money of a booking that has ended."""
    repo = Repository(uow.session)
    now = utcnow()
    hold = repo.hold_for_booking(booking_id)
    if hold is None:
        hold = domain.Hold.void(booking_id, BOOKINGS, now, why_void)
        repo.save_hold(hold)
        return hold, domain.Resolution(domain.NOT_HELD)
    outcome = domain.unchanged(hold)
    if outcome:  # final states never change, so no lock is needed to say so
        return hold, domain.Resolution(outcome)
    budget = repo.budget(hold.budget_id, lock=True)
    hold = repo.hold_for_booking(booking_id, lock=True)  # as it is now, under the lock
    resolution = resolve(budget, hold, now)
    if resolution.changed:
        repo.save_budget(budget)
        repo.save_hold(hold)
    return hold, resolution


@wire_errors()
def capture_funds(uow, booking_id, amount_pence):
    """The break was delivered: spends `amount_pence` (all if None), releases the rest."""
    hold, resolution = _resolve(
        uow, booking_id,
        lambda budget, hold, now: budget.capture(hold, amount_pence, BOOKINGS, now),
        "completed before any hold")
    if resolution.outcome in (domain.OUTCOME_CAPTURED, domain.ALREADY_CAPTURED):
        # Asked again, it is announced again: the first announcement may have been lost.
        payloads.emit(uow, events.FUNDS_CAPTURED, {
            "booking_id": booking_id, "budget_id": hold.budget_id,
            "amount_pence": hold.captured_pence, "released_pence": hold.released_pence},
            booking_id)
    return hold, resolution


def release_funds(uow, booking_id, why):
    hold, resolution = _resolve(
        uow, booking_id, lambda budget, hold, now: budget.release(hold, BOOKINGS, now, why),
        "ended before any hold: {}".format(why))
    if resolution.outcome in (domain.OUTCOME_RELEASED, domain.ALREADY_RELEASED):
        payloads.emit(uow, events.FUNDS_RELEASED, {  # again when asked again, as a capture
            "booking_id": booking_id, "budget_id": hold.budget_id,
            "amount_pence": hold.released_pence}, booking_id)
    return hold, resolution


# Approvals (officers of the budget's council) ---------------------------------------------

@wire_errors()
def decide_spend(uow, actor, booking_id, approve, reason):
    _require(domain.may_manage_budgets(actor))
    repo = Repository(uow.session)
    hold = repo.hold_for_booking(booking_id)
    budget = repo.budget(hold.budget_id, lock=True) if hold and hold.approval else None
    if budget is None or budget.council != actor["council"]:
        raise NotFound("approval not found")
    hold = repo.hold_for_booking(booking_id, lock=True)
    resolution = budget.decide(hold, approve, actor["user_id"], reason, utcnow())
    repo.save_budget(budget)
    repo.save_hold(hold)
    _announce_decision(uow, hold)
    if resolution and resolution.changed:
        payloads.emit(uow, events.FUNDS_RELEASED, {
            "booking_id": booking_id, "budget_id": hold.budget_id,
            "amount_pence": resolution.released_pence}, booking_id)
    return hold, budget


def pending_approvals(uow, actor, limit, cursor, booking_ids=None):
    _require(domain.may_manage_budgets(actor))
    return Repository(uow.session).pending_approvals(actor["council"], cursor=cursor,
                                                     limit=limit, booking_ids=booking_ids)
