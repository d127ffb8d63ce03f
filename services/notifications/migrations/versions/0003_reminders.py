"""the timer's occasions: reminders before a break and to officers of a waiting spend"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade():
    op.create_table(
        "reminders",
        sa.Column("occasion", sa.String(32), primary_key=True),
        sa.Column("booking_id", sa.String(64), primary_key=True),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("fact", sa.JSON, nullable=False),
        sa.Column("done_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_reminders_due", "reminders", ["done_at", "due_at"])
