"""Rows in and out: the budgets service's tables as the domain's objects.

Concurrency: whatever changes money first locks the budget's row (`SELECT ... FOR UPDATE` on
PostgreSQL; SQLite's units of work are already serialised by BEGIN IMMEDIATE), and only then
reads the holds it will change, so two holds can never both see the same available pound.
Locks are always taken budget first, hold second, so two writers never deadlock.
"""
import sqlalchemy as sa

from seibiant_common.paging import keyset_page
from seibiant_common.sql import upsert
from seibiant_common.types import utcnow

from . import domain
from .models import (AppliedRequestRow, ApprovalRow, BudgetAuditRow, BudgetRow, HoldRow,
                     LedgerEntryRow)


HOLD_FIELDS = ("budget_id", "family_id", "amount_pence", "category", "break_start",
               "break_end", "status", "refusal_reason", "captured_pence", "released_pence",
               "created_at", "resolved_at", "resolved_by", "resolution_reason")


class Repository:
    def __init__(self, session):
        self.session = session
        # The rows behind the objects handed out, by (table, key): saving one updates its row;
        # an object with no row here is new. (Asking the session would cost a SELECT per
        # new row, on the hot path of every hold.)
        self._rows = {}

    def _loaded(self, row, key):
        if row is not None:
            self._rows[(row.__tablename__, key)] = row
        return row

    # Budgets -----------------------------------------------------------------------------

    def budget(self, budget_id, lock=False):
        query = sa.select(BudgetRow).where(BudgetRow.id == budget_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = self._loaded(self.session.scalars(query).one_or_none(), budget_id)
        return _budget(row) if row else None

    def budgets(self, council=None, family_id=None, cursor=None, limit=50):
        """A page of budgets, oldest first."""
        query = sa.select(BudgetRow)
        if council is not None:
            query = query.where(BudgetRow.council == council)
        if family_id is not None:
            query = query.where(BudgetRow.family_id == family_id)
        return keyset_page(self.session, query, (BudgetRow.created_at, BudgetRow.id), limit,
                           cursor, view=_budget)

    def save_budget(self, budget):
        """Writes the budget's status and cached balance with its new entries and audit."""
        now = utcnow()
        row = self._rows.get((BudgetRow.__tablename__, budget.id))
        if row is None:
            row = BudgetRow(
                id=budget.id, family_id=budget.family_id, council=budget.council,
                period_start=budget.period_start, period_end=budget.period_end,
                allowed_categories=list(budget.allowed_categories),
                auto_approve_limit_pence=budget.auto_approve_limit_pence,
                created_by=budget.created_by, created_at=budget.created_at)
            self.session.add(row)
            self._loaded(row, budget.id)
        row.status = budget.status
        row.allocated_pence = budget.balance.allocated_pence
        row.held_pence = budget.balance.held_pence
        row.spent_pence = budget.balance.spent_pence
        row.updated_at = now
        self.session.flush()  # the budget row before the rows that refer to it
        self.session.add_all(LedgerEntryRow(**vars(entry)) for entry in budget.new_entries)
        self.session.add_all(BudgetAuditRow(**vars(record)) for record in budget.new_audit)
        budget.new_entries.clear()
        budget.new_audit.clear()

    def entries(self, budget_id):
        rows = self.session.scalars(sa.select(LedgerEntryRow)
                                    .where(LedgerEntryRow.budget_id == budget_id)
                                    .order_by(LedgerEntryRow.seq))
        return [domain.LedgerEntry(
            id=row.id, budget_id=row.budget_id, kind=row.kind, amount_pence=row.amount_pence,
            created_by=row.created_by, created_at=row.created_at, reason=row.reason,
            booking_id=row.booking_id, hold_id=row.hold_id) for row in rows]

    def spent_by_category(self, budget_id):
        rows = self.session.execute(
            sa.select(HoldRow.category, sa.func.sum(HoldRow.captured_pence))
            .where(HoldRow.budget_id == budget_id, HoldRow.status == domain.CAPTURED)
            .group_by(HoldRow.category))
        return {category: int(total) for category, total in rows if total}

    def applied_request(self, key):
        return self.session.get(AppliedRequestRow, key)

    def record_request(self, key, operation, fingerprint, budget_id):
        self.session.add(AppliedRequestRow(key=key, operation=operation,
                                           fingerprint=fingerprint, budget_id=budget_id,
                                           created_at=utcnow()))

    # Holds -------------------------------------------------------------------------------

    def budget_and_hold(self, budget_id, booking_id):
        """(budget, the booking's hold or None) in one statement, the budget locked; budget
        None when there is no such budget. The hold is read as it was before the lock was
        granted: one committed meanwhile by another worker makes `insert_hold` refuse."""
        found = self.session.execute(
            sa.select(BudgetRow, HoldRow, ApprovalRow).select_from(BudgetRow)
            .outerjoin(HoldRow, HoldRow.booking_id == booking_id)
            .outerjoin(ApprovalRow, ApprovalRow.hold_id == HoldRow.id)
            .where(BudgetRow.id == budget_id)
            .with_for_update(of=BudgetRow).execution_options(populate_existing=True)
        ).one_or_none()
        if found is None:
            return None, self.hold_for_booking(booking_id)
        budget, hold, approval = found
        self._loaded(budget, budget.id)
        if hold is None:
            return _budget(budget), None
        self._loaded(hold, hold.id)
        self._loaded(approval, hold.id)
        return _budget(budget), _hold(hold, approval)

    def hold_for_booking(self, booking_id, lock=False):
        query = (sa.select(HoldRow, ApprovalRow)
                 .outerjoin(ApprovalRow, ApprovalRow.hold_id == HoldRow.id)
                 .where(HoldRow.booking_id == booking_id))
        if lock:
            query = query.with_for_update(of=HoldRow).execution_options(populate_existing=True)
        found = self.session.execute(query).one_or_none()
        if found is None:
            return None
        hold, approval = found
        self._loaded(hold, hold.id)
        self._loaded(approval, hold.id)
        return _hold(hold, approval)

    def insert_hold(self, hold, council):
        """Inserts a new hold and its approval, in one statement for the hold, unless the
        booking has a hold already (another worker's, committed since it was looked for):
        False then, and nothing is written."""
        table = HoldRow.__table__
        inserted = self.session.execute(
            upsert(self.session, table)
            .values(id=hold.id, booking_id=hold.booking_id,
                    **{name: getattr(hold, name) for name in HOLD_FIELDS})
            .on_conflict_do_nothing(index_elements=[table.c.booking_id]))
        if inserted.rowcount == 0:
            return False
        if hold.approval is not None:
            self._save_approval(hold, council)
        return True

    def save_hold(self, hold, council=None):
        """Inserts or updates the hold and its approval (`council` is needed on insert)."""
        row = self._rows.get((HoldRow.__tablename__, hold.id))
        if row is None:
            row = self._loaded(HoldRow(id=hold.id, booking_id=hold.booking_id), hold.id)
            self.session.add(row)
        for name in HOLD_FIELDS:
            setattr(row, name, getattr(hold, name))
        if hold.approval is None:
            return
        self.session.flush()  # the hold before its approval
        self._save_approval(hold, council)

    def _save_approval(self, hold, council):
        approval = self._rows.get((ApprovalRow.__tablename__, hold.id))
        if approval is None:
            approval = self._loaded(ApprovalRow(
                hold_id=hold.id, booking_id=hold.booking_id, budget_id=hold.budget_id,
                council=council, reasons=list(hold.approval.reasons),
                requested_at=hold.approval.requested_at), hold.id)
            self.session.add(approval)
        approval.status = hold.approval.status
        approval.decided_by = hold.approval.decided_by
        approval.decided_at = hold.approval.decided_at
        approval.reason = hold.approval.reason

    def pending_approvals(self, council, cursor=None, limit=50, booking_ids=None):
        """A page of (hold, budget) pairs awaiting an officer of `council`, oldest request
        first (of `booking_ids` only, when given)."""
        query = (sa.select(HoldRow, ApprovalRow, BudgetRow)
                 .join(ApprovalRow, ApprovalRow.hold_id == HoldRow.id)
                 .join(BudgetRow, BudgetRow.id == ApprovalRow.budget_id)
                 .where(ApprovalRow.council == council, ApprovalRow.status == domain.PENDING))
        if booking_ids is not None:
            query = query.where(ApprovalRow.booking_id.in_(booking_ids))
        return keyset_page(self.session, query, (ApprovalRow.requested_at, ApprovalRow.hold_id),
                           limit, cursor,
                           view=lambda rows: (_hold(rows[0], rows[1]), _budget(rows[2])))


def _budget(row):
    return domain.Budget(
        id=row.id, family_id=row.family_id, council=row.council,
        period_start=row.period_start, period_end=row.period_end,
        allowed_categories=tuple(row.allowed_categories),
        auto_approve_limit_pence=row.auto_approve_limit_pence, status=row.status,
        created_by=row.created_by, created_at=row.created_at,
        balance=domain.Balance(row.allocated_pence, row.held_pence, row.spent_pence))


def _hold(row, approval_row):
    approval = None
    if approval_row is not None:
        approval = domain.Approval(
            status=approval_row.status, reasons=tuple(approval_row.reasons),
            requested_at=approval_row.requested_at, decided_by=approval_row.decided_by,
            decided_at=approval_row.decided_at, reason=approval_row.reason)
    return domain.Hold(
        id=row.id, booking_id=row.booking_id, budget_id=row.budget_id,
        family_id=row.family_id, amount_pence=row.amount_pence, category=row.category,
        break_start=row.break_start, break_end=row.break_end, status=row.status,
        created_at=row.created_at, refusal_reason=row.refusal_reason, approval=approval,
        captured_pence=row.captured_pence, released_pence=row.released_pence,
        resolved_at=row.resolved_at, resolved_by=row.resolved_by,
        resolution_reason=row.resolution_reason)
