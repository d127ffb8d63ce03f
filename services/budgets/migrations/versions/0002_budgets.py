"""budgets, the append-only ledger, holds and approvals"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"

ID = sa.String(64)
PENCE = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("ledger_entries", "budget_audit")


def upgrade():
    op.create_table(
        "budgets",
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
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("allocated_pence - held_pence - spent_pence >= 0",
                           name="ck_budgets_available_not_negative"),
        sa.CheckConstraint("held_pence >= 0 AND spent_pence >= 0",
                           name="ck_budgets_held_spent_not_negative"),
    )
    op.create_index("ix_budgets_council_created", "budgets", ["council", "created_at", "id"])
    op.create_index("ix_budgets_family_created", "budgets", ["family_id", "created_at", "id"])

    op.create_table(
        "ledger_entries",
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
    op.create_index("ix_ledger_entries_budget_seq", "ledger_entries", ["budget_id", "seq"])

    op.create_table(
        "budget_audit",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("budget_id", ID, sa.ForeignKey("budgets.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", ID, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_budget_audit_budget_seq", "budget_audit", ["budget_id", "seq"])

    op.create_table(
        "holds",
        sa.Column("id", ID, primary_key=True),
        sa.Column("booking_id", ID, nullable=False, unique=True),
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
    op.create_index("ix_holds_budget_status", "holds", ["budget_id", "status"])

    op.create_table(
        "approvals",
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
    op.create_index("ix_approvals_council_status", "approvals",
                    ["council", "status", "requested_at", "hold_id"])

    _refuse_changes(APPEND_ONLY)


def _refuse_changes(tables):
    """Entries are immutable: corrections are new entries, so UPDATE and DELETE are refused."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END $$""")
        for table in tables:
            op.execute("CREATE TRIGGER {0}_append_only BEFORE UPDATE OR DELETE ON {0} "
                       "FOR EACH ROW EXECUTE FUNCTION refuse_change()".format(table))
        return
    for table in tables:
        for action in ("UPDATE", "DELETE"):
            op.execute("CREATE TRIGGER {0}_no_{1} BEFORE {2} ON {0} BEGIN "
                       "SELECT RAISE(ABORT, '{0} is append-only'); END".format(
                           table, action.lower(), action))
