"""plumbing and received notes"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.plumbing_tables import create_plumbing_tables

revision = "0001"
down_revision = None


def upgrade():
    create_plumbing_tables(op)
    op.create_table(
        "received",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
    )
