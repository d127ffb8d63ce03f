"""The budgets service: Direct Payment budgets on an append-only ledger, two-phase holds,
officer approvals and statements. nameko entrypoints only; the rules live in `domain.py` and
`statements.py`, the use cases in `application.py`.

Contract (docs/contracts.md, "budgets"; this docstring repeats it, fix both together)
------------------------------------------------------------------------------------
RPC. `actor` = `{"user_id", "role", "council", "provider_id"}` from the gateway. Errors:
`InvalidInput(errors)` names each bad field and nothing is stored; `NotFound` for what does not
exist *or is not the actor's* (another council's budget or approval, another family's budget);
`Forbidden` for a role that may never do it; `Conflict(code, detail)` when a rule refuses
(`insufficient_funds`, `approval_not_pending`, `budget_inactive`, `budget_closed`,
`hold_mismatch`, `capture_exceeds_hold`, `approval_pending`, `idempotency_key_reused`).
- `health()`
- `create_budget(actor, data, idempotency_key=None)` officer. `data` = `{family_id,
  family_council?, allocated_pence, period_start, period_end, allowed_categories,
  auto_approve_limit_pence}`; the budget's council is the officer's; a `family_council` other
  than it is NotFound. -> budget
- `get_budget(actor, budget_id)` its family, officers of its council -> budget
  `{id, family_id, council, allocated_pence, held_pence, spent_pence, available_pence,
  allowed_categories, auto_approve_limit_pence, period_start, period_end, status, created_by,
  created_at}`
- `list_budgets(actor, family_id=None, limit=50, cursor=None)` -> `{items, next_cursor}`
- `get_statement(actor, budget_id)` -> `{budget, entries: [{id, kind, amount_pence, booking_id,
  reason, created_by, created_at, balance: {allocated_pence, held_pence, spent_pence,
  available_pence}}]}`, oldest first, `balance` running. Kinds: allocation, top_up,
  adjustment, hold, hold_release, capture.
- `get_statement_csv(actor, budget_id)` -> the same as CSV text (for the audit).
- `get_monitoring_summary(actor, budget_id, as_of=None)` -> spend by category, allocation to
  date, surplus, `reclaim_weeks` and `surplus_over_threshold` (more than that many weeks'
  worth, 8 unless the council's `RECLAIM_WEEKS_BY_COUNCIL` config says otherwise: councils
  reclaim it).
- `get_monitoring_return(actor, as_of=None, limit=50, cursor=None)` officer -> the summaries of
  the council's budgets, `{items, next_cursor}`.
- `get_monitoring_csv(actor, as_of=None)` officer -> every summary of the council's return
  as CSV text (`monitoring.COLUMNS`, then `spent_<kind>_pence` per kind of break).
- `top_up(actor, budget_id, amount_pence, reason=None, idempotency_key=None)`,
  `adjust(actor, budget_id, amount_pence, reason, idempotency_key=None)` (signed; may not take
  available below zero), `suspend(actor, budget_id, reason)`: officers of the budget's council
  -> budget. `reinstate(actor, budget_id, reason=None)` makes a suspended budget active again
  -> budget. Suspending blocks new holds (`budget_inactive`) and keeps the holds already made
  until their bookings end (captured or released as usual).
- `get_history(actor, budget_id)` officers of its council -> `{budget, items: [{at, action,
  by, reason, amount_pence, booking_id}]}`, oldest first: the ledger's entries (action = the
  entry's kind) and the audit records (created, suspended, reinstated, spend_approved,
  spend_declined).
  `idempotency_key` (optional, per officer): the same key again answers with the budget as it
  is and changes nothing (a client retry, or the broker redelivering a request whose reply was
  lost); with other arguments it is Conflict `idempotency_key_reused`. The other changes need
  no key: suspending, holding, capturing and releasing are idempotent, and a decision, once
  taken, refuses a repeat (`approval_not_pending`).
- `hold_funds(booking_id, budget_id, family_id, amount_pence, category, break_start,
  break_end)` -> `{booking_id, budget_id, hold_id, status: held|refused|captured|released|void,
  amount_pence, refusal_reason, approval: auto|required|None, approval_status}`. Idempotent by
  booking id; the same id with another amount, budget or family is Conflict `hold_mismatch`.
- `capture_funds(booking_id, amount_pence=None)`, `release_funds(booking_id)` ->
  `{booking_id, budget_id, outcome, captured_pence, released_pence}`; `outcome` is
  `captured`/`released`, or says why nothing changed: `already_captured`, `already_released`,
  `not_held`.
- `approve_spend(actor, booking_id, reason=None)`, `decline_spend(actor, booking_id, reason)`
  officer of the budget's council -> the approval `{booking_id, budget_id, hold_id, family_id,
  council, amount_pence, category, break_start, break_end, status, reasons, requested_at,
  decided_by, decided_at, reason}`. A declined spend's money is released at once. Either
  decision is written to the budget's audit trail (`budget_audit`: `spend_approved` /
  `spend_declined`, the officer, when, and the booking, why it needed a decision and why).
- `list_pending_approvals(actor, limit=50, cursor=None, booking_ids=None)` officer ->
  approvals awaiting the officer's council (only these bookings' with `booking_ids`, at most
  200), oldest first, each with the budget's `available_pence`,
  `allocated_pence`, `allowed_categories`, `auto_approve_limit_pence` and `period_end`.
- `list_decided_approvals(actor, limit=50, cursor=None)` officer -> the approvals officers of
  the council decided (approved, declined), latest decision first, `{items, next_cursor}`.

Events consumed (from `bookings`; `handlers.EVENT_HANDLERS` says which use case answers
each), each applied once per event id:
- `booking_requested` -> hold (the same path as `hold_funds`) when it names a budget; a
  booking without a budget (a gifted break) needs no hold. Providers reserves the places on
  the same event, at the same time.
- `booking_rejected`, `booking_cancelled`, `booking_expired` -> release the hold if any; a
  booking that ended before its hold request arrived gets a `void` marker so the late request
  holds nothing; a released approval is `withdrawn` and can no longer be approved.
- `booking_completed` -> capture `final_amount_pence` (all of the hold if absent).
A payload that breaks the contract (or a `hold_mismatch`) is retried, then dead-lettered for
an operator, never silently dropped.

Events emitted (on `budgets.events`, schema_version 1, aggregate id = booking id):
`funds_held {booking_id, budget_id, hold_id, amount_pence, approval: auto|required}`,
`approval_required {booking_id, budget_id, council, amount_pence, category}`,
`spend_approved` / `spend_declined {booking_id, budget_id, decided_by, reason}`,
`hold_refused {booking_id, budget_id, reason}` reason in insufficient_funds, budget_inactive,
outside_budget_period, budget_not_found,
`funds_captured {booking_id, budget_id, amount_pence, released_pence}`,
`funds_released {booking_id, budget_id, amount_pence}`.
A repeated request is answered again, with a new event, so that a retry heals an answer that
was dead-lettered: a hold request with where the hold stands (`funds_held`, then
`approval_required` or `spend_approved`; `spend_declined`; or `hold_refused`; a hold resolved
otherwise with nothing: its booking has ended), a capture with `funds_captured` and a release
with `funds_released` (a hold never held announces nothing).

Concurrency: every change of money locks the budget's row first (`SELECT ... FOR UPDATE` on
PostgreSQL; SQLite units of work are serialised), so racing holds never spend a pound twice;
a unique booking id in `holds` settles racing requests for one booking (the loser's unit of
work is run again, up to `application.UNIQUE_RACE_ATTEMPTS` times, and sees the winner's row).
"""
import os

from nameko.dependency_providers import Config

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering
from seibiant_common.rpc import rpc

from . import application as app
from . import domain, models, monitoring, schemas, statements
from .handlers import EVENT_HANDLERS

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")

BUDGET = schemas.BudgetSchema()
RESOLUTION = schemas.ResolutionSchema()
APPROVAL = schemas.ApprovalSchema()


def _resolution(hold, resolution):
    return RESOLUTION.dump({"booking_id": hold.booking_id, "budget_id": hold.budget_id,
                            "outcome": resolution.outcome,
                            "captured_pence": resolution.captured_pence,
                            "released_pence": resolution.released_pence})


@answering(EVENT_HANDLERS)  # the events budgets hears, and what answers each
class BudgetsService:
    name = "budgets"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    config = Config()

    def _reclaim_weeks(self, council):
        """The council's threshold for reclaiming a surplus (config
        `RECLAIM_WEEKS_BY_COUNCIL`), 8 weeks unless set."""
        return int((self.config.get("RECLAIM_WEEKS_BY_COUNCIL") or {}).get(
            council, statements.RECLAIM_WEEKS))

    def _actor(self, actor):
        return schemas.parse(schemas.ActorSchema, actor)

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    # Budgets -------------------------------------------------------------------------

    @rpc
    def create_budget(self, actor, data, idempotency_key=None):
        actor = self._actor(actor)
        data = schemas.parse(schemas.CreateBudgetSchema, data)
        key = schemas.parse(schemas.IdempotencyKeySchema,
                            {"idempotency_key": idempotency_key})["idempotency_key"]
        return BUDGET.dump(app.transact(self.db,
            lambda uow: app.create_budget(uow, actor, data, key)))

    @rpc
    def get_budget(self, actor, budget_id):
        actor = self._actor(actor)
        args = schemas.parse(schemas.BudgetRefSchema, {"budget_id": budget_id})
        with self.db.unit_of_work() as uow:
            return BUDGET.dump(app.get_budget(uow, actor, **args))

    @rpc
    def list_budgets(self, actor, family_id=None, limit=50, cursor=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.ListBudgetsSchema,
                             {"family_id": family_id, "limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            page = app.list_budgets(uow, actor, args["family_id"], args["limit"],
                                    args["cursor"])
        return schemas.BudgetPageSchema().dump(page)

    @rpc
    def get_statement(self, actor, budget_id):
        actor = self._actor(actor)
        args = schemas.parse(schemas.BudgetRefSchema, {"budget_id": budget_id})
        with self.db.unit_of_work() as uow:
            budget, entries = app.get_statement(uow, actor, **args)
        return schemas.StatementSchema().dump({
            "budget": budget,
            "entries": [{"entry": entry, "balance": balance.as_dict()}
                        for entry, balance in statements.running_balances(entries)]})

    @rpc
    def get_statement_csv(self, actor, budget_id):
        actor = self._actor(actor)
        args = schemas.parse(schemas.BudgetRefSchema, {"budget_id": budget_id})
        with self.db.unit_of_work() as uow:
            _, entries = app.get_statement(uow, actor, **args)
        return statements.statement_csv(entries)

    @rpc
    def get_monitoring_summary(self, actor, budget_id, as_of=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.MonitoringQuerySchema,
                             {"budget_id": budget_id, "as_of": as_of})
        with self.db.unit_of_work() as uow:
            summary = app.monitoring_summary(uow, actor, reclaim_weeks=self._reclaim_weeks,
                                             **args)
        return schemas.MonitoringSummarySchema().dump(summary)

    @rpc
    def get_monitoring_return(self, actor, as_of=None, limit=50, cursor=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.MonitoringReturnQuerySchema,
                             {"as_of": as_of, "limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            page = app.monitoring_return(uow, actor, args["as_of"], args["limit"],
                                         args["cursor"], self._reclaim_weeks)
        return schemas.MonitoringReturnSchema().dump(page)

    @rpc
    def get_monitoring_csv(self, actor, as_of=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.MonitoringReturnQuerySchema, {"as_of": as_of})
        with self.db.unit_of_work() as uow:
            summaries = app.whole_monitoring_return(uow, actor, args["as_of"],
                                                    self._reclaim_weeks)
        return monitoring.monitoring_csv(summaries)

    @rpc
    def top_up(self, actor, budget_id, amount_pence, reason, idempotency_key=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.TopUpSchema, {
            "budget_id": budget_id, "amount_pence": amount_pence, "reason": reason,
            "idempotency_key": idempotency_key})
        return BUDGET.dump(app.transact(self.db, lambda uow: app.top_up(uow, actor, **args)))

    @rpc
    def adjust(self, actor, budget_id, amount_pence, reason, idempotency_key=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.AdjustSchema, {
            "budget_id": budget_id, "amount_pence": amount_pence, "reason": reason,
            "idempotency_key": idempotency_key})
        return BUDGET.dump(app.transact(self.db, lambda uow: app.adjust(uow, actor, **args)))

    @rpc
    def suspend(self, actor, budget_id, reason):
        actor = self._actor(actor)
        args = schemas.parse(schemas.SuspendSchema, {"budget_id": budget_id,
                                                       "reason": reason})
        return BUDGET.dump(app.transact(self.db, lambda uow: app.suspend(uow, actor, **args)))

    @rpc
    def reinstate(self, actor, budget_id, reason=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.ReinstateSchema, {"budget_id": budget_id,
                                                         "reason": reason})
        return BUDGET.dump(app.transact(self.db, lambda uow: app.reinstate(uow, actor, **args)))

    @rpc
    def get_history(self, actor, budget_id):
        actor = self._actor(actor)
        args = schemas.parse(schemas.BudgetRefSchema, {"budget_id": budget_id})
        with self.db.unit_of_work() as uow:
            budget, items = app.history(uow, actor, **args)
        return schemas.HistorySchema().dump({"budget": budget, "items": items})

    # Holds ---------------------------------------------------------------------------

    @rpc
    def hold_funds(self, booking_id, budget_id, family_id, amount_pence, category,
                   break_start, break_end):
        request = domain.HoldRequest(**schemas.parse(schemas.HoldFundsSchema, {
            "booking_id": booking_id, "budget_id": budget_id, "family_id": family_id,
            "amount_pence": amount_pence, "category": category, "break_start": break_start,
            "break_end": break_end}))
        return schemas.HoldSchema().dump(
            app.transact(self.db, lambda uow: app.hold_funds(uow, request)))

    @rpc
    def capture_funds(self, booking_id, amount_pence=None):
        args = schemas.parse(schemas.CaptureFundsSchema, {"booking_id": booking_id,
                                                            "amount_pence": amount_pence})
        return _resolution(*app.transact(self.db, lambda uow: app.capture_funds(uow, **args)))

    @rpc
    def release_funds(self, booking_id):
        args = schemas.parse(schemas.ReleaseFundsSchema, {"booking_id": booking_id})
        return _resolution(*app.transact(self.db,
            lambda uow: app.release_funds(uow, args["booking_id"], "released on request")))

    # Approvals -----------------------------------------------------------------------

    @rpc
    def approve_spend(self, actor, booking_id, reason=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.ApproveSpendSchema, {"booking_id": booking_id,
                                                            "reason": reason})
        hold, budget = app.transact(self.db,
            lambda uow: app.decide_spend(uow, actor, approve=True, **args))
        return APPROVAL.dump({"hold": hold, "budget": budget})

    @rpc
    def decline_spend(self, actor, booking_id, reason):
        actor = self._actor(actor)
        args = schemas.parse(schemas.DeclineSpendSchema, {"booking_id": booking_id,
                                                            "reason": reason})
        hold, budget = app.transact(self.db,
            lambda uow: app.decide_spend(uow, actor, approve=False, **args))
        return APPROVAL.dump({"hold": hold, "budget": budget})

    @rpc
    def list_pending_approvals(self, actor, limit=50, cursor=None, booking_ids=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.PendingApprovalsQuerySchema, {
            "limit": limit, "cursor": cursor, "booking_ids": booking_ids})
        with self.db.unit_of_work() as uow:
            page = app.pending_approvals(uow, actor, args["limit"], args["cursor"],
                                         args["booking_ids"])
        return schemas.PendingApprovalPageSchema().dump({
            "items": [{"hold": hold, "budget": budget} for hold, budget in page["items"]],
            "next_cursor": page["next_cursor"]})

    @rpc
    def list_decided_approvals(self, actor, limit=50, cursor=None):
        actor = self._actor(actor)
        args = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            page = app.decided_approvals(uow, actor, args["limit"], args["cursor"])
        return schemas.ApprovalPageSchema().dump({
            "items": [{"hold": hold, "budget": budget} for hold, budget in page["items"]],
            "next_cursor": page["next_cursor"]})
