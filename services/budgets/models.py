"""SQLAlchemy tables of the budgets service (its own database; no other service reads it).

`ledger_entries` and `budget_audit` are append-only: the migration installs triggers that
refuse UPDATE and DELETE on them, on PostgreSQL and SQLite alike. The balance columns of
`budgets` are a cache of the ledger's sums, written in the same transaction as the entries,
and a CHECK keeps `available` from ever going below zero even if code went wrong.
"""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime

ID = sa.String(64)
PENCE = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)


class BudgetRow(Base):
    __tablename__ = "budgets"
    __table_args__ = (
        sa.CheckConstraint("allocated_pence - held_pence - spent_pence >= 0",
                           name="ck_budgets_available_not_negative"),
        sa.CheckConstraint("held_pence >= 0 AND spent_pence >= 0",
                           name="ck_budgets_held_spent_not_negative"),
        sa.Index("ix_budgets_council_created", "council", "created_at", "id"),
        sa.Index("ix_budgets_family_created", "family_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    family_id: Mapped[str] = mapped_column(ID)
    council: Mapped[str] = mapped_column(sa.String(64))
    period_start = mapped_column(UtcDateTime, nullable=False)
    period_end = mapped_column(UtcDateTime, nullable=False)
    allowed_categories = mapped_column(sa.JSON, nullable=False)
    auto_approve_limit_pence: Mapped[int] = mapped_column(PENCE)
    status: Mapped[str] = mapped_column(sa.String(16))
    allocated_pence: Mapped[int] = mapped_column(PENCE)
    held_pence: Mapped[int] = mapped_column(PENCE)
    spent_pence: Mapped[int] = mapped_column(PENCE)
    created_by: Mapped[str] = mapped_column(ID)
    created_at = mapped_column(UtcDateTime, nullable=False)
    updated_at = mapped_column(UtcDateTime, nullable=False)


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (sa.Index("ix_ledger_entries_budget_seq", "budget_id", "seq"),)

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    budget_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("budgets.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    amount_pence: Mapped[int] = mapped_column(PENCE)
    booking_id = mapped_column(ID, nullable=True)
    hold_id = mapped_column(ID, nullable=True)
    reason = mapped_column(sa.Text, nullable=True)
    created_by: Mapped[str] = mapped_column(ID)
    created_at = mapped_column(UtcDateTime, nullable=False)


class BudgetAuditRow(Base):
    __tablename__ = "budget_audit"
    __table_args__ = (sa.Index("ix_budget_audit_budget_seq", "budget_id", "seq"),)

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    budget_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("budgets.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(ID)
    at = mapped_column(UtcDateTime, nullable=False)
    reason = mapped_column(sa.Text, nullable=True)


class HoldRow(Base):
    """One row per booking the service has heard of (booking_id is unique): a hold, a refused
    request, or a `void` marker. Two racing writers for one booking meet on that key."""
    __tablename__ = "holds"
    __table_args__ = (sa.Index("ix_holds_budget_status", "budget_id", "status"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    booking_id: Mapped[str] = mapped_column(ID, unique=True)
    # Not a foreign key: a refused request keeps the budget id it named, even an unknown one.
    budget_id = mapped_column(ID, nullable=True)
    family_id = mapped_column(ID, nullable=True)
    amount_pence: Mapped[int] = mapped_column(PENCE)
    category = mapped_column(sa.String(32), nullable=True)
    break_start = mapped_column(UtcDateTime, nullable=True)
    break_end = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    refusal_reason = mapped_column(sa.String(32), nullable=True)
    captured_pence: Mapped[int] = mapped_column(PENCE)
    released_pence: Mapped[int] = mapped_column(PENCE)
    created_at = mapped_column(UtcDateTime, nullable=False)
    resolved_at = mapped_column(UtcDateTime, nullable=True)
    resolved_by = mapped_column(ID, nullable=True)
    resolution_reason = mapped_column(sa.Text, nullable=True)


class ApprovalRow(Base):
    """The approval of one hold, automatic or by an officer: who decided, when and why."""
    __tablename__ = "approvals"
    __table_args__ = (
        sa.Index("ix_approvals_council_status", "council", "status", "requested_at", "hold_id"),
    )

    hold_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("holds.id"), primary_key=True)
    booking_id: Mapped[str] = mapped_column(ID, unique=True)
    budget_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("budgets.id"))
    council: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))
    reasons = mapped_column(sa.JSON, nullable=False)
    requested_at = mapped_column(UtcDateTime, nullable=False)
    decided_by = mapped_column(ID, nullable=True)
    decided_at = mapped_column(UtcDateTime, nullable=True)
    reason = mapped_column(sa.Text, nullable=True)


class AppliedRequestRow(Base):
    """Officers' requests that carried an idempotency key, so a repeat changes nothing."""
    __tablename__ = "applied_requests"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # "<user id>:<key>"
    operation: Mapped[str] = mapped_column(sa.String(32))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    budget_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("budgets.id"))
    created_at = mapped_column(UtcDateTime, nullable=False)
