"""outbox and processed events"""
from alembic import op

from seibiant_common.plumbing_tables import create_plumbing_tables

revision = "0001"
down_revision = None


def upgrade():
    create_plumbing_tables(op)
