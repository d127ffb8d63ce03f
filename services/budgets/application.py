"""The use cases of the budgets service, each run inside the caller's unit of work: check who
is asking, load (locking what will change), apply one rule of the domain, store, and announce
the outcome through the outbox in the same transaction.

Scoping is enforced here, not only in the gateway: a budget, hold or approval that is not the
actor's is `NotFound`; a role that may never do the thing is `Forbidden`.

Concurrency: whatever changes money first locks the budget's row (`SELECT ... FOR UPDATE` on
PostgreSQL; SQLite's units of work are already serialised by BEGIN IMMEDIATE), and only then
reads the holds it will change, so two holds can never both see the same available pound.
Locks are always taken budget first, hold second, so two writers never deadlock.
"""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from seibiant_common.contracts import budgets as events
from seibiant_common.contracts import payloads
from seibiant_common.errors import Forbidden, NotFound, wire_errors
from seibiant_common.fingerprints import fingerprint
from seibiant_common.paging import keyset_page
from seibiant_common.schemas import MAX_PAGE
from seibiant_common.sql import insert_absent
from seibiant_common.types import utcnow

from . import domain, statements
from .domain import AuditRecord, Budget, Hold, LedgerEntry
from .models import applied_requests, approvals, budget_audit, budgets, holds, ledger_entries

# `created_by` of what the booking saga asks for; the entry's booking_id says which booking.
BOOKINGS = "service:bookings"
UNIQUE_RACE_ATTEMPTS = 3


def transact(db, work):
    """Runs `work(uow)` in a unit of work of `db` (the service's database) and returns what
    it returns. On PostgreSQL two writers for one booking (or one idempotency key) can race to
    insert its row; the loser's transaction is rolled back whole (events included) and run
    again, when it sees the winner's row. The entrypoints and the event handlers all go
    through here, so a handler needs the service's database and nothing else of it."""
    for attempt in range(1, UNIQUE_RACE_ATTEMPTS + 1):
        try:
            with db.unit_of_work() as uow:
                return work(uow)
        except IntegrityError:
            if attempt == UNIQUE_RACE_ATTEMPTS:
                raise


class _Request:
    """An officer's request that may carry an idempotency key (the gateway's, or its own per
    request): a request delivered twice (a client retry, or the broker redelivering an RPC
    whose reply was lost) changes money once. The same key with other arguments is refused.
    `made` is the budget id the first delivery changed, or None if this is the first."""

    def __init__(self, session, actor, idempotency_key, operation, args):
        self._session = session
        self._key = idempotency_key and "{}:{}".format(actor["user_id"], idempotency_key)
        self._operation = operation
        self._fingerprint = fingerprint([operation, args])
        self.made = None
        if self._key:
            first = session.execute(
                sa.select(applied_requests.c.fingerprint, applied_requests.c.budget_id)
                .where(applied_requests.c.key == self._key)).one_or_none()
            if first is not None:
                if first.fingerprint != self._fingerprint:
                    raise domain.NotAllowed("idempotency_key_reused",
                                            "this idempotency key was used for another request")
                self.made = first.budget_id

    def done(self, budget_id):
        if self._key:
            self._session.execute(applied_requests.insert().values(
                key=self._key, operation=self._operation, fingerprint=self._fingerprint,
                budget_id=budget_id, created_at=utcnow()))


def _require(allowed):
    if not allowed:
        raise Forbidden()


def _visible_budget(session, actor, budget_id, lock=False):
    _require(domain.may_read_budgets(actor))
    budget = _budget(session, budget_id, lock=lock)
    if budget is None or not domain.visible_to(actor, budget):
        raise NotFound("budget not found")
    return budget


# Loading and storing -------------------------------------------------------------------
#
# The session is the identity map: what a use case changes on the objects it loaded is
# written when the unit of work commits. Where one statement does the work of several (the
# hot path of every hold), it is a Core statement on the mapped tables.

# Built once, so SQLAlchemy reuses its cache key: the budget, locked, with the booking's hold
# and its approval as they were before the lock was granted (one committed meanwhile by
# another worker makes `_insert_hold` refuse).
BUDGET_AND_HOLD = (
    sa.select(Budget, Hold).select_from(budgets)
    .outerjoin(holds, holds.c.booking_id == sa.bindparam("booking_id"))
    .outerjoin(approvals, approvals.c.hold_id == holds.c.id)
    .options(contains_eager(Hold.approval))
    .where(budgets.c.id == sa.bindparam("budget_id"))
    .with_for_update(of=budgets).execution_options(populate_existing=True))
APPROVAL_FIELDS = ("status", "reasons", "requested_at", "decided_by", "decided_at", "reason")


def _budget(session, budget_id, lock=False):
    if lock:
        return session.get(Budget, budget_id, with_for_update=True, populate_existing=True)
    return session.get(Budget, budget_id)


def _hold_for_booking(session, booking_id, lock=False):
    """The booking's hold (with its approval), or None; `lock`: as it is now, locked."""
    query = sa.select(Hold).where(holds.c.booking_id == booking_id)
    if lock:
        query = query.with_for_update(of=holds).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


ADD_APPROVAL = approvals.insert()


def _insert_hold(session, hold, council):
    """Inserts a new hold and its approval, in one statement for the hold, unless the booking
    has a hold already (another worker's, committed since it was looked for): False then, and
    nothing is written."""
    with session.no_autoflush:  # what the hold did to the budget is written only if it is
        inserted = insert_absent(session, holds, {column.name: getattr(hold, column.name)
                                                  for column in holds.c}, ("booking_id",))
    if inserted.rowcount == 0:
        return False
    if hold.approval is not None:
        session.execute(ADD_APPROVAL, dict(
            hold_id=hold.id, booking_id=hold.booking_id, budget_id=hold.budget_id,
            council=council, **{name: getattr(hold.approval, name) for name in APPROVAL_FIELDS}))
    return True


def _spent_by_category(session, budget_id):
    rows = session.execute(
        sa.select(holds.c.category, sa.func.sum(holds.c.captured_pence))
        .where(holds.c.budget_id == budget_id, holds.c.status == domain.CAPTURED)
        .group_by(holds.c.category))
    return {category: int(total) for category, total in rows if total}


def _budgets_page(session, limit, cursor, council=None, family_id=None):
    """A page of budgets, oldest first."""
    query = sa.select(Budget)
    if council is not None:
        query = query.where(budgets.c.council == council)
    if family_id is not None:
        query = query.where(budgets.c.family_id == family_id)
    return keyset_page(session, query, (budgets.c.created_at, budgets.c.id), limit, cursor)


# Budgets -------------------------------------------------------------------------------

@wire_errors()
def create_budget(uow, actor, data, idempotency_key=None):
    _require(domain.may_manage_budgets(actor))
    if data["family_council"] not in (None, actor["council"]):
        raise NotFound("family not found")  # a family of another council is not the officer's
    request = _Request(uow.session, actor, idempotency_key, "create_budget", data)
    if request.made:
        return _budget(uow.session, request.made)
    budget = domain.Budget.open(
        family_id=data["family_id"], council=actor["council"],
        allocated_pence=data["allocated_pence"], period_start=data["period_start"],
        period_end=data["period_end"], allowed_categories=data["allowed_categories"],
        auto_approve_limit_pence=data["auto_approve_limit_pence"], by=actor["user_id"],
        now=utcnow())
    uow.session.add(budget)  # with its first entry and audit record
    request.done(budget.id)
    return budget


def get_budget(uow, actor, budget_id):
    return _visible_budget(uow.session, actor, budget_id)


def list_budgets(uow, actor, family_id, limit, cursor):
    _require(domain.may_read_budgets(actor))
    if actor["role"] == "family":
        if family_id not in (None, actor["user_id"]):
            return {"items": [], "next_cursor": None}
        return _budgets_page(uow.session, limit, cursor, family_id=actor["user_id"])
    return _budgets_page(uow.session, limit, cursor, council=actor["council"],
                         family_id=family_id)


def get_statement(uow, actor, budget_id):
    budget = _visible_budget(uow.session, actor, budget_id)
    return budget, uow.session.scalars(sa.select(LedgerEntry)
                                       .where(ledger_entries.c.budget_id == budget.id)
                                       .order_by(ledger_entries.c.seq)).all()


def _officer_change(uow, actor, budget_id, operation, args, change, idempotency_key=None):
    """Applies `change(budget, by, now)` to a budget of the officer's council, once per
    idempotency key."""
    _require(domain.may_manage_budgets(actor))
    budget = _visible_budget(uow.session, actor, budget_id, lock=True)
    request = _Request(uow.session, actor, idempotency_key, operation, dict(args, id=budget_id))
    if not request.made:
        change(budget, actor["user_id"], utcnow())
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


@wire_errors()
def reinstate(uow, actor, budget_id, reason):
    # no key needed either: reinstating an active budget changes nothing
    return _officer_change(uow, actor, budget_id, "reinstate", {"reason": reason},
                           lambda budget, by, now: budget.reinstate(reason, by, now))


def history(uow, actor, budget_id):
    """Who did what to a budget of the officer's council, and when and why: its ledger
    entries and its audit records (created, suspended, reinstated, spends decided), oldest
    first (at one moment, the audit record before the money it explains)."""
    _require(domain.may_manage_budgets(actor))
    budget = _visible_budget(uow.session, actor, budget_id)
    audit = [{"at": record.at, "action": record.action, "by": record.actor,
              "reason": record.reason, "amount_pence": None, "booking_id": None}
             for record in uow.session.scalars(
                 sa.select(AuditRecord).where(budget_audit.c.budget_id == budget.id)
                 .order_by(budget_audit.c.seq))]
    _, entries = get_statement(uow, actor, budget_id)
    money = [{"at": entry.created_at, "action": entry.kind, "by": entry.created_by,
              "reason": entry.reason, "amount_pence": entry.amount_pence,
              "booking_id": entry.booking_id} for entry in entries]
    # sorted() is stable: records of one moment keep their order, audit before money
    return budget, sorted(audit + money, key=lambda item: item["at"])


def monitoring_summary(uow, actor, budget_id, as_of, reclaim_weeks):
    """`reclaim_weeks(council)`: the council's threshold in weeks of allocation."""
    budget = _visible_budget(uow.session, actor, budget_id)
    return statements.monitoring_summary(budget, _spent_by_category(uow.session, budget.id),
                                         as_of or utcnow(), reclaim_weeks(budget.council))


def monitoring_return(uow, actor, as_of, limit, cursor, reclaim_weeks):
    """The summaries of the officer's council's budgets, a page at a time."""
    _require(domain.may_manage_budgets(actor))
    as_of = as_of or utcnow()
    weeks = reclaim_weeks(actor["council"])
    page = _budgets_page(uow.session, limit, cursor, council=actor["council"])
    return {"items": [statements.monitoring_summary(
        budget, _spent_by_category(uow.session, budget.id), as_of, weeks)
        for budget in page["items"]], "next_cursor": page["next_cursor"]}


def whole_monitoring_return(uow, actor, as_of, reclaim_weeks):
    """Every summary of the council's return, in one transaction (one moment's figures)."""
    as_of, cursor, items = as_of or utcnow(), None, []
    while True:
        page = monitoring_return(uow, actor, as_of, MAX_PAGE, cursor, reclaim_weeks)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


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
    session = uow.session
    found = session.execute(BUDGET_AND_HOLD, {"budget_id": request.budget_id,
                                              "booking_id": request.booking_id}).one_or_none()
    budget, existing = found if found else (None, _hold_for_booking(session,
                                                                    request.booking_id))
    council = budget.council if budget else None
    if existing is None:
        now = utcnow()
        if budget is None:
            hold = domain.Hold.refused(request, domain.BUDGET_NOT_FOUND, now)
        else:
            hold = budget.place_hold(request, BOOKINGS, now)
        if _insert_hold(session, hold, council):
            _announce_hold(uow, hold, council)
            return hold
        # The same booking's request of another worker committed while this one waited: the
        # hold placed here is not stored, so neither is what it did to the budget.
        if budget is not None:
            for entry in budget.new_entries:
                session.expunge(entry)
            session.expire(budget)
        existing = _hold_for_booking(session, request.booking_id)
    domain.check_repeat(existing, request)
    _announce_hold(uow, existing, council)
    return existing


def _resolve(uow, booking_id, resolve, why_void):
    """Loads the booking's hold with its budget locked and applies `resolve(budget, hold,
    now)`. With no hold at all, leaves a `void` marker so that a hold request still on its
    way can never hold the money of a booking that has ended."""
    session = uow.session
    now = utcnow()
    hold = _hold_for_booking(session, booking_id)
    if hold is None:
        hold = domain.Hold.void(booking_id, BOOKINGS, now, why_void)
        session.add(hold)
        return hold, domain.Resolution(domain.NOT_HELD)
    outcome = domain.unchanged(hold)
    if outcome:  # final states never change, so no lock is needed to say so
        return hold, domain.Resolution(outcome)
    budget = _budget(session, hold.budget_id, lock=True)
    hold = _hold_for_booking(session, booking_id, lock=True)  # as it is now, under the lock
    resolution = resolve(budget, hold, now)
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
    session = uow.session
    hold = _hold_for_booking(session, booking_id)
    budget = _budget(session, hold.budget_id, lock=True) if hold and hold.approval else None
    if budget is None or budget.council != actor["council"]:
        raise NotFound("approval not found")
    hold = _hold_for_booking(session, booking_id, lock=True)
    resolution = budget.decide(hold, approve, actor["user_id"], reason, utcnow())
    _announce_decision(uow, hold)
    if resolution and resolution.changed:
        payloads.emit(uow, events.FUNDS_RELEASED, {
            "booking_id": booking_id, "budget_id": hold.budget_id,
            "amount_pence": resolution.released_pence}, booking_id)
    return hold, budget


def _approvals(actor, status):
    """(hold, budget) pairs of the officer's council whose approval's status is `status`."""
    _require(domain.may_manage_budgets(actor))
    return (sa.select(Hold, Budget).select_from(holds)
            .join(approvals, approvals.c.hold_id == holds.c.id)
            .join(budgets, budgets.c.id == approvals.c.budget_id)
            .options(contains_eager(Hold.approval))
            .where(approvals.c.council == actor["council"], status))


def pending_approvals(uow, actor, limit, cursor, booking_ids=None):
    query = _approvals(actor, approvals.c.status == domain.PENDING)
    if booking_ids is not None:
        query = query.where(approvals.c.booking_id.in_(booking_ids))
    # (hold, budget) pairs awaiting an officer of the council, oldest request first
    return keyset_page(uow.session, query, (approvals.c.requested_at, approvals.c.hold_id),
                       limit, cursor)


def decided_approvals(uow, actor, limit, cursor):
    """The spends officers of the council decided (approved or declined; not the automatic
    approvals), latest decision first."""
    query = _approvals(actor, approvals.c.status.in_((domain.APPROVED, domain.DECLINED)))
    return keyset_page(uow.session, query, (approvals.c.decided_at, approvals.c.hold_id),
                       limit, cursor, descending=True)
