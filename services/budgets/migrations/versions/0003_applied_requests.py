"""officers' requests applied once per idempotency key"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade():
    op.create_table(
        "applied_requests",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("budget_id", sa.String(64), sa.ForeignKey("budgets.id"), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
