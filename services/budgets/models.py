"""SQLAlchemy tables of the budgets service (its own database; no other service reads it).

The domain classes (`domain.Budget`, `Hold`, `Approval`, `LedgerEntry`, `AuditRecord`) are
mapped onto these tables imperatively, so the rules stay plain Python and the tables stay here.

`ledger_entries` and `budget_audit` are append-only: the migration installs triggers that
refuse UPDATE and DELETE on them, on PostgreSQL and SQLite alike. The balance columns of
`budgets` are a cache of the ledger's sums, written in the same transaction as the entries,
and a CHECK keeps `available` from ever going below zero even if code went wrong.
"""
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, composite, relationship
from sqlalchemy.orm.attributes import set_committed_value

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime, utcnow

from . import domain

ID = sa.String(64)
PENCE = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)

budgets = sa.Table(
    "budgets", Base.metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("family_id", ID, nullable=False),
    sa.Column("council", sa.String(64), nullable=False),
    sa.Column("period_start", UtcDateTime, nullable=False),
    sa.Column("period_end", UtcDateTime, nullable=False),
    sa.Column("allowed_categories", sa.JSON, nullable=False),
    sa.Column("auto_approve_limit_pence", PENCE, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("allocated_pence", PENCE, nullable=False),
    sa.Column("held_pence", PENCE, nullable=False),
    sa.Column("spent_pence", PENCE, nullable=False),
    sa.Column("created_by", ID, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Not in the domain: when the row last changed, written by the session.
    sa.Column("updated_at", UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    sa.CheckConstraint("allocated_pence - held_pence - spent_pence >= 0",
                       name="ck_budgets_available_not_negative"),
    sa.CheckConstraint("held_pence >= 0 AND spent_pence >= 0",
                       name="ck_budgets_held_spent_not_negative"),
)
sa.Index("ix_budgets_council_created", budgets.c.council, budgets.c.created_at, budgets.c.id)
sa.Index("ix_budgets_family_created", budgets.c.family_id, budgets.c.created_at, budgets.c.id)

ledger_entries = sa.Table(
    "ledger_entries", Base.metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("id", ID, nullable=False, unique=True),
    sa.Column("budget_id", ID, sa.ForeignKey("budgets.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("amount_pence", PENCE, nullable=False),
    sa.Column("booking_id", ID, nullable=True),
    sa.Column("hold_id", ID, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_by", ID, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
sa.Index("ix_ledger_entries_budget_seq", ledger_entries.c.budget_id, ledger_entries.c.seq)

budget_audit = sa.Table(
    "budget_audit", Base.metadata,
    sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
    sa.Column("budget_id", ID, sa.ForeignKey("budgets.id"), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("actor", ID, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
)
sa.Index("ix_budget_audit_budget_seq", budget_audit.c.budget_id, budget_audit.c.seq)

# One row per booking the service has heard of (booking_id is unique): a hold, a refused
# request, or a `void` marker. Two racing writers for one booking meet on that key.
holds = sa.Table(
    "holds", Base.metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("booking_id", ID, nullable=False, unique=True),
    # Not a foreign key: a refused request keeps the budget id it named, even an unknown one.
    sa.Column("budget_id", ID, nullable=True),
    sa.Column("family_id", ID, nullable=True),
    sa.Column("amount_pence", PENCE, nullable=False),
    sa.Column("category", sa.String(32), nullable=True),
    sa.Column("break_start", UtcDateTime, nullable=True),
    sa.Column("break_end", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("refusal_reason", sa.String(32), nullable=True),
    sa.Column("captured_pence", PENCE, nullable=False),
    sa.Column("released_pence", PENCE, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("resolved_by", ID, nullable=True),
    sa.Column("resolution_reason", sa.Text, nullable=True),
)
sa.Index("ix_holds_budget_status", holds.c.budget_id, holds.c.status)

# The approval of one hold, automatic or by an officer: who decided, when and why. The hold's
# booking, budget and council are copied here so officers' lists need no join to find theirs.
approvals = sa.Table(
    "approvals", Base.metadata,
    sa.Column("hold_id", ID, sa.ForeignKey("holds.id"), primary_key=True),
    sa.Column("booking_id", ID, nullable=False, unique=True),
    sa.Column("budget_id", ID, sa.ForeignKey("budgets.id"), nullable=False),
    sa.Column("council", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("decided_by", ID, nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
)
sa.Index("ix_approvals_council_status", approvals.c.council, approvals.c.status,
         approvals.c.requested_at, approvals.c.hold_id)

# Officers' requests that carried an idempotency key, so a repeat changes nothing (read and
# written by statements of its own: no domain object stands for one).
applied_requests = sa.Table(
    "applied_requests", Base.metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # "<user id>:<key>"
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("budget_id", ID, sa.ForeignKey("budgets.id"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

Base.registry.map_imperatively(domain.LedgerEntry, ledger_entries)
Base.registry.map_imperatively(domain.AuditRecord, budget_audit)
Base.registry.map_imperatively(domain.Budget, budgets, properties={
    "balance": composite(domain.Balance, budgets.c.allocated_pence, budgets.c.held_pence,
                         budgets.c.spent_pence),
    # What the rules post is inserted with the budget (after it, when the budget is new).
    # Never loaded: a budget read from its row has posted nothing yet (`_posted_nothing_yet`).
    "new_entries": relationship(domain.LedgerEntry, lazy="raise", cascade="save-update"),
    "new_audit": relationship(domain.AuditRecord, lazy="raise", cascade="save-update"),
})
Base.registry.map_imperatively(domain.Approval, approvals)
Base.registry.map_imperatively(domain.Hold, holds, properties={
    # Read with its hold, in the same statement (a hold has at most one).
    "approval": relationship(domain.Approval, uselist=False, lazy="joined",
                             cascade="save-update, merge"),
})



@event.listens_for(domain.Budget, "load")
@event.listens_for(domain.Budget, "refresh")  # read again (populate_existing: under its lock)
def _posted_nothing_yet(budget: domain.Budget, *_context: object) -> None:
    for name in ("new_entries", "new_audit"):
        if name not in budget.__dict__:  # what was posted before a refresh is still written
            set_committed_value(budget, name, [])
