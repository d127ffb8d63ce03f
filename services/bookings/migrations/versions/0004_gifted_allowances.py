"""the fair share of gifted breaks: councils' allowances, a lock row per family that takes
gifts, and who booked a booking for its family (a referrer)"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0004"
down_revision = "0003"


def upgrade():
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("booked_by", sa.String(64), nullable=True))
    op.create_table(
        "gifted_allowances",
        sa.Column("council", sa.String(64), primary_key=True),
        sa.Column("breaks_per_12_months", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.CheckConstraint("breaks_per_12_months >= 0", name="ck_gifted_allowances_breaks"),
    )
    op.create_table(
        "gift_takers",
        sa.Column("family_id", sa.String(64), primary_key=True),
    )
